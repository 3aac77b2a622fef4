package tensor

import (
	"math"
)

// lines describes a tensor as outer*inner lines of n elements along one
// axis: line l = o*inner + j holds the elements at base(l) + k*inner.
type lines struct {
	axis, outer, n, inner int
}

func (t *Tensor) lines(op string, axis int) lines {
	a := t.axis(op, axis)
	l := lines{axis: a, outer: 1, n: t.shape[a], inner: 1}
	for _, d := range t.shape[:a] {
		l.outer *= d
	}
	for _, d := range t.shape[a+1:] {
		l.inner *= d
	}
	return l
}

func (l lines) count() int      { return l.outer * l.inner }
func (l lines) base(i int) int  { return (i/l.inner)*l.n*l.inner + i%l.inner }
func (l lines) grain(c int) int { return max(1, c/max(l.n, 1)) }
func (l lines) stride() int     { return l.inner }
func (l lines) each(grain int, f func(line, base int)) {
	parallelFor(l.count(), l.grain(grain), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			f(i, l.base(i))
		}
	})
}

// reducedShape is shape without axis a, or with it set to 1 if keep.
func reducedShape(shape []int, a int, keep bool) []int {
	out := append([]int(nil), shape[:a]...)
	if keep {
		out = append(out, 1)
	}
	return append(out, shape[a+1:]...)
}

// expandGrad reshapes the gradient of a reduction over axis a so that it
// broadcasts against the input.
func expandGrad(g *Tensor, in []int, a int) *Tensor {
	return New(g.data, reducedShape(in, a, true)...)
}

// Sum returns the sum along axis (negative counts from the end); keepDim
// keeps the axis with size 1. Sums accumulate in float64.
func (t *Tensor) Sum(axis int, keepDim bool) *Tensor {
	l := t.lines("Sum", axis)
	out := Zeros(reducedShape(t.shape, l.axis, keepDim)...)
	if l.inner == 1 {
		l.each(grainElementwise, func(i, b int) {
			var s float64
			for _, v := range t.data[b : b+l.n] {
				s += float64(v)
			}
			out.data[i] = float32(s)
		})
	} else {
		// Accumulate whole rows of inner elements, which reads memory in
		// order; each output element still sums k = 0..n-1 in order.
		parallelFor(l.outer*l.inner, max(1, grainElementwise/max(l.n, 1)), func(lo, hi int) {
			acc := make([]float64, hi-lo)
			for i := lo; i < hi; {
				o, j := i/l.inner, i%l.inner
				end := min(hi, (o+1)*l.inner)
				a := acc[i-lo : end-lo]
				for k := 0; k < l.n; k++ {
					row := t.data[(o*l.n+k)*l.inner+j:]
					for m := range a {
						a[m] += float64(row[m])
					}
				}
				for m, v := range a {
					out.data[i+m] = float32(v)
				}
				i = end
			}
		})
	}
	if t.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor {
			return []*Tensor{expandGrad(g, t.shape, l.axis).BroadcastTo(t.shape...)}
		}, t)
	}
	return out
}

// sumBlock is the block size of SumAll's fixed-order summation.
const sumBlock = 4096

// SumAll returns the sum of all elements as a scalar. The sum is taken in
// fixed blocks combined in order, so it does not depend on GOMAXPROCS.
func (t *Tensor) SumAll() *Tensor {
	nb := (len(t.data) + sumBlock - 1) / sumBlock
	part := make([]float64, nb)
	parallelFor(nb, 16, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			var s float64
			for _, v := range t.data[b*sumBlock : min((b+1)*sumBlock, len(t.data))] {
				s += float64(v)
			}
			part[b] = s
		}
	})
	var s float64
	for _, v := range part {
		s += v
	}
	out := Scalar(float32(s))
	if t.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor { return []*Tensor{Full(g.data[0], t.shape...)} }, t)
	}
	return out
}

// Mean returns the mean along axis; keepDim keeps the axis with size 1.
func (t *Tensor) Mean(axis int, keepDim bool) *Tensor {
	n := t.Dim(axis)
	return t.Sum(axis, keepDim).MulScalar(1 / float32(n))
}

