package tensor

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"

	"gonum.org/v1/gonum/blas/blas32"
)

// CSR is a sparse rows×cols matrix of float32 values in compressed sparse
// row form: the entries of row i are at positions RowPtr()[i] to
// RowPtr()[i+1]-1 of ColIdx() and Values(), with strictly increasing column
// indices. Build one with [NewCSR] or [CSRFromCOO].
//
// A CSR is not a [Tensor] and takes no part in autodiff itself: its values
// are constants, and [CSR.MatMul] is differentiable in the dense operand
// only. Its methods may be called from several goroutines at once (while
// nothing writes to Values). A CSR must not be copied after first use (it
// holds a sync.Once).
type CSR struct {
	rows, cols int
	indptr     []int
	indices    []int
	values     []float32

	tOnce sync.Once
	t     *csrPattern // the transpose's structure, built on first need
}

// csrPattern is the structure of a CSR matrix's transpose: row j of the
// transpose (column j of the matrix) holds, in increasing row order, the
// entries at positions indptr[j] to indptr[j+1]-1 of indices (their rows in
// the matrix) and perm (their positions in the matrix's values). Keeping
// positions rather than values means the cache never goes stale when the
// values are changed in place.
type csrPattern struct {
	indptr, indices, perm []int
}

// NewCSR returns the rows×cols matrix with the given compressed sparse row
// arrays: indptr has rows+1 nondecreasing entries from 0 to len(indices);
// the entries of row i are indices[indptr[i]:indptr[i+1]] (column indices,
// in [0, cols) and strictly increasing within the row) and the matching
// values. This is the layout of scipy.sparse.csr_matrix with sorted indices
// and no duplicates; use [CSRFromCOO] for unsorted or duplicated entries.
//
// The slices are not copied: they become the matrix's storage. Do not
// change indptr or indices afterwards (values may be changed; see
// [CSR.Values]). NewCSR checks all of the above and returns an error,
// never panics, for arrays that break them, so it is safe on data read
// from files.
func NewCSR(rows, cols int, indptr, indices []int, values []float32) (*CSR, error) {
	if rows < 0 || cols < 0 {
		return nil, fmt.Errorf("tensor.NewCSR: negative size %d×%d", rows, cols)
	}
	if len(indptr) != rows+1 {
		return nil, fmt.Errorf("tensor.NewCSR: indptr has %d entries, want rows+1 = %d", len(indptr), rows+1)
	}
	if len(values) != len(indices) {
		return nil, fmt.Errorf("tensor.NewCSR: %d values for %d column indices", len(values), len(indices))
	}
	if indptr[0] != 0 {
		return nil, fmt.Errorf("tensor.NewCSR: indptr[0] is %d, want 0", indptr[0])
	}
	for i := 0; i < rows; i++ {
		if indptr[i+1] < indptr[i] {
			return nil, fmt.Errorf("tensor.NewCSR: indptr decreases at row %d (indptr[%d] = %d, indptr[%d] = %d)",
				i, i, indptr[i], i+1, indptr[i+1])
		}
	}
	if indptr[rows] != len(indices) {
		return nil, fmt.Errorf("tensor.NewCSR: indptr[%d] is %d, want the number of entries %d", rows, indptr[rows], len(indices))
	}
	for i := 0; i < rows; i++ {
		prev := -1
		for k := indptr[i]; k < indptr[i+1]; k++ {
			j := indices[k]
			switch {
			case j < 0 || j >= cols:
				return nil, fmt.Errorf("tensor.NewCSR: row %d (entry %d): column index %d out of range [0, %d)", i, k, j, cols)
			case j == prev:
				return nil, fmt.Errorf("tensor.NewCSR: row %d (entry %d): duplicate column index %d (CSRFromCOO sums duplicates)", i, k, j)
			case j < prev:
				return nil, fmt.Errorf("tensor.NewCSR: row %d (entry %d): column indices not increasing (%d after %d)", i, k, j, prev)
			}
			prev = j
		}
	}
	return &CSR{rows: rows, cols: cols, indptr: indptr, indices: indices, values: values}, nil
}

