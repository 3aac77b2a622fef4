package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairn-ml/cairn/prompt"
)

// Defaults of the options.
const (
	DefaultTimeout    = 2 * time.Minute
	DefaultMaxRetries = 3
	defaultBackoff    = 500 * time.Millisecond
	defaultMaxBackoff = 20 * time.Second
	maxErrorMessage   = 500      // bytes of a server error message kept in an error
	maxResponseBody   = 64 << 20 // bytes of a response body read at most
)

// Client is a prompt.LM that talks to an OpenAI-compatible server. It is
// safe for concurrent use.
type Client struct {
	base       *url.URL // scheme://host[/path], without a trailing /v1
	model      string
	apiKey     string
	hc         *http.Client
	maxRetries int
	backoff    time.Duration
	maxBackoff time.Duration
	sleep      func(context.Context, time.Duration) error

	mu  sync.Mutex // guards rng
	rng *rand.Rand
}

var _ prompt.LM = (*Client)(nil)

// Option configures a Client made by New.
type Option func(*config)

type config struct {
	baseURL, model, apiKey string
	hasBaseURL, hasModel   bool
	hasKey                 bool
	hc                     *http.Client
	timeout                time.Duration
	maxRetries             int
	backoff, maxBackoff    time.Duration
	sleep                  func(context.Context, time.Duration) error
	rng                    *rand.Rand
}

// WithBaseURL sets the server's address, such as "http://localhost:8080"
// or "https://api.openai.com/v1"; it overrides $CAIRN_LLM_URL and
// $OPENAI_BASE_URL.
func WithBaseURL(u string) Option {
	return func(c *config) { c.baseURL, c.hasBaseURL = u, true }
}

// WithModel sets the "model" field of every request; it overrides
// $CAIRN_LLM_MODEL. An empty name leaves the field out.
func WithModel(name string) Option {
	return func(c *config) { c.model, c.hasModel = name, true }
}

// WithAPIKey sets the bearer token; it overrides $OPENAI_API_KEY. An empty
// key sends no Authorization header.
func WithAPIKey(key string) Option {
	return func(c *config) { c.apiKey, c.hasKey = key, true }
}

// WithHTTPClient sets the http.Client the requests go through (its
// Transport, its Timeout). Without it New makes one with WithTimeout's
// timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) { c.hc = hc }
}

// WithTimeout bounds each HTTP request, retries not included (default
// DefaultTimeout; 0: no bound beyond the context's). It is ignored when
// WithHTTPClient is given.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithMaxRetries sets how many times a request that failed with 429, a 5xx
// status or a connection error is repeated (default DefaultMaxRetries; 0:
// never).
func WithMaxRetries(n int) Option {
	return func(c *config) { c.maxRetries = n }
}

// WithBackoff sets the first wait between retries and its cap; the wait
// doubles after each retry (defaults 500 ms and 20 s).
func WithBackoff(first, limit time.Duration) Option {
	return func(c *config) { c.backoff, c.maxBackoff = first, limit }
}

// WithSleep replaces the function that waits between retries (by default
// a timer that returns ctx.Err() if the context ends first). Tests use it
// to record the waits without waiting.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) { c.sleep = sleep }
}

// WithRand sets the source of the backoff jitter. By default it is a PCG
// seeded from the clock, so that clients started together do not retry in
// step.
func WithRand(r *rand.Rand) Option {
	return func(c *config) { c.rng = r }
}

