// Package distill trains small models from larger ones: the losses of
// knowledge distillation, usable with any cairn model, and Distilling
// Step-by-Step (Hsieh et al., Findings of ACL 2023), which trains a small
// sequence-to-sequence model to predict a label and, as a second task, to
// explain it with a rationale an LLM wrote.
//
// # Knowledge distillation
//
// SoftTargetLoss is Hinton et al.'s soft-target loss: the KL divergence
// between teacher and student distributions softened by a temperature T,
// scaled by T², over (N, C) logits or (N, L, V) sequence logits with a mask
// for padding. KD mixes it with the hard-label cross-entropy, and KD.Step
// runs one optimisation step with the teacher's logits coming from a
// Teacher: a TeacherFunc around a cairn model, or a StoredTeacher holding
// predictions made elsewhere (an LLM's class probabilities, say) and read
// from JSON Lines with ReadPredictions. HiddenLoss (hidden states through
// an optional learned projection) and AttentionLoss (attention maps) are
// the intermediate-layer losses of FitNets and TinyBERT. Teachers are
// always constants: no gradient flows into them.
//
//	k := distill.KD{T: 4, Alpha: 0.9}
//	for idx := range batches {
//		loss := k.Step(opt, studentLogits, teacher, idx, labelsOf(idx))
//	}
//
// # Distilling step-by-step
//
// The released code of the paper and its data fix the details, which this
// package reproduces exactly:
//
//   - Load reads a split of the released CQA, ANLI-R1 and e-SNLI files
//     (DefaultDir, in cairn's shared data) with the PaLM completions for
//     each input; ParseCoT ports the four rationale parsers byte for byte,
//     so the teacher's label accuracy on the released files comes out as
//     the authors' (CQA test 943/1221, ANLI-R1 test 656/1000, e-SNLI test
//     7171/9824).
//   - Inputs are formatted as the released loaders do (CQAInput with its
//     "Answer Choices" lines, NLIInput joining premise and hypothesis with
//     "</s>", SVAMPInput), and the multi-task pairs prefix them with
//     "predict: " (target: the label) and "explain: " (target: the
//     rationale), TaskPrefixPairs.
//   - MultiTaskLoss is α·L_label + (1−α)·L_rationale, each the mean token
//     cross-entropy of one batch, through any Seq2Seq model (models.T5).
//   - The baselines are Arms: Standard (plain x → y, fine-tuning on gold
//     labels or distillation on the LLM's labels, chosen by LabelSource)
//     and SingleTask (x → rationale then label). Subsample draws the
//     paper's data fractions (Fractions) with a seed; Accuracy is the
//     released metric of each data set (exact match, or arithmetic value
//     for SVAMP, EvalEquation).
//
// Text becomes ids through the small Tokenizer interface; Encoding adds
// the end-of-sequence id, truncates and pads as the released T5 pipeline
// does, and NewBatch pads id sequences directly.
//
//	p, e := distill.TaskPrefixPairs(ex, distill.LLMLabels)
//	pb, eb := enc.Batch(tok, []distill.Pair{p}), enc.Batch(tok, []distill.Pair{e})
//	loss := distill.MultiTaskLoss(t5, pb, eb, 0.5)
//
// # Vocabulary-reduced compression
//
// Zhao et al. (2019, arXiv 1909.11687 v1) compress a BERT into a student
// with a smaller WordPiece vocabulary and narrower layers. No code was
// released; this follows the spec's reconstruction, in the paper's v1 form
// (the teacher trains alongside the student).
//
//   - Dual training: MixedSegmenter segments each word of the teacher's
//     input with the student vocabulary with probability P (Segment, Wrap),
//     and Mask applies BERT's masked LM with labels per vocabulary. DualMLM
//     is the teacher on that input: student tokens use the student's own
//     embedding matrix (the same tensor) mapped up to the teacher's width,
//     and DualMLMLoss scores each masked token with its own vocabulary's
//     softmax.
//   - Shared projections: SharedProjections keeps one trainable pair (U
//     down, V up) per pair of teacher and student widths, shared by all
//     layers (NewBERTProjections: hidden and intermediate), and Loss sums
//     ‖UᵀW_tU − W_s‖² and ‖W_t − VᵀW_sV‖² over matching variables,
//     each divided by its element count.
//   - Baseline: HiddenMSE compares hidden states (HiddenStates) through one
//     learned linear map, at the first token of each word (AlignWords).
//   - Size: BERTSizeOf counts the parameters of a configuration
//     (BERT-base: 109,482,240), Bytes converts them to bytes at a
//     Precision, and VocabOverlap compares two vocabularies.
//
// # Errors
//
// Loaders and readers return errors, never panic, on files: a bad line of
// a JSON Lines file is a *LineError with the file and line, a missing file
// wraps fs.ErrNotExist. Functions panic only on programmer errors (shapes
// that do not fit, a temperature ≤ 0, α outside [0, 1]) with a message
// naming the function and the values.
package distill
