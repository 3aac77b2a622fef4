package pretrain

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Test vocabulary: 0 PAD, 1 CLS, 2 SEP, 3 MASK, 4 BOS, 5 EOS, words from 10.
var testSpecial = Special{PAD: 0, CLS: 1, SEP: 2, MASK: 3, BOS: 4, EOS: 5, VocabSize: 30000}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// seq returns [CLS] w_0..w_{n-3} [SEP]: n tokens, words with distinct ids.
func seq(n int) []int {
	s := []int{testSpecial.CLS}
	for i := 0; i < n-2; i++ {
		s = append(s, 10+i)
	}
	return append(s, testSpecial.SEP)
}

// within fails unless |got-want| ≤ tol.
func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	t.Logf("%s = %.6f (want %.6f ± %.6f)", what, got, want, tol)
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.6f, want %.6f ± %.6f", what, got, want, tol)
	}
}