// New returns a Client configured by opts and, for what they leave unset,
// by the environment (see the package documentation for the order). It
// fails if no base URL is given or the URL does not parse, or if an option
// is out of range.
func New(opts ...Option) (*Client, error) {
	cfg := config{
		timeout:    DefaultTimeout,
		maxRetries: DefaultMaxRetries,
		backoff:    defaultBackoff,
		maxBackoff: defaultMaxBackoff,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if !cfg.hasBaseURL {
		cfg.baseURL = firstEnv("CAIRN_LLM_URL", "OPENAI_BASE_URL")
	}
	if !cfg.hasModel {
		cfg.model = os.Getenv("CAIRN_LLM_MODEL")
	}
	if !cfg.hasKey {
		cfg.apiKey = os.Getenv("OPENAI_API_KEY")
	}
	if strings.TrimSpace(cfg.baseURL) == "" {
		return nil, errors.New("openai: no server address: use WithBaseURL or set CAIRN_LLM_URL or OPENAI_BASE_URL")
	}
	base, err := parseBase(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	if cfg.maxRetries < 0 {
		return nil, fmt.Errorf("openai: max retries %d is negative", cfg.maxRetries)
	}
	if cfg.backoff < 0 || cfg.maxBackoff < cfg.backoff {
		return nil, fmt.Errorf("openai: backoff %v with cap %v: want 0 <= first <= cap", cfg.backoff, cfg.maxBackoff)
	}
	if cfg.timeout < 0 {
		return nil, fmt.Errorf("openai: timeout %v is negative", cfg.timeout)
	}
	hc := cfg.hc
	if hc == nil {
		hc = &http.Client{Timeout: cfg.timeout}
	}
	sleep := cfg.sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	rng := cfg.rng
	if rng == nil {
		now := uint64(time.Now().UnixNano())
		rng = rand.New(rand.NewPCG(now, now>>32|1))
	}
	return &Client{
		base:       base,
		model:      cfg.model,
		apiKey:     cfg.apiKey,
		hc:         hc,
		maxRetries: cfg.maxRetries,
		backoff:    cfg.backoff,
		maxBackoff: cfg.maxBackoff,
		sleep:      sleep,
		rng:        rng,
	}, nil
}

// Model returns the model name sent with each request ("" if none).
func (c *Client) Model() string { return c.model }

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// parseBase parses a base URL and drops a trailing "/" or "/v1".
func parseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// url.Parse quotes the input, which may hold a password.
		return nil, errors.New("openai: base URL does not parse")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("openai: base URL %q: want http://host[:port][/path] or https://...", u.Redacted())
	}
	u.RawQuery, u.Fragment = "", ""
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/v1")
	u.Path, u.RawPath = p, ""
	return u, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// APIError is the error of a request the server answered with a status
// other than 2xx, after any retries.
type APIError struct {
	// Method and Path are the request's, such as "POST" and
	// "/v1/completions".
	Method, Path string
	// StatusCode is the HTTP status, such as 400.
	StatusCode int
	// Message is the server's error message (the "message" of
	// {"error": {"message": ...}}, or the start of the body), truncated to
	// 500 bytes, with the API key redacted.
	Message string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("openai: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// redactedError carries a message with secrets removed and the cause it
// was made from, for errors.Is and errors.As.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// redact removes the API key from s.
func (c *Client) redact(s string) string {
	if c.apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, c.apiKey, "[REDACTED]")
}

// wrapf returns an error whose text has the key redacted and which
// unwraps to cause.
func (c *Client) wrapf(cause error, format string, args ...any) error {
	return &redactedError{msg: c.redact(fmt.Sprintf(format, args...)), cause: cause}
}

// post sends body (marshalled to JSON) to path and returns the response
// body of the first 2xx answer, retrying as the package documentation says.
func (c *Client) post(ctx context.Context, path string, body any) ([]byte, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, c.wrapf(err, "openai: encoding the request to %s: %v", path, err)
	}
	u := *c.base
	u.Path += path
	target := u.String()
	shown := u.Redacted()
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, c.wrapf(err, "openai: POST %s: %v", shown, err)
		}
		data, retryAfter, retry, err := c.once(ctx, target, shown, path, payload)
		if err == nil {
			return data, nil
		}
		if !retry || attempt >= c.maxRetries {
			if retry && c.maxRetries > 0 {
				return nil, c.wrapf(err, "%v (gave up after %d %s)", err, c.maxRetries, plural(c.maxRetries, "retry", "retries"))
			}
			return nil, err
		}
		wait := retryAfter
		if wait < 0 {
			wait = c.backoffFor(attempt)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, c.wrapf(err, "%v (not retrying: the wait of %v would pass the context's deadline)", err, wait)
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return nil, c.wrapf(serr, "openai: POST %s: %v while waiting to retry after: %v", shown, serr, err)
		}
	}
}

