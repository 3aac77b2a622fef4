package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// ignoreIndex is the label that losses skip (PyTorch's and HF's -100).
const ignoreIndex = -100

// newLinear returns a Linear layer (out, in) with weights drawn from
// N(0, std²) and, with bias, a zero bias.
func newLinear(rng *rand.Rand, in, out int, std float64, bias bool) *nn.Linear {
	l := &nn.Linear{Weight: tensor.Normal(rng, 0, float32(std), out, in).SetRequiresGrad(true)}
	if bias {
		l.Bias = tensor.Zeros(out).SetRequiresGrad(true)
	}
	return l
}

// newEmbedding returns an n×dim embedding drawn from N(0, std²), with the
// row at pad (if not negative) zeroed and excluded from the gradient.
func newEmbedding(rng *rand.Rand, n, dim int, std float64, pad int) *nn.Embedding {
	w := tensor.Normal(rng, 0, float32(std), n, dim)
	if pad >= 0 {
		clear(w.Data()[pad*dim : (pad+1)*dim])
	}
	return &nn.Embedding{Weight: w.SetRequiresGrad(true), PaddingIdx: pad}
}

// newLayerNorm is nn.NewLayerNorm with the given eps.
func newLayerNorm(dim int, eps float64) *nn.LayerNorm {
	l := nn.NewLayerNorm(dim)
	l.Eps = eps
	return l
}

// splitHeads reshapes (n, l, h·d) to (n, h, l, d).
func splitHeads(x *tensor.Tensor, h int) *tensor.Tensor {
	n, l, e := x.Dim(0), x.Dim(1), x.Dim(2)
	return x.Reshape(n, l, h, e/h).Permute(0, 2, 1, 3)
}

// mergeHeads reshapes (n, h, l, d) to (n, l, h·d).
func mergeHeads(x *tensor.Tensor) *tensor.Tensor {
	n, h, l, d := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	return x.Permute(0, 2, 1, 3).Reshape(n, l, h*d)
}

// attend returns softmax(scale·q·kᵀ + bias)·v with its heads merged: q is
// (n, h, l, d), k and v (n, h, s, d), bias nil or broadcastable to (n, h,
// l, s); drop (nil for none) applies to the attention weights.
func attend(q, k, v, bias *tensor.Tensor, scale float32, drop *nn.Dropout) *tensor.Tensor {
	s := q.MatMul(k.Transpose(2, 3))
	if scale != 1 {
		s = s.MulScalar(scale)
	}
	if bias != nil {
		s = s.Add(bias)
	}
	w := s.Softmax(-1)
	if drop != nil {
		w = drop.Forward(w)
	}
	return mergeHeads(w.MatMul(v))
}

// paddingBias returns the (n, 1, 1, s) additive mask that is -Inf at the
// keys whose id is pad, or nil if no id is pad.
func paddingBias(ids []int, n, s, pad int) *tensor.Tensor {
	m := tensor.Zeros(n, 1, 1, s)
	md := m.Data()
	found := false
	for i, id := range ids {
		if id == pad {
			md[i] = float32(math.Inf(-1))
			found = true
		}
	}
	if !found {
		return nil
	}
	return m
}

// causalBias returns the (1, 1, l, s) additive mask that lets query i,
// at absolute position s-l+i, see keys 0..s-l+i.
func causalBias(l, s int) *tensor.Tensor {
	m := tensor.Zeros(1, 1, l, s)
	md := m.Data()
	off := s - l
	for i := range l {
		for j := off + i + 1; j < s; j++ {
			md[i*s+j] = float32(math.Inf(-1))
		}
	}
	return m
}

// addBias adds two optional masks.
func addBias(a, b *tensor.Tensor) *tensor.Tensor {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return a.Add(b)
}

// checkIDs panics unless ids has n·t entries in [0, vocab).
func checkIDs(op string, ids []int, n, t, vocab int) {
	if n <= 0 || t <= 0 || len(ids) != n*t {
		panic(fmt.Sprintf("%s: %d ids for batch %d × length %d", op, len(ids), n, t))
	}
	for i, id := range ids {
		if id < 0 || id >= vocab {
			panic(fmt.Sprintf("%s: id %d at %d outside [0, %d)", op, id, i, vocab))
		}
	}
}

// Sampler picks the next token from the logits of the last position.
type Sampler func(logits []float32, rng *rand.Rand) int

// Greedy is the Sampler that picks the largest logit (the first on ties).
func Greedy(logits []float32, _ *rand.Rand) int {
	best := 0
	for i, v := range logits {
		if v > logits[best] {
			best = i
		}
	}
	return best
}

// Temperature returns a Sampler that draws from softmax(logits/temp). It
// panics if temp is not positive.
func Temperature(temp float64) Sampler {
	if !(temp > 0) {
		panic(fmt.Sprintf("models.Temperature: temperature %v, want > 0", temp))
	}
	return func(logits []float32, rng *rand.Rand) int {
		mx := math.Inf(-1)
		for _, v := range logits {
			mx = math.Max(mx, float64(v))
		}
		p := make([]float64, len(logits))
		var sum float64
		for i, v := range logits {
			p[i] = math.Exp((float64(v) - mx) / temp)
			sum += p[i]
		}
		u := rng.Float64() * sum
		for i, pi := range p {
			u -= pi
			if u < 0 {
				return i
			}
		}
		return len(p) - 1
	}
}
