package distill

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// Task names one of the data sets of distilling step-by-step. Its value is
// the directory and file-name stem of the released data (cqa/cqa_test.json).
type Task string

// The tasks of the paper with released teacher rationales.
const (
	CQA   Task = "cqa"   // CommonsenseQA (CoS-E v1.11), 5-way multiple choice
	ANLI1 Task = "anli1" // Adversarial NLI, round 1
	ESNLI Task = "esnli" // e-SNLI
	SVAMP Task = "svamp" // SVAMP arithmetic word problems
)

// Task prefixes of the multi-task inputs, and the end-of-sequence token
// string that joins an NLI premise and hypothesis, exactly as in the
// released code.
const (
	PredictPrefix = "predict: "
	ExplainPrefix = "explain: "
	EOSToken      = "</s>"
)

// SingleTaskSep joins rationale and label in the single-task target
// (SingleTaskTarget). The released code has no single-task mode; the
// separator is the phrase the CQA and ANLI rationales end with.
const SingleTaskSep = " So the answer is "

// ErrUnparsable is returned (wrapped) by ParseCoT where the released
// parser raises an exception instead of returning a placeholder: a CQA
// completion that does not contain "So the answer is" exactly once.
var ErrUnparsable = errors.New("distill: completion cannot be parsed")

// nliLabels are the label texts of the NLI label ids 0, 1, 2.
var nliLabels = [3]string{"entailment", "neutral", "contradiction"}

var (
	choiceMarker = regexp.MustCompile(`\(.\)`)  // Python r'\(.\)'
	bracketed    = regexp.MustCompile(`\(.*\)`) // Python r'\(.*\)'
)

// pyIsSpace reports whether Python's str.isspace holds for r: Go's
// unicode.IsSpace plus the separators U+001C..U+001F.
func pyIsSpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

func pyRstrip(s string) string { return strings.TrimRightFunc(s, pyIsSpace) }
func pyLstrip(s string) string { return strings.TrimLeftFunc(s, pyIsSpace) }
func pyStrip(s string) string  { return strings.TrimFunc(s, pyIsSpace) }

// dropLast is Python's s[:-1]: s without its last code point.
func dropLast(s string) string {
	if s == "" {
		return ""
	}
	_, n := utf8.DecodeLastRuneInString(s)
	return s[:len(s)-n]
}

