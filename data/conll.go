package data

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// CoNLL is the content of a file in the CoNLL column format: one token per
// line with its columns (word, part of speech, chunk, entity tag, ...)
// separated by spaces or tabs, a blank line after each sentence, and
// optionally "-DOCSTART-" lines between documents (CoNLL-2003) and
// comment lines (CoNLL-U, OntoNotes).
type CoNLL struct {
	// Sentences are the sentences in file order, each with at least one
	// token; every token of the file has the same number of columns.
	Sentences []Sentence
	// Docs are the document separators, the lines whose first column is
	// "-DOCSTART-", in file order; nil if there are none. The sentences of
	// document k are Sentences[Docs[k].Start:Docs[k+1].Start] (to the end
	// for the last one); sentences before the first separator belong to
	// no document.
	Docs []Doc
	// Trailing holds the comment lines after the last sentence (only with
	// [CoNLLComments]).
	Trailing []string
	// Sep is the column separator [WriteCoNLL] writes: "\t" if the first
	// token line read had a tab, else " ". An empty Sep writes " ".
	Sep string
}

// Sentence is one sentence of a [CoNLL] file.
type Sentence struct {
	// Columns[c][i] is column c of token i; every column has one entry
	// per token, so Columns[0] is usually the words and the last column
	// the tags.
	Columns [][]string
	// Comments are the comment lines before the sentence, since the
	// previous one (only with [CoNLLComments]), without surrounding
	// white space.
	Comments []string
	// Line is the line number (from 1) of the sentence's first token in
	// the input it was read from, for messages; 0 for a sentence built in
	// memory. It is not written.
	Line int
}

// Doc is a document separator of a [CoNLL] file.
type Doc struct {
	// Start is the index in Sentences of the document's first sentence;
	// it equals len(Sentences) for an empty document at the end.
	Start int
	// Fields are the separator line's columns, such as
	// ["-DOCSTART-", "-X-", "-X-", "O"].
	Fields []string
}

// Len returns the number of tokens.
func (s *Sentence) Len() int {
	if len(s.Columns) == 0 {
		return 0
	}
	return len(s.Columns[0])
}

// Column returns column c of every token, the slice held by the sentence
// (not a copy); a negative c counts from the end, so Column(-1) is the
// last column (the tags in most NER files). It panics if c is out of
// range.
func (s *Sentence) Column(c int) []string {
	return s.Columns[columnIndex("Sentence.Column", c, len(s.Columns))]
}

func columnIndex(op string, c, n int) int {
	i := c
	if c < 0 {
		i = n + c
	}
	if i < 0 || i >= n {
		panic(fmt.Sprintf("data.%s: column %d out of range for %d columns", op, c, n))
	}
	return i
}

// Column returns column col of every sentence (the slices held by the
// sentences, not copies): Column(0) gives the words and Column(-1) the tags
// of a typical NER file. It panics if col is out of range.
func (c *CoNLL) Column(col int) [][]string {
	out := make([][]string, len(c.Sentences))
	for i := range c.Sentences {
		s := &c.Sentences[i]
		out[i] = s.Columns[columnIndex("CoNLL.Column", col, len(s.Columns))]
	}
	return out
}

// NumTokens returns the number of tokens of all the sentences.
func (c *CoNLL) NumTokens() int {
	n := 0
	for i := range c.Sentences {
		n += c.Sentences[i].Len()
	}
	return n
}

// CoNLLError reports a malformed or unreadable CoNLL input: which input,
// which line and what is wrong.
type CoNLLError struct {
	Name string // the file path, or "CoNLL input" for a reader
	Gzip bool   // whether the input was gzip-compressed
	Line int    // line number from 1 (of the decompressed content), 0 if none
	Msg  string // what is wrong
	Err  error  // the underlying error of the reader or of gzip, if any
}

// Error returns "data: NAME:LINE: MSG[: ERR]".
func (e *CoNLLError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "data: %s", e.Name)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *CoNLLError) Unwrap() error { return e.Err }

// CoNLLOption configures [ReadCoNLL] and [ReadCoNLLFile].
type CoNLLOption func(*conllConfig)

type conllConfig struct{ comments bool }

// CoNLLComments makes the reader take lines whose first non-blank
// character is '#' as comments (CoNLL-U's "# text = ...", OntoNotes'
// "#begin document"), kept with the sentence that follows them. Without
// it such lines are tokens: WNUT-17 has the hashtag token "#NowPlaying".
// A comment between two tokens of a sentence is an error.
func CoNLLComments() CoNLLOption { return func(c *conllConfig) { c.comments = true } }

// docStart is the first column of a document separator line.
const docStart = "-DOCSTART-"

// isBlank reports whether b is a column separator or line-end character:
// the ASCII white space of C's isspace.
func isBlank(b byte) bool {
	return b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '\v' || b == '\f'
}

