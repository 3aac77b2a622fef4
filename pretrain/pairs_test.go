package pretrain

import (
	"math"
	"testing"
)

// docs returns nDocs documents of segLen-token segments whose ids encode
// document d, segment s and token k, so a pair's origin can be read back.
func testDocs(nDocs, nSegs, segLen int) [][][]int {
	docs := make([][][]int, nDocs)
	for d := range docs {
		for s := 0; s < nSegs; s++ {
			var seg []int
			for k := 0; k < segLen; k++ {
				seg = append(seg, 100000*(d+1)+100*s+k)
			}
			docs[d] = append(docs[d], seg)
		}
	}
	return docs
}

func docOf(id int) int { return id/100000 - 1 }

// splitPair checks the [CLS] A [SEP] B [SEP] layout and returns A and B.
func splitPair(t *testing.T, p Pair, maxLen int) (a, b []int) {
	t.Helper()
	n := len(p.Tokens)
	if n > maxLen || p.Tokens[0] != testSpecial.CLS || p.Tokens[n-1] != testSpecial.SEP {
		t.Fatalf("bad pair %v", p.Tokens)
	}
	sep := -1
	for i := 1; i < n-1; i++ {
		if p.Tokens[i] == testSpecial.SEP {
			sep = i
		}
	}
	for i := range p.Tokens {
		want := 0
		if i > sep {
			want = 1
		}
		if p.Segments[i] != want {
			t.Fatalf("segment ids %v for %v", p.Segments, p.Tokens)
		}
	}
	return p.Tokens[1:sep], p.Tokens[sep+1 : n-1]
}

func TestSOP(t *testing.T) {
	t.Parallel()
	rng := newRNG(51)
	docs := testDocs(20, 40, 10)
	cfg := PairConfig{Special: testSpecial, MaxSeqLen: 64}
	var swapped, total float64
	for total < 25000 {
		for d := range docs {
			for _, p := range SOP(cfg, docs, d, rng) {
				a, b := splitPair(t, p, 64)
				for _, id := range append(append([]int{}, a...), b...) {
					if docOf(id) != d {
						t.Fatalf("SOP pair mixes documents")
					}
				}
				// Label 0: A before B in the document; label 1: swapped.
				inOrder := a[len(a)-1] < b[0]
				if inOrder != (p.Label == 0) {
					t.Fatalf("label %d with A…%d, B %d…", p.Label, a[len(a)-1], b[0])
				}
				swapped += float64(p.Label)
				total++
			}
		}
	}
	within(t, "SOP swapped fraction", swapped/total, 0.5, 0.01)
}

func TestNSP(t *testing.T) {
	t.Parallel()
	rng := newRNG(52)
	// Segments of 20 tokens and a target of 37: every chunk has two
	// segments except possibly the last of a document, where a single
	// segment always takes a random B; the rate is measured without it.
	docs := testDocs(5, 30, 20)
	cfg := PairConfig{Special: testSpecial, MaxSeqLen: 40, ShortSeqProb: -1}
	var random, total float64
	for range 400 {
		for d := range docs {
			ps := NSP(cfg, docs, d, rng)
			for k, p := range ps {
				a, b := splitPair(t, p, 40)
				for _, id := range a {
					if docOf(id) != d {
						t.Fatal("A not from the document")
					}
				}
				if p.Label == 1 {
					for _, id := range b {
						if docOf(id) == d {
							t.Fatalf("random B from the same document %d", d)
						}
					}
					if k < len(ps)-1 {
						random++
					}
				} else if a[len(a)-1] > b[0] {
					t.Fatal("actual next B does not follow A")
				}
				if k < len(ps)-1 {
					total++
				}
			}
		}
	}
	within(t, "NSP random fraction", random/total, 0.5, 5*math.Sqrt(0.25/total))
	// With one document, B comes from it (nothing else exists).
	if len(NSP(cfg, docs[:1], 0, rng)) == 0 {
		t.Error("no pairs from a single document")
	}
}
