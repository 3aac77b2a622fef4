package prompt

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Template is a prompt made of chat turns whose contents may hold
// placeholders. A placeholder is an identifier in braces, {NAME}: a letter
// or underscore followed by ASCII letters, digits or underscores. Any other
// brace is literal text, and filled values are not scanned again, so a
// hypothesis that contains braces is inserted as it is.
type Template []Message

// Placeholders returns the names of t's placeholders, each once, in order
// of first appearance.
func (t Template) Placeholders() []string {
	var names []string
	for _, m := range t {
		for _, p := range scan(m.Content) {
			if !slices.Contains(names, p.name) {
				names = append(names, p.name)
			}
		}
	}
	return names
}

// Render returns t's turns with every placeholder replaced by its value in
// vars. It fails with an error naming the placeholder if one of t's
// placeholders has no value in vars, or if vars sets a name t does not use
// (a misspelt name would otherwise be ignored silently).
func (t Template) Render(vars map[string]string) ([]Message, error) {
	used := map[string]bool{}
	out := make([]Message, len(t))
	for i, m := range t {
		s, err := fill(m.Content, vars, used)
		if err != nil {
			return nil, err
		}
		out[i] = Message{Role: m.Role, Content: s}
	}
	if err := checkUnused(vars, used); err != nil {
		return nil, err
	}
	return out, nil
}

// Fill replaces the placeholders of one text, as Template.Render does for
// each turn, with the same errors. It serves completion templates such as
// H2TNBest.
func Fill(text string, vars map[string]string) (string, error) {
	used := map[string]bool{}
	s, err := fill(text, vars, used)
	if err != nil {
		return "", err
	}
	if err := checkUnused(vars, used); err != nil {
		return "", err
	}
	return s, nil
}

// placeholder is one {NAME} in a text, at text[start:end].
type placeholder struct {
	name       string
	start, end int
}

// scan returns the placeholders of s in order.
func scan(s string) []placeholder {
	var ps []placeholder
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			continue
		}
		j := i + 1
		for j < len(s) && isIdent(s[j], j == i+1) {
			j++
		}
		if j > i+1 && j < len(s) && s[j] == '}' {
			ps = append(ps, placeholder{name: s[i+1 : j], start: i, end: j + 1})
			i = j
		}
	}
	return ps
}

// isIdent reports whether c may appear in a placeholder name (first: at
// its start).
func isIdent(c byte, first bool) bool {
	switch {
	case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return true
	case c >= '0' && c <= '9':
		return !first
	}
	return false
}

