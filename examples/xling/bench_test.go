package main

import (
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/prompt/xling"
)

// BenchmarkTrainStep times one training step of the default experiment:
// a batch of -batch examples padded to -max-len tokens (batches of 16 are
// padded to their longest example, and at the defaults about one record in
// twenty fills -max-len, so most batches have one), forward,
// response-only loss, backward, gradient clipping and AdamW. Multiply by
// -steps and the runs for the training part of an experiment:
//
//	go test ./examples/xling -run '^$' -bench TrainStep -benchtime 5x
func BenchmarkTrainStep(b *testing.B) {
	cfg := defaults()
	c := models.DefaultGPTConfig()
	c.VocabSize, c.Hidden, c.Layers, c.Heads, c.MaxPositions, c.Dropout = cfg.vocab, cfg.hidden, cfg.layers, cfg.heads, cfg.maxLen, cfg.dropout
	m := models.NewGPT(rand.New(rand.NewPCG(1, 1)), c)
	opt := optim.NewAdamW(nn.Params(m), cfg.lr, optim.WeightDecay(0))
	rng := rand.New(rand.NewPCG(2, 2))
	batch := make([]xling.Example, cfg.batch)
	for i := range batch {
		n := cfg.maxLen
		x := xling.Example{IDs: make([]int, n), Labels: make([]int, n)}
		for j := range n {
			x.IDs[j] = rng.IntN(cfg.vocab)
			x.Labels[j] = x.IDs[j]
			if j < n-40 {
				x.Labels[j] = nn.DefaultIgnoreIndex
			}
		}
		batch[i] = x
	}
	b.ResetTimer()
	for range b.N {
		loss := sftLoss(m, batch, 0)
		opt.ZeroGrad()
		loss.Backward()
		optim.ClipGradNorm(opt.Params(), 1)
		opt.Step()
	}
}
