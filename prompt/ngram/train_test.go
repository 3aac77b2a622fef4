package ngram

import (
	"math"
	"strings"
	"testing"
)

func split(lines ...string) [][]string {
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i] = strings.Fields(l)
	}
	return out
}

// smallCorpus has repeated n-grams of several counts, so that the higher
// orders get estimated discounts and the lower ones fallbacks.
var smallCorpus = split(
	"show me flights from boston to denver",
	"show me flights from denver to boston",
	"show me the flights from boston",
	"list flights from boston to denver",
	"list all flights",
	"list all flights to denver",
	"i want a flight from boston",
	"i want a flight to denver please",
	"flights",
	"show me",
	"show me the fares",
	"what are the fares from boston to denver",
	"boston to denver",
	"",
)

// TestDiscountsFrom checks the Chen & Goodman estimate on count-of-counts
// done by hand: t = 10, 5, 3, 2 gives Y = 10/20 = 0.5, D1 = 1 − 2·0.5·5/10 =
// 0.5, D2 = 2 − 3·0.5·3/5 = 1.1, D3 = 3 − 4·0.5·2/3 = 5/3; and the fallback
// cases.
func TestDiscountsFrom(t *testing.T) {
	t.Parallel()
	d, ok := discountsFrom(10, 5, 3, 2)
	want := [3]float64{0.5, 1.1, 5.0 / 3}
	if !ok {
		t.Fatal("valid count-of-counts rejected")
	}
	for k := range d {
		if math.Abs(d[k]-want[k]) > 1e-12 {
			t.Errorf("D%d = %v, want %v", k+1, d[k], want[k])
		}
	}
	for _, tc := range [][4]float64{
		{0, 5, 3, 2},  // n1 = 0
		{10, 0, 3, 2}, // n2 = 0
		{10, 5, 0, 2}, // n3 = 0
		{10, 5, 3, 0}, // n4 = 0
		{2, 1, 1, 1},  // D3 = 3 − 4·0.5·1 = 1: valid
		{2, 1, 1, 5},  // D3 = 3 − 4·0.5·5 = −7: out of range
	} {
		_, ok := discountsFrom(tc[0], tc[1], tc[2], tc[3])
		wantOK := tc == [4]float64{2, 1, 1, 1}
		if ok != wantOK {
			t.Errorf("discountsFrom%v ok = %v, want %v", tc, ok, wantOK)
		}
	}
}

// TestHandComputedBigram checks a 2-gram model trained on five sentences
// against probabilities worked out by hand.
//
// Corpus: "c", "c a", "c", "c", "a". Bigram counts (adjusted = raw at the
// highest order): <s> c 4, c </s> 3, a </s> 2, c a 1, <s> a 1, so
// t1..t4 = 2, 1, 1, 1: Y = 2/4 = 0.5, D1 = 1 − 2·0.5·1/2 = 0.5,
// D2 = 2 − 3·0.5·1/1 = 0.5, D3 = 3 − 4·0.5·1/1 = 1.
//
// Unigram continuation counts: a 2 (after <s>, c), c 1 (after <s>), </s> 2
// (after c, a), <unk> 0: t3 = 0, so the fallback 0.5, 1, 1.5. Total 5,
// γ(ε) = (0.5·1 + 1·2)/5 = 0.5, uniform 1/4 over {<unk>, </s>, a, c}:
// p(a) = 1/5 + 0.125 = 0.325, p(c) = 0.5/5 + 0.125 = 0.225, p(</s>) = 0.325,
// p(<unk>) = 0.125.
//
// After c: counts </s> 3, a 1, total 4, γ(c) = (0.5·1 + 1·1)/4 = 0.375:
// p(a|c) = 0.5/4 + 0.375·0.325 = 0.246875, p(</s>|c) = 2/4 + 0.375·0.325 =
// 0.621875, p(c|c) = 0.375·0.225 = 0.084375 (backoff).
// After <s>: c 4, a 1, γ(<s>) = (0.5 + 1)/5 = 0.3: p(c|<s>) = 3/5 + 0.3·0.225
// = 0.6675. After a: </s> 2, γ(a) = 0.5/2 = 0.25: p(</s>|a) = 1.5/2 +
// 0.25·0.325 = 0.83125.
func TestHandComputedBigram(t *testing.T) {
	t.Parallel()
	m, err := Train(split("c", "c a", "c", "c", "a"), 2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		h    []string
		w    string
		want float64
	}{
		{nil, "a", 0.325},
		{nil, "c", 0.225},
		{nil, EOS, 0.325},
		{nil, Unk, 0.125},
		{nil, "never-seen", 0.125},
		{[]string{"c"}, "a", 0.246875},
		{[]string{"c"}, EOS, 0.621875},
		{[]string{"c"}, "c", 0.084375},
		{[]string{"c"}, Unk, 0.375 * 0.125},
		{[]string{BOS}, "c", 0.6675},
		{[]string{BOS}, "a", 0.5/5 + 0.3*0.325},
		{[]string{"a"}, EOS, 0.83125},
		{[]string{"a"}, "c", 0.25 * 0.225},
		{[]string{"never-seen"}, "a", 0.325}, // <unk> is not a context
	} {
		if got := math.Pow(10, m.Log10Prob(tc.h, tc.w)); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("p(%s | %v) = %.10f, want %.10f", tc.w, tc.h, got, tc.want)
		}
	}
	// ARPA backoff weights are the γ: log10 0.375 on "c".
	if bo := m.nodes[m.insert([]int32{m.ids["c"]})].bo; math.Abs(bo-math.Log10(0.375)) > 1e-12 {
		t.Errorf("backoff of c = %v, want log10 0.375", bo)
	}
	total, per := m.SentenceLogProb([]string{"c", "a"})
	want := math.Log(0.6675) + math.Log(0.246875) + math.Log(0.83125)
	if math.Abs(total-want) > 1e-12 || len(per) != 3 {
		t.Errorf("SentenceLogProb(c a) = %v %v, want %v over 3 tokens", total, per, want)
	}
}