// ParseCoT splits a teacher's chain-of-thought completion into rationale
// and label exactly as the released loader of distilling step-by-step
// (data_utils.py, _parse_llm_output) does for task, byte for byte,
// including its placeholders on failure:
//
//   - CQA: cut at the first "Q:" and right-strip; split on
//     "So the answer is" (exactly two parts, else an error wrapping
//     ErrUnparsable, where the original raises); the rationale is the left
//     part right-stripped; the label is the text between the first and
//     second "(x)" marker of the right part, stripped, minus one trailing
//     '.'; " " if there is no marker or nothing after it.
//   - ANLI1: cut at the first "Premise:", right-strip, split on
//     "So the answer is"; unless that gives exactly two parts both are ""
//     (so the label is "" too); the rationale is right-stripped and the
//     label left-stripped without its last character.
//   - ESNLI: the rationale is the text before the first "Answer:",
//     right-stripped; the label is the text after the first "Answer: " up
//     to the first "Premise", right-stripped, or " " without "Answer: ".
//   - SVAMP: cut at the first "Q:" and right-strip; unless splitting on
//     "The answer is" gives exactly two parts, both are " "; the rationale
//     is the left part right-stripped and the label the first
//     parenthesised span "(...)" of the right part (greedy, within a line),
//     or " ".
//
// Stripping follows Python's str.strip (Unicode white space and
// U+001C..U+001F). An unknown task is an error.
func ParseCoT(task Task, completion string) (rationale, label string, err error) {
	switch task {
	case CQA:
		head := pyRstrip(strings.Split(completion, "Q:")[0])
		parts := strings.Split(head, "So the answer is")
		if len(parts) != 2 {
			return "", "", fmt.Errorf("%w: cqa: %d occurrences of %q", ErrUnparsable, len(parts)-1, "So the answer is")
		}
		rationale = pyRstrip(parts[0])
		label = " "
		if loc := choiceMarker.FindStringIndex(parts[1]); loc != nil {
			rest := parts[1][loc[1]:]
			if next := choiceMarker.FindStringIndex(rest); next != nil {
				rest = rest[:next[0]]
			}
			if l := pyStrip(rest); l != "" {
				label = strings.TrimSuffix(l, ".")
			}
		}
		return rationale, label, nil
	case ANLI1:
		parts := strings.Split(pyRstrip(strings.Split(completion, "Premise:")[0]), "So the answer is")
		if len(parts) != 2 {
			return "", "", nil
		}
		return pyRstrip(parts[0]), dropLast(pyLstrip(parts[1])), nil
	case ESNLI:
		rationale = pyRstrip(strings.Split(completion, "Answer:")[0])
		label = " "
		if parts := strings.Split(completion, "Answer: "); len(parts) > 1 {
			label = pyRstrip(strings.Split(parts[1], "Premise")[0])
		}
		return rationale, label, nil
	case SVAMP:
		parts := strings.Split(pyRstrip(strings.Split(completion, "Q:")[0]), "The answer is")
		if len(parts) != 2 {
			return " ", " ", nil
		}
		label = " "
		if m := bracketed.FindString(parts[1]); m != "" {
			label = m
		}
		return pyRstrip(parts[0]), label, nil
	}
	return "", "", fmt.Errorf("distill: ParseCoT: unknown task %q", task)
}

// CQAInput formats a CommonsenseQA question and its five answer choices as
// the model input of the released code:
//
//	{question}\nAnswer Choices:\n(a) {c0}\n(b) {c1}\n(c) {c2}\n(d) {c3}\n(e) {c4}
//
// It panics unless there are exactly five choices.
func CQAInput(question string, choices []string) string {
	if len(choices) != 5 {
		panic(fmt.Sprintf("distill.CQAInput: %d choices, want 5", len(choices)))
	}
	var b strings.Builder
	b.WriteString(question)
	b.WriteString("\nAnswer Choices:")
	for i, c := range choices {
		b.WriteString("\n(")
		b.WriteByte(byte('a' + i))
		b.WriteString(") ")
		b.WriteString(c)
	}
	return b.String()
}

// NLIInput formats an NLI pair as the released code does: premise and
// hypothesis joined by the literal end-of-sequence token "</s>", without
// spaces. Tokenize it with Encoding.Encode, which maps that token to the
// end-of-sequence id.
func NLIInput(premise, hypothesis string) string { return premise + EOSToken + hypothesis }

// SVAMPInput formats a SVAMP problem: body, a newline, question.
func SVAMPInput(body, question string) string { return body + "\n" + question }

// Example is one training or test example of distilling step-by-step: the
// formatted model input, the gold label text, and the rationale and label
// parsed (ParseCoT) from the teacher LLM's completion for the input.
type Example struct {
	Input     string // model input x (CQAInput, NLIInput, SVAMPInput)
	Label     string // gold label y, as text
	Rationale string // teacher rationale r̂
	LLMLabel  string // teacher label ŷ
	// Choices are the candidate labels where the task has a closed set
	// (CQA's five answers, the three NLI labels; nil for SVAMP), for
	// RankChoices.
	Choices []string
}

// Pair is one sequence-to-sequence training pair of texts.
type Pair struct{ Input, Target string }

// LabelSource selects the label a training target uses: the gold label, or
// the teacher LLM's (the released code's --label_type gt / llm).
type LabelSource int

// The label sources.
const (
	GoldLabels LabelSource = iota // gold labels y
	LLMLabels                     // teacher labels ŷ
)

