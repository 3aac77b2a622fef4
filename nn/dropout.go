package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/tensor"
)

// Dropout zeroes each element with probability P during training and
// scales the rest by 1/(1-P), as torch.nn.Dropout; in evaluation mode it
// passes its input through. It starts in training mode, as PyTorch modules
// do; SetTraining(model, false) switches it off.
type Dropout struct {
	P        float64
	rng      *rand.Rand
	training bool
}

// NewDropout returns a Dropout layer that draws its masks from rng.
func NewDropout(rng *rand.Rand, p float64) *Dropout {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf("nn.NewDropout: probability %v outside [0, 1]", p))
	}
	return &Dropout{P: p, rng: rng, training: true}
}

// SetTraining implements Trainer.
func (d *Dropout) SetTraining(on bool) { d.training = on }

// Training reports whether d is in training mode.
func (d *Dropout) Training() bool { return d.training }

// Forward applies dropout to x. Each element is dropped when a 32-bit draw
// from the layer's rng falls below P·2³², one draw per element in
// row-major order, so the same seed drops the same elements.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if !d.training || d.P == 0 {
		return x
	}
	n := x.Size()
	out := tensor.Zeros(x.Shape()...)
	if d.P >= 1 {
		return tensor.Custom(out, func(g *tensor.Tensor) []*tensor.Tensor {
			return []*tensor.Tensor{tensor.Zeros(x.Shape()...)}
		}, x)
	}
	keep := float32(1 / (1 - d.P))
	threshold := uint32(math.Min(d.P*(1<<32), math.MaxUint32))
	kept := make([]bool, n)
	xs, os := x.Data(), out.Data()
	for i := range os {
		if d.rng.Uint32() >= threshold {
			kept[i] = true
			os[i] = xs[i] * keep
		}
	}
	return tensor.Custom(out, func(g *tensor.Tensor) []*tensor.Tensor {
		gx := tensor.Zeros(x.Shape()...)
		gs, gd := g.Data(), gx.Data()
		for i, k := range kept {
			if k {
				gd[i] = gs[i] * keep
			}
		}
		return []*tensor.Tensor{gx}
	}, x)
}
