package prompt

import (
	"context"
	"errors"
)

// Message is one turn of a chat: Role is "system", "user" or
// "assistant", as in the OpenAI chat API.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Roles of a Message.
const (
	System    = "system"
	User      = "user"
	Assistant = "assistant"
)

// GenOptions are the decoding settings of Generate and Chat. The zero
// value asks for the backend's defaults; Temperature 0 means greedy
// decoding where the backend allows it.
type GenOptions struct {
	// MaxTokens bounds the tokens generated (0: the backend's default).
	MaxTokens int
	// Temperature scales the logits before sampling (0: greedy).
	Temperature float64
	// TopP keeps the smallest set of tokens whose probabilities sum to at
	// least TopP (0 or 1: no nucleus cut).
	TopP float64
	// TopK keeps the K most likely tokens (0: no cut).
	TopK int
	// Stop ends generation before the first of these strings.
	Stop []string
	// Seed makes sampling reproducible where the backend supports it
	// (0: not set).
	Seed uint64
}

// Score is the log-probability of a continuation given a prefix: the
// continuation's tokens as the model splits them, the natural-log
// probability of each given everything before it, and their sum.
type Score struct {
	Total    float64
	Tokens   []string
	LogProbs []float64
}

// LM is a language model as the prompting methods use it: it scores a
// continuation, completes a prompt, and answers a chat. Every call takes
// a context and returns its error (a cancelled context, a server that is
// down) instead of panicking.
//
// A backend that cannot do one of the three (a chat-only server without
// log-probabilities cannot Score) returns an error wrapping
// ErrUnsupported.
type LM interface {
	// Score returns log p(continuation | prefix) with the prefix's
	// tokens not scored. A continuation that should start a new word
	// carries its leading space (" list flights").
	Score(ctx context.Context, prefix, continuation string) (Score, error)
	// Generate returns the text the model writes after prompt.
	Generate(ctx context.Context, prompt string, o GenOptions) (string, error)
	// Chat returns the assistant's reply to msgs.
	Chat(ctx context.Context, msgs []Message, o GenOptions) (string, error)
}

// ErrUnsupported is wrapped by the errors of LM methods a backend does not
// provide.
var ErrUnsupported = errors.New("prompt: not supported by this language model")
