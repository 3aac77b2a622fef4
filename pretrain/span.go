package pretrain

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// SpanMasking configures SpanBERT's span masking. Zero fields take
// SpanBERT's defaults.
type SpanMasking struct {
	Special Special
	// Prob is the fraction of tokens to mask (default 0.15); the budget is
	// ceil(Prob·n) over the n maskable tokens, as in SpanBERT's code.
	Prob float64
	// P is the geometric parameter of span lengths in words (default 0.2)
	// and MaxSpan the longest span (default 10); lengths are drawn from
	// the geometric distribution truncated to [1, MaxSpan] and renormalised,
	// whose mean is ≈3.8 words for the defaults.
	P       float64
	MaxSpan int
}

func (s SpanMasking) withDefaults() SpanMasking {
	if s.Prob == 0 {
		s.Prob = 0.15
	}
	if s.P == 0 {
		s.P = 0.2
	}
	if s.MaxSpan == 0 {
		s.MaxSpan = 10
	}
	if s.Prob < 0 || s.Prob > 1 || s.P <= 0 || s.P > 1 || s.MaxSpan < 1 {
		panic(fmt.Sprintf("pretrain: SpanMasking with Prob %v, P %v, MaxSpan %d", s.Prob, s.P, s.MaxSpan))
	}
	return s
}

// SpanLength draws a span length in words from the truncated geometric
// distribution p(ℓ) ∝ P·(1−P)^{ℓ−1}, ℓ = 1..MaxSpan.
func (s SpanMasking) SpanLength(rng *rand.Rand) int {
	s = s.withDefaults()
	total := 1 - math.Pow(1-s.P, float64(s.MaxSpan))
	u := rng.Float64() * total
	for l := 1; l <= s.MaxSpan; l++ {
		u -= s.P * math.Pow(1-s.P, float64(l-1))
		if u < 0 {
			return l
		}
	}
	return s.MaxSpan
}

// Span is a masked span of token positions [Start, End], inclusive.
type Span struct{ Start, End int }

// SBOTarget is one target of the span boundary objective: the token at Pos,
// whose original id is Label, is predicted from the encodings at Left (the
// token before the span) and Right (the token after it) and the relative
// position RelPos = Pos − span start (0-based). Left may be −1 and Right
// len(tokens) for a span at an end of a sequence without special tokens.
type SBOTarget struct {
	Pos, Left, Right, RelPos, Label int
}

// SpanExample is one sequence masked by SpanMask.
type SpanExample struct {
	// Inputs is the corrupted sequence.
	Inputs []int
	// Targets holds the original id at masked positions, IgnoreIndex
	// elsewhere (the MLM targets).
	Targets []int
	// Spans lists the masked spans in the order they were drawn.
	Spans []Span
	// SBO lists one span-boundary target per masked token, span by span.
	SBO []SBOTarget
}

