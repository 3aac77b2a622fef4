package data

import (
	"cmp"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/cairn-ml/cairn/tensor"
)

// Vocab is a vocabulary: a one-to-one map between strings and the ids
// 0..Len()-1, with an optional id for unknown strings.
type Vocab struct {
	tokens []string
	ids    map[string]int
	unk    int  // id of unknown strings, -1 if none
	lower  bool // lowercase strings before looking them up
}

// The ids of the padding and unknown entries of the vocabularies that
// [BuildVocab] and [BuildCharVocab] return, whose strings are [PadToken]
// and [UnkToken].
const (
	PadID = 0
	UnkID = 1
)

// The strings of the padding and unknown entries of the vocabularies that
// [BuildVocab] and [BuildCharVocab] return.
const (
	PadToken = "<pad>"
	UnkToken = "<unk>"
)

// PadTag is the tag id of the padding positions of a [SeqBatch], the
// ignore index of PyTorch's cross_entropy and of nn.CrossEntropy.
const PadTag = -100

func newVocab(unk int, lower bool) *Vocab {
	return &Vocab{ids: map[string]int{}, unk: unk, lower: lower}
}

// add appends s if it is new and returns its id.
func (v *Vocab) add(s string) int {
	if id, ok := v.ids[s]; ok {
		return id
	}
	v.ids[s] = len(v.tokens)
	v.tokens = append(v.tokens, s)
	return len(v.tokens) - 1
}

// Len returns the number of entries.
func (v *Vocab) Len() int { return len(v.tokens) }

// ID returns the id of s, lowercased first if the vocabulary was built
// with [Lowercase]; for a string not in the vocabulary it returns the
// unknown id ([UnkID] for vocabularies from [BuildVocab] and
// [BuildCharVocab]), or -1 if the vocabulary has none (a tag vocabulary).
func (v *Vocab) ID(s string) int {
	if v.lower {
		s = strings.ToLower(s)
	}
	if id, ok := v.ids[s]; ok {
		return id
	}
	return v.unk
}

// Token returns the string with the given id. It panics if id is out of
// range.
func (v *Vocab) Token(id int) string {
	if id < 0 || id >= len(v.tokens) {
		panic(fmt.Sprintf("data.Vocab.Token: id %d out of range for %d entries", id, len(v.tokens)))
	}
	return v.tokens[id]
}

// Tokens returns a copy of the strings in id order.
func (v *Vocab) Tokens() []string { return slices.Clone(v.tokens) }

// VocabOption configures [BuildVocab] and [BuildCharVocab].
type VocabOption func(*vocabConfig)

type vocabConfig struct {
	minCount int
	lower    bool
}

// MinCount keeps only the strings seen at least n times (default 1); the
// others map to the unknown id.
func MinCount(n int) VocabOption { return func(c *vocabConfig) { c.minCount = n } }

// Lowercase lowercases strings (strings.ToLower) when building the
// vocabulary and when looking them up with [Vocab.ID].
func Lowercase() VocabOption { return func(c *vocabConfig) { c.lower = true } }

// BuildVocab returns the vocabulary of the tokens of seqs (for example
// CoNLL.Column(0), the words): [PadToken] with id [PadID], [UnkToken] with
// id [UnkID], then every token seen at least MinCount times by decreasing
// count, ties in string order, so the ids depend only on the counts.
// Tokens equal to PadToken or UnkToken are not added again.
func BuildVocab(seqs [][]string, opts ...VocabOption) *Vocab {
	cfg := vocabConfig{minCount: 1}
	for _, o := range opts {
		o(&cfg)
	}
	counts := map[string]int{}
	for _, s := range seqs {
		for _, t := range s {
			if cfg.lower {
				t = strings.ToLower(t)
			}
			counts[t]++
		}
	}
	return vocabFromCounts(counts, cfg)
}

// BuildCharVocab returns the vocabulary of the characters (runes, each as
// a one-rune string) of the tokens of seqs, built as [BuildVocab] builds
// one of tokens. Invalid UTF-8 bytes count as U+FFFD, as ranging over a
// string yields them, and so does [SeqSet]'s encoding.
func BuildCharVocab(seqs [][]string, opts ...VocabOption) *Vocab {
	cfg := vocabConfig{minCount: 1}
	for _, o := range opts {
		o(&cfg)
	}
	counts := map[string]int{}
	for _, s := range seqs {
		for _, t := range s {
			if cfg.lower {
				t = strings.ToLower(t)
			}
			for _, r := range t {
				counts[string(r)]++
			}
		}
	}
	return vocabFromCounts(counts, cfg)
}

