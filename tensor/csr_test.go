package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-ml/cairn/data"

	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

func TestNewCSRErrors(t *testing.T) {
	cases := []struct {
		name       string
		rows, cols int
		indptr     []int
		indices    []int
		values     []float32
		want       string
	}{
		{"negative rows", -1, 2, []int{0}, nil, nil, "negative size"},
		{"negative cols", 1, -2, []int{0, 0}, nil, nil, "negative size"},
		{"indptr too short", 2, 2, []int{0, 1}, []int{0}, []float32{1}, "indptr has 2 entries, want rows+1 = 3"},
		{"indptr too long", 1, 2, []int{0, 1, 1}, []int{0}, []float32{1}, "indptr has 3 entries"},
		{"nil indptr", 0, 0, nil, nil, nil, "indptr has 0 entries, want rows+1 = 1"},
		{"values short", 1, 2, []int{0, 2}, []int{0, 1}, []float32{1}, "1 values for 2 column indices"},
		{"values long", 1, 2, []int{0, 1}, []int{0}, []float32{1, 2}, "2 values for 1 column indices"},
		{"indptr start", 1, 2, []int{1, 1}, []int{0}, []float32{1}, "indptr[0] is 1, want 0"},
		{"indptr decreases", 3, 2, []int{0, 2, 1, 2}, []int{0, 1}, []float32{1, 2}, "indptr decreases at row 1"},
		{"indptr end short", 2, 2, []int{0, 1, 1}, []int{0, 1}, []float32{1, 2}, "indptr[2] is 1, want the number of entries 2"},
		{"indptr end long", 2, 2, []int{0, 1, 3}, []int{0, 1}, []float32{1, 2}, "indptr[2] is 3"},
		{"column too large", 2, 3, []int{0, 1, 2}, []int{0, 3}, []float32{1, 2}, "row 1 (entry 1): column index 3 out of range [0, 3)"},
		{"negative column", 1, 3, []int{0, 1}, []int{-1}, []float32{1}, "column index -1 out of range"},
		{"column in zero-column matrix", 1, 0, []int{0, 1}, []int{0}, []float32{1}, "column index 0 out of range [0, 0)"},
		{"duplicate column", 2, 3, []int{0, 0, 2}, []int{1, 1}, []float32{1, 2}, "row 1 (entry 1): duplicate column index 1"},
		{"unsorted columns", 1, 3, []int{0, 3}, []int{0, 2, 1}, []float32{1, 2, 3}, "row 0 (entry 2): column indices not increasing (1 after 2)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := tensor.NewCSR(c.rows, c.cols, c.indptr, c.indices, c.values)
			if err == nil {
				t.Fatalf("NewCSR returned %v and no error", a)
			}
			if a != nil {
				t.Errorf("NewCSR returned a matrix with the error %q", err)
			}
			if !strings.HasPrefix(err.Error(), "tensor.NewCSR: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestNewCSRValid(t *testing.T) {
	cases := []struct {
		name       string
		rows, cols int
		indptr     []int
		indices    []int
	}{
		{"0×0", 0, 0, []int{0}, nil},
		{"3×0", 3, 0, []int{0, 0, 0, 0}, nil},
		{"0×4", 0, 4, []int{0}, nil},
		{"empty rows", 4, 3, []int{0, 0, 2, 2, 3}, []int{0, 2, 1}},
	}
	for _, c := range cases {
		vals := make([]float32, len(c.indices))
		a, err := tensor.NewCSR(c.rows, c.cols, c.indptr, c.indices, vals)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if a.Rows() != c.rows || a.Cols() != c.cols || a.NNZ() != len(c.indices) {
			t.Errorf("%s: got %d×%d with %d entries", c.name, a.Rows(), a.Cols(), a.NNZ())
		}
	}
}

func TestCSRFromCOOErrors(t *testing.T) {
	cases := []struct {
		name       string
		rows, cols int
		r, c       []int
		v          []float32
		want       string
	}{
		{"negative rows", -3, 2, nil, nil, nil, "negative size -3×2"},
		{"negative cols", 3, -1, nil, nil, nil, "negative size"},
		{"too many rows", math.MaxInt, 1, nil, nil, nil, "too many"},
		{"columns short", 2, 2, []int{0, 1}, []int{0}, []float32{1, 2}, "lengths 2, 1 and 2"},
		{"values short", 2, 2, []int{0, 1}, []int{0, 1}, []float32{1}, "lengths 2, 2 and 1"},
		{"row too large", 2, 2, []int{0, 2}, []int{0, 1}, []float32{1, 2}, "entry 1: row index 2 out of range [0, 2)"},
		{"negative row", 2, 2, []int{-1}, []int{0}, []float32{1}, "entry 0: row index -1 out of range"},
		{"column too large", 2, 2, []int{0, 1, 1}, []int{0, 1, 5}, []float32{1, 2, 3}, "entry 2: column index 5 out of range [0, 2)"},
		{"negative column", 2, 2, []int{1}, []int{-4}, []float32{1}, "column index -4 out of range"},
		{"entry in 0×0", 0, 0, []int{0}, []int{0}, []float32{1}, "row index 0 out of range [0, 0)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := tensor.CSRFromCOO(c.rows, c.cols, c.r, c.c, c.v)
			if err == nil {
				t.Fatalf("CSRFromCOO returned %v and no error", a)
			}
			if a != nil {
				t.Errorf("CSRFromCOO returned a matrix with the error %q", err)
			}
			if !strings.HasPrefix(err.Error(), "tensor.CSRFromCOO: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestCSRFromCOOSortsAndSums(t *testing.T) {
	// 3×4 with entries out of order, duplicates (one summing to zero) and
	// an empty middle row.
	r := []int{2, 0, 2, 0, 2, 0, 2, 0}
	c := []int{3, 2, 0, 0, 3, 2, 1, 2}
	v := []float32{1, 10, 5, 7, 2, 20, -4, 30}
	in := [][]int{slices.Clone(r), slices.Clone(c)}
	inV := slices.Clone(v)
	a, err := tensor.CSRFromCOO(3, 4, r, c, v)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r, in[0]) || !slices.Equal(c, in[1]) || !slices.Equal(v, inV) {
		t.Error("CSRFromCOO modified its inputs")
	}
	wantPtr, wantIdx := []int{0, 2, 2, 5}, []int{0, 2, 0, 1, 3}
	wantVal := []float32{7, 60, 5, -4, 3}
	if !slices.Equal(a.RowPtr(), wantPtr) || !slices.Equal(a.ColIdx(), wantIdx) || !slices.Equal(a.Values(), wantVal) {
		t.Errorf("got indptr %v indices %v values %v, want %v %v %v",
			a.RowPtr(), a.ColIdx(), a.Values(), wantPtr, wantIdx, wantVal)
	}

	// Duplicates that cancel stay as an explicit zero.
	z, err := tensor.CSRFromCOO(1, 2, []int{0, 0}, []int{1, 1}, []float32{2.5, -2.5})
	if err != nil {
		t.Fatal(err)
	}
	if z.NNZ() != 1 || z.Values()[0] != 0 || z.ColIdx()[0] != 1 {
		t.Errorf("cancelling duplicates: got indices %v values %v, want [1] [0]", z.ColIdx(), z.Values())
	}

	// Duplicates are summed in float64 and rounded once: 1 + 2^-24 + 2^-24
	// in float32, one at a time, would stay at 1.
	tiny := float32(math.Ldexp(1, -24))
	s, err := tensor.CSRFromCOO(1, 1, []int{0, 0, 0}, []int{0, 0, 0}, []float32{1, tiny, tiny})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Values()[0], float32(1+2*math.Ldexp(1, -24)); got != want {
		t.Errorf("sum of duplicates: got %v, want %v", got, want)
	}

	// No entries at all.
	e, err := tensor.CSRFromCOO(3, 5, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.NNZ() != 0 || !slices.Equal(e.RowPtr(), []int{0, 0, 0, 0}) {
		t.Errorf("empty: got %d entries, indptr %v", e.NNZ(), e.RowPtr())
	}
}

// csrRandom returns a random rows×cols matrix in which each entry is
// present with probability density, and rows listed in empty have no
// entries. It is built through CSRFromCOO from shuffled triplets.
func csrRandom(t testing.TB, rng *rand.Rand, rows, cols int, density float64, empty ...int) *tensor.CSR {
	t.Helper()
	var r, c []int
	var v []float32
	for i := 0; i < rows; i++ {
		if slices.Contains(empty, i) {
			continue
		}
		for j := 0; j < cols; j++ {
			if rng.Float64() < density {
				r, c, v = append(r, i), append(c, j), append(v, 2*rng.Float32()-1)
			}
		}
	}
	rng.Shuffle(len(r), func(p, q int) {
		r[p], r[q] = r[q], r[p]
		c[p], c[q] = c[q], c[p]
		v[p], v[q] = v[q], v[p]
	})
	a, err := tensor.CSRFromCOO(rows, cols, r, c, v)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCSRDenseRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{0, 0}, {0, 3}, {3, 0}, {1, 1}, {5, 7}, {20, 9}} {
		d := tensor.Zeros(sz[0], sz[1])
		for i := range d.Data() {
			if rng.Float64() < 0.3 {
				d.Data()[i] = 2*rng.Float32() - 1
			}
		}
		// Dense → triplets → CSR → Dense.
		var r, c []int
		var v []float32
		for i := 0; i < sz[0]; i++ {
			for j := 0; j < sz[1]; j++ {
				if x := d.At(i, j); x != 0 {
					r, c, v = append(r, i), append(c, j), append(v, x)
				}
			}
		}
		a, err := tensor.CSRFromCOO(sz[0], sz[1], r, c, v)
		if err != nil {
			t.Fatal(err)
		}
		if a.NNZ() != len(v) {
			t.Errorf("%v: %d entries, want %d", sz, a.NNZ(), len(v))
		}
		csrSameBits(t, fmt.Sprintf("%v: Dense", sz), a.Dense(), d)
		// The CSR arrays are valid input for NewCSR and give the same matrix.
		b, err := tensor.NewCSR(a.Rows(), a.Cols(), a.RowPtr(), a.ColIdx(), a.Values())
		if err != nil {
			t.Fatalf("%v: NewCSR on CSRFromCOO's arrays: %v", sz, err)
		}
		csrSameBits(t, fmt.Sprintf("%v: NewCSR Dense", sz), b.Dense(), d)
		if b.Dense().RequiresGrad() {
			t.Error("Dense requires grad")
		}
	}
}

func TestCSRTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][2]int{{0, 0}, {0, 4}, {4, 0}, {6, 9}, {40, 25}} {
		a := csrRandom(t, rng, sz[0], sz[1], 0.2, 1)
		at := a.Transpose()
		if at.Rows() != a.Cols() || at.Cols() != a.Rows() || at.NNZ() != a.NNZ() {
			t.Fatalf("%v: transpose is %d×%d with %d entries", sz, at.Rows(), at.Cols(), at.NNZ())
		}
		csrSameBits(t, fmt.Sprintf("%v: Transpose().Dense()", sz), at.Dense(), a.Dense().T())
		// The transpose is a valid CSR (sorted, in range): rebuild it from
		// its arrays, then transpose that (no cache shared with a).
		b, err := tensor.NewCSR(at.Rows(), at.Cols(), at.RowPtr(), at.ColIdx(), at.Values())
		if err != nil {
			t.Fatalf("%v: transpose arrays rejected: %v", sz, err)
		}
		att := b.Transpose()
		if att.Rows() != a.Rows() || att.Cols() != a.Cols() ||
			!slices.Equal(att.RowPtr(), a.RowPtr()) || !slices.Equal(att.ColIdx(), a.ColIdx()) ||
			!slices.Equal(att.Values(), a.Values()) {
			t.Errorf("%v: transposing twice changed the matrix", sz)
		}
		// Transpose returns storage of its own.
		if at.NNZ() > 0 {
			at.Values()[0] = 99
			if slices.Contains(a.Values(), 99) {
				t.Errorf("%v: Transpose shares values with the matrix", sz)
			}
		}
	}
}

// csrCheckClose fails t unless got and want have one shape and agree to
// float32 rounding of sums of a few terms of size at most 1.
func csrCheckClose(t *testing.T, what string, got, want *tensor.Tensor) {
	t.Helper()
	if !slices.Equal(got.Shape(), want.Shape()) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	bad := 0
	for i, g := range got.Data() {
		w := want.Data()[i]
		if d := math.Abs(float64(g - w)); !(d <= 1e-5+1e-5*math.Abs(float64(w))) {
			if bad < 5 {
				t.Errorf("%s: element %d is %v, want %v", what, i, g, w)
			}
			bad++
		}
	}
}

func csrSameBits(t *testing.T, what string, got, want *tensor.Tensor) {
	t.Helper()
	if !slices.Equal(got.Shape(), want.Shape()) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	for i, g := range got.Data() {
		if math.Float32bits(g) != math.Float32bits(want.Data()[i]) {
			t.Errorf("%s: element %d is %v, want %v", what, i, g, want.Data()[i])
			return
		}
	}
}

func TestCSRMatMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []struct {
		rows, cols, n int
		density       float64
		empty         []int
	}{
		{0, 0, 3, 0.5, nil},
		{0, 5, 3, 0.5, nil},
		{4, 0, 3, 0.5, nil},
		{4, 5, 0, 0.5, nil},
		{4, 5, 3, 0, nil}, // no entries
		{1, 1, 1, 1, nil},
		{7, 5, 3, 0.4, []int{0, 3, 6}},
		{50, 30, 17, 0.1, []int{0, 1, 2, 49}},
		{300, 200, 64, 0.05, []int{7, 100, 299}},
		{2000, 1500, 40, 0.004, []int{0, 1999}}, // large enough to run in parallel
	}
	for _, c := range cases {
		name := fmt.Sprintf("%dx%d·%dx%d density %v", c.rows, c.cols, c.cols, c.n, c.density)
		a := csrRandom(t, rng, c.rows, c.cols, c.density, c.empty...)
		x := tensor.Uniform(rng, -1, 1, c.cols, c.n)
		y := a.MatMul(x)
		if y.RequiresGrad() {
			t.Errorf("%s: product of constants requires grad", name)
		}
		csrCheckClose(t, name, y, a.Dense().MatMul(x))
		for _, i := range c.empty {
			for j := 0; j < c.n; j++ {
				if y.At(i, j) != 0 {
					t.Errorf("%s: empty row %d has %v at column %d", name, i, y.At(i, j), j)
				}
			}
		}

		// The gradient is Aᵀ·g, as for the dense product.
		xs := x.Clone().SetRequiresGrad(true)
		xd := x.Clone().SetRequiresGrad(true)
		g := tensor.Uniform(rng, -1, 1, c.rows, c.n)
		if c.rows*c.n > 0 {
			a.MatMul(xs).BackwardWith(g)
			a.Dense().MatMul(xd).BackwardWith(g)
			csrCheckClose(t, name+": gradient", xs.Grad(), xd.Grad())
		}
	}
}

func TestCSRMatMulGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	a := csrRandom(t, rng, 5, 4, 0.5, 2) // row 2 empty
	sq := csrRandom(t, rng, 4, 4, 0.5, 0)
	zero, err := tensor.CSRFromCOO(3, 4, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := func() *tensor.Tensor { return tensor.Uniform(rng, -1, 1, 4, 3) }
	t.Run("MatMul", func(t *testing.T) {
		tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return a.MatMul(in[0]) }, x())
	})
	t.Run("MatMul zero matrix", func(t *testing.T) {
		tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return zero.MatMul(in[0]) }, x())
	})
	t.Run("Tanh of MatMul", func(t *testing.T) {
		tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return a.MatMul(in[0]).Tanh() }, x())
	})
	t.Run("two layers", func(t *testing.T) {
		// A GCN-like composite: A·tanh(A·x·w)·w2, with x used twice.
		w := tensor.Uniform(rng, -1, 1, 3, 3)
		f := func(in ...*tensor.Tensor) *tensor.Tensor {
			h := sq.MatMul(in[0].MatMul(in[1])).Tanh()
			return sq.MatMul(h).Add(in[0]).Mul(sq.MatMul(in[0]))
		}
		tensortest.GradCheck(t, f, x(), w)
	})
	t.Run("transpose", func(t *testing.T) {
		at := a.Transpose()
		tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return at.MatMul(in[0]) },
			tensor.Uniform(rng, -1, 1, 5, 2))
	})
}

