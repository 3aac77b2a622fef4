package text

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// Vocab maps tokens to dense ids 0..Len()-1 and back.
type Vocab struct {
	tokens []string
	ids    map[string]int
}

// NewVocab returns a vocabulary whose id i is tokens[i]. It returns an error
// if a token is empty, is not valid UTF-8 or occurs twice.
func NewVocab(tokens []string) (*Vocab, error) {
	v := &Vocab{tokens: make([]string, 0, len(tokens)), ids: make(map[string]int, len(tokens))}
	for i, t := range tokens {
		if t == "" {
			return nil, fmt.Errorf("text: vocab entry %d is empty", i)
		}
		if !utf8.ValidString(t) {
			return nil, fmt.Errorf("text: vocab entry %d (%q) is not valid UTF-8", i, t)
		}
		if j, dup := v.ids[t]; dup {
			return nil, fmt.Errorf("text: vocab token %q at %d duplicates entry %d", t, i, j)
		}
		v.ids[t] = i
		v.tokens = append(v.tokens, t)
	}
	return v, nil
}

// Len returns the number of tokens.
func (v *Vocab) Len() int { return len(v.tokens) }

// ID returns the id of tok and whether it is in the vocabulary.
func (v *Vocab) ID(tok string) (int, bool) {
	id, ok := v.ids[tok]
	return id, ok
}

// Token returns the token with the given id, or "" if id is out of range.
func (v *Vocab) Token(id int) string {
	if id < 0 || id >= len(v.tokens) {
		return ""
	}
	return v.tokens[id]
}

// Tokens returns a copy of the tokens in id order.
func (v *Vocab) Tokens() []string { return append([]string(nil), v.tokens...) }

// idOr returns the id of tok, or -1.
func (v *Vocab) idOr(tok string) int {
	if id, ok := v.ids[tok]; ok {
		return id
	}
	return -1
}

// ReadVocabTxt reads a BERT vocab.txt: one token per line, the line number
// (from 0) is the id. "\r\n" line ends are accepted. Empty lines, invalid
// UTF-8 and duplicate tokens are errors.
func ReadVocabTxt(r io.Reader) (*Vocab, error) {
	br := bufio.NewReader(r)
	var toks []string
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			line = bytes.TrimSuffix(line, []byte("\n"))
			line = bytes.TrimSuffix(line, []byte("\r"))
			if len(line) == 0 {
				return nil, fmt.Errorf("text: vocab.txt line %d is empty", len(toks)+1)
			}
			toks = append(toks, string(line))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("text: reading vocab.txt: %w", err)
		}
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("text: vocab.txt is empty")
	}
	v, err := NewVocab(toks)
	if err != nil {
		return nil, fmt.Errorf("text: vocab.txt: %w", err)
	}
	return v, nil
}

// WriteVocabTxt writes v in the vocab.txt format, one token per line.
// Tokens containing a line break cannot be written and give an error.
func WriteVocabTxt(w io.Writer, v *Vocab) error {
	bw := bufio.NewWriter(w)
	for i, t := range v.tokens {
		if bytes.ContainsAny([]byte(t), "\r\n") {
			return fmt.Errorf("text: token %d (%q) contains a line break", i, t)
		}
		bw.WriteString(t)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
