package ngram

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// Options configure Train. The zero value keeps every word, and falls back
// to the discounts 0.5, 1, 1.5 where they cannot be estimated.
type Options struct {
	// MinCount replaces the words seen fewer than MinCount times in the
	// corpus with <unk> (0 or 1: keep every word). Ignored when Vocab is
	// set.
	MinCount int
	// Vocab, when not nil, is a closed vocabulary: corpus words outside it
	// become <unk>, and its words never seen in the corpus still get a
	// unigram (with the probability of an unseen word, as <unk> has when
	// nothing maps to it).
	Vocab []string
	// DiscountFallback are the discounts D1, D2, D3+ used for an order
	// whose count-of-counts cannot give them (one of n1…n4 is zero, or a
	// discount falls outside [0, k]), as KenLM's --discount_fallback does.
	// nil means {0.5, 1, 1.5}, KenLM's default.
	DiscountFallback []float64
}

// Train estimates an interpolated modified Kneser-Ney model of the given
// order from tokenised sentences, the way KenLM's lmplz (without pruning)
// and SRILM's ngram-count -interpolate -kndiscount do (Chen & Goodman
// 1998):
//
//   - each sentence is padded to <s> w1 … wm </s>;
//   - the adjusted count a(g) of an n-gram is its count at the highest
//     order and for n-grams starting with <s>, and otherwise the number of
//     distinct words seen before it (its continuation count);
//   - each order n has three discounts, from the numbers t1…t4 of its
//     n-grams with adjusted count 1…4: Y = t1/(t1+2·t2) and
//     Dk = k − (k+1)·Y·t(k+1)/tk for k = 1, 2, 3 (D3 for every count ≥ 3);
//   - p(w|h) = (a(hw) − D(a(hw)))/Σv a(hv) + γ(h)·p(w|h′), with h′ the
//     history without its oldest word, γ(h) = (D1·N1(h•) + D2·N2(h•) +
//     D3·N3+(h•))/Σv a(hv), and the unigrams interpolated with the uniform
//     distribution over the vocabulary without <s>.
//
// The ARPA form stores these interpolated probabilities and γ(h) as the
// backoff weight of h, which is exact: a word never seen after h gets
// γ(h)·p(w|h′) under both readings, so the model sums to one over the
// vocabulary (with </s>, without <s>) after every history.
//
// Sentences must not contain <s>, </s>, empty words or words with spaces
// (an ARPA file could not hold them); the literal <unk> is the unknown
// word. The order must be in 1…MaxOrder.
func Train(sentences [][]string, order int, o Options) (*Model, error) {
	if order < 1 || order > MaxOrder {
		return nil, fmt.Errorf("ngram: order %d outside 1…%d", order, MaxOrder)
	}
	if len(sentences) == 0 {
		return nil, errors.New("ngram: no training sentences")
	}
	fallback := [3]float64{0.5, 1, 1.5}
	if o.DiscountFallback != nil {
		if len(o.DiscountFallback) != 3 {
			return nil, fmt.Errorf("ngram: DiscountFallback has %d values, want 3", len(o.DiscountFallback))
		}
		for k, d := range o.DiscountFallback {
			if !(d >= 0 && d <= float64(k+1)) {
				return nil, fmt.Errorf("ngram: DiscountFallback D%d = %v outside [0, %d]", k+1, d, k+1)
			}
		}
		copy(fallback[:], o.DiscountFallback)
	}
	for i, s := range sentences {
		for j, w := range s {
			if err := checkWord(w); err != nil {
				return nil, fmt.Errorf("ngram: sentence %d word %d: %w", i, j, err)
			}
		}
	}
	m := newModel(order)
	m.unk = m.addWord(Unk)
	m.bos = m.addWord(BOS)
	m.eos = m.addWord(EOS)
	for _, w := range vocabulary(sentences, o) {
		m.addWord(w)
	}

	// Adjusted counts: raw counts for the highest order and for n-grams
	// starting with <s>, continuation counts below.
	grams := make([]map[string]float64, order+1) // grams[n][packed ids]
	for n := 1; n <= order; n++ {
		grams[n] = make(map[string]float64)
	}
	var toks []int32
	var kb []byte
	for _, s := range sentences {
		toks = append(toks[:0], m.bos)
		for _, w := range s {
			toks = append(toks, m.id(w))
		}
		toks = append(toks, m.eos)
		for j := 1; j < len(toks); j++ {
			for n := 1; n <= order && j-n+1 >= 0; n++ {
				if start := j - n + 1; n == order || start == 0 {
					kb = pack(kb[:0], toks[start:j+1])
					grams[n][string(kb)]++
				}
			}
		}
	}
	grams[1][string(pack(kb[:0], []int32{m.bos}))] = float64(len(sentences))
	for n := order - 1; n >= 1; n-- {
		for k := range grams[n+1] {
			grams[n][k[4:]]++ // never starts with <s>, so never has a raw count
		}
	}
	// Every vocabulary word has a unigram, seen or not.
	for id := range m.words {
		k := string(pack(kb[:0], []int32{int32(id)}))
		if _, ok := grams[1][k]; !ok {
			grams[1][k] = 0
		}
	}
	bosKey := string(pack(nil, []int32{m.bos}))

	// Probabilities, order by order, lowest first.
	prob := make([]map[string]float64, order+1)
	gamma := make([]map[string]float64, order+1) // gamma[n-1][context of order n-1]
	for n := 1; n <= order; n++ {
		d := discounts(grams[n], bosKey, fallback)
		type ctxStat struct{ total, n1, n2, n3 float64 }
		ctx := make(map[string]*ctxStat)
		for k, a := range grams[n] {
			if k == bosKey || a == 0 {
				continue
			}
			h := k[:len(k)-4]
			c := ctx[h]
			if c == nil {
				c = &ctxStat{}
				ctx[h] = c
			}
			c.total += a
			switch {
			case a == 1:
				c.n1++
			case a == 2:
				c.n2++
			default:
				c.n3++
			}
		}
		gamma[n-1] = make(map[string]float64, len(ctx))
		for h, c := range ctx {
			gamma[n-1][h] = (d[0]*c.n1 + d[1]*c.n2 + d[2]*c.n3) / c.total
		}
		prob[n] = make(map[string]float64, len(grams[n]))
		uniform := 1 / float64(len(m.words)-1) // the vocabulary without <s>
		for k, a := range grams[n] {
			if k == bosKey {
				continue
			}
			h := k[:len(k)-4]
			u := 0.0
			if a > 0 {
				u = (a - d[min(int(a), 3)-1]) / ctx[h].total
			}
			lower := uniform
			if n > 1 {
				lower = prob[n-1][k[4:]]
			}
			prob[n][k] = u + gamma[n-1][h]*lower
		}
	}

	// The ARPA form, n-grams in id order within each order.
	ids := make([]int32, 0, order)
	for n := 1; n <= order; n++ {
		keys := make([]string, 0, len(grams[n]))
		for k := range grams[n] {
			keys = append(keys, k)
		}
		sort.Strings(keys) // big-endian ids: string order is id order
		for _, k := range keys {
			ids = unpack(ids[:0], k)
			nd := &m.nodes[m.insert(ids)]
			nd.hasProb = true
			if k == bosKey {
				nd.logp = -99
			} else {
				nd.logp = log10(prob[n][k])
			}
			if n < order {
				if g, ok := gamma[n][k]; ok {
					nd.bo = log10(g)
				}
			}
		}
	}
	return m, nil
}