// CSRFromCOO returns the rows×cols matrix with value v[k] at row r[k] and
// column c[k] for every k (coordinate or triplet form). The entries may
// come in any order; entries at the same position are summed, in the order
// given (accumulated in float64, rounded once). Entries that are or sum to
// zero are kept as explicit entries. It returns an error, never panics, if
// the slices differ in length or an index is out of range. The inputs are
// not modified or retained.
func CSRFromCOO(rows, cols int, r, c []int, v []float32) (*CSR, error) {
	if rows < 0 || cols < 0 {
		return nil, fmt.Errorf("tensor.CSRFromCOO: negative size %d×%d", rows, cols)
	}
	if rows == math.MaxInt {
		return nil, fmt.Errorf("tensor.CSRFromCOO: %d rows are too many", rows)
	}
	if len(r) != len(c) || len(r) != len(v) {
		return nil, fmt.Errorf("tensor.CSRFromCOO: row, column and value slices have lengths %d, %d and %d; want them equal",
			len(r), len(c), len(v))
	}
	for k := range r {
		if r[k] < 0 || r[k] >= rows {
			return nil, fmt.Errorf("tensor.CSRFromCOO: entry %d: row index %d out of range [0, %d)", k, r[k], rows)
		}
		if c[k] < 0 || c[k] >= cols {
			return nil, fmt.Errorf("tensor.CSRFromCOO: entry %d: column index %d out of range [0, %d)", k, c[k], cols)
		}
	}
	// Counting sort by row (stable), then a stable sort by column within
	// each row, so duplicates stay in input order.
	start := make([]int, rows+1)
	for _, i := range r {
		start[i+1]++
	}
	for i := 0; i < rows; i++ {
		start[i+1] += start[i]
	}
	next := slices.Clone(start[:rows])
	order := make([]int, len(r))
	for k, i := range r {
		order[next[i]] = k
		next[i]++
	}
	indptr := make([]int, rows+1)
	indices := make([]int, 0, len(r))
	values := make([]float32, 0, len(r))
	for i := 0; i < rows; i++ {
		seg := order[start[i]:start[i+1]]
		slices.SortStableFunc(seg, func(p, q int) int { return cmp.Compare(c[p], c[q]) })
		for s := 0; s < len(seg); {
			j := c[seg[s]]
			var sum float64
			for ; s < len(seg) && c[seg[s]] == j; s++ {
				sum += float64(v[seg[s]])
			}
			indices = append(indices, j)
			values = append(values, float32(sum))
		}
		indptr[i+1] = len(indices)
	}
	return &CSR{rows: rows, cols: cols, indptr: indptr, indices: slices.Clip(indices), values: slices.Clip(values)}, nil
}

// Rows returns the number of rows.
func (a *CSR) Rows() int { return a.rows }

// Cols returns the number of columns.
func (a *CSR) Cols() int { return a.cols }

// NNZ returns the number of stored entries (explicit zeros included).
func (a *CSR) NNZ() int { return len(a.indices) }

// RowPtr returns the rows+1 row pointers. The slice is shared, not copied:
// do not modify it.
func (a *CSR) RowPtr() []int { return a.indptr }

// ColIdx returns the column index of every entry, row by row. The slice is
// shared, not copied: do not modify it.
func (a *CSR) ColIdx() []int { return a.indices }

// Values returns the value of every entry, in the order of ColIdx. The
// slice is shared, not copied: writing to it changes the matrix, and later
// products and gradients use the new values. As with a tensor's Data, do
// not change it while a recorded graph that used the matrix still needs
// its backward pass.
func (a *CSR) Values() []float32 { return a.values }

// Dense returns the matrix as a new rows×cols tensor (that does not
// require grad).
func (a *CSR) Dense() *Tensor {
	out := Zeros(a.rows, a.cols)
	for i := 0; i < a.rows; i++ {
		row := out.data[i*a.cols : (i+1)*a.cols]
		for k := a.indptr[i]; k < a.indptr[i+1]; k++ {
			row[a.indices[k]] = a.values[k]
		}
	}
	return out
}

// Transpose returns the cols×rows transpose of a as a new matrix with its
// own storage. Its rows' column indices are increasing, as NewCSR
// requires. The structure of the transpose is computed once per matrix and
// cached (it is also what the gradient of MatMul uses); the values are
// read anew at each call.
func (a *CSR) Transpose() *CSR {
	p := a.pattern()
	vals := make([]float32, len(p.perm))
	for k, src := range p.perm {
		vals[k] = a.values[src]
	}
	return &CSR{rows: a.cols, cols: a.rows, indptr: slices.Clone(p.indptr), indices: slices.Clone(p.indices), values: vals}
}

