package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/active"
	"github.com/cairn-ml/cairn/data"
)

// tinyConfig runs everything on a slice of WNUT-17 with tiny models.
func tinyConfig(t *testing.T) config {
	t.Helper()
	if _, err := os.Stat(filepath.Join(data.Dir(), "wnut17", "wnut17train.conll.gz")); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			t.Skipf("WNUT-17 not found under %s (set CAIRN_DATA): %v", data.Dir(), err)
		}
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := defaultConfig()
	cfg.strategies = []string{"mnlp", "bald", "random"}
	cfg.seeds, cfg.rounds, cfg.epochs, cfg.minSteps, cfg.mc, cfg.filters = 2, 3, 1, 0, 2, 16
	cfg.initial, cfg.roundFrac = 0.1, 0.1
	cfg.limit, cfg.evalLimit = 150, 60
	cfg.fullEpochs, cfg.patience = 2, 1
	cfg.outJSON, cfg.plot, cfg.json = filepath.Join(dir, "out.json"), filepath.Join(dir, "curve.png"), true
	return cfg
}

// TestRunSmall runs both experiments on 150 WNUT-17 sentences: the table,
// the JSON line and file, and the PNG come out and are consistent.
func TestRunSmall(t *testing.T) {
	cfg := tinyConfig(t)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, errOut.String())
	}
	text := out.String()
	lines := strings.Split(strings.TrimSpace(text), "\n")
	var res results
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, text)
	}
	if res.Data.TrainSentences != 150 || res.Data.TestSentences != 60 || res.Data.DevSentences != 60 || res.Data.Scheme != "IOBES" {
		t.Errorf("data %+v; want 150 train, 60 dev and test sentences, IOBES", res.Data)
	}
	// 3 strategies × 2 seeds, 3 rounds each; shares grow by the budget.
	if len(res.Curves) != 6 {
		t.Fatalf("%d curves, want 6", len(res.Curves))
	}
	first := map[uint64]int{}
	for _, c := range res.Curves {
		if len(c.Points) != 3 {
			t.Errorf("%s seed %d: %d points, want 3", c.Strategy, c.Seed, len(c.Points))
		}
		for i, p := range c.Points {
			if p.F1 < 0 || p.F1 > 1 || p.Share <= 0 || p.Share > 1 {
				t.Errorf("%s seed %d: point %+v", c.Strategy, c.Seed, p)
			}
			if i > 0 && p.Words-c.Points[i-1].Words < res.Protocol.RoundWords {
				t.Errorf("%s seed %d round %d: %d words after %d; want at least %d more",
					c.Strategy, c.Seed, p.Round, p.Words, c.Points[i-1].Words, res.Protocol.RoundWords)
			}
		}
		// Every strategy starts from the same random sentences for a seed.
		if w, ok := first[c.Seed]; ok && w != c.Points[0].Words {
			t.Errorf("seed %d: %s starts with %d words, another strategy with %d", c.Seed, c.Strategy, c.Points[0].Words, w)
		}
		first[c.Seed] = c.Points[0].Words
	}
	if len(res.Summary) != 9 || res.Summary[0].Runs != 2 {
		t.Errorf("summary: %d points (want 9), first %+v", len(res.Summary), res.Summary[0])
	}
	if len(res.Full) != 2 || res.Full[0].Tagger != "cnn" || res.Full[1].Tagger != "crf" {
		t.Fatalf("full-data results %+v; want cnn then crf", res.Full)
	}
	for _, f := range res.Full {
		if len(f.Epochs) < 1 || len(f.Epochs) > 2 || f.BestEpoch < 1 || f.SecondsPerEpoch <= 0 {
			t.Errorf("%s: %d epochs, best %d, %v s/epoch", f.Name, len(f.Epochs), f.BestEpoch, f.SecondsPerEpoch)
		}
		if b := f.Epochs[f.BestEpoch-1]; b.TestF1 != f.TestF1 || b.DevF1 != f.DevF1 {
			t.Errorf("%s: best epoch %+v, result dev %v test %v", f.Name, b, f.DevF1, f.TestF1)
		}
	}
	if res.Reach == nil || res.MNLPvsRandom == nil || res.SpeedRatio <= 0 {
		t.Errorf("missing analysis: reach %+v, vs random %+v, speed ratio %v", res.Reach, res.MNLPvsRandom, res.SpeedRatio)
	}
	for _, want := range []string{"round", "mnlp", "bald", "random", "CNN-CNN-LSTM", "BiLSTM-CRF", "MNLP's mean F1"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// The table has a row per round.
	if n := strings.Count(text, " ± "); n < 9 {
		t.Errorf("table has %d mean ± sd cells, want 9:\n%s", n, text)
	}

	b, err := os.ReadFile(cfg.outJSON)
	if err != nil {
		t.Fatal(err)
	}
	var fileRes results
	if err := json.Unmarshal(b, &fileRes); err != nil {
		t.Fatalf("%s: %v", cfg.outJSON, err)
	}
	if len(fileRes.Curves) != len(res.Curves) || fileRes.Plot != cfg.plot {
		t.Errorf("JSON file differs from the JSON line")
	}
	f, err := os.Open(cfg.plot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("plot: %v", err)
	}
	if r := img.Bounds(); r.Dx() < 400 || r.Dy() < 300 {
		t.Errorf("plot is %v", r)
	}
}

