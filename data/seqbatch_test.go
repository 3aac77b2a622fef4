package data_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
)

func TestBuildVocab(t *testing.T) {
	seqs := [][]string{tags("the cat The dog"), tags("the Dog a <unk>")}
	v := data.BuildVocab(seqs)
	// Counts: the 2, then 1 each in string order (upper case first).
	if got := strings.Join(v.Tokens(), " "); got != "<pad> <unk> the Dog The a cat dog" {
		t.Errorf("vocabulary %s", got)
	}
	if v.ID("the") != 2 || v.ID("unseen") != data.UnkID || v.ID(data.PadToken) != data.PadID || v.Len() != 8 {
		t.Errorf("ids %d %d %d, len %d", v.ID("the"), v.ID("unseen"), v.ID(data.PadToken), v.Len())
	}
	v = data.BuildVocab(seqs, data.Lowercase(), data.MinCount(2))
	if got := strings.Join(v.Tokens(), " "); got != "<pad> <unk> the dog" {
		t.Errorf("lowercased, min count 2: %s", got)
	}
	if v.ID("DOG") != 3 || v.ID("cat") != data.UnkID {
		t.Errorf("lookups lowercase: %d %d", v.ID("DOG"), v.ID("cat"))
	}
	c := data.BuildCharVocab([][]string{{"aba", "né"}, {"\xff"}})
	if got := strings.Join(c.Tokens(), " "); got != "<pad> <unk> a b n é \uFFFD" {
		t.Errorf("characters %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Token(99) did not panic")
		}
	}()
	v.Token(99)
}

func seqFixture(t *testing.T) (*data.SeqSet, *data.Vocab, *data.Vocab, *data.Vocab) {
	t.Helper()
	words := [][]string{tags("EU rejects German call"), tags("Peter"), tags("Hi there !")}
	tg := [][]string{tags("B-ORG O B-MISC O"), tags("B-PER"), tags("O O O")}
	wv := data.BuildVocab(words, data.Lowercase())
	cv := data.BuildCharVocab(words)
	tv := data.NewTagVocab(tg, data.IOB2)
	s, err := data.NewSeqSet(words, tg, wv, cv, tv)
	if err != nil {
		t.Fatal(err)
	}
	return s, wv, cv, tv
}

