package tensor

import (
	"fmt"
	"math"
	"slices"
)

// binKernel computes dst[i] = f(x[i*sx], y[i*sy]) for a run, where each
// stride is 0 (a broadcast value) or 1.
type binKernel func(dst, x, y []float32, sx, sy int)

// kernelOf makes a binKernel from a scalar function; used for the ops that
// are not hot enough for hand-written loops.
func kernelOf(f func(a, b float32) float32) binKernel {
	return func(dst, x, y []float32, sx, sy int) {
		for i := range dst {
			dst[i] = f(x[i*sx], y[i*sy])
		}
	}
}

func addKernel(dst, x, y []float32, sx, sy int) {
	switch {
	case sx == 1 && sy == 1:
		x, y = x[:len(dst)], y[:len(dst)]
		for i := range dst {
			dst[i] = x[i] + y[i]
		}
	case sx == 1:
		v, x := y[0], x[:len(dst)]
		for i := range dst {
			dst[i] = x[i] + v
		}
	case sy == 1:
		v, y := x[0], y[:len(dst)]
		for i := range dst {
			dst[i] = v + y[i]
		}
	default:
		fill(dst, x[0]+y[0])
	}
}

func subKernel(dst, x, y []float32, sx, sy int) {
	switch {
	case sx == 1 && sy == 1:
		x, y = x[:len(dst)], y[:len(dst)]
		for i := range dst {
			dst[i] = x[i] - y[i]
		}
	case sx == 1:
		v, x := y[0], x[:len(dst)]
		for i := range dst {
			dst[i] = x[i] - v
		}
	case sy == 1:
		v, y := x[0], y[:len(dst)]
		for i := range dst {
			dst[i] = v - y[i]
		}
	default:
		fill(dst, x[0]-y[0])
	}
}

func mulKernel(dst, x, y []float32, sx, sy int) {
	switch {
	case sx == 1 && sy == 1:
		x, y = x[:len(dst)], y[:len(dst)]
		for i := range dst {
			dst[i] = x[i] * y[i]
		}
	case sx == 1:
		v, x := y[0], x[:len(dst)]
		for i := range dst {
			dst[i] = x[i] * v
		}
	case sy == 1:
		v, y := x[0], y[:len(dst)]
		for i := range dst {
			dst[i] = v * y[i]
		}
	default:
		fill(dst, x[0]*y[0])
	}
}

func divKernel(dst, x, y []float32, sx, sy int) {
	switch {
	case sx == 1 && sy == 1:
		x, y = x[:len(dst)], y[:len(dst)]
		for i := range dst {
			dst[i] = x[i] / y[i]
		}
	case sx == 1:
		v, x := y[0], x[:len(dst)]
		for i := range dst {
			dst[i] = x[i] / v
		}
	default:
		kernelOf(func(a, b float32) float32 { return a / b })(dst, x, y, sx, sy)
	}
}

func fill(dst []float32, v float32) {
	for i := range dst {
		dst[i] = v
	}
}

// apply2 computes the broadcast of a and b through k into a new tensor.
func apply2(op string, a, b *Tensor, k binKernel) *Tensor {
	if slices.Equal(a.shape, b.shape) {
		out := &Tensor{data: make([]float32, len(a.data)), shape: a.Shape()}
		parallelFor(len(out.data), grainElementwise, func(lo, hi int) {
			k(out.data[lo:hi], a.data[lo:hi], b.data[lo:hi], 1, 1)
		})
		return out
	}
	shape := broadcastShape(op, a.shape, b.shape)
	out := Zeros(shape...)
	p := newPlan(shape, a.shape, b.shape)
	sa, sb := p.inner(0), p.inner(1)
	p.run(grainElementwise, func(dst int, offs []int, n int) {
		k(out.data[dst:dst+n], a.data[offs[0]:], b.data[offs[1]:], sa, sb)
	})
	return out
}

