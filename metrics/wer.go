package metrics

import (
	"fmt"
	"math"
	"strings"
	"unicode"
)

// Edits are the counts of a minimum word alignment of a hypothesis to a
// reference (Levenshtein distance with unit costs), or their sums over a
// corpus.
type Edits struct {
	// Sub, Del and Ins count substituted, deleted (in the reference, not
	// in the hypothesis) and inserted (in the hypothesis only) words.
	Sub, Del, Ins int
	// Ref is the number of reference words.
	Ref int
}

// Errors returns Sub + Del + Ins, the word-level edit distance.
func (e Edits) Errors() int { return e.Sub + e.Del + e.Ins }

// WER returns the word error rate (Sub+Del+Ins)/Ref. An empty reference
// (Ref 0) gives 0 if there are no errors and +Inf otherwise, the limit of
// the ratio; corpus and utterance-average rates treat empty references as
// described at [WEREval].
func (e Edits) WER() float64 {
	if e.Ref == 0 {
		if e.Errors() == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return float64(e.Errors()) / float64(e.Ref)
}

// Plus returns the element-wise sum of e and o.
func (e Edits) Plus(o Edits) Edits {
	return Edits{Sub: e.Sub + o.Sub, Del: e.Del + o.Del, Ins: e.Ins + o.Ins, Ref: e.Ref + o.Ref}
}

// alignCell is one cell of the alignment table: the cost of the best
// path to it and its substitutions and deletions (insertions are the
// rest of the cost).
type alignCell struct{ cost, sub, del int32 }

// Align aligns the words of a hypothesis to those of a reference with unit
// costs for substitution, deletion and insertion and returns the counts of
// a minimum-cost alignment. Among alignments of equal cost it prefers, at
// each step back from the end, a match or substitution, then a deletion,
// then an insertion, so the split into S, D and I is deterministic (the
// total is the same for every minimum alignment). It keeps two rows of the
// table: O(len(ref)·len(hyp)) time and O(len(hyp)) memory.
func Align(ref, hyp []string) Edits {
	n := len(hyp) + 1
	var stack [2 * 64]alignCell
	var buf []alignCell
	if 2*n <= len(stack) {
		buf = stack[:2*n]
	} else {
		buf = make([]alignCell, 2*n)
	}
	prev, cur := buf[:n], buf[n:]
	for j := range prev {
		prev[j] = alignCell{cost: int32(j)} // j insertions
	}
	for i := 1; i <= len(ref); i++ {
		cur[0] = alignCell{cost: int32(i), del: int32(i)}
		r := ref[i-1]
		for j := 1; j < n; j++ {
			d := prev[j-1] // match or substitution
			if r != hyp[j-1] {
				d.cost++
				d.sub++
			}
			if del := prev[j].cost + 1; del < d.cost {
				d = alignCell{cost: del, sub: prev[j].sub, del: prev[j].del + 1}
			}
			if ins := cur[j-1].cost + 1; ins < d.cost {
				d = alignCell{cost: ins, sub: cur[j-1].sub, del: cur[j-1].del}
			}
			cur[j] = d
		}
		prev, cur = cur, prev
	}
	c := prev[n-1]
	return Edits{Sub: int(c.sub), Del: int(c.del), Ins: int(c.cost - c.sub - c.del), Ref: len(ref)}
}

// Whitespace splits s into words at runs of Unicode white space
// (strings.Fields), with no other normalisation: the plain tokenisation
// of WER.
func Whitespace(s string) []string { return strings.Fields(s) }

// H2TClean is the normalisation of the Hypotheses-Paradise (H2T-LoRA)
// inference script: it lower-cases s, removes every character that
// Python's re module matches with `[^\w\s]|\d` (everything but letters,
// numbers, the underscore and white space, and then every decimal digit),
// and splits the rest at white space. Words that contained only such
// characters disappear, and "o'clock" becomes "oclock".
func H2TClean(s string) []string {
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Nd, r) {
			return -1
		}
		if unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_' || unicode.IsSpace(r) {
			return r
		}
		return -1
	}, s)
	return strings.Fields(s)
}

