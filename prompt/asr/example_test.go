package asr_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/prompt/asr"
)

// fakeLM is a prompt.LM for examples and tests: Score gives each word of
// the continuation the log-probability in words (unknown words −5), and
// Chat answers reply (or the error err).
type fakeLM struct {
	words map[string]float64
	reply string
	err   error
	calls []string // the prefix|continuation of every Score call
}

func (m *fakeLM) Score(_ context.Context, prefix, cont string) (prompt.Score, error) {
	m.calls = append(m.calls, prefix+"|"+cont)
	if m.err != nil {
		return prompt.Score{}, m.err
	}
	var s prompt.Score
	for _, w := range strings.Fields(cont) {
		lp, ok := m.words[w]
		if !ok {
			lp = -5
		}
		s.Tokens = append(s.Tokens, w)
		s.LogProbs = append(s.LogProbs, lp)
		s.Total += lp
	}
	return s, nil
}

func (m *fakeLM) Generate(context.Context, string, prompt.GenOptions) (string, error) {
	return "", prompt.ErrUnsupported
}

func (m *fakeLM) Chat(_ context.Context, msgs []prompt.Message, _ prompt.GenOptions) (string, error) {
	return m.reply, m.err
}

var atisLike = []asr.Utterance{
	{ID: "u1", Hyps: []string{"show me flights to bostin", "show me flights to boston"}, Scores: []float64{-0.3, -0.4}, Ref: "show me flights to boston"},
	{ID: "u2", Hyps: []string{"list fares", "list the fares"}, Scores: []float64{-0.2, -0.25}, Ref: "list the fares"},
}

// Log-linear rescoring with a language model. λ = 0 keeps the first
// pass; with λ = 1 the LM, which knows "boston", fixes the first
// utterance, but prefers the shorter "list fares" until a reward of β = 1
// per word makes up for the extra word of "list the fares".
func ExampleRescore() {
	lm := &fakeLM{words: map[string]float64{"show": -1, "me": -1, "flights": -1, "to": -1, "boston": -2, "list": -1, "the": -0.5, "fares": -1}}
	scores, err := asr.ScoreLM(context.Background(), lm, atisLike, asr.LMOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range []asr.Weights{{}, {LM: 1}, {LM: 1, Length: 1}} {
		picks := asr.Rescore(atisLike, scores, w)
		e, _ := metrics.EvalWER(asr.Refs(atisLike), asr.Picked(atisLike, picks), nil)
		fmt.Printf("λ=%g β=%g: picks %v WER %.3f\n", w.LM, w.Length, picks, e.WER())
	}
	// Output:
	// λ=0 β=0: picks [0 0] WER 0.250
	// λ=1 β=0: picks [1 0] WER 0.125
	// λ=1 β=1: picks [1 1] WER 0.000
}

// Generative error correction: the model's answer is used unless it is
// empty or too far from the first-pass best, so "today", which is
// in no hypothesis, is kept for the first utterance, while the unrelated
// answer is rejected for the second in favour of the fallback.
func ExampleCorrect() {
	lm := &fakeLM{reply: "The true transcription is: show me flights to boston today"}
	opts := asr.CorrectOptions{
		Messages: func(u asr.Utterance) ([]prompt.Message, error) {
			return []prompt.Message{{Role: prompt.User, Content: "Report the true transcription:\n" + strings.Join(u.Hyps, "\n")}}, nil
		},
		Parse: func(reply string) string {
			_, after, _ := strings.Cut(reply, ":")
			return after
		},
		Fallback: []int{1, 1}, // the rescoring picks
	}
	c, err := asr.Correct(context.Background(), lm, atisLike, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n%d fell back\n", c.Outputs, c.Fallbacks)
	// Output:
	// ["show me flights to boston today" "list the fares"]
	// 1 fell back
}

// Reading HyPoradise N-best lists and holding out a development set.
func ExampleRead() {
	const file = `[
 {"id": "a", "input": ["list flights", "list flight"], "output": "list flights", "am_score": [-0.1, -0.2]},
 {"id": "b", "input": ["fare codes"], "output": "fare code", "am_score": [-0.5]},
 {"id": "c", "input": ["ground transportation"], "output": "ground transportation", "am_score": [-0.3]}
]`
	utts, err := asr.Read(strings.NewReader(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	dev, rest := asr.DevSplit(utts, 1, rand.New(rand.NewPCG(1, 2)))
	fmt.Println(len(utts), utts[0].Hyps, utts[0].Scores, len(dev), len(rest))
	// Output:
	// 3 [list flights list flight] [-0.1 -0.2] 1 2
}
