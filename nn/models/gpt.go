package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// GPTConfig sizes a GPT-2-style decoder. The zero value is not usable;
// start from DefaultGPTConfig.
type GPTConfig struct {
	VocabSize    int     // token vocabulary
	Hidden       int     // hidden size (n_embd)
	Layers       int     // blocks (n_layer)
	Heads        int     // attention heads; must divide Hidden
	MaxPositions int     // learned positions (n_positions)
	Dropout      float64 // embedding, attention-weight and residual dropout
	LayerNormEps float64 // LayerNorm epsilon (1e-5 in GPT-2)
}

// DefaultGPTConfig returns a small GPT: vocabulary 1000, hidden 128, 2
// blocks of 2 heads, 128 positions, dropout 0.1, LayerNorm eps 1e-5. The
// feed-forward inner size is 4·Hidden, as GPT-2's.
func DefaultGPTConfig() GPTConfig {
	return GPTConfig{VocabSize: 1000, Hidden: 128, Layers: 2, Heads: 2, MaxPositions: 128, Dropout: 0.1, LayerNormEps: 1e-5}
}

func (c GPTConfig) check(op string) {
	if c.VocabSize <= 0 || c.Hidden <= 0 || c.Layers < 0 || c.Heads <= 0 || c.Hidden%c.Heads != 0 ||
		c.MaxPositions <= 0 || !(c.Dropout >= 0 && c.Dropout < 1) {
		panic(fmt.Sprintf("%s: invalid config %+v", op, c))
	}
}

// Conv1D is GPT-2's Conv1D: a linear map y = x·W + b whose weight is
// stored (in, out), the transpose of nn.Linear's.
type Conv1D struct {
	Weight *tensor.Tensor // (in, out)
	Bias   *tensor.Tensor // (out)
}

// Forward maps x (..., in) to (..., out).
func (c *Conv1D) Forward(x *tensor.Tensor) *tensor.Tensor {
	in, out := c.Weight.Dim(0), c.Weight.Dim(1)
	shape := append([]int(nil), x.Shape()...)
	shape[len(shape)-1] = out
	return x.Reshape(-1, in).MatMul(c.Weight).Add(c.Bias).Reshape(shape...)
}

// GPT is a GPT-2-style causal language model (HF GPT2LMHeadModel without
// its "transformer." prefix): token and position embeddings, pre-LN
// blocks of causal self-attention and a tanh-GELU MLP, a final LayerNorm
// and an LM head tied to the token embedding.
type GPT struct {
	Wte    *nn.Embedding `cairn:"wte"`
	Wpe    *nn.Embedding `cairn:"wpe"`
	Drop   *nn.Dropout
	Blocks []*GPTBlock   `cairn:"h"`
	LnF    *nn.LayerNorm `cairn:"ln_f"`
	Config GPTConfig     `cairn:"-"`
}

// GPTBlock is x + attn(ln_1(x)), then x + mlp(ln_2(x)).
type GPTBlock struct {
	Ln1  *nn.LayerNorm `cairn:"ln_1"`
	Attn *GPTAttention `cairn:"attn"`
	Ln2  *nn.LayerNorm `cairn:"ln_2"`
	MLP  *GPTMLP       `cairn:"mlp"`
}

// GPTAttention is causal multi-head self-attention with GPT-2's fused
// query/key/value projection c_attn and output projection c_proj.
type GPTAttention struct {
	CAttn        *Conv1D `cairn:"c_attn"`
	CProj        *Conv1D `cairn:"c_proj"`
	AttnDropout  *nn.Dropout
	ResidDropout *nn.Dropout
	Heads        int `cairn:"-"`
}

// GPTMLP is c_proj(gelu_tanh(c_fc(x))) followed by dropout.
type GPTMLP struct {
	CFc     *Conv1D `cairn:"c_fc"`
	CProj   *Conv1D `cairn:"c_proj"`
	Dropout *nn.Dropout
}

// KVCache holds the keys and values of the positions a GPT has already
// seen, so that each generated token costs one position's work.
type KVCache struct {
	k, v []*tensor.Tensor // per block, (n, heads, len, d)
	n    int              // cached positions
}

// Len returns the number of cached positions.
func (c *KVCache) Len() int { return c.n }

