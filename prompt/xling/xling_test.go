package xling

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/prompt"
)

func TestAlpacaPrompt(t *testing.T) {
	// Spec oracle 1, byte for byte.
	got := AlpacaPrompt("Translate the following sentences from English to Chinese.", "Hello.")
	want := "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\nTranslate the following sentences from English to Chinese.\n\n### Input:\nHello.\n\n### Response:"
	if got != want {
		t.Errorf("with input:\n%q\nwant\n%q", got, want)
	}
	got = AlpacaPrompt("Name a colour.", "")
	want = "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nName a colour.\n\n### Response:"
	if got != want {
		t.Errorf("without input:\n%q\nwant\n%q", got, want)
	}
	// The templates and the builder agree; placeholders in values stay.
	if p := AlpacaPrompt("{input}", "{instruction}"); p != strings.NewReplacer("{instruction}", "{input}", "{input}", "{instruction}").Replace(PromptInput) {
		t.Errorf("placeholder values changed: %q", p)
	}
	if p := AlpacaPrompt("x", ""); p != strings.Replace(PromptNoInput, "{instruction}", "x", 1) {
		t.Errorf("PromptNoInput disagrees: %q", p)
	}
}

func TestTranslationRotation(t *testing.T) {
	// Spec oracle 3: train row k -> template k mod 33; test -> template 0.
	for _, k := range []int{0, 1, 32, 33, 34, 100} {
		got := TranslationInstruction("English", "Chinese", k, true)
		want := strings.NewReplacer("{source_lang}", "English", "{target_lang}", "Chinese").Replace(Instructions[k%33])
		if got != want {
			t.Errorf("train row %d: %q, want %q", k, got, want)
		}
		if got := TranslationInstruction("English", "Chinese", k, false); got != "Translate the following sentences from English to Chinese." {
			t.Errorf("test row %d: %q", k, got)
		}
	}
	if Instructions[32] != "Can you reveal the {target_lang} translation of the forthcoming sentences?" {
		t.Errorf("last template %q", Instructions[32])
	}
	// Empty pairs are skipped but still count for the rotation.
	pairs := []Pair{{"a", "A"}, {"", "B"}, {" c ", "C"}}
	recs, err := TranslationRecords(pairs, "en", "el", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[1].Instruction != "Please provide the Modern Greek (1453-) translation for the following sentences." || recs[1].Input != "c" || recs[1].Output != "C" {
		t.Errorf("records %+v", recs)
	}
	if _, err := TranslationRecords(pairs, "en", "xx", true); err == nil {
		t.Error("unknown language accepted")
	}
}

func TestMixture(t *testing.T) {
	mk := func(name string, n int) []Record {
		r := make([]Record, n)
		for i := range r {
			r[i] = Record{Instruction: fmt.Sprintf("%s%d", name, i)}
		}
		return r
	}
	sets := map[string][]Record{"alpaca_en": mk("e", 3), "alpaca_zh": mk("z", 2), "translation_en-zh": mk("t", 10)}
	names := func(rs []Record) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.Instruction)
		}
		return strings.Join(s, ",")
	}
	// Spec oracle 8: [:N] gives the first N; "+" concatenates.
	for spec, want := range map[string]string{
		"alpaca_en + alpaca_zh + translation_en-zh[:4]": "e0,e1,e2,z0,z1,t0,t1,t2,t3",
		"translation_en-zh[8:]":                         "t8,t9",
		"translation_en-zh[-2:]":                        "t8,t9",
		"translation_en-zh[2:4]+alpaca_zh[:100]":        "t2,t3,z0,z1",
		"alpaca_zh[5:1]":                                "",
	} {
		got, err := Mixture(spec, sets)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if names(got) != want {
			t.Errorf("%s: %s, want %s", spec, names(got), want)
		}
	}
	for _, bad := range []string{"nope", "alpaca_en[1]", "alpaca_en[a:]", "alpaca_en +", "alpaca_en[:2"} {
		if _, err := Mixture(bad, sets); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestJSONL(t *testing.T) {
	recs := []Record{{"Say <hi> & bye", "", "ok"}, {"Translate.", "你好", "Hello\n"}}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, recs); err != nil {
		t.Fatal(err)
	}
	first := strings.SplitN(buf.String(), "\n", 2)[0]
	if first != `{"instruction":"Say <hi> & bye","input":"","output":"ok"}` {
		t.Errorf("line 1: %s", first)
	}
	back, err := ReadJSONL(&buf)
	if err != nil || !reflect.DeepEqual(back, recs) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	arr, err := ReadAlpacaJSON(strings.NewReader(`[{"instruction":"i","output":"o"}]`))
	if err != nil || len(arr) != 1 || arr[0] != (Record{"i", "", "o"}) {
		t.Errorf("ReadAlpacaJSON: %+v, %v", arr, err)
	}
	if _, err := ReadJSONL(strings.NewReader("{}\n{oops\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad line error: %v", err)
	}
}

