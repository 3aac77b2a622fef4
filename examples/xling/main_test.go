package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/tensor"
)

func skipWithoutData(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(data.Dir(), "xquad", "xquad.zh.json.gz")); err != nil {
		t.Skipf("shared data not found (set CAIRN_DATA): %v", err)
	}
}

// TestRunTiny runs the whole program with a GPT of one block of width 16,
// three amounts and two seeds: the last stdout line is JSON with a table
// row per amount (one gap per depth, two runs), a run per (amount, seed)
// whose translation pairs grow with the amount from 0 to the whole pool,
// fits for chrF and the gap, and the two PNG files written.
func TestRunTiny(t *testing.T) {
	skipWithoutData(t)
	dir := t.TempDir()
	cfg, err := parseFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{
		"-amounts", "0,50,100", "-seeds", "2", "-steps", "2", "-batch", "2", "-layers", "1", "-hidden", "16",
		"-heads", "2", "-vocab", "300", "-eval-pairs", "4", "-max-new", "3", "-max-len", "400",
		"-plot", filepath.Join(dir, "x.png"), "-center", "-json",
	})
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res results
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out.String())
	}
	if !res.Centered {
		t.Error("-center not recorded")
	}
	if res.Lang != "zh" || res.TrainParagraphs+res.EvalParagraphs != 240 || res.EvalParagraphs != 40 {
		t.Errorf("lang %q, paragraphs %d+%d: want zh, 200+40", res.Lang, res.TrainParagraphs, res.EvalParagraphs)
	}
	if res.QARecords == 0 || res.TranslationPool == 0 || res.EvalPairs != 4 {
		t.Errorf("QA %d, pool %d, eval pairs %d: want >0, >0, 4", res.QARecords, res.TranslationPool, res.EvalPairs)
	}
	if len(res.Depths) != 3 || len(res.Table) != 3 || len(res.Runs) != 6 {
		t.Fatalf("depths %v, %d rows, %d runs: want 3, 3, 6", res.Depths, len(res.Table), len(res.Runs))
	}
	want := []int{0, res.TranslationPool / 2, res.TranslationPool}
	for i, c := range res.Table {
		if c.Runs != 2 || len(c.Gap) != 3 {
			t.Errorf("row %d: %d runs, %d gaps: want 2, 3", i, c.Runs, len(c.Gap))
		}
		if d := c.Pairs - want[i]; d < -1 || d > 1 {
			t.Errorf("row %d: %d pairs, want %d", i, c.Pairs, want[i])
		}
		if c.ChrF.Mean < 0 || c.ChrF.Mean > 100 || math.IsNaN(c.ChrF.Mean) {
			t.Errorf("row %d: chrF %v", i, c.ChrF.Mean)
		}
	}
	for _, r := range res.Runs {
		if r.Examples != res.QARecords+r.Pairs {
			t.Errorf("run %v/%d: %d examples, want %d QA + %d pairs", r.Amount, r.Seed, r.Examples, res.QARecords, r.Pairs)
		}
		for d, g := range r.Gap {
			if math.Abs(g-(r.Parallel[d]-r.NonParallel[d])) > 1e-12 || math.Abs(g) > 2 {
				t.Errorf("run %v/%d depth %d: gap %v from %v and %v", r.Amount, r.Seed, d, g, r.Parallel[d], r.NonParallel[d])
			}
		}
	}
	if len(res.Fits) < 4 {
		t.Errorf("%d fits, want log-linear and power law of chrF and the gap", len(res.Fits))
	}
	if len(res.Plots) != 2 {
		t.Fatalf("plots %v", res.Plots)
	}
	for _, p := range res.Plots {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("plot %s: %v", p, err)
		}
	}
}

