// Package vqa answers visual questions with a frozen language model that
// sees the image only as text, as in Tan and Shen, "Tackling VQA with
// Pretrained Foundation Models without Further Training" (2023): a
// captioner describes the image under a decoding strategy, and the
// language model answers from the captions, a few in-context examples and
// the question (spec-vqa-captions).
//
// # Overview
//
//   - Data: [ReadQuestions] joins VQA v2 question and annotation files
//     (plain or gzip JSON) into [Question]s with their ten human answers.
//   - Captions: a [Captioner] turns an [Image] into captions under a
//     [Decoding]. [ModelCaptioner] runs a cairn image-to-text model (any
//     [ImageModel]) with nn/models' greedy, beam, sampling and contrastive
//     decoders; [HTTPCaptioner] asks a vision-capable OpenAI-compatible
//     server; [CaptionFile] reads captions made elsewhere (JSON Lines).
//   - Prompt: [Prompt] renders the in-context prompt; a [Selector] picks
//     the examples (random, question similarity, question+caption
//     similarity, by TF-IDF cosine); [ExtractAnswer] reads the reply and
//     [Answer] asks a prompt.LM.
//   - Floor: [Prior] is the blind, question-only baseline: the most
//     frequent training answer of the question's type.
//
// Scoring is metrics.VQAAccuracy and metrics.EvalVQA (the official VQA
// accuracy with its normalisation).
//
// # What is ours
//
// The paper's body was not available: its prompt text, captioner, language
// model and hyper-parameters are unknown. The prompt here is PICa-style
// ([Instruction]); the similarity measure is TF-IDF cosine; the captioner
// prompt of HTTPCaptioner ([DefaultCaptionPrompt]) is ours.
package vqa
