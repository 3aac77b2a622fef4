package metrics_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/metrics"
)

// Hand-computed cases, including the invalid sequences conlleval repairs.
func TestEvalSpansHand(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		gold, pred             []string
		nGold, nPred, nCorrect int
		correctTags            int
	}{
		// The spec's oracle: P = R = F1 = 0.5.
		{"spec", []string{"B-PER", "I-PER", "O", "B-LOC"}, []string{"B-PER", "I-PER", "O", "B-ORG"}, 2, 2, 1, 3},
		// I after O starts a span (IOB1 reading), so the two agree.
		{"O I-PER", []string{"O", "B-PER"}, []string{"O", "I-PER"}, 1, 1, 1, 1},
		// A type change starts a new span: B-PER I-LOC is PER[0:1] LOC[1:2].
		{"B-PER I-LOC", []string{"B-PER", "B-LOC"}, []string{"B-PER", "I-LOC"}, 2, 2, 2, 1},
		// B-PER I-PER vs B-PER B-PER: one gold span, two predicted, none right.
		{"split", []string{"B-PER", "I-PER"}, []string{"B-PER", "B-PER"}, 1, 2, 0, 1},
		// IOB1: I I B is two spans [0:2] and [2:3].
		{"IOB1", []string{"I-ORG", "I-ORG", "B-ORG"}, []string{"B-ORG", "I-ORG", "B-ORG"}, 2, 2, 2, 2},
		// A span too long by one token is wrong.
		{"long", []string{"B-LOC", "O"}, []string{"B-LOC", "I-LOC"}, 1, 1, 0, 1},
		// IOBES: S-PER S-PER is two spans (conlleval.pl would say one).
		{"S S", []string{"S-PER", "S-PER"}, []string{"B-PER", "E-PER"}, 2, 1, 0, 0},
		// IOBES: B E B E is two spans (conlleval.pl would say one).
		{"BE BE", []string{"B-PER", "E-PER", "B-PER", "E-PER"}, []string{"B-PER", "E-PER", "S-PER", "S-PER"}, 2, 3, 1, 2},
		// Hyphens in types: I-creative-work has type creative-work.
		{"hyphen", []string{"B-creative-work", "I-creative-work"}, []string{"B-creative-work", "I-creative"}, 1, 2, 0, 1},
		// Bare labels start no span.
		{"bare", []string{"O", "O"}, []string{"PER", "O"}, 0, 0, 0, 1},
		{"empty", nil, nil, 0, 0, 0, 0},
	} {
		e, err := metrics.EvalSpans([][]string{tc.gold}, [][]string{tc.pred})
		if err != nil {
			t.Fatal(err)
		}
		o := e.Overall
		if o.Gold != tc.nGold || o.Predicted != tc.nPred || o.Correct != tc.nCorrect || e.CorrectTags != tc.correctTags || e.Tokens != len(tc.gold) {
			t.Errorf("%s: got gold %d predicted %d correct %d tags %d/%d; want %d %d %d %d/%d", tc.name,
				o.Gold, o.Predicted, o.Correct, e.CorrectTags, e.Tokens, tc.nGold, tc.nPred, tc.nCorrect, tc.correctTags, len(tc.gold))
		}
	}
}

// The spec's oracle 7 in detail: per-type counts and the scores.
func TestEvalSpansScores(t *testing.T) {
	e, err := metrics.EvalSpans([][]string{{"B-PER", "I-PER", "O", "B-LOC"}}, [][]string{{"B-PER", "I-PER", "O", "B-ORG"}})
	if err != nil {
		t.Fatal(err)
	}
	if p, r, f := e.Overall.Precision(), e.Overall.Recall(), e.Overall.F1(); p != 0.5 || r != 0.5 || f != 0.5 {
		t.Errorf("P, R, F1 = %v %v %v; want 0.5 each", p, r, f)
	}
	want := map[string]metrics.SpanCounts{"PER": {1, 1, 1}, "LOC": {1, 0, 0}, "ORG": {0, 1, 0}}
	if fmt.Sprint(e.ByType) != fmt.Sprint(want) {
		t.Errorf("ByType = %v; want %v", e.ByType, want)
	}
	if got := e.Accuracy(); got != 0.75 {
		t.Errorf("Accuracy = %v; want 0.75", got)
	}
	if (metrics.SpanCounts{}).F1() != 0 || (metrics.SpanCounts{Gold: 3}).F1() != 0 {
		t.Error("F1 without predictions or without correct spans should be 0")
	}
	if f := (metrics.SpanCounts{Gold: 4, Predicted: 2, Correct: 2}).F1(); math.Abs(f-2.0/3) > 1e-15 {
		t.Errorf("F1 of P=1, R=0.5 = %v; want 2/3", f)
	}
	if _, err := metrics.EvalSpans([][]string{{"O"}}, [][]string{{"O", "O"}}); err == nil {
		t.Error("EvalSpans accepted sentences of different lengths")
	}
	if _, err := metrics.EvalSpans([][]string{{"O"}}, nil); err == nil {
		t.Error("EvalSpans accepted different sentence counts")
	}
}

