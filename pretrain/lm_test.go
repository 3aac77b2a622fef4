package pretrain

import (
	"slices"
	"testing"
)

func TestCausalAndBiLM(t *testing.T) {
	t.Parallel()
	x := []int{10, 11, 12}
	in, tg := CausalLM(x, 4)
	if !slices.Equal(in, []int{4, 10, 11}) || !slices.Equal(tg, x) {
		t.Errorf("CausalLM: %v → %v", in, tg)
	}
	in, tg = Shift([]int{4, 10, 11, 12})
	if !slices.Equal(in, []int{4, 10, 11}) || !slices.Equal(tg, x) {
		t.Errorf("Shift: %v → %v", in, tg)
	}
	b := BiLM(x, 4, 5)
	if !slices.Equal(b.BackwardInputs, []int{5, 12, 11}) || !slices.Equal(b.BackwardTargets, []int{12, 11, 10}) ||
		!slices.Equal(b.ForwardInputs, []int{4, 10, 11}) {
		t.Errorf("BiLM: %+v", b)
	}
	if !slices.Equal(x, []int{10, 11, 12}) {
		t.Error("input modified")
	}
}
