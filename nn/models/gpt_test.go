package models

import (
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// fixGPTConfig is GPTC in testdata/models.py.
func fixGPTConfig() GPTConfig {
	return GPTConfig{VocabSize: 13, Hidden: 8, Layers: 2, Heads: 2, MaxPositions: 12, LayerNormEps: 1e-5}
}

func TestGPTTorch(t *testing.T) {
	f := torchfix.Load(t, "testdata/gpt.json")
	m := NewGPT(rng(1), fixGPTConfig())
	loadFixture(t, f, m)
	ids := f.Ints(t, "ids")
	checkFixture(t, f, m, m.Forward(ids, 2, 5), m.Loss(ids, 2, 5))
}

func TestGPTShapesAndNames(t *testing.T) {
	c := DefaultGPTConfig()
	m := NewGPT(rng(1), c)
	nn.SetTraining(m, false)
	if got := m.Forward(randIDs(rng(2), 2*9, 0, c.VocabSize), 2, 9).Shape(); !slices.Equal(got, []int{2, 9, c.VocabSize}) {
		t.Fatalf("logits shape %v", got)
	}
	want := []string{"wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.ln_1.bias", "h.0.attn.c_attn.weight",
		"h.0.attn.c_attn.bias", "h.0.attn.c_proj.weight", "h.0.attn.c_proj.bias", "h.0.ln_2.weight", "h.0.ln_2.bias",
		"h.0.mlp.c_fc.weight", "h.0.mlp.c_fc.bias", "h.0.mlp.c_proj.weight", "h.0.mlp.c_proj.bias"}
	sd := nn.StateDict(m)
	for i, w := range want {
		if sd[i].Name != w {
			t.Fatalf("state %d is %q, want %q", i, sd[i].Name, w)
		}
	}
	if last := sd[len(sd)-1].Name; last != "ln_f.bias" {
		t.Fatalf("last state %q", last)
	}
	if got := sd[4].Tensor.Shape(); !slices.Equal(got, []int{c.Hidden, 3 * c.Hidden}) {
		t.Fatalf("c_attn.weight shape %v, want HF Conv1D's (in, out)", got)
	}
}

// Logits computed step by step through the cache equal those of one full
// forward pass, within 1e-5.
func TestGPTCacheLogits(t *testing.T) {
	c := fixGPTConfig()
	c.Hidden, c.Heads, c.Layers = 16, 4, 3
	m := NewGPT(rng(7), c)
	nn.SetTraining(m, false)
	ids := randIDs(rng(8), 2*10, 0, c.VocabSize)
	full := m.Forward(ids, 2, 10)
	cache := m.NewCache()
	var parts []*tensor.Tensor
	// Feed 4 positions, then 1, then 3, then 2.
	for _, span := range [][2]int{{0, 4}, {4, 5}, {5, 8}, {8, 10}} {
		var chunk []int
		for b := range 2 {
			chunk = append(chunk, ids[b*10+span[0]:b*10+span[1]]...)
		}
		parts = append(parts, m.ForwardCache(chunk, 2, span[1]-span[0], cache))
	}
	if cache.Len() != 10 {
		t.Fatalf("cache length %d, want 10", cache.Len())
	}
	if d := maxAbsDiff(tensor.Concat(1, parts...), full); d > 1e-5 {
		t.Fatalf("cached logits differ from full recomputation by %g", d)
	}
}

// Generation with the cache produces the same tokens as generation that
// recomputes the whole sequence, greedy and sampled with the same rng.
func TestGPTGenerateCacheEqualsNoCache(t *testing.T) {
	c := fixGPTConfig()
	c.VocabSize, c.Hidden, c.Heads, c.MaxPositions = 50, 16, 4, 40
	m := NewGPT(rng(9), c)
	nn.SetTraining(m, false)
	for _, p := range nn.Params(m) { // larger weights: less uniform predictions
		for i := range p.Data() {
			p.Data()[i] *= 20
		}
	}
	prompt := []int{3, 14, 15, 9, 2}
	a := m.Generate(prompt, 30, nil, nil)
	b := m.generate(prompt, 30, nil, nil, false)
	if !slices.Equal(a, b) || len(a) != 30 {
		t.Fatalf("greedy with cache %v\nwithout cache %v", a, b)
	}
	s := Temperature(1.5)
	a = m.Generate(prompt, 30, s, rng(10))
	b = m.generate(prompt, 30, s, rng(10), false)
	if !slices.Equal(a, b) {
		t.Fatalf("sampled with cache %v\nwithout cache %v", a, b)
	}
	if distinct := len(slices.Compact(slices.Sorted(slices.Values(a)))); distinct < 5 {
		t.Fatalf("sampled sequence %v has only %d distinct tokens: test too weak", a, distinct)
	}
}

func TestGPTSaveLoad(t *testing.T) {
	c := fixGPTConfig()
	ids := []int{1, 5, 7, 12, 3}
	fwd := func(m any) *tensor.Tensor { return m.(*GPT).Forward(ids, 1, 5) }
	saveLoadSame(t, NewGPT(rng(1), c), NewGPT(rng(2), c), fwd)
}

func TestGPTGradCheck(t *testing.T) {
	c := GPTConfig{VocabSize: 5, Hidden: 4, Layers: 1, Heads: 2, MaxPositions: 4, LayerNormEps: 1e-5}
	m := NewGPT(rng(5), c)
	nn.SetTraining(m, false)
	for _, p := range nn.Params(m) {
		for i := range p.Data() {
			p.Data()[i] += 0.3 * float32(rng(uint64(i)).NormFloat64())
		}
	}
	b := m.Blocks[0]
	ids := []int{1, 3, 4, 0}
	tensortest.GradCheck(t, func(...*tensor.Tensor) *tensor.Tensor {
		return m.Forward(ids, 1, 4)
	}, b.Attn.CAttn.Weight, b.MLP.CFc.Weight, m.Wpe.Weight)
}