// readEvalFile reads a file in conlleval's input format: lines "word gold
// pred", blank lines between sentences.
func readEvalFile(t *testing.T, path string) (gold, pred [][]string) {
	t.Helper()
	c, err := data.ReadCoNLLFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return c.Column(-2), c.Column(-1)
}

// The fixtures in testdata/conlleval_*.txt were scored by the real
// conlleval.pl (version 2004-01-26, the script the CoNLL shared tasks
// distribute; not committed here) as `perl conlleval.pl < X.txt > X.out`;
// the .out files are its output, unchanged. The inputs are: tricky.txt,
// hand-written invalid and boundary cases; random_bio.txt, random_ioe.txt
// and random_mixed.txt, random tag sequences written by
// TestWriteConllevalInputs. Report must equal the script's output
// character for character.
func TestReportMatchesConlleval(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "conlleval_*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		gold, pred := readEvalFile(t, f)
		e, err := metrics.EvalSpans(gold, pred)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(strings.TrimSuffix(f, ".txt") + ".out")
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Report(); got != string(want) {
			t.Errorf("%s: report\n%s\nconlleval.pl says\n%s", f, got, want)
		}
	}
}

// randomTags returns n tags drawn from prefixes × types and O, never E-T
// followed by B-T of the same type (where conlleval.pl and IOBES disagree).
func randomTags(rng *rand.Rand, n int, prefixes string) []string {
	types := []string{"PER", "LOC", "creative-work"}
	tags := make([]string, n)
	for i := range tags {
		if rng.IntN(3) == 0 {
			tags[i] = "O"
			continue
		}
		for {
			tags[i] = string(prefixes[rng.IntN(len(prefixes))]) + "-" + types[rng.IntN(len(types))]
			if i == 0 || !(tags[i][0] == 'B' && tags[i-1][0] == 'E' && tags[i][2:] == tags[i-1][2:]) {
				break
			}
		}
	}
	return tags
}

// perturb returns a copy of gold with about one tag in six replaced by a
// random tag of the same data, so that spans are cut, extended, retyped,
// invented and lost.
func perturb(rng *rand.Rand, gold [][]string) [][]string {
	var all []string
	for _, s := range gold {
		all = append(all, s...)
	}
	out := make([][]string, len(gold))
	for i, s := range gold {
		out[i] = append([]string(nil), s...)
		for j := range out[i] {
			if rng.IntN(6) == 0 {
				out[i][j] = all[rng.IntN(len(all))]
			}
		}
	}
	return out
}

func writeEvalFile(path string, gold, pred [][]string) error {
	var b bytes.Buffer
	for i := range gold {
		for j := range gold[i] {
			fmt.Fprintf(&b, "w %s %s\n", gold[i][j], pred[i][j])
		}
		b.WriteString("\n")
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func randomSet(seed uint64, prefixes string) (gold, pred [][]string) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for range 150 {
		n := 1 + rng.IntN(8)
		gold = append(gold, randomTags(rng, n, prefixes))
		pred = append(pred, randomTags(rng, n, prefixes))
	}
	return gold, pred
}

// TestWriteConllevalInputs writes the random fixture inputs and the
// perturbed WNUT-17 dev file to $CAIRN_WRITE_CONLLEVAL (skipped when it is
// unset); score them with conlleval.pl to refresh the .out files.
func TestWriteConllevalInputs(t *testing.T) {
	dir := os.Getenv("CAIRN_WRITE_CONLLEVAL")
	if dir == "" {
		t.Skip("set CAIRN_WRITE_CONLLEVAL to a directory to write the conlleval inputs")
	}
	for i, p := range []string{"bio", "ioe", "mixed"} {
		prefixes := map[string]string{"bio": "BI", "ioe": "IE", "mixed": "BIE"}[p]
		gold, pred := randomSet(uint64(i+1), prefixes)
		if err := writeEvalFile(filepath.Join(dir, "conlleval_random_"+p+".txt"), gold, pred); err != nil {
			t.Fatal(err)
		}
	}
	gold, pred, ok := wnutDevPerturbed(t)
	if ok {
		if err := writeEvalFile(filepath.Join(dir, "wnut17_dev_perturbed.txt"), gold, pred); err != nil {
			t.Fatal(err)
		}
	}
}

func wnutDevPerturbed(t *testing.T) (gold, pred [][]string, ok bool) {
	path := filepath.Join(data.Dir(), "wnut17", "emerging.dev.conll.gz")
	if _, err := os.Stat(path); err != nil {
		return nil, nil, false
	}
	c, err := data.ReadCoNLLFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gold = c.Column(-1)
	return gold, perturb(rand.New(rand.NewPCG(17, 2017)), gold), true
}

// WNUT-17 dev gold against a perturbed copy: the report must equal
// conlleval.pl's on the same file (testdata/wnut17_dev_perturbed.out, the
// script's output for the file TestWriteConllevalInputs writes).
func TestWNUT17DevMatchesConlleval(t *testing.T) {
	gold, pred, ok := wnutDevPerturbed(t)
	if !ok {
		t.Skipf("WNUT-17 not found under %s (set CAIRN_DATA)", data.Dir())
	}
	e, err := metrics.EvalSpans(gold, pred)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "wnut17_dev_perturbed.out"))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Report(); got != string(want) {
		t.Errorf("report\n%s\nconlleval.pl says\n%s", got, want)
	}
}

