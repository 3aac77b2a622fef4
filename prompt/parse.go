package prompt

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// answerMarker matches the phrases after which a model writes its answer:
// H2T's "### Response:", "the true transcription is:" and its variants
// (true, correct, corrected, final or best; transcription, answer, output
// or hypothesis; "is", a colon or both), and a bare "Answer:", "Output:",
// "Response:" or "Transcription:".
var answerMarker = regexp.MustCompile(`(?i)###\s*response\s*:|\b(?:true|correct|corrected|final|best)\s+(?:transcription|answer|output|hypothesis)\s*(?:is\s*:?|:)|\b(?:answer|output|response|transcription)\s*:`)

// enumerator matches a list number starting a line, "2. " or "(2) ".
var enumerator = regexp.MustCompile(`^\(?\d+[.)]\s+`)

// ParseTranscription extracts the transcription from a model's generated
// answer (spec-asr-tap §4): the first non-empty line after the last answer
// marker (of the whole text if there is none), without a bullet ("- ",
// "* ") or list number ("2. ", "(2) ") at its start, without quotes or
// punctuation, lower-cased, with runs of spaces made one. An apostrophe
// inside a word is kept ("what's"); a hyphen or slash between two word
// characters becomes a space ("round-trip" → "round trip"). Digits are
// kept; a WER normaliser may drop them, as the H2T authors' does.
//
// It returns ok = false if nothing is left, so that the caller can fall
// back to its rescoring pick.
func ParseTranscription(answer string) (string, bool) {
	rest := answer
	if loc := answerMarker.FindAllStringIndex(answer, -1); len(loc) > 0 {
		rest = answer[loc[len(loc)-1][1]:]
	}
	for line := range strings.Lines(rest) {
		line = strings.TrimSpace(line)
		line = strings.TrimLeft(line, "-*• \t")
		line = enumerator.ReplaceAllString(line, "")
		if s := normalise(line); s != "" {
			return s, true
		}
	}
	return "", false
}

// normalise lower-cases s, deletes its punctuation and symbols (keeping
// an apostrophe inside a word, spacing a hyphen or slash inside a word)
// and joins its words with single spaces.
func normalise(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case r == '\'' || r == '’':
			if between(s, i, r) {
				b.WriteByte('\'')
			}
		case r == '-' || r == '/':
			if between(s, i, r) {
				b.WriteByte(' ')
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// between reports whether the rune r at s[i] has a letter or digit on both
// sides.
func between(s string, i int, r rune) bool {
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
	word := func(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }
	return i > 0 && i+utf8.RuneLen(r) < len(s) && word(before) && word(after)
}

// choiceMarked matches a number named as a choice: "hypothesis 2",
// "option (2)", "choice #2", "number 2", "#2".
var choiceMarked = regexp.MustCompile(`(?i)(?:\b(?:hypothesis|hypotheses|option|choice|candidate|number|no\.)\s*(?:#\s*)?\(?|#\s*)(\d+)`)

// choiceNumber matches a number as a whole word, with what follows it.
var choiceNumber = regexp.MustCompile(`\b(\d+)\b(-best)?`)

// ParseChoice reads which of n numbered hypotheses a model chose, for
// rescoring with a chat-only model: "2", "2.", "(2)", "2. list flights",
// "Hypothesis 2", "I pick option #2". It returns the 0-based index, so "2"
// gives 1. A number named as a choice ("hypothesis 2") wins over a bare
// number; otherwise the first number of the text that is in 1..n and is
// not part of "5-best" counts. It returns ok = false if there is none.
func ParseChoice(answer string, n int) (int, bool) {
	rest := answer
	if loc := answerMarker.FindAllStringIndex(answer, -1); len(loc) > 0 {
		rest = answer[loc[len(loc)-1][1]:]
	}
	for _, text := range []string{rest, answer} {
		for _, m := range choiceMarked.FindAllStringSubmatch(text, -1) {
			if k, err := strconv.Atoi(m[1]); err == nil && k >= 1 && k <= n {
				return k - 1, true
			}
		}
		for _, m := range choiceNumber.FindAllStringSubmatch(text, -1) {
			if m[2] != "" {
				continue
			}
			if k, err := strconv.Atoi(m[1]); err == nil && k >= 1 && k <= n {
				return k - 1, true
			}
		}
	}
	return 0, false
}
