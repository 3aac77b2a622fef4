package nn

import (
	"fmt"
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

// Forward applies dropout to x.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if !d.training || d.P == 0 {
		return x
	}
	mask := tensor.Zeros(x.Shape()...)
	if d.P < 1 {
		keep := float32(1 / (1 - d.P))
		m := mask.Data()
		for i := range m {
			if d.rng.Float64() >= d.P {
				m[i] = keep
			}
		}
	}
	return x.Mul(mask)
}
