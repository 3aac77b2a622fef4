package asr

import (
	"context"
	"fmt"
	"strings"

	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/prompt"
)

// LMOptions configure [ScoreLM].
type LMOptions struct {
	// Prefix is the context the hypotheses are scored after: "" for
	// none, a domain hint, or an instruction dialogue rendered as text.
	// Its tokens are not scored.
	Prefix string
	// NoSpace scores a hypothesis as it is; by default it is scored with
	// a leading space (" list flights"), as a word that follows the
	// prefix. An empty hypothesis is always scored as "".
	NoSpace bool
	// LengthNorm divides each score by its number of tokens (as the LM
	// splits the hypothesis), so long hypotheses are not penalised for
	// their length; a hypothesis of no tokens scores 0.
	LengthNorm bool
	// Progress, if not nil, is called after each utterance with the
	// number of utterances scored and the total.
	Progress func(done, total int)
}

// ScoreLM returns the language-model score lm(h) = Σ_t log p(w_t | prefix,
// w_<t) of every hypothesis of every utterance, lm[i][k] for
// utts[i].Hyps[k], from lm's Score method. Each distinct hypothesis text is
// scored once (N-best lists repeat hypotheses, within and across
// utterances). It stops at the first error, which it returns with the
// utterance's index, and at the cancellation of ctx.
func ScoreLM(ctx context.Context, lm prompt.LM, utts []Utterance, o LMOptions) ([][]float64, error) {
	cache := map[string]float64{}
	out := make([][]float64, len(utts))
	for i, u := range utts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i] = make([]float64, len(u.Hyps))
		for k, h := range u.Hyps {
			s, ok := cache[h]
			if !ok {
				cont := h
				if !o.NoSpace && h != "" {
					cont = " " + h
				}
				sc, err := lm.Score(ctx, o.Prefix, cont)
				if err != nil {
					return nil, fmt.Errorf("asr.ScoreLM: utterance %d (id %q): %w", i, u.ID, err)
				}
				s = sc.Total
				if o.LengthNorm {
					s = 0
					if len(sc.LogProbs) > 0 {
						s = sc.Total / float64(len(sc.LogProbs))
					}
				}
				cache[h] = s
			}
			out[i][k] = s
		}
		if o.Progress != nil {
			o.Progress(i+1, len(utts))
		}
	}
	return out, nil
}

// Weights are the weights of log-linear rescoring: score(h) = am(h) +
// LM·lm(h) + Length·|words(h)|.
type Weights struct {
	// LM is λ, the weight of the language-model score.
	LM float64
	// Length is β, the reward per word (negative: a penalty).
	Length float64
}

// Rescore returns for each utterance the index of the hypothesis with the
// highest score(h) = am(h) + w.LM·lm[i][k] + w.Length·|words(h)|, where
// am(h) is the first-pass score (0 if the utterance has none) and
// |words(h)| the number of white-space separated words. Ties go to the
// hypothesis ranked higher by the first pass (the lower index), so
// w = Weights{} keeps the first-pass best when the scores are sorted. lm
// may be nil if w.LM is 0. It panics if lm does not have the shape of the
// N-best lists.
func Rescore(utts []Utterance, lm [][]float64, w Weights) []int {
	checkShape("asr.Rescore", utts, lm, w)
	picks := make([]int, len(utts))
	var words []int
	for i, u := range utts {
		words = words[:0]
		for _, h := range u.Hyps {
			words = append(words, len(strings.Fields(h)))
		}
		picks[i] = argmax(u, lm, w, i, words)
	}
	return picks
}

// argmax returns the index of the best-scoring hypothesis of utterance i,
// whose hypotheses have words[k] words; the first one on a tie.
func argmax(u Utterance, lm [][]float64, w Weights, i int, words []int) int {
	best, bs := 0, 0.0
	for k := range u.Hyps {
		var s float64
		if u.Scores != nil {
			s = u.Scores[k]
		}
		if w.LM != 0 {
			s += w.LM * lm[i][k]
		}
		s += w.Length * float64(words[k])
		if k == 0 || s > bs {
			best, bs = k, s
		}
	}
	return best
}

func checkShape(fn string, utts []Utterance, lm [][]float64, w Weights) {
	if lm == nil && w.LM == 0 {
		return
	}
	if len(lm) != len(utts) {
		panic(fmt.Sprintf("%s: LM scores for %d utterances, want %d", fn, len(lm), len(utts)))
	}
	for i, u := range utts {
		if len(lm[i]) != len(u.Hyps) {
			panic(fmt.Sprintf("%s: utterance %d: %d LM scores for %d hypotheses", fn, i, len(lm[i]), len(u.Hyps)))
		}
	}
}

// GridSearch tries every pair of λ from lambdas and β from betas (a nil or
// empty grid stands for {0}) and returns the weights whose [Rescore] picks
// have the lowest corpus WER on dev, with that WER; words are split with
// norm (metrics.Whitespace if nil). On a tie the pair found first wins,
// λ in the outer loop. Tune on a development set ([DevSplit] of the
// training data), then rescore the test set with the weights found.
func GridSearch(dev []Utterance, lm [][]float64, lambdas, betas []float64, norm func(string) []string) (Weights, float64) {
	if len(lambdas) == 0 {
		lambdas = []float64{0}
	}
	if len(betas) == 0 {
		betas = []float64{0}
	}
	checkShape("asr.GridSearch", dev, lm, Weights{LM: 1})
	if norm == nil {
		norm = metrics.Whitespace
	}
	// The errors and word count of every hypothesis, computed once.
	errs := make([][]int, len(dev))
	words := make([][]int, len(dev))
	refWords := 0
	for i, u := range dev {
		ref := norm(u.Ref)
		refWords += len(ref)
		errs[i] = make([]int, len(u.Hyps))
		words[i] = make([]int, len(u.Hyps))
		for k, h := range u.Hyps {
			errs[i][k] = metrics.Align(ref, norm(h)).Errors()
			words[i][k] = len(strings.Fields(h))
		}
	}
	best, bestErrs := Weights{}, -1
	for _, l := range lambdas {
		for _, b := range betas {
			w := Weights{LM: l, Length: b}
			total := 0
			for i, u := range dev {
				total += errs[i][argmax(u, lm, w, i, words[i])]
			}
			if bestErrs < 0 || total < bestErrs {
				best, bestErrs = w, total
			}
		}
	}
	if refWords == 0 {
		return best, metrics.Edits{Ins: bestErrs}.WER() // see Edits.WER
	}
	return best, float64(bestErrs) / float64(refWords)
}

// Refs returns the reference transcripts of utts.
func Refs(utts []Utterance) []string {
	r := make([]string, len(utts))
	for i, u := range utts {
		r[i] = u.Ref
	}
	return r
}

// Picked returns the hypotheses picks selects: utts[i].Hyps[picks[i]].
// It panics if the lengths differ or an index is out of range.
func Picked(utts []Utterance, picks []int) []string {
	if len(picks) != len(utts) {
		panic(fmt.Sprintf("asr.Picked: %d picks for %d utterances", len(picks), len(utts)))
	}
	h := make([]string, len(utts))
	for i, u := range utts {
		h[i] = u.Hyps[picks[i]]
	}
	return h
}