// TestCancel stops at once with a cancelled context, still printing the
// (empty) results marked as interrupted.
func TestCancel(t *testing.T) {
	cfg := tinyConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := run(ctx, cfg, &out, &bytes.Buffer{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("run with a cancelled context: %v; want context.Canceled", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res results
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil || !res.Interrupted || len(res.Curves) != 0 {
		t.Errorf("after cancelling: %v, results %+v", err, res)
	}
}

func TestMeanSD(t *testing.T) {
	m, sd := meanSD([]float64{1, 2, 3, 4})
	// sample sd of 1..4: sqrt(5/3)
	if m != 2.5 || sd < 1.29099 || sd > 1.29100 {
		t.Errorf("meanSD(1..4) = %v, %v; want 2.5, 1.290994", m, sd)
	}
	if m, sd := meanSD([]float64{0.7}); m != 0.7 || sd != 0 {
		t.Errorf("meanSD(0.7) = %v, %v", m, sd)
	}
}

// TestAnalyse checks the reach and the comparison with random on made-up
// curves.
func TestAnalyse(t *testing.T) {
	pts := func(f1 ...float64) []active.Point {
		var p []active.Point
		for i, f := range f1 {
			p = append(p, active.Point{Round: i + 1, Words: 100 * (i + 1), Share: 0.1 * float64(i+1), F1: f})
		}
		return p
	}
	res := &results{
		Curves: []curve{
			{Strategy: "mnlp", Seed: 1, Points: pts(0.1, 0.2, 0.30, 0.40)},
			{Strategy: "mnlp", Seed: 2, Points: pts(0.1, 0.2, 0.30, 0.42)},
			{Strategy: "random", Seed: 1, Points: pts(0.1, 0.25, 0.31, 0.30)},
			{Strategy: "random", Seed: 2, Points: pts(0.1, 0.25, 0.31, 0.30)},
		},
		Full: []fullResult{{Tagger: "cnn", Name: "CNN-CNN-LSTM", TestF1: 0.415, MinSecondsPerEpoch: 2},
			{Tagger: "crf", Name: "BiLSTM-CRF", TestF1: 0.4, MinSecondsPerEpoch: 3}},
	}
	res.analyse()
	if rc := res.Reach; rc == nil || !rc.Reached || rc.Round != 4 || rc.Share != 0.4 {
		t.Errorf("reach %+v; want round 4 (mean 0.41 ≥ 0.415 − 0.01) at share 0.4", rc)
	}
	if v := res.MNLPvsRandom; v == nil || v.AtOrAbove || len(v.RoundsBelow) != 1 || v.RoundsBelow[0] != 3 {
		t.Errorf("vs random %+v; want below at round 3 only (round 2 is not checked)", v)
	}
	if res.SpeedRatio != 1.5 {
		t.Errorf("speed ratio %v, want 1.5", res.SpeedRatio)
	}
}

func TestBadFlags(t *testing.T) {
	for name, edit := range map[string]func(*config){
		"unknown strategy": func(c *config) { c.strategies = []string{"mnlp", "entropy"} },
		"twice":            func(c *config) { c.strategies = []string{"mnlp", "MNLP"} },
		"no seeds":         func(c *config) { c.seeds = 0 },
		"no rounds":        func(c *config) { c.rounds = 0 },
		"initial":          func(c *config) { c.initial = 1.5 },
		"round budget":     func(c *config) { c.roundFrac = 0 },
		"scheme":           func(c *config) { c.scheme = "bilou" },
		"iob1":             func(c *config) { c.scheme = "iob1" },
		"full tagger":      func(c *config) { c.full = []string{"bert"} },
		"mc":               func(c *config) { c.mc = 0 },
		"nothing":          func(c *config) { c.strategies, c.full = nil, nil },
		"missing file":     func(c *config) { c.dataDir = t.TempDir() },
	} {
		cfg := defaultConfig()
		edit(&cfg)
		err := run(context.Background(), cfg, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
