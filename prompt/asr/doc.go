// Package asr improves speech recognition output with language models:
// N-best rescoring and generative error correction, as in Yang et al.,
// "Generative Speech Recognition Error Correction with Large Language
// Models and Task-Activating Prompting" (ASRU 2023), evaluated on the
// HyPoradise N-best lists (Chen et al., NeurIPS 2023).
//
// # Overview
//
// [Read] and [ReadFile] load N-best lists in the HyPoradise JSON format
// into [Utterance] values (hypotheses best first, first-pass scores,
// reference); [DevSplit] holds out a seeded development set from the
// training lists.
//
// Rescoring picks one hypothesis per utterance by the log-linear score
//
//	score(h) = am(h) + λ·lm(h) + β·|words(h)|
//
// with ties going to the first-pass order. [ScoreLM] computes lm(h) with
// any prompt.LM (an n-gram model, or a large model behind an HTTP server),
// after an optional context prefix, once per distinct hypothesis;
// [GridSearch] tunes λ and β for the lowest corpus WER on a development
// set; [Rescore] applies them:
//
//	lm, err := asr.ScoreLM(ctx, model, test, asr.LMOptions{})
//	picks := asr.Rescore(test, lm, w) // w from GridSearch on dev
//	e, _ := metrics.EvalWER(asr.Refs(test), asr.Picked(test, picks), nil)
//
// Generative error correction ([Correct]) asks a chat model to write the
// transcription from the N-best list. The caller supplies the prompt
// (a function from an utterance to messages, such as the zero-shot,
// few-shot or task-activating templates of package prompt) and the
// parser of the reply. The output may contain words that are in no
// hypothesis, so its WER can fall below the N-best oracle; a reply that
// parses to nothing, or strays too far from the first-pass best
// hypothesis (WER above CorrectOptions.MaxWER, 0.5 by default), is
// replaced by the rescoring pick, and [Correction] says how many were.
//
// [MWERLoss] is the minimum-WER training loss of a trainable rescorer
// (the expected word errors over the N-best list under the softmax of its
// scores), differentiable through package tensor.
//
// [TrainCorrector] fine-tunes a small cairn encoder-decoder (models.T5) on
// N-best lists rendered with the authors' H2T template ([H2TMessages]) to
// write the reference; the [Corrector] it returns is a prompt.LM, so
// Correct runs it with the same fallback as any chat model.
//
// # Evaluation
//
// Word error rates come from package metrics: corpus WER (total errors
// over total reference words, what papers report), the mean of the
// utterances' rates (what the HyPoradise scripts print), the N-best oracle
// (metrics.EvalOracle), with white-space words or the HyPoradise cleaning
// (metrics.H2TClean). On HyPoradise ATIS test (809 utterances, 9,111
// reference words) the first-pass best has a corpus WER of 8.40 % and the
// 5-best oracle 5.31 %.
package asr
