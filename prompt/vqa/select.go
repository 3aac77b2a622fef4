package vqa

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode"
)

// Method is how a Selector picks in-context examples.
type Method string

// The example selection methods.
const (
	// Random picks k examples uniformly without replacement.
	Random Method = "random"
	// QuestionSimilarity picks the k examples whose questions are most
	// similar to the test question.
	QuestionSimilarity Method = "question"
	// QuestionCaptionSimilarity ranks by the mean of the question
	// similarity and the similarity of the captions.
	QuestionCaptionSimilarity Method = "question+caption"
)

// Selector picks in-context examples from a pool. Similarity is the cosine
// of TF-IDF vectors (lower-cased letter-digit words; idf = ln((1+N)/(1+df))
// + 1 over the pool, as scikit-learn's smooth idf), ties to the earlier
// pool entry. The chosen examples are returned least similar first, so the
// most similar one sits next to the test question in the prompt.
type Selector struct {
	pool   []Example
	method Method
	rng    *rand.Rand
	idfQ   map[string]float64
	idfC   map[string]float64
	vecQ   [][]term
	vecC   [][]term
	unseen float64
}

// NewSelector returns a Selector over pool. rng is used by Random only
// and must then not be nil.
func NewSelector(pool []Example, m Method, rng *rand.Rand) (*Selector, error) {
	s := &Selector{pool: pool, method: m, rng: rng, unseen: math.Log(float64(len(pool)+1)) + 1}
	switch m {
	case Random:
		if rng == nil {
			return nil, fmt.Errorf("vqa: random selection needs a *rand.Rand")
		}
	case QuestionSimilarity, QuestionCaptionSimilarity:
		qs := make([][]string, len(pool))
		cs := make([][]string, len(pool))
		for i, e := range pool {
			qs[i] = words(e.Question)
			cs[i] = words(strings.Join(e.Captions, " "))
		}
		s.idfQ = idf(qs)
		s.vecQ = make([][]term, len(pool))
		for i := range qs {
			s.vecQ[i] = tfidf(qs[i], s.idfQ, s.unseen)
		}
		if m == QuestionCaptionSimilarity {
			s.idfC = idf(cs)
			s.vecC = make([][]term, len(pool))
			for i := range cs {
				s.vecC[i] = tfidf(cs[i], s.idfC, s.unseen)
			}
		}
	default:
		return nil, fmt.Errorf("vqa: unknown selection method %q", m)
	}
	return s, nil
}

// Select returns k examples for the test question and its captions (k is
// cut to the pool's size).
func (s *Selector) Select(question string, captions []string, k int) []Example {
	k = min(k, len(s.pool))
	if k <= 0 {
		return nil
	}
	var idx []int
	if s.method == Random {
		idx = s.rng.Perm(len(s.pool))[:k]
	} else {
		q := tfidf(words(question), s.idfQ, s.unseen)
		var c []term
		if s.vecC != nil {
			c = tfidf(words(strings.Join(captions, " ")), s.idfC, s.unseen)
		}
		score := make([]float64, len(s.pool))
		for i := range s.pool {
			score[i] = dot(q, s.vecQ[i])
			if c != nil {
				score[i] = (score[i] + dot(c, s.vecC[i])) / 2
			}
		}
		all := make([]int, len(s.pool))
		for i := range all {
			all[i] = i
		}
		sort.SliceStable(all, func(a, b int) bool { return score[all[a]] > score[all[b]] })
		idx = all[:k]
		// least similar first
		for i, j := 0, len(idx)-1; i < j; i, j = i+1, j-1 {
			idx[i], idx[j] = idx[j], idx[i]
		}
	}
	out := make([]Example, k)
	for i, j := range idx {
		out[i] = s.pool[j]
	}
	return out
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func idf(docs [][]string) map[string]float64 {
	df := map[string]int{}
	for _, d := range docs {
		seen := map[string]bool{}
		for _, w := range d {
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	n := float64(len(docs))
	out := make(map[string]float64, len(df))
	for w, c := range df {
		out[w] = math.Log((1+n)/(1+float64(c))) + 1
	}
	return out
}

// term is one word of a TF-IDF vector.
type term struct {
	w string
	x float64
}

// tfidf returns the L2-normalised TF-IDF vector of a document, sorted by
// word; words unknown to idf get unseen, the idf of a word in no document.
func tfidf(doc []string, idf map[string]float64, unseen float64) []term {
	tf := map[string]float64{}
	for _, w := range doc {
		tf[w]++
	}
	v := make([]term, 0, len(tf))
	for w, c := range tf {
		f, ok := idf[w]
		if !ok {
			f = unseen
		}
		v = append(v, term{w, c * f})
	}
	sort.Slice(v, func(i, j int) bool { return v[i].w < v[j].w })
	norm := 0.0
	for _, t := range v {
		norm += t.x * t.x
	}
	if norm > 0 {
		norm = math.Sqrt(norm)
		for i := range v {
			v[i].x /= norm
		}
	}
	return v
}

// dot is the inner product of two sorted vectors, summed in word order.
func dot(a, b []term) float64 {
	s := 0.0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i].w < b[j].w:
			i++
		case a[i].w > b[j].w:
			j++
		default:
			s += a[i].x * b[j].x
			i++
			j++
		}
	}
	return s
}
