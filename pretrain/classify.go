package pretrain

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// PairClassifier is a sentence-pair classifier taking a batch of n padded
// rows of t ids with their segment (token type) ids, such as
// *models.BERTForSequenceClassification: Forward returns the (n, classes)
// logits, Loss the mean cross-entropy with labels.
type PairClassifier interface {
	Forward(ids, typeIDs []int, n, t int) *tensor.Tensor
	Loss(ids, typeIDs, labels []int, n, t int) *tensor.Tensor
}

// ErrDiverged is returned, wrapped, by PairTraining.Run when a gradient
// norm is NaN or infinite.
var ErrDiverged = errors.New("pretrain: training diverged")

// BatchPairs pads sentence pairs (a classification example is a Pair whose
// Tokens are [CLS] a [SEP] b [SEP], as text.WordPiece.EncodePair builds
// them, and whose Label is the class) to the longest one, t tokens, and
// flattens them row by row: ids and types have len(ps)·t entries, the
// padding being pad in ids and segment 0 in types; labels has one entry
// per pair.
func BatchPairs(ps []Pair, pad int) (ids, types, labels []int, t int) {
	for _, p := range ps {
		t = max(t, len(p.Tokens))
	}
	ids = make([]int, 0, len(ps)*t)
	types = make([]int, 0, len(ps)*t)
	labels = make([]int, 0, len(ps))
	for _, p := range ps {
		if len(p.Segments) != len(p.Tokens) {
			panic(fmt.Sprintf("pretrain: BatchPairs: pair with %d tokens and %d segment ids", len(p.Tokens), len(p.Segments)))
		}
		ids = append(ids, p.Tokens...)
		types = append(types, p.Segments...)
		for range t - len(p.Tokens) {
			ids = append(ids, pad)
			types = append(types, 0)
		}
		labels = append(labels, p.Label)
	}
	return ids, types, labels, t
}

// PairAccuracy returns the fraction of ps whose Label is m's most likely
// class (the first one on ties), scoring batch pairs at a time (padded
// with pad, BatchPairs) with m's parameters frozen, so no graph is
// recorded. Switch dropout off first (nn.SetTraining(m, false)). It
// returns 0 for no pairs and panics if batch < 1.
func PairAccuracy(m PairClassifier, ps []Pair, pad, batch int) float64 {
	if batch < 1 {
		panic(fmt.Sprintf("pretrain: PairAccuracy with batch %d", batch))
	}
	if len(ps) == 0 {
		return 0
	}
	defer nn.Freeze(m)()
	right := 0
	for i := 0; i < len(ps); i += batch {
		b := ps[i:min(i+batch, len(ps))]
		ids, types, labels, t := BatchPairs(b, pad)
		for k, p := range m.Forward(ids, types, len(b), t).Argmax(1, false).Ints() {
			if p == labels[k] {
				right++
			}
		}
	}
	return float64(right) / float64(len(ps))
}

// PairTraining fine-tunes a PairClassifier on labelled pairs: Epochs
// passes, each over a fresh random order of the pairs cut into batches of
// Batch (the last one smaller), with one optimizer step per batch.
type PairTraining struct {
	Epochs, Batch int
	Opt           optim.Optimizer // over the classifier's parameters
	// Sched, if not nil, is stepped after every optimizer step. (A nil
	// pointer in a non-nil interface is not nil: leave the field unset
	// rather than storing a nil *STLR.)
	Sched optim.Scheduler
	// MaxNorm clips the global gradient norm before each step
	// (optim.ClipGradNorm); 0 means no clipping. A NaN or infinite norm
	// stops the run with ErrDiverged either way.
	MaxNorm float64
	// Progress, if not nil, is called after every step with the step
	// number (from 1), the batch's loss and its padded size in tokens.
	Progress func(step int, loss float64, tokens int)
}

// Run trains m on train (padded with pad) and returns the mean batch loss
// of the last epoch. The orders are rng.Perm(len(train)), one per epoch,
// and nothing else draws from rng, so runs with equal seeds see the same
// batches. Switch dropout on first (nn.SetTraining(m, true)) if m should
// train with it. Run stops with ctx's error when ctx is done, and with an
// error wrapping ErrDiverged when a gradient norm is not finite. It panics
// if Epochs or Batch is below 1 or Opt is nil.
func (c PairTraining) Run(ctx context.Context, m PairClassifier, train []Pair, pad int, rng *rand.Rand) (float64, error) {
	if c.Epochs < 1 || c.Batch < 1 || c.Opt == nil {
		panic(fmt.Sprintf("pretrain: PairTraining.Run with Epochs %d, Batch %d, Opt %v", c.Epochs, c.Batch, c.Opt))
	}
	maxNorm := c.MaxNorm
	if maxNorm <= 0 {
		maxNorm = math.Inf(1) // measure only
	}
	var last float64
	step := 0
	batch := make([]Pair, 0, c.Batch)
	for range c.Epochs {
		order := rng.Perm(len(train))
		var sum float64
		var nb int
		for i := 0; i < len(order); i += c.Batch {
			if err := ctx.Err(); err != nil {
				return last, err
			}
			batch = batch[:0]
			for _, j := range order[i:min(i+c.Batch, len(order))] {
				batch = append(batch, train[j])
			}
			ids, types, labels, t := BatchPairs(batch, pad)
			loss := m.Loss(ids, types, labels, len(batch), t)
			step++
			l, err := optim.Update(c.Opt, loss, maxNorm)
			if err != nil {
				return last, fmt.Errorf("%w at step %d: %w", ErrDiverged, step, err)
			}
			if c.Sched != nil {
				c.Sched.Step()
			}
			sum += l
			nb++
			if c.Progress != nil {
				c.Progress(step, l, len(ids))
			}
		}
		if nb > 0 {
			last = sum / float64(nb)
		}
	}
	return last, nil
}
