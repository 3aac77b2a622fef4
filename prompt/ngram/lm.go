package ngram

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/prompt"
)

var _ prompt.LM = (*Model)(nil)

// Score returns the natural-log probability of continuation's words given
// prefix: both are split on white space, the history is <s> followed by
// the prefix's words, and each continuation word is scored given
// everything before it. With EndOfSentence set, </s> is scored last and
// appears as the token "</s>". Tokens are the words as written (a word
// outside the vocabulary is scored as <unk>). An empty continuation
// scores 0 with no tokens (or </s> alone).
func (m *Model) Score(ctx context.Context, prefix, continuation string) (prompt.Score, error) {
	if err := ctx.Err(); err != nil {
		return prompt.Score{}, err
	}
	words := strings.Fields(continuation)
	history := append([]string{BOS}, strings.Fields(prefix)...)
	if len(history) > m.order {
		history = history[len(history)-m.order:]
	}
	var s prompt.Score
	s.Tokens = words
	if m.EndOfSentence {
		s.Tokens = append(words[:len(words):len(words)], EOS)
	}
	s.LogProbs = make([]float64, len(s.Tokens))
	var bufA, bufB [MaxOrder]int32
	st := m.context(history, bufA[:0])
	next := state(bufB[:0])
	for i, w := range s.Tokens {
		id := m.eos
		if i < len(words) {
			id = m.id(w)
		}
		var lp float64
		lp, next = m.score(st, id, next)
		s.LogProbs[i] = lp * ln10
		s.Total += s.LogProbs[i]
		st, next = next, st
	}
	return s, nil
}

// Generate is the deterministic rescoring responder: it finds the last
// numbered list in prompt ("1. hyp" or "1) hyp" on consecutive lines,
// numbered from 1), scores each item as a sentence (<s> words </s>, see
// LengthNormalize and RankPenalty) and returns the best item's text,
// the earlier one on a tie. A prompt without a list gives an error
// wrapping prompt.ErrUnsupported: an n-gram model does not write free
// text. The options are ignored.
func (m *Model) Generate(ctx context.Context, p string, _ prompt.GenOptions) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	hyps := numberedList(p)
	if len(hyps) == 0 {
		return "", fmt.Errorf("ngram: no numbered N-best list in the prompt; the n-gram model only rescores lists: %w", prompt.ErrUnsupported)
	}
	best, bestScore := 0, 0.0
	for i, h := range hyps {
		words := strings.Fields(h)
		s := m.sentence(words, nil)
		if m.LengthNormalize {
			s /= float64(len(words) + 1)
		}
		s -= m.RankPenalty * float64(i)
		if i == 0 || s > bestScore {
			best, bestScore = i, s
		}
	}
	return hyps[best], nil
}

// Chat answers with Generate on the content of the last user message.
func (m *Model) Chat(ctx context.Context, msgs []prompt.Message, o prompt.GenOptions) (string, error) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == prompt.User {
			return m.Generate(ctx, msgs[i].Content, o)
		}
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("ngram: no user message to answer: %w", prompt.ErrUnsupported)
}

var itemRE = regexp.MustCompile(`^\s*(\d+)[.)](?:\s+(.*))?$`)

// numberedList returns the items of the last run of consecutive lines
// numbered 1, 2, 3, … in text, trimmed.
func numberedList(text string) []string {
	var last, cur []string
	for _, line := range strings.Split(text, "\n") {
		mt := itemRE.FindStringSubmatch(strings.TrimRight(line, "\r"))
		if mt == nil {
			if len(cur) > 0 {
				last, cur = cur, nil
			}
			continue
		}
		k, err := strconv.Atoi(mt[1])
		switch {
		case err == nil && k == len(cur)+1:
			cur = append(cur, strings.TrimSpace(mt[2]))
		case k == 1:
			if len(cur) > 0 {
				last = cur
			}
			cur = []string{strings.TrimSpace(mt[2])}
		default:
			if len(cur) > 0 {
				last, cur = cur, nil
			}
		}
	}
	if len(cur) > 0 {
		return cur
	}
	return last
}