// Add returns a + b with NumPy broadcasting.
func (a *Tensor) Add(b *Tensor) *Tensor {
	out := apply2("Add", a, b, addKernel)
	if anyRequiresGrad(a, b) {
		out.setNode(func(g *Tensor) []*Tensor {
			return []*Tensor{gradFor(a, g), gradFor(b, g)}
		}, a, b)
	}
	return out
}

// Sub returns a - b with NumPy broadcasting.
func (a *Tensor) Sub(b *Tensor) *Tensor {
	out := apply2("Sub", a, b, subKernel)
	if anyRequiresGrad(a, b) {
		out.setNode(func(g *Tensor) []*Tensor {
			var gb *Tensor
			if b.requiresGrad {
				gb = sumTo(g.Neg(), b.shape)
			}
			return []*Tensor{gradFor(a, g), gb}
		}, a, b)
	}
	return out
}

// Mul returns the elementwise product a * b with NumPy broadcasting.
func (a *Tensor) Mul(b *Tensor) *Tensor {
	out := apply2("Mul", a, b, mulKernel)
	if anyRequiresGrad(a, b) {
		out.setNode(func(g *Tensor) []*Tensor {
			return []*Tensor{gradFor(a, g, b), gradFor(b, g, a)}
		}, a, b)
	}
	return out
}

// Div returns the elementwise quotient a / b with NumPy broadcasting.
func (a *Tensor) Div(b *Tensor) *Tensor {
	out := apply2("Div", a, b, divKernel)
	if anyRequiresGrad(a, b) {
		out.setNode(func(g *Tensor) []*Tensor {
			var ga, gb *Tensor
			if a.requiresGrad {
				ga = sumTo(apply2("Div", g, b, divKernel), a.shape)
			}
			if b.requiresGrad {
				// d(a/b)/db = -out/b
				q := apply2("Div", out.Detach(), b, divKernel)
				gb = sumTo(apply2("Mul", g, q, mulKernel).Neg(), b.shape)
			}
			return []*Tensor{ga, gb}
		}, a, b)
	}
	return out
}

// gradFor returns the gradient for input t of a broadcasting op, g times
// the given factors (none for Add), summed back to t's shape; nil when t
// does not require grad.
func gradFor(t, g *Tensor, factors ...*Tensor) *Tensor {
	if !t.requiresGrad {
		return nil
	}
	for _, f := range factors {
		g = apply2("Mul", g, f, mulKernel)
	}
	return sumTo(g, t.shape)
}

// Pow returns a raised to the power b, elementwise with NumPy broadcasting.
// As in PyTorch, the gradient with respect to b is taken as 0 where a is 0
// and b >= 0.
func (a *Tensor) Pow(b *Tensor) *Tensor {
	pow := func(x, y float32) float32 { return float32(math.Pow(float64(x), float64(y))) }
	out := apply2("Pow", a, b, kernelOf(pow))
	if anyRequiresGrad(a, b) {
		out.setNode(func(g *Tensor) []*Tensor {
			var ga, gb *Tensor
			if a.requiresGrad {
				d := apply2("Pow", a, b, kernelOf(func(x, y float32) float32 {
					if y == 0 {
						return 0
					}
					return y * pow(x, y-1)
				}))
				ga = gradFor(a, g, d)
			}
			if b.requiresGrad {
				// d(a^b)/db = a^b·log(a), taken as 0 where a = 0 and b >= 0
				d := apply2("Pow", a, b, kernelOf(func(x, y float32) float32 {
					if x == 0 && y >= 0 {
						return 0
					}
					return pow(x, y) * float32(math.Log(float64(x)))
				}))
				gb = gradFor(b, g, d)
			}
			return []*Tensor{ga, gb}
		}, a, b)
	}
	return out
}

// Maximum returns the elementwise maximum of a and b with NumPy
// broadcasting. Where the two are equal the gradient is split evenly between
// them, as in PyTorch.
func (a *Tensor) Maximum(b *Tensor) *Tensor {
	return a.minmax("Maximum", b, func(x, y float32) float32 {
		switch {
		case x > y:
			return 1
		case x == y:
			return 0.5
		}
		return 0
	})
}

