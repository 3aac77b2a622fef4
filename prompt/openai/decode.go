package openai

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// response is a decoded chat or text completion: at least one choice.
type response struct {
	choices []choice
}

// choice is one completion: its text (the message content of a chat
// completion) and the log-probabilities of its tokens, if any.
type choice struct {
	text       string
	hasMessage bool // text came from message.content
	lp         *tokenLogprobs
}

// tokenLogprobs are per-token log-probabilities with the offset at which
// each token starts. In the legacy shape the offsets are the server's
// text_offset, in characters (charOffsets); in the content shape they are
// running sums of the tokens' bytes, and joined is the tokens' text.
type tokenLogprobs struct {
	tokens      []string
	logprobs    []*float64 // nil: the server sent null
	offsets     []int      // nil if the server sent no text_offset
	charOffsets bool
	joined      string
}

type rawResponse struct {
	Choices []rawChoice     `json:"choices"`
	Error   json.RawMessage `json:"error"`
}

type rawChoice struct {
	Text    *string `json:"text"`
	Message *struct {
		Content *string `json:"content"`
	} `json:"message"`
	Logprobs *rawLogprobs `json:"logprobs"`
}

type rawLogprobs struct {
	// Legacy completions shape.
	Tokens        []string   `json:"tokens"`
	TokenLogprobs []*float64 `json:"token_logprobs"`
	TextOffset    []int      `json:"text_offset"`
	// Chat shape (and llama-server's completions).
	Content []struct {
		Token   string   `json:"token"`
		Logprob *float64 `json:"logprob"`
		Bytes   []int    `json:"bytes"`
	} `json:"content"`
}

// decodeResponse decodes the body of a 2xx answer from
// /v1/chat/completions or /v1/completions. It returns an error, never
// panics, for malformed JSON, fields of the wrong type, no choices, a
// first choice with neither text nor message, and log-probabilities whose
// lists disagree in length or whose offsets are negative or decrease.
func decodeResponse(body []byte) (*response, error) {
	var raw rawResponse
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("decoding the response: %v (body starts %q)", err, truncate(string(body), 120))
	}
	if len(raw.Choices) == 0 {
		if len(raw.Error) > 0 && string(raw.Error) != "null" {
			return nil, fmt.Errorf("the server answered with an error: %s", truncate(errorMessage(body), maxErrorMessage))
		}
		return nil, errors.New("the response has no choices")
	}
	r := &response{choices: make([]choice, len(raw.Choices))}
	for i, rc := range raw.Choices {
		var ch choice
		switch {
		case rc.Message != nil && rc.Message.Content != nil:
			ch.text, ch.hasMessage = *rc.Message.Content, true
		case rc.Text != nil:
			ch.text = *rc.Text
		case i == 0:
			return nil, errors.New("the first choice has neither text nor message content")
		}
		if rc.Logprobs != nil {
			lp, err := decodeLogprobs(rc.Logprobs)
			if err != nil {
				return nil, fmt.Errorf("choice %d: %v", i, err)
			}
			ch.lp = lp
		}
		r.choices[i] = ch
	}
	return r, nil
}

func decodeLogprobs(raw *rawLogprobs) (*tokenLogprobs, error) {
	if raw.Tokens != nil || raw.Content == nil {
		n := len(raw.Tokens)
		if len(raw.TokenLogprobs) != n {
			return nil, fmt.Errorf("logprobs: %d tokens but %d token_logprobs", n, len(raw.TokenLogprobs))
		}
		if raw.TextOffset != nil && len(raw.TextOffset) != n {
			return nil, fmt.Errorf("logprobs: %d tokens but %d text_offset", n, len(raw.TextOffset))
		}
		for i, o := range raw.TextOffset {
			if o < 0 || i > 0 && o < raw.TextOffset[i-1] {
				return nil, fmt.Errorf("logprobs: text_offset[%d] = %d: want non-negative and non-decreasing", i, o)
			}
		}
		return &tokenLogprobs{tokens: raw.Tokens, logprobs: raw.TokenLogprobs, offsets: raw.TextOffset, charOffsets: true}, nil
	}
	n := len(raw.Content)
	lp := &tokenLogprobs{
		tokens:   make([]string, n),
		logprobs: make([]*float64, n),
		offsets:  make([]int, n),
	}
	var joined strings.Builder
	for i, t := range raw.Content {
		lp.tokens[i] = t.Token
		lp.logprobs[i] = t.Logprob
		lp.offsets[i] = joined.Len()
		if t.Bytes == nil {
			joined.WriteString(t.Token)
			continue
		}
		for _, b := range t.Bytes {
			if b < 0 || b > 255 {
				return nil, fmt.Errorf("logprobs: content[%d].bytes holds %d, not a byte", i, b)
			}
			joined.WriteByte(byte(b))
		}
	}
	lp.joined = joined.String()
	return lp, nil
}
