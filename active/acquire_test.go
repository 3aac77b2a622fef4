package active_test

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/active"
	"github.com/cairn-ml/cairn/data"
)

func alLogs(ps ...float64) []float64 {
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = math.Log(p)
	}
	return out
}

func alRepeat(p float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = p
	}
	return out
}

func alClose(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.9f, want %.9f", name, got, want)
	}
}

// alFixedTagger decodes from tables indexed by pool position: logp[i]
// for Predict (argmax tags 0) and, for Sample, samples[i][m] on the m-th
// call, cycling.
type alFixedTagger struct {
	logp    [][]float64
	samples [][][]int
	calls   int
}

func (f *alFixedTagger) Fit(context.Context, *data.SeqSet, int, *rand.Rand) error { return nil }

func (f *alFixedTagger) Predict(b data.SeqBatch) ([][]int, [][]float64) {
	tags := make([][]int, b.B)
	logp := make([][]float64, b.B)
	for i, pos := range b.Index {
		tags[i] = make([]int, b.Lengths[i])
		logp[i] = f.logp[pos]
	}
	return tags, logp
}

func (f *alFixedTagger) Sample(b data.SeqBatch, _ *rand.Rand) [][]int {
	tags := make([][]int, b.B)
	for i, pos := range b.Index {
		s := f.samples[pos]
		tags[i] = s[f.calls%len(s)]
	}
	f.calls++
	return tags
}

// alPool returns an unlabelled pool of sentences of the given lengths.
func alPool(lengths ...int) *data.SeqSet {
	s := &data.SeqSet{}
	for _, n := range lengths {
		s.Words = append(s.Words, make([]int, n))
	}
	return s
}

// Oracle 1: greedy-tag probabilities [0.9, 0.5].
func TestScoresOracle1(t *testing.T) {
	lp := alLogs(0.9, 0.5)
	alClose(t, "LC", active.LCScore(lp), 0.55, 1e-12)
	alClose(t, "MNLP", active.MNLPScore(lp), (math.Log(0.9)+math.Log(0.5))/2, 1e-15)
	alClose(t, "MNLP", active.MNLPScore(lp), -0.399253, 1e-6) // the spec truncates −0.3992538
	if active.LCScore(nil) != 0 || active.MNLPScore(nil) != 0 {
		t.Error("empty sentence should score 0")
	}
}

