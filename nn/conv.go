package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/tensor"
)

// ConvOption sets an optional argument of NewConv1D, NewConv2D and
// NewConvTranspose2D. Options that take sizes accept one value for every
// spatial dimension or, for the 2-D layers, two values (height, width), as
// PyTorch accepts an int or a tuple.
type ConvOption func(*convConfig)

type convConfig struct {
	kernel, stride, padding, dilation, outputPadding []int
	groups                                           int
	noBias                                           bool
}

// ConvKernel sets a non-square kernel (kh, kw), overriding the
// constructor's kernel argument (kernel_size=(kh, kw)).
func ConvKernel(k ...int) ConvOption { return func(c *convConfig) { c.kernel = k } }

// ConvStride sets the stride (stride; default 1).
func ConvStride(s ...int) ConvOption { return func(c *convConfig) { c.stride = s } }

// ConvPadding sets the zero padding added to both sides of each spatial
// dimension (padding; default 0).
func ConvPadding(p ...int) ConvOption { return func(c *convConfig) { c.padding = p } }

// ConvDilation sets the spacing between kernel taps (dilation; default 1).
func ConvDilation(d ...int) ConvOption { return func(c *convConfig) { c.dilation = d } }

// ConvOutputPadding sets ConvTranspose2D's extra rows and columns at the
// bottom and right of the output (output_padding; default 0).
func ConvOutputPadding(p ...int) ConvOption { return func(c *convConfig) { c.outputPadding = p } }

// ConvGroups splits the channels into g groups (groups; default 1).
func ConvGroups(g int) ConvOption { return func(c *convConfig) { c.groups = g } }

// ConvNoBias leaves the layer without a bias (bias=False).
func ConvNoBias() ConvOption { return func(c *convConfig) { c.noBias = true } }

func newConvConfig(op string, nd, kernel int, opts []ConvOption) *convConfig {
	c := &convConfig{kernel: []int{kernel}}
	for _, o := range opts {
		o(c)
	}
	if c.groups == 0 {
		c.groups = 1
	}
	for _, f := range []struct {
		name string
		v    []int
	}{{"kernel", c.kernel}, {"stride", c.stride}, {"padding", c.padding}, {"dilation", c.dilation}, {"output padding", c.outputPadding}} {
		if len(f.v) > nd || (len(f.v) == 0 && f.name == "kernel") {
			panic(fmt.Sprintf("nn.%s: %s %v: give one value or %d", op, f.name, f.v, nd))
		}
	}
	return c
}

// sizes returns the one or two values of v as a pair: def for none, v[0]
// repeated for one.
func sizes(v []int, def int) [2]int {
	switch len(v) {
	case 0:
		return [2]int{def, def}
	case 1:
		return [2]int{v[0], v[0]}
	}
	return [2]int{v[0], v[1]}
}

// newConvParams checks the channel counts and draws PyTorch's default
// initialisation of a convolution's weight (of the given shape) and bias
// (of n values): kaiming_uniform(a=sqrt(5)) and U(±1/sqrt(fanIn)).
func newConvParams(op string, rng *rand.Rand, in, out int, c *convConfig, fanIn int, wshape []int, n int) (w, b *tensor.Tensor) {
	if in < 1 || out < 1 || c.groups < 1 || in%c.groups != 0 || out%c.groups != 0 {
		panic(fmt.Sprintf("nn.%s: %d input and %d output channels must be positive and divisible by groups %d", op, in, out, c.groups))
	}
	for _, k := range wshape[2:] {
		if k < 1 {
			panic(fmt.Sprintf("nn.%s: kernel %v must be positive", op, wshape[2:]))
		}
	}
	w = param(KaimingUniform(rng, math.Sqrt(5), fanIn, wshape...))
	if !c.noBias {
		b = param(UniformInit(rng, 1/math.Sqrt(float64(fanIn)), n))
	}
	return w, b
}

// Conv2D is a 2-D convolution layer, torch.nn.Conv2d: Weight has shape
// (out, in/groups, kh, kw) and Bias (out) or nil. Options holds stride,
// padding, dilation and groups.
type Conv2D struct {
	Weight  *tensor.Tensor
	Bias    *tensor.Tensor
	Options tensor.ConvOptions `cairn:"-"`
}

