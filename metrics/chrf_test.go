package metrics

import (
	"math"
	"testing"
)

func TestCorpusChrFReadme(t *testing.T) {
	got, err := CorpusChrF(readmeSys, readmeRefs)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-59.73) > 0.005 { // sacreBLEU README: chrF2 = 59.73
		t.Errorf("chrF = %.4f, want 59.73", got)
	}
}

func TestSentenceChrF(t *testing.T) {
	// "abc" vs "abd": order 1 2/3, order 2 1/2, order 3 0/1, orders 4-6
	// absent; P = R = (2/3+1/2+0)/3 = 7/18, so F = 7/18.
	if got := SentenceChrF("abc", []string{"abd"}); math.Abs(got-700.0/18) > 1e-9 {
		t.Errorf("chrF = %v, want %v", got, 700.0/18)
	}
	// β = 2 weighs recall: "ab" vs "abcd": P = 1, R = (2/4+1/3)/2 = 5/12,
	// F = 5·P·R/(4P+R).
	r := 5.0 / 12
	if got, want := SentenceChrF("ab", []string{"abcd"}), 100*5*r/(4+r); math.Abs(got-want) > 1e-9 {
		t.Errorf("chrF = %v, want %v", got, want)
	}
	if got := SentenceChrF("a b  c", []string{"abc"}); math.Abs(got-100) > 1e-9 {
		t.Errorf("whitespace not removed: %v", got)
	}
	if got := SentenceChrF("", []string{"abc"}); got != 0 {
		t.Errorf("empty hypothesis: %v", got)
	}
	// The best reference is used.
	if got := SentenceChrF("abc", []string{"xyz", "abc"}); math.Abs(got-100) > 1e-9 {
		t.Errorf("best reference: %v", got)
	}
}
