package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/tensor"
)

// TransformerEncoderLayer is torch.nn.TransformerEncoderLayer: self-attention
// and a feed-forward network (linear1, activation, dropout, linear2), each
// with a residual connection and LayerNorm, after the block (post-norm,
// the default) or before it (NormFirst, pre-norm). Its state has PyTorch's
// names (self_attn.in_proj_weight, linear1.weight, norm1.bias, ...); the
// dropout layers have none.
//
// Like every PyTorch module it starts in training mode, where dropout is
// active; nn.SetTraining(layer, false) switches to evaluation.
type TransformerEncoderLayer struct {
	SelfAttn *MultiHeadAttention `cairn:"self_attn"`
	Linear1  *Linear             `cairn:"linear1"`
	Dropout  *Dropout            `cairn:"dropout"`
	Linear2  *Linear             `cairn:"linear2"`
	Norm1    *LayerNorm          `cairn:"norm1"`
	Norm2    *LayerNorm          `cairn:"norm2"`
	Dropout1 *Dropout            `cairn:"dropout1"`
	Dropout2 *Dropout            `cairn:"dropout2"`

	// Activation is applied between linear1 and linear2 (ReLU or GELU
	// from the constructor; any function may be set).
	Activation func(*tensor.Tensor) *tensor.Tensor `cairn:"-"`
	// NormFirst applies LayerNorm before each block (pre-norm).
	NormFirst bool `cairn:"-"`
}

// NewTransformerEncoderLayer returns an encoder layer as
// torch.nn.TransformerEncoderLayer(dModel, nHead, dimFeedforward, dropout,
// activation, layerNormEps, batchFirst, normFirst), with PyTorch's
// initialisation (see NewMultiHeadAttention, NewLinear, NewLayerNorm).
// activation is "relu" or "gelu" (exact GELU, PyTorch's default). rng
// initialises the weights and draws every dropout mask. It panics on an
// unknown activation, a dModel that nHead does not divide, or a dropout
// outside [0, 1].
func NewTransformerEncoderLayer(rng *rand.Rand, dModel, nHead, dimFeedforward int, dropout float64, activation string, layerNormEps float64, batchFirst, normFirst bool) *TransformerEncoderLayer {
	act := activationFunc("nn.NewTransformerEncoderLayer", activation)
	l := &TransformerEncoderLayer{
		SelfAttn:   NewMultiHeadAttention(rng, dModel, nHead, dropout, true, batchFirst),
		Linear1:    NewLinear(rng, dModel, dimFeedforward),
		Dropout:    NewDropout(rng, dropout),
		Linear2:    NewLinear(rng, dimFeedforward, dModel),
		Norm1:      NewLayerNorm(dModel),
		Norm2:      NewLayerNorm(dModel),
		Dropout1:   NewDropout(rng, dropout),
		Dropout2:   NewDropout(rng, dropout),
		Activation: act,
		NormFirst:  normFirst,
	}
	l.Norm1.Eps, l.Norm2.Eps = layerNormEps, layerNormEps
	return l
}

// Forward passes src through the layer, as TransformerEncoderLayer.forward.
// src is (N, S, E) if the attention is batch first, else (S, N, E), or
// (S, E) unbatched. srcMask, (S, S) or (N·nHead, S, S) or nil, is added to
// the attention scores: use CausalMask for a causal encoder and
// AdditiveMask to convert a boolean mask. srcKeyPaddingMask, (N, S) or
// nil, is nonzero at padding positions (PyTorch's True).
func (t *TransformerEncoderLayer) Forward(src, srcMask, srcKeyPaddingMask *tensor.Tensor) *tensor.Tensor {
	x := src
	if t.NormFirst {
		x = x.Add(t.saBlock(t.Norm1.Forward(x), srcMask, srcKeyPaddingMask))
		x = x.Add(t.ffBlock(t.Norm2.Forward(x)))
	} else {
		x = t.Norm1.Forward(x.Add(t.saBlock(x, srcMask, srcKeyPaddingMask)))
		x = t.Norm2.Forward(x.Add(t.ffBlock(x)))
	}
	return x
}

func (t *TransformerEncoderLayer) saBlock(x, mask, kpm *tensor.Tensor) *tensor.Tensor {
	y, _ := t.SelfAttn.Forward(x, x, x, AttentionOptions{AttnMask: mask, KeyPaddingMask: kpm})
	return maybeDrop(t.Dropout1, y)
}

func (t *TransformerEncoderLayer) ffBlock(x *tensor.Tensor) *tensor.Tensor {
	return maybeDrop(t.Dropout2, feedForward(x, t.Linear1, t.Linear2, t.Dropout, t.Activation))
}

// TransformerDecoderLayer is torch.nn.TransformerDecoderLayer: masked
// self-attention over the target, attention over the encoder's output
// (memory), and a feed-forward network, each with a residual connection
// and LayerNorm, post-norm by default or pre-norm with NormFirst. Its
// state has PyTorch's names (self_attn.*, multihead_attn.*, linear1.*,
// linear2.*, norm1.* to norm3.*).
//
// Like every PyTorch module it starts in training mode, where dropout is
// active; nn.SetTraining(layer, false) switches to evaluation.
type TransformerDecoderLayer struct {
	SelfAttn      *MultiHeadAttention `cairn:"self_attn"`
	MultiheadAttn *MultiHeadAttention `cairn:"multihead_attn"`
	Linear1       *Linear             `cairn:"linear1"`
	Dropout       *Dropout            `cairn:"dropout"`
	Linear2       *Linear             `cairn:"linear2"`
	Norm1         *LayerNorm          `cairn:"norm1"`
	Norm2         *LayerNorm          `cairn:"norm2"`
	Norm3         *LayerNorm          `cairn:"norm3"`
	Dropout1      *Dropout            `cairn:"dropout1"`
	Dropout2      *Dropout            `cairn:"dropout2"`
	Dropout3      *Dropout            `cairn:"dropout3"`

	// Activation is applied between linear1 and linear2.
	Activation func(*tensor.Tensor) *tensor.Tensor `cairn:"-"`
	// NormFirst applies LayerNorm before each block (pre-norm).
	NormFirst bool `cairn:"-"`
}

