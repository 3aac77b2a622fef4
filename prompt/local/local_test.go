package local

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/text"
)

// corpus trains the tiny tokenizer.
var corpus = []string{
	"show me flights from boston to denver",
	"list all flights from denver to boston",
	"what flights leave boston in the morning",
	"show me the cheapest fare to dallas",
	"list flights to dallas on monday",
}

// fixture returns a tiny random GPT (dropout on, so New must switch it
// off) and a byte-level BPE trained on corpus whose vocabulary it covers.
func fixture(t *testing.T) (*models.GPT, *text.BPE) {
	t.Helper()
	tok, err := text.BPETrainer{VocabSize: 300, MinFrequency: 1}.Train(corpus)
	if err != nil {
		t.Fatal(err)
	}
	c := models.GPTConfig{VocabSize: tok.VocabSize(), Hidden: 16, Layers: 2, Heads: 2, MaxPositions: 48, Dropout: 0.1, LayerNormEps: 1e-5}
	return models.NewGPT(rand.New(rand.NewPCG(3, 4)), c), tok
}

// handLogProb is log softmax of the last position's logits after ids, from
// a forward pass over ids alone.
func handLogProb(m *models.GPT, ids []int, next int) float64 {
	logits := m.Forward(ids, 1, len(ids))
	v := logits.Dim(2)
	row := logits.Data()[(len(ids)-1)*v:]
	mx := math.Inf(-1)
	for _, x := range row {
		mx = math.Max(mx, float64(x))
	}
	var z float64
	for _, x := range row {
		z += math.Exp(float64(x) - mx)
	}
	return float64(row[next]) - mx - math.Log(z)
}

// Score equals the sum of the continuation tokens' log-softmax, each from
// its own forward pass over the tokens before it; the prefix's tokens are
// not scored; an empty prefix starts from <|endoftext|>.
func TestScoreHand(t *testing.T) {
	m, tok := fixture(t)
	lm := New(m, tok)
	ctx := context.Background()
	for _, tc := range []struct{ prefix, cont string }{
		{"show me", " flights from boston"},
		{"list", " all flights to dallas on monday"},
		{"", " flights"},
	} {
		got, err := lm.Score(ctx, tc.prefix, tc.cont)
		if err != nil {
			t.Fatal(err)
		}
		pre := tok.Encode(tc.prefix)
		if len(pre) == 0 {
			pre = []int{tok.Special().BOS}
		}
		cont := tok.Encode(tc.cont)
		if len(got.LogProbs) != len(cont) || len(got.Tokens) != len(cont) {
			t.Fatalf("%q: %d log-probs, %d tokens, want %d", tc.cont, len(got.LogProbs), len(got.Tokens), len(cont))
		}
		var total float64
		for j, id := range cont {
			want := handLogProb(m, slices.Concat(pre, cont[:j]), id)
			if math.Abs(got.LogProbs[j]-want) > 1e-4 {
				t.Errorf("%q token %d: log-prob %v, hand %v", tc.cont, j, got.LogProbs[j], want)
			}
			total += got.LogProbs[j]
		}
		if math.Abs(got.Total-total) > 1e-9 {
			t.Errorf("%q: total %v, sum of log-probs %v", tc.cont, got.Total, total)
		}
		if s := strings.Join(got.Tokens, ""); s != tc.cont {
			t.Errorf("tokens %q join to %q", got.Tokens, s)
		}
	}
}

// Score(p, a+b) = Score(p, a) + Score(p+a, b) when the token boundaries
// align (Encode(p+a) = Encode(p)+Encode(a) and the same for a+b).
func TestScoreChainRule(t *testing.T) {
	m, tok := fixture(t)
	lm := New(m, tok)
	ctx := context.Background()
	p, a, b := "show me", " flights from", " boston to denver"
	if !slices.Equal(tok.Encode(p+a), slices.Concat(tok.Encode(p), tok.Encode(a))) ||
		!slices.Equal(tok.Encode(a+b), slices.Concat(tok.Encode(a), tok.Encode(b))) {
		t.Fatal("fixture: token boundaries do not align")
	}
	ab, err := lm.Score(ctx, p, a+b)
	if err != nil {
		t.Fatal(err)
	}
	sa, err := lm.Score(ctx, p, a)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := lm.Score(ctx, p+a, b)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ab.Total-(sa.Total+sb.Total)) > 1e-4 {
		t.Fatalf("Score(p, a+b) = %v, Score(p, a) + Score(p+a, b) = %v + %v", ab.Total, sa.Total, sb.Total)
	}
	if ab.Total >= 0 {
		t.Fatalf("log-probability %v not negative", ab.Total)
	}
}

