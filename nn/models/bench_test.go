package models

import (
	"testing"

	"github.com/cairn-ml/cairn/nn"
)

// BenchmarkBERTStep measures one forward and backward pass of a masked-LM
// BERT with 4 layers, hidden 256, 4 heads, intermediate 1024, batch 16 of
// length 128, 15% of positions labelled.
func BenchmarkBERTStep(b *testing.B) {
	c := BERTConfig{VocabSize: 1000, Hidden: 256, Layers: 4, Heads: 4, Intermediate: 1024, MaxPositions: 128,
		TypeVocabSize: 2, Dropout: 0.1, LayerNormEps: 1e-12}
	m := NewBERTForMaskedLM(rng(1), c)
	const n, t = 16, 128
	r := rng(2)
	ids := randIDs(r, n*t, 1, c.VocabSize)
	labels := make([]int, n*t)
	for i := range labels {
		labels[i] = ignoreIndex
		if r.Float64() < 0.15 {
			labels[i] = ids[i]
		}
	}
	b.ResetTimer()
	for b.Loop() {
		nn.ZeroGrad(m)
		m.Loss(ids, nil, labels, n, t).Backward()
	}
	b.ReportMetric(float64(n*t)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// benchGPTGenerate measures generation of 64 tokens after a 16-token
// prompt with the default GPT (hidden 128, 2 blocks), greedy.
func benchGPTGenerate(b *testing.B, cached bool) {
	m := NewGPT(rng(1), DefaultGPTConfig())
	nn.SetTraining(m, false)
	prompt := randIDs(rng(2), 16, 0, 1000)
	const newTokens = 64
	b.ResetTimer()
	for b.Loop() {
		m.generate(prompt, newTokens, nil, nil, cached)
	}
	b.ReportMetric(float64(newTokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkGPTGenerateCache(b *testing.B)   { benchGPTGenerate(b, true) }
func BenchmarkGPTGenerateNoCache(b *testing.B) { benchGPTGenerate(b, false) }
