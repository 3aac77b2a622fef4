package tensor

import (
	"fmt"
	"slices"
)

// Reshape returns a view of t with a new shape holding the same number of
// elements; one dimension may be -1 and is then inferred. The view shares
// t's data.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	shape = append([]int(nil), shape...)
	known, infer := 1, -1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panicShape("Reshape", fmt.Sprintf("bad target shape %v for shape", shape), t.shape)
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || len(t.data)%known != 0 {
			panicShape("Reshape", fmt.Sprintf("cannot infer -1 in %v for shape", shape), t.shape)
		}
		shape[infer] = len(t.data) / known
		known *= shape[infer]
	}
	if known != len(t.data) {
		panicShape("Reshape", "sizes differ, shapes", t.shape, shape)
	}
	return t.view(shape)
}

// view returns a tensor sharing t's data with another shape of the same size.
func (t *Tensor) view(shape []int) *Tensor {
	out := &Tensor{data: t.data, shape: shape}
	if t.requiresGrad {
		in := t.shape
		out.setNode(func(g *Tensor) []*Tensor { return []*Tensor{New(g.data, in...)} }, t)
	}
	return out
}

// Flatten returns a view with the dimensions from start to the last merged
// into one: x.Flatten(1) turns (N, C, H, W) into (N, C*H*W).
func (t *Tensor) Flatten(start int) *Tensor {
	if len(t.shape) == 0 {
		return t.Reshape(1)
	}
	a := t.axis("Flatten", start)
	n := 1
	for _, d := range t.shape[a:] {
		n *= d
	}
	return t.Reshape(append(append([]int(nil), t.shape[:a]...), n)...)
}

// Squeeze returns a view without dimension dim, which must have size 1.
func (t *Tensor) Squeeze(dim int) *Tensor {
	a := t.axis("Squeeze", dim)
	if t.shape[a] != 1 {
		panicShape("Squeeze", fmt.Sprintf("dimension %d is not 1 in shape", dim), t.shape)
	}
	return t.view(append(append([]int(nil), t.shape[:a]...), t.shape[a+1:]...))
}

// Unsqueeze returns a view with a new dimension of size 1 inserted at dim
// (0..NDim; negative counts from the end, -1 appends).
func (t *Tensor) Unsqueeze(dim int) *Tensor {
	n := len(t.shape) + 1
	if dim < 0 {
		dim += n
	}
	if dim < 0 || dim >= n {
		panicShape("Unsqueeze", fmt.Sprintf("dimension %d out of range for shape", dim), t.shape)
	}
	shape := append(append(append([]int(nil), t.shape[:dim]...), 1), t.shape[dim:]...)
	return t.view(shape)
}

// Transpose returns a copy of t with dimensions d0 and d1 swapped.
func (t *Tensor) Transpose(d0, d1 int) *Tensor {
	perm := make([]int, len(t.shape))
	for i := range perm {
		perm[i] = i
	}
	a, b := t.axis("Transpose", d0), t.axis("Transpose", d1)
	perm[a], perm[b] = perm[b], perm[a]
	return t.Permute(perm...)
}

// T returns the transpose of a 2-D tensor (a copy).
func (t *Tensor) T() *Tensor {
	if len(t.shape) != 2 {
		panicShape("T", "needs a 2-D tensor, shape", t.shape)
	}
	return t.Permute(1, 0)
}

// Permute returns a copy of t whose dimension i is t's dimension dims[i].
func (t *Tensor) Permute(dims ...int) *Tensor {
	if len(dims) != len(t.shape) {
		panic(fmt.Sprintf("tensor.Permute: permutation %v for shape %v", dims, t.shape))
	}
	seen := make([]bool, len(dims))
	perm := make([]int, len(dims))
	for i, d := range dims {
		a := t.axis("Permute", d)
		if seen[a] {
			panic(fmt.Sprintf("tensor.Permute: %v is not a permutation for shape %v", dims, t.shape))
		}
		seen[a], perm[i] = true, a
	}
	shape := make([]int, len(perm))
	for i, a := range perm {
		shape[i] = t.shape[a]
	}
	out := Zeros(shape...)
	permuteInto(out.data, t.data, t.shape, perm)
	if t.requiresGrad {
		inv := make([]int, len(perm))
		for i, a := range perm {
			inv[a] = i
		}
		out.setNode(func(g *Tensor) []*Tensor {
			gx := Zeros(t.shape...)
			permuteInto(gx.data, g.data, g.shape, inv)
			return []*Tensor{gx}
		}, t)
	}
	return out
}

// permuteInto writes src (of shape) permuted by perm into dst.
func permuteInto(dst, src []float32, shape, perm []int) {
	r := len(shape)
	if r == 0 || len(src) == 0 {
		copy(dst, src)
		return
	}
	strides := make([]int, r)
	s := 1
	for i := r - 1; i >= 0; i-- {
		strides[i] = s
		s *= shape[i]
	}
	oshape, ostr := make([]int, r), make([]int, r)
	for i, a := range perm {
		oshape[i], ostr[i] = shape[a], strides[a]
	}
	n := oshape[r-1]
	inner := ostr[r-1]
	rows := len(dst) / n
	parallelFor(rows, max(1, grainElementwise/n), func(lo, hi int) {
		idx := make([]int, r-1)
		rem, off := lo, 0
		for d := r - 2; d >= 0; d-- {
			idx[d] = rem % oshape[d]
			rem /= oshape[d]
			off += idx[d] * ostr[d]
		}
		for row := lo; row < hi; row++ {
			d := dst[row*n : row*n+n]
			for i := range d {
				d[i] = src[off+i*inner]
			}
			for k := r - 2; k >= 0; k-- {
				idx[k]++
				off += ostr[k]
				if idx[k] < oshape[k] {
					break
				}
				off -= ostr[k] * oshape[k]
				idx[k] = 0
			}
		}
	})
}

