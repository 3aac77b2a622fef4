package openai

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/prompt"
)

// TestIntegration runs against the server in $CAIRN_LLM_URL (with
// $CAIRN_LLM_MODEL and $OPENAI_API_KEY if set) and skips without it.
func TestIntegration(t *testing.T) {
	if os.Getenv("CAIRN_LLM_URL") == "" {
		t.Skip("CAIRN_LLM_URL is not set: no language-model server to test against")
	}
	c, err := New(WithMaxRetries(1))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("Chat", func(t *testing.T) {
		reply, err := c.Chat(ctx, []prompt.Message{
			{Role: prompt.User, Content: "Reply with the single word: yes"},
		}, prompt.GenOptions{MaxTokens: 16, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if reply == "" {
			t.Error("empty reply")
		}
		t.Logf("reply: %q", reply)
	})

	t.Run("Score", func(t *testing.T) {
		const prefix = "The capital of France is"
		paris, err := c.Score(ctx, prefix, " Paris")
		if errors.Is(err, prompt.ErrUnsupported) {
			t.Skipf("this server cannot score: %v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		banana, err := c.Score(ctx, prefix, " banana")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Paris %+v, banana %+v", paris, banana)
		for _, s := range []prompt.Score{paris, banana} {
			sum := 0.0
			for _, v := range s.LogProbs {
				sum += v
				if v > 1e-3 {
					t.Errorf("log-probability %v > 0 in %+v", v, s)
				}
			}
			if len(s.Tokens) == 0 || sum != s.Total {
				t.Errorf("score %+v: no tokens, or Total is not their sum", s)
			}
		}
		if paris.Total <= banana.Total {
			t.Errorf("log p(Paris) = %v <= log p(banana) = %v", paris.Total, banana.Total)
		}
	})
}
