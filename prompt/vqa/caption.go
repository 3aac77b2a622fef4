package vqa

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/cairn-ml/cairn/nn/models"
)

// Image is the image a question is about: its id and, for captioners that
// look at pixels, its encoded bytes (JPEG or PNG) and media type.
type Image struct {
	ID   int64
	Data []byte
	// MIME is the media type of Data, such as "image/jpeg" (empty: guessed
	// from Data's first bytes).
	MIME string
}

// Strategy names a decoding strategy for captions.
type Strategy string

// The decoding strategies of spec-vqa-captions §2.
const (
	Greedy      Strategy = "greedy"
	Beam        Strategy = "beam"
	TopK        Strategy = "top-k"
	TopP        Strategy = "top-p"
	Contrastive Strategy = "contrastive"
)

// Decoding says how a captioner decodes: the strategy and its settings.
// Fields a strategy does not use are ignored.
type Decoding struct {
	Strategy Strategy
	// MaxLen bounds the caption's tokens (0: 30).
	MaxLen int
	// Beams is the beam width of Beam (0: 5); LengthPenalty is its λ
	// (score Σ log p / len^λ; Hugging Face's default is 1).
	Beams         int
	LengthPenalty float64
	// Temperature (0: 1), TopK (0: 50 for the TopK strategy) and TopP
	// (0: 0.9 for the TopP strategy) shape sampling.
	Temperature float64
	TopK        int
	TopP        float64
	// Alpha is Contrastive's degeneration penalty α and TopK its k. Both
	// zero mean α = 0.6 and k = 4, the common setting; TopK zero alone
	// means k = 4 (so α = 0 needs a TopK, and is then greedy).
	Alpha float64
	// Captions is the number of captions M wanted (0: 1): the M best beams,
	// or M samples with duplicates removed (so possibly fewer). Greedy and
	// Contrastive give one.
	Captions int
	// Seed seeds sampling.
	Seed uint64
}

// Name is a short label of d for tables: "greedy", "beam5", "top-p0.9×3".
func (d Decoding) Name() string {
	d = d.withDefaults()
	var s string
	switch d.Strategy {
	case Beam:
		s = fmt.Sprintf("beam%d", d.Beams)
	case TopK:
		s = fmt.Sprintf("top-k%d", d.TopK)
	case TopP:
		s = fmt.Sprintf("top-p%g", d.TopP)
	case Contrastive:
		s = fmt.Sprintf("contrastive%g", d.Alpha)
	default:
		s = string(d.Strategy)
	}
	if d.Captions > 1 && d.Strategy != Greedy && d.Strategy != Contrastive {
		s += fmt.Sprintf("x%d", d.Captions)
	}
	return s
}

func (d Decoding) withDefaults() Decoding {
	if d.Strategy == "" {
		d.Strategy = Greedy
	}
	if d.MaxLen <= 0 {
		d.MaxLen = 30
	}
	if d.Beams <= 0 {
		d.Beams = 5
	}
	if d.Temperature <= 0 {
		d.Temperature = 1
	}
	if d.Captions <= 0 {
		d.Captions = 1
	}
	switch d.Strategy {
	case TopK:
		if d.TopK <= 0 {
			d.TopK = 50
		}
	case TopP:
		if d.TopP <= 0 || d.TopP > 1 {
			d.TopP = 0.9
		}
	case Contrastive:
		if d.Alpha == 0 && d.TopK == 0 {
			d.Alpha = 0.6
		}
		if d.TopK <= 0 {
			d.TopK = 4
		}
	}
	return d
}

// Captioner describes an image in words under a decoding strategy.
type Captioner interface {
	Caption(ctx context.Context, img Image, d Decoding) ([]string, error)
}

// ImageModel is what ModelCaptioner needs of a cairn image-to-text model:
// a decoder conditioned on the image (for an encoder-decoder, the decoder
// given the encoded image, as T5.Decoding is for a source text) with its
// start tokens, the tokens that end a caption, and the tokenizer's
// decoding. cairn has no pretrained image-to-text model; any model that
// provides this (a vision encoder feeding a T5-style decoder, say) plugs in.
type ImageModel interface {
	Condition(ctx context.Context, img Image) (s models.Stepper, start []int, err error)
	EOS() []int
	Detokenize(tokens []int) string
}

// ModelCaptioner captions with a cairn ImageModel and the decoders of
// nn/models: Greedy and TopK/TopP sampling through models.Generate, Beam
// through models.BeamSearch, Contrastive through models.ContrastiveSearch.
type ModelCaptioner struct {
	Model ImageModel
}

var _ Captioner = ModelCaptioner{}

// Caption implements Captioner. Captions are returned best first (beam) or
// in the order drawn, without their EOS token, trimmed, empty ones and
// duplicates dropped. Sampling draws from a PCG seeded by d.Seed.
func (c ModelCaptioner) Caption(ctx context.Context, img Image, d Decoding) ([]string, error) {
	d = d.withDefaults()
	s, start, err := c.Model.Condition(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("vqa: caption image %d: %w", img.ID, err)
	}
	if len(start) == 0 {
		return nil, fmt.Errorf("vqa: caption image %d: the model gave no start tokens", img.ID)
	}
	g := models.GenConfig{MaxNew: d.MaxLen, EOS: c.Model.EOS()}
	prompts := [][]int{start}
	var hyps []models.Hypothesis
	switch d.Strategy {
	case Greedy:
		hyps = models.Generate(s, prompts, g, nil)[0]
	case Beam:
		n := min(d.Captions, d.Beams)
		hyps = models.BeamSearch(s, prompts, g, models.BeamConfig{Width: d.Beams, NumReturn: n, LengthPenalty: d.LengthPenalty})[0]
	case TopK, TopP:
		p := d.TopP
		if d.Strategy == TopK {
			p = 1
		}
		g.Sampler = models.Sample(d.Temperature, d.TopK, p)
		g.NumSamples = d.Captions
		hyps = models.Generate(s, prompts, g, rand.New(rand.NewPCG(d.Seed, 0x76716163)))[0]
	case Contrastive:
		hyps = models.ContrastiveSearch(s, prompts, g, d.TopK, d.Alpha)
	default:
		return nil, fmt.Errorf("vqa: unknown decoding strategy %q", d.Strategy)
	}
	eos := c.Model.EOS()
	var out []string
	for _, h := range hyps {
		toks := h.Tokens
		if len(toks) > 0 && slices.Contains(eos, toks[len(toks)-1]) {
			toks = toks[:len(toks)-1]
		}
		t := strings.TrimSpace(c.Model.Detokenize(toks))
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, ctx.Err()
}