// fields splits a line at runs of ASCII white space (not at other Unicode
// spaces, which may be tokens).
func fields(line string) []string {
	var out []string
	for i := 0; i < len(line); {
		for i < len(line) && isBlank(line[i]) {
			i++
		}
		j := i
		for j < len(line) && !isBlank(line[j]) {
			j++
		}
		if j > i {
			out = append(out, line[i:j])
		}
		i = j
	}
	return out
}

// ReadCoNLL reads a CoNLL file from r, plain or gzip-compressed (recognised
// by the magic bytes 1F 8B). Lines are split into columns at runs of
// spaces and tabs (and \r, \v, \f; other Unicode spaces are part of a
// column); a line that is empty or white space only ends a sentence (the
// WNUT-17 training file's separators are single tabs), and so does a
// "-DOCSTART-" line, which becomes a [Doc]. A UTF-8 byte order mark at the
// start and \r\n line ends are accepted. Every token line must have as many
// columns as the first one; separator lines may have any number. Problems
// are returned as a *[CoNLLError] with the line number.
func ReadCoNLL(r io.Reader, opts ...CoNLLOption) (*CoNLL, error) {
	return readCoNLL(r, "CoNLL input", opts)
}

// ReadCoNLLFile reads the CoNLL file at path, plain or gzip-compressed, like
// [ReadCoNLL]; errors name the file.
func ReadCoNLLFile(path string, opts ...CoNLLOption) (*CoNLL, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return readCoNLL(f, path, opts)
}

func readCoNLL(r io.Reader, name string, opts []CoNLLOption) (*CoNLL, error) {
	var cfg conllConfig
	for _, o := range opts {
		o(&cfg)
	}
	e := &CoNLLError{Name: name}
	fail := func(line int, err error, format string, args ...any) (*CoNLL, error) {
		e.Line, e.Err, e.Msg = line, err, fmt.Sprintf(format, args...)
		return nil, e
	}

	br := bufio.NewReader(r)
	var in *bufio.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		e.Gzip = true
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fail(0, err, "bad gzip header")
		}
		defer zr.Close()
		in = bufio.NewReader(zr)
	}

	c := &CoNLL{}
	ncol, firstLine := 0, 0 // columns of the first token line, and its number
	var cur *Sentence       // the open sentence, or nil
	var comments []string   // comments waiting for their sentence
	closeSentence := func() { cur = nil }

	for lineNo := 1; ; lineNo++ {
		raw, err := in.ReadString('\n')
		if err != nil && err != io.EOF {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fail(lineNo, err, "truncated gzip stream")
			}
			return fail(lineNo, err, "reading line")
		}
		if len(raw) == 0 && err == io.EOF {
			break
		}
		line := raw
		if lineNo == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		f := fields(line)
		switch {
		case len(f) == 0:
			closeSentence()
		case cfg.comments && f[0][0] == '#':
			if cur != nil {
				return fail(lineNo, nil, "comment line inside the sentence that starts at line %d; end the sentence with a blank line first", cur.Line)
			}
			comments = append(comments, strings.TrimFunc(line, func(r rune) bool { return r < 0x80 && isBlank(byte(r)) }))
		case f[0] == docStart:
			closeSentence()
			c.Docs = append(c.Docs, Doc{Start: len(c.Sentences), Fields: f})
		default:
			if ncol == 0 {
				ncol, firstLine = len(f), lineNo
				c.Sep = " "
				if strings.IndexByte(line, '\t') >= 0 {
					c.Sep = "\t"
				}
			} else if len(f) != ncol {
				return fail(lineNo, nil, "%d columns, but the first token line (line %d) has %d", len(f), firstLine, ncol)
			}
			if cur == nil {
				c.Sentences = append(c.Sentences, Sentence{Columns: make([][]string, ncol), Comments: comments, Line: lineNo})
				comments = nil
				cur = &c.Sentences[len(c.Sentences)-1]
			}
			for k, v := range f {
				cur.Columns[k] = append(cur.Columns[k], v)
			}
		}
		if err == io.EOF {
			break
		}
	}
	c.Trailing = comments
	return c, nil
}

