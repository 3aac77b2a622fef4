package pretrain

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

func TestNumToPredict(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ n, want int }{
		{128, 19}, // round(19.2)
		{10, 2},   // round(1.5) = 2
		{30, 4},   // round(4.5) = 4, half to even
		{3, 1},    // max(1, round(0.45) = 0)
		{50, 8},   // round(7.5) = 8
		{200, 20}, // capped at max_predictions
		{0, 1},
	} {
		if got := NumToPredict(c.n, 0.15, 20); got != c.want {
			t.Errorf("NumToPredict(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

// checkMLM checks the invariants of one BERT example.
func checkMLM(t *testing.T, tokens []int, ex MLMExample, wantN, maxPred int) {
	t.Helper()
	n := ex.NumPredictions()
	if n != wantN {
		t.Fatalf("%d predictions, want %d", n, wantN)
	}
	if len(ex.Positions) != maxPred || len(ex.Labels) != maxPred || len(ex.Weights) != maxPred {
		t.Fatalf("padded lengths %d %d %d, want %d", len(ex.Positions), len(ex.Labels), len(ex.Weights), maxPred)
	}
	if !slices.IsSorted(ex.Positions[:n]) {
		t.Errorf("positions not sorted: %v", ex.Positions[:n])
	}
	chosen := map[int]bool{}
	for k := 0; k < maxPred; k++ {
		if k >= n {
			if ex.Weights[k] != 0 || ex.Positions[k] != 0 || ex.Labels[k] != 0 {
				t.Errorf("padding %d: pos %d label %d weight %v", k, ex.Positions[k], ex.Labels[k], ex.Weights[k])
			}
			continue
		}
		p := ex.Positions[k]
		if testSpecial.IsSpecial(tokens[p]) {
			t.Errorf("selected special token %d at %d", tokens[p], p)
		}
		if ex.Labels[k] != tokens[p] || ex.Weights[k] != 1 {
			t.Errorf("label %d weight %v at %d, want %d, 1", ex.Labels[k], ex.Weights[k], p, tokens[p])
		}
		chosen[p] = true
	}
	for i := range tokens {
		if !chosen[i] && ex.Inputs[i] != tokens[i] {
			t.Errorf("unselected position %d changed %d → %d", i, tokens[i], ex.Inputs[i])
		}
	}
	tg := ex.Targets()
	for i := range tokens {
		want := IgnoreIndex
		if chosen[i] {
			want = tokens[i]
		}
		if tg[i] != want {
			t.Errorf("Targets()[%d] = %d, want %d", i, tg[i], want)
		}
	}
}

func TestMLMSelection(t *testing.T) {
	t.Parallel()
	rng := newRNG(1)
	m := MLM{Special: testSpecial}
	for _, n := range []int{3, 10, 30, 128, 200} {
		tokens := seq(n)
		checkMLM(t, tokens, m.Apply(tokens, nil, rng), NumToPredict(n, 0.15, 20), 20)
	}
	// Padding is neither counted nor selected.
	tokens := append(seq(30), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	for range 50 {
		checkMLM(t, tokens, m.Apply(tokens, nil, rng), 4, 20)
	}
	// [CLS] x [SEP]: the one candidate is always chosen.
	for range 20 {
		ex := m.Apply(seq(3), nil, rng)
		if ex.Positions[0] != 1 {
			t.Fatalf("3 tokens: chose position %d, want 1", ex.Positions[0])
		}
	}
}

// TestMLM801010 checks BERT's 80/10/10 over 10⁶ selected positions; the
// tolerance 0.003 is over 7 binomial standard deviations (sd ≤ 0.0004).
func TestMLM801010(t *testing.T) {
	t.Parallel()
	rng := newRNG(2)
	m := MLM{Special: testSpecial}
	tokens := seq(128)
	var mask, same, other, total float64
	for total < 1e6 {
		ex := m.Apply(tokens, nil, rng)
		for k, p := range ex.Positions[:ex.NumPredictions()] {
			switch ex.Inputs[p] {
			case testSpecial.MASK:
				mask++
			case ex.Labels[k]:
				same++
			default:
				other++
			}
			total++
		}
	}
	within(t, "[MASK] fraction", mask/total, 0.8, 0.003)
	within(t, "unchanged fraction", same/total, 0.1+0.1/30000, 0.003)
	within(t, "random fraction", other/total, 0.1, 0.003)
}

func TestMLMWholeWord(t *testing.T) {
	t.Parallel()
	rng := newRNG(3)
	m := MLM{Special: testSpecial, Unit: UnitWord}
	// Words of 1–3 pieces.
	tokens := []int{1}
	ws := []bool{true}
	id := 10
	for w := 0; w < 30; w++ {
		for k := 0; k < 1+w%3; k++ {
			tokens = append(tokens, id)
			ws = append(ws, k == 0)
			id++
		}
	}
	tokens = append(tokens, 2)
	ws = append(ws, true)
	want := NumToPredict(len(tokens), 0.15, 20)
	for range 200 {
		ex := m.Apply(tokens, ws, rng)
		sel := map[int]bool{}
		for _, p := range ex.Positions[:ex.NumPredictions()] {
			sel[p] = true
		}
		if ex.NumPredictions() > want {
			t.Fatalf("%d predictions > %d", ex.NumPredictions(), want)
		}
		for i := 1; i < len(tokens)-1; i++ {
			if !ws[i] && sel[i] != sel[i-1] {
				t.Fatalf("word split at %d: selected %v, previous %v", i, sel[i], sel[i-1])
			}
		}
	}
}

func TestMLMNgram(t *testing.T) {
	t.Parallel()
	rng := newRNG(4)
	m := MLM{Special: testSpecial, Unit: UnitNgram, MaxPredictions: 40}
	tokens := seq(200)
	for range 200 {
		ex := m.Apply(tokens, nil, rng)
		if n := ex.NumPredictions(); n != 30 {
			t.Fatalf("%d predictions, want round(200·0.15) = 30", n)
		}
	}
	// n ∝ 1/n for n ≤ 3: 6/11, 3/11, 2/11.
	counts := make([]float64, 4)
	const draws = 100000
	for range draws {
		counts[drawNgram(3, rng)]++
	}
	for n, p := range []float64{0, 6.0 / 11, 3.0 / 11, 2.0 / 11} {
		if n == 0 {
			continue
		}
		within(t, fmt.Sprintf("P(n=%d)", n), counts[n]/draws, p, 5*math.Sqrt(p*(1-p)/draws))
	}
}

func TestMLMDeterminismAndDynamic(t *testing.T) {
	t.Parallel()
	m := MLM{Special: testSpecial}
	tokens := seq(128)
	a := m.Apply(tokens, nil, newRNG(7))
	b := m.Apply(tokens, nil, newRNG(7))
	if !slices.Equal(a.Inputs, b.Inputs) || !slices.Equal(a.Positions, b.Positions) {
		t.Fatal("same seed gave different masks")
	}
	k := NewMasker(m, newRNG(8))
	x, y := k.Mask(tokens, nil), k.Mask(tokens, nil)
	if slices.Equal(x.Positions, y.Positions) {
		t.Error("dynamic masking served the same mask twice")
	}
	s := StaticMasks(m, tokens, nil, 10, newRNG(9))
	s2 := StaticMasks(m, tokens, nil, 10, newRNG(9))
	if len(s) != 10 || slices.Equal(s[0].Positions, s[1].Positions) {
		t.Error("static copies are not 10 different masks")
	}
	for i := range s {
		if !slices.Equal(s[i].Inputs, s2[i].Inputs) {
			t.Fatal("StaticMasks not deterministic per seed")
		}
	}
}

func ExampleNumToPredict() {
	for _, n := range []int{128, 10, 30, 3} {
		fmt.Println(n, NumToPredict(n, 0.15, 20))
	}
	// Output:
	// 128 19
	// 10 2
	// 30 4
	// 3 1
}
