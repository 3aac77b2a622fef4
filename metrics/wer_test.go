package metrics_test

import (
	"compress/gzip"
	"encoding/json"
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

func TestAlign(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		ref, hyp string
		want     metrics.Edits
		wer      float64
	}{
		{"a b c", "a x c d", metrics.Edits{Sub: 1, Ins: 1, Ref: 3}, 2.0 / 3}, // spec §9.1
		{"a b c", "a b c", metrics.Edits{Ref: 3}, 0},
		{"a b c", "", metrics.Edits{Del: 3, Ref: 3}, 1},
		{"a b c d", "a c", metrics.Edits{Del: 2, Ref: 4}, 0.5},
		{"a b", "x y z", metrics.Edits{Sub: 2, Ins: 1, Ref: 2}, 1.5},
		{"", "", metrics.Edits{}, 0},
		{"", "a b", metrics.Edits{Ins: 2}, math.Inf(1)},
		{"the cat sat", "cat sat on", metrics.Edits{Del: 1, Ins: 1, Ref: 3}, 2.0 / 3},
	} {
		got := metrics.Align(metrics.Whitespace(test.ref), metrics.Whitespace(test.hyp))
		if got != test.want || got.WER() != test.wer {
			t.Errorf("Align(%q, %q) = %+v WER %v, want %+v WER %v", test.ref, test.hyp, got, got.WER(), test.want, test.wer)
		}
	}
}

// editDistance is the textbook full-table Levenshtein distance.
func editDistance(a, b []string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			c := d[i-1][j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			d[i][j] = min(c, d[i-1][j]+1, d[i][j-1]+1)
		}
	}
	return d[len(a)][len(b)]
}

// TestAlignRandom checks the two-row alignment against the full table on
// random sentences (short and longer than the stack buffer), and that its
// counts describe a real alignment: Ins − Del = len(hyp) − len(ref) and at
// most min(len) substitutions.
func TestAlignRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "b", "c", "d"}
	sent := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = words[rng.IntN(len(words))]
		}
		return s
	}
	for k := range 500 {
		maxLen := 9
		if k%10 == 0 {
			maxLen = 90
		}
		ref, hyp := sent(rng.IntN(maxLen)), sent(rng.IntN(maxLen))
		e := metrics.Align(ref, hyp)
		if want := editDistance(ref, hyp); e.Errors() != want {
			t.Fatalf("Align(%v, %v) = %+v, %d errors, want %d", ref, hyp, e, e.Errors(), want)
		}
		if e.Ins-e.Del != len(hyp)-len(ref) || e.Sub > min(len(ref), len(hyp)) || e.Ref != len(ref) || e.Sub < 0 || e.Del < 0 || e.Ins < 0 {
			t.Fatalf("Align(%v, %v) = %+v: not an alignment", ref, hyp, e)
		}
	}
}

func TestH2TClean(t *testing.T) {
	t.Parallel()
	got := metrics.H2TClean("It's 5 O'Clock, ok?  snake_case ½ x2y - ")
	want := []string{"its", "oclock", "ok", "snake_case", "½", "xy"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("H2TClean = %q, want %q", got, want)
	}
}

