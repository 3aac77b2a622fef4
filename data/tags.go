package data

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// TagScheme is a way of writing labelled spans (named entities, chunks) as
// one tag per token.
type TagScheme int

// The tag schemes. In all three a token outside every span is tagged "O"
// and a token inside a span of type T is tagged with a prefix, a hyphen
// and T ("B-PER"); the type may itself contain hyphens ("I-creative-work").
const (
	// IOB1 tags every token of a span I-T, except the first token of a
	// span that directly follows another span of the same type, which is
	// B-T (the CoNLL-2003 files). "I-PER I-PER B-PER" is two spans.
	IOB1 TagScheme = iota + 1
	// IOB2, also called BIO, tags the first token of every span B-T and
	// the others I-T (WNUT-17, most modern data sets).
	IOB2
	// IOBES, also called BIOES, tags a one-token span S-T and
	// a longer span B-T I-T ... I-T E-T.
	IOBES
)

// BIO and BIOES are the other common names of IOB2 and IOBES.
const (
	BIO   = IOB2
	BIOES = IOBES
)

// String returns "IOB1", "IOB2" or "IOBES".
func (s TagScheme) String() string {
	switch s {
	case IOB1:
		return "IOB1"
	case IOB2:
		return "IOB2"
	case IOBES:
		return "IOBES"
	}
	return fmt.Sprintf("TagScheme(%d)", int(s))
}

// ParseTagScheme returns the scheme named name, ignoring case: "iob1";
// "iob2" or "bio"; "iobes" or "bioes".
func ParseTagScheme(name string) (TagScheme, error) {
	switch strings.ToLower(name) {
	case "iob1":
		return IOB1, nil
	case "iob2", "bio":
		return IOB2, nil
	case "iobes", "bioes":
		return IOBES, nil
	}
	return 0, fmt.Errorf("data: unknown tag scheme %q: want iob1, iob2 (bio) or iobes (bioes)", name)
}

// check panics unless s is one of the schemes, naming op.
func (s TagScheme) check(op string) {
	if s < IOB1 || s > IOBES {
		panic(fmt.Sprintf("data.%s: unknown tag scheme %d", op, int(s)))
	}
}

// SplitTag splits a tag at its first hyphen into a prefix and a type, as
// the conlleval script does: "B-PER" gives ("B", "PER"), "I-creative-work"
// gives ("I", "creative-work"), and a tag without a hyphen, such as "O",
// is all prefix with an empty type.
func SplitTag(tag string) (prefix, typ string) {
	if i := strings.IndexByte(tag, '-'); i >= 0 {
		return tag[:i], tag[i+1:]
	}
	return tag, ""
}

// Span is a labelled span of tokens: tokens Start..End-1 of a sentence
// (End is exclusive, as in a Go slice expression) have type Type.
type Span struct {
	Type       string
	Start, End int
}

// String returns "TYPE[START:END]".
func (s Span) String() string { return fmt.Sprintf("%s[%d:%d]", s.Type, s.Start, s.End) }

// ChunkEnd reports whether a span ends between a token tagged
// prevPrefix-prevType and the next one tagged prefix-typ (prefixes and
// types as [SplitTag] returns them; a sentence is followed by an "O").
//
// The rules are those of endOfChunk in the conlleval script (version
// 2004-01-26) with the additions of its Python port conlleval.py, which
// seqeval also uses, for IOBES: a span ends after an E or S tag whatever
// follows, and before a B or S tag. For tags with only the prefixes B, I
// and O (IOB1, IOB2) or I, E and O (IOE) the rules are exactly
// conlleval's. Most callers want [Spans] instead.
func ChunkEnd(prevPrefix, prefix, prevType, typ string) bool {
	switch {
	case prevPrefix == "E" || prevPrefix == "S":
		return true
	case (prevPrefix == "B" || prevPrefix == "I") && (prefix == "B" || prefix == "S" || prefix == "O"):
		return true
	case prevPrefix != "O" && prevPrefix != "." && prevType != typ:
		return true
	case prevPrefix == "[" || prevPrefix == "]":
		return true
	}
	return false
}

