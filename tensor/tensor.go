package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Tensor is an n-dimensional array of float32 values in row-major order,
// together with the bookkeeping for reverse-mode automatic differentiation.
//
// A Tensor's data is always contiguous. Operations return new tensors; only
// Reshape, Flatten, Squeeze and Unsqueeze return views that share the backing
// data with their input (see the package documentation).
type Tensor struct {
	data  []float32
	shape []int

	requiresGrad bool
	grad         *Tensor
	node         *node // the operation that made this tensor; nil for leaves

	// part is set only on gradients in flight during Backward that are
	// zero outside one block (see partial); data then holds the block.
	part *partial
}

// New returns a tensor of the given shape that uses data as its backing
// array (it is not copied). With no shape, data must hold one value and the
// result is a scalar. New panics if len(data) does not match the shape.
func New(data []float32, shape ...int) *Tensor {
	n := checkShape("New", shape)
	if len(data) != n {
		panic(fmt.Sprintf("tensor.New: %d values do not fill shape %v (%d values)", len(data), shape, n))
	}
	return &Tensor{data: data, shape: append([]int(nil), shape...)}
}

// Scalar returns a 0-dimensional tensor holding v.
func Scalar(v float32) *Tensor { return &Tensor{data: []float32{v}, shape: []int{}} }

// Zeros returns a tensor of the given shape filled with zeros.
func Zeros(shape ...int) *Tensor {
	n := checkShape("Zeros", shape)
	return &Tensor{data: make([]float32, n), shape: append([]int(nil), shape...)}
}

// Ones returns a tensor of the given shape filled with ones.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full returns a tensor of the given shape filled with v.
func Full(v float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	if math.Float32bits(v) != 0 { // -0 is filled too
		for i := range t.data {
			t.data[i] = v
		}
	}
	return t
}

// ZerosLike returns a tensor of zeros with the shape of t.
func ZerosLike(t *Tensor) *Tensor { return Zeros(t.shape...) }

// OnesLike returns a tensor of ones with the shape of t.
func OnesLike(t *Tensor) *Tensor { return Ones(t.shape...) }

// Arange returns the 1-D tensor start, start+step, ... of the values less
// than end (greater than end for a negative step), as numpy.arange does.
// It panics if step is zero.
func Arange(start, end, step float32) *Tensor {
	if step == 0 {
		panic("tensor.Arange: step is zero")
	}
	n := int(math.Ceil(float64(end-start) / float64(step)))
	if n < 0 {
		n = 0
	}
	t := Zeros(n)
	for i := range t.data {
		t.data[i] = start + float32(i)*step
	}
	return t
}

// Uniform returns a tensor of the given shape with values drawn uniformly
// from [lo, hi) by rng.
func Uniform(rng *rand.Rand, lo, hi float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = lo + (hi-lo)*rng.Float32()
	}
	return t
}

// Normal returns a tensor of the given shape with values drawn by rng from
// the normal distribution with the given mean and standard deviation.
func Normal(rng *rand.Rand, mean, std float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = mean + std*float32(rng.NormFloat64())
	}
	return t
}

// Randn returns a tensor of the given shape with standard normal values
// drawn by rng.
func Randn(rng *rand.Rand, shape ...int) *Tensor { return Normal(rng, 0, 1, shape...) }

// checkShape validates a shape and returns the number of elements it holds.
func checkShape(op string, shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor.%s: negative dimension in shape %v", op, shape))
		}
		n *= d
	}
	return n
}

// Shape returns a copy of the tensor's dimensions.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int { return t.shape[t.axis("Dim", i)] }

// NDim returns the number of dimensions (0 for a scalar).
func (t *Tensor) NDim() int { return len(t.shape) }

// Size returns the number of elements.
func (t *Tensor) Size() int { return len(t.data) }

// Data returns the backing array in row-major order. It is shared, not
// copied: writing to it changes the tensor and every view of it.
func (t *Tensor) Data() []float32 { return t.data }

// Item returns the value of a tensor that holds exactly one element.
func (t *Tensor) Item() float32 {
	if len(t.data) != 1 {
		panic(fmt.Sprintf("tensor.Item: tensor of shape %v holds %d values, not 1", t.shape, len(t.data)))
	}
	return t.data[0]
}

// At returns the element at the given index, one coordinate per dimension.
func (t *Tensor) At(index ...int) float32 { return t.data[t.offset("At", index)] }

// Set stores v at the given index. It writes the data in place and records
// nothing for autodiff; use it to build inputs, not inside a model.
func (t *Tensor) Set(v float32, index ...int) { t.data[t.offset("Set", index)] = v }

func (t *Tensor) offset(op string, index []int) int {
	if len(index) != len(t.shape) {
		panic(fmt.Sprintf("tensor.%s: index %v for shape %v", op, index, t.shape))
	}
	off := 0
	for i, x := range index {
		if x < 0 || x >= t.shape[i] {
			panic(fmt.Sprintf("tensor.%s: index %v out of range for shape %v", op, index, t.shape))
		}
		off = off*t.shape[i] + x
	}
	return off
}

// Ints returns the values rounded to the nearest integers, in row-major
// order; use it on the results of Argmax.
func (t *Tensor) Ints() []int {
	out := make([]int, len(t.data))
	for i, v := range t.data {
		out[i] = int(math.Round(float64(v)))
	}
	return out
}

// Clone returns a copy of t with its own data. The copy is differentiable:
// gradients flow back to t.
func (t *Tensor) Clone() *Tensor {
	out := &Tensor{data: append([]float32(nil), t.data...), shape: t.Shape()}
	if t.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor { return []*Tensor{g} }, t)
	}
	return out
}

// axis normalises a possibly negative axis and panics if it is out of range.
func (t *Tensor) axis(op string, a int) int {
	n := len(t.shape)
	if a < 0 {
		a += n
	}
	if a < 0 || a >= n {
		panic(fmt.Sprintf("tensor.%s: axis %d out of range for shape %v", op, a, t.shape))
	}
	return a
}

// String formats the tensor as nested brackets, eliding the middle of long
// dimensions.
func (t *Tensor) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tensor%v", t.shape)
	if len(t.shape) == 0 {
		fmt.Fprintf(&b, "(%g)", t.data[0])
		return b.String()
	}
	b.WriteByte(' ')
	t.format(&b, 0, 0)
	return b.String()
}

func (t *Tensor) format(b *strings.Builder, dim, off int) {
	stride := 1
	for _, d := range t.shape[dim+1:] {
		stride *= d
	}
	n := t.shape[dim]
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if n > 8 && i == 3 {
			b.WriteString(" ...")
			i = n - 3
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		if dim == len(t.shape)-1 {
			fmt.Fprintf(b, "%g", t.data[off+i])
		} else {
			t.format(b, dim+1, off+i*stride)
		}
	}
	b.WriteByte(']')
}

// panicShape panics with a message that names the op, what is wrong and
// the shapes involved.
func panicShape(op, what string, shapes ...[]int) {
	msg := fmt.Sprintf("tensor.%s: %s:", op, what)
	for _, s := range shapes {
		msg += fmt.Sprintf(" %v", s)
	}
	panic(msg)
}
