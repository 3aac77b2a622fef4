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

	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
)

// tiny returns a configuration that runs the whole program in about a
// second: 60 training and 16 test examples, a T5 of 1+1 blocks of width 16,
// two fractions, two seeds and three kinds of arm.
func tiny(t *testing.T, out string) config {
	t.Helper()
	cfg, err := parseFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{
		"-out", out, "-train", "60", "-test", "16", "-fractions", "50,100", "-seeds", "2",
		"-arms", "finetune,sbs,single-llm", "-steps", "2", "-batch", "8",
		"-layers", "1", "-d-model", "16", "-heads", "2", "-d-ff", "32", "-vocab", "300",
		"-max-target", "24", "-max-new", "4", "-json",
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func skipWithoutData(t *testing.T, tk distill.Task) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(distill.DefaultDir(), string(tk))); err != nil {
		t.Skipf("shared data not found (set CAIRN_DATA): %v", err)
	}
}

func runJSON(t *testing.T, cfg config) results {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, errOut.String())
	}
	return lastJSON(t, out.String())
}

func lastJSON(t *testing.T, out string) results {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res results
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out)
	}
	return res
}

// TestRunTiny runs the experiment on a slice of CQA: the JSON line has a
// cell per (fraction, arm) with one value per seed, a run per (fraction,
// seed, arm) on the right number of examples, the teacher's released
// accuracy (943/1221), and a saved vocabulary that the second run reuses
// without rewriting it.
func TestRunTiny(t *testing.T) {
	skipWithoutData(t, distill.CQA)
	dir := t.TempDir()
	cfg := tiny(t, dir)
	res := runJSON(t, cfg)
	if res.Dataset != "cqa" || res.TrainSplit != "train" || res.TrainPool != 60 || res.TestExamples != 16 {
		t.Errorf("data %s/%s, pool %d, test %d: want cqa/train, 60, 16", res.Dataset, res.TrainSplit, res.TrainPool, res.TestExamples)
	}
	if tc := res.Teacher; tc.TestCorrect != 943 || tc.TestTotal != 1221 || tc.EvalCorrect < 0 || tc.EvalCorrect > 16 {
		t.Errorf("teacher %+v: want 943/1221 on the test split", tc)
	}
	if len(res.Runs) != 2*2*3 || len(res.Table) != 2*3 {
		t.Fatalf("%d runs, %d cells: want 12 and 6", len(res.Runs), len(res.Table))
	}
	for _, c := range res.Table {
		if len(c.Values) != 2 || c.Mean < 0 || c.Mean > 1 || c.CI95 < 0 {
			t.Errorf("cell %+v: want 2 accuracies in [0, 1] and an interval", c)
		}
	}
	if len(res.Differences) != 2*2 {
		t.Errorf("%d differences, want 4 (2 fractions × 2 arms against finetune)", len(res.Differences))
	}
	for _, d := range res.Differences {
		var a, b []float64
		for _, c := range res.Table {
			if c.Fraction == d.Fraction && c.Arm == d.Arm {
				a = c.Values
			}
			if c.Fraction == d.Fraction && c.Arm == "finetune" {
				b = c.Values
			}
		}
		if d.Minus != "finetune" || len(d.Values) != 2 || len(a) != 2 || len(b) != 2 || d.Values[0] != a[0]-b[0] || d.Values[1] != a[1]-b[1] {
			t.Errorf("difference %+v: want %v − %v", d, a, b)
		}
	}
	for _, r := range res.Runs {
		if want := map[float64]int{0.5: 30, 1: 60}[r.Fraction]; r.Examples != want || r.Steps != 2 || r.Correct < 0 || r.Correct > 16 {
			t.Errorf("run %+v: want %d examples, 2 steps", r, want)
		}
	}
	// Rank classification: every arm but the single-task one, a CQA
	// prediction among five candidates.
	if len(res.RankTable) != 2*2 || len(res.RankDifferences) != 2 {
		t.Errorf("%d rank cells, %d rank differences: want 4 and 2 (single-llm is not ranked)", len(res.RankTable), len(res.RankDifferences))
	}
	for _, r := range res.Runs {
		if r.Ranked != (r.Arm != "single-llm") || r.RankCorrect < 0 || r.RankCorrect > 16 || r.RankAccuracy != float64(r.RankCorrect)/16 {
			t.Errorf("run %s: ranked %v, %d/16 = %v", r.Arm, r.Ranked, r.RankCorrect, r.RankAccuracy)
		}
	}
	if res.TrainExamples["50"] != 30 || res.TrainExamples["100"] != 60 {
		t.Errorf("train examples %v", res.TrainExamples)
	}
	m := models.NewT5(rand.New(rand.NewPCG(0, 0)), res.Model)
	if res.Params != nn.NumParams(m) || res.Model.VocabSize != res.Vocab.Size || res.Model.DModel != 16 {
		t.Errorf("model %+v with %d parameters, vocabulary %+v", res.Model, res.Params, res.Vocab)
	}
	v := res.Vocab
	if v.Reused || v.Texts != 4*60 || v.Size != 300 || v.PadID != 0 || v.EOSID != 1 || filepath.Dir(v.File) != dir {
		t.Errorf("first vocabulary %+v: want 300 BPE tokens trained on 240 texts, saved in %s", v, dir)
	}
	st, err := os.Stat(v.File)
	if err != nil {
		t.Fatal(err)
	}

	cfg.fractions, cfg.seeds, cfg.arms = []float64{1}, 1, defaultArms()[:1] // the same training pool
	res2 := runJSON(t, cfg)
	if v2 := res2.Vocab; !v2.Reused || v2.File != v.File || v2.Texts != 0 {
		t.Errorf("second vocabulary %+v: want %s reused", v2, v.File)
	}
	if st2, err := os.Stat(v.File); err != nil || !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("the vocabulary file was rewritten (%v)", err)
	}
	if res2.Params != res.Params {
		t.Errorf("second run: %d parameters, first %d", res2.Params, res.Params)
	}

	// A damaged vocabulary is an error that names -retrain, which trains it again.
	if err := os.WriteFile(v.File, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), cfg, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "-retrain") {
		t.Errorf("damaged vocabulary: error %v, want one naming -retrain", err)
	}
	cfg.retrain = true
	if r := runJSON(t, cfg); r.Vocab.Reused || r.Vocab.Size != 300 {
		t.Errorf("-retrain: vocabulary %+v", r.Vocab)
	}
}