// checkNormalised asserts that p(· | h) sums to one over the vocabulary
// without <s> (with </s> and <unk>).
func checkNormalised(t *testing.T, m *Model, h []string) {
	t.Helper()
	sum := 0.0
	for _, w := range m.words {
		if w == BOS {
			continue
		}
		lp := m.LogProb(h, w)
		if math.IsNaN(lp) || math.IsInf(lp, 0) {
			t.Fatalf("order %d: log p(%s | %v) = %v", m.order, w, h, lp)
		}
		sum += math.Exp(lp)
	}
	if math.Abs(sum-1) > 1e-6 {
		t.Errorf("order %d: Σ_w p(w | %v) = %.9f, want 1", m.order, h, sum)
	}
}

// TestKNNormalisation is the KN normalisation oracle: after every history
// of the training corpus (each sentence prefix, with <s>) and after unseen
// ones, the probabilities sum to one, at every order, with and without
// <unk> mapping and on corpora so small that every discount falls back.
func TestKNNormalisation(t *testing.T) {
	t.Parallel()
	corpora := map[string]struct {
		c [][]string
		o Options
	}{
		"small":      {smallCorpus, Options{}},
		"mincount2":  {smallCorpus, Options{MinCount: 2}},
		"vocab":      {smallCorpus, Options{Vocab: []string{"show", "me", "flights", "to", "denver", "unseen"}}},
		"one-word":   {split("a"), Options{}},
		"repetitive": {split("a a a a a a", "a a"), Options{}},
	}
	for name, tc := range corpora {
		for order := 1; order <= 5; order++ {
			m, err := Train(tc.c, order, tc.o)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			histories := [][]string{nil, {"zzz"}, {"denver", "show"}, {"to", "to", "to", "to"}, {BOS, "zzz", "flights"}}
			for _, s := range tc.c {
				for i := 0; i <= len(s); i++ {
					histories = append(histories, append([]string{BOS}, s[:i]...))
				}
			}
			for _, h := range histories {
				checkNormalised(t, m, h)
			}
		}
	}
}

func TestTrainErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		c     [][]string
		order int
		o     Options
	}{
		{"order0", smallCorpus, 0, Options{}},
		{"order11", smallCorpus, MaxOrder + 1, Options{}},
		{"empty", nil, 3, Options{}},
		{"bos", split("a <s> b"), 3, Options{}},
		{"eos", split("a </s>"), 3, Options{}},
		{"space", [][]string{{"a b"}}, 3, Options{}},
		{"emptyword", [][]string{{""}}, 3, Options{}},
		{"fallback", smallCorpus, 3, Options{DiscountFallback: []float64{0.5, 1}}},
		{"fallbackrange", smallCorpus, 3, Options{DiscountFallback: []float64{0.5, 1, 4}}},
	} {
		if _, err := Train(tc.c, tc.order, tc.o); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestUnkMapping(t *testing.T) {
	t.Parallel()
	m, err := Train(smallCorpus, 3, Options{MinCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	// "please" is seen once: it is <unk>, and so is any unseen word.
	if _, ok := m.ids["please"]; ok {
		t.Error("word seen once kept with MinCount 2")
	}
	h := []string{BOS, "i", "want"}
	if a, b := m.LogProb(h, "please"), m.LogProb(h, Unk); a != b {
		t.Errorf("p(please) = %v, p(<unk>) = %v, want equal", a, b)
	}
	if _, ok := m.ids["boston"]; !ok {
		t.Error("frequent word mapped to <unk>")
	}
}