func TestWEREval(t *testing.T) {
	t.Parallel()
	refs := []string{"a b c", "", "a b"}
	hyps := []string{"a x c d", "x", "a b"}
	e, err := metrics.EvalWER(refs, hyps, nil)
	if err != nil {
		t.Fatal(err)
	}
	// corpus: (2 + 1 + 0) / 5; utterance average over the two non-empty
	// references: (2/3 + 0) / 2.
	if e.WER() != 3.0/5 || e.UtteranceWER() != 1.0/3 || e.Utterances != 3 || e.EmptyRefs != 1 {
		t.Errorf("EvalWER: %+v WER %v utterance %v", e, e.WER(), e.UtteranceWER())
	}
	if want := (metrics.Edits{Sub: 1, Ins: 2, Ref: 5}); e.Total != want {
		t.Errorf("Total = %+v, want %+v", e.Total, want)
	}
	if _, err := metrics.EvalWER(refs, hyps[:2], nil); err == nil {
		t.Error("EvalWER with 3 references and 2 hypotheses: no error")
	}
	var empty metrics.WEREval
	if !math.IsNaN(empty.UtteranceWER()) || empty.WER() != 0 {
		t.Errorf("empty WEREval: WER %v utterance %v", empty.WER(), empty.UtteranceWER())
	}

	o, err := metrics.EvalOracle([]string{"a b c", "a b"}, [][]string{{"a x c d", "a b x", "a b c"}, {}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (metrics.Edits{Del: 2, Ref: 5}); o.Total != want {
		t.Errorf("EvalOracle total = %+v, want %+v", o.Total, want)
	}
	if k, a := metrics.Oracle([]string{"a"}, [][]string{{"b"}, {"c"}}); k != 0 || a.Sub != 1 {
		t.Errorf("Oracle tie = %d %+v, want the first", k, a)
	}
}

// readATIS reads references and 5-best lists of HyPoradise's ATIS test set.
func readATIS(t testing.TB) (refs []string, nbest [][]string) {
	path := filepath.Join(data.Dir(), "hyporadise", "test_atis.json.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("HyPoradise ATIS not found under %s (set CAIRN_DATA): %v", data.Dir(), err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var recs []struct {
		Input  []string
		Output string
	}
	if err := json.NewDecoder(z).Decode(&recs); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		refs = append(refs, r.Output)
		nbest = append(nbest, r.Input)
	}
	return refs, nbest
}

// TestWERATIS checks the corpus, utterance-average and oracle WER of the
// first-pass 5-best lists of HyPoradise ATIS test (809 utterances) against
// the values computed independently in Python (spec §9.2).
func TestWERATIS(t *testing.T) {
	t.Parallel()
	refs, nbest := readATIS(t)
	top1 := make([]string, len(nbest))
	for i, l := range nbest {
		top1[i] = l[0]
	}
	for _, test := range []struct {
		name       string
		norm       func(string) []string
		corpus     string // top-1 / oracle, percent
		utterance  string
		refWords   int
		utterances int
	}{
		{"whitespace", metrics.Whitespace, "8.40 5.31", "8.41 5.13", 9111, 809},
		{"H2T", metrics.H2TClean, "8.37 5.29", "8.40 5.12", 9111, 809},
	} {
		e, err := metrics.EvalWER(refs, top1, test.norm)
		if err != nil {
			t.Fatal(err)
		}
		o, err := metrics.EvalOracle(refs, nbest, test.norm)
		if err != nil {
			t.Fatal(err)
		}
		corpus := fmt.Sprintf("%.2f %.2f", 100*e.WER(), 100*o.WER())
		utt := fmt.Sprintf("%.2f %.2f", 100*e.UtteranceWER(), 100*o.UtteranceWER())
		if corpus != test.corpus || utt != test.utterance || e.Total.Ref != test.refWords || e.Utterances != test.utterances {
			t.Errorf("%s: corpus WER top-1/oracle %s (want %s), utterance average %s (want %s), %d ref words in %d utterances (want %d in %d)",
				test.name, corpus, test.corpus, utt, test.utterance, e.Total.Ref, e.Utterances, test.refWords, test.utterances)
		}
	}
}

func BenchmarkAlign(b *testing.B) {
	ref := strings.Fields("list all us air flights from miami to cleveland leaving on sunday afternoon and arriving before five")
	hyp := strings.Fields("list all us airflights from miami to cleveland leaving on sunday after noon and arriving before five pm")
	b.ReportAllocs()
	for b.Loop() {
		metrics.Align(ref, hyp)
	}
}

// Word error counts of one hypothesis: "b" replaced by "x" and "d"
// inserted.
func ExampleAlign() {
	e := metrics.Align(metrics.Whitespace("a b c"), metrics.Whitespace("a x c d"))
	fmt.Printf("%+v WER %.3f\n", e, e.WER())
	// Output:
	// {Sub:1 Del:0 Ins:1 Ref:3} WER 0.667
}

// Corpus WER (total errors over total reference words), the average of the
// utterances' rates, and the N-best oracle.
func ExampleEvalWER() {
	refs := []string{"show me flights to boston", "what's the fare"}
	hyps := []string{"show me flight to boston", "what is the fare"}
	e, err := metrics.EvalWER(refs, hyps, metrics.H2TClean)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("corpus %.3f utterance average %.3f %+v\n", e.WER(), e.UtteranceWER(), e.Total)
	o, _ := metrics.EvalOracle(refs, [][]string{{"show me flight to boston", "show me flights to boston"}, {"what is the fare"}}, metrics.H2TClean)
	fmt.Printf("oracle %.3f\n", o.WER())
	// Output:
	// corpus 0.375 utterance average 0.433 {Sub:2 Del:0 Ins:1 Ref:8}
	// oracle 0.250
}
