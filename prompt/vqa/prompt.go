package vqa

import (
	"context"
	"fmt"
	"strings"

	"github.com/cairn-ml/cairn/prompt"
)

// Instruction is the first line of the in-context prompt (ours,
// PICa-style; the paper's wording is not known).
const Instruction = "Please answer the question according to the context. Answer with one or two words."

// Example is one in-context example: an image's captions, a question about
// it and its answer (the most frequent human answer).
type Example struct {
	Captions []string
	Question string
	Answer   string
}

// Context joins captions into the text of a "Context:" line: each trimmed,
// given a final period unless it ends in '.', '!' or '?', separated by one
// space; empty captions are skipped.
func Context(captions []string) string {
	var parts []string
	for _, c := range captions {
		c = strings.Join(strings.Fields(c), " ")
		if c == "" {
			continue
		}
		if !strings.HasSuffix(c, ".") && !strings.HasSuffix(c, "!") && !strings.HasSuffix(c, "?") {
			c += "."
		}
		parts = append(parts, c)
	}
	return strings.Join(parts, " ")
}

// Prompt renders the in-context prompt of spec-vqa-captions §1: the
// Instruction line, then each example as three lines ("Context: …",
// "Question: …", "Answer: …"), then the test image's captions and question
// with a final "Answer:" and no newline; blocks are separated by a blank
// line:
//
//	Please answer the question according to the context. Answer with one or two words.
//	Context: A dog on a couch.
//	Question: What animal is this?
//	Answer: dog
//
//	Context: Two cats sleeping.
//	Question: How many cats are there?
//	Answer:
func Prompt(examples []Example, captions []string, question string) string {
	var b strings.Builder
	b.WriteString(Instruction)
	b.WriteByte('\n')
	for _, e := range examples {
		fmt.Fprintf(&b, "Context: %s\nQuestion: %s\nAnswer: %s\n\n", Context(e.Captions), oneLine(e.Question), oneLine(e.Answer))
	}
	fmt.Fprintf(&b, "Context: %s\nQuestion: %s\nAnswer:", Context(captions), oneLine(question))
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// ExtractAnswer reads the answer from a language model's reply to Prompt:
// the text before the first newline (of the reply without leading
// whitespace), trimmed, without an "Answer:" the model repeated or quotes
// around it. The official normalisation is left to scoring.
func ExtractAnswer(reply string) string {
	s := strings.TrimLeft(reply, " \t\r\n")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if len(s) >= 7 && strings.EqualFold(s[:7], "answer:") {
		s = strings.TrimSpace(s[7:])
	}
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// AnswerOptions are the generation settings of Answer (spec §1): greedy,
// at most 10 new tokens, stopping at a newline.
var AnswerOptions = prompt.GenOptions{MaxTokens: 10, Temperature: 0, Stop: []string{"\n"}}

// Answer asks lm to complete the prompt p with AnswerOptions and returns
// the extracted answer and the raw reply.
func Answer(ctx context.Context, lm prompt.LM, p string) (answer, reply string, err error) {
	reply, err = lm.Generate(ctx, p, AnswerOptions)
	if err != nil {
		return "", "", fmt.Errorf("vqa: answer: %w", err)
	}
	return ExtractAnswer(reply), reply, nil
}