// The streaming conlleval counts equal the span sets of data.Spans
// (intersection by start, end and type) on random tags of every prefix,
// including S and E-T B-T: the metric and the data package read tags
// alike.
func TestEvalSpansEqualsSpanSets(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		n := rng.IntN(10)
		gold, pred := randomAnyTags(rng, n), randomAnyTags(rng, n)
		e, err := metrics.EvalSpans([][]string{gold}, [][]string{pred})
		if err != nil {
			t.Fatal(err)
		}
		gs, ps := data.Spans(gold), data.Spans(pred)
		in := map[data.Span]bool{}
		for _, s := range gs {
			in[s] = true
		}
		correct := 0
		for _, s := range ps {
			if in[s] {
				correct++
			}
		}
		if e.Overall.Gold != len(gs) || e.Overall.Predicted != len(ps) || e.Overall.Correct != correct {
			t.Fatalf("gold %v pred %v: counts %+v; span sets give %d %d %d", gold, pred, e.Overall, len(gs), len(ps), correct)
		}
	}
}

func randomAnyTags(rng *rand.Rand, n int) []string {
	tags := make([]string, n)
	for i := range tags {
		if rng.IntN(4) == 0 {
			tags[i] = "O"
		} else {
			tags[i] = string("BIES"[rng.IntN(4)]) + "-" + []string{"A", "B"}[rng.IntN(2)]
		}
	}
	return tags
}

// Valid IOBES output scores exactly like its IOB2 and IOB1 conversions,
// which conlleval.pl scores correctly.
func TestIOBESScoresLikeIOB2(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var g, p [3][][]string
	for range 500 {
		n := 1 + rng.IntN(9)
		gold := data.ConvertTags(randomAnyTags(rng, n), data.IOBES)
		pred := data.ConvertTags(randomAnyTags(rng, n), data.IOBES)
		for k, s := range []data.TagScheme{data.IOBES, data.IOB2, data.IOB1} {
			g[k] = append(g[k], data.ConvertTags(gold, s))
			p[k] = append(p[k], data.ConvertTags(pred, s))
		}
	}
	var reports [3]string
	for k := range reports {
		e, err := metrics.EvalSpans(g[k], p[k])
		if err != nil {
			t.Fatal(err)
		}
		// Token accuracy differs between schemes; compare the span lines.
		_, rest, _ := strings.Cut(e.Report(), "precision:")
		reports[k] = fmt.Sprint(e.Overall) + rest
	}
	if reports[0] != reports[1] || reports[0] != reports[2] {
		t.Errorf("IOBES, IOB2 and IOB1 reports differ:\n%s\n%s\n%s", reports[0], reports[1], reports[2])
	}
}

func TestReportEmpty(t *testing.T) {
	var e metrics.SpanEval
	if got, want := e.Report(), "processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n"; got != want {
		t.Errorf("Report of nothing = %q; want %q", got, want)
	}
	if e.Accuracy() != 0 || e.Overall.F1() != 0 {
		t.Error("scores of nothing should be 0")
	}
	// Add accumulates: two calls equal one EvalSpans over both sentences.
	if err := e.Add([]string{"B-X"}, []string{"B-X"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Add([]string{"O", "I-Y"}, []string{"B-Y", "I-Y"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Add([]string{"O"}, nil); err == nil {
		t.Error("Add accepted sequences of different lengths")
	}
	both, _ := metrics.EvalSpans([][]string{{"B-X"}, {"O", "I-Y"}}, [][]string{{"B-X"}, {"B-Y", "I-Y"}})
	if e.Report() != both.Report() {
		t.Errorf("Add twice:\n%s\nEvalSpans:\n%s", e.Report(), both.Report())
	}
}
