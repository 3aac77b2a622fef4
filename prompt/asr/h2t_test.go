package asr_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/prompt/asr"
	"github.com/cairn-ml/cairn/text"
)

func TestH2TMessages(t *testing.T) {
	u := asr.Utterance{Hyps: []string{"list flights", "list flights", "list flight", "list flights", "list flight", "lists flights"}}
	m, err := asr.H2TMessages(u)
	if err != nil {
		t.Fatal(err)
	}
	want := prompt.H2T("list flights", []string{"list flight", "lists flights"})
	if len(m) != 1 || m[0].Role != prompt.User || m[0].Content != want {
		t.Errorf("got %q, want one user message %q", m, want)
	}
	// Only copies of the best: the 1-best template.
	m, err = asr.H2TMessages(asr.Utterance{Hyps: []string{"a b", "a b"}})
	if err != nil || m[0].Content != prompt.H2T("a b", nil) || !strings.Contains(m[0].Content, "### Best-hypothesis:\na b\n\n### Response:\n") {
		t.Errorf("got %q, %v", m, err)
	}
	if _, err := asr.H2TMessages(asr.Utterance{}); err == nil {
		t.Error("no error for an utterance without hypotheses")
	}
}

// toyData returns n utterances over a small vocabulary whose reference is
// the best hypothesis with one word fixed, and a BPE tokenizer trained on
// their H2T prompts and references.
func toyData(t *testing.T, n int) ([]asr.Utterance, *text.BPE) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	words := strings.Fields("show list flights fares from to boston denver dallas atlanta on monday tuesday")
	var utts []asr.Utterance
	var texts []string
	for range n {
		ref := make([]string, 3+rng.IntN(3))
		for i := range ref {
			ref[i] = words[rng.IntN(len(words))]
		}
		bad := append([]string(nil), ref...)
		bad[rng.IntN(len(bad))] = "uh"
		u := asr.Utterance{Hyps: []string{strings.Join(bad, " "), strings.Join(ref, " ")}, Ref: strings.Join(ref, " ")}
		utts = append(utts, u)
		m, err := asr.H2TMessages(u)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, m[0].Content, u.Ref)
	}
	tok, err := text.BPETrainer{VocabSize: 330, SpecialTokens: []string{"<pad>", "</s>"}, AddPrefixSpace: true}.Train(texts)
	if err != nil {
		t.Fatal(err)
	}
	return utts, tok
}

func tinyConfig() asr.CorrectorConfig {
	c := asr.DefaultCorrectorConfig()
	c.Model.DModel, c.Model.DKV, c.Model.Heads, c.Model.DFF, c.Model.Layers, c.Model.DecoderLayers, c.Model.Dropout = 32, 16, 2, 64, 1, 1, 0
	c.Epochs, c.Batch, c.LR = 1, 4, 3e-3
	return c
}

