package active

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// TrainConfig is how the taggers of this package train in Fit.
//
// The loss of a batch is the cross-entropy (CNN-CNN-LSTM) or the negative
// log-likelihood (BiLSTM-CRF) summed over its real words, padding
// excluded, as Active-NLP sums it; OnEpoch reports it per word. The
// default is Active-NLP's recipe: SGD with momentum 0.9, rate 0.01
// decayed as 0.01/(1 + 0.05·epoch), gradients clipped to norm 5, in
// batches of 4 sentences. With the summed loss clipped to norm 5, every
// step moves the weights by about the same amount whatever the batch
// size, so what takes the CNN-CNN-LSTM out of the plateau where it first
// predicts only O is the number of steps: on 1,000 WNUT-17 sentences, 10
// epochs in batches of 4 reached a held-out F1 of 24.7 against 11.5 in
// batches of 16, at 1.6 times the time per epoch. Adam at 0.001 to 0.005
// (the option "adam", invariant to the loss's scale) stayed on the
// plateau longer: with ReLU features that only grow, its first steps blew
// the word CNN's outputs up (RMS 0.05 to 15 in one epoch). The paper's
// own setting, vanilla SGD at 0.001 with batches of 128, is Optimizer
// "sgd", LR 0.001, Momentum 0, BatchSize 128.
type TrainConfig struct {
	// BatchSize is the number of sentences per step (default 4;
	// Active-NLP uses 16 once it has 1,600 labelled sentences and
	// n/100 before, down to 1).
	BatchSize int
	// Optimizer is "sgd" (the default) or "adam".
	Optimizer string
	// LR is the learning rate (default 0.01).
	LR float64
	// Momentum is SGD's momentum (default 0.9); Adam ignores it.
	Momentum float64
	// LRDecay sets the rate of epoch e of a Fit call (from 0) to
	// LR/(1 + LRDecay·e) (default 0.05, as Active-NLP); the count restarts
	// at every Fit call, as Active-NLP restarts it every round. 0 keeps LR.
	LRDecay float64
	// Clip rescales the gradients to this global L2 norm at most (default
	// 5, as Active-NLP); 0 disables clipping.
	Clip float64
	// WordDropout replaces each real word of a training batch by the
	// unknown word (data.UnkID) with this probability (the paper: 0.5);
	// the word's characters are kept.
	WordDropout float64
	// SingletonsOnly restricts word dropout to the words seen once in the
	// set given to Fit, as Lample et al. (2016) do (default true; the
	// paper's text drops every word, which starves the word embeddings of
	// a small labelled set).
	SingletonsOnly bool
	// NoBucketing makes batches of random sentences instead of sentences
	// of similar length (data.ByLength), which waste less on padding.
	NoBucketing bool
	// OnEpoch, if not nil, is called after every epoch with its number
	// (from 1, within the Fit call) and its mean loss per word.
	OnEpoch func(epoch int, loss float64)
}

// DefaultTrainConfig returns the defaults: Active-NLP's SGD (rate 0.01,
// momentum 0.9, decay 0.05, clip 5), batches of 4 sentences bucketed by
// length, word dropout 0.5 on singletons.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{BatchSize: 4, Optimizer: "sgd", LR: 0.01, Momentum: 0.9, LRDecay: 0.05, Clip: 5,
		WordDropout: 0.5, SingletonsOnly: true}
}

func (c TrainConfig) check(op string) {
	if c.BatchSize < 1 || !(c.LR >= 0) || c.Clip < 0 || c.LRDecay < 0 || !(c.WordDropout >= 0 && c.WordDropout < 1) {
		panic(fmt.Sprintf("active.%s: bad training config: batch %d, lr %v, clip %v, decay %v, word dropout %v",
			op, c.BatchSize, c.LR, c.Clip, c.LRDecay, c.WordDropout))
	}
	if c.Optimizer != "adam" && c.Optimizer != "sgd" {
		panic(fmt.Sprintf("active.%s: optimizer %q; want \"adam\" or \"sgd\"", op, c.Optimizer))
	}
}

// trainable is what the shared training loop needs from a tagger.
type trainable interface {
	// batchLoss returns the loss of b summed over its real words, with
	// dropout masks from rng (training mode).
	batchLoss(b data.SeqBatch, rng *rand.Rand) *tensor.Tensor
	parameters() []*tensor.Tensor
}

// trainer holds what persists between Fit calls: the configuration and
// the optimizer with its state.
type trainer struct {
	cfg TrainConfig
	opt optim.Optimizer
}

