package distill

import (
	"errors"
	"fmt"
	"math"

	"github.com/cairn-ml/cairn/tensor"
)

// TeacherForced is a sequence-to-sequence model that returns teacher-forced
// logits, such as *models.T5: Forward gives the logits (n, t, V) of the
// decoder inputs dec given src, and ShiftRight turns labels into those
// decoder inputs.
type TeacherForced interface {
	Forward(src []int, n, s int, dec []int, t int) *tensor.Tensor
	ShiftRight(labels []int, n, t int) []int
}

// SequenceLogProbs returns, for each row of b, the sum of the natural
// log-probabilities m gives the row's target ids (the end-of-sequence id
// included, -100 positions skipped) given its input, teacher forced.
// Switch dropout off first (nn.SetTraining(m, false)).
func SequenceLogProbs(m TeacherForced, b Batch) []float64 {
	lp := m.Forward(b.Src, b.N, b.S, m.ShiftRight(b.Labels, b.N, b.T), b.T).LogSoftmax(2).Data()
	v := len(lp) / (b.N * b.T)
	out := make([]float64, b.N)
	for i := range b.N {
		for j := range b.T {
			if y := b.Labels[i*b.T+j]; y >= 0 {
				out[i] += float64(lp[(i*b.T+j)*v+y])
			}
		}
	}
	return out
}

// RankChoices classifies each input of xs by ranking its candidate labels
// choices[i] (Example.Choices): it returns the candidate whose encoded
// text (e.Encode with e.MaxTarget, end-of-sequence id included) m finds
// most likely given a.Input(xs[i]), the first on ties. This is rank
// classification, the way T0 and GPT-3 score multiple-choice tasks: unlike
// Predict's free decoding it always names one of the candidates, so a
// model too small to spell an answer out still shows what it prefers.
// Pairs are scored batch at a time (batch < 1: 64). Switch dropout off
// first (nn.SetTraining(m, false)).
//
// It returns an error for SingleTask, whose target puts a rationale before
// the label, and for an input without candidates.
func RankChoices(m TeacherForced, tok Tokenizer, e Encoding, a Arm, xs []string, choices [][]string, batch int) ([]string, error) {
	if a == SingleTask {
		return nil, errors.New("distill.RankChoices: the single-task arm's target starts with a rationale; rank its labels after decoding one")
	}
	if len(choices) != len(xs) {
		return nil, fmt.Errorf("distill.RankChoices: %d inputs and %d candidate lists", len(xs), len(choices))
	}
	if batch < 1 {
		batch = 64
	}
	type pair struct{ x, c int }
	var pairs []pair
	for i, cs := range choices {
		if len(cs) == 0 {
			return nil, fmt.Errorf("distill.RankChoices: input %d has no candidates", i)
		}
		for j := range cs {
			pairs = append(pairs, pair{i, j})
		}
	}
	srcs := make([][]int, len(xs))
	for i, x := range xs {
		srcs[i] = e.Encode(tok, a.Input(x), e.MaxInput)
	}
	best := make([]float64, len(xs))
	arg := make([]int, len(xs))
	for i := range best {
		best[i] = math.Inf(-1)
	}
	for lo := 0; lo < len(pairs); lo += batch {
		hi := min(lo+batch, len(pairs))
		in, tg := make([][]int, hi-lo), make([][]int, hi-lo)
		for k, p := range pairs[lo:hi] {
			in[k] = srcs[p.x]
			tg[k] = e.Encode(tok, choices[p.x][p.c], e.MaxTarget)
		}
		for k, lp := range SequenceLogProbs(m, NewBatch(in, tg, e.PadID)) {
			p := pairs[lo+k]
			if lp > best[p.x] {
				best[p.x], arg[p.x] = lp, p.c
			}
		}
	}
	out := make([]string, len(xs))
	for i := range xs {
		out[i] = choices[i][arg[i]]
	}
	return out, nil
}