// ChunkStart reports whether a span starts at a token tagged prefix-typ
// that follows one tagged prevPrefix-prevType (a sentence starts after an
// "O"), by the rules of startOfChunk in the conlleval script with the same
// IOBES additions as [ChunkEnd]: a span starts at every B and S tag, at an
// I or E tag after O, E or S, and at any tag other than O whose type
// differs from the previous tag's. So an I-PER after O, or after B-LOC,
// starts a span, as conlleval and seqeval (in its default mode) read it.
func ChunkStart(prevPrefix, prefix, prevType, typ string) bool {
	switch {
	case prefix == "B" || prefix == "S":
		return true
	case (prevPrefix == "O" || prevPrefix == "E" || prevPrefix == "S") && (prefix == "I" || prefix == "E"):
		return true
	case prefix != "O" && prefix != "." && prevType != typ:
		return true
	case prefix == "[" || prefix == "]":
		return true
	}
	return false
}

// Spans returns the labelled spans of a sentence's tags in any of the tag
// schemes, in order, reading them as the conlleval script does (see
// [ChunkStart] and [ChunkEnd]): invalid sequences are repaired rather than
// rejected, so "O I-PER" holds the span PER[1:2] and "B-PER I-LOC" the
// spans PER[0:1] and LOC[1:2]. A tag without a hyphen other than "O" (a
// bare "PER") has the empty type: like conlleval, Spans ends a span before
// it and starts one of type "" at it only after a tag of another type. A
// span still open at the end of the sentence ends there.
func Spans(tags []string) []Span {
	var spans []Span
	open := -1 // start of the open span, or -1
	var openType string
	prevPrefix, prevType := "O", ""
	for i := 0; i <= len(tags); i++ {
		prefix, typ := "O", ""
		if i < len(tags) {
			prefix, typ = SplitTag(tags[i])
		}
		end := ChunkEnd(prevPrefix, prefix, prevType, typ)
		start := i < len(tags) && ChunkStart(prevPrefix, prefix, prevType, typ)
		if open >= 0 && (end || start || i == len(tags)) {
			spans = append(spans, Span{Type: openType, Start: open, End: i})
			open = -1
		}
		if start {
			open, openType = i, typ
		}
		prevPrefix, prevType = prefix, typ
	}
	return spans
}

// SpanTags writes spans as the tags of a sentence of n tokens in scheme s;
// tokens outside every span are tagged "O". It panics if a span is empty,
// has an empty Type, lies outside 0..n, or overlaps the one before it (spans must be sorted
// by Start), or if s is not a scheme.
func SpanTags(spans []Span, n int, s TagScheme) []string {
	s.check("SpanTags")
	tags := make([]string, n)
	for i := range tags {
		tags[i] = "O"
	}
	prevEnd, prevType := -1, ""
	for k, sp := range spans {
		if sp.Type == "" || sp.Start < 0 || sp.End > n || sp.Start >= sp.End || (k > 0 && sp.Start < spans[k-1].End) {
			panic(fmt.Sprintf("data.SpanTags: span %d %v is empty, has no type, lies outside 0..%d or overlaps the previous one", k, sp, n))
		}
		for i := sp.Start; i < sp.End; i++ {
			tags[i] = "I-" + sp.Type
		}
		switch s {
		case IOB1:
			if sp.Start == prevEnd && sp.Type == prevType {
				tags[sp.Start] = "B-" + sp.Type
			}
		case IOB2:
			tags[sp.Start] = "B-" + sp.Type
		case IOBES:
			if sp.End-sp.Start == 1 {
				tags[sp.Start] = "S-" + sp.Type
			} else {
				tags[sp.Start] = "B-" + sp.Type
				tags[sp.End-1] = "E-" + sp.Type
			}
		}
		prevEnd, prevType = sp.End, sp.Type
	}
	return tags
}

