package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cairn-ml/cairn/tensor"
)

// MultiHeadAttention is torch.nn.MultiheadAttention with query, key and
// value of the same embedding size (kdim = vdim = embed_dim, no
// add_bias_kv, no add_zero_attn). Its state has PyTorch's names:
// in_proj_weight (3E, E) holding the query, key and value projections
// stacked in that order, in_proj_bias (3E), out_proj.weight (E, E) and
// out_proj.bias (E).
//
// Dropout on the attention weights is applied in training mode only, with
// masks drawn from the *rand.Rand given to the constructor; like every
// PyTorch module the layer starts in training mode, and SetTraining(false)
// (or nn.SetTraining(model, false)) switches dropout off.
//
// A query row whose keys are all masked gets all-zero attention weights
// and an output equal to out_proj's bias, where PyTorch produces NaN
// (tensor.Softmax returns zeros for a line that is entirely -Inf).
type MultiHeadAttention struct {
	InProjWeight *tensor.Tensor // (3E, E): W_q, W_k, W_v stacked
	InProjBias   *tensor.Tensor // (3E), or nil without bias
	OutProj      *Linear        `cairn:"out_proj"`

	EmbedDim   int     `cairn:"-"`
	NumHeads   int     `cairn:"-"`
	DropoutP   float64 `cairn:"-"` // dropout probability on the attention weights
	BatchFirst bool    `cairn:"-"` // inputs are (N, L, E) rather than (L, N, E)

	rng  *rand.Rand // draws the dropout masks
	eval bool       // evaluation mode; the zero value is training mode, as in PyTorch
}

var _ Trainer = (*MultiHeadAttention)(nil)

// AttentionOptions are the optional arguments of MultiHeadAttention's
// Forward. The zero value attends everywhere and returns no weights.
type AttentionOptions struct {
	// KeyPaddingMask, of shape (N, S) ((S) for unbatched input), marks the
	// keys to ignore with a nonzero value: PyTorch's boolean
	// key_padding_mask, where True means padding.
	KeyPaddingMask *tensor.Tensor
	// AttnMask, of shape (L, S) or (N·numHeads, L, S), is PyTorch's
	// attn_mask. It is added to the attention scores (a float mask; -Inf
	// forbids a position) unless BoolMask is set.
	AttnMask *tensor.Tensor
	// BoolMask says AttnMask is boolean: a nonzero entry forbids the
	// position, as True does in a PyTorch bool mask.
	BoolMask bool
	// Causal forbids query i to attend to key j > i, as an attn_mask from
	// Transformer.generate_square_subsequent_mask would; it combines with
	// AttnMask if both are given.
	Causal bool
	// NeedWeights asks Forward to return the attention weights (after
	// dropout, as PyTorch).
	NeedWeights bool
	// PerHeadWeights returns the weights of every head, (N, numHeads, L,
	// S), instead of their average over heads, (N, L, S); PyTorch's
	// average_attn_weights=False.
	PerHeadWeights bool
}

// NewMultiHeadAttention returns a multi-head attention layer over
// embeddings of size embedDim split into numHeads heads, as
// torch.nn.MultiheadAttention(embedDim, numHeads, dropout, bias,
// batch_first=batchFirst), initialised as PyTorch does: in_proj_weight
// from xavier_uniform_, out_proj.weight from Linear's default
// (kaiming_uniform_ with a = sqrt(5)), and both biases zero. Dropout masks
// on the attention weights are drawn from rng. It panics if embedDim is
// not a positive multiple of numHeads or dropout is outside [0, 1].
func NewMultiHeadAttention(rng *rand.Rand, embedDim, numHeads int, dropout float64, bias, batchFirst bool) *MultiHeadAttention {
	if numHeads <= 0 || embedDim <= 0 || embedDim%numHeads != 0 {
		panic(fmt.Sprintf("nn.NewMultiHeadAttention: embedDim %d must be a positive multiple of numHeads %d", embedDim, numHeads))
	}
	if !(dropout >= 0 && dropout <= 1) {
		panic(fmt.Sprintf("nn.NewMultiHeadAttention: dropout %v outside [0, 1]", dropout))
	}
	m := &MultiHeadAttention{
		InProjWeight: param(XavierUniform(rng, 1, embedDim, 3*embedDim, 3*embedDim, embedDim)),
		EmbedDim:     embedDim,
		NumHeads:     numHeads,
		DropoutP:     dropout,
		BatchFirst:   batchFirst,
		rng:          rng,
	}
	if bias {
		m.InProjBias = param(tensor.Zeros(3 * embedDim))
		m.OutProj = NewLinear(rng, embedDim, embedDim)
		clear(m.OutProj.Bias.Data())
	} else {
		m.OutProj = NewLinearNoBias(rng, embedDim, embedDim)
	}
	return m
}

// SetTraining implements Trainer: attention-weight dropout is applied only
// in training mode.
func (m *MultiHeadAttention) SetTraining(on bool) { m.eval = !on }

// Training reports whether m is in training mode.
func (m *MultiHeadAttention) Training() bool { return !m.eval }

