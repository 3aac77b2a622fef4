package tensor

import (
	"fmt"
	"math"
)

// PoolOptions configures MaxPool2DWith and AvgPool2DWith, PyTorch's
// arguments of F.max_pool2d and F.avg_pool2d, each (height, width).
type PoolOptions struct {
	// Kernel is the window size; both entries must be positive.
	Kernel [2]int
	// Stride is the step between windows; a zero entry means the kernel
	// size, PyTorch's default.
	Stride [2]int
	// Padding is added on both sides of each spatial dimension: -inf for
	// max pooling, zeros for average pooling. It may be at most half the
	// kernel size, as in PyTorch.
	Padding [2]int
	// Dilation spaces the taps of a max-pooling window; a zero entry means
	// 1. Average pooling has none (it must be 0 or 1).
	Dilation [2]int
	// CeilMode rounds the output size up instead of down (ceil_mode=True),
	// so a last, partial window covers the end of the input; a window never
	// starts in the right or bottom padding.
	CeilMode bool
	// ExcludePad makes average pooling divide by the number of input
	// elements in each window, not counting the padding
	// (count_include_pad=False). The zero value counts the padding, which
	// is PyTorch's default. Max pooling ignores it.
	ExcludePad bool
}

// Pool1DOptions configures MaxPool1DWith and AvgPool1DWith, PyTorch's
// F.max_pool1d and F.avg_pool1d; the fields mean what they mean in
// PoolOptions, for one spatial dimension.
type Pool1DOptions struct {
	Kernel, Stride, Padding, Dilation int
	CeilMode, ExcludePad              bool
}

// poolGeom is the geometry of a 2-D pooling over planes of h×w.
type poolGeom struct {
	h, w, oh, ow           int
	kh, kw                 int
	sh, sw, ph, pw, dh, dw int
	ceil, excludePad       bool
}

