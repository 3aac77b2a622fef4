package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/cairn-ml/cairn/internal/cputime"
	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/pretrain"
)

// fineTuneRun is one fine-tuning run on e-SNLI.
type fineTuneRun struct {
	Init         string   `json:"init"` // "pretrained" or "scratch"
	Seed         uint64   `json:"seed"`
	Steps        int      `json:"steps"`
	TrainLoss    float64  `json:"train_loss"` // mean over the last epoch
	TestAccuracy float64  `json:"test_accuracy"`
	Seconds      float64  `json:"seconds"`
	CPUSeconds   float64  `json:"cpu_seconds"`
	Missing      []string `json:"missing,omitempty"`    // classifier tensors not in the checkpoint
	Unexpected   []string `json:"unexpected,omitempty"` // checkpoint tensors the classifier has no place for
}

// fineTune trains a BERT classifier on train for cfg.ftEpochs epochs,
// starting from the checkpoint at from (or from scratch if from is ""),
// and returns its accuracy on test. The data order and the initial head
// depend only on seed, so both initialisations see the same batches.
func fineTune(ctx context.Context, bc models.BERTConfig, from string, train, test []pretrain.Pair, pad int, seed uint64, cfg config, stderr io.Writer) (fineTuneRun, error) {
	run := fineTuneRun{Init: "scratch", Seed: seed}
	m := models.NewBERTForSequenceClassification(rand.New(rand.NewPCG(seed, 31)), bc, 3)
	if from != "" {
		run.Init = "pretrained"
		missing, unexpected, err := nn.LoadPartial(from, m)
		if err != nil {
			return run, fmt.Errorf("loading %s into the classifier: %w", from, err)
		}
		run.Missing, run.Unexpected = missing, unexpected
		for _, name := range missing {
			if !slices.Contains([]string{"bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias"}, name) {
				return run, fmt.Errorf("%s lacks %s: not a checkpoint of this model (use -retrain)", from, name)
			}
		}
	}
	t0, c0 := time.Now(), cputime.Now()
	dataRNG := rand.New(rand.NewPCG(seed, 32))
	steps := cfg.ftEpochs * ((len(train) + cfg.ftBatch - 1) / cfg.ftBatch)
	opt := optim.NewAdamW(nn.Params(m), cfg.ftLR, optim.WeightDecay(0.01))
	rep := newReporter(stderr, fmt.Sprintf("fine-tune %s seed %d", run.Init, seed))
	rep.every = 20 * time.Second
	ft := pretrain.PairTraining{Epochs: cfg.ftEpochs, Batch: cfg.ftBatch, Opt: opt, MaxNorm: 1,
		Progress: func(step int, loss float64, tokens int) { rep.add(step, steps, tokens, loss) }}
	// ULMFiT's slanted triangular schedule (cut_frac 0.1, ratio 32); very
	// short runs (the tests') warm up over at least one step.
	if steps >= 2 {
		ft.Sched = pretrain.NewSTLR(opt, steps, max(0.1, 1.5/float64(steps)), 32)
	}
	nn.SetTraining(m, true)
	loss, err := ft.Run(ctx, m, train, pad, dataRNG)
	run.Steps = opt.Steps()
	if errors.Is(err, pretrain.ErrDiverged) {
		return run, errors.New("fine-tuning diverged; try a smaller -ft-lr")
	}
	if err != nil {
		return run, err
	}
	run.TrainLoss = loss
	nn.SetTraining(m, false)
	run.TestAccuracy = pretrain.PairAccuracy(m, test, pad, 128)
	run.Seconds = time.Since(t0).Seconds()
	run.CPUSeconds = (cputime.Now() - c0).Seconds()
	return run, nil
}

// summary is a mean with its 95% confidence interval over seeds.
type summary struct {
	Mean   float64   `json:"mean"`
	CI95   float64   `json:"ci95"` // half-width: t(0.975, n−1)·sd/√n; 0 with one seed
	Values []float64 `json:"values"`
}

func summarize(v []float64) summary {
	s := summary{Values: v}
	if len(v) == 0 {
		return s
	}
	var half float64
	s.Mean, half = metrics.MeanCI(v, 0.95)
	if len(v) > 1 {
		s.CI95 = half
	}
	return s
}
