package active

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/data"
)

// LCScore is the least-confidence score of a sentence whose greedily
// decoded tags have the natural log-probabilities logp: 1 − Π_j p_j =
// 1 − exp(Σ_j logp_j), the probability that the decoded sequence is
// wrong. The most informative sentence has the largest score. It is 0 for
// an empty sentence.
func LCScore(logp []float64) float64 {
	s := 0.0
	for _, l := range logp {
		s += l
	}
	return -math.Expm1(s)
}

// MNLPScore is the maximum normalised log-probability of a sentence whose
// greedily decoded tags have the natural log-probabilities logp:
// (1/n) Σ_j logp_j with n = len(logp), the sentence's true length (no
// padding, no boundary tokens). The most informative sentence has the
// smallest score; unlike LCScore it does not favour long sentences. It is
// 0 for an empty sentence.
func MNLPScore(logp []float64) float64 {
	if len(logp) == 0 {
		return 0
	}
	s := 0.0
	for _, l := range logp {
		s += l
	}
	return s / float64(len(logp))
}

// BALDScore is the paper's Bayesian active learning by disagreement score
// of a sentence from M Monte Carlo dropout decodes: samples[m][j] is the
// tag of word j in sample m. Word j scores f_j = 1 − max_y c_j(y)/M, where
// c_j(y) counts the samples that tag it y, and the sentence scores the
// mean (1/n) Σ_j f_j over its n words. The most informative sentence has
// the largest score; it is 0 when all samples agree and for an empty
// sentence or no samples. It panics if the samples differ in length.
func BALDScore(samples [][]int) float64 {
	checkSamples("BALDScore", samples)
	if len(samples) == 0 || len(samples[0]) == 0 {
		return 0
	}
	n, m := len(samples[0]), len(samples)
	counts := map[int]int{}
	sum := 0.0
	for j := range n {
		clear(counts)
		best := 0
		for _, s := range samples {
			counts[s[j]]++
			best = max(best, counts[s[j]])
		}
		sum += 1 - float64(best)/float64(m)
	}
	return sum / float64(n)
}

// BALDSeqScore is the sequence-level disagreement score of the Active-NLP
// re-implementation (Siddhant and Lipton, 2018) from M Monte Carlo dropout
// decodes: 1 − c/M, where c counts the samples equal, as whole tag
// sequences, to the most frequent one. It is not the paper's per-word
// BALDScore: one differing word anywhere makes a sample disagree. The most
// informative sentence has the largest score; it is 0 when all samples
// agree or there are none. (Active-NLP breaks ties by MNLP; [Select] breaks
// them at random.) It panics if the samples differ in length.
func BALDSeqScore(samples [][]int) float64 {
	checkSamples("BALDSeqScore", samples)
	if len(samples) == 0 {
		return 0
	}
	counts := map[string]int{}
	best := 0
	var key []byte
	for _, s := range samples {
		key = key[:0]
		for _, y := range s {
			key = strconv.AppendInt(key, int64(y), 10)
			key = append(key, ',')
		}
		k := string(key)
		counts[k]++
		best = max(best, counts[k])
	}
	return 1 - float64(best)/float64(len(samples))
}

func checkSamples(op string, samples [][]int) {
	for m, s := range samples {
		if len(s) != len(samples[0]) {
			panic(fmt.Sprintf("active.%s: sample %d has %d tags, sample 0 has %d", op, m, len(s), len(samples[0])))
		}
	}
}

// Acquisition is a strategy for choosing the sentences to label next.
// The zero value is not a strategy.
type Acquisition int

// The acquisition strategies.
const (
	// LC selects the sentences with the largest LCScore.
	LC Acquisition = iota + 1
	// MNLP selects the sentences with the smallest MNLPScore.
	MNLP
	// BALD selects the sentences with the largest BALDScore over
	// Monte Carlo dropout samples.
	BALD
	// BALDSeq selects the sentences with the largest BALDSeqScore, the
	// Active-NLP variant of BALD.
	BALDSeq
	// Random selects sentences uniformly at random.
	Random
)