// TestInit starts every run from a saved T5 (nn.LoadPartial loads all of
// it) and refuses a file with none of its tensors.
func TestInit(t *testing.T) {
	skipWithoutData(t, distill.CQA)
	dir := t.TempDir()
	cfg := tiny(t, dir)
	cfg.fractions, cfg.seeds, cfg.arms = []float64{1}, 1, defaultArms()[:1]
	res := runJSON(t, cfg)
	ck := filepath.Join(dir, "t5.safetensors")
	if err := nn.Save(ck, models.NewT5(rand.New(rand.NewPCG(5, 5)), res.Model)); err != nil {
		t.Fatal(err)
	}
	cfg.init = ck
	res = runJSON(t, cfg)
	if res.Init == nil || res.Init.Path != ck || len(res.Init.Missing) != 0 || len(res.Init.Unexpected) != 0 {
		t.Errorf("init %+v: want everything loaded", res.Init)
	}
	other := filepath.Join(dir, "other.safetensors")
	if err := nn.Save(other, nn.NewLinear(rand.New(rand.NewPCG(1, 1)), 2, 3)); err != nil {
		t.Fatal(err)
	}
	cfg.init = other
	if err := run(context.Background(), cfg, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no tensor") {
		t.Errorf("-init with a non-T5 file: error %v", err)
	}
	cfg.init = filepath.Join(dir, "missing.safetensors")
	if err := run(context.Background(), cfg, io.Discard, io.Discard); err == nil {
		t.Error("-init with a missing file: no error")
	}
}

// TestInterrupted: a cancelled context stops the experiment with the
// context's error after printing the (empty) table and the JSON line.
func TestInterrupted(t *testing.T) {
	skipWithoutData(t, distill.CQA)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := run(ctx, tiny(t, t.TempDir()), &out, io.Discard)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if res := lastJSON(t, out.String()); !res.Interrupted || len(res.Runs) != 0 {
		t.Errorf("interrupted %v with %d runs", res.Interrupted, len(res.Runs))
	}
}

