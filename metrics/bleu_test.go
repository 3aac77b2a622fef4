package metrics

import (
	"math"
	"reflect"
	"testing"
)

// The example of sacreBLEU's README (version 2.0), refs given per segment.
var (
	readmeSys  = []string{"The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."}
	readmeRefs = [][]string{
		{"The dog bit the man.", "The dog had bit the man."},
		{"It was not unexpected.", "No one was surprised."},
		{"The man bit him first.", "The man had bitten the dog."},
	}
)

func TestTokenize13a(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"Hello, world.", []string{"Hello", ",", "world", "."}},
		{"It's $5-6 (3.14 or 1,000).", []string{"It's", "$", "5", "-", "6", "(", "3.14", "or", "1,000", ")", "."}},
		{"&quot;a&amp;b&quot;", []string{`"`, "a", "&", "b", `"`}},
		{"end-\nline<skipped>", []string{"endline"}},
		{"e.g. x", []string{"e", ".", "g", ".", "x"}},
	} {
		if got := Tokenize13a(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Tokenize13a(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCorpusBLEUReadme(t *testing.T) {
	s, err := CorpusBLEU(readmeSys, readmeRefs, false)
	if err != nil {
		t.Fatal(err)
	}
	const want = "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"
	if s.String() != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
}

func TestSentenceBLEU(t *testing.T) {
	// Hand count: 6/6, 4/5, 2/4, 1/3 n-gram matches; closest ref length 7.
	s := SentenceBLEU("The dog bit the man.", []string{"The dog had bit the man.", "The man had bitten the dog."})
	want := 100 * math.Exp(1-7.0/6) * math.Pow(1*0.8*0.5/3, 0.25) // 51.1508
	if math.Abs(s.Score-want) > 1e-9 || s.Correct != [4]int{6, 4, 2, 1} || s.Total != [4]int{6, 5, 4, 3} {
		t.Errorf("got %+v, want score %v", s, want)
	}
	// Spec oracle 6: unigram precision 5/6; no 4-gram match, so "exp"
	// smoothing gives 100/(2·3).
	s = SentenceBLEU("the cat sat on the mat", []string{"the cat is on the mat"})
	if s.Correct != [4]int{5, 3, 1, 0} || s.Total != [4]int{6, 5, 4, 3} {
		t.Errorf("counts %v / %v", s.Correct, s.Total)
	}
	if want := 100 * math.Pow(5.0/6*3/5*1/4*1/6, 0.25); math.Abs(s.Score-want) > 1e-9 {
		t.Errorf("score %v, want %v", s.Score, want)
	}
	// Effective order: a 2-token hypothesis is scored on 1- and 2-grams.
	if s := SentenceBLEU("a b", []string{"a b"}); math.Abs(s.Score-100) > 1e-9 {
		t.Errorf("effective order score %v, want 100", s.Score)
	}
	if s, _ := CorpusBLEU([]string{"a b"}, [][]string{{"a b"}}, false); s.Score != 0 {
		t.Errorf("corpus score without effective order %v, want 0", s.Score)
	}
	if s := SentenceBLEU("the same words here", []string{"the same words here"}); math.Abs(s.Score-100) > 1e-9 {
		t.Errorf("identical: %v", s.Score)
	}
	if s := SentenceBLEU("", []string{"a reference"}); s.Score != 0 || s.BP != 0 {
		t.Errorf("empty hypothesis: %+v", s)
	}
	if _, err := CorpusBLEU([]string{"a"}, nil, false); err == nil {
		t.Error("length mismatch not reported")
	}
}