func (ex Example) label(src LabelSource) string {
	switch src {
	case GoldLabels:
		return ex.Label
	case LLMLabels:
		return ex.LLMLabel
	}
	panic(fmt.Sprintf("distill: invalid LabelSource %d", int(src)))
}

// Arm is one training recipe of the paper's comparisons.
type Arm int

// The arms.
const (
	// Standard trains x → label without a prefix: standard fine-tuning
	// with GoldLabels, standard task distillation with LLMLabels.
	Standard Arm = iota
	// MultiTask is distilling step-by-step: "predict: "+x → label and
	// "explain: "+x → rationale, trained with MultiTaskLoss.
	MultiTask
	// SingleTask trains x → rationale + SingleTaskSep + label, one target
	// (the paper's single-task ablation).
	SingleTask
)

// String returns the arm's name: "standard", "multitask" or "singletask".
func (a Arm) String() string {
	switch a {
	case Standard:
		return "standard"
	case MultiTask:
		return "multitask"
	case SingleTask:
		return "singletask"
	}
	return fmt.Sprintf("Arm(%d)", int(a))
}

// TaskPrefixPairs returns the two training pairs of distilling
// step-by-step for ex: ("predict: "+x, label) and ("explain: "+x, r̂).
func TaskPrefixPairs(ex Example, src LabelSource) (predict, explain Pair) {
	return Pair{PredictPrefix + ex.Input, ex.label(src)}, Pair{ExplainPrefix + ex.Input, ex.Rationale}
}

// SingleTaskTarget is the target of the single-task ablation: the
// rationale, SingleTaskSep, then the label.
func SingleTaskTarget(rationale, label string) string { return rationale + SingleTaskSep + label }

// Pairs returns the training pairs of ex under arm a: for MultiTask the
// predict pair then the explain pair (TaskPrefixPairs), otherwise one pair.
func (a Arm) Pairs(ex Example, src LabelSource) []Pair {
	switch a {
	case Standard:
		return []Pair{{ex.Input, ex.label(src)}}
	case MultiTask:
		p, e := TaskPrefixPairs(ex, src)
		return []Pair{p, e}
	case SingleTask:
		return []Pair{{ex.Input, SingleTaskTarget(ex.Rationale, ex.label(src))}}
	}
	panic(fmt.Sprintf("distill.Arm.Pairs: invalid arm %d", int(a)))
}

// Input returns the test-time input for model input x: "predict: "+x for
// MultiTask (only the label task is decoded), x otherwise.
func (a Arm) Input(x string) string {
	if a == MultiTask {
		return PredictPrefix + x
	}
	return x
}

// Label returns the predicted label in a decoded output: for SingleTask the
// text after the last SingleTaskSep ("" without one), otherwise the output
// itself.
func (a Arm) Label(output string) string {
	if a != SingleTask {
		return output
	}
	i := strings.LastIndex(output, SingleTaskSep)
	if i < 0 {
		return ""
	}
	return output[i+len(SingleTaskSep):]
}

// Tokenizer turns text into token ids and back. Encode returns the ids of
// the text alone, without special tokens; Encoding adds the
// end-of-sequence id.
type Tokenizer interface {
	Encode(text string) []int
	Decode(ids []int) string
}

// Encoding turns text pairs into padded id batches, as the released code's
// T5 tokenizer and data collator do: each sequence ends with EOSID,
// inputs are cut to MaxInput and targets to MaxTarget ids (the end token
// kept last; 0 means no limit; the paper uses 1024 and 256), inputs are
// padded with PadID and targets with nn.DefaultIgnoreIndex (-100).
type Encoding struct {
	PadID, EOSID        int
	MaxInput, MaxTarget int
}

