package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// T5Config sizes a T5-style encoder-decoder. The zero value is not
// usable; start from DefaultT5Config.
type T5Config struct {
	VocabSize      int     // shared vocabulary
	DModel         int     // model size
	DKV            int     // size of each attention head
	DFF            int     // feed-forward inner size
	Layers         int     // encoder blocks
	DecoderLayers  int     // decoder blocks
	Heads          int     // attention heads
	NumBuckets     int     // relative position buckets (32 in T5)
	MaxDistance    int     // relative distance mapped to the last bucket (128 in T5)
	Dropout        float64 // dropout everywhere (0.1 in T5)
	LayerNormEps   float64 // RMSNorm epsilon (1e-6 in T5)
	PadID          int     // padding id: masked in the encoder; label -100 becomes it
	EOSID          int     // end of sequence: generation stops after it
	DecoderStartID int     // first decoder input (the pad id in T5)
}

// DefaultT5Config returns a small T5: vocabulary 1000, d_model 128, heads
// of 32 × 4, d_ff 512, 2 encoder and 2 decoder blocks, 32 buckets up to
// distance 128, dropout 0.1, eps 1e-6, pad 0, EOS 1, decoder start 0.
func DefaultT5Config() T5Config {
	return T5Config{VocabSize: 1000, DModel: 128, DKV: 32, DFF: 512, Layers: 2, DecoderLayers: 2, Heads: 4,
		NumBuckets: 32, MaxDistance: 128, Dropout: 0.1, LayerNormEps: 1e-6, PadID: 0, EOSID: 1, DecoderStartID: 0}
}

func (c T5Config) check(op string) {
	ok := func(id int) bool { return id >= 0 && id < c.VocabSize }
	if c.VocabSize <= 0 || c.DModel <= 0 || c.DKV <= 0 || c.DFF <= 0 || c.Layers < 1 || c.DecoderLayers < 1 ||
		c.Heads <= 0 || c.NumBuckets < 2 || c.MaxDistance <= c.NumBuckets/4 || !(c.Dropout >= 0 && c.Dropout < 1) ||
		!ok(c.PadID) || !ok(c.EOSID) || !ok(c.DecoderStartID) {
		panic(fmt.Sprintf("%s: invalid config %+v", op, c))
	}
}

// RMSNorm is T5's LayerNorm: x / sqrt(mean(x²) + eps) · weight, without
// mean subtraction or bias.
type RMSNorm struct {
	Weight *tensor.Tensor
	Eps    float64 `cairn:"-"`
}

// Forward normalises the last dimension of x.
func (r *RMSNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	rms := x.Mul(x).Mean(-1, true).AddScalar(float32(r.Eps)).Sqrt()
	return x.Div(rms).Mul(r.Weight)
}

// T5Attention is T5's multi-head attention: bias-free q, k, v and o
// projections, no 1/sqrt(d) scaling, and in the first block of each stack
// a learned bias per head and relative-position bucket.
type T5Attention struct {
	Q                     *nn.Linear    `cairn:"q"`
	K                     *nn.Linear    `cairn:"k"`
	V                     *nn.Linear    `cairn:"v"`
	O                     *nn.Linear    `cairn:"o"`
	RelativeAttentionBias *nn.Embedding `cairn:"relative_attention_bias"` // (buckets, heads) or nil
	Dropout               *nn.Dropout   // on the attention weights
	Heads                 int           `cairn:"-"`
}

// T5AttentionLayer is x + dropout(attention(layer_norm(x))): self-attention
// (SelfAttention set) or attention over the encoder output
// (EncDecAttention set).
type T5AttentionLayer struct {
	SelfAttention   *T5Attention `cairn:"SelfAttention"`
	EncDecAttention *T5Attention `cairn:"EncDecAttention"`
	LayerNorm       *RMSNorm     `cairn:"layer_norm"`
	Dropout         *nn.Dropout
}

// T5FF is x + dropout(wo(dropout(relu(wi(layer_norm(x)))))).
type T5FF struct {
	Wi        *nn.Linear `cairn:"DenseReluDense.wi"`
	Wo        *nn.Linear `cairn:"DenseReluDense.wo"`
	Inner     *nn.Dropout
	LayerNorm *RMSNorm `cairn:"layer_norm"`
	Dropout   *nn.Dropout
}

// T5Block is an encoder block (self-attention, feed-forward: HF layer.0,
// layer.1) or a decoder block (self-attention, cross-attention,
// feed-forward: layer.0 to layer.2). It implements nn.Stater to give the
// feed-forward sublayer its HF index.
type T5Block struct {
	SelfAttn  *T5AttentionLayer
	CrossAttn *T5AttentionLayer // nil in the encoder
	FF        *T5FF
}

