// Package metrics scores model outputs against references.
//
// # Overview
//
// [EvalSpans] and [SpanEval] give the span-level precision, recall and F1
// of sequence labelling (named entities, chunks), per type and overall,
// and token accuracy, exactly as the CoNLL evaluation script conlleval
// computes them; [SpanEval.Report] prints them in its format. A span
// counts as correct only if a gold span has the same start, end and type,
// so scores are lower than per-token ones.
//
//	e, err := metrics.EvalSpans(goldTags, predTags) // one []string per sentence
//	fmt.Println(e.Overall.F1())                      // 0..1
//	fmt.Print(e.Report())                            // conlleval's text
//
// # Agreement with conlleval
//
// The span rules are those of conlleval.pl (version 2004-01-26) in
// data.ChunkStart and data.ChunkEnd, applied token by token as the script
// does, with each sentence followed by a blank line. For tags whose
// prefixes are only B, I and O (IOB1, IOB2) or I, E and O, every count and
// every character of the report equals the script's; the tests check this
// on fixture files scored by the real script and on WNUT-17. conlleval.pl
// knows no S prefix and does not end a span between E-T and B-T, so it
// scores IOBES output wrongly (it reads "S-PER S-PER" as one span); here
// those cases follow its Python port conlleval.py, as seqeval does, and
// IOBES tags score like their IOB2 conversion. Other differences, all for
// tags outside these schemes: the script reads a type "0" as no type, and
// counts the "-DOCSTART-" lines of a CoNLL-2003 file as tokens (only
// accuracy changes; pass sentences without them here).//
// # Memorisation and language models
//
// [ExposureInterpolation] is the exposure of a secret (Carlini et al.,
// "The Secret Sharer"): log2 of the size of the randomness space minus log2
// of the secret's rank among reference candidates, ranked by the model's
// log-perplexity. [ExposureExtrapolation] fits a skew-normal
// ([FitSkewNormal], [SkewNormal]) to the references' log-perplexities and
// reads the exposure off its tail, for secrets rarer than any sampled
// reference. [BeamSearch], [SampleContinuations] and [CountMatches] try to
// extract a secret from a model given its prefix. [LogPerplexity] (bits per
// token) and [Perplexity] score sequences from their log-probabilities.
//
// # Word error rate
//
// [Align] aligns hypothesis words to reference words (Levenshtein, unit
// costs) and returns the substitutions, deletions and insertions as
// [Edits]. [EvalWER] and [WEREval] give the corpus WER (Σ errors / Σ
// reference words) and the mean of the utterances' rates; [EvalOracle]
// the N-best oracle. Text is split into words by a normaliser:
// [Whitespace], or [H2TClean], the cleaning of the HyPoradise scripts.
//
// # Intervals
//
// [MeanCI] gives the mean of repeated measurements (one per seed) with the
// half-width of its Student-t confidence interval; [StudentTQuantile] is
// the quantile function it uses (scipy's t.ppf).
//
// # VQA accuracy
//
// [VQAAccuracy] is the official VQA score of one answer against the ten
// human answers: min(#matches/3, 1) averaged over the ten leave-one-out
// subsets, after the official script's normalisation ([VQANormalize]:
// punctuation, digit words, articles, contractions, quirks included).
// [VQAOfficial] normalises the human answers as the script does,
// [VQANormalizeGT] fully. [EvalVQA] averages over questions, overall and
// per answer and question type (each question's own mean, where the
// script keeps its last leave-one-out value).
//
// # Question answering and translation
//
// [ExactMatch], [AnswerF1] and [EvalQA] score extractive answers as the
// SQuAD and MLQA scripts do, with MLQA's language-specific normalisation
// ([NormalizeAnswer], [AnswerTokens]: articles per language, Chinese split
// into characters); [Match] is the x-LLM repository's containment score.
// [CorpusBLEU] and [SentenceBLEU] are sacreBLEU's BLEU (13a tokenisation
// with [Tokenize13a], exponential smoothing, effective order for
// sentences); [CorpusChrF] and [SentenceChrF] its chrF (character 6-grams,
// β = 2, whitespace removed).
package metrics