func TestCSRValuesShared(t *testing.T) {
	a, err := tensor.NewCSR(2, 2, []int{0, 1, 2}, []int{1, 0}, []float32{2, 3})
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New([]float32{1, 10}, 2, 1).SetRequiresGrad(true)
	a.MatMul(x).SumAll().Backward() // builds the cached transpose
	if got := x.Grad().Data(); !slices.Equal(got, []float32{3, 2}) {
		t.Fatalf("gradient %v, want [3 2]", got)
	}
	// Writing the shared values changes later products, gradients and
	// transposes.
	a.Values()[0], a.Values()[1] = 5, 7
	x.ZeroGrad()
	y := a.MatMul(x)
	if got := y.Data(); !slices.Equal(got, []float32{50, 7}) {
		t.Errorf("after changing values: product %v, want [50 7]", got)
	}
	y.SumAll().Backward()
	if got := x.Grad().Data(); !slices.Equal(got, []float32{7, 5}) {
		t.Errorf("after changing values: gradient %v, want [7 5]", got)
	}
	if got := a.Transpose().Values(); !slices.Equal(got, []float32{7, 5}) {
		t.Errorf("after changing values: transpose values %v, want [7 5]", got)
	}
}

func TestCSRMatMulExplicitZeros(t *testing.T) {
	// An explicit zero entry contributes nothing, even against Inf, as in
	// the dense product.
	a, err := tensor.NewCSR(2, 2, []int{0, 2, 3}, []int{0, 1, 1}, []float32{1, 0, 2})
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New([]float32{3, float32(math.Inf(1))}, 2, 1)
	csrSameBits(t, "product", a.MatMul(x), tensor.New([]float32{3, float32(math.Inf(1))}, 2, 1))
	csrSameBits(t, "dense product", a.Dense().MatMul(x), a.MatMul(x))
}

func TestCSRMatMulDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	// A skewed matrix: a few dense rows and columns, many sparse ones.
	const rows, cols, n = 3000, 2500, 48
	var r, c []int
	var v []float32
	for i := 0; i < rows; i++ {
		deg := 1 + rng.IntN(8)
		if i%500 == 0 {
			deg = 800
		}
		for range deg {
			j := rng.IntN(cols)
			if rng.IntN(10) == 0 {
				j = rng.IntN(5) // heavy columns
			}
			r, c, v = append(r, i), append(c, j), append(v, rng.Float32()*2-1)
		}
	}
	a, err := tensor.CSRFromCOO(rows, cols, r, c, v)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Uniform(rng, -1, 1, cols, n)
	g := tensor.Uniform(rng, -1, 1, rows, n)
	run := func(procs int) (y, gx *tensor.Tensor) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		xv := x.Clone().SetRequiresGrad(true)
		y = a.MatMul(xv)
		y.BackwardWith(g)
		return y, xv.Grad()
	}
	y1, g1 := run(1)
	for _, p := range []int{2, 3, 8} {
		yp, gp := run(p)
		csrSameBits(t, fmt.Sprintf("product, GOMAXPROCS %d vs 1", p), yp, y1)
		csrSameBits(t, fmt.Sprintf("gradient, GOMAXPROCS %d vs 1", p), gp, g1)
	}
	csrCheckClose(t, "product", y1, a.Dense().MatMul(x))
}

