package tensor

import (
	"fmt"
	"slices"
)

// broadcastShape returns the NumPy broadcast of two shapes: aligned at the
// last dimension, each pair of sizes must be equal or one of them 1.
func broadcastShape(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 1; i <= n; i++ {
		da, db := 1, 1
		if i <= len(a) {
			da = a[len(a)-i]
		}
		if i <= len(b) {
			db = b[len(b)-i]
		}
		switch {
		case da == db || db == 1:
			out[n-i] = da
		case da == 1:
			out[n-i] = db
		default:
			panic(fmt.Sprintf("tensor.%s: shapes %v and %v do not broadcast", op, a, b))
		}
	}
	return out
}

// plan iterates over an output shape together with operands broadcast to
// it. Dimensions of size 1 are dropped and neighbouring dimensions that are
// laid out alike in every operand are merged, so the innermost run is as
// long as possible. Each operand's stride in the innermost run is 0
// (broadcast) or 1 (contiguous).
type plan struct {
	n      int     // number of output elements
	dims   []int   // merged output dimensions, at least one
	stride [][]int // stride[k][d]: operand k's stride along merged dimension d
}

func newPlan(out []int, ins ...[]int) *plan {
	p := &plan{n: 1, stride: make([][]int, len(ins))}
	full := make([][]int, len(ins))
	for k, s := range ins {
		full[k] = make([]int, len(out))
		st := 1
		for i := 1; i <= len(out); i++ {
			d := 1
			if i <= len(s) {
				d = s[len(s)-i]
			}
			if d != 1 {
				full[k][len(out)-i] = st
			}
			st *= d
		}
	}
	for i, d := range out {
		p.n *= d
		if d == 1 {
			continue
		}
		if m := len(p.dims) - 1; m >= 0 && mergeable(full, p.stride, i, d) {
			p.dims[m] *= d
			for k := range ins {
				p.stride[k][m] = full[k][i]
			}
			continue
		}
		p.dims = append(p.dims, d)
		for k := range ins {
			p.stride[k] = append(p.stride[k], full[k][i])
		}
	}
	if len(p.dims) == 0 {
		p.dims = []int{1}
		for k := range ins {
			p.stride[k] = []int{0}
		}
	}
	return p
}

// mergeable reports whether output dimension i (size d) can be folded into
// the last merged dimension: for every operand, the last merged stride must
// equal stride_i*d (both zero for a broadcast operand).
func mergeable(full, merged [][]int, i, d int) bool {
	for k := range full {
		last := merged[k][len(merged[k])-1]
		if last != full[k][i]*d {
			return false
		}
	}
	return true
}

// inner returns operand k's stride (0 or 1) in the innermost run.
func (p *plan) inner(k int) int { return p.stride[k][len(p.dims)-1] }

// run calls f once per innermost run with the output offset, each operand's
// offset and the run length. Runs are spread over goroutines when the
// output has at least 2*grain elements; each output element is written by
// exactly one call.
func (p *plan) run(grain int, f func(dst int, offs []int, n int)) {
	r := len(p.dims) - 1
	n := p.dims[r]
	outer := p.n / max(n, 1)
	if p.n == 0 {
		return
	}
	parallelFor(outer, max(1, grain/n), func(lo, hi int) {
		idx := make([]int, r)
		offs := make([]int, len(p.stride))
		// start the odometer at lo
		rem := lo
		for d := r - 1; d >= 0; d-- {
			idx[d] = rem % p.dims[d]
			rem /= p.dims[d]
		}
		for k, st := range p.stride {
			for d := 0; d < r; d++ {
				offs[k] += idx[d] * st[d]
			}
		}
		for o := lo; o < hi; o++ {
			f(o*n, offs, n)
			for d := r - 1; d >= 0; d-- {
				idx[d]++
				for k, st := range p.stride {
					offs[k] += st[d]
				}
				if idx[d] < p.dims[d] {
					break
				}
				for k, st := range p.stride {
					offs[k] -= st[d] * p.dims[d]
				}
				idx[d] = 0
			}
		}
	})
}

// sumTo reduces g by summation to shape, which must broadcast to g's shape.
// It is the gradient of broadcasting a tensor of that shape to g's shape.
// The sum runs sequentially in row-major order, so it is deterministic.
func sumTo(g *Tensor, shape []int) *Tensor {
	if slices.Equal(g.shape, shape) {
		return g
	}
	out := Zeros(shape...)
	p := newPlan(g.shape, shape)
	inner := p.inner(0)
	r := len(p.dims) - 1
	idx := make([]int, r)
	off := 0
	n := p.dims[r]
	for o := 0; o < p.n/max(n, 1); o++ {
		src := g.data[o*n : o*n+n]
		if inner == 1 {
			addTo(out.data[off:off+n], src)
		} else {
			var s float64
			for _, v := range src {
				s += float64(v)
			}
			out.data[off] += float32(s)
		}
		for d := r - 1; d >= 0; d-- {
			idx[d]++
			off += p.stride[0][d]
			if idx[d] < p.dims[d] {
				break
			}
			off -= p.stride[0][d] * p.dims[d]
			idx[d] = 0
		}
	}
	return out
}

// BroadcastTo returns a copy of t expanded to shape by NumPy broadcasting
// rules. Its gradient sums over the expanded dimensions.
func (t *Tensor) BroadcastTo(shape ...int) *Tensor {
	if got := broadcastShape("BroadcastTo", t.shape, shape); !slices.Equal(got, shape) {
		panic(fmt.Sprintf("tensor.BroadcastTo: shape %v does not broadcast to %v", t.shape, shape))
	}
	out := Zeros(shape...)
	p := newPlan(shape, t.shape)
	inner := p.inner(0)
	p.run(grainElementwise, func(dst int, offs []int, n int) {
		d := out.data[dst : dst+n]
		if inner == 1 {
			copy(d, t.data[offs[0]:offs[0]+n])
			return
		}
		v := t.data[offs[0]]
		for i := range d {
			d[i] = v
		}
	})
	if t.requiresGrad {
		in := t.shape
		out.setNode(func(g *Tensor) []*Tensor { return []*Tensor{sumTo(g, in)} }, t)
	}
	return out
}
