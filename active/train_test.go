package active

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/tensor"
)

// toyData is a few labelled sentences in IOB2 and their vocabularies.
type toyData struct {
	set        *data.SeqSet
	wv, cv, tv *data.Vocab
}

func newToyData(t testing.TB) toyData {
	t.Helper()
	words := [][]string{
		{"John", "lives", "in", "New", "York"},
		{"Mary", "works"},
		{"Bob", "went", "to", "London", "today", "with", "Ann"},
		{"ok"},
		{"Paris", "is", "nice"},
	}
	tags := [][]string{
		{"B-PER", "O", "O", "B-LOC", "I-LOC"},
		{"B-PER", "O"},
		{"B-PER", "O", "O", "B-LOC", "O", "O", "B-PER"},
		{"O"},
		{"B-LOC", "O", "O"},
	}
	wv := data.BuildVocab(words)
	cv := data.BuildCharVocab(words)
	tv := data.NewTagVocab(tags, data.IOB2)
	set, err := data.NewSeqSet(words, tags, wv, cv, tv)
	if err != nil {
		t.Fatal(err)
	}
	return toyData{set, wv, cv, tv}
}

// wnutData is a slice of WNUT-17 in IOBES.
type wnutData struct {
	train, dev, test *data.SeqSet
	wv, cv, tv       *data.Vocab
	trainTokens      int
}

// loadWNUT reads WNUT-17 (skipping the test if it is absent), converts the
// tags to IOBES and encodes the first n training sentences (all for n <=
// 0; only those with an entity if entitiesOnly) with vocabularies built
// on them.
func loadWNUT(t testing.TB, n int, entitiesOnly bool) wnutData {
	t.Helper()
	dir := filepath.Join(data.Dir(), "wnut17")
	read := func(name string) ([][]string, [][]string) {
		c, err := data.ReadCoNLLFile(filepath.Join(dir, name))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				t.Skipf("WNUT-17 not found: %v", err)
			}
			t.Fatal(err)
		}
		words, tags := c.Column(0), c.Column(1)
		for i := range tags {
			tags[i] = data.ConvertTags(tags[i], data.IOBES)
		}
		return words, tags
	}
	tw, tt := read("wnut17train.conll.gz")
	if entitiesOnly {
		var fw, ft [][]string
		for i, ts := range tt {
			if len(data.Spans(ts)) > 0 {
				fw, ft = append(fw, tw[i]), append(ft, ts)
			}
		}
		tw, tt = fw, ft
	}
	if n > 0 && n < len(tw) {
		tw, tt = tw[:n], tt[:n]
	}
	d := wnutData{wv: data.BuildVocab(tw), cv: data.BuildCharVocab(tw), tv: data.NewTagVocab(tt, data.IOBES)}
	enc := func(w, tg [][]string) *data.SeqSet {
		s, err := data.NewSeqSet(w, tg, d.wv, d.cv, d.tv)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	d.train = enc(tw, tt)
	for _, s := range tw {
		d.trainTokens += len(s)
	}
	dw, dt := read("emerging.dev.conll.gz")
	d.dev = enc(dw, dt)
	sw, st := read("emerging.test.annotated.gz")
	d.test = enc(sw, st)
	return d
}

// fixedTagger predicts the tags it holds for each sentence index.
type fixedTagger struct{ tags [][]int }

func (f fixedTagger) Fit(context.Context, *data.SeqSet, int, *rand.Rand) error { return nil }
func (f fixedTagger) Predict(b data.SeqBatch) ([][]int, [][]float64) {
	out := make([][]int, b.B)
	lp := make([][]float64, b.B)
	for k, i := range b.Index {
		out[k] = f.tags[i]
		lp[k] = make([]float64, len(f.tags[i]))
	}
	return out, lp
}
func (f fixedTagger) Sample(b data.SeqBatch, _ *rand.Rand) [][]int { t, _ := f.Predict(b); return t }

