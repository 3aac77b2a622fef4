package distill

import (
	"math"
	"strings"
	"testing"
)

// letterTok maps the letters a..n to the ids 2..15 (tinyT5's vocabulary);
// other bytes are dropped.
type letterTok struct{}

func (letterTok) Encode(s string) []int {
	var ids []int
	for i := range len(s) {
		if c := s[i]; c >= 'a' && c <= 'n' {
			ids = append(ids, int(c-'a')+2)
		}
	}
	return ids
}

func (letterTok) Decode(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		if id >= 2 {
			b.WriteByte(byte(id-2) + 'a')
		}
	}
	return b.String()
}

// TestSequenceLogProbsMatchesLoss checks each row's summed log-probability
// against the model's own cross-entropy of that row alone, times its
// token count: a different path (nn.CrossEntropy, no padding).
func TestSequenceLogProbsMatchesLoss(t *testing.T) {
	m := tinyT5(3)
	e := Encoding{PadID: 0, EOSID: 1}
	pairs := []Pair{{"abc", "d"}, {"efghij", "kl"}, {"mn", "abcde"}}
	got := SequenceLogProbs(m, e.Batch(letterTok{}, pairs))
	for i, p := range pairs {
		b := e.Batch(letterTok{}, []Pair{p})
		want := -float64(b.Loss(m).Data()[0]) * float64(b.T)
		if math.Abs(got[i]-want) > 1e-4*math.Max(1, math.Abs(want)) {
			t.Errorf("row %d: summed log-probability %v, want %v", i, got[i], want)
		}
		if !(got[i] < 0) {
			t.Errorf("row %d: log-probability %v, want negative", i, got[i])
		}
	}
}

// TestRankChoices checks the choice against a brute-force argmax of the
// per-pair loss, the same for every batch size, and the errors.
func TestRankChoices(t *testing.T) {
	m := tinyT5(5)
	e := Encoding{PadID: 0, EOSID: 1}
	tok := letterTok{}
	xs := []string{"abc", "defgh", "ijk", "lmn"}
	choices := [][]string{{"a", "bb", "c"}, {"dd", "e"}, {"f", "g", "hh", "i", "j"}, {"k"}}
	for _, a := range []Arm{Standard, MultiTask} {
		var want []string
		for i, x := range xs {
			best, arg := math.Inf(-1), -1
			for j, c := range choices[i] {
				b := e.Batch(tok, []Pair{{a.Input(x), c}})
				if lp := -float64(b.Loss(m).Data()[0]) * float64(b.T); lp > best {
					best, arg = lp, j
				}
			}
			want = append(want, choices[i][arg])
		}
		for _, batch := range []int{1, 3, 0} {
			got, err := RankChoices(m, tok, e, a, xs, choices, batch)
			if err != nil {
				t.Fatal(err)
			}
			for i := range xs {
				if got[i] != want[i] {
					t.Errorf("%v, batch %d: input %q ranked %q first, want %q", a, batch, xs[i], got[i], want[i])
				}
			}
		}
	}
	if _, err := RankChoices(m, tok, e, SingleTask, xs, choices, 0); err == nil {
		t.Error("single-task arm: no error")
	}
	if _, err := RankChoices(m, tok, e, Standard, xs, choices[:2], 0); err == nil {
		t.Error("4 inputs, 2 candidate lists: no error")
	}
	if _, err := RankChoices(m, tok, e, Standard, xs[:1], [][]string{nil}, 0); err == nil {
		t.Error("no candidates: no error")
	}
}
