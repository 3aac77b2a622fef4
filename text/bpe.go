package text

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// BPE is a GPT-2 style byte-level BPE tokenizer: text is split by GPT-2's
// pre-tokenizer pattern, each piece's bytes are mapped to printable runes
// (GPT-2's bytes_to_unicode), and ranked merges are applied, lowest rank
// first. Any byte string round-trips through Encode and Decode when the
// vocabulary holds all 256 byte symbols (as trained vocabularies do). It is
// safe for concurrent use.
type BPE struct {
	// AddPrefixSpace puts a space before the text when it does not start
	// with one, so that the first word is encoded like the others.
	AddPrefixSpace bool

	vocab   *Vocab
	ranks   map[pairKey]mergeRule
	merges  [][2]string
	special Special

	mu    sync.RWMutex
	cache map[string][]int
}

type mergeRule struct{ rank, id int }

const bpeCacheMax = 1 << 16

// NewBPE builds a byte-level BPE tokenizer from a vocabulary and merges in
// rank order. Every merge's parts and result must be in the vocabulary.
func NewBPE(v *Vocab, merges [][2]string) (*BPE, error) {
	t := &BPE{vocab: v, ranks: make(map[pairKey]mergeRule, len(merges)), special: SpecialFromVocab(v), cache: map[string][]int{}}
	for i, mg := range merges {
		a, okA := v.ID(mg[0])
		b, okB := v.ID(mg[1])
		c, okC := v.ID(mg[0] + mg[1])
		if !okA || !okB || !okC {
			return nil, fmt.Errorf("text: BPE merge %d (%q %q): part or result not in the vocabulary", i, mg[0], mg[1])
		}
		if _, dup := t.ranks[pairKey{a, b}]; !dup {
			t.ranks[pairKey{a, b}] = mergeRule{i, c}
		}
	}
	t.merges = slices.Clone(merges)
	return t, nil
}

// Vocab returns the vocabulary.
func (t *BPE) Vocab() *Vocab { return t.vocab }

// Merges returns a copy of the merges in rank order.
func (t *BPE) Merges() [][2]string { return slices.Clone(t.merges) }

// VocabSize returns the number of tokens.
func (t *BPE) VocabSize() int { return t.vocab.Len() }

// TokenID returns the id of tok.
func (t *BPE) TokenID(tok string) (int, bool) { return t.vocab.ID(tok) }

// Token returns the token of id, or "".
func (t *BPE) Token(id int) string { return t.vocab.Token(id) }

// Special returns the special-token ids.
func (t *BPE) Special() Special { return t.special }

// Encode returns the BPE ids of s. Byte symbols missing from the vocabulary
// become the unknown token if there is one and are dropped otherwise.
func (t *BPE) Encode(s string) []int {
	if t.AddPrefixSpace && s != "" && s[0] != ' ' {
		s = " " + s
	}
	ids := make([]int, 0, len(s)/3+1)
	var buf []byte
	for i := 0; i < len(s); {
		n := gpt2Match(s, i)
		p := s[i : i+n]
		i += n
		t.mu.RLock()
		c, ok := t.cache[p]
		t.mu.RUnlock()
		if !ok {
			buf = appendByteSymbols(buf[:0], p)
			c = t.bpe(string(buf))
			t.mu.Lock()
			if len(t.cache) < bpeCacheMax {
				t.cache[p] = c
			}
			t.mu.Unlock()
		}
		ids = append(ids, c...)
	}
	return ids
}

// Tokenize returns the token strings of s.
func (t *BPE) Tokenize(s string) []string {
	ids := t.Encode(s)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.vocab.Token(id)
	}
	return out
}

// bpe applies the merges to one byte-mapped piece.
func (t *BPE) bpe(piece string) []int {
	syms := make([]int, 0, len(piece))
	for _, r := range piece {
		if id, ok := t.vocab.ID(string(r)); ok {
			syms = append(syms, id)
		} else if t.special.UNK >= 0 {
			syms = append(syms, -1-t.special.UNK) // never merged
		}
	}
	for len(syms) > 1 {
		best, bestRank := pairKey{}, -1
		for j := 0; j+1 < len(syms); j++ {
			if r, ok := t.ranks[pairKey{syms[j], syms[j+1]}]; ok && (bestRank < 0 || r.rank < bestRank) {
				best, bestRank = pairKey{syms[j], syms[j+1]}, r.rank
			}
		}
		if bestRank < 0 {
			break
		}
		nid := t.ranks[best].id
		out := syms[:0]
		for j := 0; j < len(syms); j++ {
			if j+1 < len(syms) && syms[j] == best[0] && syms[j+1] == best[1] {
				out = append(out, nid)
				j++
			} else {
				out = append(out, syms[j])
			}
		}
		syms = out
	}
	for i, id := range syms {
		if id < 0 {
			syms[i] = -1 - id
		}
	}
	return syms
}