// Forward computes multi-head attention of query over key and value, as
// MultiheadAttention.forward. With BatchFirst the inputs are query (N, L,
// E), key and value (N, S, E); otherwise (L, N, E) and (S, N, E); 2-D
// inputs (L, E) and (S, E) are one unbatched sequence. It returns the
// output, shaped like query, and, if opts.NeedWeights, the attention
// weights (N, L, S) averaged over heads (or per head, see
// AttentionOptions; without the N for unbatched input), else nil.
//
// When query, key and value are the same tensor (self-attention) the
// three input projections are computed by one matrix product.
func (m *MultiHeadAttention) Forward(query, key, value *tensor.Tensor, opts AttentionOptions) (out, weights *tensor.Tensor) {
	const op = "nn.MultiHeadAttention.Forward"
	e, h := m.EmbedDim, m.NumHeads
	if h <= 0 || e%h != 0 {
		panic(fmt.Sprintf("%s: embedDim %d is not a multiple of numHeads %d", op, e, h))
	}
	nd := query.NDim()
	if (nd != 2 && nd != 3) || key.NDim() != nd || value.NDim() != nd {
		panic(fmt.Sprintf("%s: query, key and value must all be 2-D or all 3-D, got shapes %v, %v, %v", op, query.Shape(), key.Shape(), value.Shape()))
	}
	if !slices.Equal(key.Shape(), value.Shape()) {
		panic(fmt.Sprintf("%s: key shape %v differs from value shape %v", op, key.Shape(), value.Shape()))
	}
	if query.Dim(-1) != e || key.Dim(-1) != e {
		panic(fmt.Sprintf("%s: embedding size %d expected, got query %v and key %v", op, e, query.Shape(), key.Shape()))
	}
	batched, bf := nd == 3, m.BatchFirst || nd == 2
	selfAttn := query == key && key == value
	kpm := opts.KeyPaddingMask
	if !batched {
		query, key, value = query.Unsqueeze(0), key.Unsqueeze(0), value.Unsqueeze(0)
	}
	// Sizes: batch n, target length l, source length s.
	var n, l, s int
	if bf {
		n, l, s = query.Dim(0), query.Dim(1), key.Dim(1)
		if key.Dim(0) != n {
			panic(fmt.Sprintf("%s: batch sizes of query %v and key %v differ (batch first)", op, query.Shape(), key.Shape()))
		}
	} else {
		l, n, s = query.Dim(0), query.Dim(1), key.Dim(0)
		if key.Dim(1) != n {
			panic(fmt.Sprintf("%s: batch sizes of query %v and key %v differ (sequence first)", op, query.Shape(), key.Shape()))
		}
	}
	if kpm != nil {
		want := []int{n, s}
		if !batched {
			want = []int{s}
		}
		if !slices.Equal(kpm.Shape(), want) {
			panic(fmt.Sprintf("%s: key padding mask shape %v, want %v", op, kpm.Shape(), want))
		}
	}
	if am := opts.AttnMask; am != nil {
		if !slices.Equal(am.Shape(), []int{l, s}) && !slices.Equal(am.Shape(), []int{n * h, l, s}) {
			panic(fmt.Sprintf("%s: attention mask shape %v, want [%d %d] or [%d %d %d]", op, am.Shape(), l, s, n*h, l, s))
		}
	}

	q, k, v := m.project(query, key, value, selfAttn, n, l, s, bf)

	scores := q.MatMul(k) // (n, h, l, s)
	if mask := attnMask(opts, n, h, l, s); mask != nil {
		scores = scores.Add(mask)
	}
	w := scores.Softmax(-1)
	if !m.eval && m.DropoutP > 0 {
		if m.rng == nil {
			panic(op + ": attention dropout in training mode needs the *rand.Rand of NewMultiHeadAttention (for a layer built as a struct literal, set DropoutP to 0 or call SetTraining(false))")
		}
		w = (&Dropout{P: m.DropoutP, rng: m.rng, training: true}).Forward(w)
	}
	y := w.MatMul(v) // (n, h, l, d)
	if bf {
		y = y.Permute(0, 2, 1, 3).Reshape(n, l, e)
	} else {
		y = y.Permute(2, 0, 1, 3).Reshape(l, n, e)
	}
	out = m.OutProj.Forward(y)
	if opts.NeedWeights {
		weights = w
		if !opts.PerHeadWeights {
			weights = w.Sum(1, false).Div(tensor.Scalar(float32(h)))
		}
	}
	if !batched {
		out = out.Squeeze(0)
		if weights != nil {
			weights = weights.Squeeze(0)
		}
	}
	return out, weights
}

