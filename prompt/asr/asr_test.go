package asr_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/prompt/asr"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

const validFile = `[
 {"id": "a", "input": ["list flights", "list flight"], "output": "list flights", "am_score": [-0.1, -0.2]},
 {"input": ["fare codes"], "output": "fare code", "score": [-0.5]},
 {"instruction": "please find the best sentence", "input": ["ground transportation", "ground transport"], "output": ""}
]`

func gz(s string) []byte {
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	z.Write([]byte(s))
	z.Close()
	return b.Bytes()
}

func TestRead(t *testing.T) {
	t.Parallel()
	want := []asr.Utterance{
		{ID: "a", Hyps: []string{"list flights", "list flight"}, Scores: []float64{-0.1, -0.2}, Ref: "list flights"},
		{Hyps: []string{"fare codes"}, Scores: []float64{-0.5}, Ref: "fare code"},
		{Hyps: []string{"ground transportation", "ground transport"}, Ref: ""},
	}
	for name, in := range map[string][]byte{"plain": []byte(validFile), "gzip": gz(validFile)} {
		got, err := asr.Read(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
			t.Errorf("%s: Read = %#v\nwant %#v", name, got, want)
		}
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	for _, test := range []struct{ in, want string }{
		{``, "empty input"},
		{`{"input": ["a"], "output": "a"}`, "want a JSON array"},
		{`[{"input": ["a"], "output": "a"}`, "after record 1: unexpected EOF"},
		{`[{"input": ["a"], "output": "a"}, {"input": ["a"], "outp`, "record 1: unexpected EOF"},
		{`[{"input": [], "output": "a"}]`, `record 0 (id ""): no hypotheses`},
		{`[{"id": "x", "input": ["a"]}]`, `record 0 (id "x"): no reference`},
		{`[{"input": ["a"], "output": "a"}, {"input": ["a", "b"], "output": "a", "am_score": [1]}]`, "record 1 (id \"\"): 1 scores for 2 hypotheses"},
		{`[{"input": ["a"], "output": "a", "am_score": [1], "score": [1]}]`, `both "am_score" and "score"`},
		{`[{"input": "a", "output": "a"}]`, "record 0: json: cannot unmarshal string"},
		{`[{"input": ["a"], "output": 3}]`, "record 0: json: cannot unmarshal number"},
		{`[3]`, "record 0: json: cannot unmarshal number"},
		{`[{"input": ["a"], "output": "a"}] x`, "data after the array of 1 records"},
		{`[{"input": ["a"] "output": "a"}]`, "record 0: invalid character"},
		{"\x1f\x8bnot gzip", "asr.Read: gzip"},
	} {
		_, err := asr.Read(strings.NewReader(test.in))
		if err == nil || !strings.Contains(err.Error(), test.want) {
			t.Errorf("Read(%q) error = %v, want one containing %q", test.in, err, test.want)
		}
	}
	if _, err := asr.ReadFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("ReadFile of a missing file: no error")
	}
}

// FuzzRead checks that Read never panics and that whatever it accepts
// has hypotheses and one score per hypothesis (or none).
func FuzzRead(f *testing.F) {
	f.Add([]byte(validFile))
	f.Add(gz(validFile))
	f.Add([]byte(`[{"input": ["a"], "output": "a", "score": [1e400]}]`))
	f.Add([]byte(`[null]`))
	f.Fuzz(func(t *testing.T, in []byte) {
		utts, err := asr.Read(bytes.NewReader(in))
		if err != nil {
			return
		}
		for i, u := range utts {
			if len(u.Hyps) == 0 || (u.Scores != nil && len(u.Scores) != len(u.Hyps)) {
				t.Fatalf("utterance %d: %d hypotheses, %d scores", i, len(u.Hyps), len(u.Scores))
			}
		}
	})
}

// readData reads a HyPoradise file from the shared data directory.
func readData(t testing.TB, name string) []asr.Utterance {
	path := filepath.Join(data.Dir(), "hyporadise", name)
	utts, err := asr.ReadFile(path)
	if err != nil {
		t.Skipf("HyPoradise %s not readable under %s (set CAIRN_DATA): %v", name, data.Dir(), err)
	}
	return utts
}

