package tensor

import (
	"fmt"
	"slices"
)

// IndexSelect returns the slices of t at the given positions along dim, in
// that order (positions may repeat): w.IndexSelect(0, ids) is an embedding
// lookup. The gradient adds each slice's gradient back at its position.
func (t *Tensor) IndexSelect(dim int, index []int) *Tensor {
	l := t.lines("IndexSelect", dim)
	for _, i := range index {
		if i < 0 || i >= l.n {
			panic(fmt.Sprintf("tensor.IndexSelect: index %d out of range [0, %d) along dimension %d of shape %v", i, l.n, dim, t.shape))
		}
	}
	index = append([]int(nil), index...)
	shape := t.Shape()
	shape[l.axis] = len(index)
	out := Zeros(shape...)
	k, in := len(index), l.inner
	parallelFor(l.outer*k, max(1, grainElementwise/max(1, in)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o, i := r/k, r%k
			copy(out.data[r*in:(r+1)*in], t.data[(o*l.n+index[i])*in:])
		}
	})
	if t.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor {
			gx := ZerosLike(t)
			// Parallel over outer slices; each element of
			// gx sums its contributions in index order.
			parallelFor(l.outer, 1, func(lo, hi int) {
				for o := lo; o < hi; o++ {
					for i, p := range index {
						addTo(gx.data[(o*l.n+p)*in:(o*l.n+p+1)*in], g.data[(o*k+i)*in:])
					}
				}
			})
			return []*Tensor{gx}
		}, t)
	}
	return out
}

// indexLines checks an index laid out like t except along axis l.axis,
// where it has k = len(index)/(outer*inner) entries, and returns k.
func indexLines(op string, l lines, index []int, shape []int) int {
	if l.outer*l.inner == 0 || len(index)%(l.outer*l.inner) != 0 {
		panic(fmt.Sprintf("tensor.%s: %d indices do not fit shape %v along dimension %d", op, len(index), shape, l.axis))
	}
	k := len(index) / (l.outer * l.inner)
	for _, i := range index {
		if i < 0 || i >= l.n {
			panic(fmt.Sprintf("tensor.%s: index %d out of range [0, %d) along dimension %d of shape %v", op, i, l.n, l.axis, shape))
		}
	}
	return k
}

// Gather picks values along dim: out[..., i, ...] = t[..., index[..., i,
// ...], ...], where index (row-major) has t's shape except along dim, which
// has len(index)/(product of the other dimensions) entries. With dim the
// class axis, Gather picks each row's target log-probability.
func (t *Tensor) Gather(dim int, index []int) *Tensor {
	l := t.lines("Gather", dim)
	k := indexLines("Gather", l, index, t.shape)
	index = append([]int(nil), index...)
	shape := t.Shape()
	shape[l.axis] = k
	out := Zeros(shape...)
	for o := 0; o < l.outer; o++ {
		for i := 0; i < k; i++ {
			for j := 0; j < l.inner; j++ {
				r := (o*k+i)*l.inner + j
				out.data[r] = t.data[(o*l.n+index[r])*l.inner+j]
			}
		}
	}
	if t.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor {
			return []*Tensor{scatterAdd(ZerosLike(t), l, k, index, g)}
		}, t)
	}
	return out
}

// ScatterAdd returns a copy of t with src added at the positions index
// gives along dim: out[..., index[..., i, ...], ...] += src[..., i, ...].
// index has src's shape, and src has t's shape except along dim. It is the
// reverse of Gather, and differentiable in t and in src.
func (t *Tensor) ScatterAdd(dim int, index []int, src *Tensor) *Tensor {
	l := t.lines("ScatterAdd", dim)
	k := indexLines("ScatterAdd", l, index, t.shape)
	want := t.Shape()
	want[l.axis] = k
	if !slices.Equal(want, src.shape) {
		panicShape("ScatterAdd", "source shape does not fit the index and the tensor, shapes", src.shape, t.shape)
	}
	index = append([]int(nil), index...)
	out := scatterAdd(&Tensor{data: append([]float32(nil), t.data...), shape: t.Shape()}, l, k, index, src)
	if anyRequiresGrad(t, src) {
		out.setNode(func(g *Tensor) []*Tensor {
			var gs *Tensor
			if src.requiresGrad {
				gs = g.Gather(l.axis, index)
			}
			return []*Tensor{g, gs}
		}, t, src)
	}
	return out
}

// scatterAdd adds src into dst in place along l's axis, in row-major order.
func scatterAdd(dst *Tensor, l lines, k int, index []int, src *Tensor) *Tensor {
	for o := 0; o < l.outer; o++ {
		for i := 0; i < k; i++ {
			for j := 0; j < l.inner; j++ {
				r := (o*k+i)*l.inner + j
				dst.data[(o*l.n+index[r])*l.inner+j] += src.data[r]
			}
		}
	}
	return dst
}

// OneHot returns a (len(index), n) tensor with row i all zeros but a 1 at
// column index[i].
func OneHot(index []int, n int) *Tensor {
	out := Zeros(len(index), n)
	for i, c := range index {
		if c < 0 || c >= n {
			panic(fmt.Sprintf("tensor.OneHot: index %d out of range [0, %d)", c, n))
		}
		out.data[i*n+c] = 1
	}
	return out
}
