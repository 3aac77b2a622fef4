package pretrain

import (
	"math"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// TestSpanLength compares the mean of 10⁵ span lengths with the mean of the
// geometric distribution (p = 0.2) truncated to [1, 10], ≈ 3.797 (the "3.8
// words" of SpanBERT), within 5 standard errors.
func TestSpanLength(t *testing.T) {
	t.Parallel()
	s := SpanMasking{}
	var z, mean, sq float64
	for l := 1; l <= 10; l++ {
		p := 0.2 * math.Pow(0.8, float64(l-1))
		z += p
		mean += float64(l) * p
		sq += float64(l*l) * p
	}
	mean /= z
	sd := math.Sqrt(sq/z - mean*mean)
	within(t, "truncated geometric mean", mean, 3.797, 0.001)
	rng := newRNG(11)
	const n = 100000
	sum := 0.0
	for range n {
		l := s.SpanLength(rng)
		if l < 1 || l > 10 {
			t.Fatalf("span length %d", l)
		}
		sum += float64(l)
	}
	within(t, "mean span length", sum/n, mean, 5*sd/math.Sqrt(n))
}

func TestSpanMasking(t *testing.T) {
	t.Parallel()
	rng := newRNG(12)
	s := SpanMasking{Special: testSpecial}
	// 100 words of 1 or 2 pieces inside [CLS] … [SEP].
	tokens := []int{1}
	ws := []bool{true}
	for w := 0; w < 100; w++ {
		for k := 0; k < 1+w%2; k++ {
			tokens = append(tokens, 10+len(tokens))
			ws = append(ws, k == 0)
		}
	}
	tokens = append(tokens, 2)
	ws = append(ws, true)
	budget := int(math.Ceil(0.15 * float64(len(tokens)-2)))
	var maskSpans, keepSpans, spans float64
	for range 2000 {
		ex := s.Apply(tokens, ws, rng)
		masked := 0
		seen := map[int]bool{}
		for _, sp := range ex.Spans {
			if sp.End < sp.Start {
				t.Fatalf("empty span %v", sp)
			}
			// A span starts at a word start unless the word's start was
			// already masked.
			if !ws[sp.Start] && !seen[sp.Start-1] {
				t.Fatalf("span %v starts inside a word", sp)
			}
			words := 0
			allMask, allKeep := true, true
			for i := sp.Start; i <= sp.End; i++ {
				if seen[i] || testSpecial.IsSpecial(tokens[i]) {
					t.Fatalf("span %v overlaps or covers a special token at %d", sp, i)
				}
				seen[i] = true
				if ws[i] || i == sp.Start {
					words++
				}
				allMask = allMask && ex.Inputs[i] == testSpecial.MASK
				allKeep = allKeep && ex.Inputs[i] == tokens[i]
				if ex.Targets[i] != tokens[i] {
					t.Fatalf("target %d at %d, want %d", ex.Targets[i], i, tokens[i])
				}
			}
			if words > 10 {
				t.Fatalf("span %v has %d words", sp, words)
			}
			masked += sp.End - sp.Start + 1
			spans++
			if allMask {
				maskSpans++
			} else if allKeep {
				keepSpans++
			}
		}
		if masked != budget {
			t.Fatalf("masked %d tokens, want ceil(0.15·%d) = %d", masked, len(tokens)-2, budget)
		}
		for i := range tokens {
			if !seen[i] && (ex.Inputs[i] != tokens[i] || ex.Targets[i] != IgnoreIndex) {
				t.Fatalf("unmasked position %d changed", i)
			}
		}
		if len(ex.SBO) != masked {
			t.Fatalf("%d SBO targets for %d masked tokens", len(ex.SBO), masked)
		}
		k := 0
		for _, sp := range ex.Spans {
			for i := sp.Start; i <= sp.End; i++ {
				want := SBOTarget{Pos: i, Left: sp.Start - 1, Right: sp.End + 1, RelPos: i - sp.Start, Label: tokens[i]}
				if ex.SBO[k] != want {
					t.Fatalf("SBO[%d] = %+v, want %+v", k, ex.SBO[k], want)
				}
				k++
			}
		}
	}
	// 80/10/10 per span; binomial tolerance 5 sd.
	tol := 5 * math.Sqrt(0.8*0.2/spans)
	within(t, "MASK spans", maskSpans/spans, 0.8, tol)
	within(t, "kept spans", keepSpans/spans, 0.1, tol)
}

func TestSBOHead(t *testing.T) {
	t.Parallel()
	rng := newRNG(13)
	h := NewSBOHead(rng, 4, 5)
	enc := tensor.Randn(rng, 6, 4)
	targets := []SBOTarget{
		{Pos: 2, Left: 1, Right: 4, RelPos: 1},
		{Pos: 3, Left: 1, Right: 4, RelPos: 2},
		{Pos: 5, Left: 1, Right: 4, RelPos: 1}, // same inputs as the first
	}
	out := h.Forward(enc, targets)
	if s := out.Shape(); len(s) != 2 || s[0] != 3 || s[1] != 4 {
		t.Fatalf("shape %v", s)
	}
	d := out.Data()
	for j := 0; j < 4; j++ {
		if d[j] != d[8+j] {
			t.Fatal("SBO output depends on more than boundaries and relative position")
		}
	}
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		hh := *h
		hh.FC1 = &nn.Linear{Weight: in[1], Bias: h.FC1.Bias}
		return hh.Forward(in[0], targets[:2])
	}, enc, h.FC1.Weight)
}
