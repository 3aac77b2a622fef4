package ngram

import (
	"strings"
	"testing"
)

// BenchmarkSentenceLogProb scores the ATIS training 5-best hypotheses
// (about 11 words each) with a 4-gram trained on the references, one
// sentence per iteration through the public SentenceLogProb (one slice
// allocated for the per-token values), and reports sentences per second.
func BenchmarkSentenceLogProb(b *testing.B) {
	recs, m := loadATIS(b)
	var sents [][]string
	for _, r := range recs[:1000] {
		for _, h := range r.Input {
			sents = append(sents, strings.Fields(h))
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.SentenceLogProb(sents[i%len(sents)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sentences/s")
}

// BenchmarkTrainATIS trains the 4-gram on the 3,964 ATIS references.
func BenchmarkTrainATIS(b *testing.B) {
	recs, _ := loadATIS(b)
	sents := make([][]string, len(recs))
	for i, r := range recs {
		sents[i] = strings.Fields(r.Output)
	}
	for b.Loop() {
		if _, err := Train(sents, 4, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