// TestBadFlags checks that malformed settings are refused with an error.
func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-lang", "de"}, {"-lang", "xx"}, {"-amounts", "10,110"}, {"-amounts", "50,50"}, {"-amounts", "a"},
		{"-seeds", "0"}, {"-heads", "3"}, {"-vocab", "100"}, {"-lr", "0"}, {"-dropout", "1"},
		{"-max-len", "40", "-max-new", "20"}, {"-eval-paragraphs", "1"}, {"-eval-pairs", "1"}, {"extra"},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(new(bytes.Buffer))
		if _, err := parseFlags(fs, args); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	cfg, err := parseFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{"-quick", "-seeds", "3"})
	if err != nil || cfg.seeds != 3 || cfg.steps != 60 || len(cfg.amounts) != 3 {
		t.Errorf("-quick -seeds 3: seeds %d, steps %d, amounts %v, err %v: want 3, 60, 3 amounts", cfg.seeds, cfg.steps, cfg.amounts, err)
	}
}

// TestHiddenStates checks models.GPT.HiddenStates as this program uses it:
// the last state through the tied LM head gives GPT.Forward's
// logits, and a right-padded row's states at its real positions do not
// depend on the padding (causal attention), so pooling over them is exact.
func TestHiddenStates(t *testing.T) {
	c := models.DefaultGPTConfig()
	c.VocabSize, c.Hidden, c.Layers, c.Heads, c.MaxPositions = 50, 16, 2, 2, 16
	m := models.NewGPT(rand.New(rand.NewPCG(1, 2)), c)
	nn.SetTraining(m, false)
	ids := []int{3, 7, 1, 9, 4, 4, 2, 8, 30, 11, 12, 0}
	hs := m.HiddenStates(ids, 2, 6)
	if len(hs) != c.Layers+2 {
		t.Fatalf("%d states, want %d", len(hs), c.Layers+2)
	}
	got := tensor.Linear(hs[len(hs)-1], m.Wte.Weight, nil).Data()
	want := m.Forward(ids, 2, 6).Data()
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-5 {
			t.Fatalf("logit %d: %v, Forward gives %v", i, got[i], want[i])
		}
	}
	short := m.HiddenStates(ids[:4], 1, 4)
	for d := range hs {
		a := meanPool(hs[d], []int{4, 6})[0]
		b := meanPool(short[d], []int{4})[0]
		for k := range a {
			if math.Abs(a[k]-b[k]) > 1e-5 {
				t.Fatalf("depth %d: pooled state %d is %v padded, %v alone", d, k, a[k], b[k])
			}
		}
	}
	a, b := [][]float64{{1, 2}, {3, 4}}, [][]float64{{5, 6}, {7, 8}}
	center(a, b)
	if a[0][0] != -3 || a[1][1] != -1 || b[0][0] != 1 || b[1][1] != 3 {
		t.Errorf("centred %v %v: want the mean (4, 5) subtracted", a, b)
	}
	if cosine([]float64{1, 0}, []float64{0, 2}) != 0 || math.Abs(cosine([]float64{1, 2}, []float64{2, 4})-1) > 1e-15 {
		t.Error("cosine")
	}
}

// TestSplitByParagraph checks that the held-out paragraphs stay out of the
// training data: no held-out question or sentence is a training pair or
// inside a QA record, and the split is the same on every call.
func TestSplitByParagraph(t *testing.T) {
	skipWithoutData(t)
	dir := filepath.Join(data.Dir(), "xquad")
	c, err := loadCorpus(dir, "zh", 40)
	if err != nil {
		t.Fatal(err)
	}
	train := map[string]bool{}
	for _, p := range c.pool {
		train[p.Source], train[p.Target] = true, true
	}
	var inputs strings.Builder
	for _, r := range c.qa {
		inputs.WriteString(r.Input)
	}
	all := inputs.String()
	leaks := 0
	for _, p := range c.heldOut {
		if train[p.Source] || train[p.Target] || strings.Contains(all, p.Source) || strings.Contains(all, p.Target) {
			leaks++
		}
	}
	if leaks > 0 {
		t.Errorf("%d of %d held-out pairs occur in the training data", leaks, len(c.heldOut))
	}
	again, err := loadCorpus(dir, "zh", 40)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.heldOut) != len(c.heldOut) || again.heldOut[0] != c.heldOut[0] || len(c.qa) == 0 || len(c.pool) == 0 {
		t.Error("the split is not deterministic, or a side is empty")
	}
}