// log10 is math.Log10 with 0 (possible only with zero fallback
// discounts) written as -99, ARPA's "never".
func log10(p float64) float64 {
	if p <= 0 {
		return -99
	}
	return math.Log10(p)
}

// vocabulary returns the words of the model besides the special tokens,
// sorted.
func vocabulary(sentences [][]string, o Options) []string {
	special := func(w string) bool { return w == Unk || w == BOS || w == EOS }
	set := make(map[string]int)
	if o.Vocab != nil {
		for _, w := range o.Vocab {
			if !special(w) && checkWord(w) == nil {
				set[w] = 1
			}
		}
	} else {
		for _, s := range sentences {
			for _, w := range s {
				set[w]++
			}
		}
	}
	var out []string
	for w, c := range set {
		if !special(w) && (o.Vocab != nil || c >= o.MinCount) {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out
}

// checkWord rejects the words an ARPA file cannot hold and the
// sentence-boundary tokens.
func checkWord(w string) error {
	switch {
	case w == "":
		return errors.New("empty word")
	case w == BOS || w == EOS:
		return fmt.Errorf("%q is added by the model and not allowed in the corpus", w)
	case strings.IndexFunc(w, unicode.IsSpace) >= 0:
		return fmt.Errorf("word %q contains white space", w)
	}
	return nil
}

// discounts returns D1, D2, D3+ of one order from the count-of-counts of
// its adjusted counts (the <s> unigram left out), or fallback when they
// cannot be estimated.
func discounts(grams map[string]float64, skip string, fallback [3]float64) [3]float64 {
	var t [5]float64
	for k, a := range grams {
		if k != skip && a >= 1 && a <= 4 {
			t[int(a)]++
		}
	}
	d, ok := discountsFrom(t[1], t[2], t[3], t[4])
	if !ok {
		return fallback
	}
	return d
}

// discountsFrom is the Chen & Goodman estimate from t1…t4; ok is false
// when a count is zero or a discount leaves [0, k].
func discountsFrom(t1, t2, t3, t4 float64) (d [3]float64, ok bool) {
	if t1 == 0 || t2 == 0 || t3 == 0 || t4 == 0 {
		return d, false
	}
	y := t1 / (t1 + 2*t2)
	t := [5]float64{0, t1, t2, t3, t4}
	for k := 1; k <= 3; k++ {
		d[k-1] = float64(k) - float64(k+1)*y*t[k+1]/t[k]
		if !(d[k-1] >= 0 && d[k-1] <= float64(k)) {
			return d, false
		}
	}
	return d, true
}

// pack appends ids as big-endian 4-byte words, so that byte order is id
// order.
func pack(dst []byte, ids []int32) []byte {
	for _, id := range ids {
		dst = binary.BigEndian.AppendUint32(dst, uint32(id))
	}
	return dst
}

func unpack(dst []int32, k string) []int32 {
	for i := 0; i+4 <= len(k); i += 4 {
		dst = append(dst, int32(binary.BigEndian.Uint32([]byte(k[i:i+4]))))
	}
	return dst
}