// WEREval accumulates word error counts over a corpus. The zero value is
// ready to use; add utterances with [WEREval.Add].
//
// Empty references are counted, not refused: their hypothesis words count
// as insertions in the corpus totals (so the corpus WER, Σ errors / Σ
// reference words, includes them), but they have no per-utterance rate and
// are left out of the utterance average, and counted in EmptyRefs.
type WEREval struct {
	// Total sums the edits of every utterance added.
	Total Edits
	// Utterances is the number of utterances added.
	Utterances int
	// EmptyRefs is the number of utterances with an empty reference.
	EmptyRefs int
	// sumRate is the sum of the per-utterance rates of the utterances
	// with a non-empty reference.
	sumRate float64
}

// Add aligns hyp to ref, adds the counts to the totals and returns them.
func (e *WEREval) Add(ref, hyp []string) Edits {
	a := Align(ref, hyp)
	e.add(a)
	return a
}

func (e *WEREval) add(a Edits) {
	e.Total = e.Total.Plus(a)
	e.Utterances++
	if a.Ref == 0 {
		e.EmptyRefs++
		return
	}
	e.sumRate += a.WER()
}

// WER returns the corpus word error rate Σ(S+D+I) / Σ reference words, the
// rate usually reported (jiwer's and sclite's). See [Edits.WER] for a
// corpus without reference words.
func (e *WEREval) WER() float64 { return e.Total.WER() }

// UtteranceWER returns the mean over utterances of each utterance's WER,
// as the H2T-LoRA inference script reports it; utterances with an empty
// reference are left out. It is NaN if no utterance has a reference word.
func (e *WEREval) UtteranceWER() float64 {
	n := e.Utterances - e.EmptyRefs
	if n == 0 {
		return math.NaN()
	}
	return e.sumRate / float64(n)
}

// EvalWER scores hypotheses against references, utterance by utterance,
// after splitting both into words with norm ([Whitespace] if nil).
func EvalWER(refs, hyps []string, norm func(string) []string) (*WEREval, error) {
	if len(refs) != len(hyps) {
		return nil, fmt.Errorf("metrics.EvalWER: %d references and %d hypotheses", len(refs), len(hyps))
	}
	if norm == nil {
		norm = Whitespace
	}
	e := &WEREval{}
	for i := range refs {
		e.Add(norm(refs[i]), norm(hyps[i]))
	}
	return e, nil
}

// Oracle returns the index of the hypothesis with the fewest word errors
// against ref (the first one on a tie) and its edits. It returns -1 and
// the edits of an empty hypothesis if hyps is empty.
func Oracle(ref []string, hyps [][]string) (int, Edits) {
	best, be := -1, Align(ref, nil)
	for k, h := range hyps {
		if a := Align(ref, h); best < 0 || a.Errors() < be.Errors() {
			best, be = k, a
		}
	}
	return best, be
}

// EvalOracle scores the N-best oracle: for each utterance the hypothesis of
// nbest[i] with the fewest errors against refs[i] ([Oracle]), the lower
// bound of any rescoring that picks one of the hypotheses. Both are split
// into words with norm ([Whitespace] if nil). An utterance with no
// hypotheses counts as an empty hypothesis (all deletions).
func EvalOracle(refs []string, nbest [][]string, norm func(string) []string) (*WEREval, error) {
	if len(refs) != len(nbest) {
		return nil, fmt.Errorf("metrics.EvalOracle: %d references and %d N-best lists", len(refs), len(nbest))
	}
	if norm == nil {
		norm = Whitespace
	}
	e := &WEREval{}
	var words [][]string
	for i, ref := range refs {
		words = words[:0]
		for _, h := range nbest[i] {
			words = append(words, norm(h))
		}
		_, a := Oracle(norm(ref), words)
		e.add(a)
	}
	return e, nil
}
