package text

import (
	"container/heap"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// WordPieceTrainer learns a WordPiece vocabulary the way Hugging Face
// tokenizers' WordPieceTrainer does: words from the [BasicTokenizer] are
// split into characters, non-initial ones carrying the "##" prefix, and the
// most frequent adjacent pair is merged (a + b without b's prefix) until the
// vocabulary has VocabSize tokens or no pair occurs MinFrequency times.
//
// Training is deterministic: ties between equally frequent pairs go to the
// pair with the smaller (left id, right id), the alphabet is ordered by code
// point, and nothing depends on map iteration order.
type WordPieceTrainer struct {
	VocabSize     int      // target size including special tokens and alphabet; 30000 if 0
	MinFrequency  int      // a pair is merged only if it occurs at least this often; 2 if 0
	SpecialTokens []string // placed first; [PAD] [UNK] [CLS] [SEP] [MASK] if nil
	LimitAlphabet int      // keep only this many most frequent characters; 0 keeps all
	Lower         bool     // lower-case and strip accents (an uncased model)
	Prefix        string   // continuation prefix; "##" if ""
}

// Train learns a vocabulary from texts and returns the WordPiece tokenizer
// over it. Characters dropped by LimitAlphabet encode as [UNK].
func (tr WordPieceTrainer) Train(texts []string) (*WordPiece, error) {
	if tr.VocabSize == 0 {
		tr.VocabSize = 30000
	}
	if tr.MinFrequency == 0 {
		tr.MinFrequency = 2
	}
	if tr.SpecialTokens == nil {
		tr.SpecialTokens = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
	}
	if tr.Prefix == "" {
		tr.Prefix = "##"
	}
	basic := NewBasicTokenizer(tr.Lower)
	wordCount := map[string]int{}
	for _, s := range texts {
		basic.eachWord(s, func(w *word) { wordCount[string(w.runes)]++ })
	}
	words, counts := sortedWords(wordCount)

	// alphabet: most frequent characters, then ordered by code point
	charCount := map[rune]int{}
	for i, w := range words {
		for _, r := range w {
			charCount[r] += counts[i]
		}
	}
	alpha := make([]rune, 0, len(charCount))
	for r := range charCount {
		alpha = append(alpha, r)
	}
	if tr.LimitAlphabet > 0 && len(alpha) > tr.LimitAlphabet {
		sort.Slice(alpha, func(i, j int) bool {
			ci, cj := charCount[alpha[i]], charCount[alpha[j]]
			return ci > cj || ci == cj && alpha[i] < alpha[j]
		})
		alpha = alpha[:tr.LimitAlphabet]
	}
	slices.Sort(alpha)

	m := newMerger()
	for _, t := range tr.SpecialTokens {
		if _, dup := m.ids[t]; dup {
			return nil, fmt.Errorf("text: WordPieceTrainer: special token %q repeated", t)
		}
		m.add(t)
	}
	for _, r := range alpha {
		m.add(string(r))
	}
	for _, r := range alpha {
		m.add(tr.Prefix + string(r))
	}
	seqs := make([][]int, len(words))
	for i, w := range words {
		first := true
		for _, r := range w {
			name := string(r)
			if !first {
				name = tr.Prefix + name
			}
			first = false
			if id, ok := m.ids[name]; ok {
				seqs[i] = append(seqs[i], id)
			}
		}
	}
	m.learn(seqs, counts, tr.VocabSize, tr.MinFrequency, func(a, b string) string {
		return a + strings.TrimPrefix(b, tr.Prefix)
	})
	v, err := NewVocab(m.tokens)
	if err != nil {
		return nil, err
	}
	t := &WordPiece{Basic: basic, Prefix: tr.Prefix, MaxInputCharsPerWord: 100}
	if err := t.setVocab(v, ""); err != nil {
		return nil, err
	}
	return t, nil
}

// sortedWords returns the words of a count map in byte order with counts.
func sortedWords(wc map[string]int) ([]string, []int) {
	words := make([]string, 0, len(wc))
	for w := range wc {
		words = append(words, w)
	}
	slices.Sort(words)
	counts := make([]int, len(words))
	for i, w := range words {
		counts[i] = wc[w]
	}
	return words, counts
}

// merger learns BPE merges over symbol sequences; it is shared by the
// WordPiece and byte-level BPE trainers.
type merger struct {
	tokens []string
	ids    map[string]int
	merges [][2]int // left and right ids of each merge, in order
}

func newMerger() *merger { return &merger{ids: map[string]int{}} }

func (m *merger) add(t string) int {
	if id, ok := m.ids[t]; ok {
		return id
	}
	m.ids[t] = len(m.tokens)
	m.tokens = append(m.tokens, t)
	return len(m.tokens) - 1
}

type pairKey [2]int

type pairItem struct {
	p     pairKey
	count int
}

// pairHeap pops the most frequent pair, ties to the smaller pair.
type pairHeap []pairItem

func (h pairHeap) Len() int { return len(h) }
func (h pairHeap) Less(i, j int) bool {
	if h[i].count != h[j].count {
		return h[i].count > h[j].count
	}
	if h[i].p[0] != h[j].p[0] {
		return h[i].p[0] < h[j].p[0]
	}
	return h[i].p[1] < h[j].p[1]
}
func (h pairHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pairHeap) Push(x any)   { *h = append(*h, x.(pairItem)) }
func (h *pairHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// learn merges the most frequent adjacent pair of seqs (weighted by counts)
// until the vocabulary has size tokens or the best pair occurs fewer than
// minFreq times. join names the merged token.
func (m *merger) learn(seqs [][]int, counts []int, size, minFreq int, join func(a, b string) string) {
	pc := map[pairKey]int{}
	where := map[pairKey][]int{}
	for i, s := range seqs {
		for j := 0; j+1 < len(s); j++ {
			p := pairKey{s[j], s[j+1]}
			if pc[p] == 0 || last(where[p]) != i {
				where[p] = append(where[p], i)
			}
			pc[p] += counts[i]
		}
	}
	h := make(pairHeap, 0, len(pc))
	for p, c := range pc {
		h = append(h, pairItem{p, c})
	}
	heap.Init(&h)
	delta := map[pairKey]int{}
	for len(m.tokens) < size && h.Len() > 0 {
		top := heap.Pop(&h).(pairItem)
		if cur := pc[top.p]; cur != top.count {
			if cur > 0 {
				heap.Push(&h, pairItem{top.p, cur})
			}
			continue
		}
		if top.count < minFreq {
			break
		}
		a, b := top.p[0], top.p[1]
		nid := m.add(join(m.tokens[a], m.tokens[b]))
		m.merges = append(m.merges, top.p)
		clear(delta)
		for _, wi := range where[top.p] {
			s := seqs[wi]
			c := counts[wi]
			has := false
			for j := 0; j+1 < len(s); j++ {
				if s[j] == a && s[j+1] == b {
					has = true
					break
				}
			}
			if !has {
				continue
			}
			for j := 0; j+1 < len(s); j++ {
				delta[pairKey{s[j], s[j+1]}] -= c
			}
			out := s[:0]
			for j := 0; j < len(s); j++ {
				if j+1 < len(s) && s[j] == a && s[j+1] == b {
					out = append(out, nid)
					j++
				} else {
					out = append(out, s[j])
				}
			}
			seqs[wi] = out
			for j := 0; j+1 < len(out); j++ {
				p := pairKey{out[j], out[j+1]}
				delta[p] += c
				if out[j] == nid || out[j+1] == nid {
					if last(where[p]) != wi {
						where[p] = append(where[p], wi)
					}
				}
			}
		}
		delete(where, top.p)
		// apply deltas in a fixed order; push pairs whose count grew
		keys := make([]pairKey, 0, len(delta))
		for p := range delta {
			keys = append(keys, p)
		}
		slices.SortFunc(keys, func(x, y pairKey) int {
			if x[0] != y[0] {
				return x[0] - y[0]
			}
			return x[1] - y[1]
		})
		for _, p := range keys {
			d := delta[p]
			pc[p] += d
			if pc[p] <= 0 {
				delete(pc, p)
			}
			if d > 0 {
				heap.Push(&h, pairItem{p, pc[p]})
			}
		}
	}
}

func last(s []int) int {
	if len(s) == 0 {
		return -1
	}
	return s[len(s)-1]
}