// NewConv2D returns a convolution from in to out channels with a kernel×
// kernel window and a bias, initialised as PyTorch does: weight
// kaiming_uniform(a=sqrt(5)) and bias U(±1/sqrt(fan_in)), fan_in =
// in/groups·kh·kw, so both are U(±1/sqrt(fan_in)). Options set stride,
// padding, dilation, groups, a non-square kernel or no bias:
//
//	nn.NewConv2D(rng, 1, 32, 5, nn.ConvPadding(2))
//
// It panics if the channels are not divisible by the groups.
func NewConv2D(rng *rand.Rand, in, out, kernel int, opts ...ConvOption) *Conv2D {
	c := newConvConfig("NewConv2D", 2, kernel, opts)
	if c.outputPadding != nil {
		panic("nn.NewConv2D: output padding is for ConvTranspose2D")
	}
	k := sizes(c.kernel, 0)
	fanIn := in / max(c.groups, 1) * k[0] * k[1]
	w, b := newConvParams("NewConv2D", rng, in, out, c, fanIn, []int{out, in / max(c.groups, 1), k[0], k[1]}, out)
	return &Conv2D{Weight: w, Bias: b, Options: tensor.ConvOptions{
		Stride: sizes(c.stride, 1), Padding: sizes(c.padding, 0), Dilation: sizes(c.dilation, 1), Groups: c.groups,
	}}
}

// Forward convolves x of shape (N, in, H, W) (or (in, H, W)), giving
// (N, out, OH, OW); see tensor.Conv2D.
func (l *Conv2D) Forward(x *tensor.Tensor) *tensor.Tensor {
	return x.Conv2D(l.Weight, l.Bias, l.Options)
}

// Conv1D is a 1-D convolution layer, torch.nn.Conv1d: Weight has shape
// (out, in/groups, k) and Bias (out) or nil.
type Conv1D struct {
	Weight  *tensor.Tensor
	Bias    *tensor.Tensor
	Options tensor.Conv1DOptions `cairn:"-"`
}

// NewConv1D returns a 1-D convolution from in to out channels with a
// window of kernel and a bias, initialised as PyTorch does (U(±1/sqrt(
// fan_in)) for both, fan_in = in/groups·kernel). Options (one value each)
// set stride, padding, dilation, groups or no bias.
func NewConv1D(rng *rand.Rand, in, out, kernel int, opts ...ConvOption) *Conv1D {
	c := newConvConfig("NewConv1D", 1, kernel, opts)
	if c.outputPadding != nil {
		panic("nn.NewConv1D: output padding is for ConvTranspose2D")
	}
	k := c.kernel[0]
	fanIn := in / max(c.groups, 1) * k
	w, b := newConvParams("NewConv1D", rng, in, out, c, fanIn, []int{out, in / max(c.groups, 1), k}, out)
	return &Conv1D{Weight: w, Bias: b, Options: tensor.Conv1DOptions{
		Stride: sizes(c.stride, 1)[0], Padding: sizes(c.padding, 0)[0], Dilation: sizes(c.dilation, 1)[0], Groups: c.groups,
	}}
}

// Forward convolves x of shape (N, in, L) (or (in, L)), giving
// (N, out, OL); see tensor.Conv1D.
func (l *Conv1D) Forward(x *tensor.Tensor) *tensor.Tensor {
	return x.Conv1D(l.Weight, l.Bias, l.Options)
}

// ConvTranspose2D is a transposed 2-D convolution layer,
// torch.nn.ConvTranspose2d: Weight has shape (in, out/groups, kh, kw) and
// Bias (out) or nil.
type ConvTranspose2D struct {
	Weight  *tensor.Tensor
	Bias    *tensor.Tensor
	Options tensor.ConvTransposeOptions `cairn:"-"`
}

// NewConvTranspose2D returns a transposed convolution from in to out
// channels with a kernel×kernel window and a bias, initialised as PyTorch
// does: weight kaiming_uniform(a=sqrt(5)) and bias U(±1/sqrt(fan_in)),
// where PyTorch takes fan_in from the weight's second dimension:
// out/groups·kh·kw. Options set stride, padding, output padding, dilation,
// groups, a non-square kernel or no bias.
func NewConvTranspose2D(rng *rand.Rand, in, out, kernel int, opts ...ConvOption) *ConvTranspose2D {
	c := newConvConfig("NewConvTranspose2D", 2, kernel, opts)
	k := sizes(c.kernel, 0)
	fanIn := out / max(c.groups, 1) * k[0] * k[1]
	w, b := newConvParams("NewConvTranspose2D", rng, in, out, c, fanIn, []int{in, out / max(c.groups, 1), k[0], k[1]}, out)
	return &ConvTranspose2D{Weight: w, Bias: b, Options: tensor.ConvTransposeOptions{
		Stride: sizes(c.stride, 1), Padding: sizes(c.padding, 0), Dilation: sizes(c.dilation, 1),
		OutputPadding: sizes(c.outputPadding, 0), Groups: c.groups,
	}}
}