// poolOut is PyTorch's pooling_output_shape along one dimension.
func poolOut(in, k, s, p, d int, ceil bool) int {
	num := in + 2*p - d*(k-1) - 1
	if ceil {
		num += s - 1
	}
	o := floorDiv(num, s) + 1
	if ceil && (o-1)*s >= in+p {
		o--
	}
	return o
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// poolGeometry validates options for a pooling of x (N, C, H, W) and
// returns the geometry; nd is the number of spatial dimensions the caller
// sees (1 for the 1-D ops, whose height is 1), for the messages.
func poolGeometry(op string, x *Tensor, o PoolOptions, avg bool, nd int) *poolGeom {
	g := &poolGeom{
		kh: o.Kernel[0], kw: o.Kernel[1],
		sh: o.Stride[0], sw: o.Stride[1],
		ph: o.Padding[0], pw: o.Padding[1],
		dh: one(o.Dilation[0]), dw: one(o.Dilation[1]),
		ceil: o.CeilMode, excludePad: o.ExcludePad,
	}
	if g.sh == 0 {
		g.sh = g.kh
	}
	if g.sw == 0 {
		g.sw = g.kw
	}
	desc := func() string {
		if nd == 1 {
			return fmt.Sprintf("kernel %d, stride %d, padding %d, dilation %d", g.kw, g.sw, g.pw, g.dw)
		}
		return fmt.Sprintf("kernel %v, stride %v, padding %v, dilation %v", o.Kernel, [2]int{g.sh, g.sw}, o.Padding, [2]int{g.dh, g.dw})
	}
	if g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 || g.ph < 0 || g.pw < 0 {
		panic(fmt.Sprintf("tensor.%s: bad options: %s (kernel, stride and dilation must be positive, padding not negative)", op, desc()))
	}
	if avg && (g.dh != 1 || g.dw != 1) {
		panic(fmt.Sprintf("tensor.%s: average pooling has no dilation: %s", op, desc()))
	}
	if g.ph > g.kh/2 || g.pw > g.kw/2 {
		panic(fmt.Sprintf("tensor.%s: padding must be at most half the kernel size: %s", op, desc()))
	}
	g.h, g.w = x.shape[2], x.shape[3]
	g.oh = poolOut(g.h, g.kh, g.sh, g.ph, g.dh, g.ceil)
	g.ow = poolOut(g.w, g.kw, g.sw, g.pw, g.dw, g.ceil)
	if g.oh < 1 || g.ow < 1 {
		shape := x.shape
		if nd == 1 {
			shape = []int{x.shape[0], x.shape[1], x.shape[3]}
		}
		panicShape(op, fmt.Sprintf("%s leaves no output for input of shape", desc()), shape)
	}
	return g
}

// MaxPool2D returns the maximum over k×k windows with stride k and no
// padding, PyTorch's F.max_pool2d(x, k); x has shape (N, C, H, W) or
// (C, H, W). See MaxPool2DWith for the other options.
func (x *Tensor) MaxPool2D(k int) *Tensor {
	return x.MaxPool2DWith(PoolOptions{Kernel: [2]int{k, k}})
}

// MaxPool2DWith returns the maximum over each window of x (N, C, H, W) (or
// (C, H, W)), PyTorch's F.max_pool2d with the given kernel, stride,
// padding, dilation and ceil mode; padding counts as -inf. The output has
// OH = (H + 2·pad - dil·(kh-1) - 1)/stride + 1 rows (rounded up in ceil
// mode), and likewise OW columns. The gradient goes to the first maximum of
// each window in row-major window order (to the last NaN if there is one),
// as PyTorch's CPU kernel. It panics on bad options.
func (x *Tensor) MaxPool2DWith(o PoolOptions) *Tensor {
	return pool2d("MaxPool2D", x, o, false)
}

// AvgPool2D returns the mean over k×k windows with stride k and no
// padding, PyTorch's F.avg_pool2d(x, k); x has shape (N, C, H, W) or
// (C, H, W). See AvgPool2DWith for the other options.
func (x *Tensor) AvgPool2D(k int) *Tensor {
	return x.AvgPool2DWith(PoolOptions{Kernel: [2]int{k, k}})
}

// AvgPool2DWith returns the mean over each window of x (N, C, H, W) (or
// (C, H, W)), PyTorch's F.avg_pool2d with the given kernel, stride,
// padding, ceil mode and count_include_pad (true unless ExcludePad). The
// padding is zeros; with count_include_pad a window is divided by its size
// clipped to the padded input. It panics on bad options (Dilation must be
// unset).
func (x *Tensor) AvgPool2DWith(o PoolOptions) *Tensor {
	return pool2d("AvgPool2D", x, o, true)
}

// MaxPool1D returns the maximum over windows of k with stride k, PyTorch's
// F.max_pool1d(x, k); x has shape (N, C, L) or (C, L).
func (x *Tensor) MaxPool1D(k int) *Tensor {
	return x.MaxPool1DWith(Pool1DOptions{Kernel: k})
}

// MaxPool1DWith is MaxPool2DWith over one spatial dimension, PyTorch's
// F.max_pool1d: x has shape (N, C, L) or (C, L).
func (x *Tensor) MaxPool1DWith(o Pool1DOptions) *Tensor {
	return pool1d("MaxPool1D", x, o, false)
}

// AvgPool1D returns the mean over windows of k with stride k, PyTorch's
// F.avg_pool1d(x, k); x has shape (N, C, L) or (C, L).
func (x *Tensor) AvgPool1D(k int) *Tensor {
	return x.AvgPool1DWith(Pool1DOptions{Kernel: k})
}

// AvgPool1DWith is AvgPool2DWith over one spatial dimension, PyTorch's
// F.avg_pool1d: x has shape (N, C, L) or (C, L).
func (x *Tensor) AvgPool1DWith(o Pool1DOptions) *Tensor {
	return pool1d("AvgPool1D", x, o, true)
}

func pool1d(op string, x *Tensor, o Pool1DOptions, avg bool) *Tensor {
	switch len(x.shape) {
	case 2:
		return pool1d(op, x.Unsqueeze(0), o, avg).Squeeze(0)
	case 3:
	default:
		panicShape(op, "want input (N, C, L) or (C, L), shape", x.shape)
	}
	o2 := PoolOptions{
		Kernel: [2]int{1, o.Kernel}, Stride: [2]int{1, o.Stride}, Padding: [2]int{0, o.Padding},
		Dilation: [2]int{1, o.Dilation}, CeilMode: o.CeilMode, ExcludePad: o.ExcludePad,
	}
	x4 := x.Unsqueeze(2)
	return poolRun(op, x4, poolGeometry(op, x4, o2, avg, 1), avg).Squeeze(2)
}

func pool2d(op string, x *Tensor, o PoolOptions, avg bool) *Tensor {
	switch len(x.shape) {
	case 3:
		return pool2d(op, x.Unsqueeze(0), o, avg).Squeeze(0)
	case 4:
	default:
		panicShape(op, "want input (N, C, H, W) or (C, H, W), shape", x.shape)
	}
	return poolRun(op, x, poolGeometry(op, x, o, avg, 2), avg)
}

func poolRun(op string, x *Tensor, g *poolGeom, avg bool) *Tensor {
	n, c := x.shape[0], x.shape[1]
	out := Zeros(n, c, g.oh, g.ow)
	planes := n * c
	grain := max(1, grainElementwise/max(1, g.oh*g.ow*g.kh*g.kw))
	if avg {
		parallelFor(planes, grain, func(lo, hi int) {
			for p := lo; p < hi; p++ {
				avgPlane(g, x.data[p*g.h*g.w:(p+1)*g.h*g.w], out.data[p*g.oh*g.ow:(p+1)*g.oh*g.ow])
			}
		})
		if x.requiresGrad {
			out.setNode(func(gy *Tensor) []*Tensor {
				gx := Zeros(x.shape...)
				parallelFor(planes, grain, func(lo, hi int) {
					for p := lo; p < hi; p++ {
						avgPlaneGrad(g, gy.data[p*g.oh*g.ow:(p+1)*g.oh*g.ow], gx.data[p*g.h*g.w:(p+1)*g.h*g.w])
					}
				})
				return []*Tensor{gx}
			}, x)
		}
		return out
	}
	var arg []int32
	if x.requiresGrad {
		if g.h*g.w > math.MaxInt32 {
			panicShape(op, "plane too large, shape", x.shape)
		}
		arg = make([]int32, len(out.data))
	}
	rows, cols := windows(g.oh, g.h, g.kh, g.sh, g.ph, g.dh), windows(g.ow, g.w, g.kw, g.sw, g.pw, g.dw)
	parallelFor(planes, grain, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			var a []int32
			if arg != nil {
				a = arg[p*g.oh*g.ow : (p+1)*g.oh*g.ow]
			}
			maxPlane(g, rows, cols, x.data[p*g.h*g.w:(p+1)*g.h*g.w], out.data[p*g.oh*g.ow:(p+1)*g.oh*g.ow], a)
		}
	})
	if x.requiresGrad {
		out.setNode(func(gy *Tensor) []*Tensor {
			gx := Zeros(x.shape...)
			parallelFor(planes, grain, func(lo, hi int) {
				for p := lo; p < hi; p++ {
					dst := gx.data[p*g.h*g.w : (p+1)*g.h*g.w]
					src := gy.data[p*g.oh*g.ow : (p+1)*g.oh*g.ow]
					for i, idx := range arg[p*g.oh*g.ow : (p+1)*g.oh*g.ow] {
						if idx >= 0 {
							dst[idx] += src[i]
						}
					}
				}
			})
			return []*Tensor{gx}
		}, x)
	}
	return out
}