// NewGPT returns a GPT initialised as HF GPT-2: weights from N(0, 0.02²)
// with the residual projections (attn.c_proj, mlp.c_proj) scaled by
// 1/sqrt(2·Layers), biases 0, LayerNorm 1 and 0. It panics on an invalid
// config.
func NewGPT(rng *rand.Rand, c GPTConfig) *GPT {
	c.check("models.NewGPT")
	const std = 0.02
	h := c.Hidden
	conv := func(in, out int, s float64) *Conv1D {
		return &Conv1D{Weight: tensor.Normal(rng, 0, float32(s), in, out).SetRequiresGrad(true), Bias: tensor.Zeros(out).SetRequiresGrad(true)}
	}
	proj := std / math.Sqrt(2*float64(max(c.Layers, 1)))
	m := &GPT{
		Wte:    newEmbedding(rng, c.VocabSize, h, std, -1),
		Wpe:    newEmbedding(rng, c.MaxPositions, h, 0.01, -1),
		Drop:   nn.NewDropout(rng, c.Dropout),
		LnF:    newLayerNorm(h, c.LayerNormEps),
		Config: c,
	}
	for range c.Layers {
		m.Blocks = append(m.Blocks, &GPTBlock{
			Ln1: newLayerNorm(h, c.LayerNormEps),
			Attn: &GPTAttention{CAttn: conv(h, 3*h, std), CProj: conv(h, h, proj),
				AttnDropout: nn.NewDropout(rng, c.Dropout), ResidDropout: nn.NewDropout(rng, c.Dropout), Heads: c.Heads},
			Ln2: newLayerNorm(h, c.LayerNormEps),
			MLP: &GPTMLP{CFc: conv(h, 4*h, std), CProj: conv(4*h, h, proj), Dropout: nn.NewDropout(rng, c.Dropout)},
		})
	}
	return m
}

// NewCache returns an empty cache for ForwardCache.
func (m *GPT) NewCache() *KVCache {
	return &KVCache{k: make([]*tensor.Tensor, len(m.Blocks)), v: make([]*tensor.Tensor, len(m.Blocks))}
}

// Forward returns the next-token logits (n, t, VocabSize) of ids, n
// sequences of length t in row-major order. It panics on ids out of range
// or t > MaxPositions.
func (m *GPT) Forward(ids []int, n, t int) *tensor.Tensor {
	return m.ForwardCache(ids, n, t, nil)
}

// ForwardCache is Forward for ids that continue the positions held in
// cache (nil for none): ids take positions cache.Len() onwards, attend to
// the cached keys and values, and are appended to the cache. With an
// empty cache it equals Forward. It panics if the batch size differs from
// the cached one or the positions pass MaxPositions.
func (m *GPT) ForwardCache(ids []int, n, t int, cache *KVCache) *tensor.Tensor {
	return m.head(m.hidden(ids, n, t, cache))
}

// head maps final hidden states (n, t, Hidden) to logits (n, t, VocabSize)
// through the LM head tied to the token embedding.
func (m *GPT) head(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Linear(x, m.Wte.Weight, nil)
}

// hidden is ForwardCache without the LM head: it returns the final hidden
// states (n, t, Hidden), after ln_f.
func (m *GPT) hidden(ids []int, n, t int, cache *KVCache) *tensor.Tensor {
	return m.states(ids, n, t, cache, nil)
}

// HiddenStates returns the hidden states (n, t, Hidden) of ids at every
// depth, Layers+2 tensors: the embeddings (token plus position, after
// dropout), the output of each block, and the last block's output after
// the final LayerNorm (what the LM head reads). Arguments and panics as
// Forward; call it in evaluation mode for states without dropout.
func (m *GPT) HiddenStates(ids []int, n, t int) []*tensor.Tensor {
	out := make([]*tensor.Tensor, 0, len(m.Blocks)+2)
	return append(out, m.states(ids, n, t, nil, &out))
}

// states runs the model up to the final LayerNorm, reading and extending
// cache if it is not nil, and appends the embeddings' and every block's
// output to *keep if keep is not nil.
func (m *GPT) states(ids []int, n, t int, cache *KVCache, keep *[]*tensor.Tensor) *tensor.Tensor {
	const op = "models.GPT.Forward"
	c := m.Config
	checkIDs(op, ids, n, t, c.VocabSize)
	p0 := 0
	if cache != nil {
		p0 = cache.n
		if len(cache.k) != len(m.Blocks) {
			panic(fmt.Sprintf("%s: cache for %d blocks, model has %d", op, len(cache.k), len(m.Blocks)))
		}
		if p0 > 0 && cache.k[0] != nil && cache.k[0].Dim(0) != n {
			panic(fmt.Sprintf("%s: batch %d, cache holds batch %d", op, n, cache.k[0].Dim(0)))
		}
	}
	if p0+t > c.MaxPositions {
		panic(fmt.Sprintf("%s: positions %d..%d exceed MaxPositions %d", op, p0, p0+t-1, c.MaxPositions))
	}
	pos := make([]int, n*t)
	for i := range pos {
		pos[i] = p0 + i%t
	}
	x := m.Drop.Forward(m.Wte.Forward(ids, n, t).Add(m.Wpe.Forward(pos, n, t)))
	if keep != nil {
		*keep = append(*keep, x)
	}
	for i, b := range m.Blocks {
		x = b.forward(x, cache, i)
		if keep != nil {
			*keep = append(*keep, x)
		}
	}
	if cache != nil {
		cache.n += t
	}
	return m.LnF.Forward(x)
}

