package nn

import "github.com/cairn-ml/cairn/tensor"

// LayerNorm normalises the last dimension of its input to zero mean and
// unit variance (the biased variance, as PyTorch), then scales by Weight
// and shifts by Bias, as torch.nn.LayerNorm(dim) with elementwise_affine.
type LayerNorm struct {
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
	Eps    float64 `cairn:"-"`
}

// NewLayerNorm returns a LayerNorm over a last dimension of size dim with
// weight 1, bias 0 and eps 1e-5, PyTorch's defaults.
func NewLayerNorm(dim int) *LayerNorm {
	return &LayerNorm{Weight: param(tensor.Ones(dim)), Bias: param(tensor.Zeros(dim)), Eps: 1e-5}
}

// Forward normalises x of shape (..., dim).
func (l *LayerNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	xc := x.Sub(x.Mean(-1, true))
	std := xc.Mul(xc).Mean(-1, true).AddScalar(float32(l.Eps)).Sqrt()
	y := xc.Div(std)
	if l.Weight != nil {
		y = y.Mul(l.Weight)
	}
	if l.Bias != nil {
		y = y.Add(l.Bias)
	}
	return y
}
