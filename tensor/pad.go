package tensor

import "fmt"

// Pad2D returns x with its last two dimensions padded by the constant
// value: left and right columns, top and bottom rows, PyTorch's
// F.pad(x, (left, right, top, bottom), value=value). x needs at least two
// dimensions. A negative amount crops instead, as in PyTorch. The result
// is differentiable in x.
func (x *Tensor) Pad2D(left, right, top, bottom int, value float32) *Tensor {
	return pad2d("Pad2D", x, [4]int{left, right, top, bottom}, padConstant, value)
}

// ReflectionPad2D returns x with its last two dimensions padded by
// reflection about the edges (the edge itself not repeated), PyTorch's
// F.pad(x, (left, right, top, bottom), mode='reflect') and
// nn.ReflectionPad2d. Each amount must be non-negative and smaller than
// the size of the dimension it pads. The result is differentiable in x.
func (x *Tensor) ReflectionPad2D(left, right, top, bottom int) *Tensor {
	return pad2d("ReflectionPad2D", x, [4]int{left, right, top, bottom}, padReflect, 0)
}

// ReplicationPad2D returns x with its last two dimensions padded by
// repeating the edge values, PyTorch's F.pad(x, (left, right, top,
// bottom), mode='replicate') and nn.ReplicationPad2d. The amounts must be
// non-negative. The result is differentiable in x.
func (x *Tensor) ReplicationPad2D(left, right, top, bottom int) *Tensor {
	return pad2d("ReplicationPad2D", x, [4]int{left, right, top, bottom}, padReplicate, 0)
}

type padMode int

const (
	padConstant padMode = iota
	padReflect
	padReplicate
)

// padSource returns, for each of the before+n+after output positions of a
// padded dimension of size n, the input position it copies, or -1 for the
// constant value.
func padSource(n, before, after int, mode padMode) []int {
	src := make([]int, max(0, before+n+after))
	for i := range src {
		k := i - before
		switch mode {
		case padConstant:
			if k < 0 || k >= n {
				k = -1
			}
		case padReflect:
			if k < 0 {
				k = -k
			}
			if k >= n {
				k = 2*(n-1) - k
			}
		case padReplicate:
			k = min(max(k, 0), n-1)
		}
		src[i] = k
	}
	return src
}

func pad2d(op string, x *Tensor, p [4]int, mode padMode, value float32) *Tensor {
	r := len(x.shape)
	if r < 2 {
		panicShape(op, "needs at least 2 dimensions, shape", x.shape)
	}
	h, w := x.shape[r-2], x.shape[r-1]
	switch mode {
	case padConstant:
		if h+p[2]+p[3] < 0 || w+p[0]+p[1] < 0 {
			panicShape(op, fmt.Sprintf("padding (left, right, top, bottom) %v crops more than the input, shape", p), x.shape)
		}
	case padReflect:
		if p[0] < 0 || p[1] < 0 || p[2] < 0 || p[3] < 0 || p[0] >= w || p[1] >= w || p[2] >= h || p[3] >= h {
			panicShape(op, fmt.Sprintf("padding (left, right, top, bottom) %v must be non-negative and smaller than the padded dimension, shape", p), x.shape)
		}
	case padReplicate:
		if p[0] < 0 || p[1] < 0 || p[2] < 0 || p[3] < 0 || ((h == 0 || w == 0) && p != [4]int{}) {
			panicShape(op, fmt.Sprintf("padding (left, right, top, bottom) %v must be non-negative (and the input not empty), shape", p), x.shape)
		}
	}
	rows, cols := padSource(h, p[2], p[3], mode), padSource(w, p[0], p[1], mode)
	oh, ow := len(rows), len(cols)
	shape := append(append([]int(nil), x.shape[:r-2]...), oh, ow)
	out := Zeros(shape...)
	planes := 1
	for _, d := range x.shape[:r-2] {
		planes *= d
	}
	grain := max(1, grainElementwise/max(1, oh*ow))
	parallelFor(planes, grain, func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			in := x.data[pl*h*w : (pl+1)*h*w]
			dst := out.data[pl*oh*ow : (pl+1)*oh*ow]
			for i, si := range rows {
				row := dst[i*ow : (i+1)*ow]
				if si < 0 {
					fill(row, value)
					continue
				}
				src := in[si*w : (si+1)*w]
				for j, sj := range cols {
					if sj < 0 {
						row[j] = value
					} else {
						row[j] = src[sj]
					}
				}
			}
		}
	})
	if x.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor {
			gx := Zeros(x.shape...)
			parallelFor(planes, grain, func(lo, hi int) {
				for pl := lo; pl < hi; pl++ {
					dst := gx.data[pl*h*w : (pl+1)*h*w]
					src := g.data[pl*oh*ow : (pl+1)*oh*ow]
					for i, si := range rows {
						if si < 0 {
							continue
						}
						row := src[i*ow : (i+1)*ow]
						d := dst[si*w : (si+1)*w]
						for j, sj := range cols {
							if sj >= 0 {
								d[sj] += row[j]
							}
						}
					}
				}
			})
			return []*Tensor{gx}
		}, x)
	}
	return out
}