// forward applies block i of the model, reading and extending cache if
// it is not nil.
func (b *GPTBlock) forward(x *tensor.Tensor, cache *KVCache, i int) *tensor.Tensor {
	a := b.Attn
	h, e := a.Heads, x.Dim(2)
	qkv := a.CAttn.Forward(b.Ln1.Forward(x)).Split(-1, e, e, e)
	q, k, v := splitHeads(qkv[0], h), splitHeads(qkv[1], h), splitHeads(qkv[2], h)
	if cache != nil {
		if cache.k[i] != nil {
			k = tensor.Concat(2, cache.k[i], k)
			v = tensor.Concat(2, cache.v[i], v)
		}
		cache.k[i], cache.v[i] = k.Detach(), v.Detach()
	}
	l, s := q.Dim(2), k.Dim(2)
	y := attend(q, k, v, causalBias(l, s), float32(1/math.Sqrt(float64(e/h))), a.AttnDropout)
	x = x.Add(a.ResidDropout.Forward(a.CProj.Forward(y)))
	f := b.MLP.CProj.Forward(geluTanh(b.MLP.CFc.Forward(b.Ln2.Forward(x))))
	return x.Add(b.MLP.Dropout.Forward(f))
}

// geluTanh is GPT-2's gelu_new: 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))).
func geluTanh(x *tensor.Tensor) *tensor.Tensor {
	inner := x.Add(x.Mul(x).Mul(x).MulScalar(0.044715)).MulScalar(float32(math.Sqrt(2 / math.Pi)))
	return x.Mul(inner.Tanh().AddScalar(1)).MulScalar(0.5)
}

// Loss returns the mean next-token cross-entropy of ids (n sequences of
// length t): the logits at position i are scored against the id at i+1.
func (m *GPT) Loss(ids []int, n, t int) *tensor.Tensor {
	if t < 2 {
		panic(fmt.Sprintf("models.GPT.Loss: length %d, need at least 2", t))
	}
	logits := m.Forward(ids, n, t).Narrow(1, 0, t-1)
	targets := make([]int, 0, n*(t-1))
	for b := range n {
		targets = append(targets, ids[b*t+1:(b+1)*t]...)
	}
	return nn.CrossEntropy(logits.Reshape(n*(t-1), -1), targets)
}

// Generate continues prompt by maxNew tokens and returns them (without
// the prompt). Each token is chosen by sample (Greedy if nil) from the
// logits of the last position; rng is passed to sample. The prompt is
// encoded once into a KVCache and each step feeds only the new token.
// Dropout applies if the model is in training mode: call
// nn.SetTraining(m, false) first. It panics on an empty prompt or if
// len(prompt)+maxNew-1 exceeds MaxPositions.
func (m *GPT) Generate(prompt []int, maxNew int, sample Sampler, rng *rand.Rand) []int {
	return m.generate(prompt, maxNew, sample, rng, true)
}

// generate is Generate, recomputing the whole sequence at every step
// without cache.
func (m *GPT) generate(prompt []int, maxNew int, sample Sampler, rng *rand.Rand, cached bool) []int {
	if len(prompt) == 0 || maxNew < 0 || len(prompt)+maxNew-1 > m.Config.MaxPositions {
		panic(fmt.Sprintf("models.GPT.Generate: prompt of %d tokens + %d new exceeds MaxPositions %d (or is empty)", len(prompt), maxNew, m.Config.MaxPositions))
	}
	if sample == nil {
		sample = Greedy
	}
	seq := append([]int(nil), prompt...)
	var cache *KVCache
	if cached {
		cache = m.NewCache()
	}
	feed := seq
	out := make([]int, 0, maxNew)
	for range maxNew {
		var logits *tensor.Tensor
		if cached {
			logits = m.ForwardCache(feed, 1, len(feed), cache)
		} else {
			logits = m.Forward(seq, 1, len(seq))
		}
		last := logits.Narrow(1, logits.Dim(1)-1, 1).Data()
		tok := sample(last, rng)
		out = append(out, tok)
		seq = append(seq, tok)
		feed = []int{tok}
	}
	return out
}
