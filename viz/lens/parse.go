package lens

import (
	"fmt"
	"strings"
)

// Parser turns one text into tokens with universal POS tags (UPOS, as
// spaCy's token.pos_) and, when it can, dependency labels and heads. A
// tagger without a parser leaves Dep empty and HeadTokenIdx −1; the
// dependency lens is then left out. Implementations must be safe for
// concurrent use if the caller parses in parallel (Build does not).
type Parser interface {
	Parse(text string) ([]Token, error)
}

// FixedParser serves parses the user already has (for example read with
// ReadOutput from a file in the released layout), keyed by the exact text
// after the released tool's newline→space replacement. Parse fails for a
// text it does not hold.
type FixedParser map[string][]Token

// Parse implements Parser.
func (p FixedParser) Parse(text string) ([]Token, error) {
	t, ok := p[text]
	if !ok {
		return nil, fmt.Errorf("lens: FixedParser: no parse for text %.60q", text)
	}
	return t, nil
}

// FixedParserFrom builds a FixedParser from a document in the released
// layout, taking the text from column textColumn of each row.
func FixedParserFrom(o *Output, textColumn string) (FixedParser, error) {
	p := FixedParser{}
	for _, r := range o.Data {
		s, ok := r.Columns[textColumn].(string)
		if !ok {
			return nil, fmt.Errorf("lens: FixedParserFrom: row %d has no string column %q", r.Index, textColumn)
		}
		p[CleanText(s)] = r.ParseData
	}
	return p, nil
}

// CleanText is the released tool's only text normalisation: each "\n"
// becomes a space.
func CleanText(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// ptbToUPOS maps Penn Treebank tags to universal POS tags.
var ptbToUPOS = map[string]string{
	"PRP": "PRON", "PRP$": "PRON", "WP": "PRON", "WP$": "PRON", "EX": "PRON",
	"VB": "VERB", "VBD": "VERB", "VBG": "VERB", "VBN": "VERB", "VBP": "VERB", "VBZ": "VERB",
	"MD": "AUX",
	"NN": "NOUN", "NNS": "NOUN", "NNP": "PROPN", "NNPS": "PROPN",
	"JJ": "ADJ", "JJR": "ADJ", "JJS": "ADJ",
	"RB": "ADV", "RBR": "ADV", "RBS": "ADV", "WRB": "ADV",
	"IN": "ADP", "TO": "PART", "RP": "PART", "POS": "PART",
	"DT": "DET", "PDT": "DET", "WDT": "DET",
	"CC": "CCONJ", "CD": "NUM", "UH": "INTJ",
	"SYM": "SYM", "$": "SYM", "#": "SYM",
	"FW": "X", "LS": "X",
	".": "PUNCT", ",": "PUNCT", ":": "PUNCT", "``": "PUNCT", "''": "PUNCT",
	"(": "PUNCT", ")": "PUNCT", "-LRB-": "PUNCT", "-RRB-": "PUNCT", "HYPH": "PUNCT",
	"NFP": "PUNCT", "\"": "PUNCT",
}

// PTBToUPOS maps a Penn Treebank tag (as output by the prose tagger) to a
// universal POS tag; unknown tags map to "X". spaCy parity is impossible
// in general: spaCy picks AUX for be/have/do from the lemma, and "to" before
// a noun is ADP in spaCy but TO→PART here.
func PTBToUPOS(tag string) string {
	if u, ok := ptbToUPOS[tag]; ok {
		return u
	}
	return "X"
}