// Apply masks spans of whole words as SpanBERT does: until ceil(Prob·n) of
// the n maskable tokens are masked, draw a length ℓ in words, pick a uniform
// anchor among maskable tokens not yet masked, move it to the start of its
// word and mask ℓ words from there, stopping early at the budget, at a
// special token or at a token already masked. Each span as a whole becomes
// MASK tokens (p 0.8), random tokens (0.1) or keeps its ids (0.1). wordStart
// marks the tokens that begin a word (nil: every token is a word).
func (s SpanMasking) Apply(tokens []int, wordStart []bool, rng *rand.Rand) SpanExample {
	checkRNG("SpanMasking.Apply", rng)
	s = s.withDefaults()
	sp := s.Special
	if wordStart != nil && len(wordStart) != len(tokens) {
		panic(fmt.Sprintf("pretrain: SpanMasking.Apply: wordStart has length %d, tokens %d", len(wordStart), len(tokens)))
	}
	isStart := func(i int) bool { return wordStart == nil || wordStart[i] }
	var cand []int
	for i, id := range tokens {
		if !sp.IsSpecial(id) {
			cand = append(cand, i)
		}
	}
	ex := SpanExample{Inputs: clone(tokens), Targets: make([]int, len(tokens))}
	for i := range ex.Targets {
		ex.Targets[i] = IgnoreIndex
	}
	budget := int(math.Ceil(s.Prob * float64(len(cand))))
	masked := make([]bool, len(tokens))
	ok := func(i int) bool { return i < len(tokens) && !masked[i] && !sp.IsSpecial(tokens[i]) }
	count := 0
	for tries := 0; count < budget && tries < 100*len(tokens)+100; tries++ {
		l := s.SpanLength(rng)
		a := cand[rng.IntN(len(cand))]
		if masked[a] {
			continue
		}
		for a > 0 && !isStart(a) && ok(a-1) {
			a--
		}
		cur := Span{Start: a, End: a - 1}
		words := 0
		for i := a; ok(i) && count < budget; i++ {
			if isStart(i) || i == a {
				if words == l {
					break
				}
				words++
			}
			masked[i] = true
			count++
			cur.End = i
		}
		ex.Spans = append(ex.Spans, cur)
	}
	for _, span := range ex.Spans {
		u := rng.Float64()
		for i := span.Start; i <= span.End; i++ {
			switch {
			case u < 0.8:
				ex.Inputs[i] = s.Special.MASK
			case u < 0.9:
				ex.Inputs[i] = s.Special.randomToken(rng)
			}
			ex.Targets[i] = tokens[i]
			ex.SBO = append(ex.SBO, SBOTarget{Pos: i, Left: span.Start - 1, Right: span.End + 1, RelPos: i - span.Start, Label: tokens[i]})
		}
	}
	return ex
}

// SBOHead is SpanBERT's span-boundary-objective head: for each target it
// concatenates the encoder outputs at the span's boundaries with a learned
// embedding of the relative position and applies a 2-layer feed-forward
// network with GELU and layer normalisation, giving a representation that the
// caller projects to the vocabulary (SpanBERT ties it to the input
// embeddings). The SpanBERT loss is MLM + SBO, both LMLoss/MaskedLMLoss.
type SBOHead struct {
	Position *nn.Embedding `cairn:"position_embeddings"`
	FC1      *nn.Linear    `cairn:"fc1"`
	LN1      *nn.LayerNorm `cairn:"ln1"`
	FC2      *nn.Linear    `cairn:"fc2"`
	LN2      *nn.LayerNorm `cairn:"ln2"`
}

// NewSBOHead returns a head for encoder outputs of size hidden and relative
// positions below maxRel (the longest span in tokens).
func NewSBOHead(rng *rand.Rand, hidden, maxRel int) *SBOHead {
	checkRNG("NewSBOHead", rng)
	return &SBOHead{
		Position: nn.NewEmbedding(rng, maxRel, hidden, -1),
		FC1:      nn.NewLinear(rng, 3*hidden, hidden),
		LN1:      nn.NewLayerNorm(hidden),
		FC2:      nn.NewLinear(rng, hidden, hidden),
		LN2:      nn.NewLayerNorm(hidden),
	}
}

// Forward returns one row per target, shape (len(targets), hidden), from the
// encoder outputs enc of one sequence, shape (T, hidden). Boundaries must lie
// in [0, T) and relative positions below the head's maxRel.
func (h *SBOHead) Forward(enc *tensor.Tensor, targets []SBOTarget) *tensor.Tensor {
	if enc.NDim() != 2 {
		panic(fmt.Sprintf("pretrain: SBOHead.Forward: encoder outputs %v, want (T, hidden)", enc.Shape()))
	}
	n, maxRel := enc.Dim(0), h.Position.Weight.Dim(0)
	left, right, rel := make([]int, len(targets)), make([]int, len(targets)), make([]int, len(targets))
	for i, t := range targets {
		if t.Left < 0 || t.Right >= n || t.RelPos < 0 || t.RelPos >= maxRel {
			panic(fmt.Sprintf("pretrain: SBOHead.Forward: target %+v with %d positions and maxRel %d", t, n, maxRel))
		}
		left[i], right[i], rel[i] = t.Left, t.Right, t.RelPos
	}
	x := tensor.Concat(1, enc.IndexSelect(0, left), enc.IndexSelect(0, right), h.Position.Forward(rel))
	x = h.LN1.Forward(h.FC1.Forward(x).GELU())
	return h.LN2.Forward(h.FC2.Forward(x).GELU())
}
