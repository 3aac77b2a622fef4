package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
)

// toyDataset has n examples of shape (2, 3); example i holds the values
// 100i+0 .. 100i+5 and has label i%7.
func toyDataset(n int) *Dataset {
	x := make([]float32, n*6)
	y := make([]int, n)
	for i := range n {
		for j := range 6 {
			x[i*6+j] = float32(100*i + j)
		}
		y[i] = i % 7
	}
	return NewDataset(tensor.New(x, n, 2, 3), y)
}

// checkBatch checks that b's X rows and labels are those of d at b.Index.
func checkBatch(t *testing.T, d *Dataset, b Batch) {
	t.Helper()
	shape := b.X.Shape()
	if !slices.Equal(shape, []int{len(b.Index), 2, 3}) || len(b.Y) != len(b.Index) {
		t.Fatalf("batch X %v, %d labels, %d indices", shape, len(b.Y), len(b.Index))
	}
	for i, j := range b.Index {
		for k := range 6 {
			if got, want := b.X.Data()[i*6+k], d.X.Data()[j*6+k]; got != want {
				t.Fatalf("batch row %d (example %d) value %d: %v, want %v", i, j, k, got, want)
			}
		}
		if b.Y[i] != d.Y[j] {
			t.Fatalf("batch row %d (example %d): label %d, want %d", i, j, b.Y[i], d.Y[j])
		}
	}
}

// epoch collects the indices of one pass, checking every batch.
func epoch(t *testing.T, d *Dataset, size int, rng *rand.Rand, opts ...BatchOption) (sizes []int, order []int) {
	t.Helper()
	for b := range d.Batches(size, rng, opts...) {
		checkBatch(t, d, b)
		sizes = append(sizes, len(b.Index))
		order = append(order, b.Index...)
	}
	return sizes, order
}

func TestBatchesCoverage(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		n, size  int
		shuffle  bool
		dropLast bool
		sizes    []int
	}{
		{10, 4, false, false, []int{4, 4, 2}},
		{10, 4, true, false, []int{4, 4, 2}},
		{10, 4, true, true, []int{4, 4}},
		{8, 4, true, false, []int{4, 4}},
		{8, 4, true, true, []int{4, 4}},
		{3, 5, true, false, []int{3}},
		{3, 5, true, true, nil},
		{1, 1, true, false, []int{1}},
		{0, 3, true, false, nil},
	} {
		name := fmt.Sprintf("n=%d size=%d shuffle=%v dropLast=%v", test.n, test.size, test.shuffle, test.dropLast)
		d := toyDataset(test.n)
		var rng *rand.Rand
		if test.shuffle {
			rng = rand.New(rand.NewPCG(1, 2))
		}
		var opts []BatchOption
		if test.dropLast {
			opts = append(opts, DropLast())
		}
		for ep := range 3 {
			sizes, order := epoch(t, d, test.size, rng, opts...)
			if !slices.Equal(sizes, test.sizes) {
				t.Errorf("%s epoch %d: batch sizes %v; want %v", name, ep, sizes, test.sizes)
			}
			seen := make([]int, test.n)
			for _, j := range order {
				seen[j]++
			}
			for j, c := range seen {
				// With DropLast the dropped examples are the epoch's last ones.
				if c > 1 || c == 0 && !test.dropLast {
					t.Errorf("%s epoch %d: example %d seen %d times", name, ep, j, c)
				}
			}
			if !test.shuffle && !slices.IsSorted(order) {
				t.Errorf("%s: unshuffled order %v", name, order)
			}
		}
	}
}

func TestBatchesDeterminism(t *testing.T) {
	t.Parallel()
	d := toyDataset(50)
	run := func(seed uint64) [][]int {
		rng := rand.New(rand.NewPCG(seed, 0))
		seq := d.Batches(8, rng)
		var epochs [][]int
		for range 2 { // ranging twice over one sequence draws two permutations
			var order []int
			for b := range seq {
				order = append(order, b.Index...)
			}
			epochs = append(epochs, order)
		}
		return epochs
	}
	a, b, c := run(7), run(7), run(8)
	for e := range a {
		if !slices.Equal(a[e], b[e]) {
			t.Errorf("epoch %d differs for the same seed:\n%v\n%v", e, a[e], b[e])
		}
		if slices.Equal(a[e], c[e]) {
			t.Errorf("epoch %d is the same for seeds 7 and 8", e)
		}
	}
	if slices.Equal(a[0], a[1]) {
		t.Errorf("the two epochs of one sequence have the same order %v", a[0])
	}
	if slices.IsSorted(a[0]) {
		t.Errorf("shuffled epoch is sorted")
	}
}

