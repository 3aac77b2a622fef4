package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"
)

// The official normalisation (spec-vqa-captions §7.2 and a line-for-line
// Python port of vqaEval.py run on 245 inputs, testdata/vqa_norm.py).
func TestVQANormalizeMatchesOfficial(t *testing.T) {
	b, err := os.ReadFile("testdata/vqa_norm.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases [][2]string
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 200 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, c := range cases {
		if got := VQANormalize(c[0]); got != c[1] {
			t.Errorf("VQANormalize(%q) = %q, official %q", c[0], got, c[1])
		}
	}
}

func TestVQANormalizeQuirks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"Two", "2"}, {"The dog", "dog"}, {"yes.", "yes"}, {"3.5", "3.5"}, {"u.s.", "us"},
		{"don't", "don t"}, {"x-ray", "x-ray"}, {"hello!", "hello!"}, {"1,000", "1000"},
		{"red, white", "red white"}, {"red,white", "red white"}, {"a man's hat", "man s hat"},
		{"What?", "what"}, {"no. 5", "no 5"}, {"Ten dogs", "10 dogs"}, {"it is 2.5.", "it is 2.5"},
		{"dont", "don\u2019t"}, {"weve", "we've"}, {"twas", "\u2019twas"}, {"none", "0"},
		// Python 2 lower-cases and splits ASCII only.
		{"Ä\u00a0b", "Ä\u00a0b"},
	} {
		if got := VQANormalize(c.in); got != c.want {
			t.Errorf("VQANormalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// The 32-period cap applies in the official mode only.
	in := "x" + string(slices.Repeat([]byte{'.'}, 40))
	if got := VQAPunctuation(in, true); got != "x........" {
		t.Errorf("capped: %q", got)
	}
	if got := VQAPunctuation(in, false); got != "x" {
		t.Errorf("uncapped: %q", got)
	}
}

func tenOf(match string, m int) []string {
	a := make([]string, 10)
	for i := range a {
		a[i] = "other"
		if i < m {
			a[i] = match
		}
	}
	return a
}

// m matching answers out of ten give 0, 0.3, 0.6, 0.9, 1, 1, ...
func TestVQAAccuracyClosedForm(t *testing.T) {
	t.Parallel()
	want := []float64{0, 0.3, 0.6, 0.9, 1, 1, 1, 1, 1, 1, 1}
	for m, w := range want {
		for _, mode := range []VQAMode{VQAOfficial, VQANormalizeGT} {
			if got := VQAAccuracy("cat", tenOf("cat", m), mode); math.Abs(got-w) > 1e-12 {
				t.Errorf("m=%d mode %d: %v, want %v", m, mode, got, w)
			}
		}
	}
	same := slices.Repeat([]string{"2"}, 10)
	if got := VQAAccuracy("Two", same, VQAOfficial); got != 1 {
		t.Errorf("Two vs 2×10: %v", got)
	}
	mixed := append(slices.Repeat([]string{"2"}, 3), slices.Repeat([]string{"3"}, 7)...)
	if got := VQAAccuracy("2 ", mixed, VQAOfficial); math.Abs(got-0.9) > 1e-12 {
		t.Errorf("2 vs 2×3: %v", got)
	}
	if got := VQAAccuracy("x", nil, VQAOfficial); got != 0 {
		t.Errorf("no answers: %v", got)
	}
}

// The official mode normalises human answers only by punctuation and only
// when they differ; the other mode fully.
func TestVQAAccuracyGTModes(t *testing.T) {
	t.Parallel()
	// All ten identical "Two": not normalised, so "2" never matches it.
	two := slices.Repeat([]string{"Two"}, 10)
	if got := VQAAccuracy("2", two, VQAOfficial); got != 0 {
		t.Errorf("official, identical GT: %v", got)
	}
	if got := VQAAccuracy("2", two, VQANormalizeGT); got != 1 {
		t.Errorf("normalised GT: %v", got)
	}
	// Differing answers get punctuation only: "yes." → "yes", "The dog" stays.
	gt := []string{"yes.", "yes.", "yes.", "yes.", "no", "no", "The dog", "The dog", "The dog", "The dog"}
	if got := VQAAccuracy("Yes", gt, VQAOfficial); got != 1 {
		t.Errorf("yes: %v", got)
	}
	if got := VQAAccuracy("the dog", gt, VQAOfficial); got != 0 {
		t.Errorf("official, articles kept in GT: %v", got)
	}
	if got := VQAAccuracy("the dog", gt, VQANormalizeGT); got != 1 {
		t.Errorf("normalised GT: %v", got)
	}
}

func TestEvalVQA(t *testing.T) {
	t.Parallel()
	items := []VQAItem{
		{Pred: "yes", Answers: tenOf("yes", 10), QuestionType: "is the", AnswerType: "yes/no"},
		{Pred: "no", Answers: tenOf("yes", 10), QuestionType: "is the", AnswerType: "yes/no"},
		{Pred: "2", Answers: tenOf("2", 2), QuestionType: "how many", AnswerType: "number"},
	}
	e := EvalVQA(items, VQAOfficial)
	if math.Abs(e.Overall-100*1.6/3) > 1e-9 || e.N != 3 {
		t.Errorf("overall %v n %d", e.Overall, e.N)
	}
	if e.ByAnswerType["yes/no"] != 50 || math.Abs(e.ByAnswerType["number"]-60) > 1e-9 || e.QuestionTypeN["is the"] != 2 {
		t.Errorf("%+v", e)
	}
	if !slices.Equal(e.Acc[:2], []float64{1, 0}) {
		t.Errorf("acc %v", e.Acc)
	}
}

func ExampleVQAAccuracy() {
	answers := []string{"2", "2", "two", "3", "3", "3", "3", "3", "3", "3"}
	fmt.Println(VQANormalize("Two."))
	fmt.Printf("%.1f %.1f\n", VQAAccuracy("Two.", answers, VQAOfficial), VQAAccuracy("Two.", answers, VQANormalizeGT))
	// Output:
	// 2
	// 0.6 0.9
}