// ConvertTags rewrites a sentence's tags, in any scheme, in scheme to: it
// is SpanTags(Spans(tags), len(tags), to). The source scheme need not be
// named because [Spans] reads all three; invalid input is repaired the way
// conlleval reads it, so that ConvertTags never changes the spans the
// conlleval script (and package metrics) would score:
//
//	O I-PER I-PER   -> IOB2: O B-PER I-PER   (I after O starts a span)
//	B-PER I-LOC     -> IOB2: B-PER B-LOC     (a type change starts a span)
//	B-PER O         -> IOBES: S-PER O
//	I-PER I-PER B-PER (IOB1) -> IOB2: B-PER I-PER B-PER
//
// Spans of the empty type (from tags without a hyphen, such as a bare
// "PER") become "O". It panics if to is not a scheme.
func ConvertTags(tags []string, to TagScheme) []string {
	to.check("ConvertTags")
	spans := Spans(tags)
	kept := spans[:0]
	for _, sp := range spans {
		if sp.Type != "" {
			kept = append(kept, sp)
		}
	}
	return SpanTags(kept, len(tags), to)
}

// CheckTags reports whether tags is a valid sentence in scheme s: every tag
// is "O" or a prefix of the scheme, a hyphen and a non-empty type, and the
// sequence is one that [SpanTags] could write (in IOB2 an I-T follows B-T
// or I-T; in IOB1 a B-T follows I-T or B-T; in IOBES an I-T or E-T follows
// B-T or I-T, and B-T, S-T and O follow O, E or S or start the sentence,
// and the sentence does not end inside a span). The error names the first
// offending position. It panics if s is not a scheme.
func CheckTags(tags []string, s TagScheme) error {
	s.check("CheckTags")
	prevPrefix, prevType := "O", ""
	for i := 0; i <= len(tags); i++ {
		prefix, typ, tag := "O", "", ""
		if i < len(tags) {
			tag = tags[i]
			prefix, typ = SplitTag(tag)
			if (prefix == "O") != (typ == "") || (prefix == "O" && tag != "O") {
				return fmt.Errorf("data: tag %d %q: want O or PREFIX-TYPE", i, tag)
			}
		}
		bad := false
		switch s {
		case IOB1, IOB2:
			if prefix != "O" && prefix != "B" && prefix != "I" {
				return fmt.Errorf("data: tag %d %q: %v uses only the prefixes B and I", i, tag, s)
			}
			if s == IOB2 {
				bad = prefix == "I" && prevType != typ
			} else {
				bad = prefix == "B" && prevType != typ
			}
		case IOBES:
			inside := prevPrefix == "B" || prevPrefix == "I"
			switch prefix {
			case "I", "E":
				bad = !inside || prevType != typ
			case "B", "S", "O":
				bad = inside
			default:
				return fmt.Errorf("data: tag %d %q: IOBES uses only the prefixes B, I, E and S", i, tag)
			}
		}
		if bad && i == len(tags) {
			return fmt.Errorf("data: the sentence ends inside a span (last tag %q), which is not valid %v", tags[i-1], s)
		}
		if bad {
			prev := "the start of the sentence"
			if i > 0 {
				prev = fmt.Sprintf("%q", tags[i-1])
			}
			return fmt.Errorf("data: tag %d %q after %s is not valid %v", i, tag, prev, s)
		}
		prevPrefix, prevType = prefix, typ
	}
	return nil
}

// NewTagVocab returns the vocabulary of the tags of scheme s for the span
// types found in tags: "O" (id 0), then for each type in sorted order its
// tags in the order B, I (IOB1, IOB2) or B, I, E, S (IOBES). Every tag of
// the scheme gets an id even if the data lacks it, so a tag seen only in
// test data still has one; the order depends only on the set of types.
// The vocabulary has no unknown-token id: ID returns -1 for a tag outside
// the scheme. Types are read with [SplitTag] from every tag with a hyphen
// and a non-empty type, whatever its prefix. It panics if s is not a
// scheme.
func NewTagVocab(tags [][]string, s TagScheme) *Vocab {
	s.check("NewTagVocab")
	seen := map[string]bool{}
	for _, sent := range tags {
		for _, t := range sent {
			if _, typ := SplitTag(t); typ != "" {
				seen[typ] = true
			}
		}
	}
	types := make([]string, 0, len(seen))
	for t := range seen {
		types = append(types, t)
	}
	slices.SortFunc(types, cmp.Compare)
	prefixes := []string{"B", "I"}
	if s == IOBES {
		prefixes = []string{"B", "I", "E", "S"}
	}
	v := newVocab(-1, false)
	v.add("O")
	for _, t := range types {
		for _, p := range prefixes {
			v.add(p + "-" + t)
		}
	}
	return v
}