// fill replaces the placeholders of s from vars and records their names
// in used.
func fill(s string, vars map[string]string, used map[string]bool) (string, error) {
	var b strings.Builder
	last := 0
	for _, p := range scan(s) {
		v, ok := vars[p.name]
		if !ok {
			return "", fmt.Errorf("prompt: placeholder {%s} is not filled", p.name)
		}
		used[p.name] = true
		b.WriteString(s[last:p.start])
		b.WriteString(v)
		last = p.end
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

// checkUnused returns an error naming the first (in sorted order) name of
// vars that is not in used.
func checkUnused(vars map[string]string, used map[string]bool) error {
	var unknown []string
	for k := range vars {
		if !used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("prompt: unknown placeholder {%s}: the template does not use it", unknown[0])
	}
	return nil
}

// mustRender renders one of this package's own templates, whose
// placeholders the builders always fill; an error is a bug here.
func mustRender(t Template, vars map[string]string) []Message {
	msgs, err := t.Render(vars)
	if err != nil {
		panic("prompt: built-in template: " + err.Error())
	}
	return msgs
}

// The sentences of the ASR error-correction prompts (spec-asr-tap §3).
const (
	// TaskSentence is the zero-shot task prompt of the HyPoradise/GenSEC
	// line of work (prompts.csv of rithiksachdev/PostASR-Correction-SLT2024,
	// verbatim), with its "5" replaced by the placeholder {N}.
	TaskSentence = "You need to do language model rescoring in ASR. Given the {N}-best hypotheses, you need to report the true transcription from the {N}-best hypotheses."
	// DomainSentence is the domain hint put before TaskSentence; {DOMAIN}
	// is, for example, "airline travel information (ATIS)". Its wording is
	// ours: the readable sources of the paper do not quote it.
	DomainSentence = "The following hypotheses are transcriptions of {DOMAIN}."
	// ReasoningSentence is Kojima et al.'s zero-shot reasoning trigger.
	ReasoningSentence = "Let's think step by step."
)

// The questions of task-activating prompting (TAP), verbatim from the
// paper as quoted in spec-asr-tap §3. Q4's layout (line breaks, one
// "The {N}-best hypothesis is" block per demonstration) is ours.
const (
	tapQ1 = "Do you know speech recognition?"
	tapQ2 = "Do you know language model for speech recognition?"
	tapQ3 = "Could you give a possible example of language model rescoring with some hypotheses?"
	tapQ4 = "Nice job, I will provide some examples as a demonstration from {DOMAIN}.\n{DEMOS}\nFollowing this example, could you report the true transcription from the following {N}-best hypotheses?\n{NBEST}"
	// tapDemo is one demonstration inside Q4.
	tapDemo = "The {N}-best hypothesis is:\n{NBEST}\nand I would expect your output is: {REF}."
)

// The built-in templates.
var (
	zeroShot  = Template{{Role: User, Content: TaskSentence + "\n\n{NBEST}"}}
	domain    = Template{{Role: User, Content: DomainSentence + " " + TaskSentence + "\n\n{NBEST}"}}
	reasoning = Template{{Role: User, Content: TaskSentence + "\n\n{NBEST}\n\n" + ReasoningSentence}}
	demo      = Template{{Role: User, Content: TaskSentence + "\n\n{NBEST}"}, {Role: Assistant, Content: "{REF}"}}
	tap       = Template{
		{Role: User, Content: tapQ1}, {Role: Assistant, Content: "{R1}"},
		{Role: User, Content: tapQ2}, {Role: Assistant, Content: "{R2}"},
		{Role: User, Content: tapQ3}, {Role: Assistant, Content: "{R3}"},
		{Role: User, Content: tapQ4},
	}
)

// NBest formats hypotheses as the numbered list the prompts use, one per
// line without a final newline: "1. first\n2. second".
func NBest(hyps []string) string {
	var b strings.Builder
	for i, h := range hyps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		b.WriteString(h)
	}
	return b.String()
}

// nbestVars returns the {N} and {NBEST} values of hyps.
func nbestVars(hyps []string) map[string]string {
	return map[string]string{"N": strconv.Itoa(len(hyps)), "NBEST": NBest(hyps)}
}

// ZeroShot returns the zero-shot prompt for an N-best list: one user turn,
// TaskSentence with N = len(nbest), a blank line and the numbered list.
func ZeroShot(nbest []string) []Message {
	return mustRender(zeroShot, nbestVars(nbest))
}

// ZeroShotDomain is ZeroShot with DomainSentence before the task sentence,
// domain filling {DOMAIN}.
func ZeroShotDomain(domainName string, nbest []string) []Message {
	v := nbestVars(nbest)
	v["DOMAIN"] = domainName
	return mustRender(domain, v)
}

// ZeroShotReasoning is ZeroShot followed by a blank line and
// ReasoningSentence ("Let's think step by step.").
func ZeroShotReasoning(nbest []string) []Message {
	return mustRender(reasoning, nbestVars(nbest))
}

// Demo is one in-context demonstration: an N-best list (from the training
// split, never the test split) and its reference transcription.
type Demo struct {
	NBest []string
	Ref   string
}

// demoTurns returns the user/assistant turns of demonstrations: the
// zero-shot user turn of each N-best list answered by its reference.
func demoTurns(demos []Demo) []Message {
	var msgs []Message
	for _, d := range demos {
		v := nbestVars(d.NBest)
		v["REF"] = d.Ref
		msgs = append(msgs, mustRender(demo, v)...)
	}
	return msgs
}

// FewShot returns the "one-by-one" k-shot prompt of one utterance, a fresh
// context: each demonstration as a zero-shot user turn answered by its
// reference in an assistant turn, then the zero-shot user turn of nbest.
// InContext keeps one running conversation instead.
func FewShot(demos []Demo, nbest []string) []Message {
	return append(demoTurns(demos), ZeroShot(nbest)...)
}

// InContext is the "in-context" k-shot prompt: one running conversation
// that starts with the demonstrations (as in FewShot) and in which each
// test utterance, and the model's answer to it, stays as context for the
// next. The zero value is a conversation without demonstrations.
type InContext struct {
	msgs []Message
}

// NewInContext starts a conversation with demos as its first turns.
func NewInContext(demos []Demo) *InContext {
	return &InContext{msgs: demoTurns(demos)}
}

// Ask appends the zero-shot user turn of nbest and returns a copy of the
// whole conversation, to send to LM.Chat. Record the reply with Answer
// before the next Ask.
func (c *InContext) Ask(nbest []string) []Message {
	c.msgs = append(c.msgs, ZeroShot(nbest)...)
	return slices.Clone(c.msgs)
}

// Answer appends the model's reply as an assistant turn.
func (c *InContext) Answer(reply string) {
	c.msgs = append(c.msgs, Message{Role: Assistant, Content: reply})
}

// Messages returns a copy of the conversation so far.
func (c *InContext) Messages() []Message {
	return slices.Clone(c.msgs)
}

// CannedTAPReplies returns the answers R1–R3 to TAP's first three
// questions that TAP uses for offline, reproducible runs. They are ours,
// written to be what an instruction-following model answers (R3 shows a
// 5-best list and its pick); the paper uses the model's own replies, which
// TAPReplies gets from a live model.
func CannedTAPReplies() [3]string {
	return [3]string{
		"Yes. Speech recognition, or automatic speech recognition (ASR), converts spoken audio into text. " +
			"An acoustic model maps the audio to sounds and words, and a decoder searches for the most likely " +
			"word sequence, often keeping a list of the N best hypotheses.",
		"Yes. A language model assigns a probability to a sequence of words. In speech recognition it makes " +
			"the decoder prefer sentences that are likely in the language, and it is often used in a second pass " +
			"to rescore the N-best hypotheses of the first pass.",
		"Sure. Suppose the recognizer returns these 5-best hypotheses for one utterance:\n" +
			NBest([]string{
				"recognize speech with artificial intelligence",
				"recognized speech with artificial intelligence",
				"wreck a nice beach with artificial intelligence",
				"recognize speech with artificial intelligent",
				"recognize peach with artificial intelligence",
			}) +
			"\nA language model gives the first one the highest probability, so after rescoring the true " +
			"transcription is: recognize speech with artificial intelligence",
	}
}

// TAP returns the task-activating prompt (spec-asr-tap §3): seven turns,
// Q1 R1 Q2 R2 Q3 R3 Q4, with replies as R1–R3 (CannedTAPReplies, or
// TAPReplies of a live model). Q4 names the domain, shows each
// demonstration as "The {N}-best hypothesis is:" with its numbered list and
// "and I would expect your output is: {REF}.", then asks for the true
// transcription of nbest. Each {N} is the length of its own list.
func TAP(replies [3]string, domainName string, demos []Demo, nbest []string) []Message {
	blocks := make([]string, len(demos))
	for i, d := range demos {
		v := nbestVars(d.NBest)
		v["REF"] = d.Ref
		s, err := Fill(tapDemo, v)
		if err != nil {
			panic("prompt: built-in template: " + err.Error())
		}
		blocks[i] = s
	}
	v := nbestVars(nbest)
	v["DOMAIN"] = domainName
	v["DEMOS"] = strings.Join(blocks, "\n")
	v["R1"], v["R2"], v["R3"] = replies[0], replies[1], replies[2]
	return mustRender(tap, v)
}

// TAPReplies asks lm TAP's first three questions in one running chat, each
// with the previous questions and replies as context, and returns its
// replies R1–R3 for TAP. Cache them to keep later runs reproducible.
func TAPReplies(ctx context.Context, lm LM, o GenOptions) ([3]string, error) {
	var r [3]string
	var msgs []Message
	for i, q := range []string{tapQ1, tapQ2, tapQ3} {
		msgs = append(msgs, Message{Role: User, Content: q})
		reply, err := lm.Chat(ctx, msgs, o)
		if err != nil {
			return r, fmt.Errorf("prompt: TAP question %d: %w", i+1, err)
		}
		r[i] = reply
		msgs = append(msgs, Message{Role: Assistant, Content: reply})
	}
	return r, nil
}

// The H2T (hypotheses-to-transcription) completion templates of the
// paper's authors, byte for byte (Hypotheses-Paradise/Hypo2Trans,
// H2T-LoRA/templates/H2T-LoRA.json), with their Python-format placeholders
// {best} and {others}. The model's answer is the text after H2TResponse.
const (
	// H2TNBest is "prompt_h2t_nbest": the best hypothesis and the others.
	H2TNBest = "Below is the best-hypotheses transcribed from speech recognition system. Please try to revise it using the words which are only included into other-hypothesis, and write the response for the true transcription.\n\n### Best-hypothesis:\n{best}\n\n### Other-hypothesis:\n{others}\n\n### Response:\n"
	// H2T1Best is "prompt_h2t_1best": the best hypothesis alone. Besides
	// dropping the Other-hypothesis block it drops "using the words which
	// are only included into other-hypothesis, " from the instruction.
	H2T1Best = "Below is the best-hypotheses transcribed from speech recognition system. Please try to revise it and write the response for the true transcription.\n\n### Best-hypothesis:\n{best}\n\n### Response:\n"
	// H2TResponse is "response_split", the answer marker.
	H2TResponse = "### Response:"
)

// H2T returns the H2T completion prompt: H2TNBest with the other
// hypotheses one per line, or H2T1Best if others is empty. The authors'
// data hold the others as one preformatted string whose separator their
// code does not show; the newline is ours.
func H2T(best string, others []string) string {
	var s string
	var err error
	if len(others) == 0 {
		s, err = Fill(H2T1Best, map[string]string{"best": best})
	} else {
		s, err = Fill(H2TNBest, map[string]string{"best": best, "others": strings.Join(others, "\n")})
	}
	if err != nil {
		panic("prompt: built-in template: " + err.Error())
	}
	return s
}

// Flatten turns chat turns into one completion prompt for backends without
// a chat template: each turn as its role name ("System", "User",
// "Assistant"; other roles as given), a colon, a space and its content,
// turns separated by a blank line, and a final "Assistant:" line for the
// model to continue. A reply ends where the model starts a new turn, so
// callers stop generation at "\nUser:" (prompt/local's Chat does).
//
//	System: You correct transcripts.
//
//	User: Hello
//
//	Assistant:
func Flatten(msgs []Message) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(roleName(m.Role))
		b.WriteString(": ")
		b.WriteString(m.Content)
		b.WriteString("\n\n")
	}
	b.WriteString("Assistant:")
	return b.String()
}

// roleName is the label of a role in Flatten.
func roleName(role string) string {
	switch role {
	case System:
		return "System"
	case User:
		return "User"
	case Assistant:
		return "Assistant"
	}
	return role
}
