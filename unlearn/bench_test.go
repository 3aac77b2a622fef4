package unlearn

import (
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
)

// benchTrainStep times one Adam step of next-token training on a batch of
// 32 windows of 64 predictions with a vocabulary of 10k words, the scale of
// the WikiText-2 analogue in the spec.
func benchTrainStep(b *testing.B, c ModelConfig) {
	rng := rand.New(rand.NewPCG(1, 1))
	m, err := NewLM(rng, c)
	if err != nil {
		b.Fatal(err)
	}
	batch := make([][]int, 32)
	for i := range batch {
		batch[i] = make([]int, 65)
		for j := range batch[i] {
			batch[i][j] = rng.IntN(c.Vocab)
		}
	}
	opt := optim.NewAdam(nn.Params(m), 1e-3)
	nn.SetTraining(m, true)
	b.ResetTimer()
	for range b.N {
		loss := lmLoss(m, batch)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
	}
	b.ReportMetric(float64(b.N*32*64)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkTrainStepLSTM128V10k(b *testing.B) {
	benchTrainStep(b, ModelConfig{Vocab: 10000, Hidden: 128})
}

func BenchmarkTrainStepGPT128V10k(b *testing.B) {
	benchTrainStep(b, ModelConfig{Arch: "gpt", Vocab: 10000, Hidden: 128, Layers: 2, Heads: 2, MaxPositions: 128})
}

// BenchmarkScoreSecrets times the log-perplexities of 1,000 canary
// candidates (4 prefix + 6 secret tokens) with the LSTM of
// BenchmarkTrainStepLSTM128V10k; the spec's 10^4 references cost ten times
// this per model.
func BenchmarkScoreSecrets(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	m, _ := NewLM(rng, ModelConfig{Vocab: 10000, Hidden: 128})
	secrets := make([][]int, 1000)
	for i := range secrets {
		secrets[i] = []int{rng.IntN(10) + 2, rng.IntN(10) + 2, rng.IntN(10) + 2, rng.IntN(10) + 2, rng.IntN(10) + 2, rng.IntN(10) + 2}
	}
	prefix := []int{0, 20, 21, 22, 23}
	b.ResetTimer()
	for range b.N {
		SecretLogPerplexities(m, prefix, secrets)
	}
}
