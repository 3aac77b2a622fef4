package data_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
)

// Reading a CoNLL-2003-style file with four columns and a document
// separator; the words are the first column and the entity tags the last.
func ExampleReadCoNLL() {
	const file = `-DOCSTART- -X- -X- O

EU NNP B-NP I-ORG
rejects VBZ B-VP O
German JJ B-NP I-MISC
call NN I-NP O

Peter NNP B-NP I-PER
Blackburn NNP I-NP I-PER
`
	c, err := data.ReadCoNLL(strings.NewReader(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(c.Sentences), "sentences,", c.NumTokens(), "tokens,", len(c.Docs), "document")
	for _, s := range c.Sentences {
		fmt.Println(s.Column(0), s.Column(-1), data.Spans(s.Column(-1)))
	}
	fmt.Println(data.ConvertTags(c.Sentences[0].Column(-1), data.IOBES))

	_, err = data.ReadCoNLL(strings.NewReader("EU NNP I-ORG\nrejects O\n"))
	fmt.Println(err)
	// Output:
	// 2 sentences, 6 tokens, 1 document
	// [EU rejects German call] [I-ORG O I-MISC O] [ORG[0:1] MISC[2:3]]
	// [Peter Blackburn] [I-PER I-PER] [PER[0:2]]
	// [S-ORG O S-MISC O]
	// data: CoNLL input:2: 2 columns, but the first token line (line 1) has 3
}

func readString(t *testing.T, s string, opts ...data.CoNLLOption) *data.CoNLL {
	t.Helper()
	c, err := data.ReadCoNLL(strings.NewReader(s), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadCoNLLLayout(t *testing.T) {
	// Tab separators, a whitespace-only separator line (WNUT-17), CRLF,
	// a byte order mark, no final newline, runs of blank lines.
	c := readString(t, "\uFEFFa\tO\r\nb\tB-X\r\n\t\r\n\n\nc\tI-X")
	if got := fmt.Sprint(c.Column(0), c.Column(1), c.Sep, len(c.Docs)); got != "[[a b] [c]] [[O B-X] [I-X]]\t0" {
		t.Errorf("got %q", got)
	}
	if c.Sentences[0].Line != 1 || c.Sentences[1].Line != 6 {
		t.Errorf("lines %d %d; want 1 6", c.Sentences[0].Line, c.Sentences[1].Line)
	}
	// Mixed runs of spaces and tabs; a non-breaking space is part of a token.
	c = readString(t, "x  \t y\u00a0z  O  \n")
	if got := c.Sentences[0].Columns; len(got) != 3 || got[1][0] != "y\u00a0z" {
		t.Errorf("columns %q", got)
	}
	if c.Sep != "\t" {
		t.Errorf("Sep %q; want a tab", c.Sep)
	}
	// Empty input, blank input.
	for _, s := range []string{"", "\n\n \t\n"} {
		c = readString(t, s)
		if len(c.Sentences) != 0 || c.Docs != nil || c.Sep != "" {
			t.Errorf("%q: got %+v", s, c)
		}
	}
	// Hashtags are tokens unless comments are asked for.
	c = readString(t, "#tag O\nx O\n")
	if c.Sentences[0].Len() != 2 {
		t.Errorf("#tag not read as a token: %+v", c.Sentences)
	}
}

func TestReadCoNLLDocs(t *testing.T) {
	c, err := data.ReadCoNLLFile(filepath.Join("testdata", "conll_docs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sentences) != 3 || c.NumTokens() != 9 || len(c.Docs) != 2 || c.Docs[0].Start != 0 || c.Docs[1].Start != 2 {
		t.Fatalf("got %d sentences, %d tokens, docs %+v", len(c.Sentences), c.NumTokens(), c.Docs)
	}
	if got := fmt.Sprint(c.Docs[1].Fields, c.Sentences[2].Column(2), c.Sentences[2].Line); got != "[-DOCSTART- -X- -X- O] [B-NP I-NP] 14" {
		t.Errorf("got %s", got)
	}
	// A separator ends a sentence without a blank line; empty documents
	// and one at the end are kept.
	c = readString(t, "a O\n-DOCSTART-\n-DOCSTART- x\nb O\n-DOCSTART-\n")
	if got := fmt.Sprint(c.Column(0), c.Docs); got != "[[a] [b]] [{1 [-DOCSTART-]} {1 [-DOCSTART- x]} {2 [-DOCSTART-]}]" {
		t.Errorf("got %s", got)
	}
}

func TestReadCoNLLComments(t *testing.T) {
	c, err := data.ReadCoNLLFile(filepath.Join("testdata", "conll_comments.txt"), data.CoNLLComments())
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"# sent_id = 1", "# text = Hello world"}, {"#begin document (nw/x); part 000"}}
	if len(c.Sentences) != 2 || !reflect.DeepEqual([][]string{c.Sentences[0].Comments, c.Sentences[1].Comments}, want) ||
		!reflect.DeepEqual(c.Trailing, []string{"#end document"}) {
		t.Errorf("got %+v", c)
	}
	if got := fmt.Sprint(c.Column(1), c.Column(-1)); got != "[[Hello world] [Paris]] [[O O] [B-LOC]]" {
		t.Errorf("got %s", got)
	}
	_, err = data.ReadCoNLL(strings.NewReader("1 a\n# c\n2 b\n"), data.CoNLLComments())
	if err == nil || err.Error() != "data: CoNLL input:2: comment line inside the sentence that starts at line 1; end the sentence with a blank line first" {
		t.Errorf("comment inside a sentence: %v", err)
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestReadCoNLLGzip(t *testing.T) {
	plain, err := os.ReadFile(filepath.Join("testdata", "conll_docs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := data.ReadCoNLL(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	z := gz(plain)
	got, err := data.ReadCoNLL(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("gzip input read differently")
	}
	// Truncated and corrupt streams are errors that say so.
	_, err = data.ReadCoNLL(bytes.NewReader(z[:len(z)-12]))
	var ce *data.CoNLLError
	if !errors.As(err, &ce) || !ce.Gzip || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated gzip: %v", err)
	}
	bad := bytes.Clone(z)
	bad[len(bad)-5]++ // the length in the trailer
	if _, err = data.ReadCoNLL(bytes.NewReader(bad)); err == nil {
		t.Error("corrupt gzip trailer accepted")
	}
	if _, err = data.ReadCoNLL(bytes.NewReader([]byte{0x1f, 0x8b, 1})); err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Errorf("bad gzip header: %v", err)
	}
}

func TestReadCoNLLErrors(t *testing.T) {
	_, err := data.ReadCoNLL(strings.NewReader("a B C\n\nb C\n"))
	var ce *data.CoNLLError
	if !errors.As(err, &ce) || ce.Line != 3 || err.Error() != "data: CoNLL input:3: 2 columns, but the first token line (line 1) has 3" {
		t.Errorf("ragged columns: %v", err)
	}
	path := filepath.Join(t.TempDir(), "bad.conll")
	os.WriteFile(path, []byte("a O\nb\n"), 0o644)
	if _, err := data.ReadCoNLLFile(path); err == nil || err.Error() != "data: "+path+":2: 1 columns, but the first token line (line 1) has 2" {
		t.Errorf("file error: %v", err)
	}
	if _, err := data.ReadCoNLLFile(filepath.Join(t.TempDir(), "missing")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func roundTrip(t *testing.T, c *data.CoNLL, opts ...data.CoNLLOption) (*data.CoNLL, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := data.WriteCoNLL(&buf, c); err != nil {
		t.Fatal(err)
	}
	back, err := data.ReadCoNLL(bytes.NewReader(buf.Bytes()), opts...)
	if err != nil {
		t.Fatalf("%v reading back\n%s", err, buf.String())
	}
	return back, buf.String()
}

func TestWriteCoNLLRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		file string
		opts []data.CoNLLOption
	}{
		{"conll_docs.txt", nil},
		{"conll_comments.txt", []data.CoNLLOption{data.CoNLLComments()}},
	} {
		plain, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		c, err := data.ReadCoNLL(bytes.NewReader(plain), tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		back, out := roundTrip(t, c, tc.opts...)
		// These fixtures are in the writer's own layout: byte-identical.
		if out != string(plain) {
			t.Errorf("%s: wrote\n%q\nread\n%q", tc.file, out, plain)
		}
		if !reflect.DeepEqual(back, c) {
			t.Errorf("%s: read back differently", tc.file)
		}
	}
}

func TestWriteCoNLLErrors(t *testing.T) {
	sent := func(cols ...[]string) data.Sentence { return data.Sentence{Columns: cols} }
	for _, tc := range []struct {
		name string
		c    data.CoNLL
	}{
		{"empty sentence", data.CoNLL{Sentences: []data.Sentence{{}}}},
		{"ragged columns", data.CoNLL{Sentences: []data.Sentence{sent([]string{"a", "b"}, []string{"O"})}}},
		{"column count", data.CoNLL{Sentences: []data.Sentence{sent([]string{"a"}), sent([]string{"a"}, []string{"O"})}}},
		{"space", data.CoNLL{Sentences: []data.Sentence{sent([]string{"a b"})}}},
		{"empty value", data.CoNLL{Sentences: []data.Sentence{sent([]string{""})}}},
		{"docstart token", data.CoNLL{Sentences: []data.Sentence{sent([]string{"-DOCSTART-"})}}},
		{"hash with comments", data.CoNLL{Sentences: []data.Sentence{{Columns: [][]string{{"#x"}}, Comments: []string{"# c"}}}}},
		{"bad comment", data.CoNLL{Sentences: []data.Sentence{{Columns: [][]string{{"x"}}, Comments: []string{"c"}}}}},
		{"bad doc", data.CoNLL{Docs: []data.Doc{{Start: 0, Fields: []string{"DOC"}}}}},
		{"doc order", data.CoNLL{Sentences: []data.Sentence{sent([]string{"a"})}, Docs: []data.Doc{{Start: 1, Fields: []string{"-DOCSTART-"}}, {Start: 0, Fields: []string{"-DOCSTART-"}}}}},
		{"sep", data.CoNLL{Sep: ","}},
	} {
		var buf bytes.Buffer
		if err := data.WriteCoNLL(&buf, &tc.c); err == nil || buf.Len() != 0 {
			t.Errorf("%s: err %v, wrote %q", tc.name, err, buf.String())
		}
	}
	// A first token that starts with a byte order mark survives.
	c := &data.CoNLL{Sentences: []data.Sentence{sent([]string{"\uFEFFx"})}}
	if back, _ := roundTrip(t, c); back.Sentences[0].Columns[0][0] != "\uFEFFx" {
		t.Errorf("BOM token lost: %q", back.Sentences[0].Columns[0][0])
	}
}

// wnut17 returns the path of a WNUT-17 file, skipping the test if the
// data is absent.
func wnut17(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(data.Dir(), "wnut17", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("WNUT-17 not found under %s (set CAIRN_DATA): %v", data.Dir(), err)
	}
	return p
}

// The three WNUT-17 files load with the counts of their NOTES.md (and of
// the Hugging Face wnut_17 loader): sentences, tokens, and entities, here
// counted as spans; every file is valid IOB2 with the 13 tags O and B/I of
// six types, and converting to IOBES and back keeps every span.
func TestReadCoNLLWNUT17(t *testing.T) {
	for _, tc := range []struct {
		file                       string
		sentences, tokens, spans   int
		person, location, creative int
	}{
		{"wnut17train.conll.gz", 3394, 62730, 1975, 660, 548, 140},
		{"emerging.dev.conll.gz", 1009, 15733, 836, 470, 74, 105},
		{"emerging.test.annotated.gz", 1287, 23394, 1079, 429, 150, 142},
	} {
		c, err := data.ReadCoNLLFile(wnut17(t, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		tags := c.Column(-1)
		byType := map[string]int{}
		spans := 0
		for i, s := range tags {
			if err := data.CheckTags(s, data.IOB2); err != nil {
				t.Fatalf("%s sentence %d: %v", tc.file, i, err)
			}
			sp := data.Spans(s)
			spans += len(sp)
			for _, x := range sp {
				byType[x.Type]++
			}
			iobes := data.ConvertTags(s, data.IOBES)
			if err := data.CheckTags(iobes, data.IOBES); err != nil {
				t.Fatalf("%s sentence %d: IOBES conversion invalid: %v", tc.file, i, err)
			}
			if back := data.ConvertTags(iobes, data.IOB2); !reflect.DeepEqual(back, s) {
				t.Fatalf("%s sentence %d: IOB2 -> IOBES -> IOB2 gives %v, want %v", tc.file, i, back, s)
			}
		}
		got := []int{len(c.Sentences), c.NumTokens(), spans, byType["person"], byType["location"], byType["creative-work"], len(byType), len(c.Sentences[0].Columns)}
		want := []int{tc.sentences, tc.tokens, tc.spans, tc.person, tc.location, tc.creative, 6, 2}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: sentences, tokens, spans, person, location, creative-work, types, columns = %v; want %v", tc.file, got, want)
		}
		if v := data.NewTagVocab(tags, data.IOB2); v.Len() != 13 {
			t.Errorf("%s: %d tags; want 13", tc.file, v.Len())
		}
		// The round trip through the writer gives the same sentences.
		back, _ := roundTrip(t, c)
		for i := range back.Sentences {
			back.Sentences[i].Line = c.Sentences[i].Line
		}
		if !reflect.DeepEqual(back, c) {
			t.Errorf("%s: write and read back differ", tc.file)
		}
	}
}