// TestEvaluateSpanOracle checks the spec's span-F1 oracle (§8.7) through
// Evaluate: gold "B-PER I-PER O B-LOC", predicted "B-PER I-PER O B-ORG"
// gives P = R = F1 = 0.5, whatever the batch size and sentence order.
func TestEvaluateSpanOracle(t *testing.T) {
	gold := [][]string{{"B-PER", "I-PER", "O", "B-LOC"}, {"O", "O"}}
	words := [][]string{{"a", "b", "c", "d"}, {"e", "f"}}
	tv := data.NewTagVocab([][]string{{"B-PER", "B-LOC", "B-ORG"}}, data.IOB2)
	set, err := data.NewSeqSet(words, gold, data.BuildVocab(words), nil, tv)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(ts ...string) []int {
		var out []int
		for _, s := range ts {
			out = append(out, tv.ID(s))
		}
		return out
	}
	ft := fixedTagger{[][]int{ids("B-PER", "I-PER", "O", "B-ORG"), ids("O", "O")}}
	for _, bs := range []int{1, 2, 5} {
		e, err := Evaluate(ft, set, tv, bs)
		if err != nil {
			t.Fatal(err)
		}
		o := e.Overall
		if o.Precision() != 0.5 || o.Recall() != 0.5 || o.F1() != 0.5 || e.Tokens != 6 {
			t.Errorf("batch %d: P %v R %v F1 %v tokens %d; want 0.5 0.5 0.5 6", bs, o.Precision(), o.Recall(), o.F1(), e.Tokens)
		}
	}
	unl, _ := data.NewSeqSet(words, nil, data.BuildVocab(words), nil, nil)
	if _, err := Evaluate(ft, unl, tv, 2); err == nil {
		t.Error("Evaluate on an unlabelled set: no error")
	}
}

// TestDropWords checks word dropout: padding never replaced, p = 0 a
// copy, singletons-only never touches other words, and the rate near p.
func TestDropWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := make([]int, 10000)
	for i := range words {
		words[i] = 2 + i%7
		if i%10 == 9 {
			words[i] = data.PadID
		}
	}
	out := dropWords(words, 0, nil, rng)
	for i := range out {
		if out[i] != words[i] {
			t.Fatal("p = 0 changed a word")
		}
	}
	out = dropWords(words, 0.5, nil, rng)
	n := 0
	for i, w := range out {
		if words[i] == data.PadID && w != data.PadID {
			t.Fatal("padding replaced")
		}
		if w == data.UnkID {
			n++
		}
	}
	if r := float64(n) / 9000; math.Abs(r-0.5) > 0.03 {
		t.Errorf("drop rate %v; want about 0.5", r)
	}
	out = dropWords(words, 0.9, map[int]bool{3: true}, rng)
	for i, w := range out {
		if w == data.UnkID && words[i] != 3 {
			t.Fatalf("word %d replaced though not a singleton", words[i])
		}
	}
}

// TestDropout checks the explicit-rng dropout: identity without rng,
// zeros or x/(1-p) with one, and the same mask for the same seed.
func TestDropout(t *testing.T) {
	x := tensor.Ones(1000)
	if dropout(x, 0.5, nil) != x {
		t.Error("evaluation mode changed x")
	}
	a := dropout(x, 0.25, rand.New(rand.NewPCG(3, 4))).Data()
	b := dropout(x, 0.25, rand.New(rand.NewPCG(3, 4))).Data()
	zeros := 0
	for i, v := range a {
		if v != b[i] {
			t.Fatal("same seed, different masks")
		}
		switch {
		case v == 0:
			zeros++
		case math.Abs(float64(v)-1/0.75) > 1e-6:
			t.Fatalf("kept value %v; want %v", v, 1/0.75)
		}
	}
	if zeros < 200 || zeros > 300 {
		t.Errorf("%d zeros of 1000 at p = 0.25", zeros)
	}
}

// TestFitIncremental checks that Fit keeps the optimizer across calls
// (its step count adds up, spec §8.6: the second call starts from the
// parameters the first ended with), honours a cancelled context, and
// rejects an unlabelled set.
func TestFitIncremental(t *testing.T) {
	d := newToyData(t)
	cfg := smallCNNConfig()
	cfg.Train.BatchSize = 2
	m := NewCNNTagger(rand.New(rand.NewPCG(1, 1)), d.wv.Len(), d.cv.Len(), d.tv.Len(), cfg)
	rng := rand.New(rand.NewPCG(5, 6))
	if err := m.Fit(context.Background(), d.set, 1, rng); err != nil {
		t.Fatal(err)
	}
	opt := m.tr.opt
	snap := slices.Clone(m.Out.Weight.Data())
	if err := m.Fit(context.Background(), d.set, 2, rng); err != nil {
		t.Fatal(err)
	}
	if m.tr.opt != opt || opt.Steps() != 9 { // 3 batches per epoch
		t.Errorf("optimizer replaced or %d steps; want the same one with 9", opt.Steps())
	}
	if slices.Equal(snap, m.Out.Weight.Data()) {
		t.Error("second Fit did not move the weights")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Fit(ctx, d.set, 1, rng); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Fit: %v", err)
	}
	unl := &data.SeqSet{Words: d.set.Words, Chars: d.set.Chars}
	if err := m.Fit(context.Background(), unl, 1, rng); err == nil {
		t.Error("Fit on an unlabelled set: no error")
	}
}

