package prompt

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

var (
	testNBest = []string{"list all flights", "list all flight", "lift all flights"}
	testDemos = []Demo{
		{NBest: []string{"show me flights to boston", "show me flight to boston"}, Ref: "show me flights to boston"},
		{NBest: []string{"what fair is cheapest", "what fare is cheapest"}, Ref: "what fare is cheapest"},
	}
)

// The task sentence with N = 3 and the numbered list, written out.
const goldenZeroShot = "You need to do language model rescoring in ASR. Given the 3-best hypotheses, you need to report the true transcription from the 3-best hypotheses.\n\n1. list all flights\n2. list all flight\n3. lift all flights"

func user(s string) Message      { return Message{Role: User, Content: s} }
func assistant(s string) Message { return Message{Role: Assistant, Content: s} }

func checkMessages(t *testing.T, name string, got, want []Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d turns, want %d:\n%q", name, len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s turn %d:\n got %q\nwant %q", name, i, got[i], want[i])
		}
	}
}

func TestNBest(t *testing.T) {
	if got, want := NBest(testNBest), "1. list all flights\n2. list all flight\n3. lift all flights"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	if got := NBest(nil); got != "" {
		t.Fatalf("empty list: %q", got)
	}
}

func TestZeroShot(t *testing.T) {
	checkMessages(t, "zero-shot", ZeroShot(testNBest), []Message{user(goldenZeroShot)})
	// The verbatim sentence of prompts.csv is the template at N = 5.
	five := ZeroShot([]string{"a", "b", "c", "d", "e"})[0].Content
	if verbatim := "You need to do language model rescoring in ASR. Given the 5-best hypotheses, you need to report the true transcription from the 5-best hypotheses."; !strings.HasPrefix(five, verbatim+"\n\n1. a\n") {
		t.Fatalf("5-best prompt %q", five)
	}
}

func TestZeroShotDomain(t *testing.T) {
	checkMessages(t, "domain", ZeroShotDomain("airline travel information (ATIS)", testNBest), []Message{user(
		"The following hypotheses are transcriptions of airline travel information (ATIS). You need to do language model rescoring in ASR. Given the 3-best hypotheses, you need to report the true transcription from the 3-best hypotheses.\n\n1. list all flights\n2. list all flight\n3. lift all flights")})
}

func TestZeroShotReasoning(t *testing.T) {
	checkMessages(t, "reasoning", ZeroShotReasoning(testNBest), []Message{user(
		"You need to do language model rescoring in ASR. Given the 3-best hypotheses, you need to report the true transcription from the 3-best hypotheses.\n\n1. list all flights\n2. list all flight\n3. lift all flights\n\nLet's think step by step.")})
}

// The demonstration turns of testDemos, written out.
var goldenDemoTurns = []Message{
	user("You need to do language model rescoring in ASR. Given the 2-best hypotheses, you need to report the true transcription from the 2-best hypotheses.\n\n1. show me flights to boston\n2. show me flight to boston"),
	assistant("show me flights to boston"),
	user("You need to do language model rescoring in ASR. Given the 2-best hypotheses, you need to report the true transcription from the 2-best hypotheses.\n\n1. what fair is cheapest\n2. what fare is cheapest"),
	assistant("what fare is cheapest"),
}

func TestFewShot(t *testing.T) {
	checkMessages(t, "one-by-one", FewShot(testDemos, testNBest), append(slices.Clone(goldenDemoTurns), user(goldenZeroShot)))
	checkMessages(t, "zero demonstrations", FewShot(nil, testNBest), []Message{user(goldenZeroShot)})
}

func TestInContext(t *testing.T) {
	c := NewInContext(testDemos)
	first := c.Ask(testNBest)
	checkMessages(t, "first utterance", first, append(slices.Clone(goldenDemoTurns), user(goldenZeroShot)))
	first[0].Content = "changed" // Ask returns a copy
	c.Answer("list all flights")
	second := c.Ask([]string{"one", "won"})
	want := append(slices.Clone(goldenDemoTurns),
		user(goldenZeroShot),
		assistant("list all flights"),
		user("You need to do language model rescoring in ASR. Given the 2-best hypotheses, you need to report the true transcription from the 2-best hypotheses.\n\n1. one\n2. won"))
	checkMessages(t, "running conversation", second, want)
	checkMessages(t, "Messages", c.Messages(), want)
}

