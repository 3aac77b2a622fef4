// Package prompt is cairn's interface to language models used through
// prompts: the LM interface (score a continuation, generate, chat), the
// prompt templates of the methods built on it, and the parsers of their
// answers.
//
// Backends live in subpackages and all implement LM:
//   - prompt/ngram: a word n-gram model with interpolated modified
//     Kneser-Ney smoothing, trained from text, that reads and writes ARPA
//     files (KenLM and SRILM models load);
//   - prompt/openai: the OpenAI-compatible HTTP API of llama.cpp's
//     server, vLLM and Ollama;
//   - prompt/local: any cairn causal language model, such as a
//     *models.GPT with a *text.BPE tokenizer.
//
// Templates are data: a [Template] is a list of chat turns with {NAME}
// placeholders, and [Template.Render] fails on a placeholder left
// unfilled. The builders give the prompts of "Generative Speech
// Recognition Error Correction with Large Language Models and
// Task-Activating Prompting" (Yang et al., 2023): [ZeroShot],
// [ZeroShotDomain], [ZeroShotReasoning], [FewShot] (one by one),
// [NewInContext] (one running conversation), [TAP], and the H2T template
// ([H2T]); [Flatten] turns chat turns into one completion prompt for
// backends without chat. [ParseTranscription] and [ParseChoice] read the
// answers.
//
// The methods live beside the backends: prompt/asr (N-best rescoring and
// generative error correction of speech recognition), prompt/vqa (visual
// question answering through textual image descriptions) and prompt/xling
// (cross-lingual instruction data and its evaluation, after x-LLaMA).
package prompt
