package lens_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/viz/lens"
	"github.com/cairn-ml/cairn/viz/lens/prosetag"
)

// alpacaPath is the Code Alpaca 2k file of the shared data tree (not part
// of the repository; the benchmark skips without it).
const alpacaPath = "../../../shared/data/llm-generated/code_alpaca_2k.json.gz"

func alpacaInstructions(b *testing.B) []string {
	f, err := os.Open(alpacaPath)
	if err != nil {
		b.Skip("Code Alpaca data not available:", err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	var recs []struct{ Instruction string }
	if err := json.NewDecoder(z).Decode(&recs); err != nil {
		b.Fatal(err)
	}
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Instruction
	}
	return out
}

// BenchmarkBuild times raw text → clusters and summaries (prose tagging,
// TF-IDF embedding, token/POS/embedding lenses at DefaultKs) for n Code
// Alpaca instructions.
func BenchmarkBuild(b *testing.B) {
	texts := alpacaInstructions(b)
	if _, err := (prosetag.Tagger{}).Parse("warm up"); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{250, 500, 1000, 2000} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			in := make([]lens.Input, n)
			for i := range in {
				in[i] = lens.Input{Text: texts[i], Columns: map[string]any{"instruction": texts[i]}}
			}
			// Seconds per stage (tagging, embedding, similarity, Ward
			// linkage + cuts, pattern summaries), summed over iterations.
			stage := map[string]time.Duration{}
			var last time.Time
			prog := func(s string, done, total int) {
				now := time.Now()
				stage[s] += now.Sub(last)
				last = now
			}
			for b.Loop() {
				last = time.Now()
				if _, err := lens.Build(context.Background(), in, lens.Options{Parser: prosetag.Tagger{}, Progress: prog}); err != nil {
					b.Fatal(err)
				}
			}
			for s, d := range stage {
				b.ReportMetric(d.Seconds()/float64(b.N), s+"-s/op")
			}
		})
	}
}
