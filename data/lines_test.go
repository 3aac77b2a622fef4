package data

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestReadLines reads the same text plain and gzipped (under a name that
// does not say so, and a .gz name that is not compressed): blank and
// white-space-only lines are dropped, the others trimmed, "\r\n" endings
// included; a corrupt gzip stream, a missing file and an over-long line
// are errors.
func TestReadLines(t *testing.T) {
	dir := t.TempDir()
	body := "  first line \r\n\n \t \nsecond\tline\n\nlast"
	want := []string{"first line", "second\tline", "last"}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(body))
	zw.Close()
	files := map[string][]byte{"plain.txt": []byte(body), "zipped.txt": gz.Bytes(), "plain.gz": []byte(body)}
	for name, b := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadLines(path)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: got %q, %v; want %q", name, got, err, want)
		}
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	if got, err := ReadLines(empty); err != nil || len(got) != 0 {
		t.Errorf("empty file: got %q, %v", got, err)
	}
	bad := filepath.Join(dir, "bad.gz")
	os.WriteFile(bad, gz.Bytes()[:len(gz.Bytes())-6], 0o644)
	if _, err := ReadLines(bad); err == nil {
		t.Error("truncated gzip stream: no error")
	}
	if _, err := ReadLines(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file: no error")
	}
	long := filepath.Join(dir, "long")
	os.WriteFile(long, []byte("a\n"+strings.Repeat("x", maxLineBytes+1)+"\n"), 0o644)
	if _, err := ReadLines(long); err == nil {
		t.Error("line over the limit: no error")
	}
}