// MeanAll returns the mean of all elements as a scalar.
func (t *Tensor) MeanAll() *Tensor { return t.SumAll().MulScalar(1 / float32(len(t.data))) }

// Max returns the maximum along axis. The gradient goes to the first
// position that holds the maximum. NaN propagates.
func (t *Tensor) Max(axis int, keepDim bool) *Tensor {
	return t.extreme("Max", axis, keepDim, func(v, best float32) bool { return v > best })
}

// Min returns the minimum along axis; see Max.
func (t *Tensor) Min(axis int, keepDim bool) *Tensor {
	return t.extreme("Min", axis, keepDim, func(v, best float32) bool { return v < best })
}

// Argmax returns the index of the first maximum along axis, as float32
// values (use Ints to get them as ints; float32 holds indices exactly up to
// 2^24). It is not differentiable.
func (t *Tensor) Argmax(axis int, keepDim bool) *Tensor {
	vals, idx := t.extremeValues("Argmax", axis, keepDim, func(v, best float32) bool { return v > best })
	for i, k := range idx {
		vals.data[i] = float32(k)
	}
	return vals
}

func (t *Tensor) extreme(op string, axis int, keepDim bool, better func(v, best float32) bool) *Tensor {
	out, idx := t.extremeValues(op, axis, keepDim, better)
	if t.requiresGrad {
		l := t.lines(op, axis)
		out.setNode(func(g *Tensor) []*Tensor {
			gx := ZerosLike(t)
			for i, k := range idx {
				gx.data[l.base(i)+k*l.stride()] = g.data[i]
			}
			return []*Tensor{gx}
		}, t)
	}
	return out
}

// extremeValues returns the best value along axis and its first position.
func (t *Tensor) extremeValues(op string, axis int, keepDim bool, better func(v, best float32) bool) (vals *Tensor, idx []int) {
	l := t.lines(op, axis)
	if l.n == 0 {
		panicShape(op, "reduction over an empty axis", t.shape)
	}
	shape := reducedShape(t.shape, l.axis, keepDim)
	vals = Zeros(shape...)
	idx = make([]int, len(vals.data))
	s := l.stride()
	l.each(grainElementwise, func(i, b int) {
		best, at := t.data[b], 0
		for k := 1; k < l.n && best == best; k++ {
			v := t.data[b+k*s]
			if better(v, best) || v != v {
				best, at = v, k
			}
		}
		vals.data[i], idx[i] = best, at
	})
	return vals, idx
}

// Var returns the variance along axis: the mean squared deviation, divided
// by n-1 instead of n when unbiased (PyTorch's default).
func (t *Tensor) Var(axis int, unbiased, keepDim bool) *Tensor {
	l := t.lines("Var", axis)
	div := float64(l.n)
	if unbiased {
		div = max(div-1, 0) // n = 1 gives NaN, as in PyTorch
	}
	out := Zeros(reducedShape(t.shape, l.axis, keepDim)...)
	mean := make([]float32, l.count())
	s := l.stride()
	l.each(grainElementwise, func(i, b int) {
		var m float64
		for k := 0; k < l.n; k++ {
			m += float64(t.data[b+k*s])
		}
		m /= float64(l.n)
		var v float64
		for k := 0; k < l.n; k++ {
			d := float64(t.data[b+k*s]) - m
			v += d * d
		}
		mean[i], out.data[i] = float32(m), float32(v/div)
	})
	if t.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor {
			gx := ZerosLike(t)
			c := float32(2 / div)
			l.each(grainElementwise, func(i, b int) {
				for k := 0; k < l.n; k++ {
					gx.data[b+k*s] = g.data[i] * c * (t.data[b+k*s] - mean[i])
				}
			})
			return []*Tensor{gx}
		}, t)
	}
	return out
}

// lineMax returns the maximum of a line, or -Inf if it is empty or all -Inf.
func lineMax(x []float32, b, n, s int) float32 {
	m := float32(math.Inf(-1))
	for k := 0; k < n; k++ {
		if v := x[b+k*s]; v > m || v != v {
			m = v
		}
	}
	return m
}