// Forward applies the transposed convolution to x of shape (N, in, H, W)
// (or (in, H, W)); see tensor.ConvTranspose2D.
func (l *ConvTranspose2D) Forward(x *tensor.Tensor) *tensor.Tensor {
	return x.ConvTranspose2D(l.Weight, l.Bias, l.Options)
}

// MaxPool2D is torch.nn.MaxPool2d: the maximum over each window of
// Options (kernel, stride, padding, dilation, ceil mode).
type MaxPool2D struct {
	Options tensor.PoolOptions `cairn:"-"`
}

// NewMaxPool2D returns max pooling over kernel×kernel windows with stride
// kernel, nn.MaxPool2d(kernel); set Options for the rest.
func NewMaxPool2D(kernel int) *MaxPool2D {
	return &MaxPool2D{Options: tensor.PoolOptions{Kernel: [2]int{kernel, kernel}}}
}

// Forward pools x of shape (N, C, H, W) or (C, H, W).
func (p *MaxPool2D) Forward(x *tensor.Tensor) *tensor.Tensor { return x.MaxPool2DWith(p.Options) }

// AvgPool2D is torch.nn.AvgPool2d: the mean over each window of Options
// (kernel, stride, padding, ceil mode, count_include_pad unless
// ExcludePad).
type AvgPool2D struct {
	Options tensor.PoolOptions `cairn:"-"`
}

// NewAvgPool2D returns average pooling over kernel×kernel windows with
// stride kernel, nn.AvgPool2d(kernel); set Options for the rest.
func NewAvgPool2D(kernel int) *AvgPool2D {
	return &AvgPool2D{Options: tensor.PoolOptions{Kernel: [2]int{kernel, kernel}}}
}

// Forward pools x of shape (N, C, H, W) or (C, H, W).
func (p *AvgPool2D) Forward(x *tensor.Tensor) *tensor.Tensor { return x.AvgPool2DWith(p.Options) }

// MaxPool1D is torch.nn.MaxPool1d: the maximum over each window of
// Options.
type MaxPool1D struct {
	Options tensor.Pool1DOptions `cairn:"-"`
}

// NewMaxPool1D returns max pooling over windows of kernel with stride
// kernel, nn.MaxPool1d(kernel); set Options for the rest.
func NewMaxPool1D(kernel int) *MaxPool1D {
	return &MaxPool1D{Options: tensor.Pool1DOptions{Kernel: kernel}}
}

// Forward pools x of shape (N, C, L) or (C, L).
func (p *MaxPool1D) Forward(x *tensor.Tensor) *tensor.Tensor { return x.MaxPool1DWith(p.Options) }

// AvgPool1D is torch.nn.AvgPool1d: the mean over each window of Options.
type AvgPool1D struct {
	Options tensor.Pool1DOptions `cairn:"-"`
}

// NewAvgPool1D returns average pooling over windows of kernel with stride
// kernel, nn.AvgPool1d(kernel); set Options for the rest.
func NewAvgPool1D(kernel int) *AvgPool1D {
	return &AvgPool1D{Options: tensor.Pool1DOptions{Kernel: kernel}}
}

// Forward pools x of shape (N, C, L) or (C, L).
func (p *AvgPool1D) Forward(x *tensor.Tensor) *tensor.Tensor { return x.AvgPool1DWith(p.Options) }

// ReflectionPad2D is torch.nn.ReflectionPad2d: it pads the last two
// dimensions by reflection, by Padding = (left, right, top, bottom).
type ReflectionPad2D struct {
	Padding [4]int `cairn:"-"`
}

// NewReflectionPad2D returns reflection padding by p on every side (one
// value) or by (left, right, top, bottom) (four values), as
// nn.ReflectionPad2d(int or 4-tuple).
func NewReflectionPad2D(p ...int) *ReflectionPad2D {
	switch len(p) {
	case 1:
		return &ReflectionPad2D{Padding: [4]int{p[0], p[0], p[0], p[0]}}
	case 4:
		return &ReflectionPad2D{Padding: [4]int{p[0], p[1], p[2], p[3]}}
	}
	panic(fmt.Sprintf("nn.NewReflectionPad2D: padding %v: give one value or four (left, right, top, bottom)", p))
}

// Forward pads x, which has at least two dimensions (PyTorch: (N, C, H, W)
// or (C, H, W)).
func (p *ReflectionPad2D) Forward(x *tensor.Tensor) *tensor.Tensor {
	return x.ReflectionPad2D(p.Padding[0], p.Padding[1], p.Padding[2], p.Padding[3])
}
