// Package xling builds and scores the cross-lingual instruction data of
// "Extrapolating Large Language Models to Non-English by Aligning Languages"
// (x-LLaMA, Zhu et al., 2023) after the authors' code (NJUNLP/x-LLM).
//
// Data: a Record is one instruction example {instruction, input, output}.
// AlpacaPrompt is the Stanford Alpaca prompt the paper trains and tests with,
// byte for byte; Instructions are the 33 translation instructions, used in
// rotation by TranslationRecords; Mixture concatenates named record sets
// with Python-style slices ("alpaca_en + alpaca_zh +
// translation_en-zh[:1000]"), as the authors' loader does; ReadAlpacaJSON,
// ReadJSONL and WriteJSONL read and write the files fine-tuning tools use.
// Since the Alpaca sets do not ship, mixtures are built from the caller's
// records and from parallel text such as the XQuAD contexts and questions
// (ReadXQuAD, ContextPairs, QuestionPairs).
//
// Training: Encoder.Encode gives the token ids of BOS, prompt + output, EOS and
// labels with the prompt masked out (loss on the response only), Pad puts
// examples into a right-padded batch.
//
// Evaluation: QARecord builds the language-specific XQuAD/MLQA prompt of the
// repository; EvalXQuAD asks any prompt.LM the questions and scores the
// answers with metrics.EvalQA (the repository's substring match and the
// MLQA script's EM and F1) per language.
//
// Scaling: FitPowerLaw and FitLogLinear fit translation quality against
// the amount of translation data, and AllocateBudget splits a data budget
// across languages to maximise the summed fitted quality. The paper's own
// functional form (with a language-similarity term) could not be read; the
// forms here are the spec's stand-ins (spec-xllm §1).
package xling
