package ngram

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/prompt"
)

// TestScore checks that Score is the chain of LogProb over the
// continuation's words after <s> and the prefix, with </s> only under
// EndOfSentence.
func TestScore(t *testing.T) {
	t.Parallel()
	m, err := Train(smallCorpus, 3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := m.Score(ctx, "show me", " flights  from\tzzz")
	if err != nil {
		t.Fatal(err)
	}
	h := []string{BOS, "show", "me"}
	want := []float64{m.LogProb(h, "flights"), m.LogProb(append(h, "flights"), "from"), m.LogProb(append(h, "flights", "from"), "zzz")}
	if !slices.Equal(s.Tokens, []string{"flights", "from", "zzz"}) || len(s.LogProbs) != 3 {
		t.Fatalf("tokens %q logprobs %v", s.Tokens, s.LogProbs)
	}
	sum := 0.0
	for i := range want {
		if math.Abs(s.LogProbs[i]-want[i]) > 1e-12 {
			t.Errorf("token %d: %v, want %v", i, s.LogProbs[i], want[i])
		}
		sum += want[i]
	}
	if math.Abs(s.Total-sum) > 1e-12 {
		t.Errorf("total %v, want %v", s.Total, sum)
	}

	// A whole sentence with EndOfSentence is SentenceLogProb.
	m.EndOfSentence = true
	s, err = m.Score(ctx, "", "show me the fares")
	if err != nil {
		t.Fatal(err)
	}
	total, per := m.SentenceLogProb(strings.Fields("show me the fares"))
	if math.Abs(s.Total-total) > 1e-12 || s.Tokens[len(s.Tokens)-1] != EOS || len(s.LogProbs) != len(per) {
		t.Errorf("Score with EndOfSentence = %v %q, SentenceLogProb = %v", s.Total, s.Tokens, total)
	}
	s, err = m.Score(ctx, "show me", "")
	if err != nil || len(s.Tokens) != 1 || math.Abs(s.Total-m.LogProb(h, EOS)) > 1e-12 {
		t.Errorf("empty continuation with EndOfSentence: %+v %v", s, err)
	}
	m.EndOfSentence = false
	if s, err = m.Score(ctx, "show me", " "); err != nil || len(s.Tokens) != 0 || s.Total != 0 {
		t.Errorf("empty continuation: %+v %v", s, err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.Score(cancelled, "", "show me"); !errors.Is(err, context.Canceled) {
		t.Errorf("Score with a cancelled context: %v", err)
	}
	if _, err := m.Generate(cancelled, "1. a\n2. b", prompt.GenOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Generate with a cancelled context: %v", err)
	}
	if _, err := m.Chat(cancelled, []prompt.Message{{Role: prompt.User, Content: "1. a"}}, prompt.GenOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Chat with a cancelled context: %v", err)
	}
}

func TestNumberedList(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"1. a b\n2. c\n3) d e ", []string{"a b", "c", "d e"}},
		{"Given these:\n1. x\n2. y\nAnswer:", []string{"x", "y"}},
		{"example:\n1. old\n2. older\n\nnow:\n  1. new one\r\n  2. new two\r\n", []string{"new one", "new two"}},
		{"1. a\n3. c\n", []string{"a"}},
		{"1. a\n2. b\n1. c\n", []string{"c"}},
		{"1.\n2. b", []string{"", "b"}},
		{"it costs 1.5 million\n", nil},
		{"no list here", nil},
		{"", nil},
	} {
		if got := numberedList(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("numberedList(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestResponder checks the rescoring responder: it returns the list item
// the model likes best, honours RankPenalty, reads the last user message,
// and wraps ErrUnsupported without a list.
func TestResponder(t *testing.T) {
	t.Parallel()
	m, err := Train(smallCorpus, 3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := "Report the true transcription from the 3-best hypotheses.\n1. show me flight from boston\n2. show me flights from boston\n3. so me flights form boston\n"
	got, err := m.Generate(ctx, p, prompt.GenOptions{})
	if err != nil || got != "show me flights from boston" {
		t.Errorf("Generate = %q, %v", got, err)
	}
	// A huge rank penalty makes the first item win.
	m2 := *m
	m2.RankPenalty = 1e6
	if got, _ := m2.Generate(ctx, p, prompt.GenOptions{}); got != "show me flight from boston" {
		t.Errorf("Generate with RankPenalty = %q", got)
	}
	msgs := []prompt.Message{
		{Role: prompt.System, Content: "You rescore."},
		{Role: prompt.User, Content: "1. list all flights\n2. list tall flights"},
		{Role: prompt.Assistant, Content: "list all flights"},
		{Role: prompt.User, Content: p},
	}
	if got, err := m.Chat(ctx, msgs, prompt.GenOptions{}); err != nil || got != "show me flights from boston" {
		t.Errorf("Chat = %q, %v", got, err)
	}
	if _, err := m.Generate(ctx, "tell me a story", prompt.GenOptions{}); !errors.Is(err, prompt.ErrUnsupported) {
		t.Errorf("Generate without a list: %v", err)
	}
	if _, err := m.Chat(ctx, msgs[:1], prompt.GenOptions{}); !errors.Is(err, prompt.ErrUnsupported) {
		t.Errorf("Chat without a user message: %v", err)
	}
}
