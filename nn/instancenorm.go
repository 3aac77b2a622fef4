package nn

import (
	"fmt"
	"math"
	"runtime"
	"sync"

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
	return instanceNorm(x, m.Weight, m.Bias, n, c, l, m.Eps)
}

// instanceNorm is InstanceNorm2D's forward and backward as one fused
// operation over n·c planes of l values: per plane, the mean and biased
// variance in float64, then y = (x - mean)·rstd·w + b with
// rstd = 1/sqrt(var + eps). The backward is the closed form
//
//	gx = rstd·(gx̂ - mean(gx̂) - x̂·mean(gx̂·x̂)),  gx̂ = g·w,
//	gw = Σ g·x̂,  gb = Σ g  (over samples and positions),
//
// with the plane sums in float64. It replaces a chain of seven broadcast
// ops (each a pass over the data and a tensor) in the forward and more in
// the backward.
func instanceNorm(x, w, b *tensor.Tensor, n, c, l int, eps float64) *tensor.Tensor {
	xd := x.Data()
	y := make([]float32, len(xd))
	var xhat []float32 // kept for the backward
	if x.RequiresGrad() || (w != nil && w.RequiresGrad()) || (b != nil && b.RequiresGrad()) {
		xhat = make([]float32, len(xd))
	}
	rstd := make([]float64, n*c)
	var wd, bd []float32
	if w != nil {
		wd = w.Data()
	}
	if b != nil {
		bd = b.Data()
	}
	planes(n*c, l, func(p int) {
		src := xd[p*l : (p+1)*l]
		var s float64
		for _, v := range src {
			s += float64(v)
		}
		mean := s / float64(l)
		var q float64
		for _, v := range src {
			d := float64(v) - mean
			q += d * d
		}
		r := 1 / math.Sqrt(q/float64(l)+eps)
		rstd[p] = r
		scale, shift := r, 0.0
		if wd != nil {
			scale *= float64(wd[p%c])
		}
		if bd != nil {
			shift = float64(bd[p%c])
		}
		dst := y[p*l : (p+1)*l]
		for i, v := range src {
			dst[i] = float32((float64(v)-mean)*scale + shift)
		}
		if xhat != nil {
			xh := xhat[p*l : (p+1)*l]
			for i, v := range src {
				xh[i] = float32((float64(v) - mean) * r)
			}
		}
	})
	out := tensor.New(y, x.Shape()...)
	return tensor.Custom(out, func(g *tensor.Tensor) []*tensor.Tensor {
		gd := g.Data()
		var gx, gw, gb *tensor.Tensor
		if x.RequiresGrad() {
			gxd := make([]float32, len(gd))
			planes(n*c, l, func(p int) {
				gp, xh := gd[p*l:(p+1)*l], xhat[p*l:(p+1)*l]
				var sg, sgx float64
				for i, v := range gp {
					sg += float64(v)
					sgx += float64(v) * float64(xh[i])
				}
				scale := rstd[p]
				if wd != nil {
					scale *= float64(wd[p%c])
				}
				mg, mgx := sg/float64(l), sgx/float64(l)
				d := gxd[p*l : (p+1)*l]
				for i, v := range gp {
					d[i] = float32(scale * (float64(v) - mg - float64(xh[i])*mgx))
				}
			})
			gx = tensor.New(gxd, x.Shape()...)
		}
		wg := w != nil && w.RequiresGrad()
		bg := b != nil && b.RequiresGrad()
		if wg || bg {
			sw, sb := make([]float64, c), make([]float64, c)
			for p := 0; p < n*c; p++ {
				gp, xh := gd[p*l:(p+1)*l], xhat[p*l:(p+1)*l]
				var s, sx float64
				for i, v := range gp {
					s += float64(v)
					sx += float64(v) * float64(xh[i])
				}
				sw[p%c] += sx
				sb[p%c] += s
			}
			if wg {
				gw = tensor.New(toFloat32(sw), c)
			}
			if bg {
				gb = tensor.New(toFloat32(sb), c)
			}
		}
		return []*tensor.Tensor{gx, gw, gb}
	}, x, w, b)
}

// toFloat32 rounds v to float32.
func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// planes calls f(p) for p < np, on up to GOMAXPROCS goroutines when the
// np planes of l values are worth it. Each plane is computed on its own,
// so the result does not depend on the number of goroutines.
func planes(np, l int, f func(p int)) {
	workers := min(runtime.GOMAXPROCS(0), np*l/(1<<15), np)
	if workers <= 1 {
		for p := 0; p < np; p++ {
			f(p)
		}
		return
	}
	var wg sync.WaitGroup
	per := (np + workers - 1) / workers
	for lo := 0; lo < np; lo += per {
		hi := min(lo+per, np)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := lo; p < hi; p++ {
				f(p)
			}
		}()
	}
	wg.Wait()
}
