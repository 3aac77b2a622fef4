package prompt

import (
	"strings"
	"testing"
)

func TestParseTranscription(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		answer, want string
		ok           bool
	}{
		// Spec oracle 6.
		{`The true transcription is: "list all flights."`, "list all flights", true},
		{"list all flights", "list all flights", true},
		{"  \n\n  List ALL Flights!\nsecond line", "list all flights", true},
		// The last marker counts, then the first non-empty line after it.
		{"Hypothesis 2 looks wrong.\nThe correct transcription is:\n\n“what's the fare to round-trip to dallas?”\nBecause...", "what's the fare to round trip to dallas", true},
		{"Let's think step by step. The 1st and 2nd differ in 'flight'. Answer: show me flights", "show me flights", true},
		{"### Response:\nshow me the flights from boston\n</s>", "show me the flights from boston", true},
		{"The best hypothesis is: - 'i want to fly'", "i want to fly", true},
		{"Final answer: 'rock 'n' roll'", "rock n roll", true}, // quotes around n are not inside a word
		{"transcription: 'don't'", "don't", true},
		{"2. list all flight", "list all flight", true},
		{"(1) list all flights\n(2) list all flight", "list all flights", true},
		{"2 tickets to boston", "2 tickets to boston", true},
		// Nothing left: fall back.
		{"", "", false},
		{"   \n\t", "", false},
		{`The true transcription is: "..."`, "", false},
		{"Answer:\n\n", "", false},
	} {
		got, ok := ParseTranscription(tc.answer)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseTranscription(%q) = %q, %v; want %q, %v", tc.answer, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseChoice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		answer string
		n      int
		want   int
		ok     bool
	}{
		{"2", 5, 1, true},
		{"2.", 5, 1, true},
		{"(3)", 5, 2, true},
		{"2. list all flights", 5, 1, true},
		{"Hypothesis 4", 5, 3, true},
		{"I pick option #5 because it is fluent.", 5, 4, true},
		{"Of the 5-best hypotheses, the 1 I choose is 3... no, hypothesis 2.", 5, 1, true},
		{"Looking at the 5-best list, 3 is right.", 5, 2, true},
		{"Answer: 1", 5, 0, true},
		{"Hypothesis 9", 5, 0, false},
		{"none of them", 5, 0, false},
		{"", 5, 0, false},
	} {
		got, ok := ParseChoice(tc.answer, tc.n)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseChoice(%q, %d) = %d, %v; want %d, %v", tc.answer, tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParseTranscription checks that any answer parses without panicking
// into lower-case words joined by single spaces.
func FuzzParseTranscription(f *testing.F) {
	f.Add(`The true transcription is: "list all flights."`)
	f.Add("Answer:\n- ’what's' the fare-\n")
	f.Fuzz(func(t *testing.T, answer string) {
		s, ok := ParseTranscription(answer)
		if ok != (s != "") || strings.Contains(s, "  ") || strings.TrimSpace(s) != s || strings.ToLower(s) != s {
			t.Fatalf("ParseTranscription(%q) = %q, %v", answer, s, ok)
		}
		ParseChoice(answer, 5)
	})
}