// The TAP dialogue with the canned replies: 4 user turns, 3 assistant
// turns, Q1–Q3 verbatim, Q4 with domain, N, demonstrations and test list.
func TestTAP(t *testing.T) {
	r := CannedTAPReplies()
	got := TAP(r, "airline travel information (ATIS)", testDemos, testNBest)
	want := []Message{
		user("Do you know speech recognition?"),
		assistant("Yes. Speech recognition, or automatic speech recognition (ASR), converts spoken audio into text. An acoustic model maps the audio to sounds and words, and a decoder searches for the most likely word sequence, often keeping a list of the N best hypotheses."),
		user("Do you know language model for speech recognition?"),
		assistant("Yes. A language model assigns a probability to a sequence of words. In speech recognition it makes the decoder prefer sentences that are likely in the language, and it is often used in a second pass to rescore the N-best hypotheses of the first pass."),
		user("Could you give a possible example of language model rescoring with some hypotheses?"),
		assistant("Sure. Suppose the recognizer returns these 5-best hypotheses for one utterance:\n1. recognize speech with artificial intelligence\n2. recognized speech with artificial intelligence\n3. wreck a nice beach with artificial intelligence\n4. recognize speech with artificial intelligent\n5. recognize peach with artificial intelligence\nA language model gives the first one the highest probability, so after rescoring the true transcription is: recognize speech with artificial intelligence"),
		user("Nice job, I will provide some examples as a demonstration from airline travel information (ATIS).\n" +
			"The 2-best hypothesis is:\n1. show me flights to boston\n2. show me flight to boston\nand I would expect your output is: show me flights to boston.\n" +
			"The 2-best hypothesis is:\n1. what fair is cheapest\n2. what fare is cheapest\nand I would expect your output is: what fare is cheapest.\n" +
			"Following this example, could you report the true transcription from the following 3-best hypotheses?\n1. list all flights\n2. list all flight\n3. lift all flights"),
	}
	checkMessages(t, "TAP", got, want)
	var users, assistants int
	for _, m := range got {
		switch m.Role {
		case User:
			users++
		case Assistant:
			assistants++
		}
	}
	if users != 4 || assistants != 3 {
		t.Fatalf("%d user and %d assistant turns, want 4 and 3", users, assistants)
	}
	// Other replies land in the assistant turns.
	live := TAP([3]string{"r1", "r2", "r3"}, "x", nil, []string{"a"})
	if live[1].Content != "r1" || live[3].Content != "r2" || live[5].Content != "r3" {
		t.Fatalf("replies not in place: %q", live)
	}
	if got, want := live[6].Content, "Nice job, I will provide some examples as a demonstration from x.\n\nFollowing this example, could you report the true transcription from the following 1-best hypotheses?\n1. a"; got != want {
		t.Fatalf("Q4 without demonstrations:\n got %q\nwant %q", got, want)
	}
}

// fakeChat answers a chat with the number of turns it was given, and
// fails on the call numbered failAt.
type fakeChat struct {
	calls, failAt int
	seen          [][]Message
}

func (f *fakeChat) Score(context.Context, string, string) (Score, error) {
	return Score{}, ErrUnsupported
}

func (f *fakeChat) Generate(context.Context, string, GenOptions) (string, error) {
	return "", ErrUnsupported
}

func (f *fakeChat) Chat(_ context.Context, msgs []Message, _ GenOptions) (string, error) {
	f.calls++
	if f.calls == f.failAt {
		return "", errors.New("server down")
	}
	f.seen = append(f.seen, slices.Clone(msgs))
	return "reply " + strings.Repeat("I", len(msgs)), nil
}