// Score is the teacher-forced log-probability of the continuation: minus
// the model's own mean cross-entropy Loss times the number of tokens, and
// the sum of its per-token values; Chat answers the last user message
// as Generate does.
func TestCorrectorScoreAndChat(t *testing.T) {
	utts, tok := toyData(t, 8)
	cor, err := asr.TrainCorrector(context.Background(), utts, tok, tinyConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src := prompt.H2T(utts[0].Hyps[0], utts[0].Hyps[1:])
	s, err := cor.Score(ctx, src, " "+utts[0].Ref+" ")
	if err != nil {
		t.Fatal(err)
	}
	ids := tok.Encode(utts[0].Ref)
	if len(s.LogProbs) != len(ids) || len(s.Tokens) != len(ids) || s.Tokens[0] != tok.Token(ids[0]) {
		t.Fatalf("score %+v for %d tokens", s, len(ids))
	}
	sum := 0.0
	for _, lp := range s.LogProbs {
		sum += lp
		if !(lp < 0) {
			t.Errorf("log-probability %v", lp)
		}
	}
	if math.Abs(sum-s.Total) > 1e-9 {
		t.Errorf("total %v, sum of tokens %v", s.Total, sum)
	}
	srcIDs := append(tok.Encode(src), tok.Special().EOS)
	nn.SetTraining(cor.Model, false)
	restore := nn.Freeze(cor.Model)
	loss := float64(cor.Model.Loss(srcIDs, 1, len(srcIDs), ids, len(ids)).Item())
	restore()
	if want := -loss * float64(len(ids)); math.Abs(s.Total-want) > 1e-4*math.Abs(want) {
		t.Errorf("Score %v, −Loss·n %v", s.Total, want)
	}
	if s, err := cor.Score(ctx, src, "  "); err != nil || s.Total != 0 || len(s.Tokens) != 0 {
		t.Errorf("empty continuation: %+v, %v", s, err)
	}
	g, err := cor.Generate(ctx, src, prompt.GenOptions{MaxTokens: 5})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cor.Chat(ctx, []prompt.Message{{Role: prompt.User, Content: src}, {Role: prompt.Assistant, Content: "x"}}, prompt.GenOptions{MaxTokens: 5})
	if err != nil || c != g {
		t.Errorf("Chat %q (%v), Generate %q", c, err, g)
	}
	if _, err := cor.Chat(ctx, []prompt.Message{{Role: prompt.System, Content: src}}, prompt.GenOptions{}); !errors.Is(err, prompt.ErrUnsupported) {
		t.Errorf("chat without a user message: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := cor.Generate(cctx, src, prompt.GenOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Generate: %v", err)
	}
}

// Trained long enough on a few utterances, the corrector writes their
// references, which differ from the best hypothesis it is shown first,
// and Correct takes its outputs with no fallback.
func TestCorrectorLearns(t *testing.T) {
	utts, tok := toyData(t, 12)
	c := tinyConfig()
	c.Epochs = 100
	var first, last float64
	c.Progress = func(p asr.CorrectorProgress) {
		if p.Step == 1 {
			first = p.Loss
		}
		last = p.Loss
	}
	cor, err := asr.TrainCorrector(context.Background(), utts, tok, c)
	if err != nil {
		t.Fatal(err)
	}
	if !(last < first/10) {
		t.Errorf("loss %v → %v", first, last)
	}
	res, err := asr.Correct(context.Background(), cor, utts, asr.CorrectOptions{Messages: asr.H2TMessages, Parse: strings.TrimSpace, MaxWER: 1})
	if err != nil {
		t.Fatal(err)
	}
	right := 0
	for i, out := range res.Outputs {
		if out == utts[i].Ref {
			right++
		}
	}
	if right < len(utts)-1 || res.Fallbacks > 1 {
		t.Errorf("%d of %d references written, %d fallbacks; outputs %q", right, len(utts), res.Fallbacks, res.Outputs)
	}
}

func TestTrainCorrectorErrors(t *testing.T) {
	utts, tok := toyData(t, 4)
	noPad, err := text.BPETrainer{VocabSize: 300, SpecialTokens: []string{"</s>"}}.Train([]string{"a b"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, f := range map[string]func(*asr.CorrectorConfig){
		"epochs": func(c *asr.CorrectorConfig) { c.Epochs = 0 },
		"batch":  func(c *asr.CorrectorConfig) { c.Batch = 0 },
		"lr":     func(c *asr.CorrectorConfig) { c.LR = math.NaN() },
		"source": func(c *asr.CorrectorConfig) { c.MaxSource = 1 },
		"model":  func(c *asr.CorrectorConfig) { c.Model = models.T5Config{} },
	} {
		c := tinyConfig()
		f(&c)
		if _, err := asr.TrainCorrector(ctx, utts, tok, c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := asr.TrainCorrector(ctx, nil, tok, tinyConfig()); err == nil {
		t.Error("no training data: no error")
	}
	if _, err := asr.TrainCorrector(ctx, utts, noPad, tinyConfig()); err == nil {
		t.Error("tokenizer without a pad token: no error")
	}
	if _, err := asr.TrainCorrector(ctx, []asr.Utterance{{Ref: "a"}}, tok, tinyConfig()); err == nil {
		t.Error("utterance without hypotheses: no error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := asr.TrainCorrector(cctx, utts, tok, tinyConfig()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
