// Package unlearn removes private sequences from a deployed language model
// with the leave-one-out (LOO) ensemble of Liu and Kalinli, "Forgetting
// Private Textual Sequences in Language Models via Leave-One-Out Ensemble"
// (ICASSP 2024), and provides its baselines and the pieces its experiments
// need.
//
// # Overview
//
// The training corpus is a list of [Record]s, each a tokenized line and the
// user who wrote it ([ReadWikiText] makes every article a user,
// [ReadShakespeare] every speaker). [PartitionByUser] splits the users into
// M disjoint shards; [Partition.Owner] finds the one shard that holds every
// copy of a sequence and fails if the copies span shards, which would let
// the sequence leak through another teacher. Canaries ([CanaryFormat],
// [NewCanaries], [InsertCanaries]) simulate private sequences: a fixed
// prefix and a secret drawn from a randomness space, inserted a chosen
// number of times, all from a seed.
//
// Language models implement [LM]: next-token logits for a batch of
// sequences. [LSTMLM] is a word-level LSTM LM and [GPTLM] adapts
// nn/models.GPT; [NewLM] builds either from a [ModelConfig], [SaveLM] and
// [LoadLM] store one in a safetensors file with its configuration.
// [Train] fits a model to sequences; [TrainShard] is one teacher's job,
// whose input (a shard file, [WriteShard]) and output (a model file) are
// files, so it can run anywhere; [TrainShards] runs several concurrently.
//
// An [Ensemble] of teachers aggregates next-token distributions (mean,
// size-weighted mean, or geometric mean, with a temperature).
// [Ensemble.SoftLabels] gives, for each sequence to forget, the aggregate
// of the teachers that did not see it: the owner's teacher is never
// queried. [Unlearn] fine-tunes the deployed model on the sequences with
// those soft labels (KL(q ‖ p_θ) per position), optionally guarded by
// hard-label batches from a retain set; its Method selects the LOO
// ensemble, the full ensemble (the negative control, which includes the
// owner), or the alternating-teacher variant (one random non-owner teacher
// per position and step); [TrainAlternating] is that teaching applied to
// training a student on a whole corpus, as in the predecessor paper. The
// other baselines are [GradientAscent],
// [RetrainWithout] (the gold reference) and [SISARetrain] (retrain only the
// owner's shard model; the deployed model is the ensemble).
//
// Privacy is measured by the exposure of canaries ([Exposures], which ranks
// a secret's log-perplexity among random secrets as package metrics
// defines it) and by extraction ([NextLogProbs] turns a model into the
// function metrics.BeamSearch and metrics.SampleContinuations take);
// utility by held-out [Perplexity].
//
// # Conventions
//
// Token id 0 is "<eos>", which also starts every sequence and pads
// batches; id 1 is "<unk>". A sequence of length L has L-1 predictions:
// position i of the logits scores token i+1. Scoring functions switch the
// model to evaluation mode and record no graph; Train and the unlearning
// functions switch it to training mode while they run and back to
// evaluation mode when they return. All randomness comes from seeds in the
// configurations.
//
// # Measured
//
// examples/unlearn runs the comparison on the first 2,000 lines of
// WikiText-2 valid+test (43 training users, 5 shards) with a 1 M-parameter
// LSTM trained 8 epochs, which memorises 10 canaries inserted 20 times to
// 8.82 bits of exposure (of 13.3). Over 9 seeds, 1000 Adam steps of LOO
// unlearning bring them to 2.15 bits, 0.54 ± 0.28 above retraining without
// them and 1.58 ± 0.59 below full-ensemble distillation, at +0.70%
// held-out perplexity, keeping the control canaries' exposure; gradient
// ascent reaches 0.97 bits at +4.53% perplexity and wipes the controls.
// The example's README has the tables, the commands and the 300-step run
// where LOO stayed 2.3 bits above retraining.
package unlearn
