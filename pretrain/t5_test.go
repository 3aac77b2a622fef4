package pretrain

import (
	"fmt"
	"slices"
	"testing"
)

func TestRandomSpansNoiseMask(t *testing.T) {
	t.Parallel()
	rng := newRNG(21)
	for range 500 {
		mask := RandomSpansNoiseMask(100, 0.15, 3, rng)
		noise, spans := 0, 0
		for i, m := range mask {
			if m {
				noise++
				if i == 0 || !mask[i-1] {
					spans++
				}
			}
		}
		if noise != 15 || spans != 5 || mask[0] || !mask[99] {
			t.Fatalf("noise %d in %d spans (first %v, last %v), want 15 in 5, non-noise first, noise last", noise, spans, mask[0], mask[99])
		}
	}
	// Rounding half to even: L = 30 → 4.5 → 4 noise tokens, round(4/3) = 1 span.
	m := RandomSpansNoiseMask(30, 0.15, 3, rng)
	if n := countTrue(m); n != 4 {
		t.Errorf("L=30: %d noise tokens, want 4", n)
	}
	if got := RandomSpansNoiseMask(1, 0.15, 3, rng); len(got) != 1 {
		t.Errorf("L=1: mask %v", got)
	}
}

func countTrue(b []bool) int {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}

func TestSpanCorrupt(t *testing.T) {
	t.Parallel()
	rng := newRNG(22)
	tokens := make([]int, 100)
	for i := range tokens {
		tokens[i] = 10 + i
	}
	sp := Special{VocabSize: 32100, PAD: 0, EOS: 1, CLS: -1, SEP: -1, MASK: -1, BOS: -1}
	for range 100 {
		noise := RandomSpansNoiseMask(100, 0.15, 3, rng)
		in, tg := SpanCorrupt(tokens, noise, sp, sp.EOS)
		if len(in) != 91 || len(tg) != 21 || in[90] != 1 || tg[20] != 1 {
			t.Fatalf("lengths %d, %d, want 90+1, 20+1", len(in), len(tg))
		}
		isSent := func(id int) bool { return id >= 32100-100 }
		var si, st []int
		for _, id := range in {
			if isSent(id) {
				si = append(si, id)
			}
		}
		for _, id := range tg {
			if isSent(id) {
				st = append(st, id)
			}
		}
		want := []int{32099, 32098, 32097, 32096, 32095}
		if !slices.Equal(si, want) || !slices.Equal(st, want) {
			t.Fatalf("sentinels %v and %v, want %v", si, st, want)
		}
		// Each input sentinel k stands for the noise after target sentinel k:
		// substitute and recover the original.
		pieces := map[int][]int{}
		cur := -1
		for _, id := range tg[:20] {
			if isSent(id) {
				cur = id
				continue
			}
			pieces[cur] = append(pieces[cur], id)
		}
		var back []int
		for _, id := range in[:90] {
			if isSent(id) {
				back = append(back, pieces[id]...)
			} else {
				back = append(back, id)
			}
		}
		if !slices.Equal(back, tokens) {
			t.Fatalf("reassembled %v, want the original", back)
		}
	}
	a := RandomSpansNoiseMask(100, 0.15, 3, newRNG(5))
	b := RandomSpansNoiseMask(100, 0.15, 3, newRNG(5))
	if !slices.Equal(a, b) {
		t.Error("not deterministic per seed")
	}
}

func TestMASS(t *testing.T) {
	t.Parallel()
	tokens := seq(12)[1:11]
	in, dec, tg, s := MASS(tokens, 0.5, testSpecial, newRNG(23))
	if len(tg) != 5 || !slices.Equal(tg, tokens[s:s+5]) || dec[0] != testSpecial.MASK || !slices.Equal(dec[1:], tg[:4]) {
		t.Fatalf("MASS: inputs %v decoder %v targets %v start %d", in, dec, tg, s)
	}
	for i := range in {
		if (i >= s && i < s+5) != (in[i] == testSpecial.MASK) {
			t.Fatalf("MASS inputs %v", in)
		}
	}
}

func ExampleSpanCorrupt() {
	tokens := []int{10, 11, 12, 13, 14, 15, 16, 17}
	noise := []bool{false, false, true, true, false, false, true, false}
	sp := Special{PAD: 0, EOS: 1, CLS: -1, SEP: -1, MASK: -1, BOS: -1, VocabSize: 100}
	in, tg := SpanCorrupt(tokens, noise, sp, sp.EOS)
	fmt.Println(in)
	fmt.Println(tg)
	// Output:
	// [10 11 99 14 15 98 17 1]
	// [99 12 13 98 16 97 1]
}