// project applies the input projections and splits the heads: q (n, h,
// l, d) already scaled by 1/sqrt(d), k transposed to (n, h, d, s) and v
// (n, h, s, d). The scale is folded into the query rows of the projection
// weight and bias (3E² multiplications instead of n·l·E), which changes
// only the rounding. For self-attention one matrix product computes q, k
// and v together, as PyTorch's _in_projection_packed; otherwise each has
// its own.
func (m *MultiHeadAttention) project(query, key, value *tensor.Tensor, selfAttn bool, n, l, s int, bf bool) (q, k, v *tensor.Tensor) {
	e, h := m.EmbedDim, m.NumHeads
	d := e / h
	w, b := m.InProjWeight, m.InProjBias
	if !slices.Equal(w.Shape(), []int{3 * e, e}) || (b != nil && !slices.Equal(b.Shape(), []int{3 * e})) {
		var bs []int
		if b != nil {
			bs = b.Shape()
		}
		panic(fmt.Sprintf("nn.MultiHeadAttention.Forward: in_proj_weight %v and in_proj_bias %v do not fit embedDim %d", w.Shape(), bs, e))
	}
	// heads reshapes a projection, (n, len, e) batch first or (len, n, e),
	// to (n, h, len, d), or with keyT to (n, h, d, len).
	heads := func(x *tensor.Tensor, ln int, keyT bool) *tensor.Tensor {
		if bf {
			x = x.Reshape(n, ln, h, d)
			if keyT {
				return x.Permute(0, 2, 3, 1)
			}
			return x.Permute(0, 2, 1, 3)
		}
		x = x.Reshape(ln, n, h, d)
		if keyT {
			return x.Permute(1, 2, 3, 0)
		}
		return x.Permute(1, 2, 0, 3)
	}
	// The query rows of W and b times 1/sqrt(d), the rest times 1.
	scale := tensor.Ones(3*e, 1)
	sd := scale.Data()
	for i := range e {
		sd[i] = float32(1 / math.Sqrt(float64(d)))
	}
	ws := w.Mul(scale)
	var bs *tensor.Tensor
	if b != nil {
		bs = b.Mul(scale.Reshape(3 * e))
	}
	if selfAttn {
		qkv := tensor.Linear(query, ws, bs).Split(-1, e, e, e)
		return heads(qkv[0], l, false), heads(qkv[1], s, true), heads(qkv[2], s, false)
	}
	part := func(t *tensor.Tensor, i int) *tensor.Tensor {
		if t == nil {
			return nil
		}
		return t.Narrow(0, i*e, e)
	}
	q = heads(tensor.Linear(query, part(ws, 0), part(bs, 0)), l, false)
	k = heads(tensor.Linear(key, part(ws, 1), part(bs, 1)), s, true)
	v = heads(tensor.Linear(value, part(ws, 2), part(bs, 2)), s, false)
	return q, k, v
}

// attnMask merges the masks of opts into one additive mask that
// broadcasts against scores of shape (n, h, l, s), or returns nil if there
// is nothing to mask. As PyTorch, a padded key is -Inf whatever a float
// attention mask says there.
func attnMask(opts AttentionOptions, n, h, l, s int) *tensor.Tensor {
	am, kpm := opts.AttnMask, opts.KeyPaddingMask
	if am == nil && kpm == nil && !opts.Causal {
		return nil
	}
	mn, mh := 1, 1
	if kpm != nil {
		mn = n
	}
	if am != nil && am.NDim() == 3 {
		mn, mh = n, h
	}
	mask := tensor.Zeros(mn, mh, l, s)
	md := mask.Data()
	inf := float32(math.Inf(-1))
	for bi := range mn {
		for hi := range mh {
			blk := md[(bi*mh+hi)*l*s : (bi*mh+hi+1)*l*s]
			if am != nil {
				src := am.Data()
				if am.NDim() == 3 {
					src = src[(bi*h+hi)*l*s:]
				}
				if opts.BoolMask {
					for i := range blk {
						if src[i] != 0 {
							blk[i] = inf
						}
					}
				} else {
					copy(blk, src[:l*s])
				}
			}
			if opts.Causal {
				for i := range l {
					for j := i + 1; j < s; j++ {
						blk[i*s+j] = inf
					}
				}
			}
			if kpm != nil {
				pad := kpm.Data()[bi*s : (bi+1)*s]
				for i := range l {
					for j, p := range pad {
						if p != 0 {
							blk[i*s+j] = inf
						}
					}
				}
			}
		}
	}
	return mask
}

// CausalMask returns the (n, n) additive mask that stops position i from
// attending to positions j > i: 0 on and below the diagonal, -Inf above,
// as torch.nn.Transformer.generate_square_subsequent_mask(n).
func CausalMask(n int) *tensor.Tensor {
	m := tensor.Zeros(n, n)
	md := m.Data()
	inf := float32(math.Inf(-1))
	for i := range n {
		for j := i + 1; j < n; j++ {
			md[i*n+j] = inf
		}
	}
	return m
}

// AdditiveMask turns a boolean mask (nonzero = masked, PyTorch's True)
// into the equivalent additive float mask: -Inf where mask is nonzero, 0
// elsewhere. Transformer layers take their attention masks in this form.
func AdditiveMask(mask *tensor.Tensor) *tensor.Tensor {
	out := tensor.Zeros(mask.Shape()...)
	od := out.Data()
	inf := float32(math.Inf(-1))
	for i, v := range mask.Data() {
		if v != 0 {
			od[i] = inf
		}
	}
	return out
}