// TestMeasureTaggers times training on the full WNUT-17 train set (the
// first CAIRN_MEASURE_BATCHES batches of the default size, extrapolated to an epoch)
// for both taggers, then trains each for CAIRN_MEASURE_EPOCHS epochs (if
// set) and reports dev and test F1. It runs only when CAIRN_MEASURE is
// set (CAIRN_MEASURE_ONLY=cnn or crf picks one tagger,
// CAIRN_MEASURE_FILTERS sets the word CNN's filters, CAIRN_MEASURE_OWN=1
// trains the decoder on its own argmax):
//
//	CAIRN_MEASURE=1 GOMAXPROCS=2 go test ./active -run TestMeasureTaggers -v -timeout 0
func TestMeasureTaggers(t *testing.T) {
	if os.Getenv("CAIRN_MEASURE") == "" {
		t.Skip("set CAIRN_MEASURE=1 to measure")
	}
	d := loadWNUT(t, 0, false)
	nb := envInt("CAIRN_MEASURE_BATCHES", 100)
	epochs := envInt("CAIRN_MEASURE_EPOCHS", 0)
	only := os.Getenv("CAIRN_MEASURE_ONLY")
	bs := DefaultTrainConfig().BatchSize
	nBatches := (d.train.Len() + bs - 1) / bs
	t.Logf("WNUT-17 train: %d sentences, %d tokens, %d batches of %d", d.train.Len(), d.trainTokens, nBatches, bs)
	for _, name := range []string{"cnn", "crf"} {
		if only != "" && only != name {
			continue
		}
		var tg Tagger
		var tr *trainer
		switch name {
		case "cnn":
			cfg := DefaultCNNConfig()
			cfg.WordFilters = envInt("CAIRN_MEASURE_FILTERS", cfg.WordFilters)
			cfg.OwnFeedback = os.Getenv("CAIRN_MEASURE_OWN") != ""
			m := NewCNNTagger(rand.New(rand.NewPCG(1, 1)), d.wv.Len(), d.cv.Len(), d.tv.Len(), cfg)
			tg, tr = m, &m.tr
		case "crf":
			m := NewCRFTagger(rand.New(rand.NewPCG(1, 1)), d.wv.Len(), d.cv.Len(), d.tv.Len(), DefaultCRFConfig())
			tg, tr = m, &m.tr
		}
		// timing: nb batches drawn as Fit draws them, on a subset of nb*32
		// sentences, so the run has exactly nb steps.
		rng := rand.New(rand.NewPCG(2, 2))
		sub := d.train.Subset(rng.Perm(d.train.Len())[:min(nb*bs, d.train.Len())])
		start := time.Now()
		if err := tg.Fit(context.Background(), sub, 1, rng); err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		steps := tr.opt.Steps()
		t.Logf("%s: %d steps in %v: %.1f ms/step, %.1f s per epoch of %d batches (extrapolated)",
			name, steps, el, el.Seconds()*1000/float64(steps), el.Seconds()/float64(steps)*float64(nBatches), nBatches)
		start = time.Now()
		if _, err := Evaluate(tg, d.dev, d.tv, 64); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: Predict on dev (%d sentences) in %v", name, d.dev.Len(), time.Since(start))
		for e := range epochs {
			start := time.Now()
			if err := tg.Fit(context.Background(), d.train, 1, rng); err != nil {
				t.Fatal(err)
			}
			el := time.Since(start)
			dev, _ := Evaluate(tg, d.dev, d.tv, 64)
			test, _ := Evaluate(tg, d.test, d.tv, 64)
			t.Logf("%s epoch %d (%v): dev F1 %.4f, test F1 %.4f", name, e+1, el, dev.Overall.F1(), test.Overall.F1())
		}
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}
