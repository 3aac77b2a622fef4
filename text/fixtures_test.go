package text

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"
)

// readGz returns the first limit bytes (0: all) of a gzipped shared data file,
// skipping the test if it is not there.
func readGz(t testing.TB, path string, limit int) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("data not available: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = zr
	if limit > 0 {
		r = io.LimitReader(zr, int64(limit))
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const shakespeare = "../../shared/data/tinyshakespeare/input.txt.gz"
const wikitextValid = "../../shared/data/wikitext2/valid.txt.gz"

// fixtureBPE trains the small BPE tokenizer used by the parity fixture.
func fixtureBPE(t testing.TB) *BPE {
	lines := bytes.Split([]byte(readGz(t, shakespeare, 200_000)), []byte("\n"))
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = string(l) + "\n"
	}
	b, err := BPETrainer{VocabSize: 600, SpecialTokens: []string{"<|endoftext|>"}}.Train(texts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWriteFixtures regenerates testdata/bpe_tokenizer.json and
// testdata/wp_tokenizer.json (inputs of testdata/xenova_parity.mjs) when
// CAIRN_UPDATE_FIXTURES=1; otherwise it checks that the committed
// bpe_tokenizer.json is what the trainer produces today.
func TestWriteFixtures(t *testing.T) {
	var bb, wb bytes.Buffer
	if err := WriteTokenizerJSON(&bb, fixtureBPE(t)); err != nil {
		t.Fatal(err)
	}
	if err := WriteTokenizerJSON(&wb, loadTestWordPiece(t, true)); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("CAIRN_UPDATE_FIXTURES") == "1" {
		if err := os.WriteFile("testdata/bpe_tokenizer.json", bb.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/wp_tokenizer.json", wb.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile("testdata/bpe_tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old, bb.Bytes()) {
		t.Fatal("BPE trainer output differs from testdata/bpe_tokenizer.json (training is not deterministic, or the trainer changed)")
	}
	old, err = os.ReadFile("testdata/wp_tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old, wb.Bytes()) {
		t.Fatal("WriteTokenizerJSON output differs from testdata/wp_tokenizer.json")
	}
}