func TestScoreErrors(t *testing.T) {
	m, tok := fixture(t)
	ctx := context.Background()
	if _, err := New(m, tok, WithBOS(-1)).Score(ctx, "", " flights"); err == nil || !strings.Contains(err.Error(), "BOS") {
		t.Errorf("empty prefix without BOS: err %v", err)
	}
	long := strings.Repeat(" show me flights", 20)
	if _, err := New(m, tok).Score(ctx, "list", long); err == nil || !strings.Contains(err.Error(), "48 positions") {
		t.Errorf("too long: err %v", err)
	}
	if _, err := New(m, tok).Generate(ctx, long, prompt.GenOptions{}); err == nil || !strings.Contains(err.Error(), "48 positions") {
		t.Errorf("too long prompt: err %v", err)
	}
	if s, err := New(m, tok).Score(ctx, "list", ""); err != nil || s.Total != 0 || len(s.Tokens) != 0 {
		t.Errorf("empty continuation: %+v, %v", s, err)
	}
	if _, err := New(m, tok).Generate(ctx, "list", prompt.GenOptions{TopP: 1.5}); err == nil {
		t.Error("TopP 1.5 accepted")
	}
}

// uncached hides GPT's key/value cache, so Generate recomputes the whole
// sequence at each step.
type uncached struct{ M *models.GPT }

func (u uncached) Forward(ids []int, n, t int) *tensor.Tensor { return u.M.Forward(ids, n, t) }

// argmaxDecode is greedy decoding written out: the largest logit of the
// last position, max tokens.
func argmaxDecode(m *models.GPT, ids []int, max int) []int {
	seq := slices.Clone(ids)
	var out []int
	for range max {
		logits := m.Forward(seq, 1, len(seq))
		v := logits.Dim(2)
		row := logits.Data()[(len(seq)-1)*v:]
		best := 0
		for i, x := range row {
			if x > row[best] {
				best = i
			}
		}
		out = append(out, best)
		seq = append(seq, best)
	}
	return out
}

// Generate at temperature 0 is deterministic and equals argmax decoding,
// with and without the key/value cache; the EOS id stops it.
func TestGenerateGreedy(t *testing.T) {
	m, tok := fixture(t)
	ctx := context.Background()
	lm := New(m, tok, WithEOS(-1))
	o := prompt.GenOptions{MaxTokens: 12}
	got, err := lm.Generate(ctx, "show me", o)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := lm.Generate(ctx, "show me", o)
	noCache, err := New(uncached{m}, tok, WithEOS(-1)).Generate(ctx, "show me", o)
	if err != nil {
		t.Fatal(err)
	}
	ids := argmaxDecode(m, tok.Encode("show me"), 12)
	want := tok.Decode(ids)
	if _, ok := any(uncached{m}).(cachedLM); ok {
		t.Fatal("uncached has a cache")
	}
	if got != want || again != want || noCache != want {
		t.Fatalf("greedy %q, again %q, without cache %q, argmax decoding %q", got, again, noCache, want)
	}
	// Stop at the EOS id: make the fourth argmax token the EOS.
	cut, err := New(m, tok, WithEOS(ids[3])).Generate(ctx, "show me", o)
	if err != nil {
		t.Fatal(err)
	}
	if w := tok.Decode(ids[:slices.Index(ids, ids[3])]); cut != w {
		t.Fatalf("EOS stop: %q, want %q", cut, w)
	}
	// A stop string cuts before its first occurrence.
	stop := want[2:4]
	st, err := lm.Generate(ctx, "show me", prompt.GenOptions{MaxTokens: 12, Stop: []string{"never there", stop}})
	if err != nil {
		t.Fatal(err)
	}
	if w := want[:strings.Index(want, stop)]; st != w {
		t.Fatalf("stop %q: %q, want %q", stop, st, w)
	}
	// Positions run out: 48 positions, prompt of len(p) tokens → 48-len(p)+1 new.
	p := tok.Encode(strings.Repeat(" show me", 20))[:45]
	long, err := lm.Generate(ctx, tok.Decode(p), prompt.GenOptions{MaxTokens: 30})
	if err != nil {
		t.Fatal(err)
	}
	if w := tok.Decode(argmaxDecode(m, p, 4)); long != w {
		t.Fatalf("at the position limit: %q, want %q", long, w)
	}
}