func vocabFromCounts(counts map[string]int, cfg vocabConfig) *Vocab {
	v := newVocab(UnkID, cfg.lower)
	v.add(PadToken)
	v.add(UnkToken)
	keep := make([]string, 0, len(counts))
	for t, n := range counts {
		if n >= cfg.minCount && t != PadToken && t != UnkToken {
			keep = append(keep, t)
		}
	}
	slices.SortFunc(keep, func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	for _, t := range keep {
		v.add(t)
	}
	return v
}

// SeqSet is a set of sentences encoded as ids for a sequence tagger:
// word ids, the character ids of every word, and tag ids. The slices of
// sentence i are Words[i], Chars[i] and Tags[i].
type SeqSet struct {
	// Words[i][j] is the id of word j of sentence i.
	Words [][]int
	// Chars[i][j] holds the character ids of word j of sentence i; nil if
	// the set was built without a character vocabulary.
	Chars [][][]int
	// Tags[i][j] is the id of the tag of word j of sentence i; nil for an
	// unlabelled set.
	Tags [][]int
}

// NewSeqSet encodes sentences: words[i] are the words of sentence i and
// tags[i] their tags (nil tags for an unlabelled set). Words are looked up
// in wv, their characters in cv (nil for no character ids) and tags in tv,
// which must then not be nil. It returns an error if a sentence's tags
// and words differ in length or a tag is not in tv (ID -1).
func NewSeqSet(words, tags [][]string, wv, cv, tv *Vocab) (*SeqSet, error) {
	if tags != nil && len(tags) != len(words) {
		return nil, fmt.Errorf("data.NewSeqSet: %d tag sequences for %d sentences", len(tags), len(words))
	}
	if tags != nil && tv == nil {
		return nil, fmt.Errorf("data.NewSeqSet: tags without a tag vocabulary")
	}
	s := &SeqSet{Words: make([][]int, len(words))}
	if cv != nil {
		s.Chars = make([][][]int, len(words))
	}
	if tags != nil {
		s.Tags = make([][]int, len(words))
	}
	for i, ws := range words {
		s.Words[i] = make([]int, len(ws))
		for j, w := range ws {
			s.Words[i][j] = wv.ID(w)
		}
		if cv != nil {
			s.Chars[i] = make([][]int, len(ws))
			for j, w := range ws {
				for _, r := range w {
					s.Chars[i][j] = append(s.Chars[i][j], cv.ID(string(r)))
				}
			}
		}
		if tags == nil {
			continue
		}
		if len(tags[i]) != len(ws) {
			return nil, fmt.Errorf("data.NewSeqSet: sentence %d has %d words and %d tags", i, len(ws), len(tags[i]))
		}
		s.Tags[i] = make([]int, len(ws))
		for j, t := range tags[i] {
			id := tv.ID(t)
			if id < 0 {
				return nil, fmt.Errorf("data.NewSeqSet: sentence %d, token %d: tag %q is not in the tag vocabulary", i, j, t)
			}
			s.Tags[i][j] = id
		}
	}
	return s, nil
}

// Len returns the number of sentences.
func (s *SeqSet) Len() int { return len(s.Words) }

// Subset returns the set of the sentences at positions idx, in that order,
// sharing their slices with s (nothing is copied but the outer slices).
// It panics if a position is out of range.
func (s *SeqSet) Subset(idx []int) *SeqSet {
	sub := &SeqSet{Words: make([][]int, len(idx))}
	if s.Chars != nil {
		sub.Chars = make([][][]int, len(idx))
	}
	if s.Tags != nil {
		sub.Tags = make([][]int, len(idx))
	}
	for k, i := range idx {
		if i < 0 || i >= len(s.Words) {
			panic(fmt.Sprintf("data.SeqSet.Subset: index %d out of range for %d sentences", i, len(s.Words)))
		}
		sub.Words[k] = s.Words[i]
		if sub.Chars != nil {
			sub.Chars[k] = s.Chars[i]
		}
		if sub.Tags != nil {
			sub.Tags[k] = s.Tags[i]
		}
	}
	return sub
}

// SeqBatch is a minibatch of sentences padded to the longest one: B
// sentences of at most T words of at most C characters, row-major.
type SeqBatch struct {
	// B, T and C are the number of sentences, the longest sentence's
	// length and the longest word's length in characters (at least 1 if
	// the set has characters, else 0).
	B, T, C int
	// Words holds B*T word ids, [PadID] after each sentence's end.
	Words []int
	// Chars holds B*T*C character ids, [PadID] after each word's end and
	// for padding words; nil if the set has no characters.
	Chars []int
	// Tags holds B*T tag ids, [PadTag] after each sentence's end; nil for
	// an unlabelled set.
	Tags []int
	// Mask is a (B, T) tensor of 1 at real words and 0 at padding.
	Mask *tensor.Tensor
	// Lengths holds the B sentence lengths.
	Lengths []int
	// Index holds the B sentences' positions in the set.
	Index []int
}

// Batch pads the sentences at positions idx, in that order, into one
// batch. It panics if a position is out of range.
func (s *SeqSet) Batch(idx []int) SeqBatch {
	b := SeqBatch{B: len(idx), Index: slices.Clone(idx), Lengths: make([]int, len(idx))}
	if s.Chars != nil {
		b.C = 1
	}
	for k, i := range idx {
		if i < 0 || i >= len(s.Words) {
			panic(fmt.Sprintf("data.SeqSet.Batch: index %d out of range for %d sentences", i, len(s.Words)))
		}
		b.Lengths[k] = len(s.Words[i])
		b.T = max(b.T, len(s.Words[i]))
		if s.Chars != nil {
			for _, w := range s.Chars[i] {
				b.C = max(b.C, len(w))
			}
		}
	}
	b.Words = make([]int, b.B*b.T) // PadID is 0
	mask := make([]float32, b.B*b.T)
	if s.Tags != nil {
		b.Tags = make([]int, b.B*b.T)
		for j := range b.Tags {
			b.Tags[j] = PadTag
		}
	}
	if s.Chars != nil {
		b.Chars = make([]int, b.B*b.T*b.C)
	}
	for k, i := range idx {
		row := k * b.T
		copy(b.Words[row:], s.Words[i])
		for j := range s.Words[i] {
			mask[row+j] = 1
		}
		if s.Tags != nil {
			copy(b.Tags[row:], s.Tags[i])
		}
		if s.Chars != nil {
			for j, w := range s.Chars[i] {
				copy(b.Chars[(row+j)*b.C:], w)
			}
		}
	}
	b.Mask = tensor.New(mask, b.B, b.T)
	return b
}

// SeqBatchOption configures [SeqSet.Batches].
type SeqBatchOption func(*seqBatchConfig)

type seqBatchConfig struct{ byLength bool }

// ByLength makes [SeqSet.Batches] group sentences of similar length, to
// reduce padding: the epoch's order (shuffled or not) is sorted by length,
// stably, cut into batches, and the order of the batches is then shuffled
// with the same rng (kept in order for a nil rng).
func ByLength() SeqBatchOption { return func(c *seqBatchConfig) { c.byLength = true } }

// Batches returns an iterator over one epoch of padded minibatches of size
// sentences (the last one smaller when size does not divide Len()). With
// rng == nil the sentences come in order; otherwise each iteration draws a
// new permutation from rng when it starts, so the same seed gives the same
// batches. Every sentence appears exactly once per epoch. See [ByLength]
// for bucketing by length. It panics if size is less than 1.
func (s *SeqSet) Batches(size int, rng *rand.Rand, opts ...SeqBatchOption) iter.Seq[SeqBatch] {
	if size < 1 {
		panic(fmt.Sprintf("data.SeqSet.Batches: batch size %d; want at least 1", size))
	}
	var cfg seqBatchConfig
	for _, o := range opts {
		o(&cfg)
	}
	return func(yield func(SeqBatch) bool) {
		order := permutation(len(s.Words), rng)
		var cuts [][]int
		if cfg.byLength {
			slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(s.Words[a]), len(s.Words[b])) })
		}
		for lo := 0; lo < len(order); lo += size {
			cuts = append(cuts, order[lo:min(lo+size, len(order))])
		}
		if cfg.byLength && rng != nil {
			rng.Shuffle(len(cuts), func(i, j int) { cuts[i], cuts[j] = cuts[j], cuts[i] })
		}
		for _, idx := range cuts {
			if !yield(s.Batch(idx)) {
				return
			}
		}
	}
}