// Narrow returns a copy of the part of t from start to start+length along
// dim.
func (t *Tensor) Narrow(dim, start, length int) *Tensor {
	l := t.lines("Narrow", dim)
	if start < 0 || length < 0 || start+length > l.n {
		panicShape("Narrow", fmt.Sprintf("range [%d, %d) along dimension %d out of bounds for shape", start, start+length, dim), t.shape)
	}
	shape := t.Shape()
	shape[l.axis] = length
	out := Zeros(shape...)
	blk := length * l.inner
	for o := 0; o < l.outer; o++ {
		copy(out.data[o*blk:(o+1)*blk], t.data[(o*l.n+start)*l.inner:])
	}
	if t.requiresGrad {
		part := &partial{outer: l.outer, n: l.n, inner: l.inner, start: start, length: length}
		out.setNode(func(g *Tensor) []*Tensor {
			// a block gradient: expanded where it is accumulated
			return []*Tensor{{data: g.data, shape: t.shape, part: part}}
		}, t)
	}
	return out
}

// Split cuts t along dim into consecutive pieces of the given sizes, which
// must add up to the size of dim. Each piece is a copy; the backward pass
// writes each piece's gradient into one buffer, so splitting into many
// pieces costs no more than the tensor's size.
func (t *Tensor) Split(dim int, sizes ...int) []*Tensor {
	a := t.axis("Split", dim)
	total := 0
	for _, s := range sizes {
		if s < 0 {
			panicShape("Split", fmt.Sprintf("negative size in %v for shape", sizes), t.shape)
		}
		total += s
	}
	if total != t.shape[a] {
		panicShape("Split", fmt.Sprintf("sizes %v do not add up to dimension %d of shape", sizes, dim), t.shape)
	}
	out := make([]*Tensor, len(sizes))
	at := 0
	for i, s := range sizes {
		out[i] = t.Narrow(a, at, s)
		at += s
	}
	return out
}

// Unbind returns the slices of t along dim, each without that dimension:
// a (T, B, H) tensor unbinds along 0 into T tensors of shape (B, H).
func (t *Tensor) Unbind(dim int) []*Tensor {
	a := t.axis("Unbind", dim)
	out := make([]*Tensor, t.shape[a])
	for i := range out {
		out[i] = t.Narrow(a, i, 1).Squeeze(a)
	}
	return out
}

// Slice returns a copy of the elements start..end-1 along dim.
func (t *Tensor) Slice(dim, start, end int) *Tensor { return t.Narrow(dim, start, end-start) }

// Concat joins tensors along dim. They must have the same shape except
// along dim.
func Concat(dim int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor.Concat: no tensors")
	}
	first := ts[0]
	a := first.axis("Concat", dim)
	shape := first.Shape()
	shape[a] = 0
	for _, t := range ts {
		if len(t.shape) != len(first.shape) {
			panicShape("Concat", "ranks differ, shapes", first.shape, t.shape)
		}
		for i := range t.shape {
			if i != a && t.shape[i] != first.shape[i] {
				panicShape("Concat", fmt.Sprintf("shapes differ outside dimension %d, shapes", dim), first.shape, t.shape)
			}
		}
		shape[a] += t.shape[a]
	}
	out := Zeros(shape...)
	outer, inner := 1, 1
	for _, d := range shape[:a] {
		outer *= d
	}
	for _, d := range shape[a+1:] {
		inner *= d
	}
	row := shape[a] * inner
	at := 0
	for _, t := range ts {
		blk := t.shape[a] * inner
		for o := 0; o < outer; o++ {
			copy(out.data[o*row+at:o*row+at+blk], t.data[o*blk:(o+1)*blk])
		}
		at += blk
	}
	if anyRequiresGrad(ts...) {
		inputs := append([]*Tensor(nil), ts...)
		out.setNode(func(g *Tensor) []*Tensor {
			grads := make([]*Tensor, len(inputs))
			at := 0
			for i, t := range inputs {
				if t.requiresGrad {
					grads[i] = g.Narrow(a, at, t.shape[a])
				}
				at += t.shape[a]
			}
			return grads
		}, inputs...)
	}
	return out
}

// Stack joins tensors of one shape along a new dimension dim.
func Stack(dim int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor.Stack: no tensors")
	}
	us := make([]*Tensor, len(ts))
	for i, t := range ts {
		if !slices.Equal(t.shape, ts[0].shape) {
			panicShape("Stack", "shapes differ, shapes", ts[0].shape, t.shape)
		}
		us[i] = t.Unsqueeze(dim)
	}
	return Concat(dim, us...)
}
