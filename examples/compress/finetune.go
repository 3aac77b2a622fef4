package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/text"
)

// nliLabels are the e-SNLI label texts of distill.LoadRows, in id order.
var nliLabels = []string{"entailment", "neutral", "contradiction"}

// nliPair is an e-SNLI example.
type nliPair struct {
	premise, hypothesis string
	label               int
}

// loadESNLI reads one split of e-SNLI from the distilling step-by-step data
// (distill.LoadRows) and splits each input back into premise and
// hypothesis; n > 0 keeps a fixed random subset of n pairs.
func loadESNLI(dir, split string, n int, seed uint64) ([]nliPair, error) {
	exs, err := distill.LoadRows(dir, distill.ESNLI, split)
	if err != nil {
		return nil, fmt.Errorf("e-SNLI: %w", err)
	}
	out := make([]nliPair, 0, len(exs))
	for i, ex := range exs {
		p, h, ok := strings.Cut(ex.Input, distill.EOSToken)
		lab := -1
		for k, l := range nliLabels {
			if ex.Label == l {
				lab = k
			}
		}
		if !ok || lab < 0 {
			return nil, fmt.Errorf("e-SNLI %s example %d: input %q, label %q", split, i, ex.Input, ex.Label)
		}
		out = append(out, nliPair{p, h, lab})
	}
	rand.New(rand.NewPCG(seed, 0x5eed)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if n > 0 && n < len(out) {
		out = out[:n]
	}
	return out, nil
}

// encodedPair is a pair as [CLS] premise [SEP] hypothesis [SEP].
type encodedPair struct {
	ids, types []int
	label      int
}

func encodePairs(tok *text.WordPiece, ps []nliPair, maxLen int) []encodedPair {
	out := make([]encodedPair, len(ps))
	for i, p := range ps {
		e := tok.EncodePair(p.premise, p.hypothesis, maxLen)
		out[i] = encodedPair{e.IDs, e.TypeIDs, p.label}
	}
	return out
}

// batchPairs pads pairs to the longest and flattens them.
func batchPairs(ps []encodedPair, pad int) (ids, types, labels []int, t int) {
	for _, p := range ps {
		t = max(t, len(p.ids))
	}
	for _, p := range ps {
		ids, types = append(ids, p.ids...), append(types, p.types...)
		for range t - len(p.ids) {
			ids, types = append(ids, pad), append(types, 0)
		}
		labels = append(labels, p.label)
	}
	return ids, types, labels, t
}

// fineTune trains a classifier on the student's encoder (its embeddings
// and layers, shared; a new pooler and classifier) for cfg.ftEpochs
// epochs on train and returns its accuracy on test and its mean loss over
// the last epoch.
func fineTune(ctx context.Context, student *models.BERTForMaskedLM, train, test []encodedPair, pad int, seed uint64, cfg config, prog *progress) (acc, loss float64, err error) {
	rng := rand.New(rand.NewPCG(seed, 70))
	m := models.NewBERTForSequenceClassification(rng, student.BERT.Config, 3)
	m.BERT.Embeddings, m.BERT.Layers = student.BERT.Embeddings, student.BERT.Layers
	nn.SetTraining(m, true)
	steps := cfg.ftEpochs * ((len(train) + cfg.ftBatch - 1) / cfg.ftBatch)
	opt := optim.NewAdamW(nn.Params(m), cfg.ftLR)
	sched := lrSchedule(opt, steps)
	prog.begin(prog.phase+" e-SNLI", steps, ftWeight)
	step := 0
	for range cfg.ftEpochs {
		var sum float64
		var nb int
		order := rng.Perm(len(train))
		for i := 0; i < len(order); i += cfg.ftBatch {
			if err := ctx.Err(); err != nil {
				return 0, 0, err
			}
			ps := make([]encodedPair, 0, cfg.ftBatch)
			for _, j := range order[i:min(i+cfg.ftBatch, len(order))] {
				ps = append(ps, train[j])
			}
			ids, types, labels, t := batchPairs(ps, pad)
			l := m.Loss(ids, types, labels, len(ps), t)
			opt.ZeroGrad()
			l.Backward()
			if n := optim.ClipGradNorm(opt.Params(), 1); math.IsNaN(n) || math.IsInf(n, 0) {
				return 0, 0, errors.New("fine-tuning diverged; try a smaller -ft-lr")
			}
			opt.Step()
			if sched != nil {
				sched.Step()
			}
			step++
			sum += float64(l.Item())
			nb++
			prog.step(step, float64(l.Item()))
		}
		loss = sum / float64(nb)
	}
	prog.end()
	nn.SetTraining(m, false)
	defer nn.Freeze(m)()
	right := 0
	for i := 0; i < len(test); i += 128 {
		ps := test[i:min(i+128, len(test))]
		ids, types, labels, t := batchPairs(ps, pad)
		for k, p := range m.Forward(ids, types, len(ps), t).Argmax(1, false).Ints() {
			if p == labels[k] {
				right++
			}
		}
	}
	return float64(right) / float64(len(test)), loss, nil
}
