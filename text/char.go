package text

import (
	"fmt"
	"sort"
	"strings"
)

// Char is a character tokenizer: one token per rune. Runes not in the
// vocabulary become the unknown token (or are dropped if there is none).
type Char struct {
	vocab   *Vocab
	special Special
}

// NewChar returns a character tokenizer over v, whose non-special tokens
// should be single runes.
func NewChar(v *Vocab) *Char { return &Char{vocab: v, special: SpecialFromVocab(v)} }

// TrainChar builds the vocabulary from texts: the special tokens first, then
// every rune seen at least minFreq times, most frequent first (ties by code
// point). specials nil means [PAD] [UNK] [CLS] [SEP] [MASK].
func TrainChar(texts []string, specials []string, minFreq int) (*Char, error) {
	if specials == nil {
		specials = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
	}
	count := map[rune]int{}
	for _, s := range texts {
		for _, r := range s {
			count[r]++
		}
	}
	runes := make([]rune, 0, len(count))
	for r, c := range count {
		if c >= minFreq {
			runes = append(runes, r)
		}
	}
	sort.Slice(runes, func(i, j int) bool {
		ci, cj := count[runes[i]], count[runes[j]]
		return ci > cj || ci == cj && runes[i] < runes[j]
	})
	toks := append([]string(nil), specials...)
	seen := map[string]bool{}
	for _, t := range specials {
		seen[t] = true
	}
	for _, r := range runes {
		if !seen[string(r)] {
			toks = append(toks, string(r))
		}
	}
	v, err := NewVocab(toks)
	if err != nil {
		return nil, fmt.Errorf("text: TrainChar: %w", err)
	}
	return NewChar(v), nil
}

// Vocab returns the vocabulary.
func (t *Char) Vocab() *Vocab { return t.vocab }

// VocabSize returns the number of tokens.
func (t *Char) VocabSize() int { return t.vocab.Len() }

// TokenID returns the id of tok.
func (t *Char) TokenID(tok string) (int, bool) { return t.vocab.ID(tok) }

// Token returns the token of id, or "".
func (t *Char) Token(id int) string { return t.vocab.Token(id) }

// Special returns the special-token ids.
func (t *Char) Special() Special { return t.special }

// Encode returns one id per rune of s.
func (t *Char) Encode(s string) []int {
	ids := make([]int, 0, len(s))
	for _, r := range s {
		if id, ok := t.vocab.ids[string(r)]; ok {
			ids = append(ids, id)
		} else if t.special.UNK >= 0 {
			ids = append(ids, t.special.UNK)
		}
	}
	return ids
}

// Decode concatenates the tokens of ids, skipping [PAD] and out-of-range ids.
func (t *Char) Decode(ids []int) string {
	var sb strings.Builder
	for _, id := range ids {
		if id == t.special.PAD {
			continue
		}
		sb.WriteString(t.vocab.Token(id))
	}
	return sb.String()
}
