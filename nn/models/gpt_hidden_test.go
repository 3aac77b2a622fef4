package models

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/nn"
)

// HiddenStates gives Layers+2 states: the last through the LM head is
// Forward's logits, and each block's state is the block applied to the
// state before it.
func TestGPTHiddenStates(t *testing.T) {
	m := NewGPT(rand.New(rand.NewPCG(4, 5)), GPTConfig{VocabSize: 13, Hidden: 8, Layers: 3, Heads: 2, MaxPositions: 12, LayerNormEps: 1e-5})
	nn.SetTraining(m, false)
	ids := []int{1, 5, 7, 2, 0, 12, 3, 3, 9, 4}
	hs := m.HiddenStates(ids, 2, 5)
	if len(hs) != 3+2 {
		t.Fatalf("%d states, want 5", len(hs))
	}
	if got, want := m.head(hs[len(hs)-1]).Data(), m.Forward(ids, 2, 5).Data(); !slices.Equal(got, want) {
		t.Fatalf("head of the last state differs from Forward")
	}
	for i, b := range m.Blocks {
		if got, want := hs[i+1].Data(), b.forward(hs[i], nil, i).Data(); !slices.Equal(got, want) {
			t.Fatalf("state %d is not block %d of state %d", i+1, i, i)
		}
	}
	if got, want := hs[len(hs)-1].Data(), m.LnF.Forward(hs[len(hs)-2]).Data(); !slices.Equal(got, want) {
		t.Fatal("the last state is not ln_f of the last block's")
	}
}
