package pretrain

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// IgnoreIndex marks positions without a target in the per-position target
// slices this package returns; it equals nn.DefaultIgnoreIndex, so those
// slices go straight to nn.CrossEntropy.
const IgnoreIndex = -100

// Special holds a tokenizer's special token ids and vocabulary size. Set the
// ids a tokenizer lacks to -1.
type Special struct {
	PAD, CLS, SEP, MASK, BOS, EOS int
	// VocabSize is the number of ids; random replacements are drawn
	// uniformly from [0, VocabSize).
	VocabSize int
	// Sentinels lists T5's sentinel ids in order (<extra_id_0>, …). If it is
	// nil, sentinel i is VocabSize-1-i, as in T5.
	Sentinels []int
}

// Sentinel returns the id of the i-th sentinel (T5's <extra_id_i>).
func (s Special) Sentinel(i int) int {
	if s.Sentinels != nil {
		if i < 0 || i >= len(s.Sentinels) {
			panic(fmt.Sprintf("pretrain: Sentinel(%d) with %d sentinels", i, len(s.Sentinels)))
		}
		return s.Sentinels[i]
	}
	if i < 0 || i >= s.VocabSize {
		panic(fmt.Sprintf("pretrain: Sentinel(%d) with VocabSize %d", i, s.VocabSize))
	}
	return s.VocabSize - 1 - i
}

// IsSpecial reports whether id is one of the ids no objective masks or
// corrupts: PAD, CLS, SEP, BOS or EOS.
func (s Special) IsSpecial(id int) bool {
	if id < 0 {
		return false
	}
	return id == s.PAD || id == s.CLS || id == s.SEP || id == s.BOS || id == s.EOS
}

func (s Special) randomToken(rng *rand.Rand) int {
	if s.VocabSize <= 0 {
		panic(fmt.Sprintf("pretrain: random replacement needs VocabSize > 0, have %d", s.VocabSize))
	}
	return rng.IntN(s.VocabSize)
}

// roundHalfEven is Python 3's round(x) for the counts BERT and T5 size.
func roundHalfEven(x float64) int { return int(math.RoundToEven(x)) }

func checkRNG(op string, rng *rand.Rand) {
	if rng == nil {
		panic("pretrain: " + op + " needs a *rand.Rand, got nil")
	}
}

// units groups the candidate positions of tokens (every non-special position)
// into masking units: one per token, or, with wordStart, one per word (a token
// that does not start a word joins the unit of the token before it, if that
// token is a candidate).
func units(tokens []int, wordStart []bool, sp Special) [][]int {
	if wordStart != nil && len(wordStart) != len(tokens) {
		panic(fmt.Sprintf("pretrain: wordStart has length %d, tokens %d", len(wordStart), len(tokens)))
	}
	var us [][]int
	for i, id := range tokens {
		if sp.IsSpecial(id) {
			continue
		}
		if wordStart != nil && !wordStart[i] && len(us) > 0 {
			last := us[len(us)-1]
			if last[len(last)-1] == i-1 {
				us[len(us)-1] = append(last, i)
				continue
			}
		}
		us = append(us, []int{i})
	}
	return us
}

func clone(x []int) []int { return append([]int(nil), x...) }
