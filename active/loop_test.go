package active_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/active"
	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// alSoftmaxTagger is the tests' own small tagger that truly learns: a
// per-word softmax over a word embedding, with dropout on the embedding
// (masks from the rng of Fit and Sample), trained with Adam.
type alSoftmaxTagger struct {
	Emb *nn.Embedding
	Out *nn.Linear
	p   float64
	opt *optim.Adam
}

var _ active.Tagger = (*alSoftmaxTagger)(nil)

func newAlSoftmaxTagger(seed uint64, words, tags, dim int, p float64) *alSoftmaxTagger {
	rng := rand.New(rand.NewPCG(seed, 7))
	t := &alSoftmaxTagger{Emb: nn.NewEmbedding(rng, words, dim, data.PadID), Out: nn.NewLinear(rng, dim, tags), p: p}
	t.opt = optim.NewAdam(nn.Params(t), 0.05)
	return t
}

// logits returns the (B*T, tags) logits of b, with dropout if rng is not nil.
func (t *alSoftmaxTagger) logits(b data.SeqBatch, rng *rand.Rand) *tensor.Tensor {
	dim := t.Emb.Weight.Dim(1)
	x := t.Emb.Forward(b.Words, b.B*b.T)
	if rng != nil && t.p > 0 {
		m := make([]float32, b.B*b.T*dim)
		for i := range m {
			if rng.Float64() >= t.p {
				m[i] = float32(1 / (1 - t.p))
			}
		}
		x = x.Mul(tensor.New(m, b.B*b.T, dim))
	}
	return t.Out.Forward(x)
}

func (t *alSoftmaxTagger) Fit(ctx context.Context, set *data.SeqSet, epochs int, rng *rand.Rand) error {
	for range epochs {
		for b := range set.Batches(16, rng) {
			if err := ctx.Err(); err != nil {
				return err
			}
			loss := nn.CrossEntropy(t.logits(b, rng), b.Tags)
			if v := loss.Item(); math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("alSoftmaxTagger: loss %v", v)
			}
			t.opt.ZeroGrad()
			loss.Backward()
			t.opt.Step()
		}
	}
	return nil
}

// decode returns the argmax tags and their log-probabilities.
func (t *alSoftmaxTagger) decode(b data.SeqBatch, rng *rand.Rand) ([][]int, [][]float64) {
	lp := t.logits(b, rng).LogSoftmax(1).Data()
	k := t.Out.Weight.Dim(0)
	tags := make([][]int, b.B)
	logp := make([][]float64, b.B)
	for i := range b.B {
		for j := range b.Lengths[i] {
			row := lp[(i*b.T+j)*k : (i*b.T+j+1)*k]
			best := 0
			for y := range row {
				if row[y] > row[best] {
					best = y
				}
			}
			tags[i] = append(tags[i], best)
			logp[i] = append(logp[i], float64(row[best]))
		}
	}
	return tags, logp
}

func (t *alSoftmaxTagger) Predict(b data.SeqBatch) ([][]int, [][]float64) { return t.decode(b, nil) }

func (t *alSoftmaxTagger) Sample(b data.SeqBatch, rng *rand.Rand) [][]int {
	tags, _ := t.decode(b, rng)
	return tags
}

func (t *alSoftmaxTagger) params() [][]float32 {
	var out [][]float32
	for _, p := range nn.Params(t) {
		out = append(out, slices.Clone(p.Data()))
	}
	return out
}

// alToyData returns a synthetic tagging task: words w0..w39, where word i
// has tag O, B-PER or B-LOC by i mod 3, in n sentences of 2..14 words.
func alToyData(n int, seed uint64) (words, tags [][]string) {
	rng := rand.New(rand.NewPCG(seed, 1))
	names := []string{"O", "B-PER", "B-LOC"}
	for range n {
		var ws, ts []string
		for range 2 + rng.IntN(13) {
			w := rng.IntN(40)
			ws = append(ws, fmt.Sprintf("w%d", w))
			ts = append(ts, names[w%3])
		}
		words, tags = append(words, ws), append(tags, ts)
	}
	return words, tags
}

