package vqa_test

import (
	"fmt"

	"github.com/cairn-ml/cairn/prompt/vqa"
)

func ExamplePrompt() {
	examples := []vqa.Example{{Captions: []string{"a brown dog on a couch"}, Question: "What animal is this?", Answer: "dog"}}
	fmt.Println(vqa.Prompt(examples, []string{"two cats sleeping on a bed", "a cat and a cat"}, "How many cats are there?"))
	fmt.Printf("%q\n", vqa.ExtractAnswer(" 2\nContext: ..."))
	// Output:
	// Please answer the question according to the context. Answer with one or two words.
	// Context: a brown dog on a couch.
	// Question: What animal is this?
	// Answer: dog
	//
	// Context: two cats sleeping on a bed. a cat and a cat.
	// Question: How many cats are there?
	// Answer:
	// "2"
}

func ExamplePrior() {
	train := []vqa.Question{
		{Question: "How many dogs?", QuestionType: "how many", Answer: "2"},
		{Question: "How many cars are there?", QuestionType: "how many", Answer: "2"},
		{Question: "How many birds?", QuestionType: "how many", Answer: "1"},
		{Question: "Is it sunny?", QuestionType: "is it", Answer: "yes"},
	}
	p := vqa.NewPrior(train)
	fmt.Println(p.Answer("How many people are there?"), p.Answer("Is it raining?"))
	// Output: 2 yes
}
