package openai_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/prompt/openai"
)

// fakeLLM stands in for llama-server or vLLM: it answers chat and
// completion requests with fixed bodies in the documented shapes.
func fakeLLM() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/chat/completions":
			io.WriteString(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"list all flights"},"finish_reason":"stop"}]}`)
		case "/v1/completions":
			// The echo of "I would like to fly" with one generated token.
			io.WriteString(w, `{"choices":[{"index":0,"text":"I would like to fly to","logprobs":{
				"tokens":["I"," would"," like"," to"," fly"," to"],
				"token_logprobs":[null,-2.5,-0.5,-0.25,-3.0,-1.0],
				"text_offset":[0,1,7,12,15,19]}}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
}

func Example() {
	srv := fakeLLM()
	defer srv.Close()

	// Without options, New reads CAIRN_LLM_URL (or OPENAI_BASE_URL),
	// CAIRN_LLM_MODEL and OPENAI_API_KEY.
	lm, err := openai.New(openai.WithBaseURL(srv.URL), openai.WithModel("qwen2.5-0.5b"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	reply, err := lm.Chat(ctx, []prompt.Message{
		{Role: prompt.System, Content: "Correct the transcription."},
		{Role: prompt.User, Content: "list all flight"},
	}, prompt.GenOptions{MaxTokens: 32})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(reply)
	// Output: list all flights
}

func ExampleClient_Score() {
	srv := fakeLLM()
	defer srv.Close()
	lm, err := openai.New(openai.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := lm.Score(context.Background(), "I would like", " to fly")
	if errors.Is(err, prompt.ErrUnsupported) {
		fmt.Println("this server cannot score:", err)
		return
	} else if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q %v total %.2f\n", s.Tokens, s.LogProbs, s.Total)
	// Output: [" to" " fly"] [-0.25 -3] total -3.25
}