// once makes one request. retryAfter is the server's Retry-After wait, or
// -1 if it sent none; retry says whether the failure is worth repeating.
func (c *Client) once(ctx context.Context, target, shown, path string, payload []byte) (data []byte, retryAfter time.Duration, retry bool, err error) {
	retryAfter = -1
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(payload))
	if err != nil {
		return nil, retryAfter, false, c.wrapf(err, "openai: POST %s: %v", shown, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		cause := err
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err // its text holds the URL unredacted
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, retryAfter, false, c.wrapf(ctxErr, "openai: POST %s: %v", shown, ctxErr)
		}
		var ne net.Error
		timeout := errors.As(err, &ne) && ne.Timeout()
		return nil, retryAfter, !timeout, c.wrapf(err, "openai: POST %s: %v", shown, cause)
	}
	defer resp.Body.Close()
	data, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, retryAfter, false, c.wrapf(ctxErr, "openai: POST %s: reading the response: %v", shown, ctxErr)
		}
		return nil, retryAfter, true, c.wrapf(err, "openai: POST %s: reading the response: %v", shown, err)
	}
	if len(data) > maxResponseBody {
		return nil, retryAfter, false, fmt.Errorf("openai: POST %s: response larger than %d bytes", shown, maxResponseBody)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return data, retryAfter, false, nil
	}
	apiErr := &APIError{
		Method:     http.MethodPost,
		Path:       path,
		StatusCode: resp.StatusCode,
		Message:    c.redact(truncate(errorMessage(data), maxErrorMessage)),
	}
	retry = resp.StatusCode == http.StatusTooManyRequests ||
		resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented
	if retry {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			retryAfter = d
		}
	}
	return nil, retryAfter, retry, apiErr
}

// backoffFor is the wait before retry number attempt+1: half of
// first·2^attempt (capped) plus a uniform random part up to the other half.
func (c *Client) backoffFor(attempt int) time.Duration {
	d := c.backoff
	for i := 0; i < attempt && d < c.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.maxBackoff)
	if d <= 1 {
		return d
	}
	half := d / 2
	c.mu.Lock()
	j := time.Duration(c.rng.Int64N(int64(d - half + 1)))
	c.mu.Unlock()
	return half + j
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an
// HTTP-date (RFC 9110 §10.2.3). A date in the past gives 0.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || s != s || s > 1e6 {
			return 0, false
		}
		return time.Duration(s * float64(time.Second)), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// errorMessage extracts the message of an error body: OpenAI's
// {"error":{"message":...}}, {"error":"..."}, vLLM's older
// {"message":...}, FastAPI's {"detail":...}; otherwise the body itself.
func errorMessage(body []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message any             `json:"message"`
		Detail  any             `json:"detail"`
	}
	if json.Unmarshal(body, &e) == nil {
		var inner struct {
			Message any `json:"message"`
		}
		var s string
		switch {
		case len(e.Error) > 0 && json.Unmarshal(e.Error, &inner) == nil && inner.Message != nil:
			return strings.TrimSpace(fmt.Sprint(inner.Message))
		case len(e.Error) > 0 && json.Unmarshal(e.Error, &s) == nil && s != "":
			return strings.TrimSpace(s)
		case e.Message != nil:
			return strings.TrimSpace(fmt.Sprint(e.Message))
		case e.Detail != nil:
			if d, err := json.Marshal(e.Detail); err == nil {
				if ds, ok := e.Detail.(string); ok {
					return strings.TrimSpace(ds)
				}
				return string(d)
			}
		}
	}
	return strings.TrimSpace(string(body))
}

// truncate cuts s to at most n bytes at a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
