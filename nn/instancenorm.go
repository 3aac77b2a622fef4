package nn

import (
	"fmt"

	"github.com/cairn-ml/cairn/tensor"
)

// InstanceNorm2D is torch.nn.InstanceNorm2d with track_running_stats=False:
// each channel of each sample is normalised over its H·W positions with
// its own mean and biased variance,
//
//	y = (x - mean_nc) / sqrt(var_nc + Eps) * Weight_c + Bias_c,
//
// in training and evaluation mode alike. Weight and Bias are nil unless
// the layer is affine (PyTorch's default is affine=False); their state
// names are weight and bias.
type InstanceNorm2D struct {
	Weight *tensor.Tensor `cairn:"weight"`
	Bias   *tensor.Tensor `cairn:"bias"`
	Eps    float64        `cairn:"-"`
}

// NewInstanceNorm2D returns an InstanceNorm2D over numFeatures channels
// with eps 1e-5, as torch.nn.InstanceNorm2d(numFeatures, affine=affine):
// with affine, Weight starts at 1 and Bias at 0.
func NewInstanceNorm2D(numFeatures int, affine bool) *InstanceNorm2D {
	if numFeatures <= 0 {
		panic(fmt.Sprintf("nn.NewInstanceNorm2D: %d features; want at least 1", numFeatures))
	}
	m := &InstanceNorm2D{Eps: 1e-5}
	if affine {
		m.Weight = param(tensor.Ones(numFeatures))
		m.Bias = param(tensor.Zeros(numFeatures))
	}
	return m
}

// Forward normalises x of shape (N, C, H, W), or (C, H, W) for a single
// unbatched sample as PyTorch accepts.
func (m *InstanceNorm2D) Forward(x *tensor.Tensor) *tensor.Tensor {
	shape := x.Shape()
	switch len(shape) {
	case 3:
		shape = append([]int{1}, shape...)
	case 4:
	default:
		panic(fmt.Sprintf("nn.InstanceNorm2D.Forward: input shape %v; want (N, C, H, W) or (C, H, W)", x.Shape()))
	}
	n, c, l := shape[0], shape[1], shape[2]*shape[3]
	for _, p := range []*tensor.Tensor{m.Weight, m.Bias} {
		if p != nil && p.Size() != c {
			panic(fmt.Sprintf("nn.InstanceNorm2D.Forward: input shape %v has %d channels; the layer has %d", x.Shape(), c, p.Size()))
		}
	}
	x3 := x.Reshape(n, c, l)
	xc := x3.Sub(x3.Mean(2, true))
	std := xc.Mul(xc).Mean(2, true).AddScalar(float32(m.Eps)).Sqrt() // (N, C, 1)
	var y *tensor.Tensor
	if m.Weight != nil {
		y = xc.Mul(m.Weight.Reshape(1, c, 1).Div(std))
	} else {
		y = xc.Div(std)
	}
	if m.Bias != nil {
		y = y.Add(m.Bias.Reshape(1, c, 1))
	}
	return y.Reshape(x.Shape()...)
}