// TestResume reuses the runs of an earlier output with the same settings,
// trains only the missing ones, and refuses an output made with other
// settings.
func TestResume(t *testing.T) {
	skipWithoutData(t)
	dir := t.TempDir()
	cfg, err := parseFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{
		"-amounts", "0", "-seeds", "1", "-steps", "2", "-batch", "2", "-layers", "1", "-hidden", "16",
		"-heads", "2", "-vocab", "300", "-eval-pairs", "4", "-max-new", "3", "-max-len", "400", "-plot", "", "-json",
	})
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	prev := filepath.Join(dir, "first.txt")
	if err := os.WriteFile(prev, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var first results
	if err := json.Unmarshal([]byte(lastLine(out.String())), &first); err != nil {
		t.Fatal(err)
	}
	cfg.resume, cfg.amounts = prev, []float64{0, 1}
	out.Reset()
	errOut.Reset()
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, errOut.String())
	}
	var second results
	if err := json.Unmarshal([]byte(lastLine(out.String())), &second); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(errOut.String(), "resumed from"); n != 1 {
		t.Errorf("%d runs resumed, want 1", n)
	}
	if len(second.Runs) != 2 || len(second.Table) != 2 {
		t.Fatalf("%d runs, %d table rows after resuming: want 2 and 2", len(second.Runs), len(second.Table))
	}
	if a, b := first.Runs[0], second.Runs[0]; a.Amount != b.Amount || a.ChrF != b.ChrF || a.Seconds != b.Seconds || a.FinalLoss != b.FinalLoss {
		t.Errorf("run resumed as %+v, want %+v", b, a)
	}
	cfg.lr = 2e-3
	if err := run(context.Background(), cfg, &out, &errOut); err == nil || !strings.Contains(err.Error(), "lr 0.001, now 0.002") {
		t.Errorf("resuming with another -lr: %v", err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestGapVsNone: each amount's row holds its runs minus the 0% run of the
// same seed, per depth and for chrF; the 0% row and a seed without a 0%
// run add nothing.
func TestGapVsNone(t *testing.T) {
	run := func(a float64, seed uint64, g0, g1, chrf float64) runResult {
		return runResult{Amount: a, Pairs: int(100 * a), Seed: seed, Gap: []float64{g0, g1}, ChrF: chrf}
	}
	r := &results{Amounts: []float64{0, 0.5}, Depths: []string{"emb", "ln_f"}, Runs: []runResult{
		run(0, 1, 0.1, 0.01, 1), run(0, 2, 0.2, 0.03, 2),
		run(0.5, 1, 0.1, 0.05, 3), run(0.5, 2, 0.3, 0.05, 2), run(0.5, 3, 9, 9, 9),
	}}
	r.summarize()
	if len(r.Table) != 2 || r.Table[0].ChrFVsNone != nil || len(r.Table[0].GapVsNone) != 0 {
		t.Fatalf("table %+v", r.Table)
	}
	c := r.Table[1]
	// Differences: emb 0, 0.1; ln_f 0.04, 0.02; chrF 2, 0.
	if c.ChrFVsNone == nil || c.ChrFVsNone.Mean != 1 || len(c.GapVsNone) != 2 ||
		math.Abs(c.GapVsNone[0].Mean-0.05) > 1e-12 || math.Abs(c.GapVsNone[1].Mean-0.03) > 1e-12 {
		t.Errorf("row 50%%: %+v", c)
	}
	// Two paired seeds: the interval is t(0.975, 1) · sd / √2 = 12.706 · 0.01414 / 1.414.
	if h := c.GapVsNone[1].CI95; math.Abs(h-12.706*0.01) > 1e-3 {
		t.Errorf("ln_f interval %v", h)
	}
}