// Decode concatenates the tokens of ids and maps byte symbols back to
// bytes. Out-of-range ids are skipped.
func (t *BPE) Decode(ids []int) string {
	var out []byte
	for _, id := range ids {
		for _, r := range t.vocab.Token(id) {
			if b, ok := runeToByte[r]; ok {
				out = append(out, b)
			} else {
				out = utf8.AppendRune(out, r)
			}
		}
	}
	return string(out)
}

// byteToRune is GPT-2's bytes_to_unicode: printable Latin-1 bytes map to
// themselves, the other 68 bytes to U+0100 upwards.
var byteToRune [256]rune

var runeToByte = map[rune]byte{}

func init() {
	n := 0
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			byteToRune[b] = rune(b)
		} else {
			byteToRune[b] = rune(256 + n)
			n++
		}
		runeToByte[byteToRune[b]] = byte(b)
	}
}

func appendByteSymbols(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = utf8.AppendRune(dst, byteToRune[s[i]])
	}
	return dst
}

// gpt2Split splits s like GPT-2's pattern
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// implemented by hand because Go's regexp has no lookahead. \s is Unicode
// White_Space. Invalid UTF-8 bytes count as "other" characters. The pieces
// are substrings of s that concatenate to s.
func gpt2Split(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		n := gpt2Match(s, i)
		out = append(out, s[i:i+n])
		i += n
	}
	return out
}

type runeClass uint8

const (
	clsOther runeClass = iota
	clsLetter
	clsNumber
	clsSpace
)

func classAt(s string, i int) (runeClass, int) {
	r, n := utf8.DecodeRuneInString(s[i:])
	switch {
	case r == utf8.RuneError && n <= 1:
		return clsOther, n
	case r < utf8.RuneSelf:
		switch {
		case 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
			return clsLetter, 1
		case '0' <= r && r <= '9':
			return clsNumber, 1
		case r == ' ' || '\t' <= r && r <= '\r':
			return clsSpace, 1
		}
		return clsOther, 1
	case unicode.IsLetter(r):
		return clsLetter, n
	case unicode.IsNumber(r):
		return clsNumber, n
	case unicode.IsSpace(r):
		return clsSpace, n
	}
	return clsOther, n
}

// runOf returns the byte length of the run of class c starting at i.
func runOf(s string, i int, c runeClass) int {
	j := i
	for j < len(s) {
		cc, n := classAt(s, j)
		if cc != c {
			break
		}
		j += n
	}
	return j - i
}

// gpt2Match returns the length of the match of the GPT-2 pattern at s[i:].
func gpt2Match(s string, i int) int {
	rest := s[i:]
	if rest[0] == '\'' && len(rest) > 1 {
		for _, suf := range [...]string{"s", "t", "re", "ve", "m", "ll", "d"} {
			if strings.HasPrefix(rest[1:], suf) {
				return 1 + len(suf)
			}
		}
	}
	c, n := classAt(s, i)
	// " ?X+" for letters, numbers and others
	if rest[0] == ' ' && len(rest) > 1 {
		if c2, _ := classAt(s, i+1); c2 != clsSpace {
			return 1 + runOf(s, i+1, c2)
		}
	}
	if c != clsSpace {
		return runOf(s, i, c)
	}
	// \s+(?!\S) then \s+
	k := runOf(s, i, clsSpace)
	if i+k == len(s) || k == n {
		return k
	}
	// back off one whitespace rune so that the next piece can take it
	_, lastN := utf8.DecodeLastRuneInString(s[i : i+k])
	return k - lastN
}

// IsWordStart reports whether id begins a word: its token starts with the
// byte symbol of a space ("Ġ"), or it is a special token. Pieces that start
// the text without a leading space are not recognised as word starts unless
// AddPrefixSpace is set.
func (t *BPE) IsWordStart(id int) bool {
	tok := t.vocab.Token(id)
	return strings.HasPrefix(tok, "Ġ") || (tok != "" && t.special.IsSpecial(id))
}
