package metrics

import (
	"fmt"
	"strings"
	"unicode"
)

// NormalizeAnswer normalises an answer as the official MLQA evaluation script
// (facebookresearch/MLQA, mlqa_evaluation_v1.py) does before comparing it:
// lower-case it (Python's str.lower, including its final-sigma rule and
// "İ" → "i̇"), delete every character of a Unicode punctuation category (P*)
// and every ASCII punctuation character, replace the language's articles by
// a space, and split into tokens joined by single spaces.
//
// The articles are: en a, an, the; es un, una, unos, unas, el, la, los, las;
// de ein, eine, einen, einem, eines, einer, der, die, das, den, dem, des;
// vi của, là, cái, chiếc, những (whole words, as Python's \b with Unicode
// word characters delimits them); ar every occurrence of "ال", also inside
// words, as the script's regular expression does. hi and zh have none.
// Tokens are whitespace-separated, except for zh, whose "mixed segmentation"
// makes every CJK character of U+4E00–U+9FA5 a token of its own and splits
// the runs between them on whitespace.
//
// Languages the script does not know (it raises an error for them) are
// normalised here with no article removal and whitespace tokens, as for hi;
// this includes XQuAD's el, ro, ru, th and tr. For th, which does not separate
// words by spaces, F1 then compares whole phrases.
func NormalizeAnswer(s, lang string) string {
	return strings.Join(answerTokens(s, lang), " ")
}

// AnswerTokens returns the tokens of NormalizeAnswer(s, lang), those F1
// counts.
func AnswerTokens(s, lang string) []string { return answerTokens(s, lang) }

func answerTokens(s, lang string) []string {
	s = pyLower(s)
	s = strings.Map(func(r rune) rune {
		if isQAPunct(r) {
			return -1
		}
		return r
	}, s)
	s = removeArticles(s, lang)
	if lang == "zh" {
		return mixedSegmentation(s)
	}
	return pyFields(s)
}

// isQAPunct reports whether r is in the script's PUNCT set: Unicode
// categories P* and Python's string.punctuation.
func isQAPunct(r rune) bool {
	if r < 0x80 {
		return strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r)
	}
	return unicode.IsPunct(r)
}

var articles = map[string]map[string]bool{
	"en": set("a", "an", "the"),
	"es": set("un", "una", "unos", "unas", "el", "la", "los", "las"),
	"de": set("ein", "eine", "einen", "einem", "eines", "einer", "der", "die", "das", "den", "dem", "des"),
	"vi": set("của", "là", "cái", "chiếc", "những"),
}