// Encode returns the ids of text followed by EOSID, at most max ids (0: no
// limit). Each literal EOSToken ("</s>") in text becomes EOSID, as the T5
// tokenizer treats it, so NLIInput strings keep their separator with any
// Tokenizer.
func (e Encoding) Encode(tok Tokenizer, text string, max int) []int {
	var ids []int
	for i, piece := range strings.Split(text, EOSToken) {
		if i > 0 {
			ids = append(ids, e.EOSID)
		}
		if piece != "" {
			ids = append(ids, tok.Encode(piece)...)
		}
	}
	if max > 0 && len(ids) >= max {
		ids = ids[:max-1]
	}
	return append(ids, e.EOSID)
}

// Batch encodes pairs (Encode with MaxInput and MaxTarget) into one
// padded batch.
func (e Encoding) Batch(tok Tokenizer, pairs []Pair) Batch {
	in, tg := make([][]int, len(pairs)), make([][]int, len(pairs))
	for i, p := range pairs {
		in[i] = e.Encode(tok, p.Input, e.MaxInput)
		tg[i] = e.Encode(tok, p.Target, e.MaxTarget)
	}
	return NewBatch(in, tg, e.PadID)
}

// Batch is a padded batch of sequence-to-sequence examples in the layout
// of models.T5: N sources of length S and N label sequences of length T,
// row-major, labels padded with -100.
type Batch struct {
	Src    []int
	N, S   int
	Labels []int
	T      int
}

// NewBatch pads inputs to their longest length with padID and targets to
// theirs with nn.DefaultIgnoreIndex. It panics if the counts differ or
// the batch is empty.
func NewBatch(inputs, targets [][]int, padID int) Batch {
	if len(inputs) != len(targets) || len(inputs) == 0 {
		panic(fmt.Sprintf("distill.NewBatch: %d inputs and %d targets", len(inputs), len(targets)))
	}
	b := Batch{N: len(inputs)}
	for i := range inputs {
		b.S, b.T = max(b.S, len(inputs[i])), max(b.T, len(targets[i]))
	}
	b.Src, b.Labels = make([]int, b.N*b.S), make([]int, b.N*b.T)
	for i := range inputs {
		pad(b.Src[i*b.S:(i+1)*b.S], inputs[i], padID)
		pad(b.Labels[i*b.T:(i+1)*b.T], targets[i], nn.DefaultIgnoreIndex)
	}
	return b
}

func pad(dst, src []int, v int) {
	n := copy(dst, src)
	for i := n; i < len(dst); i++ {
		dst[i] = v
	}
}

// Seq2Seq is a sequence-to-sequence model with a teacher-forced loss, such
// as *models.T5: the mean token cross-entropy of labels (n rows of length
// t, -100 ignored) given src (n rows of length s).
type Seq2Seq interface {
	Loss(src []int, n, s int, labels []int, t int) *tensor.Tensor
}

// Loss returns m's loss on the batch.
func (b Batch) Loss(m Seq2Seq) *tensor.Tensor { return m.Loss(b.Src, b.N, b.S, b.Labels, b.T) }

// MultiTaskLoss is the loss of distilling step-by-step (the released
// TaskPrefixTrainer):
//
//	α·L_label + (1−α)·L_rationale,
//
// where L_label is m's mean token cross-entropy on the predict batch and
// L_rationale on the explain batch, two forward passes through the same
// weights. A term whose weight is 0 is not computed, so α = 1 gives exactly
// the label loss and α = 0 the rationale loss. It panics unless
// 0 ≤ α ≤ 1.
func MultiTaskLoss(m Seq2Seq, predict, explain Batch, alpha float64) *tensor.Tensor {
	if !(alpha >= 0 && alpha <= 1) {
		panic(fmt.Sprintf("distill.MultiTaskLoss: alpha %v outside [0, 1]", alpha))
	}
	switch alpha {
	case 1:
		return predict.Loss(m)
	case 0:
		return explain.Loss(m)
	}
	return predict.Loss(m).MulScalar(float32(alpha)).Add(explain.Loss(m).MulScalar(float32(1 - alpha)))
}

// Fractions are the training-data fractions of the paper's data-size
// curves.
var Fractions = []float64{0.125, 0.25, 0.5, 1}

