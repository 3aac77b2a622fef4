// Package pretrain implements the pre-training objectives surveyed by Qiu et
// al. (2020), "Pre-trained Models for Natural Language Processing: A Survey",
// as seeded data transforms with their losses, and the survey's strategies for
// adapting a pre-trained model to a downstream task.
//
// # Overview
//
// Every objective is a pure transform of token-id sequences: it takes the ids,
// a Special describing the tokenizer's special ids and vocabulary size, and
// an explicit *rand.Rand, and returns model inputs and targets. The same seed
// gives the same output; Python's random streams are not reproduced, so the
// tests check the original implementations' rules through counts, statistics
// and invariants. Word boundaries, where an objective needs them, come as a
// []bool marking the tokens that start a word (for WordPiece, the tokens not
// beginning with "##"), computed by the caller, so the package does not depend
// on any tokenizer.
//
//   - Causal and bidirectional language modelling: CausalLM, Shift, BiLM.
//   - BERT masked LM (MLM) with token, whole-word and ALBERT n-gram units,
//     static (StaticMasks, BERT's dupe factor) and dynamic (Masker, RoBERTa)
//     masking.
//   - SpanBERT span masking with span-boundary-objective targets
//     (SpanMasking) and the SBO head (SBOHead).
//   - T5 span corruption (RandomSpansNoiseMask, SpanCorrupt) and MASS's
//     single masked span (MASS).
//   - BART noising (TokenMasking, TokenDeletion, TextInfilling,
//     SentencePermutation, DocumentRotation), composable with Compose.
//   - ELECTRA replaced-token detection (ELECTRAMask, SampleLogits, Replace,
//     JointLoss, TwoStage).
//   - Next-sentence and sentence-order prediction pairs (NSP, SOP).
//   - XLNet permutation language modelling masks (Permutation).
//
// Losses take logits tensors and record a graph for backpropagation:
// MaskedLMLoss (weighted mean over target positions), LMLoss,
// DiscriminatorLoss (sigmoid cross-entropy over the non-pad tokens),
// ContrastiveLoss (the survey's eq. 4 and InfoNCE with K negatives) and
// JointLoss.
//
// # Adaptation
//
// FreezePrefix and UnfreezePrefix freeze parameter sets by name (feature
// extraction freezes the whole encoder with nn.Freeze; layer freezing freezes
// some layers); GradualUnfreezing is ULMFiT's schedule; DiscriminativeGroups
// gives per-layer learning rates (η^{l-1} = η^l/2.6), and Groups drives one
// optimizer per group, since package optim has no parameter groups; STLR is
// ULMFiT's slanted triangular schedule as an optim.Scheduler; ScalarMix is
// ELMo's softmax-weighted mix of layers; Adapter is a Houlsby bottleneck
// adapter.
//
// Fine-tuning on sentence pairs (NLI and the like): BatchPairs pads Pairs
// into one batch, PairTraining runs the epochs of a PairClassifier (such
// as models.BERTForSequenceClassification) with any optimizer and
// schedule, and PairAccuracy scores it.
//
// # Conventions
//
// Special ids a tokenizer lacks are set to -1. Ids equal to PAD, CLS, SEP,
// BOS or EOS are never selected for masking or corruption. Python's round,
// used by BERT and T5 to size the number of predictions, rounds half to even;
// this package does the same (math.RoundToEven).
package pretrain
