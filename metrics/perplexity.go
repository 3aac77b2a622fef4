package metrics

import "math"

// LogPerplexity returns the log-perplexity of a sequence in bits,
// -Σ_t log2 p(w_t | w_<t), from the natural-log probabilities lnProbs of
// its tokens: the score the exposure metric ranks (Carlini et al. 2019).
func LogPerplexity(lnProbs []float64) float64 {
	var s float64
	for _, lp := range lnProbs {
		s -= lp
	}
	return s / math.Ln2
}

// Perplexity returns exp(-mean lnProbs) = 2^(mean bits per token), the
// perplexity of held-out text from the natural-log probabilities of its
// tokens. It is NaN for no tokens.
func Perplexity(lnProbs []float64) float64 {
	if len(lnProbs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, lp := range lnProbs {
		s -= lp
	}
	return math.Exp(s / float64(len(lnProbs)))
}
