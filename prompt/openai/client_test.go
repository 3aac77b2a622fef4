package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/prompt"
)

// fakeServer is an httptest server that records each request and answers
// with reply(n, w, r), n counting requests from 0.
type fakeServer struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []recorded
	reply func(n int, w http.ResponseWriter, r *http.Request)
}

type recorded struct {
	method, path, auth, contentType string
	body                            map[string]any
}

func newFakeServer(t *testing.T, reply func(n int, w http.ResponseWriter, r *http.Request)) *fakeServer {
	t.Helper()
	f := &fakeServer{reply: reply}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(data))
		var body map[string]any
		if err := json.Unmarshal(data, &body); err != nil {
			t.Errorf("request body is not a JSON object: %v: %q", err, data)
		}
		f.mu.Lock()
		n := len(f.reqs)
		f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
		f.mu.Unlock()
		f.reply(n, w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// replyJSON answers every request with status and body.
func replyJSON(status int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func fixture(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// sleepRecorder is a WithSleep function that records the waits and
// returns at once.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// newTestClient returns a client of srv with a recorded sleep and a fixed
// jitter seed; opts come last and win.
func newTestClient(t *testing.T, url string, opts ...Option) (*Client, *sleepRecorder) {
	t.Helper()
	rec := &sleepRecorder{}
	all := append([]Option{
		WithBaseURL(url), WithModel("test-model"), WithAPIKey("sk-test-key"),
		WithSleep(rec.sleep), WithRand(rand.New(rand.NewPCG(1, 2))), WithTimeout(5 * time.Second),
	}, opts...)
	c, err := New(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

func TestNewEnvironmentPrecedence(t *testing.T) {
	t.Setenv("CAIRN_LLM_URL", "")
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("CAIRN_LLM_MODEL", "")
	t.Setenv("OPENAI_API_KEY", "")
	if _, err := New(); err == nil || !strings.Contains(err.Error(), "CAIRN_LLM_URL") {
		t.Fatalf("New without a URL: err = %v, want one naming CAIRN_LLM_URL", err)
	}

	t.Setenv("OPENAI_BASE_URL", "https://api.example.com/v1")
	t.Setenv("OPENAI_API_KEY", "sk-env")
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.base.String(); got != "https://api.example.com" {
		t.Errorf("base from OPENAI_BASE_URL = %q", got)
	}
	if c.apiKey != "sk-env" || c.model != "" {
		t.Errorf("key, model = %q, %q; want sk-env and none", c.apiKey, c.model)
	}

	t.Setenv("CAIRN_LLM_URL", "http://localhost:8080/")
	t.Setenv("CAIRN_LLM_MODEL", "qwen")
	c, err = New()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.base.String(); got != "http://localhost:8080" || c.Model() != "qwen" {
		t.Errorf("CAIRN_LLM_URL should win over OPENAI_BASE_URL: base %q model %q", got, c.Model())
	}

	c, err = New(WithBaseURL("http://h:1/proxy/v1/"), WithModel(""), WithAPIKey(""))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.base.String(); got != "http://h:1/proxy" || c.model != "" || c.apiKey != "" {
		t.Errorf("options should win over the environment: base %q model %q key %q", got, c.model, c.apiKey)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"ftp scheme", []Option{WithBaseURL("ftp://h/")}},
		{"no host", []Option{WithBaseURL("http:///v1")}},
		{"negative retries", []Option{WithBaseURL("http://h"), WithMaxRetries(-1)}},
		{"cap below first", []Option{WithBaseURL("http://h"), WithBackoff(time.Second, time.Millisecond)}},
		{"negative timeout", []Option{WithBaseURL("http://h"), WithTimeout(-time.Second)}},
	} {
		if _, err := New(tc.opts...); err == nil {
			t.Errorf("%s: New succeeded", tc.name)
		}
	}
	_, err := New(WithBaseURL("ftp://user:hunter2@h/"))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error shows the URL's password: %v", err)
	}
}

func TestChatRequestAndReply(t *testing.T) {
	srv := newFakeServer(t, replyJSON(200, fixture(t, "chat.json")))
	c, _ := newTestClient(t, srv.URL+"/v1")
	msgs := []prompt.Message{{Role: prompt.System, Content: "Be brief."}, {Role: prompt.User, Content: "Hello"}}
	got, err := c.Chat(context.Background(), msgs, prompt.GenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got != "Hello there." {
		t.Errorf("Chat = %q, want %q", got, "Hello there.")
	}
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != "POST" || r.path != "/v1/chat/completions" {
		t.Errorf("request %s %s", r.method, r.path)
	}
	if r.auth != "Bearer sk-test-key" || r.contentType != "application/json" {
		t.Errorf("Authorization %q, Content-Type %q", r.auth, r.contentType)
	}
	want := map[string]any{
		"model":       "test-model",
		"messages":    []any{map[string]any{"role": "system", "content": "Be brief."}, map[string]any{"role": "user", "content": "Hello"}},
		"temperature": 0.0,
	}
	if !jsonEqual(r.body, want) {
		t.Errorf("body = %v\nwant %v (zero fields other than temperature left out)", r.body, want)
	}

	_, err = c.Chat(context.Background(), msgs, prompt.GenOptions{
		MaxTokens: 64, Temperature: 0.7, TopP: 0.9, TopK: 40, Stop: []string{"\n", ""}, Seed: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	body := srv.requests()[1].body
	for k, v := range map[string]any{"max_tokens": 64.0, "temperature": 0.7, "top_p": 0.9, "top_k": 40.0, "seed": 7.0} {
		if body[k] != v {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
	if !jsonEqual(body["stop"], []any{"\n"}) {
		t.Errorf("stop = %v, want [\"\\n\"] (empty strings dropped)", body["stop"])
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestChatWithoutModelOrKey(t *testing.T) {
	srv := newFakeServer(t, replyJSON(200, fixture(t, "chat.json")))
	c, _ := newTestClient(t, srv.URL, WithModel(""), WithAPIKey(""))
	if _, err := c.Chat(context.Background(), []prompt.Message{{Role: "user", Content: "x"}}, prompt.GenOptions{}); err != nil {
		t.Fatal(err)
	}
	r := srv.requests()[0]
	if _, ok := r.body["model"]; ok {
		t.Errorf("model sent although none was set: %v", r.body)
	}
	if r.auth != "" {
		t.Errorf("Authorization %q sent without a key", r.auth)
	}
	if r.path != "/v1/chat/completions" {
		t.Errorf("path %q for a base URL without /v1", r.path)
	}
}

func TestChatRejectsBadInput(t *testing.T) {
	c, err := New(WithBaseURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Chat(ctx, nil, prompt.GenOptions{}); err == nil {
		t.Error("Chat with no messages succeeded")
	}
	for _, o := range []prompt.GenOptions{{MaxTokens: -1}, {Temperature: -1}, {TopP: 1.5}, {TopK: -2}, {Temperature: math.NaN()}} {
		if _, err := c.Generate(ctx, "x", o); err == nil {
			t.Errorf("Generate with %+v succeeded", o)
		}
	}
}

func TestGenerate(t *testing.T) {
	srv := newFakeServer(t, replyJSON(200, `{"choices":[{"index":0,"text":" world","logprobs":null,"finish_reason":"length"}]}`))
	c, _ := newTestClient(t, srv.URL)
	got, err := c.Generate(context.Background(), "Hello", prompt.GenOptions{MaxTokens: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got != " world" {
		t.Errorf("Generate = %q", got)
	}
	r := srv.requests()[0]
	want := map[string]any{"model": "test-model", "prompt": "Hello", "max_tokens": 2.0, "temperature": 0.0}
	if r.path != "/v1/completions" || !jsonEqual(r.body, want) {
		t.Errorf("%s body = %v, want %v", r.path, r.body, want)
	}
}

func TestScoreVLLMEcho(t *testing.T) {
	srv := newFakeServer(t, replyJSON(200, fixture(t, "vllm_echo.json")))
	c, _ := newTestClient(t, srv.URL)
	s, err := c.Score(context.Background(), "The capital of France is", " Paris")
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != -0.125 || len(s.Tokens) != 1 || s.Tokens[0] != " Paris" || s.LogProbs[0] != -0.125 {
		t.Errorf("Score = %+v, want the single token \" Paris\" at -0.125", s)
	}
	want := map[string]any{
		"model": "test-model", "prompt": "The capital of France is Paris",
		"max_tokens": 1.0, "temperature": 0.0, "echo": true, "logprobs": 1.0,
	}
	if b := srv.requests()[0].body; !jsonEqual(b, want) {
		t.Errorf("Score body = %v\nwant %v", b, want)
	}

	// A longer continuation over the same echo: " France is Paris".
	s, err = c.Score(context.Background(), "The capital of", " France is Paris")
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != -0.5-0.75-0.125 || strings.Join(s.Tokens, "|") != " France| is| Paris" {
		t.Errorf("Score = %+v, want 3 tokens summing to -1.375", s)
	}
}

func TestScoreEmptyContinuationSendsNothing(t *testing.T) {
	srv := newFakeServer(t, replyJSON(500, `{}`))
	c, _ := newTestClient(t, srv.URL)
	s, err := c.Score(context.Background(), "anything", "")
	if err != nil || s.Total != 0 || len(s.Tokens) != 0 {
		t.Errorf("Score of \"\" = %+v, %v; want 0", s, err)
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("%d requests for an empty continuation", n)
	}
}

func TestScoreUnsupported(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"llama.cpp: generated tokens only", fixture(t, "llamacpp_completion.json"), "echo"},
		{"ollama: no logprobs", fixture(t, "ollama_completion.json"), "no log-probabilities"},
		{"legacy without echo", `{"choices":[{"text":".","logprobs":{"tokens":["."],"token_logprobs":[-1],"text_offset":[30]}}]}`, "echo"},
		{"echoed text but offsets past the prompt", `{"choices":[{"text":"The capital of France is Paris.","logprobs":{"tokens":["."],"token_logprobs":[-1],"text_offset":[30]}}]}`, "not 0"},
		{"no text_offset", `{"choices":[{"text":"The capital of France is Paris.","logprobs":{"tokens":["The"],"token_logprobs":[null]}}]}`, "text_offset"},
	} {
		srv := newFakeServer(t, replyJSON(200, tc.body))
		c, _ := newTestClient(t, srv.URL)
		_, err := c.Score(context.Background(), "The capital of France is", " Paris")
		if !errors.Is(err, prompt.ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrUnsupported saying %q", tc.name, err, tc.want)
		}
	}
}

func TestServerDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens on url now
	c, rec := newTestClient(t, url, WithMaxRetries(2))
	start := time.Now()
	_, err := c.Chat(context.Background(), []prompt.Message{{Role: "user", Content: "hi"}}, prompt.GenOptions{})
	if err == nil {
		t.Fatal("Chat against a closed listener succeeded")
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %v to fail", el)
	}
	if n := len(rec.got()); n != 2 {
		t.Errorf("%d waits, want 2 (connection errors are retried)", n)
	}
	if !strings.Contains(err.Error(), "gave up after 2 retries") {
		t.Errorf("err = %v", err)
	}
}

func TestSlowServerHonoursContext(t *testing.T) {
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	c, rec := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Generate(ctx, "x", prompt.GenOptions{})
	el := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want one wrapping context.DeadlineExceeded", err)
	}
	if el > time.Second {
		t.Errorf("took %v, want about 100ms", el)
	}
	if n := len(rec.got()); n != 0 {
		t.Errorf("%d retries after the context ended", n)
	}
}

func TestClientTimeoutNotRetried(t *testing.T) {
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	c, rec := newTestClient(t, srv.URL, WithTimeout(50*time.Millisecond))
	_, err := c.Generate(context.Background(), "x", prompt.GenOptions{})
	if err == nil {
		t.Fatal("no error from a request past the timeout")
	}
	if n := len(rec.got()); n != 0 || len(srv.requests()) != 1 {
		t.Errorf("%d waits, %d requests: a timed-out request must not be repeated", n, len(srv.requests()))
	}
}

func TestMalformedResponses(t *testing.T) {
	for _, body := range []string{
		`{not json`,
		`{"choices":[{"text":5}]}`,
		`{"choices":[]}`,
		`{"choices":null}`,
		`[]`,
		``,
		`{"choices":[{"index":0}]}`,
		`{"choices":[{"text":"a","logprobs":{"tokens":["a","b"],"token_logprobs":[-1]}}]}`,
	} {
		srv := newFakeServer(t, replyJSON(200, body))
		c, rec := newTestClient(t, srv.URL)
		if _, err := c.Generate(context.Background(), "x", prompt.GenOptions{}); err == nil {
			t.Errorf("body %q: no error", body)
		}
		if len(rec.got()) != 0 {
			t.Errorf("body %q: a malformed 200 was retried", body)
		}
	}
	srv := newFakeServer(t, replyJSON(200, `{"choices":[{"message":{"role":"assistant","content":null}}]}`))
	c, _ := newTestClient(t, srv.URL)
	if _, err := c.Chat(context.Background(), []prompt.Message{{Role: "user", Content: "x"}}, prompt.GenOptions{}); err == nil {
		t.Error("Chat with null content: no error")
	}
}

func TestRetries429ThenSucceeds(t *testing.T) {
	ok := fixture(t, "chat.json")
	srv := newFakeServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 0:
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"message":"slow down"}}`)
		case 1:
			w.WriteHeader(http.StatusTooManyRequests) // no Retry-After: backoff
		default:
			io.WriteString(w, ok)
		}
	})
	c, rec := newTestClient(t, srv.URL, WithBackoff(time.Second, 10*time.Second))
	got, err := c.Chat(context.Background(), []prompt.Message{{Role: "user", Content: "x"}}, prompt.GenOptions{})
	if err != nil || got != "Hello there." {
		t.Fatalf("Chat = %q, %v", got, err)
	}
	if n := len(srv.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	waits := rec.got()
	if len(waits) != 2 {
		t.Fatalf("waits %v, want 2", waits)
	}
	if waits[0] != 3*time.Second {
		t.Errorf("first wait %v, want Retry-After's 3s", waits[0])
	}
	// Second wait: backoff after one retry, 2s with half jitter: [1s, 2s].
	if waits[1] < time.Second || waits[1] > 2*time.Second {
		t.Errorf("second wait %v, want in [1s, 2s]", waits[1])
	}
	// Each retry resends the same body.
	reqs := srv.requests()
	if !jsonEqual(reqs[0].body, reqs[2].body) {
		t.Errorf("retried body differs: %v vs %v", reqs[0].body, reqs[2].body)
	}
}

func TestRetriesGiveUp(t *testing.T) {
	srv := newFakeServer(t, replyJSON(503, `{"error":{"message":"loading model"}}`))
	c, rec := newTestClient(t, srv.URL, WithMaxRetries(2))
	_, err := c.Generate(context.Background(), "x", prompt.GenOptions{})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Message != "loading model" {
		t.Fatalf("err = %v, want an *APIError 503 \"loading model\"", err)
	}
	if len(srv.requests()) != 3 || len(rec.got()) != 2 {
		t.Errorf("%d requests, %d waits; want 3 and 2", len(srv.requests()), len(rec.got()))
	}
}

func TestRetryAfterBeyondDeadline(t *testing.T) {
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, rec := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.Generate(ctx, "x", prompt.GenOptions{})
	if err == nil || !strings.Contains(err.Error(), "deadline") || len(rec.got()) != 0 {
		t.Errorf("err = %v, waits %v; want a prompt failure without waiting 60s", err, rec.got())
	}
}

func TestBadRequestNotRetried(t *testing.T) {
	srv := newFakeServer(t, replyJSON(400, fixture(t, "error.json")))
	c, rec := newTestClient(t, srv.URL)
	_, err := c.Chat(context.Background(), []prompt.Message{{Role: "user", Content: "x"}}, prompt.GenOptions{})
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want an *APIError", err)
	}
	if apiErr.StatusCode != 400 || apiErr.Message != "The model `nope` does not exist." || apiErr.Path != "/v1/chat/completions" {
		t.Errorf("APIError = %+v", apiErr)
	}
	if !strings.Contains(err.Error(), "400 Bad Request: The model `nope` does not exist.") {
		t.Errorf("err text %q", err)
	}
	if len(srv.requests()) != 1 || len(rec.got()) != 0 {
		t.Errorf("a 400 was retried: %d requests", len(srv.requests()))
	}
}

func TestErrorMessageShapes(t *testing.T) {
	long := strings.Repeat("é", 1000)
	for _, tc := range []struct{ body, want string }{
		{`{"error":{"message":"bad","type":"x"}}`, "bad"},
		{`{"error":"model not found"}`, "model not found"},
		{`{"object":"error","message":"vllm says no","code":400}`, "vllm says no"},
		{`{"detail":"Not Found"}`, "Not Found"},
		{`{"detail":[{"loc":["body"],"msg":"field required"}]}`, `[{"loc":["body"],"msg":"field required"}]`},
		{"plain text\n", "plain text"},
		{`{"error":{"message":"` + long + `"}}`, strings.Repeat("é", 250) + "…"},
	} {
		srv := newFakeServer(t, replyJSON(422, tc.body))
		c, _ := newTestClient(t, srv.URL)
		_, err := c.Generate(context.Background(), "x", prompt.GenOptions{})
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Message != tc.want {
			t.Errorf("body %.40q: message %q, want %q", tc.body, apiErr.Message, tc.want)
		}
	}
}

// The key must not appear in any error: not from the server's message
// (which may quote it, or the request), not from a connection error.
func TestAPIKeyNeverInErrors(t *testing.T) {
	const key = "sk-SECRET-0123456789abcdef"
	echoAuth := func(status int) func(int, http.ResponseWriter, *http.Request) {
		return func(_ int, w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			msg, _ := json.Marshal("Incorrect API key provided: " + r.Header.Get("Authorization"))
			io.WriteString(w, `{"error":{"message":`+string(msg)+`}}`)
		}
	}
	var errs []error
	for _, status := range []int{401, 500} {
		srv := newFakeServer(t, echoAuth(status))
		c, _ := newTestClient(t, srv.URL, WithAPIKey(key), WithMaxRetries(1))
		_, err := c.Chat(context.Background(), []prompt.Message{{Role: "user", Content: "my key is " + key}}, prompt.GenOptions{})
		errs = append(errs, err)
	}
	// The server echoes the request body (which holds the key) as plain text.
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		io.Copy(w, r.Body)
	})
	c, _ := newTestClient(t, srv.URL, WithAPIKey(key))
	_, err := c.Score(context.Background(), key, " tail")
	errs = append(errs, err)
	// A 200 whose body is not JSON and quotes the key.
	srv2 := newFakeServer(t, replyJSON(200, "oops "+key))
	c, _ = newTestClient(t, srv2.URL, WithAPIKey(key))
	_, err = c.Generate(context.Background(), "x", prompt.GenOptions{})
	errs = append(errs, err)
	// Connection refused.
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	c, _ = newTestClient(t, down.URL, WithAPIKey(key), WithMaxRetries(1))
	_, err = c.Generate(context.Background(), key, prompt.GenOptions{})
	errs = append(errs, err)

	for i, err := range errs {
		t.Logf("case %d: %v", i, err)
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "0123456789abcdef") {
			t.Errorf("case %d: the key is in the error: %v", i, err)
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) && strings.Contains(apiErr.Message, key) {
			t.Errorf("case %d: the key is in APIError.Message", i)
		}
	}
	if !strings.Contains(errs[0].Error(), "[REDACTED]") {
		t.Errorf("401 error %q: want the quoted key shown as [REDACTED]", errs[0])
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"1.5", 1500 * time.Millisecond, true},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"soon", 0, false},
		{"NaN", 0, false},
	} {
		got, ok := parseRetryAfter(tc.v, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	c, err := New(WithBaseURL("http://h"), WithBackoff(100*time.Millisecond, time.Second), WithRand(rand.New(rand.NewPCG(3, 4))))
	if err != nil {
		t.Fatal(err)
	}
	for attempt, full := range []time.Duration{100, 200, 400, 800, 1000, 1000, 1000} {
		full *= time.Millisecond
		for range 50 {
			d := c.backoffFor(attempt)
			if d < full/2 || d > full {
				t.Fatalf("attempt %d: wait %v outside [%v, %v]", attempt, d, full/2, full)
			}
		}
	}
}
