package pretrain

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"
)

// isSubsequence reports whether a is b with some elements removed.
func isSubsequence(a, b []int) bool {
	j := 0
	for _, x := range b {
		if j < len(a) && a[j] == x {
			j++
		}
	}
	return j == len(a)
}

func TestTokenMaskingDeletion(t *testing.T) {
	t.Parallel()
	rng := newRNG(31)
	tokens := seq(42) // 40 words
	for range 100 {
		m := TokenMasking(testSpecial, 0.3)(tokens, rng)
		n := 0
		for i := range m {
			if m[i] == testSpecial.MASK {
				n++
			} else if m[i] != tokens[i] {
				t.Fatalf("masking changed %d to %d", tokens[i], m[i])
			}
		}
		if n != 12 || m[0] != 1 || m[41] != 2 {
			t.Fatalf("masked %d tokens, want ceil(0.3·40) = 12, specials kept", n)
		}
		d := TokenDeletion(testSpecial, 0.3)(tokens, rng)
		if len(d) != 30 || !isSubsequence(d, tokens) || d[0] != 1 || d[29] != 2 {
			t.Fatalf("deletion gave %v", d)
		}
	}
}

func TestPoissonMean(t *testing.T) {
	t.Parallel()
	rng := newRNG(32)
	sum := 0.0
	for range 100000 {
		sum += float64(Poisson(3, rng))
	}
	within(t, "mean Poisson(3) span length", sum/1e5, 3, 0.05)
}

func TestTextInfilling(t *testing.T) {
	t.Parallel()
	rng := newRNG(33)
	tokens := seq(102)
	for range 200 {
		out := TextInfilling(testSpecial, 0.3, 3)(tokens, rng)
		var kept []int
		masks := 0
		for _, id := range out {
			if id == testSpecial.MASK {
				masks++
			} else {
				kept = append(kept, id)
			}
		}
		if !isSubsequence(kept, tokens) || out[0] != 1 || out[len(out)-1] != 2 {
			t.Fatalf("infilling did not keep the survivors in order: %v", out)
		}
		removed := len(tokens) - len(kept)
		if masks == 0 || removed < 30-masks || removed > 30+10 {
			t.Fatalf("removed %d tokens with %d masks", removed, masks)
		}
	}
	// λ = 0: every span has length 0 and inserts one MASK, counted against
	// the budget of ceil(0.3·100) = 30.
	out := TextInfilling(testSpecial, 0.3, 0)(tokens, rng)
	var kept []int
	for _, id := range out {
		if id != testSpecial.MASK {
			kept = append(kept, id)
		}
	}
	if !slices.Equal(kept, tokens) || len(out) != len(tokens)+30 {
		t.Fatalf("λ=0: %d tokens out, originals kept %v", len(out), slices.Equal(kept, tokens))
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	a, b, c, d := 10, 11, 12, 13
	if got := Rotate([]int{a, b, c, d}, 2); !slices.Equal(got, []int{c, d, a, b}) {
		t.Errorf("Rotate at c = %v", got)
	}
	rng := newRNG(34)
	tokens := append([]int{4}, append(seq(12)[1:11], 5)...) // BOS w… EOS
	seen := map[int]bool{}
	for range 200 {
		out := DocumentRotation(testSpecial)(tokens, rng)
		if out[0] != 4 || out[11] != 5 {
			t.Fatalf("rotation moved specials: %v", out)
		}
		k := slices.Index(tokens, out[1]) - 1
		if !slices.Equal(out[1:11], Rotate(tokens[1:11], k)) {
			t.Fatalf("%v is not a rotation", out)
		}
		seen[k] = true
	}
	if len(seen) != 10 {
		t.Errorf("rotation started at %d of 10 tokens", len(seen))
	}
}

func TestSentencePermutation(t *testing.T) {
	t.Parallel()
	const stop = 9
	isStop := func(id int) bool { return id == stop }
	// BOS, four sentences (the last without a full stop), EOS.
	tokens := []int{4, 10, 11, stop, 12, stop, 13, 14, 15, stop, 16, 5}
	starts := []int{10, 12, 13, 16}
	want := []string{"10 11 9", "12 9", "13 14 15 9", "16"}
	rng := newRNG(35)
	orders := map[string]bool{}
	for range 200 {
		out := SentencePermutation(testSpecial, isStop)(tokens, rng)
		if out[0] != 4 || out[len(out)-1] != 5 || len(out) != len(tokens) {
			t.Fatalf("permutation moved specials: %v", out)
		}
		if got := splitSentences(out[1:len(out)-1], starts); !slices.Equal(got, want) {
			t.Fatalf("sentences of %v: %v, want %v", out, got, want)
		}
		orders[fmt.Sprint(out)] = true
	}
	if len(orders) != 24 {
		t.Errorf("%d distinct orders of 4 sentences in 200 draws, want 24", len(orders))
	}
}

// splitSentences splits x before every token in starts and returns the
// sorted pieces.
func splitSentences(x []int, starts []int) []string {
	var out []string
	cur := ""
	for _, id := range x {
		if slices.Contains(starts, id) && cur != "" {
			out = append(out, cur)
			cur = ""
		}
		if cur != "" {
			cur += " "
		}
		cur += fmt.Sprint(id)
	}
	out = append(out, cur)
	sort.Strings(out)
	return out
}

func TestCompose(t *testing.T) {
	t.Parallel()
	tokens := seq(22)
	c := Compose(TokenMasking(testSpecial, 0.3), DocumentRotation(testSpecial))
	a, b := c(tokens, newRNG(36)), c(tokens, newRNG(36))
	if !slices.Equal(a, b) {
		t.Fatal("Compose not deterministic per seed")
	}
	n := 0
	for _, id := range a {
		if id == testSpecial.MASK {
			n++
		}
	}
	if n != int(math.Ceil(0.3*20)) || len(a) != 22 {
		t.Errorf("composed output %v", a)
	}
}

func ExampleRotate() {
	fmt.Println(Rotate([]int{1, 2, 3, 4}, 2))
	// Output: [3 4 1 2]
}