// Minimum returns the elementwise minimum of a and b with NumPy
// broadcasting; ties split the gradient evenly, as in Maximum.
func (a *Tensor) Minimum(b *Tensor) *Tensor {
	return a.minmax("Minimum", b, func(x, y float32) float32 {
		switch {
		case x < y:
			return 1
		case x == y:
			return 0.5
		}
		return 0
	})
}

// minmax implements Maximum and Minimum: wa(x, y) is the share of the
// gradient that goes to a.
func (a *Tensor) minmax(op string, b *Tensor, wa func(x, y float32) float32) *Tensor {
	out := apply2(op, a, b, kernelOf(func(x, y float32) float32 {
		if x != x || wa(x, y) > 0 {
			return x // NaN propagates, as in NumPy and PyTorch
		}
		return y
	}))
	if anyRequiresGrad(a, b) {
		out.setNode(func(g *Tensor) []*Tensor {
			w := apply2(op, a, b, kernelOf(wa))
			var gb *Tensor
			if b.requiresGrad {
				wb := w.unaryValues(func(v float32) float32 { return 1 - v })
				gb = gradFor(b, g, wb)
			}
			return []*Tensor{gradFor(a, g, w), gb}
		}, a, b)
	}
	return out
}

// Where returns, elementwise with NumPy broadcasting of all three, a where
// cond is nonzero and b elsewhere. Gradients flow to a and b, not to cond.
func Where(cond, a, b *Tensor) *Tensor {
	shape := broadcastShape("Where", broadcastShape("Where", cond.shape, a.shape), b.shape)
	out := Zeros(shape...)
	p := newPlan(shape, cond.shape, a.shape, b.shape)
	sc, sa, sb := p.inner(0), p.inner(1), p.inner(2)
	p.run(grainElementwise, func(dst int, offs []int, n int) {
		c, x, y := cond.data[offs[0]:], a.data[offs[1]:], b.data[offs[2]:]
		d := out.data[dst : dst+n]
		for i := range d {
			if c[i*sc] != 0 {
				d[i] = x[i*sa]
			} else {
				d[i] = y[i*sb]
			}
		}
	})
	if anyRequiresGrad(a, b) {
		mask := cond.Detach()
		out.setNode(func(g *Tensor) []*Tensor {
			zero := Scalar(0)
			var ga, gb *Tensor
			if a.requiresGrad {
				ga = sumTo(Where(mask, g, zero), a.shape)
			}
			if b.requiresGrad {
				gb = sumTo(Where(mask, zero, g), b.shape)
			}
			return []*Tensor{ga, gb}
		}, a, b)
	}
	return out
}

// MaskedFill returns a copy of t with value wherever mask (broadcast to t's
// shape) is nonzero. No gradient flows to the filled positions.
func (t *Tensor) MaskedFill(mask *Tensor, value float32) *Tensor {
	if got := broadcastShape("MaskedFill", t.shape, mask.shape); !slices.Equal(got, t.shape) {
		panic(fmt.Sprintf("tensor.MaskedFill: mask shape %v does not broadcast to tensor shape %v", mask.shape, t.shape))
	}
	return Where(mask, Scalar(value), t)
}

// AddScalar returns t + s.
func (t *Tensor) AddScalar(s float32) *Tensor { return t.Add(Scalar(s)) }

// MulScalar returns t * s.
func (t *Tensor) MulScalar(s float32) *Tensor { return t.Mul(Scalar(s)) }

// PowScalar returns t raised to the power p, elementwise.
func (t *Tensor) PowScalar(p float32) *Tensor {
	switch p {
	case 1:
		return t.Clone()
	case 2:
		return t.Mul(t)
	}
	return t.unary(grainTranscend,
		func(x float32) float32 { return float32(math.Pow(float64(x), float64(p))) },
		func(x, _ float32) float32 {
			if p == 0 {
				return 0
			}
			return p * float32(math.Pow(float64(x), float64(p-1)))
		})
}
