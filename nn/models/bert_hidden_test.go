package models

import (
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// ForwardEmbeds on the looked-up token embeddings is Forward, bit for bit,
// with padding and segment ids, pooled output included.
func TestBERTForwardEmbedsEqualsForward(t *testing.T) {
	c := fixBERTConfig()
	m := NewBERT(rng(7), c)
	nn.SetTraining(m, false)
	ids := []int{2, 5, 7, 12, 3, 0, 4, 9, 1, 3, 0, 0}
	types := []int{0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1}
	h, p := m.Forward(ids, types, 2, 6)
	he, pe := m.ForwardEmbeds(m.Embeddings.Word.Forward(ids, 2, 6), ids, types, 2, 6)
	if !slices.Equal(h.Data(), he.Data()) || !slices.Equal(p.Data(), pe.Data()) {
		t.Fatalf("ForwardEmbeds differs from Forward: hidden %g, pooled %g", maxAbsDiff(h, he), maxAbsDiff(p, pe))
	}
}

// The ids of ForwardEmbeds give only the padding mask: ids outside the
// vocabulary are accepted, and a padded key changes nothing elsewhere.
func TestBERTForwardEmbedsPadding(t *testing.T) {
	c := fixBERTConfig()
	m := NewBERT(rng(8), c)
	nn.SetTraining(m, false)
	words := tensor.Randn(rng(9), 1, 6, c.Hidden)
	long, _ := m.ForwardEmbeds(words, []int{100, 101, 102, 103, 0, 0}, nil, 1, 6)
	short, _ := m.ForwardEmbeds(words.Narrow(1, 0, 4).Clone(), []int{100, 101, 102, 103}, nil, 1, 4)
	if d := maxAbsDiff(short, long.Narrow(1, 0, 4)); d > 1e-5 {
		t.Fatalf("padding changed the hidden states by %g", d)
	}
}

// HiddenStates returns the embeddings' output and each layer's; the last is
// Forward's hidden, and the first is the embeddings' LayerNorm output.
func TestBERTHiddenStates(t *testing.T) {
	c := fixBERTConfig()
	c.Layers = 3
	m := NewBERT(rng(10), c)
	nn.SetTraining(m, false)
	ids := []int{2, 5, 7, 12, 3, 0}
	types := []int{0, 0, 1, 1, 1, 1}
	hs := m.HiddenStates(ids, types, 1, 6)
	if len(hs) != c.Layers+1 {
		t.Fatalf("%d states, want %d", len(hs), c.Layers+1)
	}
	for i, h := range hs {
		if !slices.Equal(h.Shape(), []int{1, 6, c.Hidden}) {
			t.Fatalf("state %d shape %v", i, h.Shape())
		}
	}
	h, _ := m.Forward(ids, types, 1, 6)
	if !slices.Equal(hs[c.Layers].Data(), h.Data()) {
		t.Fatalf("last state differs from Forward by %g", maxAbsDiff(hs[c.Layers], h))
	}
	// Each state is the previous one through its layer.
	mask := paddingBias(ids, 1, 6, c.PadID)
	for j, l := range m.Layers {
		if d := maxAbsDiff(l.Forward(hs[j], mask), hs[j+1]); d != 0 {
			t.Fatalf("state %d is not layer %d of state %d: %g", j+1, j, j, d)
		}
	}
	// The first state has LayerNorm statistics: mean 0 per position.
	for i := range 6 {
		var s float64
		for _, v := range hs[0].Data()[i*c.Hidden : (i+1)*c.Hidden] {
			s += float64(v)
		}
		if s/float64(c.Hidden) > 1e-5 || s/float64(c.Hidden) < -1e-5 {
			t.Fatalf("embedding state row %d has mean %g", i, s/float64(c.Hidden))
		}
	}
}

// Gradients flow through ForwardEmbeds into the given token vectors.
func TestBERTForwardEmbedsGradCheck(t *testing.T) {
	c := BERTConfig{VocabSize: 5, Hidden: 4, Layers: 1, Heads: 2, Intermediate: 4, MaxPositions: 4, TypeVocabSize: 2, LayerNormEps: 1e-5}
	m := NewBERT(rng(11), c)
	nn.SetTraining(m, false)
	words := tensor.Randn(rng(12), 1, 4, 4).SetRequiresGrad(true)
	ids := []int{7, 8, 9, 0}
	tensortest.GradCheck(t, func(...*tensor.Tensor) *tensor.Tensor {
		h, _ := m.ForwardEmbeds(words, ids, []int{0, 0, 1, 1}, 1, 4)
		return h
	}, words)
}

func TestBERTForwardEmbedsPanics(t *testing.T) {
	c := fixBERTConfig()
	m := NewBERT(rng(13), c)
	for name, f := range map[string]func(){
		"width":  func() { m.ForwardEmbeds(tensor.Zeros(1, 4, c.Hidden+1), []int{1, 2, 3, 4}, nil, 1, 4) },
		"ids":    func() { m.ForwardEmbeds(tensor.Zeros(1, 4, c.Hidden), []int{1, 2, 3}, nil, 1, 4) },
		"length": func() { m.ForwardEmbeds(tensor.Zeros(1, 11, c.Hidden), make([]int, 11), nil, 1, 11) },
		"vocab":  func() { m.HiddenStates([]int{1, 2, 99}, nil, 1, 3) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
