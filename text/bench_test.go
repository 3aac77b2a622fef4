package text

import (
	"strings"
	"testing"
)

// BenchmarkWordPieceEncode: encode throughput of an 8k vocabulary trained on
// wikitext-2 valid, on the first 1 MB of wikitext-2 test.
func BenchmarkWordPieceEncode(b *testing.B) {
	train := strings.Split(readGz(b, wikitextValid, 0), "\n")
	wp, err := WordPieceTrainer{VocabSize: 8000, Lower: true}.Train(train)
	if err != nil {
		b.Fatal(err)
	}
	input := readGz(b, "../../shared/data/wikitext2/test.txt.gz", 1<<20)
	b.SetBytes(int64(len(input)))
	b.ResetTimer()
	for b.Loop() {
		wp.Encode(input)
	}
}

// BenchmarkBPEEncode: byte-level BPE with 8k tokens trained on wikitext-2
// valid, on 1 MB of wikitext-2 test. The first iteration fills the cache.
func BenchmarkBPEEncode(b *testing.B) {
	train := strings.Split(readGz(b, wikitextValid, 0), "\n")
	tk, err := BPETrainer{VocabSize: 8000}.Train(train)
	if err != nil {
		b.Fatal(err)
	}
	input := readGz(b, "../../shared/data/wikitext2/test.txt.gz", 1<<20)
	b.SetBytes(int64(len(input)))
	b.ResetTimer()
	for b.Loop() {
		tk.Encode(input)
	}
}

// BenchmarkBPEEncodeCold: like BenchmarkBPEEncode with an empty cache each time.
func BenchmarkBPEEncodeCold(b *testing.B) {
	train := strings.Split(readGz(b, wikitextValid, 0), "\n")
	tk, err := BPETrainer{VocabSize: 8000}.Train(train)
	if err != nil {
		b.Fatal(err)
	}
	input := readGz(b, "../../shared/data/wikitext2/test.txt.gz", 1<<20)
	b.SetBytes(int64(len(input)))
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		clear(tk.cache)
		b.StartTimer()
		tk.Encode(input)
	}
}

// BenchmarkTrainWordPiece8k: WordPiece trainer, 8k vocabulary on wikitext-2 valid (1.1 MB).
func BenchmarkTrainWordPiece8k(b *testing.B) {
	train := strings.Split(readGz(b, wikitextValid, 0), "\n")
	for b.Loop() {
		if _, err := (WordPieceTrainer{VocabSize: 8000, Lower: true}).Train(train); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrainBPE8k: byte-level BPE trainer, 8k vocabulary on wikitext-2 valid.
func BenchmarkTrainBPE8k(b *testing.B) {
	train := strings.Split(readGz(b, wikitextValid, 0), "\n")
	for b.Loop() {
		if _, err := (BPETrainer{VocabSize: 8000}).Train(train); err != nil {
			b.Fatal(err)
		}
	}
}
