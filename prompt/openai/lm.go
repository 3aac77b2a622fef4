package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cairn-ml/cairn/prompt"
)

// Paths of the endpoints, after the base URL.
const (
	chatPath       = "/v1/chat/completions"
	completionPath = "/v1/completions"
)

// genFields are the decoding fields shared by both endpoints. Temperature
// is always sent (0: greedy); the others only when not zero.
type genFields struct {
	MaxTokens   int      `json:"max_tokens,omitempty"`
	Temperature float64  `json:"temperature"`
	TopP        float64  `json:"top_p,omitempty"`
	TopK        int      `json:"top_k,omitempty"`
	Stop        []string `json:"stop,omitempty"`
	Seed        uint64   `json:"seed,omitempty"`
}

func genFieldsOf(o prompt.GenOptions) (genFields, error) {
	switch {
	case o.MaxTokens < 0:
		return genFields{}, fmt.Errorf("openai: MaxTokens %d is negative", o.MaxTokens)
	case o.Temperature < 0 || o.Temperature != o.Temperature:
		return genFields{}, fmt.Errorf("openai: Temperature %v: want >= 0", o.Temperature)
	case o.TopP < 0 || o.TopP > 1 || o.TopP != o.TopP:
		return genFields{}, fmt.Errorf("openai: TopP %v: want in [0, 1]", o.TopP)
	case o.TopK < 0:
		return genFields{}, fmt.Errorf("openai: TopK %d is negative", o.TopK)
	}
	var stop []string
	for _, s := range o.Stop {
		if s != "" {
			stop = append(stop, s)
		}
	}
	return genFields{
		MaxTokens:   o.MaxTokens,
		Temperature: o.Temperature,
		TopP:        o.TopP,
		TopK:        o.TopK,
		Stop:        stop,
		Seed:        o.Seed,
	}, nil
}

type chatRequest struct {
	Model    string           `json:"model,omitempty"`
	Messages []prompt.Message `json:"messages"`
	genFields
}

type completionRequest struct {
	Model  string `json:"model,omitempty"`
	Prompt string `json:"prompt"`
	genFields
	Echo     bool `json:"echo,omitempty"`
	Logprobs int  `json:"logprobs,omitempty"`
}

// Chat posts msgs to /v1/chat/completions and returns the content of the
// first choice's message.
func (c *Client) Chat(ctx context.Context, msgs []prompt.Message, o prompt.GenOptions) (string, error) {
	if len(msgs) == 0 {
		return "", fmt.Errorf("openai: Chat: no messages")
	}
	g, err := genFieldsOf(o)
	if err != nil {
		return "", err
	}
	return c.ChatJSON(ctx, chatRequest{Model: c.model, Messages: msgs, genFields: g})
}

// ChatJSON posts a request body of the caller's making to
// /v1/chat/completions, with the client's timeout, retries and key
// redaction, and returns the content of the first choice's message. It is
// for requests Chat cannot express: messages whose content is an array of
// text and image_url parts (vision models), or fields only some servers
// know. body is marshalled with encoding/json; its "model" field is the
// caller's to set (Model gives the client's).
func (c *Client) ChatJSON(ctx context.Context, body any) (string, error) {
	raw, err := c.post(ctx, chatPath, body)
	if err != nil {
		return "", err
	}
	r, err := decodeResponse(raw)
	if err != nil {
		return "", c.wrapf(err, "openai: POST %s: %v", chatPath, err)
	}
	ch := r.choices[0]
	if !ch.hasMessage {
		return "", fmt.Errorf("openai: POST %s: the first choice has no message content", chatPath)
	}
	return ch.text, nil
}

// Generate posts prompt to /v1/completions and returns the first choice's
// text.
func (c *Client) Generate(ctx context.Context, prompt string, o prompt.GenOptions) (string, error) {
	g, err := genFieldsOf(o)
	if err != nil {
		return "", err
	}
	body, err := c.post(ctx, completionPath, completionRequest{Model: c.model, Prompt: prompt, genFields: g})
	if err != nil {
		return "", err
	}
	r, err := decodeResponse(body)
	if err != nil {
		return "", c.wrapf(err, "openai: POST %s: %v", completionPath, err)
	}
	return r.choices[0].text, nil
}

// Score returns log p(continuation | prefix) from the prompt
// log-probabilities the server echoes (see the package documentation for
// the request, the rule for tokens that straddle the boundary and the
// servers that support it). An empty continuation scores 0 without a
// request. A server that returns no log-probabilities, or does not echo
// the prompt, gives an error wrapping prompt.ErrUnsupported.
func (c *Client) Score(ctx context.Context, prefix, continuation string) (prompt.Score, error) {
	if continuation == "" {
		return prompt.Score{Tokens: []string{}, LogProbs: []float64{}}, nil
	}
	full := prefix + continuation
	req := completionRequest{
		Model:     c.model,
		Prompt:    full,
		genFields: genFields{MaxTokens: 1},
		Echo:      true,
		Logprobs:  1,
	}
	body, err := c.post(ctx, completionPath, req)
	if err != nil {
		return prompt.Score{}, err
	}
	r, err := decodeResponse(body)
	if err != nil {
		return prompt.Score{}, c.wrapf(err, "openai: POST %s: %v", completionPath, err)
	}
	s, err := scoreChoice(r.choices[0], prefix, full)
	if err != nil {
		return prompt.Score{}, c.wrapf(err, "openai: Score: %v", err)
	}
	return s, nil
}

