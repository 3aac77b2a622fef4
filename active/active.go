package active

import (
	"context"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/data"
)

// Tagger is a sequence tagger the active-learning loop can train and
// query. The CNN-CNN-LSTM tagger and the BiLSTM-CRF baseline of this
// package implement it; so can any other model.
type Tagger interface {
	// Fit trains the tagger on the labelled sentences of set for the
	// given number of epochs, continuing from its current parameters and
	// optimizer state (incremental training). It returns an error for a
	// non-finite loss or when ctx is cancelled.
	Fit(ctx context.Context, set *data.SeqSet, epochs int, rng *rand.Rand) error
	// Predict decodes the sentences of b in evaluation mode (dropout off):
	// tags[i] holds the Lengths[i] predicted tag ids of sentence i and
	// logp[i] the natural log-probability the model gave each of them
	// (for a greedy decoder, log P(ŷ_j | ŷ_<j, x); for a CRF, the log of
	// each tag's marginal probability along the decoded path).
	Predict(b data.SeqBatch) (tags [][]int, logp [][]float64)
	// Sample decodes b once with dropout on, its masks drawn from rng: one
	// Monte Carlo sample for BALD.
	Sample(b data.SeqBatch, rng *rand.Rand) (tags [][]int)
}
