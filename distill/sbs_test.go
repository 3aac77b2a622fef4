package distill

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

type parserFixture struct {
	Cases []struct {
		Task       Task   `json:"task"`
		Completion string `json:"completion"`
		Rationale  string `json:"rationale"`
		Label      string `json:"label"`
		Error      bool   `json:"error"`
	} `json:"cases"`
	Digests map[string]struct {
		N      int    `json:"n"`
		SHA256 string `json:"sha256"`
	} `json:"digests"`
}

func readParserFixture(t *testing.T) parserFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/parsers.json")
	if err != nil {
		t.Fatal(err)
	}
	var f parserFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// The ports agree with the released parsers (run in Python by
// testdata/parsers.py) on hand-made edge cases: missing markers, repeated
// markers, Python-only white space U+001C..U+001F, non-ASCII last
// characters.
func TestParseCoTCases(t *testing.T) {
	f := readParserFixture(t)
	for i, c := range f.Cases {
		r, l, err := ParseCoT(c.Task, c.Completion)
		if c.Error {
			if !errors.Is(err, ErrUnparsable) {
				t.Errorf("case %d %s %q: err %v, want ErrUnparsable", i, c.Task, c.Completion, err)
			}
			continue
		}
		if err != nil || r != c.Rationale || l != c.Label {
			t.Errorf("case %d %s %q: (%q, %q, %v), want (%q, %q)", i, c.Task, c.Completion, r, l, err, c.Rationale, c.Label)
		}
	}
	if _, _, err := ParseCoT("mnist", "x"); err == nil {
		t.Error("unknown task: no error")
	}
}

// Every released completion parses to the same bytes as in Python: the
// SHA-256 of all (rationale, label) pairs of each split.
func TestParseCoTReleasedDigests(t *testing.T) {
	f := readParserFixture(t)
	for key, want := range f.Digests {
		task, split, _ := strings.Cut(key, "/")
		outs, err := LoadCompletions(DefaultDir(), Task(task), split)
		if errors.Is(err, os.ErrNotExist) {
			t.Skipf("distill-sbs data absent: %v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for _, o := range outs {
			r, l, err := ParseCoT(Task(task), o)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			h.Write([]byte(r + "\x00" + l + "\x00"))
		}
		if got := hex.EncodeToString(h.Sum(nil)); len(outs) != want.N || got != want.SHA256 {
			t.Errorf("%s: %d completions, digest %s; want %d, %s", key, len(outs), got, want.N, want.SHA256)
		}
	}
}

// Spec §7.1 (SVAMP record text) and §7.6 (equation scoring).
func TestSVAMPParserAndEquations(t *testing.T) {
	r, l, err := ParseCoT(SVAMP, "Luke scored 84 points after 2 rounds. So he scored 84 points in 2 rounds. 84 / 2 = 42. The answer is (84 / 2).\n\nQ: Jack had 8 pens")
	if err != nil || r != "Luke scored 84 points after 2 rounds. So he scored 84 points in 2 rounds. 84 / 2 = 42." || l != "(84 / 2)" {
		t.Fatalf("ParseCoT = (%q, %q, %v)", r, l, err)
	}
	if Accuracy(SVAMP, []string{"(84 / 2)"}, []string{"( 84.0 / 2.0 )"}) != 1 {
		t.Error("(84 / 2) should equal ( 84.0 / 2.0 )")
	}
	if Accuracy(SVAMP, []string{" ", "x", "(1/0)"}, []string{" ", "x", "(1/0)"}) != 0 {
		t.Error("unparsable equations must score wrong against themselves")
	}
	for _, c := range []struct {
		s  string
		v  float64
		ok bool
	}{
		{"( 84.0 / 2.0 )", 42, true}, {"1 + 2 * 3", 7, true}, {"(1 + 2) * 3", 9, true}, {"-3 - -2", -1, true},
		{"8 / 4 / 2", 1, true}, {"10 - 4 - 3", 3, true}, {" 1.5e1 ", 15, true}, {".5 + 1.", 1.5, true},
		{"((7))", 7, true}, {"00", 0, true}, {"007", 0, false}, {"2 ** 3", 0, false}, {"7 // 2", 0, false},
		{"1 / 0", 0, false}, {"1 / (2 - 2)", 0, false}, {"(1 + 2", 0, false}, {"1 +", 0, false}, {"", 0, false},
		{"2x", 0, false}, {"import os", 0, false}, {".", 0, false}, {"1e", 0, false}, {strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), 0, false},
	} {
		v, ok := EvalEquation(c.s)
		if ok != c.ok || (ok && v != c.v) {
			t.Errorf("EvalEquation(%q) = %v, %v; want %v, %v", c.s, v, ok, c.v, c.ok)
		}
	}
	if Accuracy(CQA, []string{"a", "b "}, []string{"a", "b"}) != 0.5 {
		t.Error("text accuracy must be exact string equality")
	}
}