// State implements nn.Stater with HF's names.
func (b *T5Block) State() []nn.Named {
	var out []nn.Named
	add := func(prefix string, m any) {
		for _, n := range nn.StateDict(m) {
			out = append(out, nn.Named{Name: prefix + "." + n.Name, Tensor: n.Tensor, Buffer: n.Buffer})
		}
	}
	add("layer.0", b.SelfAttn)
	if b.CrossAttn != nil {
		add("layer.1", b.CrossAttn)
		add("layer.2", b.FF)
	} else {
		add("layer.1", b.FF)
	}
	return out
}

// T5Stack is the encoder or the decoder: blocks, a final RMSNorm and
// dropout on its input and output.
type T5Stack struct {
	Blocks         []*T5Block `cairn:"block"`
	FinalLayerNorm *RMSNorm   `cairn:"final_layer_norm"`
	Dropout        *nn.Dropout
}

// T5 is a T5-style encoder-decoder (HF T5ForConditionalGeneration, T5
// v1.0 layout): a shared embedding for encoder and decoder inputs,
// pre-RMSNorm blocks with relative position bias (bidirectional buckets in
// the encoder, causal in the decoder), ReLU feed-forward networks, no
// biases, decoder cross-attention, and an LM head tied to the shared
// embedding, applied to the decoder output scaled by DModel^-0.5.
type T5 struct {
	Shared  *nn.Embedding `cairn:"shared"`
	Encoder *T5Stack      `cairn:"encoder"`
	Decoder *T5Stack      `cairn:"decoder"`
	Config  T5Config      `cairn:"-"`
}

// NewT5 returns a T5 initialised as HF does (factor 1): shared embedding
// from N(0, 1), q from N(0, (DModel·DKV)^-1), k and v from N(0, 1/DModel),
// o from N(0, 1/(Heads·DKV)), relative biases N(0, 1/DModel), wi N(0,
// 1/DModel), wo N(0, 1/DFF), RMSNorm weights 1. It panics on an invalid
// config.
func NewT5(rng *rand.Rand, c T5Config) *T5 {
	c.check("models.NewT5")
	d, inner := c.DModel, c.Heads*c.DKV
	norm := func() *RMSNorm { return &RMSNorm{Weight: tensor.Ones(d).SetRequiresGrad(true), Eps: c.LayerNormEps} }
	attn := func(rel bool) *T5Attention {
		a := &T5Attention{
			Q:       newLinear(rng, d, inner, 1/math.Sqrt(float64(d*c.DKV)), false),
			K:       newLinear(rng, d, inner, 1/math.Sqrt(float64(d)), false),
			V:       newLinear(rng, d, inner, 1/math.Sqrt(float64(d)), false),
			O:       newLinear(rng, inner, d, 1/math.Sqrt(float64(inner)), false),
			Dropout: nn.NewDropout(rng, c.Dropout),
			Heads:   c.Heads,
		}
		if rel {
			a.RelativeAttentionBias = newEmbedding(rng, c.NumBuckets, c.Heads, 1/math.Sqrt(float64(d)), -1)
		}
		return a
	}
	layer := func(a *T5Attention, cross bool) *T5AttentionLayer {
		l := &T5AttentionLayer{LayerNorm: norm(), Dropout: nn.NewDropout(rng, c.Dropout)}
		if cross {
			l.EncDecAttention = a
		} else {
			l.SelfAttention = a
		}
		return l
	}
	ff := func() *T5FF {
		return &T5FF{
			Wi:        newLinear(rng, d, c.DFF, 1/math.Sqrt(float64(d)), false),
			Wo:        newLinear(rng, c.DFF, d, 1/math.Sqrt(float64(c.DFF)), false),
			Inner:     nn.NewDropout(rng, c.Dropout),
			LayerNorm: norm(),
			Dropout:   nn.NewDropout(rng, c.Dropout),
		}
	}
	stack := func(n int, decoder bool) *T5Stack {
		s := &T5Stack{FinalLayerNorm: norm(), Dropout: nn.NewDropout(rng, c.Dropout)}
		for i := range n {
			b := &T5Block{SelfAttn: layer(attn(i == 0), false)}
			if decoder {
				b.CrossAttn = layer(attn(false), true)
			}
			b.FF = ff()
			s.Blocks = append(s.Blocks, b)
		}
		return s
	}
	return &T5{
		Shared:  newEmbedding(rng, c.VocabSize, d, 1, -1),
		Encoder: stack(c.Layers, false),
		Decoder: stack(c.DecoderLayers, true),
		Config:  c,
	}
}