// WriteCoNLL writes c to w in the CoNLL format, uncompressed: each document
// separator line before the sentence it precedes, followed by a blank line;
// each sentence's comments, then its tokens, one line each with the columns
// joined by c.Sep (" " if empty), then a blank line; then the trailing
// comments. [ReadCoNLL] reads the output back to the same sentences,
// documents and comments (given [CoNLLComments] when there are comments).
//
// It returns an error, before writing anything, if that would not hold: a
// sentence without tokens, columns of unequal lengths, tokens with another
// number of columns than the first, an empty column value or one holding
// white space, a first column "-DOCSTART-", a first column starting with
// '#' in a file with comments, a comment not starting with '#' or spanning
// lines, a separator whose first field is not "-DOCSTART-", document starts
// out of order, or a Sep other than " " or "\t".
func WriteCoNLL(w io.Writer, c *CoNLL) error {
	if err := c.validate(); err != nil {
		return err
	}
	sep := c.Sep
	if sep == "" {
		sep = " "
	}
	bw := bufio.NewWriter(w)
	if len(c.Sentences) > 0 && (len(c.Docs) == 0 || c.Docs[0].Start > 0) && len(c.Sentences[0].Comments) == 0 &&
		(strings.HasPrefix(c.Sentences[0].Columns[0][0], "\uFEFF") || strings.HasPrefix(c.Sentences[0].Columns[0][0], "\x1f\x8b")) {
		// So that the reader does not take the first token's start for a
		// byte order mark or the gzip magic.
		bw.WriteByte('\n')
	}
	d := 0
	docs := func(upTo int) {
		for ; d < len(c.Docs) && c.Docs[d].Start <= upTo; d++ {
			bw.WriteString(strings.Join(c.Docs[d].Fields, sep))
			bw.WriteString("\n\n")
		}
	}
	for i := range c.Sentences {
		docs(i)
		s := &c.Sentences[i]
		for _, cm := range s.Comments {
			bw.WriteString(cm)
			bw.WriteByte('\n')
		}
		for t := range s.Len() {
			for k, col := range s.Columns {
				if k > 0 {
					bw.WriteString(sep)
				}
				bw.WriteString(col[t])
			}
			bw.WriteByte('\n')
		}
		bw.WriteByte('\n')
	}
	docs(len(c.Sentences))
	for _, cm := range c.Trailing {
		bw.WriteString(cm)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("data.WriteCoNLL: %w", err)
	}
	return nil
}

// validate returns an error if writing c would not read back equal.
func (c *CoNLL) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("data.WriteCoNLL: "+format, args...)
	}
	if c.Sep != "" && c.Sep != " " && c.Sep != "\t" {
		return bad("separator %q; want \" \" or \"\\t\"", c.Sep)
	}
	checkField := func(where string, v string) error {
		if v == "" {
			return bad("%s: empty column value", where)
		}
		for i := 0; i < len(v); i++ {
			if isBlank(v[i]) {
				return bad("%s: column value %q holds white space", where, v)
			}
		}
		return nil
	}
	hasComments := len(c.Trailing) > 0
	for i := range c.Sentences {
		hasComments = hasComments || len(c.Sentences[i].Comments) > 0
	}
	checkComment := func(where, cm string) error {
		if !strings.HasPrefix(cm, "#") || strings.Contains(cm, "\n") || strings.TrimRight(cm, " \t\r\v\f") != cm {
			return bad("%s: comment %q must start with '#', be one line and not end in white space", where, cm)
		}
		return nil
	}
	ncol := 0
	for i := range c.Sentences {
		s := &c.Sentences[i]
		where := fmt.Sprintf("sentence %d", i)
		n := s.Len()
		if n == 0 {
			return bad("%s has no tokens", where)
		}
		if ncol == 0 {
			ncol = len(s.Columns)
		} else if len(s.Columns) != ncol {
			return bad("%s has %d columns, sentence 0 has %d", where, len(s.Columns), ncol)
		}
		for k, col := range s.Columns {
			if len(col) != n {
				return bad("%s: column %d has %d values, column 0 has %d", where, k, len(col), n)
			}
			for t, v := range col {
				if err := checkField(fmt.Sprintf("%s, token %d", where, t), v); err != nil {
					return err
				}
			}
		}
		for t, v := range s.Columns[0] {
			if v == docStart || (hasComments && v[0] == '#') {
				return bad("%s, token %d: first column %q would read back as a separator or comment", where, t, v)
			}
		}
		for _, cm := range s.Comments {
			if err := checkComment(where, cm); err != nil {
				return err
			}
		}
	}
	for _, cm := range c.Trailing {
		if err := checkComment("trailing comments", cm); err != nil {
			return err
		}
	}
	prev := 0
	for k, d := range c.Docs {
		if d.Start < prev || d.Start > len(c.Sentences) {
			return bad("document %d starts at sentence %d, after document %d's %d or beyond the %d sentences", k, d.Start, k-1, prev, len(c.Sentences))
		}
		prev = d.Start
		if len(d.Fields) == 0 || d.Fields[0] != docStart {
			return bad("document %d: separator fields %q must start with %q", k, d.Fields, docStart)
		}
		for _, v := range d.Fields {
			if err := checkField(fmt.Sprintf("document %d", k), v); err != nil {
				return err
			}
		}
	}
	return nil
}