// Subsample returns the indices of a random fraction frac of n training
// examples, as the released code's train_test_split(test_size=1−frac):
// n − ⌈(1−frac)·n⌉ indices, in the order of a permutation of 0..n−1 drawn
// from seed. The same seed gives the same subset, and for one seed the
// subset of a smaller fraction is a prefix of that of a larger one. It
// panics unless 0 < frac ≤ 1 and n ≥ 0.
func Subsample(n int, frac float64, seed uint64) []int {
	if !(frac > 0 && frac <= 1) || n < 0 {
		panic(fmt.Sprintf("distill.Subsample: n %d, frac %v", n, frac))
	}
	k := n - int(math.Ceil((1-frac)*float64(n)))
	return rand.New(rand.NewPCG(seed, 0x5eed5b5)).Perm(n)[:k]
}

// Accuracy is the released evaluation of task: the fraction of preds equal
// to golds. For SVAMP both strings are evaluated as arithmetic
// (EvalEquation) and compared as numbers, an unparsable string scoring
// wrong even against an unparsable gold (NaN ≠ NaN); for the other tasks
// the strings must be equal byte for byte (decode both with the same
// tokenizer first, as the released code does). It panics if the lengths
// differ and returns NaN for none.
func Accuracy(task Task, preds, golds []string) float64 {
	if len(preds) != len(golds) {
		panic(fmt.Sprintf("distill.Accuracy: %d predictions, %d gold labels", len(preds), len(golds)))
	}
	return float64(Correct(task, preds, golds)) / float64(len(preds))
}

// Correct is the number of correct predictions that Accuracy divides.
func Correct(task Task, preds, golds []string) int {
	if len(preds) != len(golds) {
		panic(fmt.Sprintf("distill.Correct: %d predictions, %d gold labels", len(preds), len(golds)))
	}
	c := 0
	for i := range preds {
		if task == SVAMP {
			p, okp := EvalEquation(preds[i])
			g, okg := EvalEquation(golds[i])
			if okp && okg && p == g {
				c++
			}
		} else if preds[i] == golds[i] {
			c++
		}
	}
	return c
}

// EvalEquation evaluates an arithmetic expression the way the released
// code's Python eval does for equations: decimal numbers (integers,
// decimals, exponents), + - * / with the usual precedence, unary signs and
// parentheses, in float64. Anything else, and division by zero, gives
// ok = false (the released code's NaN). It runs no code.
func EvalEquation(s string) (v float64, ok bool) {
	p := &exprParser{s: s}
	v, ok = p.expr(0)
	p.space()
	if !ok || p.i != len(p.s) || math.IsNaN(v) {
		return math.NaN(), false
	}
	return v, true
}

type exprParser struct {
	s string
	i int
}