// wordTok gives every space-separated word (with its leading space) an id.
type wordTok struct{ ids map[string]int }

func (w *wordTok) Encode(s string) []int {
	var out []int
	for _, f := range strings.SplitAfter(s, " ") {
		if f == "" {
			continue
		}
		id, ok := w.ids[f]
		if !ok {
			id = len(w.ids) + 3
			w.ids[f] = id
		}
		out = append(out, id)
	}
	return out
}

func TestEncoderMask(t *testing.T) {
	tok := &wordTok{ids: map[string]int{}}
	e := Encoder{Tok: tok, BOS: 1, EOS: 2}
	r := Record{Instruction: "Translate.", Input: "Hello world", Output: "你好 世界"}
	x := e.Encode(r)
	// Spec oracle 2: supervised = len(tok(prompt+output+eos)) − len(tok(prompt)).
	full := 1 + len(tok.Encode(r.Prompt()+r.Output)) + 1
	np := 1 + len(tok.Encode(r.Prompt()))
	if len(x.IDs) != full || x.Supervised() != full-np {
		t.Errorf("%d ids, %d supervised; want %d, %d", len(x.IDs), x.Supervised(), full, full-np)
	}
	for i, l := range x.Labels {
		if (i < np) != (l == nn.DefaultIgnoreIndex) || (i >= np && l != x.IDs[i]) {
			t.Errorf("label %d = %d (id %d, prompt %d)", i, l, x.IDs[i], np)
		}
	}
	if x.IDs[0] != 1 || x.IDs[len(x.IDs)-1] != 2 {
		t.Errorf("BOS/EOS missing: %v", x.IDs)
	}
	in, tg := x.Shifted()
	if len(in) != len(x.IDs)-1 || tg[len(tg)-1] != 2 || tg[np-2] != nn.DefaultIgnoreIndex || tg[np-1] == nn.DefaultIgnoreIndex {
		t.Errorf("Shifted: %v %v", in, tg)
	}
	// Truncation keeps ids and mask aligned.
	e.MaxLen = np - 2
	if y := e.Encode(r); len(y.IDs) != np-2 || y.Supervised() != 0 {
		t.Errorf("truncated: %d ids, %d supervised", len(y.IDs), y.Supervised())
	}
	ids, labels, n, tt := Pad([]Example{x, {IDs: []int{7}, Labels: []int{7}}}, 0)
	if n != 2 || tt != len(x.IDs) || ids[tt] != 7 || ids[tt+1] != 0 || labels[tt+1] != nn.DefaultIgnoreIndex {
		t.Errorf("Pad: n %d t %d ids %v labels %v", n, tt, ids, labels)
	}
}

// fakeLM answers with a fixed reply per language, told apart by the
// prompt's instruction.
type fakeLM struct{ replies map[string]string }

func (f fakeLM) Score(context.Context, string, string) (prompt.Score, error) {
	return prompt.Score{}, prompt.ErrUnsupported
}
func (f fakeLM) Chat(context.Context, []prompt.Message, prompt.GenOptions) (string, error) {
	return "", prompt.ErrUnsupported
}
func (f fakeLM) Generate(_ context.Context, p string, _ prompt.GenOptions) (string, error) {
	for k, v := range f.replies {
		if strings.Contains(p, k) {
			return v, nil
		}
	}
	return "", fmt.Errorf("unexpected prompt %q", p)
}

