package text

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// WordPiece is a BERT tokenizer: a [BasicTokenizer] followed by greedy
// longest-match-first WordPiece over a fixed vocabulary. Words longer than
// MaxInputCharsPerWord runes, and words with a part not in the vocabulary,
// become the unknown token. It is safe for concurrent use once built.
type WordPiece struct {
	Basic                BasicTokenizer
	Prefix               string // continuation prefix, "##"
	UnkToken             string // "[UNK]"
	MaxInputCharsPerWord int    // 100
	vocab                *Vocab
	special              Special
	unk                  int
	maxLen               int // longest token in runes, prefix removed
}

// NewWordPiece returns BERT's tokenizer over v, lower-casing if lower (an
// "uncased" model). v must contain the unknown token "[UNK]" (or "<unk>").
func NewWordPiece(v *Vocab, lower bool) (*WordPiece, error) {
	t := &WordPiece{Basic: NewBasicTokenizer(lower), Prefix: "##", MaxInputCharsPerWord: 100}
	if err := t.setVocab(v, ""); err != nil {
		return nil, err
	}
	return t, nil
}

// LoadWordPiece reads a vocab.txt and returns BERT's tokenizer over it.
func LoadWordPiece(r io.Reader, lower bool) (*WordPiece, error) {
	v, err := ReadVocabTxt(r)
	if err != nil {
		return nil, err
	}
	return NewWordPiece(v, lower)
}

func (t *WordPiece) setVocab(v *Vocab, unk string) error {
	t.vocab = v
	t.special = SpecialFromVocab(v)
	t.maxLen = 1
	for _, tok := range v.tokens {
		t.maxLen = max(t.maxLen, utf8.RuneCountInString(tok))
	}
	if unk == "" {
		if t.special.UNK < 0 {
			return fmt.Errorf("text: WordPiece vocabulary has no [UNK] or <unk> token")
		}
		unk = v.Token(t.special.UNK)
	}
	id, ok := v.ID(unk)
	if !ok {
		return fmt.Errorf("text: WordPiece unknown token %q is not in the vocabulary", unk)
	}
	t.UnkToken, t.unk = unk, id
	t.special.UNK = id
	return nil
}

// Vocab returns the vocabulary.
func (t *WordPiece) Vocab() *Vocab { return t.vocab }

// VocabSize returns the number of tokens in the vocabulary.
func (t *WordPiece) VocabSize() int { return t.vocab.Len() }

// TokenID returns the id of tok.
func (t *WordPiece) TokenID(tok string) (int, bool) { return t.vocab.ID(tok) }

// Token returns the token of id, or "".
func (t *WordPiece) Token(id int) string { return t.vocab.Token(id) }

// Special returns the special-token ids.
func (t *WordPiece) Special() Special { return t.special }

// Encode returns the WordPiece ids of s, without [CLS] or [SEP].
func (t *WordPiece) Encode(s string) []int {
	ids := make([]int, 0, len(s)/4+1)
	t.Basic.eachWord(s, func(w *word) {
		t.pieces(w, func(id, _, _ int) { ids = append(ids, id) })
	})
	return ids
}

// Tokenize returns the WordPiece tokens of s, without [CLS] or [SEP].
func (t *WordPiece) Tokenize(s string) []string {
	var toks []string
	t.Basic.eachWord(s, func(w *word) {
		t.pieces(w, func(id, _, _ int) { toks = append(toks, t.vocab.Token(id)) })
	})
	return toks
}

// pieces calls emit with the id and original byte span of each WordPiece of w.
func (t *WordPiece) pieces(w *word, emit func(id, start, end int)) {
	n := len(w.runes)
	if n > t.MaxInputCharsPerWord {
		emit(t.unk, w.start[0], w.end[n-1])
		return
	}
	type piece struct{ id, a, b int }
	var buf [16]piece
	got := buf[:0]
	var wb [64]byte
	var ob [33]int
	word, off := wb[:0], ob[:0]
	for _, r := range w.runes {
		off = append(off, len(word))
		word = utf8.AppendRune(word, r)
	}
	off = append(off, len(word))
	var kb [80]byte
	for a := 0; a < n; {
		found := -1
		b := min(n, a+t.maxLen)
		for ; b > a; b-- {
			key := kb[:0]
			if a > 0 {
				key = append(key, t.Prefix...)
			}
			key = append(key, word[off[a]:off[b]]...)
			if id, ok := t.vocab.ids[string(key)]; ok {
				found = id
				break
			}
		}
		if found < 0 {
			emit(t.unk, w.start[0], w.end[n-1])
			return
		}
		got = append(got, piece{found, a, b})
		a = b
	}
	for _, p := range got {
		emit(p.id, w.start[p.a], w.end[p.b-1])
	}
}

