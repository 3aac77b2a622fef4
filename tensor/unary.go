package tensor

import "math"

// unary applies f to every element; df(x, y) is the derivative at input x
// with output y, used by the backward pass.
func (t *Tensor) unary(grain int, f func(x float32) float32, df func(x, y float32) float32) *Tensor {
	out := t.unaryValues(f)
	if t.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor {
			gx := &Tensor{data: make([]float32, len(g.data)), shape: t.Shape()}
			parallelFor(len(gx.data), grain, func(lo, hi int) {
				x, y, gg := t.data[lo:hi], out.data[lo:hi], g.data[lo:hi]
				d := gx.data[lo:hi]
				for i := range d {
					d[i] = gg[i] * df(x[i], y[i])
				}
			})
			return []*Tensor{gx}
		}, t)
	}
	return out
}

// unaryValues maps f over t without recording a graph.
func (t *Tensor) unaryValues(f func(x float32) float32) *Tensor {
	out := &Tensor{data: make([]float32, len(t.data)), shape: t.Shape()}
	parallelFor(len(out.data), grainTranscend, func(lo, hi int) {
		x, d := t.data[lo:hi], out.data[lo:hi]
		for i := range d {
			d[i] = f(x[i])
		}
	})
	return out
}

// unarySlices is unary with kernels that take whole slices, for the cheap
// functions whose per-element call through a func value would cost more
// than the function: f sets d[i] from x[i]; df sets d[i] to the gradient
// g[i]·f'(x[i]) given the input x and output y. The results are those of
// unary with the per-element functions the kernels inline.
func (t *Tensor) unarySlices(grain int, f func(d, x []float32), df func(d, g, x, y []float32)) *Tensor {
	out := &Tensor{data: make([]float32, len(t.data)), shape: t.Shape()}
	parallelFor(len(out.data), grain, func(lo, hi int) {
		f(out.data[lo:hi], t.data[lo:hi])
	})
	if t.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor {
			gx := &Tensor{data: make([]float32, len(g.data)), shape: t.Shape()}
			parallelFor(len(gx.data), grain, func(lo, hi int) {
				df(gx.data[lo:hi], g.data[lo:hi], t.data[lo:hi], out.data[lo:hi])
			})
			return []*Tensor{gx}
		}, t)
	}
	return out
}

// Neg returns -t.
func (t *Tensor) Neg() *Tensor {
	return t.unary(grainElementwise, func(x float32) float32 { return -x }, func(_, _ float32) float32 { return -1 })
}

// Exp returns e to the power of each element.
func (t *Tensor) Exp() *Tensor {
	return t.unary(grainTranscend, exp32, func(_, y float32) float32 { return y })
}

// Log returns the natural logarithm of each element (-Inf at 0, NaN below).
func (t *Tensor) Log() *Tensor {
	return t.unary(grainTranscend, func(x float32) float32 { return float32(math.Log(float64(x))) },
		func(x, _ float32) float32 { return 1 / x })
}

// Sqrt returns the square root of each element.
func (t *Tensor) Sqrt() *Tensor {
	return t.unary(grainTranscend, func(x float32) float32 { return float32(math.Sqrt(float64(x))) },
		func(_, y float32) float32 { return 0.5 / y })
}

// Abs returns the absolute value of each element; its gradient at 0 is 0.
func (t *Tensor) Abs() *Tensor {
	return t.unary(grainElementwise, func(x float32) float32 { return float32(math.Abs(float64(x))) },
		func(x, _ float32) float32 { return sign(x) })
}

// Clamp limits each element to [lo, hi]. The gradient passes where lo <= x
// <= hi and is 0 outside, as in PyTorch. Use ±Inf for a one-sided clamp.
func (t *Tensor) Clamp(lo, hi float32) *Tensor {
	return t.unary(grainElementwise, func(x float32) float32 { return min(max(x, lo), hi) },
		func(x, _ float32) float32 {
			if x < lo || x > hi {
				return 0
			}
			return 1
		})
}

// ReLU returns max(x, 0) elementwise; its gradient at 0 is 0.
func (t *Tensor) ReLU() *Tensor {
	return t.unarySlices(grainElementwise, func(d, x []float32) {
		x = x[:len(d)]
		for i, v := range x {
			d[i] = max(v, 0)
		}
	}, func(d, g, x, _ []float32) {
		g, x = g[:len(d)], x[:len(d)]
		for i, v := range x {
			// g·1 or g·0 as unary computed it (NaN for an infinite
			// gradient where x <= 0), without a branch on the sign of
			// x, which random signs would mispredict.
			d[i] = g[i] * float32(b2i(v > 0))
		}
	})
}

// b2i returns 1 for true and 0 for false (a SETcc, no branch).
func b2i(b bool) int32 {
	var i int32
	if b {
		i = 1
	}
	return i
}

// LeakyReLU returns x for x > 0 and slope*x otherwise (PyTorch's default
// slope is 0.01).
func (t *Tensor) LeakyReLU(slope float32) *Tensor {
	return t.unarySlices(grainElementwise, func(d, x []float32) {
		x = x[:len(d)]
		for i, v := range x {
			if v > 0 {
				d[i] = v
			} else {
				d[i] = slope * v
			}
		}
	}, func(d, g, x, _ []float32) {
		g, x = g[:len(d)], x[:len(d)]
		for i, v := range x {
			m := slope
			if v > 0 {
				m = 1
			}
			d[i] = g[i] * m
		}
	})
}

// Sigmoid returns 1/(1+e^-x) elementwise, computed without overflow.
func (t *Tensor) Sigmoid() *Tensor {
	return t.unarySlices(grainTranscend, func(d, x []float32) {
		x = x[:len(d)]
		for i, v := range x {
			d[i] = sigmoid32(v)
		}
	}, func(d, g, _, y []float32) {
		g, y = g[:len(d)], y[:len(d)]
		for i, v := range y {
			d[i] = g[i] * (v * (1 - v))
		}
	})
}

// Tanh returns the hyperbolic tangent of each element.
func (t *Tensor) Tanh() *Tensor {
	return t.unarySlices(grainTranscend, func(d, x []float32) {
		x = x[:len(d)]
		for i, v := range x {
			d[i] = tanh32(v)
		}
	}, func(d, g, _, y []float32) {
		g, y = g[:len(d)], y[:len(d)]
		for i, v := range y {
			d[i] = g[i] * (1 - v*v)
		}
	})
}

// GELU returns x·Φ(x) with Φ the standard normal CDF: the exact form that
// is PyTorch's default (approximate='none').
func (t *Tensor) GELU() *Tensor {
	return t.unary(grainTranscend, func(x float32) float32 {
		return float32(0.5 * float64(x) * (1 + math.Erf(float64(x)/math.Sqrt2)))
	}, func(x, _ float32) float32 {
		v := float64(x)
		cdf := 0.5 * (1 + math.Erf(v/math.Sqrt2))
		pdf := math.Exp(-0.5*v*v) / math.Sqrt(2*math.Pi)
		return float32(cdf + v*pdf)
	})
}

// Softplus returns log(1+e^x) elementwise. As in PyTorch (beta 1, threshold
// 20), it returns x itself where x > 20.
func (t *Tensor) Softplus() *Tensor {
	return t.unary(grainTranscend, func(x float32) float32 {
		if x > 20 {
			return x
		}
		return float32(math.Log1p(math.Exp(float64(x))))
	}, func(x, _ float32) float32 {
		if x > 20 {
			return 1
		}
		return sigmoid32(x)
	})
}

func sign(x float32) float32 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
