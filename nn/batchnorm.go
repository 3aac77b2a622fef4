package nn

import (
	"fmt"
	"math"

	"github.com/cairn-ml/cairn/tensor"
)

// BatchNorm is batch normalisation over the channel dimension of an input
// of shape (N, C, ...), the computation and state that BatchNorm1D and
// BatchNorm2D share (PyTorch's _BatchNorm). Each channel c is normalised
// with a mean and a variance taken over every element of that channel in
// the batch, then scaled and shifted:
//
//	y = (x - mean_c) / sqrt(var_c + Eps) * Weight_c + Bias_c
//
// In training mode mean_c and var_c are the statistics of the batch (the
// biased variance, dividing by the M = N·L elements of the channel), the
// output is differentiable through them, and every call updates the running
// statistics as PyTorch does:
//
//	RunningMean ← (1 - Momentum)·RunningMean + Momentum·mean_c
//	RunningVar  ← (1 - Momentum)·RunningVar  + Momentum·var_c·M/(M-1)
//	NumBatchesTracked ← NumBatchesTracked + 1
//
// (the running variance takes the unbiased variance). In evaluation mode
// the running statistics take the place of the batch statistics.
//
// State names are PyTorch's: weight, bias, and the buffers running_mean,
// running_var and num_batches_tracked. PyTorch stores num_batches_tracked
// as an int64 0-dimensional tensor; cairn keeps it as a float32 scalar
// (shape [], exact up to 2^24 batches), and the safetensors layer converts
// between the two.
//
// Setting Weight and Bias to nil gives affine=False. Setting RunningMean,
// RunningVar and NumBatchesTracked to nil gives track_running_stats=False:
// batch statistics are then used in both modes. PyTorch's momentum=None
// (a cumulative average) is not supported.
type BatchNorm struct {
	Weight            *tensor.Tensor `cairn:"weight"`
	Bias              *tensor.Tensor `cairn:"bias"`
	RunningMean       *tensor.Tensor `cairn:"running_mean,buffer"`
	RunningVar        *tensor.Tensor `cairn:"running_var,buffer"`
	NumBatchesTracked *tensor.Tensor `cairn:"num_batches_tracked,buffer"`
	Momentum          float64        `cairn:"-"`
	Eps               float64        `cairn:"-"`

	eval bool // the zero value is in training mode, as PyTorch modules start
}

// BatchNorm1D is torch.nn.BatchNorm1d: BatchNorm over an input of shape
// (N, C) or (N, C, L).
type BatchNorm1D struct{ BatchNorm }

// BatchNorm2D is torch.nn.BatchNorm2d: BatchNorm over an input of shape
// (N, C, H, W).
type BatchNorm2D struct{ BatchNorm }

var (
	_ Trainer = (*BatchNorm)(nil)
	_ Trainer = (*BatchNorm1D)(nil)
	_ Trainer = (*BatchNorm2D)(nil)
)

// newBatchNorm returns PyTorch's defaults: weight 1, bias 0, running mean
// 0, running variance 1, momentum 0.1, eps 1e-5, training mode.
func newBatchNorm(op string, numFeatures int) BatchNorm {
	if numFeatures <= 0 {
		panic(fmt.Sprintf("nn.%s: %d features; want at least 1", op, numFeatures))
	}
	return BatchNorm{
		Weight:            param(tensor.Ones(numFeatures)),
		Bias:              param(tensor.Zeros(numFeatures)),
		RunningMean:       tensor.Zeros(numFeatures),
		RunningVar:        tensor.Ones(numFeatures),
		NumBatchesTracked: tensor.Scalar(0),
		Momentum:          0.1,
		Eps:               1e-5,
	}
}

// NewBatchNorm1D returns a BatchNorm1D over numFeatures channels with
// PyTorch's defaults: weight 1, bias 0, running mean 0, running variance
// 1, momentum 0.1, eps 1e-5, in training mode.
func NewBatchNorm1D(numFeatures int) *BatchNorm1D {
	return &BatchNorm1D{newBatchNorm("NewBatchNorm1D", numFeatures)}
}

// NewBatchNorm2D returns a BatchNorm2D over numFeatures channels with
// PyTorch's defaults (see NewBatchNorm1D).
func NewBatchNorm2D(numFeatures int) *BatchNorm2D {
	return &BatchNorm2D{newBatchNorm("NewBatchNorm2D", numFeatures)}
}

// SetTraining implements Trainer: true selects batch statistics (and
// updates the running ones), false the running statistics.
func (b *BatchNorm) SetTraining(on bool) { b.eval = !on }

// Training reports whether b is in training mode.
func (b *BatchNorm) Training() bool { return !b.eval }

// Forward normalises x of shape (N, C) or (N, C, L).
func (b *BatchNorm1D) Forward(x *tensor.Tensor) *tensor.Tensor {
	if d := x.NDim(); d != 2 && d != 3 {
		panic(fmt.Sprintf("nn.BatchNorm1D.Forward: input shape %v; want (N, C) or (N, C, L)", x.Shape()))
	}
	return b.forward("BatchNorm1D", x)
}

