package lens_test

import (
	"github.com/cairn-ml/cairn/prompt/openai"
	"github.com/cairn-ml/cairn/viz/lens"
)

// An OpenAI-compatible embeddings endpoint is an Embedder as it is.
var _ lens.Embedder = (*openai.Client)(nil)