// window is the part of one pooling window along one dimension that lies
// inside the input: taps lo..hi-1, the first at input position start+lo·dil.
type window struct{ start, lo, hi int }

// windows returns the window of each of n outputs along a dimension.
func windows(n, in, k, s, p, d int) []window {
	ws := make([]window, n)
	for i := range ws {
		start := i*s - p
		lo, hi := span(k, d, start, in)
		ws[i] = window{start, lo, hi}
	}
	return ws
}

// maxPlane max-pools one plane into out, recording in arg (if not nil) the
// index in the plane of each window's maximum, or -1 for a window with no
// input element. rows and cols are the windows of windows().
//
// The maximum is taken with the branch-free builtin max; the index is then
// the first element equal to it, or the last NaN when it is NaN, which is
// where PyTorch's (v > best || isnan(v)) scan ends.
func maxPlane(g *poolGeom, rows, cols []window, in, out []float32, arg []int32) {
	if g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 &&
		g.dh == 1 && g.dw == 1 && 2*g.oh <= g.h && 2*g.ow <= g.w {
		maxPlane2x2(g, in, out, arg)
		return
	}
	maxPlaneGeneric(g, rows, cols, in, out, arg)
}

// maxPlaneGeneric is maxPlane for any geometry.
func maxPlaneGeneric(g *poolGeom, rows, cols []window, in, out []float32, arg []int32) {
	negInf := float32(math.Inf(-1))
	for i, r := range rows {
		o := out[i*g.ow : (i+1)*g.ow]
		for j, c := range cols {
			best := negInf
			for ki := r.lo; ki < r.hi; ki++ {
				row := in[(r.start+ki*g.dh)*g.w:]
				for kj := c.lo; kj < c.hi; kj++ {
					best = max(best, row[c.start+kj*g.dw])
				}
			}
			o[j] = best
			if arg == nil {
				continue
			}
			idx := -1
			if r.lo < r.hi && c.lo < c.hi {
				idx = (r.start+r.lo*g.dh)*g.w + c.start + c.lo*g.dw
			}
		find:
			for ki := r.lo; ki < r.hi; ki++ {
				off := (r.start + ki*g.dh) * g.w
				for kj := c.lo; kj < c.hi; kj++ {
					k := off + c.start + kj*g.dw
					if v := in[k]; v == best {
						idx = k
						break find
					} else if v != v {
						idx = k
					}
				}
			}
			if idx >= 0 {
				o[j] = in[idx] // -0 or +0 as PyTorch picks it
			}
			arg[i*g.ow+j] = int32(idx)
		}
	}
}

