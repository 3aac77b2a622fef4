package pretrain

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// A Corruptor is one of BART's noising functions: it returns a corrupted copy
// of tokens (tokens itself is not modified). The BART target is the original
// sequence.
type Corruptor func(tokens []int, rng *rand.Rand) []int

// Compose applies cs in order.
func Compose(cs ...Corruptor) Corruptor {
	return func(tokens []int, rng *rand.Rand) []int {
		out := tokens
		for _, c := range cs {
			out = c(out, rng)
		}
		if len(cs) == 0 {
			out = clone(tokens)
		}
		return out
	}
}

// candidates returns the positions of the tokens that are not special.
func candidates(tokens []int, sp Special) []int {
	var c []int
	for i, id := range tokens {
		if !sp.IsSpecial(id) {
			c = append(c, i)
		}
	}
	return c
}

// pick returns ceil(p·len(c)) positions of c chosen uniformly, as a set.
func pick(c []int, p float64, rng *rand.Rand) map[int]bool {
	k := int(math.Ceil(p * float64(len(c))))
	c = clone(c)
	chosen := make(map[int]bool, k)
	for i := 0; i < k; i++ {
		j := i + rng.IntN(len(c)-i)
		c[i], c[j] = c[j], c[i]
		chosen[c[i]] = true
	}
	return chosen
}

func checkP(op string, p float64) {
	if p < 0 || p > 1 {
		panic(fmt.Sprintf("pretrain: %s with probability %v", op, p))
	}
}

// TokenMasking replaces ceil(p·n) uniformly chosen non-special tokens by
// MASK.
func TokenMasking(sp Special, p float64) Corruptor {
	checkP("TokenMasking", p)
	return func(tokens []int, rng *rand.Rand) []int {
		out := clone(tokens)
		for i := range pick(candidates(tokens, sp), p, rng) {
			out[i] = sp.MASK
		}
		return out
	}
}

// TokenDeletion deletes ceil(p·n) uniformly chosen non-special tokens; the
// survivors keep their order.
func TokenDeletion(sp Special, p float64) Corruptor {
	checkP("TokenDeletion", p)
	return func(tokens []int, rng *rand.Rand) []int {
		del := pick(candidates(tokens, sp), p, rng)
		out := make([]int, 0, len(tokens)-len(del))
		for i, id := range tokens {
			if !del[i] {
				out = append(out, id)
			}
		}
		return out
	}
}

// Poisson draws from the Poisson distribution with mean lambda (Knuth's
// method; lambda should be small, as BART's 3).
func Poisson(lambda float64, rng *rand.Rand) int {
	if lambda < 0 || lambda > 500 {
		panic(fmt.Sprintf("pretrain: Poisson(%v): lambda must be in [0, 500]", lambda))
	}
	l := math.Exp(-lambda)
	k := 0
	for p := rng.Float64(); p > l; p *= rng.Float64() {
		k++
	}
	return k
}

// TextInfilling is BART's text infilling: until ceil(p·n) of the n
// non-special tokens are covered, draw a span length ℓ ~ Poisson(lambda) and
// a uniform start among non-special tokens not yet covered, and replace the
// span (cut short at a special or covered token) by a single MASK; ℓ = 0
// inserts a MASK before the start token and counts as one token of the
// budget (so that the loop ends even for lambda = 0; fairseq turns such
// draws into insertions elsewhere). BART uses p = 0.3 and lambda = 3.
func TextInfilling(sp Special, p, lambda float64) Corruptor {
	checkP("TextInfilling", p)
	return func(tokens []int, rng *rand.Rand) []int {
		c := candidates(tokens, sp)
		budget := int(math.Ceil(p * float64(len(c))))
		span := make([]int, len(tokens)) // span id+1 covering a token, 0 if none
		inserts := make([]int, len(tokens)+1)
		covered, id := 0, 0
		for tries := 0; covered < budget && tries < 100*len(tokens)+100; tries++ {
			l := Poisson(lambda, rng)
			s := c[rng.IntN(len(c))]
			if span[s] != 0 {
				continue
			}
			if l == 0 {
				inserts[s]++
				covered++
				continue
			}
			id++
			for i := s; i < s+l && i < len(tokens) && span[i] == 0 && !sp.IsSpecial(tokens[i]); i++ {
				span[i] = id
				covered++
			}
		}
		var out []int
		for i, t := range tokens {
			for k := 0; k < inserts[i]; k++ {
				out = append(out, sp.MASK)
			}
			switch {
			case span[i] == 0:
				out = append(out, t)
			case i == 0 || span[i-1] != span[i]:
				out = append(out, sp.MASK)
			}
		}
		return out
	}
}

// interior returns the range [lo, hi) of tokens left after leading and
// trailing special tokens (BOS, CLS, EOS, SEP, PAD) are set aside.
func interior(tokens []int, sp Special) (lo, hi int) {
	lo, hi = 0, len(tokens)
	for lo < hi && sp.IsSpecial(tokens[lo]) {
		lo++
	}
	for hi > lo && sp.IsSpecial(tokens[hi-1]) {
		hi--
	}
	return lo, hi
}

// SentencePermutation splits the sequence into sentences, each ending with a
// token for which isStop returns true (the last may end without one), and
// shuffles them. Leading and trailing special tokens stay in place.
func SentencePermutation(sp Special, isStop func(id int) bool) Corruptor {
	return func(tokens []int, rng *rand.Rand) []int {
		lo, hi := interior(tokens, sp)
		var sents [][]int
		start := lo
		for i := lo; i < hi; i++ {
			if isStop(tokens[i]) || i == hi-1 {
				sents = append(sents, tokens[start:i+1])
				start = i + 1
			}
		}
		rng.Shuffle(len(sents), func(i, j int) { sents[i], sents[j] = sents[j], sents[i] })
		out := append([]int(nil), tokens[:lo]...)
		for _, s := range sents {
			out = append(out, s...)
		}
		return append(out, tokens[hi:]...)
	}
}

// Rotate returns tokens rotated to start at index k: Rotate([a b c d], 2) is
// [c d a b].
func Rotate(tokens []int, k int) []int {
	if k < 0 || k > len(tokens) || (k == len(tokens) && k != 0) {
		panic(fmt.Sprintf("pretrain: Rotate at %d of %d tokens", k, len(tokens)))
	}
	return append(clone(tokens[k:]), tokens[:k]...)
}

// DocumentRotation picks a token uniformly and rotates the document to start
// with it. Leading and trailing special tokens stay in place.
func DocumentRotation(sp Special) Corruptor {
	return func(tokens []int, rng *rand.Rand) []int {
		lo, hi := interior(tokens, sp)
		out := clone(tokens)
		if hi > lo {
			copy(out[lo:hi], Rotate(tokens[lo:hi], rng.IntN(hi-lo)))
		}
		return out
	}
}
