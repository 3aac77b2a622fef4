package text

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// BasicTokenizer is BERT's basic tokenizer: it removes NUL, U+FFFD and
// control characters, splits on whitespace, optionally lower-cases and
// strips accents (NFD, then drop category Mn), splits off every punctuation
// character (ASCII 33–47, 58–64, 91–96, 123–126 and Unicode P*), and puts
// every CJK ideograph in a token of its own. The zero value does none of the
// optional steps; [NewBasicTokenizer] gives BERT's settings.
type BasicTokenizer struct {
	Lower        bool // lower-case (BERT's do_lower_case)
	StripAccents bool // NFD and drop non-spacing marks
	SplitCJK     bool // surround CJK ideographs by spaces (tokenize_chinese_chars)
}

// NewBasicTokenizer returns BERT's basic tokenizer: uncased models
// (lower=true) lower-case and strip accents; both split CJK characters.
func NewBasicTokenizer(lower bool) BasicTokenizer {
	return BasicTokenizer{Lower: lower, StripAccents: lower, SplitCJK: true}
}

// word is a pre-token: its normalized runes and, for each rune, the byte
// span in the original string it came from.
type word struct {
	runes      []rune
	start, end []int
}

// Tokenize splits s into BERT basic tokens.
func (b BasicTokenizer) Tokenize(s string) []string {
	var out []string
	b.eachWord(s, func(w *word) { out = append(out, string(w.runes)) })
	return out
}

// eachWord runs the basic tokenizer and calls fn with each word and its byte
// offsets. The word is reused: fn must copy what it keeps.
func (b BasicTokenizer) eachWord(s string, fn func(w *word)) {
	var cur, one word
	flush := func() {
		if len(cur.runes) > 0 {
			fn(&cur)
			cur.runes, cur.start, cur.end = cur.runes[:0], cur.start[:0], cur.end[:0]
		}
	}
	single := func(r rune, i, j int) {
		flush()
		one.runes = append(one.runes[:0], r)
		one.start = append(one.start[:0], i)
		one.end = append(one.end[:0], j)
		fn(&one)
	}
	var buf [16]rune
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		j := i + n
		switch {
		case r == 0 || r == utf8.RuneError || isControl(r):
		case isSpace(r):
			flush()
		case b.SplitCJK && isCJK(r):
			single(r, i, j)
		case r < utf8.RuneSelf && !isPunct(r):
			if b.Lower && 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			cur.runes = append(cur.runes, r)
			cur.start = append(cur.start, i)
			cur.end = append(cur.end, j)
		default:
			for _, q := range b.normalizeRune(r, buf[:0]) {
				if isPunct(q) {
					single(q, i, j)
					continue
				}
				cur.runes = append(cur.runes, q)
				cur.start = append(cur.start, i)
				cur.end = append(cur.end, j)
			}
		}
		i = j
	}
	flush()
}

// normalizeRune lower-cases and strips accents from one rune as configured,
// appending the result to dst.
func (b BasicTokenizer) normalizeRune(r rune, dst []rune) []rune {
	if r < utf8.RuneSelf {
		if b.Lower && 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, r)
	}
	var lowered string
	if b.Lower {
		lowered = lowerRune(r)
	} else {
		lowered = string(r)
	}
	if !b.StripAccents {
		for _, q := range lowered {
			dst = append(dst, q)
		}
		return dst
	}
	for _, q := range norm.NFD.String(lowered) {
		if !unicode.Is(unicode.Mn, q) {
			dst = append(dst, q)
		}
	}
	return dst
}

// lowerRune lower-cases r like Python's str.lower for the one multi-rune
// case that matters before accent stripping (U+0130 → "i̇").
func lowerRune(r rune) string {
	if r == 'İ' {
		return "i\u0307"
	}
	return string(unicode.ToLower(r))
}

// isSpace is BERT's _is_whitespace widened to Python's str.split set.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
	}
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || unicode.IsSpace(r) || unicode.Is(unicode.Zs, r)
}

// isControl is BERT's _is_control: category C* (including unassigned code
// points), except tab, newline and carriage return.
func isControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}
	if unicode.Is(unicode.C, r) {
		return true
	}
	return !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z)
}

// isPunct is BERT's _is_punctuation: all non-letter, non-number ASCII
// symbols and Unicode category P*.
func isPunct(r rune) bool {
	if (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126) {
		return true
	}
	return r >= utf8.RuneSelf && unicode.IsPunct(r)
}

// isCJK is BERT's _is_chinese_char: the CJK Unified Ideographs blocks.
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) ||
		(r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) ||
		(r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) ||
		(r >= 0x2F800 && r <= 0x2FA1F)
}