type alToy struct {
	pool, test *data.SeqSet
	wv, tv     *data.Vocab
}

func newAlToy(t *testing.T) alToy {
	t.Helper()
	pw, pt := alToyData(200, 1)
	tw, tt := alToyData(60, 2)
	wv := data.BuildVocab(pw)
	tv := data.NewTagVocab(pt, data.IOB2)
	pool, err := data.NewSeqSet(pw, pt, wv, nil, tv)
	if err != nil {
		t.Fatal(err)
	}
	test, err := data.NewSeqSet(tw, tt, wv, nil, tv)
	if err != nil {
		t.Fatal(err)
	}
	return alToy{pool, test, wv, tv}
}

func (d alToy) newTagger(p float64) func() active.Tagger {
	return func() active.Tagger { return newAlSoftmaxTagger(3, d.wv.Len(), d.tv.Len(), 8, p) }
}

// alRecorder wraps the softmax tagger and logs every Fit: which tagger it
// was, and its parameters at the start and end of the call.
type alRecorder struct {
	*alSoftmaxTagger
	id  int
	log *[]alFit
}

type alFit struct {
	id, sentences int
	start, end    [][]float32
}

func (r *alRecorder) Fit(ctx context.Context, set *data.SeqSet, epochs int, rng *rand.Rand) error {
	f := alFit{id: r.id, sentences: set.Len(), start: r.params()}
	err := r.alSoftmaxTagger.Fit(ctx, set, epochs, rng)
	f.end = r.params()
	*r.log = append(*r.log, f)
	return err
}