// pyIsSpace is Python 3's str.isspace over every code point (the list is
// Python's own output).
func TestPyIsSpace(t *testing.T) {
	want := []rune{0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002,
		0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000}
	var got []rune
	for r := rune(0); r <= 0x10ffff; r++ {
		if pyIsSpace(r) {
			got = append(got, r)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pyIsSpace set %U, want %U", got, want)
	}
}

// Spec §7.8: the input strings of the released code, byte for byte.
func TestInputFormats(t *testing.T) {
	got := CQAInput("Where is a beaver?", []string{"a b", "c", "d", "e", "f"})
	if want := "Where is a beaver?\nAnswer Choices:\n(a) a b\n(b) c\n(c) d\n(d) e\n(e) f"; got != want {
		t.Errorf("CQAInput = %q, want %q", got, want)
	}
	if got := NLIInput("A man.", "A person."); got != "A man.</s>A person." {
		t.Errorf("NLIInput = %q", got)
	}
	if got := SVAMPInput("Body.", "How many?"); got != "Body.\nHow many?" {
		t.Errorf("SVAMPInput = %q", got)
	}
	ex := Example{Input: "x", Label: "y", Rationale: "r", LLMLabel: "z"}
	p, e := TaskPrefixPairs(ex, GoldLabels)
	if p != (Pair{"predict: x", "y"}) || e != (Pair{"explain: x", "r"}) {
		t.Errorf("TaskPrefixPairs = %q, %q", p, e)
	}
	for _, c := range []struct {
		arm  Arm
		src  LabelSource
		want []Pair
	}{
		{Standard, GoldLabels, []Pair{{"x", "y"}}},
		{Standard, LLMLabels, []Pair{{"x", "z"}}},
		{MultiTask, LLMLabels, []Pair{{"predict: x", "z"}, {"explain: x", "r"}}},
		{SingleTask, GoldLabels, []Pair{{"x", "r So the answer is y"}}},
	} {
		if got := c.arm.Pairs(ex, c.src); !slices.Equal(got, c.want) {
			t.Errorf("%v.Pairs(%d) = %q, want %q", c.arm, c.src, got, c.want)
		}
	}
	if MultiTask.Input("x") != "predict: x" || Standard.Input("x") != "x" || SingleTask.Input("x") != "x" {
		t.Error("Arm.Input")
	}
	if SingleTask.Label("a So the answer is b So the answer is c") != "c" || SingleTask.Label("c") != "" || Standard.Label(" c") != " c" {
		t.Error("Arm.Label")
	}
}

// byteTok is a test tokenizer: one id per byte, offset past the special
// ids 0 (pad) and 1 (EOS).
type byteTok struct{}

func (byteTok) Encode(s string) []int {
	ids := make([]int, len(s))
	for i := range len(s) {
		ids[i] = int(s[i]) + 2
	}
	return ids
}

func (byteTok) Decode(ids []int) string {
	b := make([]byte, 0, len(ids))
	for _, id := range ids {
		if id >= 2 {
			b = append(b, byte(id-2))
		}
	}
	return string(b)
}

func TestEncodingBatch(t *testing.T) {
	e := Encoding{PadID: 0, EOSID: 1, MaxInput: 5, MaxTarget: 0}
	if got := e.Encode(byteTok{}, "ab</s>c", 0); !slices.Equal(got, []int{99, 100, 1, 101, 1}) {
		t.Errorf("Encode with </s> = %v", got)
	}
	if got := e.Encode(byteTok{}, "abcdefg", 3); !slices.Equal(got, []int{99, 100, 1}) {
		t.Errorf("truncated Encode = %v", got)
	}
	b := e.Batch(byteTok{}, []Pair{{"abcdefgh", "x"}, {"a", "xyz"}})
	want := Batch{Src: []int{99, 100, 101, 102, 1, 99, 1, 0, 0, 0}, N: 2, S: 5,
		Labels: []int{122, 1, -100, -100, 122, 123, 124, 1}, T: 4}
	if !slices.Equal(b.Src, want.Src) || !slices.Equal(b.Labels, want.Labels) || b.N != 2 || b.S != 5 || b.T != 4 {
		t.Errorf("Batch = %+v, want %+v", b, want)
	}
}

// Spec §7.7: same seed, same subset; nested prefixes; sizes as
// train_test_split's.
func TestSubsample(t *testing.T) {
	a, b := Subsample(1000, 0.125, 3), Subsample(1000, 0.125, 3)
	if !slices.Equal(a, b) || len(a) != 125 {
		t.Fatalf("not deterministic or wrong size: %d", len(a))
	}
	if slices.Equal(a, Subsample(1000, 0.125, 4)) {
		t.Error("different seeds gave the same subset")
	}
	if big := Subsample(1000, 0.5, 3); !slices.Equal(big[:125], a) {
		t.Error("12.5% subset is not a prefix of the 50% subset")
	}
	s := slices.Clone(Subsample(1000, 1, 3))
	slices.Sort(s)
	for i := range s {
		if s[i] != i {
			t.Fatal("fraction 1 is not a permutation")
		}
	}
	// train_test_split(test_size=1-f): n_test = ceil((1-f)·n).
	for _, c := range [][3]float64{{9741, 0.125, 1217}, {7, 0.5, 3}, {10, 0.25, 2}, {1, 0.5, 0}, {0, 0.5, 0}} {
		if got := len(Subsample(int(c[0]), c[1], 0)); got != int(c[2]) {
			t.Errorf("Subsample(%v, %v) has %d, want %v", c[0], c[1], got, c[2])
		}
	}
}

func tinyT5(seed uint64) *models.T5 {
	c := models.T5Config{VocabSize: 16, DModel: 8, DKV: 4, DFF: 16, Heads: 2, Layers: 1, DecoderLayers: 1,
		NumBuckets: 8, MaxDistance: 16, LayerNormEps: 1e-6, PadID: 0, EOSID: 1, DecoderStartID: 0}
	m := models.NewT5(rand.New(rand.NewPCG(seed, 1)), c)
	nn.SetTraining(m, false)
	return m
}

func idBatches() (predict, explain Batch) {
	predict = NewBatch([][]int{{2, 3, 4, 5, 1}, {2, 6, 7, 1}}, [][]int{{8, 1}, {9, 1}}, 0)
	explain = NewBatch([][]int{{10, 3, 4, 5, 1}, {10, 6, 7, 1}}, [][]int{{11, 12, 13, 1}, {12, 14, 1}}, 0)
	return
}

func grads(m *models.T5, loss func() *tensor.Tensor) [][]float32 {
	nn.ZeroGrad(m)
	loss().Backward()
	var g [][]float32
	for _, p := range nn.Params(m) {
		if p.Grad() == nil {
			g = append(g, make([]float32, p.Size()))
		} else {
			g = append(g, slices.Clone(p.Grad().Data()))
		}
	}
	return g
}

// Spec §7.4: α = 1 gives the label loss, α = 0 the rationale loss, and
// value and gradient are linear in the two task losses in between.
func TestMultiTaskLossIdentities(t *testing.T) {
	m := tinyT5(1)
	p, e := idBatches()
	lp := m.Loss(p.Src, p.N, p.S, p.Labels, p.T).Item()
	le := m.Loss(e.Src, e.N, e.S, e.Labels, e.T).Item()
	if got := MultiTaskLoss(m, p, e, 1).Item(); got != lp {
		t.Errorf("alpha 1: %v, want %v", got, lp)
	}
	if got := MultiTaskLoss(m, p, e, 0).Item(); got != le {
		t.Errorf("alpha 0: %v, want %v", got, le)
	}
	const alpha = 0.3
	if got, want := float64(MultiTaskLoss(m, p, e, alpha).Item()), alpha*float64(lp)+(1-alpha)*float64(le); math.Abs(got-want) > 1e-6 {
		t.Errorf("alpha %v: %v, want %v", alpha, got, want)
	}
	gp := grads(m, func() *tensor.Tensor { return p.Loss(m) })
	ge := grads(m, func() *tensor.Tensor { return e.Loss(m) })
	g := grads(m, func() *tensor.Tensor { return MultiTaskLoss(m, p, e, alpha) })
	for i := range g {
		for j := range g[i] {
			want := alpha*float64(gp[i][j]) + (1-alpha)*float64(ge[i][j])
			if math.Abs(float64(g[i][j])-want) > 1e-5+1e-4*math.Abs(want) {
				t.Fatalf("param %d grad %d: %v, want %v", i, j, g[i][j], want)
			}
		}
	}
	// Finite differences through the model on parameters with no ReLU
	// kink downstream of them (the step would cross it).
	tensortest.GradCheck(t, func(...*tensor.Tensor) *tensor.Tensor { return MultiTaskLoss(m, p, e, alpha) },
		m.Decoder.Blocks[0].FF.Wo.Weight, m.Decoder.FinalLayerNorm.Weight)
}

// Spec §7.5: padding a batch further (pad ids in the source, -100 in the
// labels) does not change the loss.
func TestPaddingInvariance(t *testing.T) {
	m := tinyT5(2)
	p, _ := idBatches()
	base := p.Loss(m).Item()
	wide := NewBatch([][]int{{2, 3, 4, 5, 1, 0, 0}, {2, 6, 7, 1}}, [][]int{{8, 1, -100, -100}, {9, 1}}, 0)
	if wide.S != 7 || wide.T != 4 {
		t.Fatalf("padded batch %d × %d", wide.S, wide.T)
	}
	if got := wide.Loss(m).Item(); math.Abs(float64(got-base)) > 1e-6*math.Abs(float64(base)) {
		t.Errorf("padded loss %v, want %v", got, base)
	}
}

// End to end on ids: a few AdamW steps of the multi-task loss on a toy
// T5 lower it, and the model then decodes the predict targets.
func TestMultiTaskTrainingLowersLoss(t *testing.T) {
	m := tinyT5(3)
	nn.SetTraining(m, true) // dropout is 0: training mode is deterministic
	p, e := idBatches()
	opt := optim.NewAdamW(nn.Params(m), 3e-2)
	first := MultiTaskLoss(m, p, e, 0.5).Item()
	for range 60 {
		opt.ZeroGrad()
		MultiTaskLoss(m, p, e, 0.5).Backward()
		opt.Step()
	}
	last := MultiTaskLoss(m, p, e, 0.5).Item()
	t.Logf("multi-task loss %.4f -> %.4f after 60 AdamW steps", first, last)
	if !(last < 0.2*first) {
		t.Fatalf("loss %v -> %v, want a fall below 20%%", first, last)
	}
	nn.SetTraining(m, false)
	if got := m.Generate([]int{2, 3, 4, 5, 1}, 4); !slices.Equal(got, []int{8, 1}) {
		t.Errorf("Generate = %v, want [8 1]", got)
	}
}

// echoGen "generates" a fixed output per source: the target ids of the
// source's text in a table, then EOS.
type echoGen map[string]string

func (g echoGen) Generate(src []int, maxNew int) []int {
	out := byteTok{}.Encode(g[byteTok{}.Decode(src)])
	if len(out) >= maxNew {
		return out[:maxNew]
	}
	return append(out, 1)
}

// Predict prefixes per arm, encodes, strips special ids and extracts the
// label; Decode skips pad, EOS and -100.
func TestPredict(t *testing.T) {
	e := Encoding{PadID: 0, EOSID: 1}
	g := echoGen{"predict: x": "yes", "x": "r So the answer is no", "z": "long output"}
	if got := Predict(g, byteTok{}, e, MultiTask, []string{"x"}, 64); !slices.Equal(got, []string{"yes"}) {
		t.Errorf("MultiTask: %q", got)
	}
	if got := Predict(g, byteTok{}, e, SingleTask, []string{"x"}, 64); !slices.Equal(got, []string{"no"}) {
		t.Errorf("SingleTask: %q", got)
	}
	if got := Predict(g, byteTok{}, e, Standard, []string{"x", "z"}, 4); !slices.Equal(got, []string{"r So", "long"}) {
		t.Errorf("Standard: %q", got)
	}
	if got := e.Decode(byteTok{}, []int{99, 1, 0, -100, 100}); got != "ab" {
		t.Errorf("Decode = %q", got)
	}
	exs := []Example{{Label: "a", LLMLabel: "a"}, {Label: "b", LLMLabel: "c"}}
	if TeacherAccuracy(CQA, exs) != 0.5 {
		t.Error("TeacherAccuracy")
	}
}

// modTok maps bytes into the tiny T5's 16 ids (2..15).
type modTok struct{}

func (modTok) Encode(s string) []int {
	ids := make([]int, len(s))
	for i := range len(s) {
		ids[i] = 2 + int(s[i])%14
	}
	return ids
}

func (modTok) Decode(ids []int) string {
	b := make([]byte, 0, len(ids))
	for _, id := range ids {
		b = append(b, byte('a'+id))
	}
	return string(b)
}

// onlyGenerate hides the T5's GenerateBatch, so Predict decodes one input
// at a time.
type onlyGenerate struct{ m *models.T5 }

func (g onlyGenerate) Generate(src []int, maxNew int) []int { return g.m.Generate(src, maxNew) }

// TestPredictBatch checks that Predict through T5's GenerateBatch gives
// the labels of one-at-a-time decoding, for inputs of different lengths.
func TestPredictBatch(t *testing.T) {
	c := models.T5Config{VocabSize: 16, DModel: 32, DKV: 8, DFF: 32, Heads: 4, Layers: 2, DecoderLayers: 2,
		NumBuckets: 8, MaxDistance: 16, LayerNormEps: 1e-6, PadID: 0, EOSID: 1, DecoderStartID: 0}
	m := models.NewT5(rand.New(rand.NewPCG(7, 1)), c)
	nn.SetTraining(m, false)
	e := Encoding{PadID: 0, EOSID: 1, MaxInput: 32}
	xs := []string{"a", "bcd", "the cat sat", "zz", "hello world, again", "q"}
	for _, a := range []Arm{Standard, MultiTask, SingleTask} {
		batch := Predict(m, modTok{}, e, a, xs, 6)
		single := Predict(onlyGenerate{m}, modTok{}, e, a, xs, 6)
		if !slices.Equal(batch, single) {
			t.Errorf("arm %v: batch %q, one at a time %q", a, batch, single)
		}
		if a == Standard && len(slices.Compact(slices.Clone(batch))) < 2 {
			t.Errorf("arm %v: every input decoded to %q: the test shows nothing", a, batch[0])
		}
	}
}