var acquisitionNames = [...]string{LC: "lc", MNLP: "mnlp", BALD: "bald", BALDSeq: "bald-seq", Random: "random"}

// Acquisitions lists the strategies, in the order of their constants.
func Acquisitions() []Acquisition { return []Acquisition{LC, MNLP, BALD, BALDSeq, Random} }

func (a Acquisition) valid() bool { return a >= LC && a <= Random }

// String returns the strategy's name: "lc", "mnlp", "bald", "bald-seq" or
// "random".
func (a Acquisition) String() string {
	if !a.valid() {
		return fmt.Sprintf("Acquisition(%d)", int(a))
	}
	return acquisitionNames[a]
}

// ParseAcquisition returns the strategy named s, as String spells it,
// ignoring case.
func ParseAcquisition(s string) (Acquisition, error) {
	for _, a := range Acquisitions() {
		if strings.EqualFold(s, a.String()) {
			return a, nil
		}
	}
	return 0, fmt.Errorf("active: unknown acquisition %q (want lc, mnlp, bald, bald-seq or random)", s)
}

// MarshalText returns the strategy's name, so that it reads well in JSON.
func (a Acquisition) MarshalText() ([]byte, error) {
	if !a.valid() {
		return nil, fmt.Errorf("active: invalid acquisition %d", int(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText parses a name as ParseAcquisition does.
func (a *Acquisition) UnmarshalText(b []byte) error {
	v, err := ParseAcquisition(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// DefaultMCSamples is the number of Monte Carlo dropout samples BALD draws
// per sentence unless told otherwise, as in the paper.
const DefaultMCSamples = 100

// DefaultBatchSize is the number of sentences the Scorer and Run decode at
// once unless told otherwise.
const DefaultBatchSize = 64

// Scorer scores pool sentences for an acquisition strategy.
type Scorer struct {
	// Acquisition is the strategy.
	Acquisition Acquisition
	// MCSamples is the number of dropout samples for BALD and BALDSeq;
	// 0 means DefaultMCSamples.
	MCSamples int
	// BatchSize is the number of sentences decoded at once; 0 means
	// DefaultBatchSize.
	BatchSize int
}

// Score scores the sentences at positions idx of pool (all of them if idx
// is nil) with tagger t: scores[k] belongs to sentence idx[k]. Scores are
// oriented so that larger means more informative: LCScore for LC, the
// negated MNLPScore for MNLP, BALDScore and BALDSeqScore from MCSamples
// calls of t.Sample for BALD and BALDSeq, and a uniform draw from rng for
// Random (t is then not used and may be nil). Sentences are decoded in
// batches of similar length; a sentence's score does not depend on the
// others in its batch as long as t decodes each alone. The draws come from
// rng only, so the same seed gives the same scores. Score returns an error
// if ctx is cancelled or t returns the wrong number of tags, and panics
// for an invalid strategy or an index out of range.
func (s Scorer) Score(ctx context.Context, t Tagger, pool *data.SeqSet, idx []int, rng *rand.Rand) ([]float64, error) {
	if !s.Acquisition.valid() {
		panic(fmt.Sprintf("active.Scorer.Score: invalid acquisition %d", int(s.Acquisition)))
	}
	if idx == nil {
		idx = make([]int, pool.Len())
		for i := range idx {
			idx[i] = i
		}
	}
	scores := make([]float64, len(idx))
	if s.Acquisition == Random {
		for k := range scores {
			scores[k] = rng.Float64()
		}
		return scores, nil
	}
	m := s.MCSamples
	if m <= 0 {
		m = DefaultMCSamples
	}
	for batch := range batchesByLength(pool, idx, s.BatchSize) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := pool.Batch(batch.pos)
		switch s.Acquisition {
		case LC, MNLP:
			_, logp := t.Predict(b)
			if err := checkLengths("Predict", b, len(logp), func(i int) int { return len(logp[i]) }); err != nil {
				return nil, err
			}
			for i, l := range logp {
				if s.Acquisition == LC {
					scores[batch.at[i]] = LCScore(l)
				} else {
					scores[batch.at[i]] = -MNLPScore(l)
				}
			}
		case BALD, BALDSeq:
			samples := make([][][]int, b.B) // sentence, sample, word
			for range m {
				tags := t.Sample(b, rng)
				if err := checkLengths("Sample", b, len(tags), func(i int) int { return len(tags[i]) }); err != nil {
					return nil, err
				}
				for i, y := range tags {
					samples[i] = append(samples[i], y)
				}
			}
			for i, sm := range samples {
				if s.Acquisition == BALD {
					scores[batch.at[i]] = BALDScore(sm)
				} else {
					scores[batch.at[i]] = BALDSeqScore(sm)
				}
			}
		}
	}
	return scores, nil
}

// scoreBatch is one batch of Scorer.Score: the pool positions of its
// sentences and their places in the caller's idx.
type scoreBatch struct{ pos, at []int }

// batchesByLength cuts idx, stably sorted by sentence length, into batches
// of at most size sentences (DefaultBatchSize if size <= 0).
func batchesByLength(pool *data.SeqSet, idx []int, size int) iter.Seq[scoreBatch] {
	if size <= 0 {
		size = DefaultBatchSize
	}
	order := make([]int, len(idx))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(len(pool.Words[idx[a]]), len(pool.Words[idx[b]]))
	})
	return func(yield func(scoreBatch) bool) {
		for lo := 0; lo < len(order); lo += size {
			at := order[lo:min(lo+size, len(order))]
			pos := make([]int, len(at))
			for i, k := range at {
				pos[i] = idx[k]
			}
			if !yield(scoreBatch{pos: pos, at: at}) {
				return
			}
		}
	}
}

// checkLengths checks that a Tagger method returned one sequence of
// Lengths[i] values per sentence of b.
func checkLengths(method string, b data.SeqBatch, n int, length func(int) int) error {
	if n != b.B {
		return fmt.Errorf("active: Tagger.%s returned %d sentences for a batch of %d", method, n, b.B)
	}
	for i := range n {
		if length(i) != b.Lengths[i] {
			return fmt.Errorf("active: Tagger.%s returned %d values for sentence %d of %d words", method, length(i), b.Index[i], b.Lengths[i])
		}
	}
	return nil
}

// Select chooses the sentences to label in one round: the unlabelled
// sentences (labelled[i] false, or labelled nil) in decreasing order of
// scores[i], whole sentences, until their lengths sum to at least budget
// words. The last sentence may overshoot: the picks minus the last one
// hold fewer than budget words, unless the unlabelled sentences run out
// first. Ties are broken, and NaN scores (ranked last) ordered, at random
// from rng, so the same seed gives the same picks; with equal scores
// Select is random sampling. It returns the picked positions in the order
// they were picked, none if budget <= 0. It panics if scores, lengths and
// a non-nil labelled differ in length or a length is negative.
func Select(scores []float64, lengths []int, budget int, labelled []bool, rng *rand.Rand) []int {
	if len(lengths) != len(scores) || (labelled != nil && len(labelled) != len(scores)) {
		panic(fmt.Sprintf("active.Select: %d scores, %d lengths, %d labelled flags", len(scores), len(lengths), len(labelled)))
	}
	var cand []int
	for i, n := range lengths {
		if n < 0 {
			panic(fmt.Sprintf("active.Select: sentence %d has length %d", i, n))
		}
		if labelled == nil || !labelled[i] {
			cand = append(cand, i)
		}
	}
	if budget <= 0 {
		return nil
	}
	rng.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
	slices.SortStableFunc(cand, func(a, b int) int {
		sa, sb := scores[a], scores[b]
		switch na, nb := math.IsNaN(sa), math.IsNaN(sb); {
		case na && nb:
			return 0
		case na:
			return 1
		case nb:
			return -1
		}
		return cmp.Compare(sb, sa)
	})
	var picks []int
	words := 0
	for _, i := range cand {
		if words >= budget {
			break
		}
		picks = append(picks, i)
		words += lengths[i]
	}
	return picks
}
