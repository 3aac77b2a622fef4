package openai

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Embed posts the model and inputs to /v1/embeddings and puts the vectors
// back in input order by their index; malformed answers are errors.
func TestEmbed(t *testing.T) {
	f := newFakeServer(t, replyJSON(http.StatusOK,
		`{"object":"list","data":[{"object":"embedding","index":1,"embedding":[0.5,-1]},{"object":"embedding","index":0,"embedding":[1,2]}]}`))
	c, _ := newTestClient(t, f.URL)
	got, err := c.Embed(context.Background(), []string{"a", "b"})
	if err != nil || len(got) != 2 || !slices.Equal(got[0], []float64{1, 2}) || !slices.Equal(got[1], []float64{0.5, -1}) {
		t.Fatalf("got %v, %v", got, err)
	}
	r := f.requests()[0]
	if r.path != "/v1/embeddings" || r.body["model"] != "test-model" || len(r.body["input"].([]any)) != 2 || r.auth != "Bearer sk-test-key" {
		t.Errorf("request %+v", r)
	}
	if v, err := c.Embed(context.Background(), nil); v != nil || err != nil || len(f.requests()) != 1 {
		t.Errorf("no inputs: %v, %v, %d requests", v, err, len(f.requests()))
	}
	for name, body := range map[string]string{
		"count":     `{"data":[{"index":0,"embedding":[1]}]}`,
		"index":     `{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[2]}]}`,
		"range":     `{"data":[{"index":0,"embedding":[1]},{"index":5,"embedding":[2]}]}`,
		"dims":      `{"data":[{"index":0,"embedding":[1]},{"index":1,"embedding":[2,3]}]}`,
		"empty":     `{"data":[{"index":0,"embedding":[]},{"index":1,"embedding":[]}]}`,
		"malformed": `{"data":`,
	} {
		f := newFakeServer(t, replyJSON(http.StatusOK, body))
		c, _ := newTestClient(t, f.URL)
		if _, err := c.Embed(context.Background(), []string{"a", "b"}); err == nil || strings.Contains(err.Error(), "sk-test-key") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
