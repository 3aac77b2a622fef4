package asr

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/prompt"
)

// DefaultMaxWER is the default hallucination guard of [Correct]: a
// correction whose WER against the first-pass best hypothesis exceeds it
// is replaced by the fallback.
const DefaultMaxWER = 0.5

// CorrectOptions configure [Correct]. Messages and Parse are required.
type CorrectOptions struct {
	// Messages builds the chat for one utterance: the instruction, any
	// demonstrations, and the N-best list (prompt's templates build
	// these).
	Messages func(u Utterance) ([]prompt.Message, error)
	// Parse extracts the transcription from the model's reply; "" means
	// the reply held none.
	Parse func(reply string) string
	// Gen are the decoding settings passed to Chat.
	Gen prompt.GenOptions
	// Fallback holds the hypothesis index to use for each utterance when
	// the correction is rejected, usually the [Rescore] picks; nil means
	// the first-pass best (index 0).
	Fallback []int
	// MaxWER is the hallucination guard: a correction whose WER against
	// the first-pass best hypothesis is above MaxWER is rejected (0 means
	// DefaultMaxWER; math.Inf(1) turns the guard off).
	MaxWER float64
	// Norm splits text into words for the guard (metrics.Whitespace if
	// nil).
	Norm func(string) []string
	// Progress, if not nil, is called after each utterance with the
	// number done and the total.
	Progress func(done, total int)
}

// Correction is the result of [Correct].
type Correction struct {
	// Outputs holds the transcription of each utterance: the parsed
	// correction, or the fallback hypothesis.
	Outputs []string
	// Replies holds the model's raw replies.
	Replies []string
	// FellBack reports, for each utterance, whether the correction was
	// rejected (empty, or beyond the guard) and the fallback used.
	FellBack []bool
	// Fallbacks counts the utterances that fell back.
	Fallbacks int
}

// Correct runs generative error correction: for each utterance it builds
// the chat with o.Messages, asks lm for a reply, and takes o.Parse of it
// as the transcription, which may contain words found in no hypothesis.
// When the parse is empty, or its WER against the first-pass best
// hypothesis exceeds o.MaxWER (a model that answers something else, or
// makes up a sentence), it falls back to the hypothesis o.Fallback picks.
//
// It stops at the first error of Messages or of the model, and at the
// cancellation of ctx, and returns the error with the results of the
// utterances done before it.
func Correct(ctx context.Context, lm prompt.LM, utts []Utterance, o CorrectOptions) (*Correction, error) {
	if o.Messages == nil || o.Parse == nil {
		return nil, errors.New("asr.Correct: CorrectOptions.Messages and Parse are required")
	}
	if o.Fallback != nil && len(o.Fallback) != len(utts) {
		return nil, fmt.Errorf("asr.Correct: %d fallback picks for %d utterances", len(o.Fallback), len(utts))
	}
	maxWER := o.MaxWER
	if maxWER == 0 {
		maxWER = DefaultMaxWER
	}
	norm := o.Norm
	if norm == nil {
		norm = metrics.Whitespace
	}
	c := &Correction{}
	for i, u := range utts {
		if err := ctx.Err(); err != nil {
			return c, err
		}
		fb := 0
		if o.Fallback != nil {
			fb = o.Fallback[i]
		}
		if len(u.Hyps) == 0 || fb < 0 || fb >= len(u.Hyps) {
			return c, fmt.Errorf("asr.Correct: utterance %d (id %q): fallback %d of %d hypotheses", i, u.ID, fb, len(u.Hyps))
		}
		msgs, err := o.Messages(u)
		if err != nil {
			return c, fmt.Errorf("asr.Correct: utterance %d (id %q): %w", i, u.ID, err)
		}
		reply, err := lm.Chat(ctx, msgs, o.Gen)
		if err != nil {
			return c, fmt.Errorf("asr.Correct: utterance %d (id %q): %w", i, u.ID, err)
		}
		out := strings.TrimSpace(o.Parse(reply))
		back := out == "" || metrics.Align(norm(u.Hyps[0]), norm(out)).WER() > maxWER
		if back {
			out = u.Hyps[fb]
			c.Fallbacks++
		}
		c.Outputs = append(c.Outputs, out)
		c.Replies = append(c.Replies, reply)
		c.FellBack = append(c.FellBack, back)
		if o.Progress != nil {
			o.Progress(i+1, len(utts))
		}
	}
	return c, nil
}
