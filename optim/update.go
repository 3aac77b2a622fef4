package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/cairn-ml/cairn/tensor"
)

// ErrNonFinite is wrapped by Update's error when the loss or the gradient
// norm is NaN or infinite: training diverged, and no step was taken.
var ErrNonFinite = errors.New("optim: non-finite loss or gradient")

// Update takes one training step on loss, a scalar: it drops the old
// gradients, back-propagates, clips the global gradient norm to maxNorm
// when maxNorm > 0 (ClipGradNorm), and steps opt. It returns the loss's
// value. A NaN or infinite loss, or gradient norm, is an error wrapping
// ErrNonFinite, and then the parameters are left as they were.
//
// It is the body of most training loops:
//
//	l, err := optim.Update(opt, loss, 1)
//	if err != nil {
//		return fmt.Errorf("step %d: %w", step, err)
//	}
func Update(opt Optimizer, loss *tensor.Tensor, maxNorm float64) (float64, error) {
	l := float64(loss.Item())
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return l, fmt.Errorf("%w: loss %v", ErrNonFinite, l)
	}
	opt.ZeroGrad()
	loss.Backward()
	if maxNorm > 0 {
		if n := ClipGradNorm(opt.Params(), maxNorm); math.IsNaN(n) || math.IsInf(n, 0) {
			opt.ZeroGrad()
			return l, fmt.Errorf("%w: gradient norm %v", ErrNonFinite, n)
		}
	}
	opt.Step()
	return l, nil
}