// Forward normalises x of shape (N, C, H, W).
func (b *BatchNorm2D) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.NDim() != 4 {
		panic(fmt.Sprintf("nn.BatchNorm2D.Forward: input shape %v; want (N, C, H, W)", x.Shape()))
	}
	return b.forward("BatchNorm2D", x)
}

// Forward normalises x of shape (N, C, ...) with any number of trailing
// dimensions.
func (b *BatchNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.NDim() < 2 {
		panic(fmt.Sprintf("nn.BatchNorm.Forward: input shape %v; want (N, C, ...)", x.Shape()))
	}
	return b.forward("BatchNorm", x)
}

// channels returns the number of channels b's state is made for, or -1 if
// it holds no per-channel state.
func (b *BatchNorm) channels() int {
	for _, t := range []*tensor.Tensor{b.Weight, b.Bias, b.RunningMean, b.RunningVar} {
		if t != nil {
			return t.Size()
		}
	}
	return -1
}

func (b *BatchNorm) forward(op string, x *tensor.Tensor) *tensor.Tensor {
	shape := x.Shape()
	n, c := shape[0], shape[1]
	if want := b.channels(); want >= 0 && c != want {
		panic(fmt.Sprintf("nn.%s.Forward: input shape %v has %d channels; the layer has %d", op, shape, c, want))
	}
	if (b.RunningMean == nil) != (b.RunningVar == nil) {
		panic(fmt.Sprintf("nn.%s.Forward: RunningMean and RunningVar must both be set or both be nil", op))
	}
	l := 1
	for _, d := range shape[2:] {
		l *= d
	}
	x3 := x.Reshape(n, c, l)
	var y *tensor.Tensor
	if !b.eval || b.RunningMean == nil {
		y = b.batchStats(op, x3)
	} else {
		y = b.runningStats(x3)
	}
	return y.Reshape(shape...)
}

// batchStats normalises x3 of shape (N, C, L) with its own statistics and,
// in training mode, updates the running ones.
func (b *BatchNorm) batchStats(op string, x3 *tensor.Tensor) *tensor.Tensor {
	n, c, l := x3.Dim(0), x3.Dim(1), x3.Dim(2)
	m := n * l
	if !b.eval && m <= 1 {
		panic(fmt.Sprintf("nn.%s.Forward: input shape %v has %d value per channel; training needs more than 1", op, x3.Shape(), m))
	}
	// The channel variance by the law of total variance: the mean over
	// samples of each sample's variance over L, plus the variance of the
	// per-sample means. Both terms are computed from deviations, so there is
	// no cancellation, and the backward pass touches the input only a few
	// times (Var has a fused gradient).
	mean, variance := x3, tensor.Scalar(0)
	if l > 1 {
		mean = x3.Mean(2, true)                         // (N, C, 1)
		variance = x3.Var(2, false, true).Mean(0, true) // (1, C, 1)
	}
	if n > 1 {
		mc := mean.Mean(0, true)
		dev := mean.Sub(mc)
		mean = mc
		variance = variance.Add(dev.Mul(dev).Mean(0, true))
	}
	var scale *tensor.Tensor
	if b.Weight != nil {
		scale = b.Weight.Reshape(1, c, 1).Div(variance.AddScalar(float32(b.Eps)).Sqrt())
	} else {
		scale = variance.AddScalar(float32(b.Eps)).Sqrt().PowScalar(-1)
	}
	shift := mean.Mul(scale).Neg()
	if b.Bias != nil {
		shift = shift.Add(b.Bias.Reshape(1, c, 1))
	}
	y := x3.Mul(scale).Add(shift)
	if !b.eval && b.RunningMean != nil {
		mom := float32(b.Momentum)
		unbias := float32(float64(m) / float64(m-1))
		rm, rv := b.RunningMean.Data(), b.RunningVar.Data()
		bm, bv := mean.Data(), variance.Data()
		for i := range rm {
			rm[i] = (1-mom)*rm[i] + mom*bm[i]
			rv[i] = (1-mom)*rv[i] + mom*bv[i]*unbias
		}
		if b.NumBatchesTracked != nil {
			b.NumBatchesTracked.Data()[0]++
		}
	}
	return y
}

// runningStats normalises x3 of shape (N, C, L) with the running
// statistics, as y = x·scale + shift with scale = Weight/sqrt(RunningVar +
// Eps) and shift = Bias - RunningMean·scale.
func (b *BatchNorm) runningStats(x3 *tensor.Tensor) *tensor.Tensor {
	c := x3.Dim(1)
	inv := tensor.Zeros(1, c, 1)
	for i, v := range b.RunningVar.Data() {
		inv.Data()[i] = float32(1 / math.Sqrt(float64(v)+b.Eps))
	}
	scale := inv
	if b.Weight != nil {
		scale = b.Weight.Reshape(1, c, 1).Mul(inv)
	}
	shift := b.RunningMean.Detach().Reshape(1, c, 1).Mul(scale).Neg()
	if b.Bias != nil {
		shift = shift.Add(b.Bias.Reshape(1, c, 1))
	}
	return x3.Mul(scale).Add(shift)
}