// Oracle 6: with incremental training one tagger is made and round r+1
// starts from exactly the parameters round r ended with; with Retrain each
// round gets a new tagger, starting from fresh parameters.
func TestRunIncrementalAndRetrain(t *testing.T) {
	d := newAlToy(t)
	for _, retrain := range []bool{false, true} {
		var log []alFit
		made := 0
		newTagger := func() active.Tagger {
			made++
			return &alRecorder{d.newTagger(0.2)().(*alSoftmaxTagger), made, &log}
		}
		const rounds = 4
		cfg := active.Config{Acquisition: active.MNLP, InitialFraction: 0.05, RoundFraction: 0.05, Rounds: rounds,
			EpochsPerRound: 2, Retrain: retrain, Seed: 5, Test: d.test, Tags: d.tv}
		curve, err := active.Run(context.Background(), newTagger, d.pool, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != rounds || len(curve.Points) != rounds {
			t.Fatalf("retrain=%v: %d Fit calls, %d points; want %d", retrain, len(log), len(curve.Points), rounds)
		}
		fresh := newAlSoftmaxTagger(3, d.wv.Len(), d.tv.Len(), 8, 0.2).params()
		for r, f := range log {
			if f.sentences != curve.Points[r].Sentences {
				t.Errorf("retrain=%v round %d: Fit saw %d sentences, point says %d", retrain, r+1, f.sentences, curve.Points[r].Sentences)
			}
			if reflect.DeepEqual(f.start, f.end) {
				t.Errorf("retrain=%v round %d: Fit did not change the parameters", retrain, r+1)
			}
			if r == 0 {
				continue
			}
			prev := log[r-1]
			if !retrain {
				if f.id != 1 || !reflect.DeepEqual(f.start, prev.end) {
					t.Errorf("incremental round %d: tagger %d, start equals previous end: %v", r+1, f.id, reflect.DeepEqual(f.start, prev.end))
				}
			} else {
				if f.id != r+1 || !reflect.DeepEqual(f.start, fresh) || reflect.DeepEqual(f.start, prev.end) {
					t.Errorf("retrain round %d: tagger %d; want a new tagger with fresh parameters", r+1, f.id)
				}
			}
		}
		if want := map[bool]int{false: 1, true: rounds}[retrain]; made != want {
			t.Errorf("retrain=%v: newTagger called %d times, want %d", retrain, made, want)
		}
	}
}

// Every strategy starts from the same random initial set for a seed, which
// satisfies the budget invariants; the curve is reproducible and its
// labelled set grows by whole disjoint sentences.
func TestRunSameStartAndDeterminism(t *testing.T) {
	d := newAlToy(t)
	poolWords := 0
	for _, w := range d.pool.Words {
		poolWords += len(w)
	}
	var first []int
	for _, a := range active.Acquisitions() {
		var progress []active.Point
		cfg := active.Config{Acquisition: a, InitialFraction: 0.1, RoundBudget: 60, Rounds: 3, EpochsPerRound: 2,
			MCSamples: 6, Seed: 11, Test: d.test, Tags: d.tv, Progress: func(p active.Point) { progress = append(progress, p) }}
		curve, err := active.Run(context.Background(), d.newTagger(0.3), d.pool, cfg)
		if err != nil {
			t.Fatal(a, err)
		}
		if !reflect.DeepEqual(progress, curve.Points) {
			t.Errorf("%v: progress %v, points %v", a, progress, curve.Points)
		}
		init := curve.Labelled[:curve.Points[0].Sentences]
		if first == nil {
			first = init
			w := 0
			for _, i := range init {
				w += len(d.pool.Words[i])
			}
			last := len(d.pool.Words[init[len(init)-1]])
			if need := int(math.Ceil(0.1 * float64(poolWords))); w < need || w-last >= need {
				t.Errorf("initial set of %d words (last %d) for a budget of %d", w, last, need)
			}
		} else if !slices.Equal(init, first) {
			t.Errorf("%v starts from %v, want %v", a, init, first)
		}
		seen := map[int]bool{}
		for _, i := range curve.Labelled {
			if seen[i] {
				t.Fatalf("%v: sentence %d labelled twice", a, i)
			}
			seen[i] = true
		}
		for r, p := range curve.Points {
			w := 0
			for _, i := range curve.Labelled[:p.Sentences] {
				w += len(d.pool.Words[i])
			}
			if w != p.Words || p.Share != float64(w)/float64(poolWords) || p.F1 < 0 || p.F1 > 1 {
				t.Errorf("%v round %d: %+v; counted %d words", a, r+1, p, w)
			}
			if r > 0 {
				added := p.Words - curve.Points[r-1].Words
				lastLen := len(d.pool.Words[curve.Labelled[p.Sentences-1]])
				if added < 60 || added-lastLen >= 60 {
					t.Errorf("%v round %d: added %d words (last sentence %d) for a budget of 60", a, r+1, added, lastLen)
				}
			}
		}
		again, err := active.Run(context.Background(), d.newTagger(0.3), d.pool, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, curve) {
			t.Errorf("%v: two runs with seed 11 differ", a)
		}
	}
}

// The learning tagger gets better with more labels on the toy task, so the
// loop really trains and evaluates.
func TestRunLearns(t *testing.T) {
	d := newAlToy(t)
	cfg := active.Config{Acquisition: active.LC, InitialFraction: 0.02, RoundFraction: 0.2, Rounds: 3, EpochsPerRound: 5,
		Seed: 1, Test: d.test, Tags: d.tv}
	curve, err := active.Run(context.Background(), d.newTagger(0), d.pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := curve.Points
	t.Logf("%+v", p)
	if p[len(p)-1].F1 < 0.9 || p[len(p)-1].F1 <= p[0].F1 {
		t.Errorf("F1 by round: %v", p)
	}
}

type alFailingTagger struct{ *alSoftmaxTagger }

var errAlFit = errors.New("fit failed")

func (alFailingTagger) Fit(context.Context, *data.SeqSet, int, *rand.Rand) error { return errAlFit }

func TestRunErrors(t *testing.T) {
	d := newAlToy(t)
	good := active.Config{Acquisition: active.MNLP, RoundBudget: 50, Rounds: 2, EpochsPerRound: 1, Test: d.test, Tags: d.tv}
	curve, err := active.Run(context.Background(), func() active.Tagger {
		return alFailingTagger{d.newTagger(0)().(*alSoftmaxTagger)}
	}, d.pool, good)
	if !errors.Is(err, errAlFit) || len(curve.Points) != 0 {
		t.Errorf("failing Fit: err %v, %d points", err, len(curve.Points))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := good
	cfg.Progress = func(active.Point) { cancel() }
	curve, err = active.Run(ctx, d.newTagger(0), d.pool, cfg)
	if !errors.Is(err, context.Canceled) || len(curve.Points) != 1 {
		t.Errorf("cancelled after round 1: err %v, %d points", err, len(curve.Points))
	}
	evalErr := errors.New("eval failed")
	cfg = good
	cfg.Eval = func(active.Tagger) (float64, error) { return 0, evalErr }
	if _, err := active.Run(context.Background(), d.newTagger(0), d.pool, cfg); !errors.Is(err, evalErr) {
		t.Errorf("failing Eval: %v", err)
	}
	for name, mod := range map[string]func(*active.Config){
		"no acquisition": func(c *active.Config) { c.Acquisition = 0 },
		"no rounds":      func(c *active.Config) { c.Rounds = 0 },
		"no epochs":      func(c *active.Config) { c.EpochsPerRound = 0 },
		"no budget":      func(c *active.Config) { c.RoundBudget = 0 },
		"two budgets":    func(c *active.Config) { c.RoundFraction = 0.1 },
		"bad fraction":   func(c *active.Config) { c.InitialFraction = 1.5 },
		"no eval":        func(c *active.Config) { c.Test = nil },
	} {
		cfg := good
		mod(&cfg)
		if _, err := active.Run(context.Background(), d.newTagger(0), d.pool, cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// A small end-to-end run on a slice of WNUT-17 with the test's tagger.
func TestRunWNUT17(t *testing.T) {
	dir := filepath.Join(data.Dir(), "wnut17")
	read := func(name string, n int) (words, tags [][]string) {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			t.Skipf("WNUT-17 not found under %s (set CAIRN_DATA): %v", data.Dir(), err)
		}
		c, err := data.ReadCoNLLFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return c.Column(0)[:n], c.Column(-1)[:n]
	}
	pw, pt := read("wnut17train.conll.gz", 800)
	tw, tt := read("emerging.dev.conll.gz", 300)
	wv := data.BuildVocab(pw, data.Lowercase())
	tv := data.NewTagVocab(append(slices.Clone(pt), tt...), data.IOB2)
	pool, err := data.NewSeqSet(pw, pt, wv, nil, tv)
	if err != nil {
		t.Fatal(err)
	}
	test, err := data.NewSeqSet(tw, tt, wv, nil, tv)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []active.Acquisition{active.MNLP, active.BALD, active.Random} {
		start := time.Now()
		cfg := active.Config{Acquisition: a, InitialFraction: 0.05, RoundFraction: 0.1, Rounds: 4, EpochsPerRound: 3,
			MCSamples: 10, Seed: 1, Test: test, Tags: tv}
		curve, err := active.Run(context.Background(), func() active.Tagger {
			return newAlSoftmaxTagger(1, wv.Len(), tv.Len(), 16, 0.3)
		}, pool, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(curve.Points) != 4 {
			t.Fatalf("%v: %d points", a, len(curve.Points))
		}
		var f1s []string
		for r, p := range curve.Points {
			if p.F1 < 0 || p.F1 > 1 || math.IsNaN(p.F1) {
				t.Errorf("%v round %d: F1 %v", a, r+1, p.F1)
			}
			if r > 0 && (p.Sentences <= curve.Points[r-1].Sentences || p.Words <= curve.Points[r-1].Words) {
				t.Errorf("%v round %d: labelled counts %+v after %+v", a, r+1, p, curve.Points[r-1])
			}
			f1s = append(f1s, fmt.Sprintf("%.1f%%:%.3f", 100*p.Share, p.F1))
		}
		t.Logf("%v: %s (%v)", a, strings.Join(f1s, " "), time.Since(start).Round(time.Millisecond))
	}
}

// alTablePool returns a labelled pool of n sentences of 1..10 words and a
// fixed tagger with random per-word log-probabilities and dropout samples
// for them.
func alTablePool(n int) (*data.SeqSet, *alFixedTagger) {
	rng := rand.New(rand.NewPCG(4, 4))
	pool := &data.SeqSet{}
	f := &alFixedTagger{}
	for range n {
		l := 1 + rng.IntN(10)
		pool.Words = append(pool.Words, make([]int, l))
		pool.Tags = append(pool.Tags, make([]int, l))
		lp := make([]float64, l)
		for j := range lp {
			lp[j] = math.Log(0.3 + 0.7*rng.Float64())
		}
		f.logp = append(f.logp, lp)
		var samples [][]int
		for range 5 {
			s := make([]int, l)
			for j := range s {
				if rng.IntN(4) == 0 {
					s[j] = rng.IntN(3)
				}
			}
			samples = append(samples, s)
		}
		f.samples = append(f.samples, samples)
	}
	return pool, f
}

// Each round labels the most informative unlabelled sentences by the
// strategy's own score, oriented as the paper says (LC and BALD largest,
// MNLP smallest).
func TestRunPicksMostInformative(t *testing.T) {
	pool, tagger := alTablePool(60)
	score := map[active.Acquisition]func(i int) float64{
		active.LC:      func(i int) float64 { return active.LCScore(tagger.logp[i]) },
		active.MNLP:    func(i int) float64 { return -active.MNLPScore(tagger.logp[i]) },
		active.BALD:    func(i int) float64 { return active.BALDScore(tagger.samples[i]) },
		active.BALDSeq: func(i int) float64 { return active.BALDSeqScore(tagger.samples[i]) },
	}
	for acq, sc := range score {
		cfg := active.Config{Acquisition: acq, InitialFraction: 0.1, RoundBudget: 40, Rounds: 3, EpochsPerRound: 1,
			MCSamples: 5, Seed: 2, Eval: func(active.Tagger) (float64, error) { return 0, nil }}
		curve, err := active.Run(context.Background(), func() active.Tagger { tagger.calls = 0; return tagger }, pool, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for r := 1; r < len(curve.Points); r++ {
			before := curve.Labelled[:curve.Points[r-1].Sentences]
			added := curve.Labelled[curve.Points[r-1].Sentences:curve.Points[r].Sentences]
			low := math.Inf(1)
			for _, i := range added {
				low = min(low, sc(i))
			}
			for i := range pool.Len() {
				if !slices.Contains(before, i) && !slices.Contains(added, i) && sc(i) > low {
					t.Errorf("%v round %d: left sentence %d (score %v) for one scoring %v", acq, r+1, i, sc(i), low)
				}
			}
		}
	}
}

// When the budget exceeds what is left, the loop labels the rest of the
// pool, each sentence once, and stops after training on all of it.
func TestRunExhaustsPool(t *testing.T) {
	pool, tagger := alTablePool(30)
	for _, acq := range active.Acquisitions() {
		cfg := active.Config{Acquisition: acq, InitialFraction: 0.1, RoundFraction: 0.5, Rounds: 6, EpochsPerRound: 1,
			MCSamples: 5, Seed: 3, Eval: func(active.Tagger) (float64, error) { return 0.5, nil }}
		curve, err := active.Run(context.Background(), func() active.Tagger { return tagger }, pool, cfg)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Sorted(slices.Values(curve.Labelled))
		want := make([]int, pool.Len())
		for i := range want {
			want[i] = i
		}
		last := curve.Points[len(curve.Points)-1]
		if !slices.Equal(got, want) || len(curve.Points) != 3 || last.Share != 1 || last.Sentences != pool.Len() {
			t.Errorf("%v: %d points, last %+v, labelled %v", acq, len(curve.Points), last, curve.Labelled)
		}
	}
}
