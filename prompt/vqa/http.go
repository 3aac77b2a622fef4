package vqa

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/prompt/openai"
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
// The request goes through the openai.Client's ChatJSON, with its
// timeout, retries and key redaction. Decoding maps to the request: Greedy to
// temperature 0; TopK and TopP to temperature, top_k or top_p, and seed
// (Seed+i for the i-th caption; one request per caption, since servers
// differ in supporting n); MaxLen to max_tokens. The chat API has no beam
// or contrastive search: those strategies fail with an error wrapping
// prompt.ErrUnsupported (put server-specific fields in Extra instead).
type HTTPCaptioner struct {
	// Client is the server connection (base URL, model, key, retries):
	// openai.New(openai.WithBaseURL(url), openai.WithModel(name)).
	Client *openai.Client
	// Prompt is the text sent with the image ("": DefaultCaptionPrompt).
	Prompt string
	// Extra fields are added to every request body as they are.
	Extra map[string]any
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
	if c.Client == nil {
		return nil, fmt.Errorf("vqa: HTTPCaptioner without a Client")
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
		if m := c.Client.Model(); m != "" {
			body["model"] = m
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
		t, err := c.Client.ChatJSON(ctx, body)
		if err != nil {
			return nil, fmt.Errorf("vqa: caption image %d: %w", img.ID, err)
		}
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}