func (tr *trainer) optimizer(params []*tensor.Tensor) optim.Optimizer {
	if tr.opt == nil {
		if tr.cfg.Optimizer == "sgd" {
			var opts []optim.Option
			if tr.cfg.Momentum > 0 {
				opts = append(opts, optim.Momentum(tr.cfg.Momentum))
			}
			tr.opt = optim.NewSGD(params, tr.cfg.LR, opts...)
		} else {
			tr.opt = optim.NewAdam(params, tr.cfg.LR)
		}
	}
	return tr.opt
}

// fit runs epochs of training of m on set; see Tagger.Fit.
func (tr *trainer) fit(ctx context.Context, m trainable, set *data.SeqSet, epochs int, rng *rand.Rand) error {
	if set.Tags == nil {
		return fmt.Errorf("active: Fit: the set has no tags")
	}
	if set.Len() == 0 || epochs <= 0 {
		return nil
	}
	cfg := tr.cfg
	opt := tr.optimizer(m.parameters())
	var single map[int]bool
	if cfg.WordDropout > 0 && cfg.SingletonsOnly {
		counts := map[int]int{}
		for _, s := range set.Words {
			for _, w := range s {
				counts[w]++
			}
		}
		single = map[int]bool{}
		for w, n := range counts {
			if n == 1 {
				single[w] = true
			}
		}
	}
	var opts []data.SeqBatchOption
	if !cfg.NoBucketing {
		opts = append(opts, data.ByLength())
	}
	for e := range epochs {
		opt.SetLR(cfg.LR / (1 + cfg.LRDecay*float64(e)))
		var sum float64
		var words int
		for b := range set.Batches(cfg.BatchSize, rng, opts...) {
			if err := ctx.Err(); err != nil {
				return err
			}
			if b.T == 0 {
				continue // only empty sentences
			}
			if cfg.WordDropout > 0 {
				b.Words = dropWords(b.Words, cfg.WordDropout, single, rng)
			}
			l, err := optim.Update(opt, m.batchLoss(b, rng), cfg.Clip)
			if err != nil {
				return fmt.Errorf("active: Fit: epoch %d: %w", e+1, err)
			}
			n := 0
			for _, l := range b.Lengths {
				n += l
			}
			sum += l
			words += n
		}
		opt.ZeroGrad()
		if cfg.OnEpoch != nil {
			cfg.OnEpoch(e+1, sum/float64(max(words, 1)))
		}
	}
	return nil
}

// dropWords returns a copy of words with each real word (not data.PadID)
// replaced by data.UnkID with probability p, only the words in single if
// it is not nil.
func dropWords(words []int, p float64, single map[int]bool, rng *rand.Rand) []int {
	out := make([]int, len(words))
	copy(out, words)
	for i, w := range out {
		if w == data.PadID || (single != nil && !single[w]) {
			continue
		}
		if rng.Float64() < p {
			out[i] = data.UnkID
		}
	}
	return out
}

// dropout zeroes each element of x with probability p and scales the
// others by 1/(1-p), its mask drawn from rng; with a nil rng (evaluation
// mode) or p = 0 it returns x.
func dropout(x *tensor.Tensor, p float64, rng *rand.Rand) *tensor.Tensor {
	if rng == nil || p == 0 {
		return x
	}
	m := make([]float32, x.Size())
	keep := float32(1 / (1 - p))
	for i := range m {
		if rng.Float64() >= p {
			m[i] = keep
		}
	}
	return x.Mul(tensor.New(m, x.Shape()...))
}

// Evaluate decodes every sentence of set with t.Predict, batchSize
// sentences at a time, and scores the predicted tags against the gold
// ones at the span level, as conlleval does; tags maps tag ids to their
// strings. The overall F1 is Evaluate(...).Overall.F1(). It returns an
// error if the set has no tags.
func Evaluate(t Tagger, set *data.SeqSet, tags *data.Vocab, batchSize int) (*metrics.SpanEval, error) {
	if set.Tags == nil {
		return nil, fmt.Errorf("active.Evaluate: the set has no tags")
	}
	if batchSize < 1 {
		panic(fmt.Sprintf("active.Evaluate: batch size %d; want at least 1", batchSize))
	}
	gold := make([][]string, 0, set.Len())
	pred := make([][]string, 0, set.Len())
	for b := range set.Batches(batchSize, nil, data.ByLength()) {
		p, _ := t.Predict(b)
		for k, i := range b.Index {
			g := make([]string, len(set.Tags[i]))
			q := make([]string, len(p[k]))
			for j, id := range set.Tags[i] {
				g[j] = tags.Token(id)
			}
			for j, id := range p[k] {
				q[j] = tags.Token(id)
			}
			gold = append(gold, g)
			pred = append(pred, q)
		}
	}
	return metrics.EvalSpans(gold, pred)
}
