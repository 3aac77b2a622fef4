// Package openai is a prompt.LM backend that talks to a server speaking
// the OpenAI-compatible HTTP API: llama.cpp's llama-server, vLLM, Ollama
// and OpenAI itself. It uses only net/http and encoding/json.
//
// # Overview
//
//	c, err := openai.New(openai.WithBaseURL("http://localhost:8000"), openai.WithModel("qwen"))
//	reply, err := c.Chat(ctx, []prompt.Message{{Role: prompt.User, Content: "Hi"}}, prompt.GenOptions{})
//	s, err := c.Score(ctx, "The capital of France is", " Paris")
//
// Chat posts to /v1/chat/completions and returns the first choice's
// message content. Generate posts to /v1/completions and returns the first
// choice's text. Score posts to /v1/completions with echo and logprobs,
// described below.
//
// # Configuration
//
// New reads, for each setting, the first of these that is set:
//
//   - base URL: WithBaseURL, $CAIRN_LLM_URL, $OPENAI_BASE_URL (no default:
//     New fails without one);
//   - model: WithModel, $CAIRN_LLM_MODEL (none: the "model" field is left
//     out, which llama-server and vLLM accept and Ollama does not);
//   - API key: WithAPIKey, $OPENAI_API_KEY (none: no Authorization header).
//
// The base URL may end in /v1 or not ("http://localhost:8080" and
// "http://localhost:8080/v1" are the same server). The key is sent as
// "Authorization: Bearer <key>" and never appears in an error: the client
// replaces it with "[REDACTED]" in every error string it returns, including
// error messages the server sends back, and shows URLs with any password
// masked.
//
// # Requests and retries
//
// GenOptions map to request fields: MaxTokens to max_tokens, TopP to
// top_p, TopK to top_k, Stop to stop and Seed to seed, each sent only when
// it is not zero (OpenAI's own API rejects top_k: leave TopK zero there).
// Temperature is always sent, so the zero value asks for greedy decoding as
// prompt.GenOptions documents, instead of the server's default temperature.
//
// A request that fails with status 429 or a 5xx status (except 501), or
// that fails to connect, is repeated up to MaxRetries times (default 3)
// after a wait: the server's Retry-After header (seconds or an HTTP date)
// when it sends one, otherwise an exponential backoff (0.5 s, 1 s, 2 s, ...,
// capped at 20 s) of which a random half is jitter. A wait that would end
// after the context's deadline is not started. A request that ran into the
// client's timeout (default 2 min) is not repeated, since the server may
// still be working on it. Other statuses return an *APIError at once, with
// the server's error message, truncated to 500 bytes.
//
// # Scoring
//
// Score(ctx, prefix, continuation) asks /v1/completions for prompt =
// prefix+continuation with echo: true, logprobs: 1, temperature 0 and
// max_tokens: 1 (vLLM has rejected max_tokens 0 in some versions; the one
// generated token is ignored: tokens that start at or after the end of the
// prompt are dropped). With echo the server returns every prompt token with
// its log-probability given the tokens before it, and where it starts in
// the text. A token belongs to the continuation when it ends after the end
// of the prefix: a token that straddles the boundary (the prefix "New Yo"
// and the continuation "rk", with a token "York") is counted to the
// continuation, since its probability is conditioned only on text before
// the boundary. Total is the sum over those tokens.
//
// Offsets come from the legacy choices[].logprobs {tokens, token_logprobs,
// text_offset} shape (vLLM, OpenAI), where text_offset counts characters
// (Unicode code points, as Python servers do); or, for the chat-style
// choices[].logprobs.content[] shape (llama-server), from the running sum
// of each token's bytes. The first token of a prompt has no
// log-probability (null): it is in the prefix unless the prefix is empty
// and the model adds no beginning-of-sequence token, in which case Score
// fails; give a non-empty prefix (such as "\n") to score a whole sentence
// on such a model. An empty continuation scores 0 without a request.
//
// Servers differ. vLLM supports echo with logprobs (turn prefix caching off
// on old versions, which dropped prompt log-probabilities). llama-server
// (through 2026) ignores echo and returns log-probabilities of generated
// tokens only, and Ollama's /v1/completions returns none: on these Score
// returns an error wrapping prompt.ErrUnsupported that says what was
// missing; Chat and Generate work on all three.
package openai
