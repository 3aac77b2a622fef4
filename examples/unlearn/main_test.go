package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/unlearn"
)

func skipWithoutData(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(data.Dir(), "wikitext2", "valid.txt.gz")); err != nil {
		t.Skipf("WikiText-2 not found (set CAIRN_DATA): %v", err)
	}
}

// tiny is a configuration that runs every method on a slice of WikiText-2
// in a few seconds.
func tiny(t *testing.T) config {
	t.Helper()
	cfg, err := parseFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{
		"-records", "700", "-vocab", "150", "-shards", "2", "-canaries", "2", "-controls", "1", "-reps", "3",
		"-refs", "60", "-beam", "3", "-samples", "5", "-hidden", "8", "-embed", "8", "-epochs", "1",
		"-steps", "3", "-seeds", "2", "-json", "-out", t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// rawResults mirrors results with plain numbers (JSON null, a NaN or
// infinite value, decodes as 0 into a pointer left nil).
type rawResults struct {
	Data struct {
		TrainRecords  int `json:"train_records"`
		TrainTokens   int `json:"train_tokens"`
		HeldoutTokens int `json:"heldout_tokens"`
		Vocab         int `json:"vocab"`
	} `json:"data"`
	Methods []string `json:"methods"`
	Summary []struct {
		Method         string
		N              int
		ForgetExposure struct{ Mean, CI95 *float64 } `json:"forget_exposure"`
		Perplexity     struct{ Mean, CI95 *float64 } `json:"heldout_perplexity"`
	} `json:"summary"`
	Runs []struct {
		Method         string    `json:"method"`
		Seed           int       `json:"seed"`
		ForgetExposure *float64  `json:"forget_exposure"`
		BeamRate       *float64  `json:"beam_extraction"`
		SampleRate     *float64  `json:"sample_extraction"`
		Perplexity     *float64  `json:"heldout_perplexity"`
		ForgetValues   []float64 `json:"forget_exposures"`
	} `json:"runs"`
	Setup []struct {
		Owners      []int     `json:"owners"`
		ShardTokens []int     `json:"shard_tokens"`
		TeacherLoss []float64 `json:"teacher_final_loss"`
	} `json:"setup"`
	Interrupted bool   `json:"interrupted"`
	Plot        string `json:"plot"`
}

func lastJSON(t *testing.T, out string) rawResults {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res rawResults
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out)
	}
	return res
}

// TestRunTiny runs the whole comparison on a slice: the JSON line holds a
// measurement per (method, seed), the base included, with exposures at most
// log2(refs), extraction rates in [0, 1] and a finite perplexity above 1;
// a summary row per method over both seeds; owners that are shards; and
// the PNG exists. LOO from a model already at the LOO ensemble's level
// takes no step and leaves the base's measurements.
func TestRunTiny(t *testing.T) {
	skipWithoutData(t)
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = 0
	cfg := tiny(t)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, errOut.String())
	}
	res := lastJSON(t, out.String())
	want := append([]string{"base"}, allMethods...)
	if len(res.Runs) != 2*len(want) || len(res.Summary) != len(want) || len(res.Setup) != 2 {
		t.Fatalf("%d runs, %d summary rows, %d setups: want %d, %d, 2", len(res.Runs), len(res.Summary), len(res.Setup), 2*len(want), len(want))
	}
	for i, r := range res.Runs {
		if r.Method != want[i%len(want)] || r.Seed != 1+i/len(want) {
			t.Errorf("run %d: %s seed %d, want %s seed %d", i, r.Method, r.Seed, want[i%len(want)], 1+i/len(want))
		}
		if r.ForgetExposure == nil || *r.ForgetExposure > 5.91 || len(r.ForgetValues) != 2 {
			t.Errorf("run %d (%s): forgotten exposure %v (%v), want at most log2(60) for 2 canaries", i, r.Method, r.ForgetExposure, r.ForgetValues)
		}
		for _, x := range []*float64{r.BeamRate, r.SampleRate} {
			if x == nil || *x < 0 || *x > 1 {
				t.Errorf("run %d (%s): extraction rate %v", i, r.Method, x)
			}
		}
		if r.Perplexity == nil || !(*r.Perplexity > 1) || *r.Perplexity > 1000 {
			t.Errorf("run %d (%s): perplexity %v", i, r.Method, r.Perplexity)
		}
	}
	for i, s := range res.Summary {
		if s.Method != want[i] || s.N != 2 || s.ForgetExposure.Mean == nil || s.ForgetExposure.CI95 == nil || s.Perplexity.Mean == nil {
			t.Errorf("summary row %d: %+v", i, s)
		}
	}
	for _, s := range res.Setup {
		if len(s.Owners) != 2 || len(s.ShardTokens) != 2 {
			t.Errorf("setup %+v: want 2 owners and 2 shards", s)
		}
		for _, o := range s.Owners {
			if o < 0 || o > 1 {
				t.Errorf("owner %d is not a shard", o)
			}
		}
	}
	if res.Data.Vocab != 150 || res.Data.HeldoutTokens == 0 || res.Data.TrainTokens == 0 {
		t.Errorf("data %+v", res.Data)
	}
	if st, err := os.Stat(res.Plot); err != nil || st.Size() == 0 {
		t.Errorf("plot %q: %v", res.Plot, err)
	}
	if !strings.Contains(out.String(), "retrain") || !strings.Contains(errOut.String(), "ETA") {
		t.Errorf("report or progress missing:\n%s\n%s", out.String(), errOut.String())
	}
}