// relativeBucket maps the relative position rel = key - query to a bucket
// as HF's T5Attention._relative_position_bucket: exact buckets for small
// distances, logarithmic ones up to maxDistance; bidirectional buckets
// split the range by sign, causal ones map rel > 0 to bucket 0.
func relativeBucket(rel int, bidirectional bool, numBuckets, maxDistance int) int {
	b := 0
	if bidirectional {
		numBuckets /= 2
		if rel > 0 {
			b += numBuckets
		}
		rel = max(rel, -rel)
	} else {
		rel = -min(rel, 0)
	}
	maxExact := numBuckets / 2
	if rel < maxExact {
		return b + rel
	}
	// float32 arithmetic, as PyTorch computes it.
	r := float32(rel) / float32(maxExact)
	l := float32(math.Log(float64(r))) / float32(math.Log(float64(maxDistance)/float64(maxExact))) * float32(numBuckets-maxExact)
	large := min(maxExact+int(l), numBuckets-1)
	return b + large
}

// positionBias returns a's relative position bias (1, heads, l, s) for
// queries at positions s-l .. s-1 and keys 0 .. s-1.
func (a *T5Attention) positionBias(l, s int, bidirectional bool, c T5Config) *tensor.Tensor {
	idx := make([]int, l*s)
	off := s - l
	for i := range l {
		for j := range s {
			idx[i*s+j] = relativeBucket(j-(off+i), bidirectional, c.NumBuckets, c.MaxDistance)
		}
	}
	return a.RelativeAttentionBias.Forward(idx, l, s).Permute(2, 0, 1).Reshape(1, a.Heads, l, s)
}

// t5Cache holds a decoder's self-attention keys and values and its
// cross-attention keys and values of the encoder output.
type t5Cache struct {
	k, v, ck, cv []*tensor.Tensor
	n            int
}

// forward applies the attention to x attending to kv (x itself for
// self-attention), with an additive bias. With cache, self-attention keys
// and values are appended to self[i] and cross-attention ones computed once.
func (a *T5Attention) forward(x, kv, bias *tensor.Tensor, ck, cv **tensor.Tensor, appendKV bool) *tensor.Tensor {
	h := a.Heads
	q := splitHeads(a.Q.Forward(x), h)
	var k, v *tensor.Tensor
	switch {
	case ck != nil && !appendKV && *ck != nil:
		k, v = *ck, *cv
	default:
		k, v = splitHeads(a.K.Forward(kv), h), splitHeads(a.V.Forward(kv), h)
		if ck != nil {
			if appendKV && *ck != nil {
				k, v = tensor.Concat(2, *ck, k), tensor.Concat(2, *cv, v)
			}
			*ck, *cv = k.Detach(), v.Detach()
		}
	}
	return a.O.Forward(attend(q, k, v, bias, 1, a.Dropout))
}

// Encode returns the encoder output (n, s, DModel) of src, n sequences of
// length s in row-major order; ids equal to PadID are masked as keys.
func (m *T5) Encode(src []int, n, s int) *tensor.Tensor {
	c := m.Config
	checkIDs("models.T5.Encode", src, n, s, c.VocabSize)
	e := m.Encoder
	x := e.Dropout.Forward(m.Shared.Forward(src, n, s))
	bias := addBias(e.Blocks[0].SelfAttn.SelfAttention.positionBias(s, s, true, c), paddingBias(src, n, s, c.PadID))
	for _, b := range e.Blocks {
		sa := b.SelfAttn
		y := sa.LayerNorm.Forward(x)
		x = x.Add(sa.Dropout.Forward(sa.SelfAttention.forward(y, y, bias, nil, nil, false)))
		x = b.FF.forward(x)
	}
	return e.Dropout.Forward(e.FinalLayerNorm.Forward(x))
}

func (f *T5FF) forward(x *tensor.Tensor) *tensor.Tensor {
	y := f.Wo.Forward(f.Inner.Forward(f.Wi.Forward(f.LayerNorm.Forward(x)).ReLU()))
	return x.Add(f.Dropout.Forward(y))
}

// decode returns the logits (n, t, VocabSize) of decoder inputs dec
// attending to the encoder output enc of src; with cache, dec continues
// the cached positions.
func (m *T5) decode(dec []int, n, t int, enc *tensor.Tensor, src []int, cache *t5Cache) *tensor.Tensor {
	return m.head(m.decodeHidden(dec, n, t, enc, src, cache))
}

// head maps the decoder's final hidden states (n, t, DModel) to logits (n,
// t, VocabSize): scaled by DModel^-0.5, then the LM head tied to the shared
// embedding.
func (m *T5) head(x *tensor.Tensor) *tensor.Tensor {
	x = x.MulScalar(float32(1 / math.Sqrt(float64(m.Config.DModel))))
	return tensor.Linear(x, m.Shared.Weight, nil)
}