// pattern returns the structure of a's transpose, building it on first use.
func (a *CSR) pattern() *csrPattern {
	a.tOnce.Do(func() {
		nnz := len(a.indices)
		ptr := make([]int, a.cols+1)
		for _, j := range a.indices {
			ptr[j+1]++
		}
		for j := 0; j < a.cols; j++ {
			ptr[j+1] += ptr[j]
		}
		next := slices.Clone(ptr[:a.cols])
		ind, perm := make([]int, nnz), make([]int, nnz)
		for i := 0; i < a.rows; i++ {
			for k := a.indptr[i]; k < a.indptr[i+1]; k++ {
				j := a.indices[k]
				ind[next[j]], perm[next[j]] = i, k
				next[j]++
			}
		}
		a.t = &csrPattern{indptr: ptr, indices: ind, perm: perm}
	})
	return a.t
}

// MatMul returns the dense rows×n product a·x of the sparse matrix and a
// dense cols×n tensor x. It panics if x is not 2-D or does not have cols
// rows. Entries whose value is zero are skipped, as the dense MatMul skips
// zeros in its left operand: they contribute nothing even where x holds
// Inf or NaN.
//
// The product is differentiable in x: the gradient a transposed times the
// output's gradient is computed with the structure of a's transpose, built
// on the first backward pass (or Transpose call) and cached in a. It is not
// differentiable in a's values, which are constants to autodiff.
//
// Rows are spread over goroutines, balanced by their number of entries.
// Each output row is computed by one goroutine, summing the row's entries
// in column order (and each row of the gradient sums a column's entries in
// row order), so the results are the same bits whatever GOMAXPROCS is.
func (a *CSR) MatMul(x *Tensor) *Tensor {
	if len(x.shape) != 2 {
		panicShape("CSR.MatMul", "needs a 2-D dense operand, shapes", []int{a.rows, a.cols}, x.shape)
	}
	if x.shape[0] != a.cols {
		panicShape("CSR.MatMul", "inner sizes differ, shapes", []int{a.rows, a.cols}, x.shape)
	}
	n := x.shape[1]
	out := Zeros(a.rows, n)
	csrSpMM(out.data, a.rows, a.indptr, a.indices, a.values, nil, x.data, n)
	if x.requiresGrad {
		out.setNode(func(g *Tensor) []*Tensor {
			p := a.pattern()
			gx := Zeros(a.cols, n)
			csrSpMM(gx.data, a.cols, p.indptr, p.indices, a.values, p.perm, g.data, n)
			return []*Tensor{gx}
		}, x)
	}
	return out
}

// csrSpMM adds to dst (rows×n) the product of the sparse matrix given by
// indptr and indices with the dense x (n columns). Entry k has the value
// values[k], or values[perm[k]] if perm is not nil. Work is split into
// blocks of whole rows balanced by entries plus rows; each row is summed by
// one goroutine in entry order.
func csrSpMM(dst []float32, rows int, indptr, indices []int, values []float32, perm []int, x []float32, n int) {
	if rows == 0 || n == 0 {
		return
	}
	impl := blas32.Implementation()
	kernel := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := dst[i*n : (i+1)*n]
			for k := indptr[i]; k < indptr[i+1]; k++ {
				v := values[k]
				if perm != nil {
					v = values[perm[k]]
				}
				// Saxpy skips v == 0, as Sgemm does for the dense MatMul.
				j := indices[k]
				impl.Saxpy(n, v, x[j*n:(j+1)*n], 1, row, 1)
			}
		}
	}
	// cost of rows [0, i): entries plus rows, each times n multiply-adds.
	cost := func(i int) int { return indptr[i] + i }
	total := cost(rows)
	parts := min(runtime.GOMAXPROCS(0), total*n/grainElementwise, rows)
	if parts <= 1 {
		kernel(0, rows)
		return
	}
	bounds := make([]int, parts+1)
	for p := 1; p < parts; p++ {
		target := total / parts * p
		bounds[p] = sort.Search(rows, func(i int) bool { return cost(i) >= target })
	}
	bounds[parts] = rows
	parallelFor(parts, 1, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			if bounds[p] < bounds[p+1] {
				kernel(bounds[p], bounds[p+1])
			}
		}
	})
}
