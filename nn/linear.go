package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/tensor"
)

// Linear applies y = x·Wᵀ + b to the last dimension of its input, as
// torch.nn.Linear: Weight has shape (out, in), Bias (out) or nil.
type Linear struct {
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
}

// NewLinear returns a Linear layer from in to out features with a bias,
// initialised as PyTorch does: weight and bias from U(-1/sqrt(in), 1/sqrt(in)).
func NewLinear(rng *rand.Rand, in, out int) *Linear {
	l := NewLinearNoBias(rng, in, out)
	l.Bias = param(UniformInit(rng, 1/math.Sqrt(float64(in)), out))
	return l
}

// NewLinearNoBias is NewLinear without a bias (bias=False).
func NewLinearNoBias(rng *rand.Rand, in, out int) *Linear {
	return &Linear{Weight: param(KaimingUniform(rng, math.Sqrt(5), in, out, in))}
}

// Forward maps x of shape (..., in) to (..., out).
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Linear(x, l.Weight, l.Bias)
}

// Embedding maps integer ids to rows of Weight, as torch.nn.Embedding.
// The row at PaddingIdx (if not negative) starts at zero and receives no
// gradient.
type Embedding struct {
	Weight     *tensor.Tensor
	PaddingIdx int `cairn:"-"`
}

// NewEmbedding returns an embedding table of n vectors of size dim drawn
// from N(0, 1), as PyTorch does. paddingIdx < 0 means no padding row.
func NewEmbedding(rng *rand.Rand, n, dim, paddingIdx int) *Embedding {
	w := tensor.Randn(rng, n, dim)
	if paddingIdx >= n {
		panic(fmt.Sprintf("nn.NewEmbedding: padding index %d out of range for %d embeddings", paddingIdx, n))
	}
	if paddingIdx >= 0 {
		clear(w.Data()[paddingIdx*dim : (paddingIdx+1)*dim])
	}
	return &Embedding{Weight: param(w), PaddingIdx: paddingIdx}
}

// Forward looks up ids, laid out in row-major order with the given shape
// (one id per element), and returns a tensor of shape (shape..., dim).
func (e *Embedding) Forward(ids []int, shape ...int) *tensor.Tensor {
	if len(shape) == 0 {
		shape = []int{len(ids)}
	}
	out := e.Weight.IndexSelect(0, ids)
	if e.PaddingIdx >= 0 && e.Weight.RequiresGrad() {
		// Stop the gradient at padding positions: multiply by a 0/1 mask,
		// which leaves the values (the padding row) unchanged.
		mask := tensor.Ones(len(ids), 1)
		pad := false
		for i, id := range ids {
			if id == e.PaddingIdx {
				mask.Data()[i] = 0
				pad = true
			}
		}
		if pad {
			out = tensor.Where(mask, out, out.Detach())
		}
	}
	return out.Reshape(append(append([]int(nil), shape...), e.Weight.Dim(1))...)
}