// TestResume: a run with -seeds 2 that resumes a one-seed output (and a
// second file repeating that seed) trains only seed 2 and reports seed 1's
// measurements unchanged; a method missing in the earlier output makes the
// seed run again; a seed's methods combine across files whose base models
// agree, and are refused when they do not; other settings are refused,
// -workers aside.
func TestResume(t *testing.T) {
	skipWithoutData(t)
	cfg := tiny(t)
	cfg.seeds, cfg.methods, cfg.plot = 1, []string{"loo", "retrain"}, ""
	var out bytes.Buffer
	if err := run(context.Background(), cfg, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(t.TempDir(), "seed1.txt")
	if err := os.WriteFile(first, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	prev := lastJSON(t, out.String())

	cfg.seeds, cfg.workers, cfg.resume = 2, 1, first+","+first
	var out2, errOut bytes.Buffer
	if err := run(context.Background(), cfg, &out2, &errOut); err != nil {
		t.Fatal(err)
	}
	res := lastJSON(t, out2.String())
	if len(res.Runs) != 6 || len(res.Setup) != 2 || strings.Count(errOut.String(), "resumed from") != 1 ||
		strings.Contains(errOut.String(), "seed 1 base") {
		t.Fatalf("%d runs, %d setups, stderr:\n%s", len(res.Runs), len(res.Setup), errOut.String())
	}
	for i, r := range res.Runs[:3] {
		p := prev.Runs[i]
		if r.Method != p.Method || r.Seed != 1 || *r.ForgetExposure != *p.ForgetExposure || *r.Perplexity != *p.Perplexity {
			t.Errorf("resumed run %d: %+v, earlier %+v", i, r, p)
		}
	}
	if res.Runs[3].Seed != 2 || res.Summary[0].N != 2 {
		t.Errorf("seed 2 not run: %+v", res.Runs[3])
	}
	// -first-seed 2 -seeds 1 measures seed 2 alone, the same as above.
	cfg.firstSeed, cfg.seeds, cfg.resume = 2, 1, ""
	var out3 bytes.Buffer
	if err := run(context.Background(), cfg, &out3, io.Discard); err != nil {
		t.Fatal(err)
	}
	if r3 := lastJSON(t, out3.String()); len(r3.Runs) != 3 || r3.Runs[0].Seed != 2 || *r3.Runs[1].ForgetExposure != *res.Runs[4].ForgetExposure {
		t.Errorf("-first-seed 2: %+v", r3.Runs)
	}
	cfg.firstSeed = 1

	cfg.seeds, cfg.methods, cfg.resume = 1, []string{"loo", "ga"}, first
	var gaOut bytes.Buffer
	errOut.Reset()
	if err := run(context.Background(), cfg, &gaOut, &errOut); err != nil || strings.Contains(errOut.String(), "resumed") {
		t.Errorf("a method the earlier run lacks: %v, stderr:\n%s", err, errOut.String())
	}
	// A seed's methods combine across files: loo and retrain from the
	// first, ga from the second; nothing is trained again.
	second := filepath.Join(t.TempDir(), "seed1-ga.txt")
	if err := os.WriteFile(second, gaOut.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.methods, cfg.resume = []string{"loo", "retrain", "ga"}, first+","+second
	var out4 bytes.Buffer
	errOut.Reset()
	if err := run(context.Background(), cfg, &out4, &errOut); err != nil || strings.Contains(errOut.String(), "seed 1 base") ||
		!strings.Contains(errOut.String(), "resumed from "+first+", "+second) {
		t.Fatalf("combining methods across files: %v, stderr:\n%s", err, errOut.String())
	}
	ga := lastJSON(t, gaOut.String())
	if r4 := lastJSON(t, out4.String()); len(r4.Runs) != 4 || r4.Runs[3].Method != "ga" ||
		*r4.Runs[3].ForgetExposure != *ga.Runs[2].ForgetExposure || *r4.Runs[2].Perplexity != *prev.Runs[2].Perplexity {
		t.Errorf("combined runs: %+v", r4.Runs)
	}
	// A base model that differs between the files is refused.
	var raw map[string]any
	lines := strings.Split(strings.TrimSpace(gaOut.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &raw); err != nil {
		t.Fatal(err)
	}
	raw["runs"].([]any)[0].(map[string]any)["heldout_perplexity"] = 1e6
	b, _ := json.Marshal(raw)
	if err := os.WriteFile(second, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), cfg, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "not the same experiment") {
		t.Errorf("a different base: %v", err)
	}

	cfg.reps = 4
	if err := run(context.Background(), cfg, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "reps 3, now 4") {
		t.Errorf("other settings: %v", err)
	}
}

// TestInterrupted: a cancelled context stops the run with the context's
// error after printing the JSON line, marked interrupted.
func TestInterrupted(t *testing.T) {
	skipWithoutData(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := run(ctx, tiny(t), &out, io.Discard)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if res := lastJSON(t, out.String()); !res.Interrupted || len(res.Runs) != 0 {
		t.Errorf("interrupted %v with %d runs", res.Interrupted, len(res.Runs))
	}
}

// TestFlags: bad flags are errors; -quick sets its values but explicit
// flags win.
func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-corpus", "ptb"}, {"-out", ""}, {"-records", "-1"}, {"-heldout", "0"}, {"-heldout", "1"}, {"-vocab", "10"},
		{"-shards", "1"}, {"-canaries", "0"}, {"-controls", "-1"}, {"-reps", "0"}, {"-refs", "5"}, {"-beam", "0"},
		{"-samples", "0"}, {"-arch", "rnn"}, {"-hidden", "0"}, {"-dropout", "1"}, {"-epochs", "0"}, {"-workers", "0"},
		{"-steps", "0"}, {"-seeds", "0"}, {"-lr", "0"}, {"-unlearn-lr", "-1"}, {"-clip", "-1"}, {"-retain-weight", "-1"},
		{"-agg", "max"}, {"-temperature", "0"}, {"-methods", "loo,bogus"}, {"-methods", "loo,loo"}, {"-methods", ""},
		{"extra"}, {"-nosuchflag"},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		if _, err := parseFlags(fs, args); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	cfg, err := parseFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{"-quick", "-steps", "7", "-methods", "loo,retrain"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.steps != 7 || cfg.records != 1500 || cfg.hidden != 64 || cfg.seeds != 2 || strings.Join(cfg.methods, ",") != "loo,retrain" {
		t.Errorf("-quick with overrides: %+v", cfg)
	}
	cfg, err = parseFlags(flag.NewFlagSet("test", flag.ContinueOnError), nil)
	if err != nil || cfg.seeds != 3 || len(cfg.methods) != len(allMethods) || cfg.refs != 10000 || cfg.canaries != 10 || cfg.controls != 5 {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
}

// TestPlot draws a table with a missing interval (one seed) and a NaN
// perplexity (left out) into a PNG file.
func TestPlot(t *testing.T) {
	res := &results{Corpus: "wikitext2", Seeds: 3, Summary: []summary{
		{Method: "base", ForgetExposure: stat{8, 1}, Perplexity: stat{120, 2}},
		{Method: "loo", ForgetExposure: stat{2, 0}, Perplexity: stat{121, 0}},
		{Method: "ga", ForgetExposure: stat{1, 0.5}, Perplexity: stat{num(math.NaN()), 0}},
	}}
	p := filepath.Join(t.TempDir(), "p.png")
	if err := plotTradeoff(res, p); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("%s is not a PNG (%v)", p, err)
	}
}

// TestGPTSISA: with GPT teachers the SISA ensemble scores held-out lines
// longer than their context (65 positions) in windows, as one GPT does.
func TestGPTSISA(t *testing.T) {
	skipWithoutData(t)
	cfg := tiny(t)
	cfg.arch, cfg.hidden, cfg.records, cfg.methods, cfg.seeds = "gpt", 8, 500, []string{"sisa"}, 1
	var out bytes.Buffer
	if err := run(context.Background(), cfg, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	res := lastJSON(t, out.String())
	if len(res.Runs) != 2 || res.Runs[1].Method != "sisa" || res.Runs[1].Perplexity == nil || !(*res.Runs[1].Perplexity > 1) {
		t.Errorf("runs %+v", res.Runs)
	}
}

// TestPaired: the paired table subtracts the reference of the same seed
// (retrain, full, base), skips a method against itself, and ignores a
// seed the reference lacks.
func TestPaired(t *testing.T) {
	run := func(m string, seed int, forget, control, ppl float64) runResult {
		return runResult{Method: m, Seed: seed, ForgetExposure: num(forget), ControlExposure: num(control), Perplexity: num(ppl)}
	}
	r := &results{Methods: []string{"loo", "full", "retrain"}, Runs: []runResult{
		run("base", 1, 9, 10, 100), run("loo", 1, 4, 9, 101), run("full", 1, 5, 8, 102), run("retrain", 1, 2, 11, 104),
		run("base", 2, 7, 12, 50), run("loo", 2, 3, 11, 51), run("full", 2, 5, 10, 52), run("retrain", 2, 2, 12, 50),
		run("base", 3, 7, 12, 50), run("loo", 3, 1, 1, 1), // seed 3: no full, no retrain
	}}
	r.summarize()
	if len(r.Paired) != 3 {
		t.Fatalf("%d paired rows, want 3: %+v", len(r.Paired), r.Paired)
	}
	loo := r.Paired[0]
	// loo − retrain: 2, 1; loo − full: −1, −2; control − base: −1, −1, −11; perplexity: +1%, +2%, −98%.
	if loo.Method != "loo" || loo.N != 3 || float64(loo.ForgetVsRetrain.Mean) != 1.5 || float64(loo.ForgetVsFull.Mean) != -1.5 ||
		math.Abs(float64(loo.ControlVsBase.Mean)+13.0/3) > 1e-12 || math.Abs(float64(loo.PerplexityVsBase.Mean)+95.0/3) > 1e-9 {
		t.Errorf("loo: %+v", loo)
	}
	if f := r.Paired[1]; !math.IsNaN(float64(f.ForgetVsFull.Mean)) || float64(f.ForgetVsRetrain.Mean) != 3 {
		t.Errorf("full: %+v", f)
	}
	if rt := r.Paired[2]; !math.IsNaN(float64(rt.ForgetVsRetrain.Mean)) || float64(rt.ControlVsBase.Mean) != 0.5 {
		t.Errorf("retrain: %+v", rt)
	}
}

// TestMeasureCancelled: measuring stops with the context's error once the
// context is cancelled, and measures with a live one.
func TestMeasureCancelled(t *testing.T) {
	skipWithoutData(t)
	ex, _, m := benchSetup(t, tiny(t))
	rng := rand.New(rand.NewPCG(1, 2))
	cans, err := unlearn.NewCanaries(ex.train, ex.f, 2, 1, rng)
	if err != nil {
		t.Fatal(err)
	}
	ev := &evaluator{ex: ex, prefix: append([]int{unlearn.EOS}, ex.vocab.Encode(ex.f.Prefix)...),
		forget: secretsOf(ex.vocab, cans[:1]), control: secretsOf(ex.vocab, cans[1:]),
		refs: encodeAll(ex.vocab, ex.f.RandomSecrets(rng, 60)), allowed: ex.vocab.Encode(ex.f.Alphabet), rng: rng}
	if r, err := ev.measure(context.Background(), "m", 1, m); err != nil || !(r.Perplexity > 1) {
		t.Fatalf("live context: %v, %+v", err, r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ev.measure(ctx, "m", 1, m); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

// TestNoTeachers: methods that do not use the teachers (ga, retrain) train
// none, and measure the same as in a run that trains them.
func TestNoTeachers(t *testing.T) {
	skipWithoutData(t)
	cfg := tiny(t)
	cfg.seeds, cfg.plot = 1, ""
	results := map[string]rawResults{}
	for _, ms := range [][]string{{"ga", "retrain"}, {"loo", "ga"}} {
		cfg.methods, cfg.out = ms, t.TempDir()
		var out bytes.Buffer
		if err := run(context.Background(), cfg, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		res := lastJSON(t, out.String())
		teachers, _ := filepath.Glob(filepath.Join(cfg.out, "seed1", "teacher*"))
		if want := slices.Contains(ms, "loo"); (len(teachers) > 0) != want || (len(res.Setup[0].TeacherLoss) > 0) != want {
			t.Errorf("%v: teacher files %v, losses %v", ms, teachers, res.Setup[0].TeacherLoss)
		}
		results[ms[0]] = res
	}
	a, b := results["ga"].Runs, results["loo"].Runs
	if *a[0].ForgetExposure != *b[0].ForgetExposure || a[1].Method != "ga" || b[2].Method != "ga" ||
		*a[1].ForgetExposure != *b[2].ForgetExposure || *a[1].Perplexity != *b[2].Perplexity {
		t.Errorf("base or ga differ without teachers: %+v, %+v", a, b)
	}
}
