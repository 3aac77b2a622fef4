package metrics

import (
	"strings"
)

// VQAMode says how VQA accuracy treats the human answers.
type VQAMode int

const (
	// VQAOfficial is the official evaluation (GT-Vision-Lab/VQA,
	// PythonEvaluationTools/vqaEvaluation/vqaEval.py): the prediction gets
	// both normalisation steps, with at most 32 periods removed; the human
	// answers get only the punctuation step, and only when they are not all
	// identical.
	VQAOfficial VQAMode = iota
	// VQANormalizeGT applies both steps, without the 32-period cap, to the
	// prediction and to every human answer, as LAVIS-style evaluators do.
	VQANormalizeGT
)

// vqaPunct are the characters of the official processPunctuation, in its
// order. '-', '!' and '.' are not among them.
var vqaPunct = []string{";", ":", "/", "'", "[", "]", "\"", "(", ")", "=", "+", "\\", "_", ">", "<", "@", "`", ",", "?"}

// vqaNumbers is the official manualMap.
var vqaNumbers = map[string]string{
	"none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4",
	"five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}

// vqaContractions is the official contractions table, byte for byte: most
// values use U+2019, a few the ASCII apostrophe, and a few keys hold U+2019
// (so they never match a word the punctuation step has passed, which turns
// an ASCII apostrophe into a space or nothing).
var vqaContractions = map[string]string{
	"aint": "ain't", "arent": "aren't", "cant": "can't", "couldve": "could've", "couldnt": "couldn't",
	"couldn'tve": "couldn’t’ve", "couldnt’ve": "couldn’t’ve", "didnt": "didn’t", "doesnt": "doesn’t", "dont": "don’t", "hadnt": "hadn’t",
	"hadnt’ve": "hadn’t’ve", "hadn'tve": "hadn’t’ve", "hasnt": "hasn’t", "havent": "haven’t", "hed": "he’d", "hed’ve": "he’d’ve",
	"he’dve": "he’d’ve", "hes": "he’s", "howd": "how’d", "howll": "how’ll", "hows": "how’s", "Id’ve": "I’d’ve", "I’dve": "I’d’ve",
	"Im": "I’m", "Ive": "I’ve", "isnt": "isn’t", "itd": "it’d", "itd’ve": "it’d’ve", "it’dve": "it’d’ve", "itll": "it’ll", "let’s": "let’s",
	"maam": "ma’am", "mightnt": "mightn’t", "mightnt’ve": "mightn’t’ve", "mightn’tve": "mightn’t’ve", "mightve": "might’ve",
	"mustnt": "mustn’t", "mustve": "must’ve", "neednt": "needn’t", "notve": "not’ve", "oclock": "o’clock", "oughtnt": "oughtn’t",
	"ow’s’at": "’ow’s’at", "’ows’at": "’ow’s’at", "’ow’sat": "’ow’s’at", "shant": "shan’t", "shed’ve": "she’d’ve", "she’dve": "she’d’ve",
	"she’s": "she’s", "shouldve": "should’ve", "shouldnt": "shouldn’t", "shouldnt’ve": "shouldn’t’ve", "shouldn’tve": "shouldn’t’ve",
	"somebody’d": "somebodyd", "somebodyd’ve": "somebody’d’ve", "somebody’dve": "somebody’d’ve", "somebodyll": "somebody’ll",
	"somebodys": "somebody’s", "someoned": "someone’d", "someoned’ve": "someone’d’ve", "someone’dve": "someone’d’ve",
	"someonell": "someone’ll", "someones": "someone’s", "somethingd": "something’d", "somethingd’ve": "something’d’ve",
	"something’dve": "something’d’ve", "somethingll": "something’ll", "thats": "that’s", "thered": "there’d", "thered’ve": "there’d’ve",
	"there’dve": "there’d’ve", "therere": "there’re", "theres": "there’s", "theyd": "they’d", "theyd’ve": "they’d’ve",
	"they’dve": "they’d’ve", "theyll": "they’ll", "theyre": "they’re", "theyve": "they’ve", "twas": "’twas", "wasnt": "wasn’t",
	"wed’ve": "we’d’ve", "we’dve": "we’d’ve", "weve": "we've", "werent": "weren’t", "whatll": "what’ll", "whatre": "what’re",
	"whats": "what’s", "whatve": "what’ve", "whens": "when’s", "whered": "where’d", "wheres": "where's", "whereve": "where’ve",
	"whod": "who’d", "whod’ve": "who’d’ve", "who’dve": "who’d’ve", "wholl": "who’ll", "whos": "who’s", "whove": "who've", "whyll": "why’ll",
	"whyre": "why’re", "whys": "why’s", "wont": "won’t", "wouldve": "would’ve", "wouldnt": "wouldn’t", "wouldnt’ve": "wouldn’t’ve",
	"wouldn’tve": "wouldn’t’ve", "yall": "y’all", "yall’ll": "y’all’ll", "y’allll": "y’all’ll", "yall’d’ve": "y’all’d’ve",
	"y’alld’ve": "y’all’d’ve", "y’all’dve": "y’all’d’ve", "youd": "you’d", "youd’ve": "you’d’ve", "you’dve": "you’d’ve",
	"youll": "you’ll", "youre": "you’re", "youve": "you’ve",
}

// asciiSpace is Python 2's whitespace for byte strings (str.split, strip).
const asciiSpace = " \t\n\r\v\f"

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// hasDigitCommaDigit reports whether s matches the regular expression
// (\d)(\,)(\d) somewhere.
func hasDigitCommaDigit(s string) bool {
	for i := 1; i+1 < len(s); i++ {
		if s[i] == ',' && isDigit(s[i-1]) && isDigit(s[i+1]) {
			return true
		}
	}
	return false
}

// VQAPunctuation is the official processPunctuation. For each of its 19
// characters p in order, if the input contains p followed or preceded by a
// space, or any digit-comma-digit, every p is deleted, otherwise every p
// becomes a space (the tests look at the input, the replacements apply to
// the running output). Then every '.' not followed by a digit is deleted:
// the official pattern "(?!<=\d)(\.)(?!\d)" has a mistyped look-behind that
// always holds. With capped set, only the first 32 such periods go, since
// the official call passes re.UNICODE (32) as the count.
func VQAPunctuation(in string, capped bool) string {
	out := in
	comma := hasDigitCommaDigit(in)
	for _, p := range vqaPunct {
		if strings.Contains(in, p+" ") || strings.Contains(in, " "+p) || comma {
			out = strings.ReplaceAll(out, p, "")
		} else {
			out = strings.ReplaceAll(out, p, " ")
		}
	}
	var b strings.Builder
	removed := 0
	for i := 0; i < len(out); i++ {
		if out[i] == '.' && (i+1 >= len(out) || !isDigit(out[i+1])) && (!capped || removed < 32) {
			removed++
			continue
		}
		b.WriteByte(out[i])
	}
	return b.String()
}

// VQADigitArticle is the official processDigitArticle: lower-case (ASCII,
// as Python 2 does on byte strings), split on ASCII whitespace, map the
// number words none, zero, one … ten to digits, drop the articles a, an
// and the, map the contraction table, and join with single spaces.
func VQADigitArticle(in string) string {
	words := strings.FieldsFunc(asciiLower(in), func(r rune) bool { return r < 0x80 && strings.ContainsRune(asciiSpace, r) })
	out := words[:0]
	for _, w := range words {
		if d, ok := vqaNumbers[w]; ok {
			w = d
		}
		if w == "a" || w == "an" || w == "the" {
			continue
		}
		out = append(out, w)
	}
	for i, w := range out {
		if c, ok := vqaContractions[w]; ok {
			out[i] = c
		}
	}
	return strings.Join(out, " ")
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// VQANormalize normalises a predicted answer as the official evaluation
// does: newlines and tabs become spaces, surrounding ASCII whitespace goes,
// then VQAPunctuation (with the 32-period cap) and VQADigitArticle.
// "Two" → "2", "The dog" → "dog", "1,000" → "1000", "don't" → "don t".
func VQANormalize(ans string) string {
	return vqaNormalize(ans, true)
}

func vqaNormalize(ans string, capped bool) string {
	ans = strings.ReplaceAll(ans, "\n", " ")
	ans = strings.ReplaceAll(ans, "\t", " ")
	ans = strings.Trim(ans, asciiSpace)
	return VQADigitArticle(VQAPunctuation(ans, capped))
}

// VQAAccuracy is the VQA accuracy of pred against the human answers
// (ten in VQA v2), in [0, 1]: the mean over the leave-one-out subsets of
// min(1, #matches in the subset / 3). With m matching answers out of ten
// it is 0, 0.3, 0.6, 0.9 and 1 for m = 0, 1, 2, 3 and ≥ 4. mode says how
// the answers are normalised. It returns 0 for no answers.
func VQAAccuracy(pred string, answers []string, mode VQAMode) float64 {
	if len(answers) == 0 {
		return 0
	}
	var r string
	gts := make([]string, len(answers))
	switch mode {
	case VQANormalizeGT:
		r = vqaNormalize(pred, false)
		for i, a := range answers {
			gts[i] = vqaNormalize(a, false)
		}
	default:
		r = vqaNormalize(pred, true)
		copy(gts, answers)
		same := true
		for _, a := range answers {
			same = same && a == answers[0]
		}
		if !same {
			for i, a := range answers {
				gts[i] = VQAPunctuation(a, true)
			}
		}
	}
	m := 0
	for _, g := range gts {
		if g == r {
			m++
		}
	}
	sum := 0.0
	for _, g := range gts {
		k := m
		if g == r {
			k--
		}
		sum += min(1, float64(k)/3)
	}
	return sum / float64(len(gts))
}

// VQAItem is one scored question of EvalVQA.
type VQAItem struct {
	Pred         string   // the predicted answer, as the model gave it
	Answers      []string // the human answers
	QuestionType string   // such as "what color is the"
	AnswerType   string   // "yes/no", "number" or "other"
}

// VQAEval holds VQA accuracies in percent (100 × mean accuracy, not
// rounded; the official script rounds to 2 decimals), overall and per
// answer and question type, with the number of questions of each.
type VQAEval struct {
	Overall        float64
	N              int
	ByAnswerType   map[string]float64
	ByQuestionType map[string]float64
	AnswerTypeN    map[string]int
	QuestionTypeN  map[string]int
	// Acc holds each item's accuracy in [0, 1], in input order.
	Acc []float64
}

// EvalVQA scores items. The per-type means average each question's mean
// leave-one-out accuracy, as the overall mean does; the official script
// appends the last leave-one-out accuracy instead (a bug that lowers or
// raises per-type numbers slightly), which is not reproduced.
func EvalVQA(items []VQAItem, mode VQAMode) VQAEval {
	e := VQAEval{
		ByAnswerType: map[string]float64{}, ByQuestionType: map[string]float64{},
		AnswerTypeN: map[string]int{}, QuestionTypeN: map[string]int{},
		N: len(items), Acc: make([]float64, len(items)),
	}
	for i, it := range items {
		a := VQAAccuracy(it.Pred, it.Answers, mode)
		e.Acc[i] = a
		e.Overall += a
		e.ByAnswerType[it.AnswerType] += a
		e.AnswerTypeN[it.AnswerType]++
		e.ByQuestionType[it.QuestionType] += a
		e.QuestionTypeN[it.QuestionType]++
	}
	if len(items) > 0 {
		e.Overall = 100 * e.Overall / float64(len(items))
	}
	for k, n := range e.AnswerTypeN {
		e.ByAnswerType[k] = 100 * e.ByAnswerType[k] / float64(n)
	}
	for k, n := range e.QuestionTypeN {
		e.ByQuestionType[k] = 100 * e.ByQuestionType[k] / float64(n)
	}
	return e
}
