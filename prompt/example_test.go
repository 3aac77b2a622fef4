package prompt_test

import (
	"fmt"

	"github.com/cairn-ml/cairn/prompt"
)

func ExampleZeroShot() {
	msgs := prompt.ZeroShot([]string{"list all flights", "list all flight"})
	fmt.Println(msgs[0].Role)
	fmt.Println(msgs[0].Content)
	// Output:
	// user
	// You need to do language model rescoring in ASR. Given the 2-best hypotheses, you need to report the true transcription from the 2-best hypotheses.
	//
	// 1. list all flights
	// 2. list all flight
}

func ExampleFewShot() {
	demos := []prompt.Demo{{NBest: []string{"show me flight", "show me flights"}, Ref: "show me flights"}}
	for _, m := range prompt.FewShot(demos, []string{"one way", "won way"}) {
		fmt.Printf("[%s] %s\n", m.Role, m.Content)
	}
	// Output:
	// [user] You need to do language model rescoring in ASR. Given the 2-best hypotheses, you need to report the true transcription from the 2-best hypotheses.
	//
	// 1. show me flight
	// 2. show me flights
	// [assistant] show me flights
	// [user] You need to do language model rescoring in ASR. Given the 2-best hypotheses, you need to report the true transcription from the 2-best hypotheses.
	//
	// 1. one way
	// 2. won way
}

func ExampleTAP() {
	demos := []prompt.Demo{{NBest: []string{"show me flight", "show me flights"}, Ref: "show me flights"}}
	msgs := prompt.TAP(prompt.CannedTAPReplies(), "airline travel information (ATIS)", demos, []string{"one way", "won way"})
	for _, m := range msgs[:6] {
		if m.Role == prompt.User {
			fmt.Println(m.Content)
		}
	}
	fmt.Println(msgs[6].Content)
	// Output:
	// Do you know speech recognition?
	// Do you know language model for speech recognition?
	// Could you give a possible example of language model rescoring with some hypotheses?
	// Nice job, I will provide some examples as a demonstration from airline travel information (ATIS).
	// The 2-best hypothesis is:
	// 1. show me flight
	// 2. show me flights
	// and I would expect your output is: show me flights.
	// Following this example, could you report the true transcription from the following 2-best hypotheses?
	// 1. one way
	// 2. won way
}

func ExampleH2T() {
	fmt.Print(prompt.H2T("list all flight", []string{"list all flights", "lift all flights"}))
	// Output:
	// Below is the best-hypotheses transcribed from speech recognition system. Please try to revise it using the words which are only included into other-hypothesis, and write the response for the true transcription.
	//
	// ### Best-hypothesis:
	// list all flight
	//
	// ### Other-hypothesis:
	// list all flights
	// lift all flights
	//
	// ### Response:
}

func ExampleTemplate_Render() {
	t := prompt.Template{
		{Role: prompt.System, Content: "You transcribe {DOMAIN}."},
		{Role: prompt.User, Content: "Correct: {HYP}"},
	}
	msgs, err := t.Render(map[string]string{"DOMAIN": "flight queries", "HYP": "list all flight"})
	fmt.Println(msgs, err)
	_, err = t.Render(map[string]string{"DOMAIN": "flight queries"})
	fmt.Println(err)
	_, err = t.Render(map[string]string{"DOMAIN": "flight queries", "HYP": "x", "REF": "y"})
	fmt.Println(err)
	// Output:
	// [{system You transcribe flight queries.} {user Correct: list all flight}] <nil>
	// prompt: placeholder {HYP} is not filled
	// prompt: unknown placeholder {REF}: the template does not use it
}

func ExampleFlatten() {
	fmt.Println(prompt.Flatten(prompt.ZeroShot([]string{"list all flights", "list all flight"})))
	// Output:
	// User: You need to do language model rescoring in ASR. Given the 2-best hypotheses, you need to report the true transcription from the 2-best hypotheses.
	//
	// 1. list all flights
	// 2. list all flight
	//
	// Assistant:
}

func ExampleParseTranscription() {
	fmt.Println(prompt.ParseTranscription(`The true transcription is: "list all flights."`))
	fmt.Println(prompt.ParseTranscription("I cannot tell."))
	fmt.Println(prompt.ParseTranscription("Answer:"))
	fmt.Println(prompt.ParseChoice("Hypothesis 2 is the most fluent.", 5))
	// Output:
	// list all flights true
	// i cannot tell true
	//  false
	// 1 true
}
