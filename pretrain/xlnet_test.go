package pretrain

import (
	"fmt"
	"slices"
	"testing"
)

func TestPermutationMasks(t *testing.T) {
	t.Parallel()
	m := PermutationFromOrder([]int{2, 0, 1}, 2)
	q, c := m.Query.Data(), m.Content.Data()
	if !slices.Equal(q[0:3], []float32{0, 0, 1}) {
		t.Errorf("query row of position 0 = %v, want only position 2", q[0:3])
	}
	if !slices.Equal(c[0:3], []float32{1, 0, 1}) {
		t.Errorf("content row of position 0 = %v, want 2 and itself", c[0:3])
	}
	if !slices.Equal(q[6:9], []float32{0, 0, 0}) || !slices.Equal(c[6:9], []float32{0, 0, 1}) {
		t.Errorf("position 2 (first in the order): query %v, content %v", q[6:9], c[6:9])
	}
	if !slices.Equal(m.Targets, []int{0, 1}) || !slices.Equal(m.TargetMapping.Data(), []float32{1, 0, 0, 0, 1, 0}) {
		t.Errorf("targets %v mapping %v", m.Targets, m.TargetMapping.Data())
	}
	rng := newRNG(61)
	for range 50 {
		p := Permutation(7, 3, rng)
		if !slices.Equal(p.Targets, p.Order[4:]) {
			t.Fatalf("targets %v are not the last 3 of %v", p.Targets, p.Order)
		}
		// Query = content minus the diagonal; content is a total order.
		qd, cd := p.Query.Data(), p.Content.Data()
		for i := 0; i < 7; i++ {
			for j := 0; j < 7; j++ {
				want := cd[i*7+j]
				if i == j {
					want = 0
				}
				if qd[i*7+j] != want || (i != j && cd[i*7+j]+cd[j*7+i] != 1) {
					t.Fatalf("masks inconsistent at (%d, %d)", i, j)
				}
			}
		}
	}
	a, b := Permutation(9, 2, newRNG(3)), Permutation(9, 2, newRNG(3))
	if !slices.Equal(a.Order, b.Order) {
		t.Error("Permutation not deterministic per seed")
	}
}

func ExamplePermutationFromOrder() {
	m := PermutationFromOrder([]int{2, 0, 1}, 1)
	fmt.Println(m.Query)
	fmt.Println(m.Targets)
	// Output:
	// Tensor[3 3] [[0 0 1] [1 0 1] [0 0 0]]
	// [1]
}
