package ngram

import (
	"math"
)

// The special tokens of every model. BOS is only ever a context (its own
// probability is not modelled: -99 in ARPA files); EOS is predicted at the
// end of every sentence; Unk stands for every word outside the vocabulary.
const (
	BOS = "<s>"
	EOS = "</s>"
	Unk = "<unk>"
)

// MaxOrder is the largest n-gram order Train and ReadARPA accept.
const MaxOrder = 10

// ln10 converts log10 values to natural logs.
const ln10 = math.Ln10

// Model is an n-gram language model in ARPA backoff form: for each stored
// n-gram a log10 probability and, for the n-grams that are contexts, a log10
// backoff weight. The probability of a word given a history is that of the
// longest stored n-gram ending in the word, times the backoff weights of the
// longer contexts that are not followed by it (the ARPA rule); the models
// Train builds are interpolated modified Kneser-Ney models written in this
// form exactly.
//
// The n-grams are kept in one hash map from (n-gram id, word id) to n-gram
// id, a trie read right to left: the key of w1 … wn is the id of w2 … wn and
// w1. Looking up p(w | h) walks from w towards the oldest word of h, so one
// map probe per order, no string building and no allocation.
//
// A Model is safe for concurrent use once its exported fields are set.
type Model struct {
	// EndOfSentence makes Score add log p(</s> | prefix continuation) as
	// a last token "</s>", so that the score is that of a complete
	// sentence. Off by default: Score then scores a continuation that
	// may go on.
	EndOfSentence bool
	// LengthNormalize makes Generate and Chat rank hypotheses by their
	// log-probability divided by their number of scored tokens (words
	// plus </s>) instead of by the total log-probability.
	LengthNormalize bool
	// RankPenalty makes Generate and Chat subtract RankPenalty·(k−1)
	// from the score of the list's k-th hypothesis, so that the list's
	// order (the first-pass ranking) acts as a prior where the acoustic
	// scores are not in the prompt: the spec's am + λ·lm with am = −rank,
	// RankPenalty = 1/λ. 0 by default: pure LM ranking, ties going to the
	// earlier hypothesis.
	RankPenalty float64

	order int
	words []string // word id -> word
	ids   map[string]int32
	unk   int32
	bos   int32
	eos   int32

	index map[uint64]int32 // key(parent node, word) -> node
	nodes []node           // nodes[0] is the root (the empty n-gram)
}

// node is one n-gram: its word is the oldest (first) word, its parent the
// n-gram without that word.
type node struct {
	parent  int32
	word    int32
	order   int32
	hasProb bool    // false for n-grams implied by longer ones but absent from an ARPA file
	logp    float64 // log10 probability
	bo      float64 // log10 backoff weight (0 when not a context)
}

func key(parent, word int32) uint64 { return uint64(uint32(parent))<<32 | uint64(uint32(word)) }

func newModel(order int) *Model {
	return &Model{
		order: order,
		ids:   make(map[string]int32),
		index: make(map[uint64]int32),
		nodes: []node{{parent: -1, word: -1}},
	}
}

// addWord appends w to the vocabulary and returns its id.
func (m *Model) addWord(w string) int32 {
	id := int32(len(m.words))
	m.words = append(m.words, w)
	m.ids[w] = id
	return id
}

// child returns the node extending parent by word on the left.
func (m *Model) child(parent, word int32) (int32, bool) {
	id, ok := m.index[key(parent, word)]
	return id, ok
}

// insert returns the node of the n-gram ids (oldest word first), creating
// it and any missing suffix as nodes without probability.
func (m *Model) insert(ids []int32) int32 {
	cur := int32(0)
	for k := len(ids) - 1; k >= 0; k-- {
		next, ok := m.child(cur, ids[k])
		if !ok {
			next = int32(len(m.nodes))
			m.nodes = append(m.nodes, node{parent: cur, word: ids[k], order: int32(len(ids) - k)})
			m.index[key(cur, ids[k])] = next
		}
		cur = next
	}
	return cur
}

// Order returns n, the length of the longest n-grams of the model.
func (m *Model) Order() int { return m.order }

