package metrics

import (
	"fmt"
	"math"
	"strings"
)

// BLEUScore is a BLEU score with the statistics it comes from, as
// sacreBLEU's BLEUScore holds them.
type BLEUScore struct {
	// Score is BLEU in [0, 100].
	Score float64
	// Correct and Total are the clipped matching n-gram counts and the
	// hypothesis n-gram counts for n = 1..4.
	Correct, Total [4]int
	// Precisions are the (smoothed) n-gram precisions in percent.
	Precisions [4]float64
	// BP is the brevity penalty.
	BP float64
	// HypLen and RefLen are the hypothesis tokens and the lengths of the
	// closest references, summed over the segments.
	HypLen, RefLen int
}

// String formats s as sacreBLEU prints a score:
// "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)".
func (s BLEUScore) String() string {
	ratio := 0.0
	if s.RefLen > 0 {
		ratio = float64(s.HypLen) / float64(s.RefLen)
	}
	return fmt.Sprintf("BLEU = %.2f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)",
		s.Score, s.Precisions[0], s.Precisions[1], s.Precisions[2], s.Precisions[3], s.BP, ratio, s.HypLen, s.RefLen)
}

// Tokenize13a is sacreBLEU's default tokeniser "13a", that of
// mteval-v13a.pl: it drops "<skipped>", joins lines broken at "-\n",
// unescapes &quot; &amp; &lt; &gt;, puts spaces around the symbols
// {|}~[\]^_`!"#$%&()*+:;<=>?@/, splits off a period or comma unless it is
// preceded by a digit and again unless it is followed by one (so "3.14" and
// "1,000" stay whole), splits off a dash after a digit, and returns the
// whitespace-separated tokens. The replacements run left to right without
// overlaps, as Python's re.sub does.
func Tokenize13a(line string) []string {
	line = strings.ReplaceAll(line, "<skipped>", "")
	line = strings.ReplaceAll(line, "-\n", "")
	line = strings.ReplaceAll(line, "\n", " ")
	if strings.Contains(line, "&") {
		line = strings.ReplaceAll(line, "&quot;", `"`)
		line = strings.ReplaceAll(line, "&amp;", "&")
		line = strings.ReplaceAll(line, "&lt;", "<")
		line = strings.ReplaceAll(line, "&gt;", ">")
	}
	rs := []rune(" " + line + " ")
	// ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
	var a []rune
	for _, r := range rs {
		if (r >= '{' && r <= '~') || (r >= '[' && r <= '`') || (r >= ' ' && r <= '&') ||
			(r >= '(' && r <= '+') || (r >= ':' && r <= '@') || r == '/' {
			a = append(a, ' ', r, ' ')
		} else {
			a = append(a, r)
		}
	}
	digit := func(r rune) bool { return r >= '0' && r <= '9' }
	dotComma := func(r rune) bool { return r == '.' || r == ',' }
	// Each of the following is a two-character pattern that re.sub
	// replaces left to right without overlaps.
	sub2 := func(in []rune, match func(x, y rune) bool, repl func(x, y rune) []rune) []rune {
		out := make([]rune, 0, len(in)+8)
		for i := 0; i < len(in); {
			if i+1 < len(in) && match(in[i], in[i+1]) {
				out = append(out, repl(in[i], in[i+1])...)
				i += 2
				continue
			}
			out = append(out, in[i])
			i++
		}
		return out
	}
	// ([^0-9])([\.,]) -> "\1 \2 "
	a = sub2(a, func(x, y rune) bool { return !digit(x) && dotComma(y) },
		func(x, y rune) []rune { return []rune{x, ' ', y, ' '} })
	// ([\.,])([^0-9]) -> " \1 \2"
	a = sub2(a, func(x, y rune) bool { return dotComma(x) && !digit(y) },
		func(x, y rune) []rune { return []rune{' ', x, ' ', y} })
	// ([0-9])(-) -> "\1 \2 "
	a = sub2(a, func(x, y rune) bool { return digit(x) && y == '-' },
		func(x, y rune) []rune { return []rune{x, ' ', y, ' '} })
	return pyFields(string(a))
}

// ngramCounts counts the n-grams of toks for n = 1..4, keyed by n and the
// tokens joined by a space (tokens hold no spaces).
func ngramCounts(toks []string) [4]map[string]int {
	var c [4]map[string]int
	for n := 1; n <= 4; n++ {
		c[n-1] = map[string]int{}
		for i := 0; i+n <= len(toks); i++ {
			c[n-1][strings.Join(toks[i:i+n], " ")]++
		}
	}
	return c
}

