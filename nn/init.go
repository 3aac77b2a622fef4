package nn

import (
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/tensor"
)

// The initialisers draw with an explicit *rand.Rand, so the same seed gives
// the same model. They follow torch.nn.init; layer constructors use them
// to match PyTorch's default initialisation of each layer.

// UniformInit returns a tensor of the given shape drawn from U(-bound, bound).
func UniformInit(rng *rand.Rand, bound float64, shape ...int) *tensor.Tensor {
	return tensor.Uniform(rng, float32(-bound), float32(bound), shape...)
}

// KaimingUniform draws from U(-b, b) with b = gain·sqrt(3/fan_in) and gain =
// sqrt(2/(1+a²)), torch.nn.init.kaiming_uniform_ in fan_in mode with a
// leaky_relu gain. PyTorch's Linear and Conv layers use a = sqrt(5), which
// gives b = 1/sqrt(fan_in).
func KaimingUniform(rng *rand.Rand, a float64, fanIn int, shape ...int) *tensor.Tensor {
	gain := math.Sqrt(2 / (1 + a*a))
	return UniformInit(rng, gain*math.Sqrt(3/float64(fanIn)), shape...)
}

// XavierUniform draws from U(-b, b) with b = gain·sqrt(6/(fan_in+fan_out)),
// torch.nn.init.xavier_uniform_.
func XavierUniform(rng *rand.Rand, gain float64, fanIn, fanOut int, shape ...int) *tensor.Tensor {
	return UniformInit(rng, gain*math.Sqrt(6/float64(fanIn+fanOut)), shape...)
}

// param marks a freshly made tensor as a trainable parameter.
func param(t *tensor.Tensor) *tensor.Tensor { return t.SetRequiresGrad(true) }
