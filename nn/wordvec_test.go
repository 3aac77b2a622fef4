package nn_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/nn"
)

const gloveSmall = "the 0.1 0.2 0.3\n" +
	"Paris -1 2.5e-1 3\n" +
	"paris 4 5 6\n" +
	". . . 7 8 9\n" + // a GloVe 840B word with spaces
	"\n" +
	"cat\t1\t2\t3  \r\n" // tabs, trailing spaces, CRLF

func vec(t *testing.T, wv *nn.WordVectors, w string) []float32 {
	t.Helper()
	v, ok := wv.Lookup(w)
	if !ok {
		t.Fatalf("no vector for %q (words %q)", w, wv.Words)
	}
	return v
}

// TestReadWordVectorsGloVe reads a small GloVe-style file: dimension from
// the first line, a word with spaces, tabs, CRLF, blank lines.
func TestReadWordVectorsGloVe(t *testing.T) {
	wv, err := nn.ReadWordVectors(strings.NewReader(gloveSmall), nn.WordVectorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if wv.Dim != 3 || wv.Len() != 5 || len(wv.Vectors) != 15 {
		t.Fatalf("dim %d, %d words %q, %d values", wv.Dim, wv.Len(), wv.Words, len(wv.Vectors))
	}
	if want := []string{"the", "Paris", "paris", ". . .", "cat"}; !slices.Equal(wv.Words, want) {
		t.Errorf("words %q, want %q", wv.Words, want)
	}
	if got := vec(t, wv, "Paris"); !slices.Equal(got, []float32{-1, 0.25, 3}) {
		t.Errorf("Paris %v", got)
	}
	if got := vec(t, wv, "cat"); !slices.Equal(got, []float32{1, 2, 3}) {
		t.Errorf("cat %v", got)
	}
	if _, ok := wv.Lookup("dog"); ok {
		t.Error("found dog")
	}
}

// TestReadWordVectorsWord2Vec reads a word2vec text file with its header,
// gzip-compressed, and checks the header's count both ways.
func TestReadWordVectorsWord2Vec(t *testing.T) {
	src := "3 2\n</s> 0 0 \nking 1 2 \nqueen 3 4 \n"
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(src))
	zw.Close()
	wv, err := nn.ReadWordVectors(&buf, nn.WordVectorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if wv.Dim != 2 || !slices.Equal(wv.Words, []string{"</s>", "king", "queen"}) {
		t.Fatalf("dim %d words %q", wv.Dim, wv.Words)
	}
	if got := vec(t, wv, "queen"); !slices.Equal(got, []float32{3, 4}) {
		t.Errorf("queen %v", got)
	}
	// A header-only file is an empty table.
	wv, err = nn.ReadWordVectors(strings.NewReader("0 300\n"), nn.WordVectorOptions{})
	if err != nil || wv.Dim != 300 || wv.Len() != 0 {
		t.Errorf("header only: %v, %v", wv, err)
	}
	// MaxWords stops early without complaining about the count.
	wv, err = nn.ReadWordVectors(strings.NewReader(src), nn.WordVectorOptions{MaxWords: 2})
	if err != nil || !slices.Equal(wv.Words, []string{"</s>", "king"}) {
		t.Errorf("MaxWords 2: %v, %v", wv, err)
	}
}

// TestReadWordVectorsFilter checks the vocabulary filter (with the
// lower-case forms of its words), lower-casing with the first occurrence
// kept, and that filtered-out lines are not parsed.
func TestReadWordVectorsFilter(t *testing.T) {
	src := gloveSmall + "skipped 1 2 x\n"
	wv, err := nn.ReadWordVectors(strings.NewReader(src), nn.WordVectorOptions{Vocab: []string{"Paris", "cat", "dog"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Paris", "paris", "cat"}; !slices.Equal(wv.Words, want) {
		t.Errorf("filtered words %q, want %q", wv.Words, want)
	}
	wv, err = nn.ReadWordVectors(strings.NewReader(gloveSmall), nn.WordVectorOptions{Lowercase: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"the", "paris", ". . .", "cat"}; !slices.Equal(wv.Words, want) {
		t.Errorf("lower-cased words %q, want %q", wv.Words, want)
	}
	if got := vec(t, wv, "paris"); !slices.Equal(got, []float32{-1, 0.25, 3}) {
		t.Errorf("paris %v, want the first (Paris) vector", got)
	}
}

// TestReadWordVectorsErrors checks that every malformed input is an error
// naming its line.
func TestReadWordVectorsErrors(t *testing.T) {
	for _, c := range []struct {
		name, src string
		opts      nn.WordVectorOptions
		want      string
	}{
		{"ragged short", "a 1 2 3\nb 1 2\n", nn.WordVectorOptions{}, "line 2: 2 values, want 3"},
		{"ragged long", "a 1 2\nb 1 2 3\n", nn.WordVectorOptions{}, "line 2: 3 values, want 2"},
		{"bad float", "a 1 2\n\nb 1 zwei\n", nn.WordVectorOptions{}, `line 3: value 2 "zwei"`},
		{"nan", "a 1 NaN\n", nn.WordVectorOptions{}, "not a finite number"},
		{"overflow", "a 1 1e40\n", nn.WordVectorOptions{}, "not a finite number"},
		{"word only", "a\n", nn.WordVectorOptions{}, "line 1: a word without values"},
		{"dim option", "a 1 2\n", nn.WordVectorOptions{Dim: 3}, "line 1: 2 values, want 3"},
		{"header dim option", "1 2\na 1 2\n", nn.WordVectorOptions{Dim: 3}, "line 1: header announces dimension 2, want 3"},
		{"header zero dim", "1 0\n", nn.WordVectorOptions{}, "dimension 0"},
		{"header too few", "3 2\na 1 2\nb 1 2\n", nn.WordVectorOptions{}, "ends after 2 of the 3 vectors"},
		{"header too many", "1 2\na 1 2\nb 1 2\n", nn.WordVectorOptions{}, "line 3: more than the 1 vectors"},
		{"long line", "a " + strings.Repeat("1 ", 100) + "\n", nn.WordVectorOptions{MaxLineBytes: 64}, "line 1: longer than 64 bytes"},
		{"empty", "\n\n", nn.WordVectorOptions{}, "no vectors"},
		{"bad gzip", "\x1f\x8b garbage", nn.WordVectorOptions{}, "gzip"},
	} {
		_, err := nn.ReadWordVectors(strings.NewReader(c.src), c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestReadWordVectorsFile reads a gzip file from disk and names the file in
// errors.
func TestReadWordVectorsFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "v.txt.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(gloveSmall))
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	wv, err := nn.ReadWordVectorsFile(path, nn.WordVectorOptions{})
	if err != nil || wv.Len() != 5 {
		t.Fatalf("%v, %v", wv, err)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("a 1\nb\n"), 0o644)
	if _, err := nn.ReadWordVectorsFile(bad, nn.WordVectorOptions{}); err == nil || !strings.Contains(err.Error(), "bad.txt") {
		t.Errorf("error %v does not name the file", err)
	}
}

// TestInitEmbedding checks rows set from exact and lower-case matches, the
// count, untouched rows (missing words, padding) and the errors.
func TestInitEmbedding(t *testing.T) {
	wv, err := nn.ReadWordVectors(strings.NewReader("the 1 2 3\nparis 4 5 6\n"), nn.WordVectorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := nn.NewEmbedding(rand.New(rand.NewPCG(1, 2)), 5, 3, 0)
	before := slices.Clone(e.Weight.Data())
	found, err := wv.InitEmbedding(e, []string{"the", "the", "Paris", "unknown"})
	if err != nil || found != 2 {
		t.Fatalf("found %d, %v; want 2 (padding row skipped)", found, err)
	}
	w := e.Weight.Data()
	for r, want := range [][]float32{{0, 0, 0}, {1, 2, 3}, {4, 5, 6}, before[9:12], before[12:15]} {
		if got := w[r*3 : r*3+3]; !slices.Equal(got, want) {
			t.Errorf("row %d = %v, want %v", r, got, want)
		}
	}
	if _, err := wv.InitEmbedding(nn.NewEmbedding(rand.New(rand.NewPCG(1, 2)), 5, 4, -1), []string{"the"}); err == nil {
		t.Error("dimension mismatch: no error")
	}
	if _, err := wv.InitEmbedding(nn.NewEmbedding(rand.New(rand.NewPCG(1, 2)), 1, 3, -1), []string{"the", "paris"}); err == nil {
		t.Error("too many words: no error")
	}
}

// FuzzReadWordVectors checks that no input panics the parser and that
// every table it returns is consistent: Dim·Len values, all finite, unique
// words that Lookup finds.
func FuzzReadWordVectors(f *testing.F) {
	for _, s := range []string{gloveSmall, "3 2\na 1 2\nb 3 4\nc 5 6\n", "1 0\n", "a\n", "\x1f\x8b", "2 1\n3 2\n", "x 1e40\n", "a 1 2\nb . 1 2\n"} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, lower bool) {
		wv, err := nn.ReadWordVectors(bytes.NewReader(data), nn.WordVectorOptions{Lowercase: lower, MaxLineBytes: 1 << 12})
		if err != nil {
			return
		}
		if wv.Dim < 1 || len(wv.Vectors) != wv.Dim*wv.Len() {
			t.Fatalf("dim %d, %d words, %d values", wv.Dim, wv.Len(), len(wv.Vectors))
		}
		for _, v := range wv.Vectors {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("non-finite value %v", v)
			}
		}
		seen := map[string]bool{}
		for i, w := range wv.Words {
			if seen[w] || w == "" {
				t.Fatalf("word %d %q repeated or empty", i, w)
			}
			seen[w] = true
			if v, ok := wv.Lookup(w); !ok || &v[0] != &wv.Vectors[i*wv.Dim] {
				t.Fatalf("Lookup(%q) does not find row %d", w, i)
			}
		}
	})
}

// ExampleReadWordVectors loads the vectors of a small vocabulary from a
// GloVe-style file and initialises an embedding table with them.
func ExampleReadWordVectors() {
	file := strings.NewReader("the 0.1 0.2\nparis 0.5 -0.5\nlondon 0.4 -0.4\n")
	vocab := []string{"<pad>", "the", "Paris", "Tokyo"}
	wv, err := nn.ReadWordVectors(file, nn.WordVectorOptions{Vocab: vocab})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(wv.Words, wv.Dim)
	emb := nn.NewEmbedding(rand.New(rand.NewPCG(1, 2)), len(vocab), wv.Dim, 0)
	found, err := wv.InitEmbedding(emb, vocab)
	fmt.Println(found, err)
	fmt.Println(emb.Weight.Data()[4:6]) // the row of "Paris"
	// Output:
	// [the paris] 2
	// 2 <nil>
	// [0.5 -0.5]
}

// BenchmarkReadWordVectors reads 10,000 GloVe-style lines of 100 values
// (about 6 MB) with no filter.
func BenchmarkReadWordVectors(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&sb, "w%d", i)
		for range 100 {
			fmt.Fprintf(&sb, " %.6f", rng.NormFloat64())
		}
		sb.WriteByte('\n')
	}
	src := sb.String()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := nn.ReadWordVectors(strings.NewReader(src), nn.WordVectorOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