func (p *exprParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r\f", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *exprParser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// expr parses sums; depth bounds the recursion of nested parentheses and
// signs.
func (p *exprParser) expr(depth int) (float64, bool) {
	v, ok := p.term(depth)
	for ok {
		switch p.peek() {
		case '+', '-':
			op := p.s[p.i]
			p.i++
			var w float64
			if w, ok = p.term(depth); ok {
				if op == '+' {
					v += w
				} else {
					v -= w
				}
			}
		default:
			return v, true
		}
	}
	return 0, false
}

func (p *exprParser) term(depth int) (float64, bool) {
	v, ok := p.factor(depth)
	for ok {
		c := p.peek()
		if c != '*' && c != '/' || (c == '*' && strings.HasPrefix(p.s[p.i:], "**")) || strings.HasPrefix(p.s[p.i:], "//") {
			return v, true
		}
		p.i++
		var w float64
		if w, ok = p.factor(depth); ok {
			if c == '*' {
				v *= w
			} else if w == 0 {
				return 0, false // ZeroDivisionError
			} else {
				v /= w
			}
		}
	}
	return 0, false
}

func (p *exprParser) factor(depth int) (float64, bool) {
	if depth > 200 {
		return 0, false
	}
	switch c := p.peek(); {
	case c == '+' || c == '-':
		p.i++
		v, ok := p.factor(depth + 1)
		if c == '-' {
			v = -v
		}
		return v, ok
	case c == '(':
		p.i++
		v, ok := p.expr(depth + 1)
		if !ok || p.peek() != ')' {
			return 0, false
		}
		p.i++
		return v, true
	case c >= '0' && c <= '9' || c == '.':
		return p.number()
	}
	return 0, false
}

// number parses a Python decimal literal: digits [. digits] [e [sign]
// digits], or . digits; an integer with a leading zero (007) is a syntax
// error in Python and here.
func (p *exprParser) number() (float64, bool) {
	start := p.i
	digits := func() int {
		j := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		return p.i - j
	}
	intDigits := digits()
	isFloat := false
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		isFloat = true
		if digits() == 0 && intDigits == 0 {
			return 0, false
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		isFloat = true
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	lit := p.s[start:p.i]
	if !isFloat && len(lit) > 1 && lit[0] == '0' && strings.Trim(lit, "0") != "" {
		return 0, false
	}
	if p.i < len(p.s) && (unicode.IsLetter(rune(p.s[p.i])) || p.s[p.i] == '_') {
		return 0, false
	}
	v, err := strconv.ParseFloat(lit, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return v, true
}

// Decode returns the text of ids without the special ids PadID and EOSID
// and without -100 (HF's decode with skip_special_tokens=True): generated
// outputs and gold labels both go through it before Accuracy compares
// them, as in the released evaluation.
func (e Encoding) Decode(tok Tokenizer, ids []int) string {
	keep := make([]int, 0, len(ids))
	for _, id := range ids {
		if id != e.PadID && id != e.EOSID && id != nn.DefaultIgnoreIndex {
			keep = append(keep, id)
		}
	}
	return tok.Decode(keep)
}

// Generator decodes an output sequence for one source sequence, such as
// *models.T5 (greedy, stopping after the end-of-sequence id).
type Generator interface {
	Generate(src []int, maxNew int) []int
}

// Predict returns the labels m predicts for the model inputs xs under arm
// a: each input is prefixed as a.Input does, encoded, decoded greedily up
// to maxNew tokens (64 in the released code), turned back into text with
// e.Decode and reduced to its label with a.Label. Switch dropout off
// first (nn.SetTraining(m, false)).
//
// A Generator that is also a BatchGenerator (*models.T5 is) decodes all
// of xs in one call, which gives the same outputs faster.
func Predict(m Generator, tok Tokenizer, e Encoding, a Arm, xs []string, maxNew int) []string {
	out := make([]string, len(xs))
	if bg, ok := m.(BatchGenerator); ok {
		src := make([][]int, len(xs))
		for i, x := range xs {
			src[i] = e.Encode(tok, a.Input(x), e.MaxInput)
		}
		for i, ids := range bg.GenerateBatch(src, maxNew) {
			out[i] = a.Label(e.Decode(tok, ids))
		}
		return out
	}
	for i, x := range xs {
		out[i] = a.Label(e.Decode(tok, m.Generate(e.Encode(tok, a.Input(x), e.MaxInput), maxNew)))
	}
	return out
}

// BatchGenerator decodes output sequences for many source sequences at
// once, such as *models.T5's GenerateBatch (greedy, each output the same
// as Generate's for its source alone).
type BatchGenerator interface {
	GenerateBatch(src [][]int, maxNew int) [][]int
}

// TeacherAccuracy is the teacher LLM's own label accuracy on exs under
// task's metric (LLMLabel against Label), the reference the paper's
// students are compared with.
func TeacherAccuracy(task Task, exs []Example) float64 {
	preds, golds := make([]string, len(exs)), make([]string, len(exs))
	for i, ex := range exs {
		preds[i], golds[i] = ex.LLMLabel, ex.Label
	}
	return Accuracy(task, preds, golds)
}
