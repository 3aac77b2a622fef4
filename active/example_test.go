package active_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/active"
)

// Least confidence and MNLP of two sentences: A has 2 words tagged with
// probability 0.9 each, B 30 words with probability 0.99. LC, which grows
// with length, prefers B; MNLP, normalised by length, prefers A.
func ExampleMNLPScore() {
	logp := func(p float64, n int) []float64 {
		l := make([]float64, n)
		for i := range l {
			l[i] = math.Log(p)
		}
		return l
	}
	a, b := logp(0.9, 2), logp(0.99, 30)
	fmt.Printf("LC:   A %.6f  B %.6f (largest is picked)\n", active.LCScore(a), active.LCScore(b))
	fmt.Printf("MNLP: A %.6f  B %.6f (smallest is picked)\n", active.MNLPScore(a), active.MNLPScore(b))
	// Output:
	// LC:   A 0.190000  B 0.260300 (largest is picked)
	// MNLP: A -0.105361  B -0.010050 (smallest is picked)
}

// The greedy tags of a sentence have probabilities 0.9 and 0.5.
func ExampleLCScore() {
	logp := []float64{math.Log(0.9), math.Log(0.5)}
	fmt.Printf("LC %.6f, MNLP %.6f\n", active.LCScore(logp), active.MNLPScore(logp))
	// Output:
	// LC 0.550000, MNLP -0.399254
}

// Four dropout samples of a two-word sentence: the samples disagree on the
// first word once, never on the second.
func ExampleBALDScore() {
	const A, B = 0, 1
	samples := [][]int{{A, A}, {A, A}, {A, A}, {B, A}}
	fmt.Printf("BALD %.3f, sequence-level %.3f\n", active.BALDScore(samples), active.BALDSeqScore(samples))
	// Output:
	// BALD 0.125, sequence-level 0.250
}

// Select labels whole sentences by decreasing score until a budget of 10
// words is reached; sentence 1 is labelled already.
func ExampleSelect() {
	scores := []float64{0.9, 0.8, 0.1, 0.5, 0.7}
	lengths := []int{4, 6, 3, 5, 2}
	labelled := []bool{false, true, false, false, false}
	picks := active.Select(scores, lengths, 10, labelled, rand.New(rand.NewPCG(1, 2)))
	words := 0
	for _, i := range picks {
		words += lengths[i]
	}
	fmt.Println("picked", picks, "with", words, "words")
	// Output:
	// picked [0 4 3] with 11 words
}
