package metrics

import (
	"fmt"
	"strings"
)

// chrF settings: sacreBLEU's CHRF defaults.
const (
	chrfOrder = 6
	chrfBeta  = 2
)

// CorpusChrF returns sacreBLEU's corpus chrF (version 2, defaults: character
// n-grams of order 1..6, no word n-grams, β = 2, case-sensitive, whitespace
// removed before counting, no eps smoothing) in [0, 100]; refs[i] holds the
// references of hyps[i] (at least one each).
//
// Per segment the n-gram counts of the reference with the best segment
// chrF are kept (the first on ties); the counts are summed over the corpus;
// the precisions and recalls of the orders where both hypothesis and
// reference have n-grams are averaged, and the score is the F-β of the
// averages, times 100.
func CorpusChrF(hyps []string, refs [][]string) (float64, error) {
	if len(hyps) != len(refs) {
		return 0, fmt.Errorf("metrics: CorpusChrF: %d hypotheses but references for %d", len(hyps), len(refs))
	}
	var total [3 * chrfOrder]int
	for i, h := range hyps {
		if len(refs[i]) == 0 {
			return 0, fmt.Errorf("metrics: CorpusChrF: segment %d has no reference", i)
		}
		st := chrfSegment(h, refs[i])
		for k := range total {
			total[k] += st[k]
		}
	}
	return chrfScore(total), nil
}

// SentenceChrF returns the chrF of one hypothesis against its references,
// as sacreBLEU's sentence_chrf. It panics if refs is empty.
func SentenceChrF(hyp string, refs []string) float64 {
	if len(refs) == 0 {
		panic("metrics: SentenceChrF: no reference")
	}
	return chrfScore(chrfSegment(hyp, refs))
}

// charNgrams counts the character n-grams of s without its whitespace.
func charNgrams(s string) [chrfOrder]map[string]int {
	rs := []rune(strings.Join(pyFields(s), ""))
	var c [chrfOrder]map[string]int
	for n := 1; n <= chrfOrder; n++ {
		c[n-1] = map[string]int{}
		for i := 0; i+n <= len(rs); i++ {
			c[n-1][string(rs[i:i+n])]++
		}
	}
	return c
}

// chrfSegment returns, per order, the hypothesis, reference and matching
// n-gram counts against the best reference.
func chrfSegment(hyp string, refs []string) [3 * chrfOrder]int {
	hc := charNgrams(hyp)
	var best [3 * chrfOrder]int
	bestF := -1.0
	for _, ref := range refs {
		rc := charNgrams(ref)
		var st [3 * chrfOrder]int
		for n := 0; n < chrfOrder; n++ {
			for _, c := range hc[n] {
				st[3*n] += c
			}
			for g, c := range rc[n] {
				st[3*n+1] += c
				st[3*n+2] += min(c, hc[n][g])
			}
		}
		if f := chrfScore(st); f > bestF {
			bestF, best = f, st
		}
	}
	return best
}

// chrfScore is sacreBLEU's CHRF._compute_f_score without eps smoothing.
func chrfScore(st [3 * chrfOrder]int) float64 {
	const factor = chrfBeta * chrfBeta
	var prec, rec float64
	eff := 0
	for n := 0; n < chrfOrder; n++ {
		nh, nr, nm := st[3*n], st[3*n+1], st[3*n+2]
		if nh > 0 && nr > 0 {
			prec += float64(nm) / float64(nh)
			rec += float64(nm) / float64(nr)
			eff++
		}
	}
	if eff == 0 {
		return 0
	}
	prec /= float64(eff)
	rec /= float64(eff)
	if prec+rec == 0 {
		return 0
	}
	return 100 * (1 + factor) * prec * rec / (factor*prec + rec)
}