func TestEvalXQuADSmall(t *testing.T) {
	sets := map[string][]Paragraph{
		"en": {{Context: " Paris is in France. ", QAs: []QA{{ID: "q1", Question: "Where is Paris? ", Answers: []string{"France", "in France"}}}}},
		"zh": {{Context: "巴黎在法国。", QAs: []QA{{ID: "q1", Question: "巴黎在哪里？", Answers: []string{"法国"}}}}},
	}
	lm := fakeLM{replies: map[string]string{
		"Context: Paris is in France.\nQuestion: Where is Paris?\nAnswer: \n\n### Response:": " The answer is France.\n### Instruction:\nmore",
		"段落: 巴黎在法国。\n问题: 巴黎在哪里？\n答案: ":                                                       "法国",
	}}
	var calls int
	res, err := EvalXQuAD(context.Background(), lm, sets, EvalOptions{Progress: func(string, int, int) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Lang != "en" || res[1].Lang != "zh" || calls != 2 {
		t.Fatalf("results %+v", res)
	}
	en := res[0]
	// "answer is france" vs "france": P 1/3, R 1 -> F1 0.5; EM 0; match 1.
	if en.Results[0].Prediction != "The answer is France." || en.EM != 0 || math.Abs(en.F1-50) > 1e-9 || en.Match != 100 {
		t.Errorf("en: %+v", en)
	}
	if zh := res[1]; zh.EM != 100 || zh.F1 != 100 || zh.Match != 100 {
		t.Errorf("zh: %+v", zh)
	}
	if _, err := EvalXQuAD(context.Background(), lm, map[string][]Paragraph{"th": sets["en"]}, EvalOptions{}); err == nil {
		t.Error("language without prompt accepted")
	}
}

func TestFitPowerLaw(t *testing.T) {
	// Spec oracle 7: recover (a, b, x0) within 1% from noiseless points.
	truth := PowerLaw{Smax: 100, A: 400, B: 0.45, X0: 300}
	xs := []float64{250, 500, 1000, 2000, 4000, 8000}
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = truth.Value(x)
	}
	check := func(name string, p PowerLaw) {
		t.Helper()
		t.Logf("%s: %+v", name, p)
		for _, c := range [][3]float64{{p.A, truth.A}, {p.B, truth.B}, {p.X0, truth.X0}, {p.Smax, truth.Smax}} {
			if math.Abs(c[0]/c[1]-1) > 1e-6 { // the spec asks for 1%
				t.Errorf("%s: fitted %+v, want %+v", name, p, truth)
				return
			}
		}
		if r2 := RSquared(p, xs, ys); r2 < 0.999999 {
			t.Errorf("%s: R² %v", name, r2)
		}
	}
	p, err := FitPowerLaw(xs, ys, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	check("fixed Smax", p)
	p, err = FitPowerLaw(xs, ys, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	check("fitted Smax", p)
	// Noisy points still fit closely.
	rng := rand.New(rand.NewPCG(1, 2))
	noisy := make([]float64, len(ys))
	for i := range ys {
		noisy[i] = ys[i] + 0.1*rng.NormFloat64()
	}
	if p, err := FitPowerLaw(xs, noisy, 100, 0); err != nil || RSquared(p, xs, noisy) < 0.99 {
		t.Errorf("noisy fit %+v, %v", p, err)
	}
	if _, err := FitPowerLaw(xs[:2], ys[:2], 100, 0); err == nil {
		t.Error("two points accepted")
	}
}

func TestFitLogLinear(t *testing.T) {
	xs := []float64{100, 1000, 10000}
	ys := []float64{10, 10 + 3*math.Log(10), 10 + 3*math.Log(100)}
	l, err := FitLogLinear(xs, ys, 0.01) // S = 10 + 3·ln(x/100)
	if err != nil || math.Abs(l.A-10) > 1e-9 || math.Abs(l.B-3) > 1e-9 || RSquared(l, xs, ys) < 1-1e-12 {
		t.Errorf("FitLogLinear = %+v, %v", l, err)
	}
}

func TestAllocateBudget(t *testing.T) {
	c := PowerLaw{Smax: 100, A: 400, B: 0.45, X0: 300}
	xs, err := AllocateBudget([]Curve{c, c, c}, 9000)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range xs {
		if math.Abs(x-3000) > 1e-6 {
			t.Errorf("identical curves: %v", xs)
		}
	}
	steep := c
	steep.A = 800
	xs, err = AllocateBudget([]Curve{c, steep}, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if xs[1] <= xs[0] || math.Abs(xs[0]+xs[1]-5000) > 1e-6 {
		t.Errorf("steeper curve: %v", xs)
	}
	if s0, s1 := c.Slope(xs[0]), steep.Slope(xs[1]); math.Abs(s0/s1-1) > 1e-6 {
		t.Errorf("marginal gains differ: %v vs %v", s0, s1)
	}
	// A nearly flat curve gets nothing from a small budget.
	flat := PowerLaw{Smax: 100, A: 1e-3, B: 0.45, X0: 300}
	xs, _ = AllocateBudget([]Curve{c, flat}, 100)
	if xs[1] != 0 || math.Abs(xs[0]-100) > 1e-9 {
		t.Errorf("flat curve: %v", xs)
	}
	// Log-linear curves: x_l ∝ B_l.
	xs, _ = AllocateBudget([]Curve{LogLinear{B: 1}, LogLinear{B: 3}}, 400)
	if math.Abs(xs[0]-100) > 1e-6 || math.Abs(xs[1]-300) > 1e-6 {
		t.Errorf("log-linear: %v", xs)
	}
	if _, err := AllocateBudget([]Curve{c}, 0); err == nil {
		t.Error("zero budget accepted")
	}
}