// Decode joins the tokens of ids with spaces, gluing "##" continuations to
// the previous token. Special tokens are kept; out-of-range ids are skipped.
func (t *WordPiece) Decode(ids []int) string {
	var sb strings.Builder
	for _, id := range ids {
		tok := t.vocab.Token(id)
		if tok == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(tok, t.Prefix); ok && sb.Len() > 0 {
			sb.WriteString(rest)
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(tok)
	}
	return sb.String()
}

// Encoding is a model input built from one or two texts.
type Encoding struct {
	IDs           []int
	Tokens        []string
	TypeIDs       []int    // 0 for the first segment ([CLS] a [SEP]), 1 for the second (b [SEP])
	AttentionMask []int    // 1 for real tokens, 0 for padding
	Offsets       [][2]int // byte span of each token in its own input text; [0,0] for special tokens and padding
	SpecialMask   []int    // 1 for [CLS], [SEP] and [PAD]
}

// EncodePair builds [CLS] a [SEP] (and b [SEP] when b != "") like BERT.
// If maxLen > 0 the longer segment loses tokens from its end, one at a time
// (BERT's _truncate_seq_pair), until the whole fits in maxLen. It panics if
// maxLen is positive but too small for the special tokens, or if the
// vocabulary lacks [CLS] or [SEP].
func (t *WordPiece) EncodePair(a, b string, maxLen int) Encoding {
	if t.special.CLS < 0 || t.special.SEP < 0 {
		panic("text: WordPiece.EncodePair: vocabulary has no [CLS]/[SEP] token")
	}
	nSpecial := 2
	if b != "" {
		nSpecial = 3
	}
	if maxLen > 0 && maxLen < nSpecial {
		panic(fmt.Sprintf("text: WordPiece.EncodePair: maxLen %d < %d special tokens", maxLen, nSpecial))
	}
	type tok struct{ id, s, e int }
	seg := func(s string) []tok {
		var out []tok
		t.Basic.eachWord(s, func(w *word) {
			t.pieces(w, func(id, st, en int) { out = append(out, tok{id, st, en}) })
		})
		return out
	}
	ta := seg(a)
	var tb []tok
	if b != "" {
		tb = seg(b)
	}
	if maxLen > 0 {
		for len(ta)+len(tb)+nSpecial > maxLen {
			if len(ta) > len(tb) {
				ta = ta[:len(ta)-1]
			} else {
				tb = tb[:len(tb)-1]
			}
		}
	}
	var e Encoding
	add := func(id, typ, s, en, special int) {
		e.IDs = append(e.IDs, id)
		e.Tokens = append(e.Tokens, t.vocab.Token(id))
		e.TypeIDs = append(e.TypeIDs, typ)
		e.AttentionMask = append(e.AttentionMask, 1)
		e.Offsets = append(e.Offsets, [2]int{s, en})
		e.SpecialMask = append(e.SpecialMask, special)
	}
	add(t.special.CLS, 0, 0, 0, 1)
	for _, x := range ta {
		add(x.id, 0, x.s, x.e, 0)
	}
	add(t.special.SEP, 0, 0, 0, 1)
	if b != "" {
		for _, x := range tb {
			add(x.id, 1, x.s, x.e, 0)
		}
		add(t.special.SEP, 1, 0, 0, 1)
	}
	return e
}

// Pad appends padID up to length n (no-op if e is already that long).
// Padding has type id 0, attention 0 and offsets [0,0].
func (e *Encoding) Pad(n, padID int, padToken string) {
	for len(e.IDs) < n {
		e.IDs = append(e.IDs, padID)
		e.Tokens = append(e.Tokens, padToken)
		e.TypeIDs = append(e.TypeIDs, 0)
		e.AttentionMask = append(e.AttentionMask, 0)
		e.Offsets = append(e.Offsets, [2]int{})
		e.SpecialMask = append(e.SpecialMask, 1)
	}
}

// IsWordStart reports whether id begins a word, that is, is not a "##"
// continuation piece (for whole-word masking).
func (t *WordPiece) IsWordStart(id int) bool {
	tok := t.vocab.Token(id)
	return tok != "" && !strings.HasPrefix(tok, t.Prefix)
}