// TAPReplies asks Q1–Q3 in one running chat.
func TestTAPReplies(t *testing.T) {
	f := &fakeChat{}
	r, err := TAPReplies(context.Background(), f, GenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r != [3]string{"reply I", "reply III", "reply IIIII"} {
		t.Fatalf("replies %q", r)
	}
	checkMessages(t, "third call", f.seen[2], []Message{
		user("Do you know speech recognition?"), assistant("reply I"),
		user("Do you know language model for speech recognition?"), assistant("reply III"),
		user("Could you give a possible example of language model rescoring with some hypotheses?"),
	})
	if _, err := TAPReplies(context.Background(), &fakeChat{failAt: 2}, GenOptions{}); err == nil || !strings.Contains(err.Error(), "question 2") {
		t.Fatalf("error %v", err)
	}
}

// The H2T templates are the authors' JSON strings byte for byte (the JSON
// escapes written out as Go escapes).
func TestH2T(t *testing.T) {
	if H2TNBest != "Below is the best-hypotheses transcribed from speech recognition system. Please try to revise it using the words which are only included into other-hypothesis, and write the response for the true transcription.\n\n### Best-hypothesis:\n{best}\n\n### Other-hypothesis:\n{others}\n\n### Response:\n" {
		t.Errorf("H2TNBest %q", H2TNBest)
	}
	if H2T1Best != "Below is the best-hypotheses transcribed from speech recognition system. Please try to revise it and write the response for the true transcription.\n\n### Best-hypothesis:\n{best}\n\n### Response:\n" {
		t.Errorf("H2T1Best %q", H2T1Best)
	}
	if got, want := H2T("list all flight", []string{"list all flights", "lift all flights"}),
		"Below is the best-hypotheses transcribed from speech recognition system. Please try to revise it using the words which are only included into other-hypothesis, and write the response for the true transcription.\n\n### Best-hypothesis:\nlist all flight\n\n### Other-hypothesis:\nlist all flights\nlift all flights\n\n### Response:\n"; got != want {
		t.Errorf("H2T n-best:\n got %q\nwant %q", got, want)
	}
	if got, want := H2T("list all flight", nil),
		"Below is the best-hypotheses transcribed from speech recognition system. Please try to revise it and write the response for the true transcription.\n\n### Best-hypothesis:\nlist all flight\n\n### Response:\n"; got != want {
		t.Errorf("H2T 1-best:\n got %q\nwant %q", got, want)
	}
}

func TestRender(t *testing.T) {
	tmpl := Template{
		{Role: System, Content: "Domain: {DOMAIN}."},
		{Role: User, Content: "{N} of {N}: {NBEST} {not a placeholder} {1X} {} {x_1}"},
	}
	if got, want := tmpl.Placeholders(), []string{"DOMAIN", "N", "NBEST", "x_1"}; !slices.Equal(got, want) {
		t.Fatalf("placeholders %q, want %q", got, want)
	}
	msgs, err := tmpl.Render(map[string]string{"DOMAIN": "ATIS", "N": "2", "NBEST": "{N} stays", "x_1": "y"})
	if err != nil {
		t.Fatal(err)
	}
	checkMessages(t, "render", msgs, []Message{
		{Role: System, Content: "Domain: ATIS."},
		{Role: User, Content: "2 of 2: {N} stays {not a placeholder} {1X} {} y"},
	})
	for _, tc := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"DOMAIN": "ATIS", "N": "2", "x_1": "y"}, "prompt: placeholder {NBEST} is not filled"},
		{map[string]string{"DOMAIN": "ATIS", "N": "2", "NBEST": "", "x_1": "y", "DOMIAN": "typo"}, "prompt: unknown placeholder {DOMIAN}: the template does not use it"},
		{nil, "prompt: placeholder {DOMAIN} is not filled"},
	} {
		if _, err := tmpl.Render(tc.vars); err == nil || err.Error() != tc.want {
			t.Errorf("Render(%v): err %v, want %q", tc.vars, err, tc.want)
		}
	}
	if _, err := Fill("{best}", map[string]string{"best": "a", "other": "b"}); err == nil || !strings.Contains(err.Error(), "{other}") {
		t.Errorf("Fill with an unknown name: %v", err)
	}
}

func TestFlatten(t *testing.T) {
	got := Flatten([]Message{
		{Role: System, Content: "You correct transcripts."},
		{Role: User, Content: "Hello"},
		{Role: Assistant, Content: "Hi."},
		{Role: User, Content: "1. a\n2. b"},
	})
	want := "System: You correct transcripts.\n\nUser: Hello\n\nAssistant: Hi.\n\nUser: 1. a\n2. b\n\nAssistant:"
	if got != want {
		t.Fatalf("\n got %q\nwant %q", got, want)
	}
	if got := Flatten(nil); got != "Assistant:" {
		t.Fatalf("no messages: %q", got)
	}
}