func set(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// pyWord reports whether r is a character of Python's Unicode \w.
func pyWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

func removeArticles(s, lang string) string {
	if lang == "ar" {
		return strings.ReplaceAll(s, "ال", " ")
	}
	arts := articles[lang]
	if arts == nil {
		return s
	}
	// \b(a|an|the)\b matches exactly the maximal runs of word characters
	// that equal an article.
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if !pyWord(rs[i]) {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && pyWord(rs[j]) {
			j++
		}
		w := string(rs[i:j])
		if arts[w] {
			b.WriteByte(' ')
		} else {
			b.WriteString(w)
		}
		i = j
	}
	return b.String()
}

// pySpace reports whether Python's str.split splits at r.
func pySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func pyFields(s string) []string { return strings.FieldsFunc(s, pySpace) }

func mixedSegmentation(s string) []string {
	var out []string
	start := -1
	flush := func(end int) {
		if start >= 0 {
			out = append(out, pyFields(s[start:end])...)
			start = -1
		}
	}
	for i, r := range s {
		if (r >= 0x4e00 && r <= 0x9fa5) || isQAPunct(r) {
			flush(i)
			out = append(out, string(r))
			continue
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(s))
	return out
}

// pyLower lower-cases s as Python's str.lower: unicode.ToLower per
// character, except U+0130 (İ) → "i̇" and capital sigma → final sigma ς at
// the end of a word (Unicode's Final_Sigma condition).
func pyLower(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		switch {
		case r == 0x130:
			b.WriteString("i\u0307")
		case r == 0x3a3:
			if finalSigma(rs, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func caseIgnorable(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk) ||
		strings.ContainsRune("'.:·\u2019\u2018\u2024\ufe52\uff07\uff0e\u00ad", r)
}

func cased(r rune) bool { return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) }

func finalSigma(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && caseIgnorable(rs[j]) {
		j--
	}
	if j < 0 || !cased(rs[j]) {
		return false
	}
	k := i + 1
	for k < len(rs) && caseIgnorable(rs[k]) {
		k++
	}
	return k == len(rs) || !cased(rs[k])
}

// ExactMatch returns 1 if the normalised prediction equals the normalised
// form of one of the gold answers, and 0 otherwise (0 for no golds), as the
// MLQA and SQuAD scripts score one question.
func ExactMatch(pred string, golds []string, lang string) float64 {
	p := NormalizeAnswer(pred, lang)
	for _, g := range golds {
		if p == NormalizeAnswer(g, lang) {
			return 1
		}
	}
	return 0
}

// AnswerF1 returns the largest, over the gold answers, token F1 of the
// prediction: the harmonic mean of precision and recall of the multiset of
// common tokens (AnswerTokens), 0 if there is none. It is in [0, 1].
func AnswerF1(pred string, golds []string, lang string) float64 {
	pt := AnswerTokens(pred, lang)
	best := 0.0
	for _, g := range golds {
		gt := AnswerTokens(g, lang)
		count := make(map[string]int, len(gt))
		for _, t := range gt {
			count[t]++
		}
		same := 0
		for _, t := range pt {
			if count[t] > 0 {
				count[t]--
				same++
			}
		}
		if same == 0 {
			continue
		}
		p := float64(same) / float64(len(pt))
		r := float64(same) / float64(len(gt))
		if f := 2 * p * r / (p + r); f > best {
			best = f
		}
	}
	return best
}

// Match is the x-LLM repository's XQuAD/MLQA score of one answer
// (eval/xquad.match.py): true if the lower-cased gold answer, trimmed of
// surrounding white space as the repository's records hold it, is a
// substring of the lower-cased prediction, with no other normalisation. It
// rewards long answers that contain the gold one; report it beside EM and
// F1.
func Match(gold, pred string) bool {
	return strings.Contains(pyLower(pred), pyLower(strings.TrimSpace(gold)))
}

// QAEval is the score of a set of answered questions, each averaged over the
// questions and times 100, as the evaluation scripts print them.
type QAEval struct {
	// N is the number of questions.
	N int
	// EM and F1 are the MLQA script's exact match and F1.
	EM, F1 float64
	// Match is the x-LLM repository's substring match against the first
	// gold answer.
	Match float64
}

// EvalQA scores predictions against gold answers (one list per question,
// the first being the one Match uses) with the normalisation of lang (see
// NormalizeAnswer). It fails if the lengths differ or a question has no gold
// answer.
func EvalQA(preds []string, golds [][]string, lang string) (QAEval, error) {
	if len(preds) != len(golds) {
		return QAEval{}, fmt.Errorf("metrics: EvalQA: %d predictions for %d questions", len(preds), len(golds))
	}
	e := QAEval{N: len(preds)}
	for i, p := range preds {
		if len(golds[i]) == 0 {
			return QAEval{}, fmt.Errorf("metrics: EvalQA: question %d has no gold answer", i)
		}
		e.EM += ExactMatch(p, golds[i], lang)
		e.F1 += AnswerF1(p, golds[i], lang)
		if Match(golds[i][0], p) {
			e.Match++
		}
	}
	if e.N > 0 {
		n := float64(e.N) / 100
		e.EM /= n
		e.F1 /= n
		e.Match /= n
	}
	return e, nil
}