// scoreChoice picks the continuation's tokens out of an echoed choice:
// tokens that end after the prefix and start before the end of the
// prompt. Offsets count characters (legacy shape) or bytes (content
// shape), and prefix and full are measured the same way.
func scoreChoice(ch choice, prefix, full string) (prompt.Score, error) {
	lp := ch.lp
	if lp == nil || len(lp.tokens) == 0 {
		return prompt.Score{}, fmt.Errorf("%w: the server returned no log-probabilities (choices[0].logprobs is missing or empty)", prompt.ErrUnsupported)
	}
	if !strings.HasPrefix(ch.text, full) || (!lp.charOffsets && !strings.HasPrefix(lp.joined, full)) {
		return prompt.Score{}, fmt.Errorf("%w: the server did not echo the prompt (its log-probabilities cover only generated tokens; echo is not supported)", prompt.ErrUnsupported)
	}
	b, end := len(prefix), len(full)
	if lp.charOffsets {
		b, end = runeCount(prefix), runeCount(full)
	}
	n := len(lp.tokens)
	if lp.offsets == nil {
		return prompt.Score{}, fmt.Errorf("%w: the server's log-probabilities have no text_offset", prompt.ErrUnsupported)
	}
	if lp.offsets[0] != 0 {
		return prompt.Score{}, fmt.Errorf("%w: the first token's text_offset is %d, not 0: the prompt's tokens are not echoed", prompt.ErrUnsupported, lp.offsets[0])
	}
	s := prompt.Score{Tokens: []string{}, LogProbs: []float64{}}
	for i := 0; i < n; i++ {
		start := lp.offsets[i]
		if start >= end {
			break
		}
		stop := end
		if i+1 < n {
			stop = min(lp.offsets[i+1], end)
		}
		if stop <= b {
			continue
		}
		v := lp.logprobs[i]
		if v == nil {
			return prompt.Score{}, fmt.Errorf("%w: token %d %q of the continuation has no log-probability (the first token of a prompt has none: give a non-empty prefix)", prompt.ErrUnsupported, i, lp.tokens[i])
		}
		s.Tokens = append(s.Tokens, lp.tokens[i])
		s.LogProbs = append(s.LogProbs, *v)
		s.Total += *v
	}
	if len(s.Tokens) == 0 {
		return prompt.Score{}, fmt.Errorf("%w: no echoed token covers the continuation (offsets end at %d, the prefix at %d)", prompt.ErrUnsupported, lp.offsets[n-1], b)
	}
	return s, nil
}

func runeCount(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}

const embeddingsPath = "/v1/embeddings"

// Embed posts inputs to /v1/embeddings and returns one vector per input,
// in the order of inputs (the server's data[i].index), with the client's
// timeout, retries and key redaction. It makes the client an embedder for
// packages that take one (viz/lens).
func (c *Client) Embed(ctx context.Context, inputs []string) ([][]float64, error) {
	if len(inputs) == 0 {
		return nil, nil
	}
	req := struct {
		Model string   `json:"model,omitempty"`
		Input []string `json:"input"`
	}{c.model, inputs}
	raw, err := c.post(ctx, embeddingsPath, req)
	if err != nil {
		return nil, err
	}
	out, err := decodeEmbeddings(raw, len(inputs))
	if err != nil {
		return nil, c.wrapf(err, "openai: POST %s: %v", embeddingsPath, err)
	}
	return out, nil
}

// decodeEmbeddings reads the data array of an embeddings response: n
// vectors of one length, each index in [0, n) once.
func decodeEmbeddings(raw []byte, n int) ([][]float64, error) {
	var r struct {
		Data []struct {
			Index     *int      `json:"index"`
			Embedding []float64 `json:"embedding"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("decoding the response: %w", err)
	}
	if len(r.Data) != n {
		return nil, fmt.Errorf("%d embeddings for %d inputs", len(r.Data), n)
	}
	out := make([][]float64, n)
	for i, d := range r.Data {
		k := i
		if d.Index != nil {
			k = *d.Index
		}
		switch {
		case k < 0 || k >= n || out[k] != nil:
			return nil, fmt.Errorf("embedding %d has index %d", i, k)
		case len(d.Embedding) == 0 || len(d.Embedding) != len(r.Data[0].Embedding):
			return nil, fmt.Errorf("embedding %d has %d dimensions, the first %d", i, len(d.Embedding), len(r.Data[0].Embedding))
		}
		out[k] = d.Embedding
	}
	return out, nil
}
