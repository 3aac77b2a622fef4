package lens

import (
	"runtime"
	"slices"
	"strings"
	"sync"
)

// DefaultNs are the n-gram orders the released tool averages over: 1, 2, 3.
var DefaultNs = []int{1, 2, 3}

// ngramKey joins the n items starting at seq[i] with a separator that cannot
// occur in tags (the unit separator), so distinct tuples give distinct keys.
func ngramKey(seq []string, i, n int) string {
	return strings.Join(seq[i:i+n], "\x1f")
}

func ngramSet(seq []string, n int) map[string]struct{} {
	m := map[string]struct{}{}
	for i := 0; i+n <= len(seq); i++ {
		m[ngramKey(seq, i, n)] = struct{}{}
	}
	return m
}

// NGramSimilarity is the published (asymmetric) LinguisticLens similarity of
// sequence a to sequence b: the mean over n in ns of
//
//	|set(G_n(a)) ∩ set(G_n(b))| / |set(G_n(a))|   (0 when a has no n-grams)
//
// where G_n are the contiguous n-grams. Only a's distinct n-gram count is the
// denominator (the released code's max(len(set(A)), len(set(A)))), so
// NGramSimilarity(a, b) != NGramSimilarity(b, a) in general, and a text
// with fewer than 3 items has self-similarity 1/3 or 2/3 with ns = DefaultNs.
func NGramSimilarity(a, b []string, ns []int) float64 {
	return ngramSim(a, b, ns, false)
}

// JaccardNGramSimilarity is the symmetric variant of NGramSimilarity: the
// mean over n in ns of |A_n ∩ B_n| / |A_n ∪ B_n| on the distinct n-gram sets
// (0 when both are empty). It is not what the released tool computes.
func JaccardNGramSimilarity(a, b []string, ns []int) float64 {
	return ngramSim(a, b, ns, true)
}

func ngramSim(a, b []string, ns []int, jaccard bool) float64 {
	if len(ns) == 0 {
		panic("lens: NGramSimilarity: empty ns")
	}
	var sum float64
	for _, n := range ns {
		if n < 1 {
			panic("lens: NGramSimilarity: n-gram order must be ≥ 1")
		}
		sa, sb := ngramSet(a, n), ngramSet(b, n)
		inter := 0
		for g := range sa {
			if _, ok := sb[g]; ok {
				inter++
			}
		}
		sum += ratio(inter, len(sa), len(sb), jaccard)
	}
	return sum / float64(len(ns))
}

func ratio(inter, na, nb int, jaccard bool) float64 {
	den := na
	if jaccard {
		den = na + nb - inter
	}
	if den == 0 {
		return 0
	}
	return float64(inter) / float64(den)
}

// SimilarityMatrix returns the n×n matrix S with S[i][j] the similarity of
// seqs[i] to seqs[j]: NGramSimilarity (symmetric=false, the published form)
// or JaccardNGramSimilarity (symmetric=true). It interns n-grams as
// integers and runs rows on all CPUs; values are bit-identical to the
// pairwise functions.
func SimilarityMatrix(seqs [][]string, ns []int, symmetric bool) [][]float64 {
	if len(ns) == 0 {
		panic("lens: SimilarityMatrix: empty ns")
	}
	n := len(seqs)
	// ids[o][i] = sorted distinct n-gram ids of seqs[i] for order ns[o].
	ids := make([][][]int32, len(ns))
	for o, order := range ns {
		if order < 1 {
			panic("lens: SimilarityMatrix: n-gram order must be ≥ 1")
		}
		intern := map[string]int32{}
		ids[o] = make([][]int32, n)
		for i, s := range seqs {
			var row []int32
			for p := 0; p+order <= len(s); p++ {
				k := ngramKey(s, p, order)
				id, ok := intern[k]
				if !ok {
					id = int32(len(intern))
					intern[k] = id
				}
				row = append(row, id)
			}
			slices.Sort(row)
			ids[o][i] = slices.Compact(row)
		}
	}
	S := make([][]float64, n)
	parallelRows(n, func(i int) {
		row := make([]float64, n)
		for j := 0; j < n; j++ {
			var sum float64
			for o := range ns {
				a, b := ids[o][i], ids[o][j]
				sum += ratio(intersectSorted(a, b), len(a), len(b), symmetric)
			}
			row[j] = sum / float64(len(ns))
		}
		S[i] = row
	})
	return S
}

func intersectSorted(a, b []int32) int {
	c, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			c++
			i++
			j++
		}
	}
	return c
}

// parallelRows calls f(i) for i in [0, n) on GOMAXPROCS goroutines.
func parallelRows(n int, f func(i int)) {
	w := min(runtime.GOMAXPROCS(0), n)
	if w <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// DistanceFromSimilarity returns D = 1 − S elementwise (a new matrix), the
// released tool's distance matrix whose rows are clustered.
func DistanceFromSimilarity(S [][]float64) [][]float64 {
	D := make([][]float64, len(S))
	for i, r := range S {
		D[i] = make([]float64, len(r))
		for j, v := range r {
			D[i][j] = 1 - v
		}
	}
	return D
}