// bleuStats adds one segment's statistics to s.
func bleuStats(s *BLEUScore, hyp string, refs []string) {
	ht := Tokenize13a(strings.TrimRightFunc(hyp, pySpace))
	hc := ngramCounts(ht)
	var max [4]map[string]int
	refLen, diff := -1, -1
	for k, ref := range refs {
		rt := Tokenize13a(strings.TrimRightFunc(ref, pySpace))
		rc := ngramCounts(rt)
		d := len(rt) - len(ht)
		if d < 0 {
			d = -d
		}
		if diff == -1 || d < diff || (d == diff && len(rt) < refLen) {
			diff, refLen = d, len(rt)
		}
		for n := range rc {
			if k == 0 {
				max[n] = rc[n]
				continue
			}
			for g, c := range rc[n] {
				if c > max[n][g] {
					max[n][g] = c
				}
			}
		}
	}
	s.HypLen += len(ht)
	s.RefLen += refLen
	for n := range hc {
		for g, c := range hc[n] {
			s.Total[n] += c
			s.Correct[n] += min(c, max[n][g])
		}
	}
}

// CorpusBLEU returns sacreBLEU's corpus BLEU (version 2, defaults: 13a
// tokenisation, case-sensitive, 4-grams, "exp" smoothing) of hypotheses
// against references, refs[i] holding the references of hyps[i] (at least
// one each). The n-gram matches are clipped by the largest count in any one
// reference and the brevity penalty uses, per segment, the reference length
// closest to the hypothesis length (the shorter on ties), summed over the
// corpus.
//
// With effectiveOrder false, as in sacreBLEU's corpus scores, the score is 0
// when no hypothesis has four tokens; with it true the geometric mean runs
// only over the orders the hypotheses have, as for sentence BLEU.
// Without the flores101 SentencePiece model this is BLEU on 13a tokens, not
// the spBLEU of the x-LLM paper.
func CorpusBLEU(hyps []string, refs [][]string, effectiveOrder bool) (BLEUScore, error) {
	if len(hyps) != len(refs) {
		return BLEUScore{}, fmt.Errorf("metrics: CorpusBLEU: %d hypotheses but references for %d", len(hyps), len(refs))
	}
	var s BLEUScore
	for i, h := range hyps {
		if len(refs[i]) == 0 {
			return BLEUScore{}, fmt.Errorf("metrics: CorpusBLEU: segment %d has no reference", i)
		}
		bleuStats(&s, h, refs[i])
	}
	computeBLEU(&s, effectiveOrder)
	return s, nil
}

// SentenceBLEU returns the BLEU of one hypothesis as sacreBLEU's
// sentence_bleu does: CorpusBLEU of one segment with effective order. It
// panics if refs is empty.
func SentenceBLEU(hyp string, refs []string) BLEUScore {
	if len(refs) == 0 {
		panic("metrics: SentenceBLEU: no reference")
	}
	var s BLEUScore
	bleuStats(&s, hyp, refs)
	computeBLEU(&s, true)
	return s
}

// computeBLEU is sacreBLEU's BLEU.compute_bleu with smooth_method "exp".
func computeBLEU(s *BLEUScore, effectiveOrder bool) {
	s.BP = 1
	if s.HypLen < s.RefLen {
		if s.HypLen > 0 {
			s.BP = math.Exp(1 - float64(s.RefLen)/float64(s.HypLen))
		} else {
			s.BP = 0
		}
	}
	s.Precisions = [4]float64{}
	s.Score = 0
	if s.Correct == [4]int{} {
		return
	}
	smooth := 1.0
	eff := 4
	for n := 0; n < 4; n++ {
		if s.Total[n] == 0 {
			break
		}
		if effectiveOrder {
			eff = n + 1
		}
		if s.Correct[n] == 0 {
			smooth *= 2
			s.Precisions[n] = 100 / (smooth * float64(s.Total[n]))
		} else {
			s.Precisions[n] = 100 * float64(s.Correct[n]) / float64(s.Total[n])
		}
	}
	sum := 0.0
	for _, p := range s.Precisions[:eff] {
		if p == 0 {
			sum += -9999999999
		} else {
			sum += math.Log(p)
		}
	}
	s.Score = s.BP * math.Exp(sum/float64(eff))
}
