package vqa

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/cairn-ml/cairn/prompt"
)

// DefaultCaptionPrompt is the instruction HTTPCaptioner sends with the
// image (ours).
const DefaultCaptionPrompt = "Describe this image in one sentence."

// HTTPCaptioner captions with a vision-capable model behind an
// OpenAI-compatible server (llama-server with a multimodal projector,
// vLLM, Ollama): it posts one user turn to /v1/chat/completions whose
// content is the text prompt and the image as a data URL
// ({"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,…"}}).
//
// prompt/openai's Client sends string contents only, so this type makes its
// own request with net/http. Decoding maps to the request: Greedy to
// temperature 0; TopK and TopP to temperature, top_k or top_p, and seed
// (Seed+i for the i-th caption; one request per caption, since servers
// differ in supporting n); MaxLen to max_tokens. The chat API has no beam
// or contrastive search: those strategies fail with an error wrapping
// prompt.ErrUnsupported (put server-specific fields in Extra instead).
type HTTPCaptioner struct {
	// BaseURL is the server, such as "http://localhost:8080" (with or
	// without /v1).
	BaseURL string
	// Model is the "model" field ("": left out).
	Model string
	// APIKey, if set, is sent as a bearer token.
	APIKey string
	// Prompt is the text sent with the image ("": DefaultCaptionPrompt).
	Prompt string
	// Extra fields are added to every request body as they are.
	Extra map[string]any
	// Client sends the requests (nil: http.DefaultClient).
	Client *http.Client
}

var _ Captioner = (*HTTPCaptioner)(nil)

// DataURL returns img as a data URL, "data:<mime>;base64,<data>".
func DataURL(img Image) string {
	mime := img.MIME
	if mime == "" {
		mime = http.DetectContentType(img.Data)
	}
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(img.Data)
}

type chatPart struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	ImageURL *imageURL `json:"image_url,omitempty"`
}

type imageURL struct {
	URL string `json:"url"`
}

// Caption implements Captioner.
func (c *HTTPCaptioner) Caption(ctx context.Context, img Image, d Decoding) ([]string, error) {
	d = d.withDefaults()
	if d.Strategy == Beam || d.Strategy == Contrastive {
		return nil, fmt.Errorf("vqa: %s decoding through the OpenAI chat API: %w", d.Strategy, prompt.ErrUnsupported)
	}
	if len(img.Data) == 0 {
		return nil, fmt.Errorf("vqa: image %d has no data to send", img.ID)
	}
	text := c.Prompt
	if text == "" {
		text = DefaultCaptionPrompt
	}
	n := 1
	if d.Strategy != Greedy {
		n = d.Captions
	}
	var out []string
	for i := range n {
		body := map[string]any{}
		for k, v := range c.Extra {
			body[k] = v
		}
		body["messages"] = []map[string]any{{"role": "user", "content": []chatPart{
			{Type: "text", Text: text},
			{Type: "image_url", ImageURL: &imageURL{URL: DataURL(img)}},
		}}}
		body["max_tokens"] = d.MaxLen
		if c.Model != "" {
			body["model"] = c.Model
		}
		switch d.Strategy {
		case Greedy:
			body["temperature"] = 0
		case TopK:
			body["temperature"], body["top_k"], body["seed"] = d.Temperature, d.TopK, d.Seed+uint64(i)
		case TopP:
			body["temperature"], body["top_p"], body["seed"] = d.Temperature, d.TopP, d.Seed+uint64(i)
		default:
			return nil, fmt.Errorf("vqa: unknown decoding strategy %q", d.Strategy)
		}
		t, err := c.post(ctx, body)
		if err != nil {
			return nil, fmt.Errorf("vqa: caption image %d: %w", img.ID, err)
		}
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (c *HTTPCaptioner) post(ctx context.Context, body map[string]any) (string, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	u := strings.TrimSuffix(strings.TrimSuffix(c.BaseURL, "/"), "/v1") + "/v1/chat/completions"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	hc := c.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", redact(err.Error(), c.APIKey)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode/100 != 2 {
		msg := string(raw)
		if len(msg) > 500 {
			msg = msg[:500]
		}
		return "", redact(fmt.Sprintf("POST /v1/chat/completions: status %d: %s", resp.StatusCode, msg), c.APIKey)
	}
	var r struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return "", fmt.Errorf("POST /v1/chat/completions: %w", err)
	}
	if len(r.Choices) == 0 {
		return "", fmt.Errorf("POST /v1/chat/completions: no choices in the reply")
	}
	return r.Choices[0].Message.Content, nil
}

// redact makes an error of msg with the API key replaced.
func redact(msg, key string) error {
	if key != "" {
		msg = strings.ReplaceAll(msg, key, "[REDACTED]")
	}
	return fmt.Errorf("%s", msg)
}
