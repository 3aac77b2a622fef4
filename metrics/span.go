package metrics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cairn-ml/cairn/data"
)

// SpanCounts are the span counts of one entity type, or of all types.
type SpanCounts struct {
	// Gold is the number of spans in the gold standard (conlleval's
	// "phrases").
	Gold int
	// Predicted is the number of predicted spans ("found").
	Predicted int
	// Correct is the number of predicted spans equal to a gold span in
	// start, end and type ("correct").
	Correct int
}

// Precision returns Correct/Predicted, or 0 if nothing was predicted.
func (c SpanCounts) Precision() float64 {
	if c.Predicted == 0 {
		return 0
	}
	return float64(c.Correct) / float64(c.Predicted)
}

// Recall returns Correct/Gold, or 0 if there is no gold span.
func (c SpanCounts) Recall() float64 {
	if c.Gold == 0 {
		return 0
	}
	return float64(c.Correct) / float64(c.Gold)
}

// F1 returns the harmonic mean 2PR/(P+R) of precision and recall, or 0 if
// both are 0.
func (c SpanCounts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// SpanEval accumulates the statistics of the conlleval script over
// sentences: span counts overall and per type, and token accuracy. The
// zero value is ready to use; add sentences with [SpanEval.Add].
type SpanEval struct {
	// Tokens is the number of tokens added.
	Tokens int
	// CorrectTags is the number of tokens whose predicted tag equals the
	// gold one (prefix and type, as conlleval splits them).
	CorrectTags int
	// Overall holds the counts over all types.
	Overall SpanCounts
	// ByType holds the counts of each type with a gold or a predicted
	// span.
	ByType map[string]SpanCounts
}

// EvalSpans scores predicted tags against gold tags, sentence by sentence,
// as the conlleval script scores a file holding the sentences with a blank
// line after each (see [SpanEval.Add]).
func EvalSpans(gold, pred [][]string) (*SpanEval, error) {
	if len(gold) != len(pred) {
		return nil, fmt.Errorf("metrics.EvalSpans: %d gold and %d predicted sentences", len(gold), len(pred))
	}
	e := &SpanEval{}
	for i := range gold {
		if err := e.Add(gold[i], pred[i]); err != nil {
			return nil, fmt.Errorf("metrics.EvalSpans: sentence %d: %w", i, err)
		}
	}
	return e, nil
}

// Add scores one sentence: gold and predicted tags, one per token, in any
// of the schemes IOB1, IOB2 (BIO) and IOBES, or a mix. It follows the
// conlleval script token by token, as if the sentence were followed by a
// blank line: a span starts and ends where data.ChunkStart and
// data.ChunkEnd say (conlleval's startOfChunk and endOfChunk, so "O I-PER"
// holds a PER span and "B-PER I-LOC" two spans, with the IOBES rules of
// conlleval.py for S and for E before B), and a predicted span is correct
// when it starts and ends with a gold span of the same type. For tags
// with the prefixes B, I and O (or I, E and O) only, the counts equal
// those of conlleval.pl on the same sentences; see the package
// documentation for the cases where the Perl script differs.
//
// It returns an error, and adds nothing, if the two sequences differ in
// length.
func (e *SpanEval) Add(gold, pred []string) error {
	if len(gold) != len(pred) {
		return fmt.Errorf("metrics.SpanEval.Add: %d gold and %d predicted tags", len(gold), len(pred))
	}
	if e.ByType == nil {
		e.ByType = map[string]SpanCounts{}
	}
	inc := func(typ string, f func(*SpanCounts)) {
		f(&e.Overall)
		c := e.ByType[typ]
		f(&c)
		e.ByType[typ] = c
	}
	inCorrect := false
	lastC, lastCT, lastG, lastGT := "O", "", "O", ""
	for i := 0; i <= len(gold); i++ {
		c, ct, g, gt := "O", "", "O", "" // the blank line after the sentence
		if i < len(gold) {
			c, ct = data.SplitTag(gold[i])
			g, gt = data.SplitTag(pred[i])
		}
		endC := data.ChunkEnd(lastC, c, lastCT, ct)
		endG := data.ChunkEnd(lastG, g, lastGT, gt)
		if inCorrect {
			if endC && endG && lastGT == lastCT {
				inCorrect = false
				inc(lastCT, func(s *SpanCounts) { s.Correct++ })
			} else if endC != endG || gt != ct {
				inCorrect = false
			}
		}
		startC := data.ChunkStart(lastC, c, lastCT, ct)
		startG := data.ChunkStart(lastG, g, lastGT, gt)
		if startC && startG && gt == ct {
			inCorrect = true
		}
		if startC {
			inc(ct, func(s *SpanCounts) { s.Gold++ })
		}
		if startG {
			inc(gt, func(s *SpanCounts) { s.Predicted++ })
		}
		if i < len(gold) {
			if c == g && ct == gt {
				e.CorrectTags++
			}
			e.Tokens++
		}
		lastC, lastCT, lastG, lastGT = c, ct, g, gt
	}
	if inCorrect { // only with tags conlleval carries across a sentence break
		inc(lastCT, func(s *SpanCounts) { s.Correct++ })
	}
	return nil
}

// Accuracy returns CorrectTags/Tokens, or 0 if no token was added.
func (e *SpanEval) Accuracy() float64 {
	if e.Tokens == 0 {
		return 0
	}
	return float64(e.CorrectTags) / float64(e.Tokens)
}

// Types returns the types in ByType, sorted.
func (e *SpanEval) Types() []string {
	types := make([]string, 0, len(e.ByType))
	for t := range e.ByType {
		types = append(types, t)
	}
	slices.Sort(types)
	return types
}

// Report returns the text the conlleval script prints for the same data,
// percentages with two decimals computed in the same order of operations,
// so that the two agree character for character:
//
//	processed 8 tokens with 3 phrases; found: 3 phrases; correct: 2.
//	accuracy:  75.00%; precision:  66.67%; recall:  66.67%; FB1:  66.67
//	              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  0
//	              ORG: precision:   0.00%; recall:   0.00%; FB1:   0.00  1
//	              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  2
//
// (the last number of a type's line is its count of predicted spans). One
// quirk of the script is not copied: it prints the line of the empty type
// (spans of bare tags such as "PER") twice when both gold and predicted
// spans have it.
func (e *SpanEval) Report() string {
	var b strings.Builder
	o := e.Overall
	fmt.Fprintf(&b, "processed %d tokens with %d phrases; found: %d phrases; correct: %d.\n", e.Tokens, o.Gold, o.Predicted, o.Correct)
	if e.Tokens > 0 {
		p, r, f := percents(o)
		fmt.Fprintf(&b, "accuracy: %6.2f%%; precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f\n",
			float64(100*e.CorrectTags)/float64(e.Tokens), p, r, f)
	}
	for _, t := range e.Types() {
		c := e.ByType[t]
		p, r, f := percents(c)
		fmt.Fprintf(&b, "%17s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  %d\n", t, p, r, f, c.Predicted)
	}
	return b.String()
}

// percents returns precision, recall and F1 in percent as conlleval
// computes them: 100*correct/found, then 2*p*r/(p+r).
func percents(c SpanCounts) (p, r, f float64) {
	if c.Predicted > 0 {
		p = float64(100*c.Correct) / float64(c.Predicted)
	}
	if c.Gold > 0 {
		r = float64(100*c.Correct) / float64(c.Gold)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f
}