func TestBatchesEarlyBreakAndUnlabelled(t *testing.T) {
	t.Parallel()
	d := toyDataset(10)
	count := 0
	for range d.Batches(3, nil) {
		count++
		if count == 2 {
			break
		}
	}
	if count != 2 {
		t.Errorf("break after 2 batches ran %d", count)
	}
	u := NewDataset(d.X, nil)
	for b := range u.Batches(4, rand.New(rand.NewPCG(3, 4))) {
		if b.Y != nil || b.X.Dim(0) != len(b.Index) {
			t.Fatalf("unlabelled batch: Y %v, X %v, Index %v", b.Y, b.X.Shape(), b.Index)
		}
	}
	// Batch X is a copy: writing to it leaves the data set alone.
	for b := range d.Batches(10, nil) {
		b.X.Data()[0] = -1
	}
	if d.X.Data()[0] != 0 {
		t.Errorf("writing to a batch changed the data set")
	}
}

func TestSubsetSplit(t *testing.T) {
	t.Parallel()
	d := toyDataset(10)
	s := d.Subset([]int{3, 3, 9})
	if s.Len() != 3 || !slices.Equal(s.Y, []int{3, 3, 2}) || !slices.Equal(s.ExampleShape(), []int{2, 3}) {
		t.Fatalf("Subset: len %d labels %v shape %v", s.Len(), s.Y, s.X.Shape())
	}
	if got := s.X.Data()[12:18]; !slices.Equal(got, []float32{900, 901, 902, 903, 904, 905}) {
		t.Errorf("Subset row 2: %v", got)
	}

	a, b := d.Split(4, nil)
	if a.Len() != 4 || b.Len() != 6 || !slices.Equal(a.Y, []int{0, 1, 2, 3}) || b.X.At(0, 0, 0) != 400 {
		t.Errorf("ordered Split: %v / %v", a.Y, b.Y)
	}
	a, b = d.Split(3, rand.New(rand.NewPCG(5, 6)))
	seen := map[float32]bool{}
	for _, part := range []*Dataset{a, b} {
		for i := range part.Len() {
			v := part.X.At(i, 0, 0)
			if seen[v] || part.Y[i] != int(v/100)%7 {
				t.Errorf("Split: example %v repeated or mislabelled", v)
			}
			seen[v] = true
		}
	}
	if a.Len() != 3 || len(seen) != 10 {
		t.Errorf("random Split: %d + %d examples, %d distinct", a.Len(), b.Len(), len(seen))
	}
}

func TestDatasetPanics(t *testing.T) {
	t.Parallel()
	d := toyDataset(4)
	for _, test := range []struct {
		name string
		f    func()
		want string
	}{
		{"labels", func() { NewDataset(tensor.Zeros(3, 2), []int{1, 2}) },
			"data.NewDataset: 2 labels for X of shape [3 2]; want one label per example"},
		{"scalar", func() { NewDataset(tensor.Scalar(1), nil) },
			"data.NewDataset: the examples X must have at least one dimension, got a scalar"},
		{"nil", func() { NewDataset(nil, nil) }, "data.NewDataset: the examples X are nil"},
		{"batch size", func() { d.Batches(0, nil) },
			"data.Dataset.Batches: batch size 0; want at least 1"},
		{"subset index", func() { d.Subset([]int{0, 4}) },
			"data.Dataset.Subset: index 4 out of range for 4 examples"},
		{"split", func() { d.Split(5, nil) },
			"data.Dataset.Split: cannot take 5 of 4 examples"},
	} {
		func() {
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.HasPrefix(msg, test.want) {
					t.Errorf("%s: panic %v; want %q", test.name, r, test.want)
				}
			}()
			test.f()
		}()
	}
}

func BenchmarkBatches(b *testing.B) {
	// An MNIST-sized example (784 values) in batches of 64.
	const n, f = 10000, 784
	d := NewDataset(tensor.Zeros(n, f), make([]int, n))
	rng := rand.New(rand.NewPCG(1, 2))
	b.SetBytes(n * f * 4)
	for b.Loop() {
		for range d.Batches(64, rng) {
		}
	}
}
