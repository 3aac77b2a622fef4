package data

import (
	"fmt"
	"iter"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/tensor"
)

// Dataset is a labelled data set held in memory: the examples stacked
// along the first axis of X, and one integer label per example in Y, like
// a PyTorch TensorDataset of (X, Y).
//
// X has shape (n, feature shape...), for example (60000, 1, 28, 28) for the
// MNIST training images; Y has n entries, or is nil for unlabelled data.
// The methods do not modify X or Y, and read only X's data (not its
// gradient or graph).
type Dataset struct {
	X *tensor.Tensor
	Y []int
}

// NewDataset returns the data set of examples x (stacked along its first
// axis) with labels y, which may be nil. It panics if x is nil or a
// scalar, or if y is not nil and len(y) differs from x.Dim(0).
func NewDataset(x *tensor.Tensor, y []int) *Dataset {
	d := &Dataset{X: x, Y: y}
	d.check("NewDataset")
	return d
}

// check panics unless d is well formed, naming op.
func (d *Dataset) check(op string) {
	if d.X == nil {
		panic(fmt.Sprintf("data.%s: the examples X are nil", op))
	}
	if d.X.NDim() == 0 {
		panic(fmt.Sprintf("data.%s: the examples X must have at least one dimension, got a scalar", op))
	}
	if d.Y != nil && len(d.Y) != d.X.Dim(0) {
		panic(fmt.Sprintf("data.%s: %d labels for X of shape %v; want one label per example", op, len(d.Y), d.X.Shape()))
	}
}

// Len returns the number of examples, X.Dim(0) (len(dataset) in PyTorch).
func (d *Dataset) Len() int {
	d.check("Dataset.Len")
	return d.X.Dim(0)
}

// ExampleShape returns the shape of one example: X's shape without its
// first axis.
func (d *Dataset) ExampleShape() []int {
	d.check("Dataset.ExampleShape")
	return d.X.Shape()[1:]
}

// gather copies the examples of x at positions idx into a new (len(idx),
// feature shape...) tensor. shape is a scratch copy of x's shape, whose
// first entry it overwrites.
func gather(op string, x *tensor.Tensor, shape, idx []int) *tensor.Tensor {
	n := shape[0]
	f := 1
	for _, s := range shape[1:] {
		f *= s
	}
	src := x.Data()
	dst := make([]float32, len(idx)*f)
	for i, j := range idx {
		if j < 0 || j >= n {
			panic(fmt.Sprintf("data.%s: index %d out of range for %d examples", op, j, n))
		}
		copy(dst[i*f:(i+1)*f], src[j*f:(j+1)*f])
	}
	shape[0] = len(idx)
	return tensor.New(dst, shape...) // New copies the shape
}

// Subset returns a new data set holding copies of the examples at the
// given positions, in that order (repeats allowed), like
// torch.utils.data.Subset but copied rather than viewed. It panics if a
// position is out of range.
func (d *Dataset) Subset(idx []int) *Dataset {
	d.check("Dataset.Subset")
	s := &Dataset{X: gather("Dataset.Subset", d.X, d.X.Shape(), idx)}
	if d.Y != nil {
		s.Y = make([]int, len(idx))
		for i, j := range idx {
			s.Y[i] = d.Y[j]
		}
	}
	return s
}

// Split divides d into two data sets of n and Len()-n examples, like
// torch.utils.data.random_split with lengths [n, Len()-n]. With a nil rng
// the first n examples go to first, in order; otherwise the examples are
// shuffled with rng first. It panics if n is outside 0..Len().
func (d *Dataset) Split(n int, rng *rand.Rand) (first, rest *Dataset) {
	size := d.Len()
	if n < 0 || n > size {
		panic(fmt.Sprintf("data.Dataset.Split: cannot take %d of %d examples", n, size))
	}
	order := permutation(size, rng)
	return d.Subset(order[:n]), d.Subset(order[n:])
}

// permutation returns 0..n-1, shuffled by rng if it is not nil.
func permutation(n int, rng *rand.Rand) []int {
	if rng != nil {
		return rng.Perm(n)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	return order
}

// Batch is one minibatch drawn from a [Dataset].
type Batch struct {
	// X holds copies of the examples, shape (batch, feature shape...). It
	// is a new tensor, not a view of the data set.
	X *tensor.Tensor
	// Y holds their labels, or is nil for an unlabelled data set.
	Y []int
	// Index holds their positions in the data set. It is shared with the
	// iterator's epoch order: read it, do not modify it.
	Index []int
}

// BatchOption configures [Dataset.Batches].
type BatchOption func(*batchConfig)

type batchConfig struct{ dropLast bool }

// DropLast makes [Dataset.Batches] leave out the last batch when it is
// smaller than the batch size, like drop_last=True in PyTorch's DataLoader.
func DropLast() BatchOption { return func(c *batchConfig) { c.dropLast = true } }

// Batches returns an iterator over one epoch of minibatches of size
// examples, like iterating over PyTorch's DataLoader(dataset, batch_size=
// size, shuffle=rng != nil). With rng == nil the examples come in order;
// otherwise each iteration over the returned sequence draws a new
// permutation from rng when it starts, so the same seed gives the same
// batches. Every example appears exactly once per epoch. The last batch
// holds the remaining Len() % size examples when that is not zero, unless
// [DropLast] is given.
//
// Each batch's X and Y are fresh slices that the caller may keep; one
// epoch allocates the order, the labels, and the X of each batch. Batches
// panics if size is less than 1.
func (d *Dataset) Batches(size int, rng *rand.Rand, opts ...BatchOption) iter.Seq[Batch] {
	d.check("Dataset.Batches")
	if size < 1 {
		panic(fmt.Sprintf("data.Dataset.Batches: batch size %d; want at least 1", size))
	}
	var cfg batchConfig
	for _, o := range opts {
		o(&cfg)
	}
	return func(yield func(Batch) bool) {
		d.check("Dataset.Batches") // again: the fields may have changed since
		shape := d.X.Shape()
		n := shape[0]
		order := permutation(n, rng)
		if cfg.dropLast {
			order = order[:n-n%size]
		}
		var labels []int
		if d.Y != nil {
			labels = make([]int, len(order))
			for i, j := range order {
				labels[i] = d.Y[j]
			}
		}
		for lo := 0; lo < len(order); lo += size {
			hi := min(lo+size, len(order))
			shape[0] = n
			b := Batch{X: gather("Dataset.Batches", d.X, shape, order[lo:hi]), Index: order[lo:hi:hi]}
			if labels != nil {
				b.Y = labels[lo:hi:hi]
			}
			if !yield(b) {
				return
			}
		}
	}
}