func TestCSRConcurrentUse(t *testing.T) {
	// Several goroutines take gradients through one matrix, whose transpose
	// is built on first need (run with -race).
	rng := rand.New(rand.NewPCG(11, 12))
	a := csrRandom(t, rng, 60, 40, 0.1)
	g := tensor.Uniform(rng, -1, 1, 60, 5)
	x := tensor.Uniform(rng, -1, 1, 40, 5)
	want := a.Dense().T().MatMul(g)
	var wg sync.WaitGroup
	grads := make([]*tensor.Tensor, 8)
	for i := range grads {
		wg.Go(func() {
			xv := x.Clone().SetRequiresGrad(true)
			a.MatMul(xv).BackwardWith(g)
			grads[i] = xv.Grad()
		})
	}
	wg.Wait()
	for i, gr := range grads {
		csrCheckClose(t, fmt.Sprintf("goroutine %d", i), gr, want)
	}
}

func TestCSRMatMulPanics(t *testing.T) {
	a, err := tensor.CSRFromCOO(2, 3, []int{0, 1}, []int{2, 0}, []float32{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		x    *tensor.Tensor
		want string
	}{
		{tensor.Zeros(4, 5), "tensor.CSR.MatMul: inner sizes differ, shapes: [2 3] [4 5]"},
		{tensor.Zeros(2, 3), "tensor.CSR.MatMul: inner sizes differ, shapes: [2 3] [2 3]"},
		{tensor.Zeros(3), "tensor.CSR.MatMul: needs a 2-D dense operand, shapes: [2 3] [3]"},
		{tensor.Zeros(1, 3, 2), "tensor.CSR.MatMul: needs a 2-D dense operand, shapes: [2 3] [1 3 2]"},
		{tensor.Scalar(1), "tensor.CSR.MatMul: needs a 2-D dense operand, shapes: [2 3] []"},
	}
	for _, c := range cases {
		func() {
			defer func() {
				r := recover()
				if msg, _ := r.(string); msg != c.want {
					t.Errorf("x of shape %v: panic %v, want %q", c.x.Shape(), r, c.want)
				}
			}()
			a.MatMul(c.x)
		}()
	}
}

func ExampleCSR_MatMul() {
	// The 2×3 matrix
	//   [1 0 2]
	//   [0 0 3]
	a, err := tensor.NewCSR(2, 3, []int{0, 2, 3}, []int{0, 2, 2}, []float32{1, 2, 3})
	if err != nil {
		panic(err)
	}
	x := tensor.New([]float32{1, 2, 3, 4, 5, 6}, 3, 2).SetRequiresGrad(true)
	y := a.MatMul(x)
	fmt.Println(y)

	// The gradient with respect to x is Aᵀ times the output's gradient.
	y.SumAll().Backward()
	fmt.Println(x.Grad())
	// Output:
	// Tensor[2 2] [[11 14] [15 18]]
	// Tensor[3 2] [[1 1] [0 0] [5 5]]
}

// Cora: the citation graph GCN is usually first run on.
const (
	coraNodes = 2708
	coraNNZ   = 13264 // 2 × 5278 undirected edges + 2708 self loops
)

// csrCoraDir returns the directory of the plain-text Cora files, or "" if
// they are absent.
func csrCoraDir() string {
	d := filepath.Join(data.Dir(), "cora")
	if _, err := os.Stat(filepath.Join(d, "edges.txt.gz")); err != nil {
		return ""
	}
	return d
}

// csrGCNAdjacency returns D^-1/2 (A+I) D^-1/2 for the undirected graph
// with the given edges (u ≠ v), where D holds the degrees of A+I.
func csrGCNAdjacency(nodes int, edges [][2]int) (*tensor.CSR, error) {
	r := make([]int, 0, 2*len(edges)+nodes)
	c := make([]int, 0, cap(r))
	for _, e := range edges {
		r, c = append(r, e[0], e[1]), append(c, e[1], e[0])
	}
	for i := 0; i < nodes; i++ {
		r, c = append(r, i), append(c, i)
	}
	ones := make([]float32, len(r))
	for i := range ones {
		ones[i] = 1
	}
	a, err := tensor.CSRFromCOO(nodes, nodes, r, c, ones)
	if err != nil {
		return nil, err
	}
	ptr, idx, val := a.RowPtr(), a.ColIdx(), a.Values()
	deg := make([]float64, nodes)
	for i := range deg {
		for k := ptr[i]; k < ptr[i+1]; k++ {
			deg[i] += float64(val[k])
		}
	}
	for i := range deg {
		for k := ptr[i]; k < ptr[i+1]; k++ {
			val[k] *= float32(1 / math.Sqrt(deg[i]*deg[idx[k]]))
		}
	}
	return a, nil
}

// csrRandomGraph returns edges u < v of a seeded random graph with the
// given number of distinct undirected edges.
func csrRandomGraph(nodes, m int) [][2]int {
	rng := rand.New(rand.NewPCG(2708, 5278))
	seen := map[[2]int]bool{}
	var edges [][2]int
	for len(edges) < m {
		u, v := rng.IntN(nodes), rng.IntN(nodes)
		if u == v {
			continue
		}
		e := [2]int{min(u, v), max(u, v)}
		if !seen[e] {
			seen[e] = true
			edges = append(edges, e)
		}
	}
	return edges
}

// csrCoraAdjacency returns Cora's normalised adjacency with self loops, or
// a random graph of the same size if the data is absent, and which it is.
func csrCoraAdjacency(tb testing.TB) (*tensor.CSR, string) {
	tb.Helper()
	var (
		a    *tensor.CSR
		err  error
		what string
	)
	if dir := csrCoraDir(); dir != "" {
		p, rerr := data.LoadPlanetoidText(dir)
		if rerr != nil {
			tb.Fatalf("reading Cora: %v", rerr)
		}
		a, err = csrGCNAdjacency(p.NumNodes(), p.Edges)
		what = "Cora from " + dir
	} else {
		a, err = csrGCNAdjacency(coraNodes, csrRandomGraph(coraNodes, (coraNNZ-coraNodes)/2))
		what = "random graph (Cora data not found)"
	}
	if err != nil {
		tb.Fatal(err)
	}
	if a.Rows() != coraNodes || a.NNZ() != coraNNZ {
		tb.Fatalf("%s: %d nodes and %d entries, want %d and %d", what, a.Rows(), a.NNZ(), coraNodes, coraNNZ)
	}
	return a, what
}

func TestCSRCoraAdjacency(t *testing.T) {
	if csrCoraDir() == "" {
		t.Skip("Cora data not found in data.Dir()/cora (set CAIRN_DATA)")
	}
	a, what := csrCoraAdjacency(t)
	t.Logf("%s: %d×%d, %d entries", what, a.Rows(), a.Cols(), a.NNZ())
	// Symmetric, bit for bit, with a positive diagonal.
	at := a.Transpose()
	if !slices.Equal(at.RowPtr(), a.RowPtr()) || !slices.Equal(at.ColIdx(), a.ColIdx()) || !slices.Equal(at.Values(), a.Values()) {
		t.Error("normalised adjacency is not symmetric")
	}
	for i := 0; i < a.Rows(); i++ {
		k, found := slices.BinarySearch(a.ColIdx()[a.RowPtr()[i]:a.RowPtr()[i+1]], i)
		if !found || a.Values()[a.RowPtr()[i]+k] <= 0 {
			t.Fatalf("row %d has no positive self loop", i)
		}
	}
}

func TestCSRCoraFallbackGraph(t *testing.T) {
	// The benchmarks' stand-in for Cora has Cora's size.
	a, err := csrGCNAdjacency(coraNodes, csrRandomGraph(coraNodes, (coraNNZ-coraNodes)/2))
	if err != nil {
		t.Fatal(err)
	}
	if a.Rows() != coraNodes || a.NNZ() != coraNNZ {
		t.Errorf("%d nodes and %d entries, want %d and %d", a.Rows(), a.NNZ(), coraNodes, coraNNZ)
	}
	if !slices.Equal(a.Transpose().Values(), a.Values()) {
		t.Error("normalised adjacency is not symmetric")
	}
}

func BenchmarkCSRMatMulCora(b *testing.B) {
	a, what := csrCoraAdjacency(b)
	b.Logf("%s: %d entries", what, a.NNZ())
	x := tensor.Uniform(rand.New(rand.NewPCG(1, 1)), -1, 1, a.Cols(), 64)
	b.ReportAllocs()
	for b.Loop() {
		a.MatMul(x)
	}
}

func BenchmarkCSRMatMulCoraBackward(b *testing.B) {
	a, what := csrCoraAdjacency(b)
	b.Logf("%s: %d entries", what, a.NNZ())
	rng := rand.New(rand.NewPCG(1, 1))
	x := tensor.Uniform(rng, -1, 1, a.Cols(), 64).SetRequiresGrad(true)
	g := tensor.Uniform(rng, -1, 1, a.Rows(), 64)
	a.MatMul(x).BackwardWith(g) // build the cached transpose outside the timing
	b.ReportAllocs()
	for b.Loop() {
		x.ZeroGrad()
		a.MatMul(x).BackwardWith(g)
	}
}
