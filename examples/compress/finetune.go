package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/pretrain"
	"github.com/cairn-ml/cairn/text"
)

// loadESNLI reads one split of e-SNLI from the distilling step-by-step data
// (distill.LoadNLIPairs); n > 0 keeps a fixed random subset of n pairs.
func loadESNLI(dir, split string, n int, seed uint64) ([]distill.NLIPair, error) {
	out, err := distill.LoadNLIPairs(dir, distill.ESNLI, split)
	if err != nil {
		return nil, fmt.Errorf("e-SNLI: %w", err)
	}
	rand.New(rand.NewPCG(seed, 0x5eed)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if n > 0 && n < len(out) {
		out = out[:n]
	}
	return out, nil
}

// encodePairs encodes each pair as [CLS] premise [SEP] hypothesis [SEP]
// with its segment ids, at most maxLen tokens.
func encodePairs(tok *text.WordPiece, ps []distill.NLIPair, maxLen int) []pretrain.Pair {
	out := make([]pretrain.Pair, len(ps))
	for i, p := range ps {
		e := tok.EncodePair(p.Premise, p.Hypothesis, maxLen)
		out[i] = pretrain.Pair{Tokens: e.IDs, Segments: e.TypeIDs, Label: p.Label}
	}
	return out
}

// fineTune trains a classifier on the student's encoder (its embeddings
// and layers, shared; a new pooler and classifier) for cfg.ftEpochs
// epochs on train and returns its accuracy on test and its mean loss over
// the last epoch.
func fineTune(ctx context.Context, student *models.BERTForMaskedLM, train, test []pretrain.Pair, pad int, seed uint64, cfg config, prog *progress) (acc, loss float64, err error) {
	rng := rand.New(rand.NewPCG(seed, 70))
	m := models.NewBERTForSequenceClassification(rng, student.BERT.Config, 3)
	m.BERT.Embeddings, m.BERT.Layers = student.BERT.Embeddings, student.BERT.Layers
	nn.SetTraining(m, true)
	steps := cfg.ftEpochs * ((len(train) + cfg.ftBatch - 1) / cfg.ftBatch)
	opt := optim.NewAdamW(nn.Params(m), cfg.ftLR)
	ft := pretrain.PairTraining{Epochs: cfg.ftEpochs, Batch: cfg.ftBatch, Opt: opt, MaxNorm: 1,
		Progress: func(step int, loss float64, _ int) { prog.step(step, loss) }}
	if sched := lrSchedule(opt, steps); sched != nil {
		ft.Sched = sched
	}
	prog.begin(prog.phase+" e-SNLI", steps, ftWeight)
	loss, err = ft.Run(ctx, m, train, pad, rng)
	if errors.Is(err, pretrain.ErrDiverged) {
		return 0, 0, errors.New("fine-tuning diverged; try a smaller -ft-lr")
	}
	if err != nil {
		return 0, 0, err
	}
	prog.end()
	nn.SetTraining(m, false)
	return pretrain.PairAccuracy(m, test, pad, 128), loss, nil
}