// Vocab returns the model's words (including <s>, </s> and <unk>) in id
// order. The slice is a copy.
func (m *Model) Vocab() []string { return append([]string(nil), m.words...) }

// Counts returns the number of n-grams of each order with a probability,
// Counts()[n-1] for order n: the numbers in the \data\ header of the
// model's ARPA file.
func (m *Model) Counts() []int {
	c := make([]int, m.order)
	for i := 1; i < len(m.nodes); i++ {
		if nd := &m.nodes[i]; nd.hasProb {
			c[nd.order-1]++
		}
	}
	return c
}

// id maps a word to its id, <unk> for words outside the vocabulary.
func (m *Model) id(w string) int32 {
	if id, ok := m.ids[w]; ok {
		return id
	}
	return m.unk
}

// state is what scoring needs of a history: the nodes of its suffixes,
// state[j] being the n-gram of its last j+1 words, as long as they are
// stored, and at most order−1 of them.
type state []int32

// context returns the state of the history words (oldest first).
func (m *Model) context(history []string, buf state) state {
	st := buf[:0]
	if m.order == 1 || len(history) == 0 {
		return st
	}
	cur := int32(0)
	for k := len(history) - 1; k >= 0 && len(st) < m.order-1; k-- {
		next, ok := m.child(cur, m.id(history[k]))
		if !ok {
			break
		}
		st = append(st, next)
		cur = next
	}
	return st
}

// score returns log10 p(w | history of st) and writes the state of the
// history extended by w into next (which must not alias st).
func (m *Model) score(st state, w int32, next state) (float64, state) {
	next = next[:0]
	cur, ok := m.child(0, w)
	if !ok {
		// Only an ARPA file without the word among its unigrams gets
		// here, which ReadARPA does not allow; keep the value finite.
		return -99, next
	}
	lp := m.nodes[cur].logp
	matched := 1
	if m.order > 1 {
		next = append(next, cur)
	}
	for j := 0; j < len(st); j++ {
		ext, ok := m.child(cur, m.nodes[st[j]].word)
		if !ok {
			break
		}
		cur = ext
		if j+2 < m.order {
			next = append(next, ext)
		}
		if nd := &m.nodes[ext]; nd.hasProb {
			lp = nd.logp
			matched = j + 2
		}
	}
	// Back off from every context at least as long as the matched n-gram.
	for k := matched; k <= len(st); k++ {
		lp += m.nodes[st[k-1]].bo
	}
	return lp, next
}

// Log10Prob returns log10 p(word | history): the history's last Order()−1
// words are the context (put BOS first for a sentence start), and words
// outside the vocabulary, in either, are <unk>.
func (m *Model) Log10Prob(history []string, word string) float64 {
	var buf [2 * MaxOrder]int32
	st := m.context(history, buf[:0:MaxOrder])
	lp, _ := m.score(st, m.id(word), buf[MaxOrder:MaxOrder])
	return lp
}

// LogProb returns the natural log of p(word | history), as Log10Prob.
func (m *Model) LogProb(history []string, word string) float64 {
	return m.Log10Prob(history, word) * ln10
}

// SentenceLogProb returns the natural-log probability of the sentence
// <s> words </s> and the log-probability of each predicted token: the
// words, then </s> (len(words)+1 values).
func (m *Model) SentenceLogProb(words []string) (total float64, perToken []float64) {
	perToken = make([]float64, len(words)+1)
	total = m.sentence(words, perToken)
	return total, perToken
}

// sentence scores <s> words </s> into per (natural logs; per may be nil)
// and returns the total, without allocating.
func (m *Model) sentence(words []string, per []float64) float64 {
	var bufA, bufB [MaxOrder]int32
	st := state(bufA[:0])
	if m.order > 1 {
		if b, ok := m.child(0, m.bos); ok {
			st = append(st, b)
		}
	}
	next := state(bufB[:0])
	total := 0.0
	for i := 0; i <= len(words); i++ {
		w := m.eos
		if i < len(words) {
			w = m.id(words[i])
		}
		var lp float64
		lp, next = m.score(st, w, next)
		lp *= ln10
		if per != nil {
			per[i] = lp
		}
		total += lp
		st, next = next, st
	}
	return total
}