// Sampling with a seed is reproducible; top-k 1 and a tiny top-p are
// greedy at any temperature.
func TestGenerateSampled(t *testing.T) {
	m, tok := fixture(t)
	ctx := context.Background()
	lm := New(m, tok, WithEOS(-1))
	o := prompt.GenOptions{MaxTokens: 10, Temperature: 1.5, TopK: 20, TopP: 0.95, Seed: 7}
	a, err := lm.Generate(ctx, "list", o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := lm.Generate(ctx, "list", o)
	if a != b {
		t.Fatalf("same seed: %q then %q", a, b)
	}
	greedy, _ := lm.Generate(ctx, "list", prompt.GenOptions{MaxTokens: 10})
	for _, g := range []prompt.GenOptions{
		{MaxTokens: 10, Temperature: 5, TopK: 1, Seed: 3},
		{MaxTokens: 10, Temperature: 5, TopP: 1e-9, Seed: 3},
	} {
		if s, _ := lm.Generate(ctx, "list", g); s != greedy {
			t.Errorf("%+v: %q, greedy %q", g, s, greedy)
		}
	}
}

// Chat generates the assistant turn of the flattened chat.
func TestChat(t *testing.T) {
	m, tok := fixture(t)
	ctx := context.Background()
	lm := New(m, tok, WithEOS(-1))
	msgs := []prompt.Message{{Role: prompt.User, Content: "show me flights"}}
	got, err := lm.Chat(ctx, msgs, prompt.GenOptions{MaxTokens: 8})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := lm.Generate(ctx, prompt.Flatten(msgs), prompt.GenOptions{MaxTokens: 8, Stop: chatStops})
	if got != strings.TrimSpace(want) {
		t.Fatalf("chat %q, generate %q", got, want)
	}
	if _, err := lm.Chat(ctx, nil, prompt.GenOptions{}); err == nil {
		t.Fatal("no messages accepted")
	}
}

// A cancelled context makes every method return its error.
func TestCancelled(t *testing.T) {
	m, tok := fixture(t)
	lm := New(m, tok)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := lm.Score(ctx, "show", " me"); !errors.Is(err, context.Canceled) {
		t.Errorf("Score: %v", err)
	}
	if _, err := lm.Generate(ctx, "show", prompt.GenOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Generate: %v", err)
	}
	if _, err := lm.Chat(ctx, []prompt.Message{{Role: prompt.User, Content: "hi"}}, prompt.GenOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Chat: %v", err)
	}
}

// BenchmarkScore scores a 6-token continuation after a 3-token prefix on
// the tiny GPT.
func BenchmarkScore(b *testing.B) {
	tok, err := text.BPETrainer{VocabSize: 300, MinFrequency: 1}.Train(corpus)
	if err != nil {
		b.Fatal(err)
	}
	c := models.GPTConfig{VocabSize: tok.VocabSize(), Hidden: 16, Layers: 2, Heads: 2, MaxPositions: 48, LayerNormEps: 1e-5}
	lm := New(models.NewGPT(rand.New(rand.NewPCG(3, 4)), c), tok)
	ctx := context.Background()
	for b.Loop() {
		if _, err := lm.Score(ctx, "show me", " flights from boston to denver"); err != nil {
			b.Fatal(err)
		}
	}
}