// NewTransformerDecoderLayer returns a decoder layer as
// torch.nn.TransformerDecoderLayer(dModel, nHead, dimFeedforward, dropout,
// activation, layerNormEps, batchFirst, normFirst), initialised as PyTorch
// does. activation is "relu" or "gelu". rng initialises the weights and
// draws every dropout mask. It panics on an unknown activation, a dModel
// that nHead does not divide, or a dropout outside [0, 1].
func NewTransformerDecoderLayer(rng *rand.Rand, dModel, nHead, dimFeedforward int, dropout float64, activation string, layerNormEps float64, batchFirst, normFirst bool) *TransformerDecoderLayer {
	act := activationFunc("nn.NewTransformerDecoderLayer", activation)
	l := &TransformerDecoderLayer{
		SelfAttn:      NewMultiHeadAttention(rng, dModel, nHead, dropout, true, batchFirst),
		MultiheadAttn: NewMultiHeadAttention(rng, dModel, nHead, dropout, true, batchFirst),
		Linear1:       NewLinear(rng, dModel, dimFeedforward),
		Dropout:       NewDropout(rng, dropout),
		Linear2:       NewLinear(rng, dimFeedforward, dModel),
		Norm1:         NewLayerNorm(dModel),
		Norm2:         NewLayerNorm(dModel),
		Norm3:         NewLayerNorm(dModel),
		Dropout1:      NewDropout(rng, dropout),
		Dropout2:      NewDropout(rng, dropout),
		Dropout3:      NewDropout(rng, dropout),
		Activation:    act,
		NormFirst:     normFirst,
	}
	l.Norm1.Eps, l.Norm2.Eps, l.Norm3.Eps = layerNormEps, layerNormEps, layerNormEps
	return l
}

// Forward passes tgt through the layer attending to memory, as
// TransformerDecoderLayer.forward. tgt is (N, T, E) if batch first, else
// (T, N, E); memory (N, S, E) or (S, N, E). tgtMask (T, T) and memoryMask
// (T, S) (or their (N·nHead, ...) forms) are additive float masks, nil for
// none: CausalMask(T) is the usual tgtMask. The key padding masks, (N, T)
// and (N, S), are nonzero at padding positions.
func (t *TransformerDecoderLayer) Forward(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask *tensor.Tensor) *tensor.Tensor {
	x := tgt
	if t.NormFirst {
		x = x.Add(t.saBlock(t.Norm1.Forward(x), tgtMask, tgtKeyPaddingMask))
		x = x.Add(t.mhaBlock(t.Norm2.Forward(x), memory, memoryMask, memoryKeyPaddingMask))
		x = x.Add(t.ffBlock(t.Norm3.Forward(x)))
	} else {
		x = t.Norm1.Forward(x.Add(t.saBlock(x, tgtMask, tgtKeyPaddingMask)))
		x = t.Norm2.Forward(x.Add(t.mhaBlock(x, memory, memoryMask, memoryKeyPaddingMask)))
		x = t.Norm3.Forward(x.Add(t.ffBlock(x)))
	}
	return x
}

func (t *TransformerDecoderLayer) saBlock(x, mask, kpm *tensor.Tensor) *tensor.Tensor {
	y, _ := t.SelfAttn.Forward(x, x, x, AttentionOptions{AttnMask: mask, KeyPaddingMask: kpm})
	return maybeDrop(t.Dropout1, y)
}

func (t *TransformerDecoderLayer) mhaBlock(x, mem, mask, kpm *tensor.Tensor) *tensor.Tensor {
	y, _ := t.MultiheadAttn.Forward(x, mem, mem, AttentionOptions{AttnMask: mask, KeyPaddingMask: kpm})
	return maybeDrop(t.Dropout2, y)
}

func (t *TransformerDecoderLayer) ffBlock(x *tensor.Tensor) *tensor.Tensor {
	return maybeDrop(t.Dropout3, feedForward(x, t.Linear1, t.Linear2, t.Dropout, t.Activation))
}

// feedForward is linear2(dropout(activation(linear1(x)))).
func feedForward(x *tensor.Tensor, l1, l2 *Linear, drop *Dropout, act func(*tensor.Tensor) *tensor.Tensor) *tensor.Tensor {
	if act == nil {
		act = (*tensor.Tensor).ReLU
	}
	return l2.Forward(maybeDrop(drop, act(l1.Forward(x))))
}

// activationFunc maps PyTorch's activation names to functions.
func activationFunc(op, name string) func(*tensor.Tensor) *tensor.Tensor {
	switch name {
	case "relu":
		return (*tensor.Tensor).ReLU
	case "gelu":
		return (*tensor.Tensor).GELU
	}
	panic(fmt.Sprintf("%s: activation %q, want \"relu\" or \"gelu\"", op, name))
}

// maybeDrop applies d to x, or passes x through if d is nil (a layer built
// as a struct literal without dropout).
func maybeDrop(d *Dropout, x *tensor.Tensor) *tensor.Tensor {
	if d == nil {
		return x
	}
	return d.Forward(x)
}