// A batch checked element by element.
func TestSeqSetBatch(t *testing.T) {
	s, wv, cv, tv := seqFixture(t)
	b := s.Batch([]int{1, 0})
	if b.B != 2 || b.T != 4 || b.C != 7 || !reflect.DeepEqual(b.Lengths, []int{1, 4}) || !reflect.DeepEqual(b.Index, []int{1, 0}) {
		t.Fatalf("B, T, C = %d %d %d, lengths %v, index %v", b.B, b.T, b.C, b.Lengths, b.Index)
	}
	w := func(x string) int { return wv.ID(x) }
	if want := []int{w("peter"), 0, 0, 0, w("eu"), w("rejects"), w("german"), w("call")}; !reflect.DeepEqual(b.Words, want) {
		t.Errorf("words %v; want %v", b.Words, want)
	}
	tg := func(x string) int { return tv.ID(x) }
	if want := []int{tg("B-PER"), -100, -100, -100, tg("B-ORG"), tg("O"), tg("B-MISC"), tg("O")}; !reflect.DeepEqual(b.Tags, want) {
		t.Errorf("tags %v; want %v", b.Tags, want)
	}
	if got := fmt.Sprint(b.Mask.Shape(), b.Mask.Data()); got != "[2 4] [1 0 0 0 1 1 1 1]" {
		t.Errorf("mask %s", got)
	}
	// Row (0, 0) is "Peter" padded to 7 characters; row (0, 1) is padding;
	// row (1, 1) is "rejects", the longest word.
	row := func(i, j int) []int { return b.Chars[(i*b.T+j)*b.C : (i*b.T+j+1)*b.C] }
	c := func(x string) int { return cv.ID(x) }
	if want := []int{c("P"), c("e"), c("t"), c("e"), c("r"), 0, 0}; !reflect.DeepEqual(row(0, 0), want) {
		t.Errorf("chars of Peter %v; want %v", row(0, 0), want)
	}
	if !reflect.DeepEqual(row(0, 1), make([]int, 7)) || slices.Contains(row(1, 1), 0) || slices.Contains(row(1, 1), data.UnkID) {
		t.Errorf("padding row %v, rejects %v", row(0, 1), row(1, 1))
	}
	// Unlabelled, without characters.
	u, err := data.NewSeqSet([][]string{tags("a b")}, nil, wv, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b := u.Batch([]int{0}); b.Tags != nil || b.Chars != nil || b.C != 0 || !reflect.DeepEqual(b.Words, []int{data.UnkID, data.UnkID}) {
		t.Errorf("unlabelled batch %+v", b)
	}
}

func TestNewSeqSetErrors(t *testing.T) {
	_, wv, cv, tv := seqFixture(t)
	for _, tc := range []struct {
		words, tags [][]string
		tv          *data.Vocab
	}{
		{[][]string{tags("a b")}, [][]string{tags("O")}, tv},
		{[][]string{tags("a")}, [][]string{tags("S-PER")}, tv},
		{[][]string{tags("a")}, [][]string{}, tv},
		{[][]string{tags("a")}, [][]string{tags("O")}, nil},
	} {
		if _, err := data.NewSeqSet(tc.words, tc.tags, wv, cv, tc.tv); err == nil {
			t.Errorf("NewSeqSet(%v, %v) gave no error", tc.words, tc.tags)
		}
	}
}

// Every sentence once per epoch; the same seed gives the same batches;
// ByLength batches hold sentences of similar length and pad less.
func TestSeqSetBatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	var words [][]string
	for range 103 {
		w := make([]string, 1+rng.IntN(30))
		for j := range w {
			w[j] = fmt.Sprint(rng.IntN(50))
		}
		words = append(words, w)
	}
	s, err := data.NewSeqSet(words, nil, data.BuildVocab(words), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	epoch := func(seed uint64, opts ...data.SeqBatchOption) (order []int, padded int, nb int) {
		var r *rand.Rand
		if seed > 0 {
			r = rand.New(rand.NewPCG(seed, 1))
		}
		for b := range s.Batches(10, r, opts...) {
			order = append(order, b.Index...)
			padded += b.B * b.T
			nb++
			for k, i := range b.Index {
				if b.Lengths[k] != len(s.Words[i]) {
					t.Fatalf("length %d of sentence %d; want %d", b.Lengths[k], i, len(s.Words[i]))
				}
			}
		}
		return order, padded, nb
	}
	inOrder, _, nb := epoch(0)
	if nb != 11 || !slices.Equal(inOrder, seqN(103)) {
		t.Errorf("nil rng: %d batches, order %v", nb, inOrder)
	}
	a, padA, _ := epoch(1)
	b, _, _ := epoch(1)
	c, _, _ := epoch(2)
	if !slices.Equal(a, b) || slices.Equal(a, c) || !slices.Equal(slices.Sorted(slices.Values(a)), seqN(103)) {
		t.Errorf("shuffled epochs: same seed equal %v, other seed differs %v, permutation %v", slices.Equal(a, b), !slices.Equal(a, c), slices.Equal(slices.Sorted(slices.Values(a)), seqN(103)))
	}
	l, padL, _ := epoch(1, data.ByLength())
	if !slices.Equal(slices.Sorted(slices.Values(l)), seqN(103)) || padL >= padA {
		t.Errorf("ByLength: permutation %v, padded %d vs %d shuffled", slices.Equal(slices.Sorted(slices.Values(l)), seqN(103)), padL, padA)
	}
	l2, _, _ := epoch(1, data.ByLength())
	if !slices.Equal(l, l2) {
		t.Error("ByLength not deterministic")
	}
	sorted, _, _ := epoch(0, data.ByLength())
	for k := 1; k < len(sorted); k++ {
		if len(s.Words[sorted[k]]) < len(s.Words[sorted[k-1]]) {
			t.Fatal("ByLength with a nil rng is not sorted by length")
		}
	}
	// Subset shares the sentences.
	sub := s.Subset([]int{5, 2})
	if sub.Len() != 2 || &sub.Words[0][0] != &s.Words[5][0] {
		t.Error("Subset does not share sentence 5")
	}
}

func seqN(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// The WNUT-17 training set encodes and batches: every tag id is valid, and
// the mask counts the tokens.
func TestSeqSetWNUT17(t *testing.T) {
	c, err := data.ReadCoNLLFile(wnut17(t, "wnut17train.conll.gz"))
	if err != nil {
		t.Fatal(err)
	}
	words, tg := c.Column(0), c.Column(-1)
	for i := range tg {
		tg[i] = data.ConvertTags(tg[i], data.IOBES)
	}
	wv := data.BuildVocab(words, data.Lowercase(), data.MinCount(2))
	tv := data.NewTagVocab(tg, data.IOBES)
	s, err := data.NewSeqSet(words, tg, wv, data.BuildCharVocab(words), tv)
	if err != nil {
		t.Fatal(err)
	}
	tokens := 0
	for b := range s.Batches(128, rand.New(rand.NewPCG(1, 2)), data.ByLength()) {
		for _, m := range b.Mask.Data() {
			tokens += int(m)
		}
		for _, id := range b.Tags {
			if id != data.PadTag && (id < 0 || id >= tv.Len()) {
				t.Fatalf("tag id %d", id)
			}
		}
	}
	if tokens != 62730 || tv.Len() != 25 {
		t.Errorf("%d tokens in batches, %d IOBES tags; want 62730 and 25", tokens, tv.Len())
	}
}

// Encoding tagged sentences and padding them into a batch: word ids (0 is
// padding, 1 unknown), character ids per word padded to the longest word,
// tag ids (-100 at padding) and the mask.
func ExampleSeqSet_Batch() {
	words := [][]string{{"Paris", "is", "nice"}, {"Hi"}}
	tg := [][]string{{"B-LOC", "O", "O"}, {"O"}}
	for i := range tg {
		tg[i] = data.ConvertTags(tg[i], data.IOBES) // B-LOC becomes S-LOC
	}
	wv := data.BuildVocab(words, data.Lowercase())
	cv := data.BuildCharVocab(words)
	tv := data.NewTagVocab(tg, data.IOBES)
	set, err := data.NewSeqSet(words, tg, wv, cv, tv)
	if err != nil {
		fmt.Println(err)
		return
	}
	b := set.Batch([]int{0, 1})
	fmt.Println("B, T, C:", b.B, b.T, b.C)
	fmt.Println("words:", b.Words, wv.Tokens())
	fmt.Println("tags:", b.Tags, tv.Tokens())
	fmt.Println("chars of Hi:", b.Chars[3*b.C:4*b.C])
	fmt.Println("mask:", b.Mask.Data(), "lengths:", b.Lengths)
	// Output:
	// B, T, C: 2 3 5
	// words: [5 3 4 2 0 0] [<pad> <unk> hi is nice paris]
	// tags: [4 0 0 0 -100 -100] [O B-LOC I-LOC E-LOC S-LOC]
	// chars of Hi: [4 2 0 0 0]
	// mask: [1 1 1 1 0 0] lengths: [3 1]
}