// LogSumExp returns log(sum(exp(x))) along axis, computed stably: large
// inputs do not overflow, and a line that is all -Inf gives -Inf.
func (t *Tensor) LogSumExp(axis int, keepDim bool) *Tensor {
	l := t.lines("LogSumExp", axis)
	out := Zeros(reducedShape(t.shape, l.axis, keepDim)...)
	s := l.stride()
	l.each(grainTranscend, func(i, b int) {
		m := lineMax(t.data, b, l.n, s)
		if math.IsInf(float64(m), 0) {
			out.data[i] = m
			return
		}
		var sum float64
		for k := 0; k < l.n; k++ {
			sum += float64(exp32(t.data[b+k*s] - m))
		}
		out.data[i] = m + float32(math.Log(sum))
	})
	if t.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor {
			gx := ZerosLike(t)
			l.each(grainTranscend, func(i, b int) {
				lse := out.data[i]
				for k := 0; k < l.n; k++ {
					if p := exp32(t.data[b+k*s] - lse); p == p {
						gx.data[b+k*s] = g.data[i] * p
					}
				}
			})
			return []*Tensor{gx}
		}, t)
	}
	return out
}

// Softmax returns exp(x)/sum(exp(x)) along axis, computed stably. Entries
// of -Inf get probability 0. A line that is entirely -Inf gives all zeros
// (PyTorch gives NaN), so fully masked attention rows stay finite.
func (t *Tensor) Softmax(axis int) *Tensor {
	l := t.lines("Softmax", axis)
	out := ZerosLike(t)
	s := l.stride()
	l.each(grainTranscend, func(_, b int) {
		m := lineMax(t.data, b, l.n, s)
		if math.IsInf(float64(m), -1) {
			return
		}
		var sum float64
		for k := 0; k < l.n; k++ {
			e := exp32(t.data[b+k*s] - m)
			out.data[b+k*s] = e
			sum += float64(e)
		}
		inv := float32(1 / sum)
		for k := 0; k < l.n; k++ {
			out.data[b+k*s] *= inv
		}
	})
	if t.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor {
			gx := ZerosLike(t)
			l.each(grainElementwise, func(_, b int) {
				var dot float64
				for k := 0; k < l.n; k++ {
					dot += float64(g.data[b+k*s]) * float64(out.data[b+k*s])
				}
				for k := 0; k < l.n; k++ {
					y := out.data[b+k*s]
					gx.data[b+k*s] = y * (g.data[b+k*s] - float32(dot))
				}
			})
			return []*Tensor{gx}
		}, t)
	}
	return out
}

// LogSoftmax returns x - LogSumExp(x) along axis, computed stably; -Inf
// entries stay -Inf.
func (t *Tensor) LogSoftmax(axis int) *Tensor {
	l := t.lines("LogSoftmax", axis)
	out := ZerosLike(t)
	s := l.stride()
	l.each(grainTranscend, func(_, b int) {
		m := lineMax(t.data, b, l.n, s)
		if math.IsInf(float64(m), 0) {
			// all -Inf: stays -Inf; any +Inf: NaN, as in PyTorch
			for k := 0; k < l.n; k++ {
				out.data[b+k*s] = m
				if m > 0 {
					out.data[b+k*s] = float32(math.NaN())
				}
			}
			return
		}
		var sum float64
		for k := 0; k < l.n; k++ {
			sum += float64(exp32(t.data[b+k*s] - m))
		}
		// (x - m) - log(sum) keeps the precision that x - lse would lose
		// when m is large.
		ls := float32(math.Log(sum))
		for k := 0; k < l.n; k++ {
			out.data[b+k*s] = (t.data[b+k*s] - m) - ls
		}
	})
	if t.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor {
			gx := ZerosLike(t)
			l.each(grainTranscend, func(_, b int) {
				var sum float64
				for k := 0; k < l.n; k++ {
					sum += float64(g.data[b+k*s])
				}
				for k := 0; k < l.n; k++ {
					p := exp32(out.data[b+k*s])
					gx.data[b+k*s] = g.data[b+k*s] - p*float32(sum)
				}
			})
			return []*Tensor{gx}
		}, t)
	}
	return out
}
