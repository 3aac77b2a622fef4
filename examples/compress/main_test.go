package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/distill"
)

func skipWithoutData(t testing.TB) {
	t.Helper()
	for _, f := range []string{"wikitext2/valid.txt.gz", "tinyshakespeare/input.txt.gz", "distill-sbs/esnli/esnli_test.json.gz"} {
		if _, err := os.Stat(filepath.Join(data.Dir(), f)); err != nil {
			t.Skipf("shared data not found (set CAIRN_DATA): %v", err)
		}
	}
}

// tinyArgs run the whole program in a few seconds, teacher trained here.
var tinyArgs = []string{"-teacher", "", "-max-lines", "300", "-teacher-vocab", "300", "-student-vocab", "120",
	"-layers", "2", "-teacher-hidden", "32", "-teacher-heads", "2", "-student-hidden", "16", "-seq", "32",
	"-batch", "4", "-teacher-steps", "3", "-steps", "3", "-seeds", "2", "-eval-chunks", "16",
	"-train-pairs", "32", "-test-pairs", "32", "-ft-epochs", "1", "-ft-seq", "64", "-json"}

func parse(t *testing.T, args []string) (config, error) {
	t.Helper()
	return parseFlags(newFlagSet(), args)
}

func newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("compress", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func lastJSON(t *testing.T, out string) results {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var r results
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatalf("last line is not the JSON results: %v\n%s", err, out)
	}
	return r
}

func TestTinyRun(t *testing.T) {
	skipWithoutData(t)
	cfg, err := parse(t, tinyArgs)
	if err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	if err := run(context.Background(), cfg, &out, &errw); err != nil {
		t.Fatalf("%v\n%s", err, errw.String())
	}
	r := lastJSON(t, out.String())
	if r.Partial || len(r.Arms) != 4 || len(r.Runs) != 8 {
		t.Fatalf("partial %v, %d arms, %d runs", r.Partial, len(r.Arms), len(r.Runs))
	}
	for _, a := range r.Arms {
		if len(a.MLM.Values) != 2 || len(a.Downstream.Values) != 2 {
			t.Errorf("%s: %d and %d values, want 2 seeds", a.Arm, len(a.MLM.Values), len(a.Downstream.Values))
		}
		for _, v := range append(a.MLM.Values, a.Downstream.Values...) {
			if !(v >= 0 && v <= 1) {
				t.Errorf("%s: accuracy %v", a.Arm, v)
			}
		}
	}
	// The sizes are distill.BERTSizeOf of the reported configurations.
	if want := distill.BERTSizeOf(r.Student.Config).BERT(); r.Student.Params != want || r.Student.Bytes != 4*int64(want) {
		t.Errorf("student %d params %d bytes, want %d", r.Student.Params, r.Student.Bytes, want)
	}
	if got := float64(r.Teacher.Bytes) / float64(r.Student.Bytes); r.CompressionRatio != got || got <= 1 {
		t.Errorf("compression %v, bytes give %v", r.CompressionRatio, got)
	}
	if r.Student.Config.Layers != r.Teacher.Config.Layers || r.Student.Config.Hidden != 16 {
		t.Errorf("student config %+v", r.Student.Config)
	}
	if !strings.Contains(errw.String(), "ETA") {
		t.Errorf("no progress with ETA on stderr:\n%s", errw.String())
	}
	// Paired differences: each arm but the first, minus scratch, seed by seed.
	if len(r.Differences) != 3 {
		t.Fatalf("%d differences, want 3", len(r.Differences))
	}
	run := func(arm string, seed uint64) armRun {
		for _, x := range r.Runs {
			if x.Arm == arm && x.Seed == seed {
				return x
			}
		}
		t.Fatalf("no run %s seed %d", arm, seed)
		return armRun{}
	}
	for i, d := range r.Differences {
		arm := r.Arms[i+1].Arm
		if d.Arm != arm+" − "+r.Arms[0].Arm || len(d.MLM.Values) != 2 {
			t.Fatalf("difference %+v for arm %s", d, arm)
		}
		for k, seed := range []uint64{1, 2} {
			a, b := run(arm, seed), run(r.Arms[0].Arm, seed)
			if d.MLM.Values[k] != a.MLMAccuracy-b.MLMAccuracy || d.Downstream.Values[k] != a.DownstreamAccuracy-b.DownstreamAccuracy {
				t.Errorf("%s seed %d: difference %v / %v", d.Arm, seed, d.MLM.Values[k], d.Downstream.Values[k])
			}
		}
	}
	// -report prints the same report from the saved output and trains nothing.
	saved := filepath.Join(t.TempDir(), "out.txt")
	if err := os.WriteFile(saved, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var rep bytes.Buffer
	if err := run2(t, []string{"-report", saved}, &rep); err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSpace(out.String()), "\n")
	if got := strings.TrimSpace(rep.String()); got != strings.Join(want[:len(want)-1], "\n") {
		t.Errorf("-report printed\n%s\nwant\n%s", got, strings.Join(want[:len(want)-1], "\n"))
	}
}

