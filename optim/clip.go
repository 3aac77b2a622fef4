package optim

import (
	"math"

	"github.com/cairn-ml/cairn/tensor"
)

// ClipGradNorm rescales the gradients of params in place so that their
// global L2 norm (of all gradients together, as if concatenated) is at
// most maxNorm, and returns the norm before clipping, as
// torch.nn.utils.clip_grad_norm_(params, maxNorm): every gradient is
// multiplied by the coefficient maxNorm/(total+1e-6) when it is below 1,
// that is when the total norm exceeds maxNorm (or comes within 1e-6 of it,
// as in PyTorch).
// Parameters without a gradient are skipped; with none at all the norm is
// 0. The norm is accumulated in float64, so float32 gradients cannot
// overflow it.
//
// When the total norm is NaN or infinite, ClipGradNorm returns it and
// leaves the gradients unchanged, so the caller can test the result and
// skip the step. PyTorch (error_if_nonfinite=False) instead multiplies the
// gradients by the non-finite coefficient, turning them into NaN or 0.
// ClipGradNorm panics if maxNorm is negative or NaN.
func ClipGradNorm(params []*tensor.Tensor, maxNorm float64) float64 {
	if !(maxNorm >= 0) {
		panic("optim.ClipGradNorm: invalid maxNorm " + ftoa(maxNorm))
	}
	var sum float64
	for _, p := range params {
		if g := p.Grad(); g != nil {
			sum += sumSquares(g.Data())
		}
	}
	total := math.Sqrt(sum)
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return total
	}
	coef := float32(maxNorm / (total + 1e-6))
	if coef >= 1 {
		return total
	}
	for _, p := range params {
		if g := p.Grad(); g != nil {
			d := g.Data()
			for j := range d {
				d[j] *= coef
			}
		}
	}
	return total
}

// sumSquares returns the sum of the squares of x in float64, with four
// accumulators (a fixed order, so the same bits every time) to keep the
// additions from waiting on one another.
func sumSquares(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		a, b, c, d := float64(v[0]), float64(v[1]), float64(v[2]), float64(v[3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += d * d
	}
	for ; i < len(x); i++ {
		v := float64(x[i])
		s0 += v * v
	}
	return (s0 + s1) + (s2 + s3)
}