// TestESNLI: e-SNLI trains on its validation split (the copy has no
// training split) and the teacher's test accuracy is the released 7171/9824.
func TestESNLI(t *testing.T) {
	skipWithoutData(t, distill.ESNLI)
	cfg := tiny(t, t.TempDir())
	cfg.dataset, cfg.fractions, cfg.seeds, cfg.arms = "esnli", []float64{1}, 1, defaultArms()
	res := runJSON(t, cfg)
	if res.TrainSplit != "valid" || res.Teacher.TestCorrect != 7171 || res.Teacher.TestTotal != 9824 || len(res.Runs) != 3 {
		t.Errorf("split %s, teacher %d/%d, %d runs: want valid, 7171/9824, 3", res.TrainSplit, res.Teacher.TestCorrect, res.Teacher.TestTotal, len(res.Runs))
	}
}

// TestFlags: bad flags are errors; -quick sets its values but explicit
// flags win.
func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-dataset", "svamp"}, {"-tokenizer", "char"}, {"-vocab", "200"}, {"-alpha", "1.5"}, {"-seeds", "0"},
		{"-steps", "0"}, {"-heads", "3"}, {"-dropout", "1"}, {"-lr", "0"}, {"-warmup", "1"}, {"-max-new", "0"},
		{"-train", "-1"}, {"-out", ""}, {"-fractions", "0,50"}, {"-fractions", "150"}, {"-fractions", "50,50"},
		{"-fractions", "x"}, {"-arms", "finetune,bogus"}, {"-arms", "sbs,sbs"}, {"extra"}, {"-nosuchflag"},
	} {
		if _, err := parseFlags(flag.NewFlagSet("test", flag.ContinueOnError), args); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	cfg, err := parseFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{"-quick", "-steps", "7", "-arms", "sbs,single", "-fractions", "12.5"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.steps != 7 || cfg.trainN != 800 || cfg.dModel != 64 || cfg.seeds != 2 || len(cfg.fractions) != 1 || cfg.fractions[0] != 0.125 ||
		armNames(cfg.arms) != "sbs,single" {
		t.Errorf("-quick with overrides: %+v", cfg)
	}
	cfg, err = parseFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{"-dataset", "anli"})
	if err != nil || task(cfg.dataset) != distill.ANLI1 || armNames(cfg.arms) != "finetune,distill,sbs" || len(cfg.fractions) != 4 {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
}

// TestWordPieceVocabulary: -tokenizer wordpiece trains a cased vocabulary
// whose special ids serve T5 ([PAD] pads, [SEP] ends), and the saved file
// reloads to the same tokenizer (same ids for cased text).
func TestWordPieceVocabulary(t *testing.T) {
	skipWithoutData(t, distill.CQA)
	cfg := tiny(t, t.TempDir())
	cfg.tokenizer = "wordpiece"
	pool, err := distill.Load(distill.DefaultDir(), distill.CQA, "test")
	if err != nil {
		t.Fatal(err)
	}
	pool = pool[:60]
	tok, vi, err := vocabulary(cfg, pool, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	sp := tok.Special()
	if vi.Reused || vi.PadID != sp.PAD || vi.EOSID != sp.SEP || vi.PadID == vi.EOSID {
		t.Errorf("vocabulary %+v, special %+v: want [PAD] and [SEP]", vi, sp)
	}
	tok2, vi2, err := vocabulary(cfg, pool, io.Discard)
	if err != nil || !vi2.Reused {
		t.Fatalf("reload: %+v, %v", vi2, err)
	}
	cfg.tokFile, cfg.tokenizer = vi.File, "bpe" // the kind comes from the file
	tok3, vi3, err := vocabulary(cfg, pool, io.Discard)
	if err != nil || !vi3.Reused || vi3.Kind != "wordpiece" || tok3.VocabSize() != tok.VocabSize() {
		t.Errorf("-tokenizer-file: %+v, %v", vi3, err)
	}
	cfg.tokFile = filepath.Join(t.TempDir(), "none.json")
	if _, _, err := vocabulary(cfg, pool, io.Discard); err == nil {
		t.Error("-tokenizer-file naming a missing file: no error")
	}
	s := pool[0].Input + " The Answer"
	if a, b := tok.Encode(s), tok2.Encode(s); !slices.Equal(a, b) || tok.Decode(a) != tok2.Decode(b) || !strings.Contains(tok2.Decode(b), "The Answer") {
		t.Errorf("reloaded tokenizer differs or lower-cases: %v → %q, %v → %q", a, tok.Decode(a), b, tok2.Decode(b))
	}
}

// TestSchedule: the learning rate warms up linearly from base/(w+1) to the
// base over w = 5% of the steps, then decays linearly to 0 at the last step.
func TestSchedule(t *testing.T) {
	m := nn.NewLinear(rand.New(rand.NewPCG(1, 1)), 2, 2)
	opt := optim.NewAdamW(nn.Params(m), 1e-3, optim.WeightDecay(0))
	s := schedule(opt, 100, 0.05)
	want := func(step int) float64 {
		if step < 5 {
			return 1e-3 * (1.0/6 + (1-1.0/6)*float64(step)/5)
		}
		return 1e-3 * (1 - float64(step-5)/95)
	}
	for step := 0; step <= 100; step++ {
		if got := opt.LR(); math.Abs(got-want(step)) > 1e-12 {
			t.Errorf("step %d: lr %v, want %v", step, got, want(step))
		}
		s.Step()
	}
	opt2 := optim.NewAdamW(nn.Params(m), 1e-3, optim.WeightDecay(0))
	s = schedule(opt2, 10, 0)
	for step := 0; step <= 10; step++ {
		if got := opt2.LR(); math.Abs(got-1e-3*(1-float64(step)/10)) > 1e-12 {
			t.Errorf("no warm-up, step %d: lr %v", step, got)
		}
		s.Step()
	}
}

// TestResume reuses the runs of an earlier output with the same settings,
// trains only the missing ones, and refuses an output made with other
// settings.
func TestResume(t *testing.T) {
	skipWithoutData(t, distill.CQA)
	dir := t.TempDir()
	cfg := tiny(t, dir)
	cfg.fractions, cfg.seeds, cfg.arms = []float64{0.5}, 1, cfg.arms[:2]
	var out, errOut bytes.Buffer
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	first := lastJSON(t, out.String())
	prev := filepath.Join(dir, "first.txt")
	if err := os.WriteFile(prev, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	cfg.resume, cfg.fractions = prev, []float64{0.5, 1}
	out.Reset()
	errOut.Reset()
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, errOut.String())
	}
	second := lastJSON(t, out.String())
	if n := strings.Count(errOut.String(), "resumed from"); n != 2 {
		t.Errorf("%d runs resumed, want 2 (the 50%% runs)", n)
	}
	if len(second.Runs) != 4 || len(second.Table) != 4 {
		t.Fatalf("%d runs, %d cells after resuming: want 4 and 4", len(second.Runs), len(second.Table))
	}
	for i, r := range first.Runs {
		if s := second.Runs[i]; s.Fraction != r.Fraction || s.Arm != r.Arm || s.Accuracy != r.Accuracy || s.Seconds != r.Seconds {
			t.Errorf("run %d resumed as %+v, want %+v", i, s, r)
		}
	}

	// Two outputs combine: every run is found, none is trained.
	next := filepath.Join(dir, "second.txt")
	if err := os.WriteFile(next, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.resume = prev + "," + next
	out.Reset()
	errOut.Reset()
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatalf("run resumed from two files: %v\n%s", err, errOut.String())
	}
	if n, third := strings.Count(errOut.String(), "resumed from"), lastJSON(t, out.String()); n != 4 || len(third.Table) != 4 {
		t.Errorf("from two files: %d runs resumed, %d cells; want 4 and 4", n, len(third.Table))
	}

	cfg.steps = 3
	if err := run(context.Background(), cfg, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "steps 2, now 3") {
		t.Errorf("resuming with other steps: %v", err)
	}
}
