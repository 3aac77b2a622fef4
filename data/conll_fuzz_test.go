package data_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/cairn-ml/cairn/data"
)

// FuzzReadCoNLL checks that the reader never panics, and that whatever it
// reads the writer accepts and the reader reads back equal (up to the
// Line fields, and Sep for one-column files, where it cannot show), with
// the writer's output a fixed point.
func FuzzReadCoNLL(f *testing.F) {
	for _, name := range []string{"conll_docs.txt", "conll_comments.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
		f.Add(gz(b), false)
	}
	for _, s := range []string{
		"", "\n", "a\n", "a O\n\nb O\n", "\uFEFFa\tO\r\n\t\n", "a O\nb\n", "-DOCSTART-\n-DOCSTART-\n",
		"# c\na O\n# d\n", " # x y\n", "#\r0\n", " \x1f\x8b", "\uFEFF\uFEFFx\n", "a\v\fb\n", "a O\n-DOCSTART- x\nb O",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, comments bool) {
		var opts []data.CoNLLOption
		if comments {
			opts = append(opts, data.CoNLLComments())
		}
		c, err := data.ReadCoNLL(bytes.NewReader(in), opts...)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := data.WriteCoNLL(&out, c); err != nil {
			t.Fatalf("WriteCoNLL rejected what ReadCoNLL read: %v", err)
		}
		back, err := data.ReadCoNLL(bytes.NewReader(out.Bytes()), opts...)
		if err != nil {
			t.Fatalf("reading the written file: %v\n%q", err, out.String())
		}
		for _, x := range []*data.CoNLL{c, back} {
			for i := range x.Sentences {
				x.Sentences[i].Line = 0
			}
			if len(x.Sentences) > 0 && len(x.Sentences[0].Columns) == 1 {
				x.Sep = ""
			}
		}
		if !reflect.DeepEqual(c, back) {
			t.Fatalf("read %+v\nwrote %q\nread back %+v", c, out.String(), back)
		}
		var again bytes.Buffer
		if err := data.WriteCoNLL(&again, back); err != nil || !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("writing again: %v\n%q\n%q", err, out.String(), again.String())
		}
	})
}