func TestReadHyPoradise(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name   string
		n      int
		scores bool
	}{
		{"test_atis.json.gz", 809, true},
		{"train_atis.json.gz", 3964, true},
		{"test_ls_clean.json.gz", 2620, false},
	} {
		utts := readData(t, test.name)
		if len(utts) != test.n {
			t.Errorf("%s: %d utterances, want %d", test.name, len(utts), test.n)
		}
		for i, u := range utts {
			if len(u.Hyps) != 5 || (u.Scores != nil) != test.scores || (test.scores && u.ID == "") || u.Ref == "" {
				t.Fatalf("%s: utterance %d: %+v", test.name, i, u)
			}
			if !slices.IsSortedFunc(u.Scores, func(a, b float64) int { return -cmpFloat(a, b) }) {
				t.Fatalf("%s: utterance %d: scores not descending: %v", test.name, i, u.Scores)
			}
		}
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestDevSplit(t *testing.T) {
	t.Parallel()
	utts := make([]asr.Utterance, 20)
	for i := range utts {
		utts[i].ID = fmt.Sprint(i)
	}
	ids := func(us []asr.Utterance) []string {
		var s []string
		for _, u := range us {
			s = append(s, u.ID)
		}
		return s
	}
	dev, rest := asr.DevSplit(utts, 6, rand.New(rand.NewPCG(3, 4)))
	dev2, _ := asr.DevSplit(utts, 6, rand.New(rand.NewPCG(3, 4)))
	if len(dev) != 6 || len(rest) != 14 || !slices.Equal(ids(dev), ids(dev2)) {
		t.Fatalf("DevSplit: %v / %v (again %v)", ids(dev), ids(rest), ids(dev2))
	}
	all := append(ids(dev), ids(rest)...)
	slices.Sort(all)
	all = slices.Compact(all)
	if len(all) != 20 || slices.Equal(ids(dev), []string{"0", "1", "2", "3", "4", "5"}) {
		t.Errorf("DevSplit: not a random partition: %v / %v", ids(dev), ids(rest))
	}
	for _, part := range [][]asr.Utterance{dev, rest} {
		if !slices.IsSortedFunc(part, func(a, b asr.Utterance) int { return num(a.ID) - num(b.ID) }) {
			t.Errorf("DevSplit: part not in file order: %v", ids(part))
		}
	}
	if d, r := asr.DevSplit(utts, 2, nil); !slices.Equal(ids(d), []string{"0", "1"}) || len(r) != 18 {
		t.Errorf("DevSplit(nil rng) = %v", ids(d))
	}
	defer func() {
		if recover() == nil {
			t.Error("DevSplit(n = 21): no panic")
		}
	}()
	asr.DevSplit(utts, 21, nil)
}

func num(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// errorsOf returns −E(h) for every hypothesis: the scores of a cheating LM
// that knows the reference.
func errorsOf(utts []asr.Utterance) [][]float64 {
	lm := make([][]float64, len(utts))
	for i, u := range utts {
		for _, h := range u.Hyps {
			lm[i] = append(lm[i], -float64(metrics.Align(metrics.Whitespace(u.Ref), metrics.Whitespace(h)).Errors()))
		}
	}
	return lm
}

func corpusWER(t *testing.T, utts []asr.Utterance, picks []int) *metrics.WEREval {
	e, err := metrics.EvalWER(asr.Refs(utts), asr.Picked(utts, picks), nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRescoreATIS checks spec §9.4 on HyPoradise ATIS test: λ = β = 0
// keeps the first-pass best (8.40 %), and a cheating LM lm(h) = −E(h) with
// a large λ reaches the 5-best oracle (5.31 %), error for error.
func TestRescoreATIS(t *testing.T) {
	t.Parallel()
	test := readData(t, "test_atis.json.gz")
	picks := asr.Rescore(test, nil, asr.Weights{})
	if slices.ContainsFunc(picks, func(k int) bool { return k != 0 }) {
		t.Errorf("λ = β = 0 picked %v, want all 0", picks)
	}
	if got := fmt.Sprintf("%.2f", 100*corpusWER(t, test, picks).WER()); got != "8.40" {
		t.Errorf("λ = β = 0: WER %s %%, want 8.40", got)
	}

	cheat := errorsOf(test)
	oracle, err := metrics.EvalOracle(asr.Refs(test), hypsOf(test), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := corpusWER(t, test, asr.Rescore(test, cheat, asr.Weights{LM: 1e6}))
	if got := fmt.Sprintf("%.2f", 100*e.WER()); got != "5.31" || e.Total.Errors() != oracle.Total.Errors() {
		t.Errorf("cheating LM: WER %s %% (%d errors), want 5.31 (oracle %d errors)", got, e.Total.Errors(), oracle.Total.Errors())
	}

	w, wer := asr.GridSearch(test, cheat, []float64{0, 0.5, 1e6}, []float64{-1, 0, 1}, nil)
	if w.LM == 0 || wer != oracle.WER() {
		t.Errorf("GridSearch with the cheating LM = %+v, WER %v; want λ > 0, WER %v", w, wer, oracle.WER())
	}
}

func hypsOf(utts []asr.Utterance) [][]string {
	h := make([][]string, len(utts))
	for i, u := range utts {
		h[i] = u.Hyps
	}
	return h
}

func TestRescore(t *testing.T) {
	t.Parallel()
	utts := []asr.Utterance{
		{Hyps: []string{"a b", "a b c", "a"}, Scores: []float64{-1, -1, -1}, Ref: "a b c"},
		{Hyps: []string{"x", "y"}, Ref: "y"}, // no first-pass scores
	}
	lm := [][]float64{{-2, -3, -1}, {-1, -0.5}}
	for _, test := range []struct {
		w    asr.Weights
		want []int
	}{
		{asr.Weights{}, []int{0, 0}},                     // all tied: first-pass order
		{asr.Weights{LM: 1}, []int{2, 1}},                // -2 -3 -1
		{asr.Weights{LM: 1, Length: 1}, []int{0, 1}},     // -1 -1 -1 tied at 0
		{asr.Weights{LM: 1, Length: 1.5}, []int{1, 1}},   // 0 0.5 -0.5
		{asr.Weights{LM: -1, Length: -0.5}, []int{1, 0}}, // 1 1.5 0.5
	} {
		if got := asr.Rescore(utts, lm, test.w); !slices.Equal(got, test.want) {
			t.Errorf("Rescore(%+v) = %v, want %v", test.w, got, test.want)
		}
	}
	// A tie on the grid keeps the first pair: λ = 0 and λ = 1e-9 both keep
	// the first-pass picks.
	if w, wer := asr.GridSearch(utts, lm, []float64{1e-9, 0}, nil, nil); w != (asr.Weights{LM: 1e-9}) || wer != 0.5 {
		t.Errorf("GridSearch tie = %+v WER %v, want λ = 1e-9, WER 0.5", w, wer)
	}
	if w, wer := asr.GridSearch(utts, lm, []float64{0, 1}, []float64{0, 1.5}, nil); w != (asr.Weights{LM: 1, Length: 1.5}) || wer != 0 {
		t.Errorf("GridSearch = %+v WER %v, want λ = 1, β = 1.5, WER 0", w, wer)
	}
	defer func() {
		if recover() == nil {
			t.Error("Rescore with LM scores of the wrong shape: no panic")
		}
	}()
	asr.Rescore(utts, lm[:1], asr.Weights{LM: 1})
}

func TestScoreLM(t *testing.T) {
	t.Parallel()
	utts := []asr.Utterance{
		{Hyps: []string{"a b", "a b", "c"}},
		{Hyps: []string{"c", ""}},
	}
	lm := &fakeLM{words: map[string]float64{"a": -1, "b": -2}}
	var progress []int
	got, err := asr.ScoreLM(context.Background(), lm, utts, asr.LMOptions{Prefix: "ctx", Progress: func(d, n int) { progress = append(progress, d, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]float64{{-3, -3, -5}, {-5, 0}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ScoreLM = %v, want %v", got, want)
	}
	// each distinct hypothesis scored once, with a leading space
	if want := []string{"ctx| a b", "ctx| c", "ctx|"}; !slices.Equal(lm.calls, want) {
		t.Errorf("Score calls %q, want %q", lm.calls, want)
	}
	if !slices.Equal(progress, []int{1, 2, 2, 2}) {
		t.Errorf("progress %v", progress)
	}

	lm.calls = nil
	got, err = asr.ScoreLM(context.Background(), lm, utts[:1], asr.LMOptions{NoSpace: true, LengthNorm: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]float64{{-1.5, -1.5, -5}}; fmt.Sprint(got) != fmt.Sprint(want) || lm.calls[0] != "|a b" {
		t.Errorf("ScoreLM(NoSpace, LengthNorm) = %v with calls %q, want %v", got, lm.calls, want)
	}

	lm.err = prompt.ErrUnsupported
	if _, err := asr.ScoreLM(context.Background(), lm, utts, asr.LMOptions{}); !errors.Is(err, prompt.ErrUnsupported) {
		t.Errorf("ScoreLM with a failing LM: error %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := asr.ScoreLM(ctx, &fakeLM{}, utts, asr.LMOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("ScoreLM with a cancelled context: error %v", err)
	}
}

func TestCorrect(t *testing.T) {
	t.Parallel()
	utts := []asr.Utterance{
		{ID: "1", Hyps: []string{"show me flights to bostin", "show me flight to boston"}, Ref: "show me the flights to boston"},
		{ID: "2", Hyps: []string{"list fares", "list the fares"}, Ref: "list the fares"},
	}
	var seen []string
	msgs := func(u asr.Utterance) ([]prompt.Message, error) {
		seen = append(seen, u.ID)
		return []prompt.Message{{Role: prompt.User, Content: strings.Join(u.Hyps, "\n")}}, nil
	}
	identity := func(s string) string { return s }
	// A fixed reply with a word in no hypothesis ("the"): generative
	// correction can beat the N-best oracle (spec §9.8).
	lm := &fakeLM{reply: "show me the flights to boston"}
	var progress []int
	c, err := asr.Correct(context.Background(), lm, utts, asr.CorrectOptions{
		Messages: msgs, Parse: identity, Progress: func(d, n int) { progress = append(progress, d) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"show me the flights to boston", "list fares"}; !slices.Equal(c.Outputs, want) ||
		c.Fallbacks != 1 || !slices.Equal(c.FellBack, []bool{false, true}) || !slices.Equal(seen, []string{"1", "2"}) || !slices.Equal(progress, []int{1, 2}) {
		t.Errorf("Correct = %+v (messages for %v, progress %v)", c, seen, progress)
	}
	corr, _ := metrics.EvalWER(asr.Refs(utts[:1]), c.Outputs[:1], nil)
	oracle, _ := metrics.EvalOracle(asr.Refs(utts[:1]), hypsOf(utts[:1]), nil)
	if corr.WER() != 0 || oracle.WER() == 0 {
		t.Errorf("correction WER %v, oracle %v: want 0 below the oracle", corr.WER(), oracle.WER())
	}

	// The guard: off with MaxWER = +Inf, and an empty parse falls back to
	// the given picks.
	c, err = asr.Correct(context.Background(), lm, utts, asr.CorrectOptions{Messages: msgs, Parse: identity, MaxWER: math.Inf(1)})
	if err != nil || c.Fallbacks != 0 || c.Outputs[1] != lm.reply {
		t.Errorf("Correct(MaxWER = Inf) = %+v, %v", c, err)
	}
	c, err = asr.Correct(context.Background(), lm, utts, asr.CorrectOptions{Messages: msgs, Parse: func(string) string { return " " }, Fallback: []int{1, 1}})
	if want := []string{"show me flight to boston", "list the fares"}; err != nil || c.Fallbacks != 2 || !slices.Equal(c.Outputs, want) {
		t.Errorf("Correct(empty parse) = %+v, %v", c, err)
	}

	// Errors: options, the model, the prompt builder, the context.
	if _, err := asr.Correct(context.Background(), lm, utts, asr.CorrectOptions{Parse: identity}); err == nil {
		t.Error("Correct without Messages: no error")
	}
	if _, err := asr.Correct(context.Background(), lm, utts, asr.CorrectOptions{Messages: msgs, Parse: identity, Fallback: []int{0}}); err == nil {
		t.Error("Correct with 1 fallback for 2 utterances: no error")
	}
	fail := &fakeLM{err: errors.New("server down")}
	if c, err := asr.Correct(context.Background(), fail, utts, asr.CorrectOptions{Messages: msgs, Parse: identity}); err == nil || !strings.Contains(err.Error(), "server down") || len(c.Outputs) != 0 {
		t.Errorf("Correct with a failing LM: %v, %+v", err, c)
	}
	n := 0
	ctx, cancel := context.WithCancel(context.Background())
	c, err = asr.Correct(ctx, lm, utts, asr.CorrectOptions{Messages: msgs, Parse: identity, Progress: func(int, int) {
		if n++; n == 1 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || len(c.Outputs) != 1 {
		t.Errorf("Correct cancelled after one utterance: %v, %+v", err, c)
	}
	bad := func(asr.Utterance) ([]prompt.Message, error) { return nil, errors.New("no template") }
	if _, err := asr.Correct(context.Background(), lm, utts, asr.CorrectOptions{Messages: bad, Parse: identity}); err == nil || !strings.Contains(err.Error(), "no template") {
		t.Errorf("Correct with a failing template: %v", err)
	}
}

// TestMWERLoss checks the loss against a hand computation, the padding
// rule, and its gradient against finite differences and the closed form
// ∂L/∂s_k = P̂_k (E_k − Σ_j P̂_j E_j).
func TestMWERLoss(t *testing.T) {
	t.Parallel()
	// P̂ = (1/4, 3/4), E = (2, 0), Ē = 1: L = 1/4 − 3/4.
	s := tensor.New([]float32{0, float32(math.Log(3))}, 2)
	if got := asr.MWERLoss(s, tensor.New([]float32{2, 0}, 2)).Item(); math.Abs(float64(got)+0.5) > 1e-6 {
		t.Errorf("MWERLoss = %v, want -0.5", got)
	}
	// A batch of two lists, the second padded from 2 to 3: the mean of
	// the two lists' losses, the padding ignored.
	inf := float32(math.Inf(-1))
	batch := tensor.New([]float32{0, float32(math.Log(3)), inf, 1, 2, 3}, 2, 3)
	errs := tensor.New([]float32{2, 0, 99, 1, 0, 2}, 2, 3)
	second := asr.MWERLoss(tensor.New([]float32{1, 2, 3}, 3), tensor.New([]float32{1, 0, 2}, 3)).Item()
	if got, want := asr.MWERLoss(batch, errs).Item(), (-0.5+second)/2; math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("padded batch MWERLoss = %v, want %v", got, want)
	}

	rng := rand.New(rand.NewPCG(5, 6))
	scores := tensor.Randn(rng, 3, 4)
	e := tensor.New([]float32{0, 1, 2, 3, 5, 1, 1, 0, 2, 2, 4, 1}, 3, 4)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return asr.MWERLoss(in[0], e) }, scores)

	x := tensor.New([]float32{0.5, -1, 2}, 3).SetRequiresGrad(true)
	ev := []float32{3, 1, 0}
	asr.MWERLoss(x, tensor.New(ev, 3)).Backward()
	p := x.Detach().Softmax(0).Data()
	var expect float32
	for k := range p {
		expect += p[k] * ev[k]
	}
	for k, g := range x.Grad().Data() {
		if want := p[k] * (ev[k] - expect); math.Abs(float64(g-want)) > 1e-6 {
			t.Errorf("∂L/∂s_%d = %v, want %v", k, g, want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("MWERLoss with mismatched shapes: no panic")
		}
	}()
	asr.MWERLoss(scores, tensor.Zeros(4, 3))
}