// decodeHidden is decode without the LM head: it returns the decoder's
// final hidden states (n, t, DModel), after its final RMSNorm and dropout.
func (m *T5) decodeHidden(dec []int, n, t int, enc *tensor.Tensor, src []int, cache *t5Cache) *tensor.Tensor {
	c := m.Config
	checkIDs("models.T5.Forward (decoder ids)", dec, n, t, c.VocabSize)
	d := m.Decoder
	p0 := 0
	if cache != nil {
		p0 = cache.n
	}
	x := d.Dropout.Forward(m.Shared.Forward(dec, n, t))
	selfBias := d.Blocks[0].SelfAttn.SelfAttention.positionBias(t, p0+t, false, c).Add(causalBias(t, p0+t))
	crossBias := paddingBias(src, n, enc.Dim(1), c.PadID)
	for i, b := range d.Blocks {
		var k, v, ck, cv **tensor.Tensor
		if cache != nil {
			k, v, ck, cv = &cache.k[i], &cache.v[i], &cache.ck[i], &cache.cv[i]
		}
		sa, ca := b.SelfAttn, b.CrossAttn
		y := sa.LayerNorm.Forward(x)
		x = x.Add(sa.Dropout.Forward(sa.SelfAttention.forward(y, y, selfBias, k, v, true)))
		x = x.Add(ca.Dropout.Forward(ca.EncDecAttention.forward(ca.LayerNorm.Forward(x), enc, crossBias, ck, cv, false)))
		x = b.FF.forward(x)
	}
	if cache != nil {
		cache.n += t
	}
	return d.Dropout.Forward(d.FinalLayerNorm.Forward(x))
}

// Forward returns the logits (n, t, VocabSize) of the decoder inputs dec
// (n sequences of length t) given the source src (n sequences of length
// s).
func (m *T5) Forward(src []int, n, s int, dec []int, t int) *tensor.Tensor {
	return m.decode(dec, n, t, m.Encode(src, n, s), src, nil)
}

// ShiftRight returns the decoder inputs for labels (n sequences of length
// t): DecoderStartID followed by each sequence's labels but the last, with
// -100 replaced by PadID, as HF's T5 _shift_right.
func (m *T5) ShiftRight(labels []int, n, t int) []int {
	out := make([]int, n*t)
	for b := range n {
		out[b*t] = m.Config.DecoderStartID
		for i := 1; i < t; i++ {
			v := labels[b*t+i-1]
			if v == ignoreIndex {
				v = m.Config.PadID
			}
			out[b*t+i] = v
		}
	}
	return out
}

// Loss returns the teacher-forced mean cross-entropy of labels (n
// sequences of length t; -100 is ignored) given src (n sequences of length
// s); the decoder inputs are ShiftRight(labels).
func (m *T5) Loss(src []int, n, s int, labels []int, t int) *tensor.Tensor {
	if len(labels) != n*t {
		panic(fmt.Sprintf("models.T5.Loss: %d labels for batch %d × length %d", len(labels), n, t))
	}
	logits := m.Forward(src, n, s, m.ShiftRight(labels, n, t), t)
	return nn.CrossEntropy(logits.Reshape(n*t, -1), labels, nn.WithIgnoreIndex(ignoreIndex))
}

// Generate greedily decodes up to maxNew tokens for one source sequence,
// stopping after EOSID, and returns them (without the start token). The
// encoder runs once; the decoder caches its keys and values so each step
// processes one token. Call nn.SetTraining(m, false) first to switch
// dropout off.
func (m *T5) Generate(src []int, maxNew int) []int {
	return m.generate(src, maxNew, true)
}

// generate is Generate, optionally without the cache (rerunning the
// decoder over the whole prefix at every step).
func (m *T5) generate(src []int, maxNew int, cached bool) []int {
	enc := m.Encode(src, 1, len(src))
	var cache *t5Cache
	if cached {
		nb := len(m.Decoder.Blocks)
		cache = &t5Cache{k: make([]*tensor.Tensor, nb), v: make([]*tensor.Tensor, nb), ck: make([]*tensor.Tensor, nb), cv: make([]*tensor.Tensor, nb)}
	}
	dec := []int{m.Config.DecoderStartID}
	feed := dec
	var out []int
	for range maxNew {
		var logits *tensor.Tensor
		if cached {
			logits = m.decode(feed, 1, len(feed), enc, src, cache)
		} else {
			logits = m.decode(dec, 1, len(dec), enc, src, nil)
		}
		tok := Greedy(logits.Narrow(1, logits.Dim(1)-1, 1).Data(), nil)
		out = append(out, tok)
		dec = append(dec, tok)
		feed = []int{tok}
		if tok == m.Config.EOSID {
			break
		}
	}
	return out
}