// Oracle 2: LC prefers the long sentence B, MNLP the short uncertain A,
// both as plain scores and through the Scorer and Select.
func TestScoresLengthBias(t *testing.T) {
	a, b := alRepeat(math.Log(0.9), 2), alRepeat(math.Log(0.99), 30)
	alClose(t, "LC_A", active.LCScore(a), 0.19, 1e-12)
	alClose(t, "LC_B", active.LCScore(b), 0.260300, 5e-7)
	alClose(t, "LC_B", active.LCScore(b), 1-math.Pow(0.99, 30), 1e-12)
	alClose(t, "MNLP_A", active.MNLPScore(a), -0.105361, 5e-7)
	alClose(t, "MNLP_B", active.MNLPScore(b), -0.010050, 5e-7)
	pool := alPool(2, 30)
	tagger := &alFixedTagger{logp: [][]float64{a, b}}
	for _, tc := range []struct {
		acq  active.Acquisition
		want int
	}{{active.LC, 1}, {active.MNLP, 0}} {
		scores, err := active.Scorer{Acquisition: tc.acq}.Score(context.Background(), tagger, pool, nil, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if got := active.Select(scores, []int{2, 30}, 1, nil, rand.New(rand.NewPCG(1, 1))); !slices.Equal(got, []int{tc.want}) {
			t.Errorf("%v picks %v (scores %v), want [%d]", tc.acq, got, scores, tc.want)
		}
	}
}

// Oracle 3: BALD from M = 4 samples, and the sequence-level variant.
func TestBALDOracle3(t *testing.T) {
	const A, B = 0, 1
	samples := [][]int{{A, A}, {A, A}, {A, A}, {B, A}}
	alClose(t, "BALD", active.BALDScore(samples), 0.125, 1e-15)
	alClose(t, "BALDSeq", active.BALDSeqScore(samples), 0.25, 1e-15)
	agree := [][]int{{A, B}, {A, B}, {A, B}}
	if active.BALDScore(agree) != 0 || active.BALDSeqScore(agree) != 0 {
		t.Error("agreeing samples should score 0")
	}
	// Per-word vs sequence: two disagreements on different samples.
	split := [][]int{{A, A}, {A, A}, {A, B}, {B, A}}
	alClose(t, "BALD split", active.BALDScore(split), 0.25, 1e-15)
	alClose(t, "BALDSeq split", active.BALDSeqScore(split), 0.5, 1e-15)
	if active.BALDScore(nil) != 0 || active.BALDScore([][]int{{}, {}}) != 0 {
		t.Error("no samples or no words should score 0")
	}

	// Through the Scorer: sentence 0 gets the oracle's samples, sentence 1
	// always the same tags.
	tagger := &alFixedTagger{samples: [][][]int{samples, {{B, B, A}}}}
	scores, err := active.Scorer{Acquisition: active.BALD, MCSamples: 4}.Score(context.Background(), tagger, alPool(2, 3), nil, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(scores, []float64{0.125, 0}) || tagger.calls != 4 {
		t.Errorf("scores %v after %d Sample calls; want [0.125 0] after 4", scores, tagger.calls)
	}
}

// With dropout disabled all MC samples agree, so BALD scores 0 for every
// sentence; with dropout on, the samples disagree and the scores, drawn
// from the rng only, repeat for the same seed.
func TestBALDDropout(t *testing.T) {
	d := newAlToy(t)
	ctx := context.Background()
	sc := active.Scorer{Acquisition: active.BALD, MCSamples: 20, BatchSize: 16}
	off := newAlSoftmaxTagger(3, d.wv.Len(), d.tv.Len(), 8, 0)
	scores, err := sc.Score(ctx, off, d.pool, nil, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range scores {
		if s != 0 {
			t.Fatalf("dropout off: sentence %d scores %v", i, s)
		}
	}
	on := newAlSoftmaxTagger(3, d.wv.Len(), d.tv.Len(), 8, 0.5)
	for _, acq := range []active.Acquisition{active.BALD, active.BALDSeq, active.Random} {
		sc.Acquisition = acq
		s1, err := sc.Score(ctx, on, d.pool, []int{5, 3, 100, 7}, rand.New(rand.NewPCG(9, 9)))
		if err != nil {
			t.Fatal(err)
		}
		s2, _ := sc.Score(ctx, on, d.pool, []int{5, 3, 100, 7}, rand.New(rand.NewPCG(9, 9)))
		s3, _ := sc.Score(ctx, on, d.pool, []int{5, 3, 100, 7}, rand.New(rand.NewPCG(9, 10)))
		if !slices.Equal(s1, s2) || slices.Equal(s1, s3) || slices.Max(s1) <= 0 {
			t.Errorf("%v: seed 9 gives %v then %v, seed 10 %v", acq, s1, s2, s3)
		}
	}
}

// LC and MNLP scores do not depend on how the pool is cut into batches,
// and a subset's scores equal the full pool's at those positions.
func TestScorerBatching(t *testing.T) {
	d := newAlToy(t)
	tagger := newAlSoftmaxTagger(3, d.wv.Len(), d.tv.Len(), 8, 0.5)
	if err := tagger.Fit(context.Background(), d.pool, 1, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	for _, acq := range []active.Acquisition{active.LC, active.MNLP} {
		all, err := active.Scorer{Acquisition: acq, BatchSize: 200}.Score(context.Background(), tagger, d.pool, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		idx := []int{199, 0, 42, 17}
		some, err := active.Scorer{Acquisition: acq, BatchSize: 3}.Score(context.Background(), tagger, d.pool, idx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, i := range idx {
			if math.Abs(some[k]-all[i]) > 1e-6 {
				t.Errorf("%v sentence %d: %v in batches of 3, %v in one batch", acq, i, some[k], all[i])
			}
		}
	}
}

type alShortTagger struct{ *alFixedTagger }

func (alShortTagger) Predict(b data.SeqBatch) ([][]int, [][]float64) {
	return make([][]int, b.B), make([][]float64, b.B)
}

func TestScorerErrors(t *testing.T) {
	_, err := active.Scorer{Acquisition: active.MNLP}.Score(context.Background(), alShortTagger{&alFixedTagger{}}, alPool(3), nil, nil)
	if err == nil {
		t.Error("a tagger returning no log-probabilities should be an error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (active.Scorer{Acquisition: active.LC}).Score(ctx, &alFixedTagger{logp: [][]float64{{0}}}, alPool(1), nil, nil); err == nil {
		t.Error("cancelled context should be an error")
	}
}

func TestAcquisitionNames(t *testing.T) {
	for _, a := range active.Acquisitions() {
		b, err := active.ParseAcquisition(a.String())
		if err != nil || b != a {
			t.Errorf("ParseAcquisition(%q) = %v, %v", a.String(), b, err)
		}
		j, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var c active.Acquisition
		if err := json.Unmarshal(j, &c); err != nil || c != a {
			t.Errorf("%v: JSON %s reads back as %v, %v", a, j, c, err)
		}
	}
	if a, err := active.ParseAcquisition("MNLP"); err != nil || a != active.MNLP {
		t.Errorf("ParseAcquisition(MNLP) = %v, %v", a, err)
	}
	if _, err := active.ParseAcquisition("entropy"); err == nil {
		t.Error("unknown name should be an error")
	}
	if _, err := json.Marshal(active.Acquisition(0)); err == nil {
		t.Error("zero acquisition should not marshal")
	}
}

// Oracle 5: budget selection invariants on random pools.
func TestSelectInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		n := 1 + rng.IntN(40)
		scores := make([]float64, n)
		lengths := make([]int, n)
		labelled := make([]bool, n)
		free := 0
		for i := range n {
			scores[i] = float64(rng.IntN(5)) // many ties
			lengths[i] = 1 + rng.IntN(30)
			labelled[i] = rng.IntN(3) == 0
			if !labelled[i] {
				free += lengths[i]
			}
		}
		budget := rng.IntN(200)
		seed := rng.Uint64()
		picks := active.Select(scores, lengths, budget, labelled, rand.New(rand.NewPCG(seed, 0)))
		again := active.Select(scores, lengths, budget, labelled, rand.New(rand.NewPCG(seed, 0)))
		if !slices.Equal(picks, again) {
			t.Fatalf("trial %d: same seed, picks %v then %v", trial, picks, again)
		}
		words := 0
		seen := map[int]bool{}
		for k, i := range picks {
			if labelled[i] || seen[i] {
				t.Fatalf("trial %d: pick %d labelled or repeated", trial, i)
			}
			seen[i] = true
			words += lengths[i]
			if k > 0 && scores[i] > scores[picks[k-1]] {
				t.Fatalf("trial %d: picks not by decreasing score: %v", trial, picks)
			}
		}
		// No unpicked free sentence scores above a picked one.
		if len(picks) > 0 {
			low := scores[picks[len(picks)-1]]
			for i := range n {
				if !labelled[i] && !seen[i] && scores[i] > low {
					t.Fatalf("trial %d: skipped sentence %d scores %v > %v", trial, i, scores[i], low)
				}
			}
		}
		switch {
		case budget == 0:
			if len(picks) != 0 {
				t.Fatalf("trial %d: budget 0 picked %v", trial, picks)
			}
		case free < budget:
			if words != free {
				t.Fatalf("trial %d: pool of %d free words ran out at %d", trial, free, words)
			}
		default:
			if words < budget || words-lengths[picks[len(picks)-1]] >= budget {
				t.Fatalf("trial %d: %d words (last %d) for budget %d", trial, words, lengths[picks[len(picks)-1]], budget)
			}
		}
	}
}

// Random sampling (equal scores) is reproducible for a seed, differs
// between seeds and covers the pool uniformly.
func TestSelectRandom(t *testing.T) {
	const n = 10
	equal := make([]float64, n)
	ones := alRepeatInt(1, n)
	first := map[int]int{}
	for seed := range uint64(2000) {
		p := active.Select(equal, ones, 3, nil, rand.New(rand.NewPCG(seed, 0)))
		if seed == 0 {
			if q := active.Select(equal, ones, 3, nil, rand.New(rand.NewPCG(0, 0))); !slices.Equal(p, q) {
				t.Fatalf("seed 0: %v then %v", p, q)
			}
			if q := active.Select(equal, ones, 3, nil, rand.New(rand.NewPCG(1, 0))); slices.Equal(p, q) {
				t.Errorf("seeds 0 and 1 both pick %v", p)
			}
		}
		first[p[0]]++
	}
	for i := range n {
		if first[i] < 140 || first[i] > 260 { // mean 200, sd ≈ 13
			t.Errorf("sentence %d picked first %d times in 2000", i, first[i])
		}
	}
	// NaN scores come last.
	if p := active.Select([]float64{math.NaN(), 1, 0}, []int{1, 1, 1}, 3, nil, rand.New(rand.NewPCG(1, 1))); !slices.Equal(p, []int{1, 2, 0}) {
		t.Errorf("with a NaN score: %v", p)
	}
}

func alRepeatInt(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}