// run2 parses args and runs the program with stdout w.
func run2(t *testing.T, args []string, w io.Writer) error {
	t.Helper()
	cfg, err := parse(t, args)
	if err != nil {
		return err
	}
	return run(context.Background(), cfg, w, io.Discard)
}

// A cancelled run (Ctrl-C) still prints the results it has, marked partial.
func TestInterruptedRunPrintsPartial(t *testing.T) {
	skipWithoutData(t)
	cfg, err := parse(t, tinyArgs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	if err := run(ctx, cfg, &out, io.Discard); err == nil {
		t.Fatal("no error from a cancelled run")
	}
	if r := lastJSON(t, out.String()); !r.Partial || len(r.Runs) != 0 {
		t.Fatalf("partial %v with %d runs", r.Partial, len(r.Runs))
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-student-vocab", "10"}, {"-student-hidden", "30", "-student-heads", "4"}, {"-p", "1.5"},
		{"-steps", "0"}, {"-seeds", "0"}, {"-arms", "scratch,nope"}, {"-lr", "0"}, {"-alpha", "-1"},
		{"-ft-seq", "4"}, {"extra"}, {"-no-such-flag"},
	} {
		if _, err := parse(t, args); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	// -quick fills the flags not given, and keeps those given.
	cfg, err := parse(t, []string{"-quick", "-steps", "7"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.steps != 7 || cfg.seeds != 2 || cfg.teacherSteps != 50 {
		t.Fatalf("-quick gave steps %d, seeds %d, teacher steps %d", cfg.steps, cfg.seeds, cfg.teacherSteps)
	}
}

// Every packed sequence fits in -seq under the teacher's, the student's
// and a mixed segmentation, [CLS] and [SEP] included, and keeps its words.
func TestPackFits(t *testing.T) {
	skipWithoutData(t)
	cfg, _ := parse(t, tinyArgs)
	train, held, err := loadText(data.Dir(), 200)
	if err != nil {
		t.Fatal(err)
	}
	s := testSetup(t, cfg, train, held)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range s.train[:200] {
		for _, sg := range []*distill.MixedSegmenter{s.tea, s.stu, s.mix} {
			m := sg.Wrap(sg.Segment(c, rng))
			if m.Len() > cfg.seq {
				t.Fatalf("%q: %d tokens > %d", c, m.Len(), cfg.seq)
			}
		}
		ti, tw := seqOf(s.tea, s.tTok, c, rng)
		_, sw := seqOf(s.stu, s.sTok, c, rng)
		tp, sp := distill.AlignWords(tw, sw) // panics if the words differ
		if len(tp) != len(sp) || len(ti) < len(tp) {
			t.Fatalf("%q: words %d %d", c, len(tp), len(sp))
		}
	}
}