// maxPlane2x2 is maxPlane for 2×2 windows with stride 2, no padding and
// no partial windows (MaxPool2D(2), the common case), with the same
// results: without arg the builtin max of the four values, with arg
// PyTorch's scan (v > best || isnan(v)) in row-major order, whose value
// and index are the first maximum or the last NaN.
func maxPlane2x2(g *poolGeom, in, out []float32, arg []int32) {
	w, ow := g.w, g.ow
	for i := 0; i < g.oh; i++ {
		r0 := in[2*i*w : 2*i*w+2*ow]
		r1 := in[(2*i+1)*w : (2*i+1)*w+2*ow]
		o := out[i*ow : (i+1)*ow]
		if arg == nil {
			for j := range o {
				o[j] = max(max(r0[2*j], r0[2*j+1]), max(r1[2*j], r1[2*j+1]))
			}
			continue
		}
		a := arg[i*ow : (i+1)*ow]
		base := 2 * i * w
		for j := range o {
			v0, v1, v2, v3 := r0[2*j], r0[2*j+1], r1[2*j], r1[2*j+1]
			b0, b1, b2, b3 := math.Float32bits(v0), math.Float32bits(v1), math.Float32bits(v2), math.Float32bits(v3)
			var k int
			// Adding one to an all-ones exponent carries into the sign.
			const exp, lsb = 0x7f800000, 0x00800000
			if ((b0&exp+lsb)|(b1&exp+lsb)|(b2&exp+lsb)|(b3&exp+lsb))&0x80000000 != 0 {
				// An Inf or NaN (rare): PyTorch's scan.
				best := v0
				if v1 > best || v1 != v1 {
					best, k = v1, 1
				}
				if v2 > best || v2 != v2 {
					best, k = v2, w
				}
				if v3 > best || v3 != v3 {
					k = w + 1
				}
			} else {
				// Finite values compare as the integers of poolKey, where
				// the compiler makes conditional moves (random data would
				// mispredict branches).
				best := poolKey(b0)
				if k1 := poolKey(b1); k1 > best {
					best, k = k1, 1
				}
				if k2 := poolKey(b2); k2 > best {
					best, k = k2, w
				}
				if k3 := poolKey(b3); k3 > best {
					k = w + 1
				}
			}
			idx := base + 2*j + k
			o[j] = in[idx] // -0 or +0 as PyTorch picks it
			a[j] = int32(idx)
		}
	}
}

// poolKey maps the bits of a finite float32 to an int32 in the same
// order, with -0 and +0 both 0.
func poolKey(b uint32) int32 {
	k := int32(b)
	n := k >> 31 // -1 for negative values
	return k ^ (n & 0x7fffffff) - n
}

// avgWindow returns the clipped window [hs, he)×[ws, we) of output (i, j)
// and its divisor.
func avgWindow(g *poolGeom, i, j int) (hs, he, ws, we int, div float32) {
	hs, ws = i*g.sh-g.ph, j*g.sw-g.pw
	he, we = min(hs+g.kh, g.h+g.ph), min(ws+g.kw, g.w+g.pw)
	size := (he - hs) * (we - ws)
	hs, ws = max(hs, 0), max(ws, 0)
	he, we = min(he, g.h), min(we, g.w)
	if g.excludePad {
		size = max(he-hs, 0) * max(we-ws, 0)
	}
	return hs, he, ws, we, float32(size)
}

func avgPlane(g *poolGeom, in, out []float32) {
	for i := 0; i < g.oh; i++ {
		for j := 0; j < g.ow; j++ {
			hs, he, ws, we, div := avgWindow(g, i, j)
			var s float32
			for ih := hs; ih < he; ih++ {
				for _, v := range in[ih*g.w+ws : ih*g.w+max(ws, we)] {
					s += v
				}
			}
			if div > 0 {
				out[i*g.ow+j] = s / div
			}
		}
	}
}

func avgPlaneGrad(g *poolGeom, gy, gx []float32) {
	for i := 0; i < g.oh; i++ {
		for j := 0; j < g.ow; j++ {
			hs, he, ws, we, div := avgWindow(g, i, j)
			if div == 0 {
				continue
			}
			v := gy[i*g.ow+j] / div
			for ih := hs; ih < he; ih++ {
				row := gx[ih*g.w+ws : ih*g.w+max(ws, we)]
				for k := range row {
					row[k] += v
				}
			}
		}
	}
}
