package graph

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cairn-ml/cairn/tensor"
	"gonum.org/v1/gonum/blas/blas64"
)

// SolveOptions tunes the conjugate-gradient solver behind the closed forms
// ([PPNP], [LFClosed], [HFClosed], [JKNet], [DAGNN], [Solve]). A nil
// *SolveOptions or zero fields select the defaults.
type SolveOptions struct {
	// Tol is the relative residual ‖B − MZ‖ / ‖B‖ each column must reach
	// (default 1e-8). The solver works in float64, so values far below
	// float32 precision are reachable.
	Tol float64
	// MaxIter bounds the number of iterations (default 10·n, at least
	// 1000).
	MaxIter int
}

// sparse64 is a float64 copy of a square CSR matrix for the solver.
type sparse64 struct {
	n       int
	indptr  []int
	indices []int
	values  []float64
}

func toSparse64(a *tensor.CSR) *sparse64 {
	v := make([]float64, a.NNZ())
	for k, x := range a.Values() {
		v[k] = float64(x)
	}
	return &sparse64{n: a.Rows(), indptr: a.RowPtr(), indices: a.ColIdx(), values: v}
}

// blockRows is the number of rows per work block. Blocks are fixed by the
// matrix size alone, and per-block partial sums are added in block order,
// so results do not depend on GOMAXPROCS.
const blockRows = 256

// forBlocks calls f(b, lo, hi) for every block of rows, spread over at most
// GOMAXPROCS goroutines when the work is large enough. f does arithmetic on
// validated indices only, so it cannot panic out of the caller's reach.
func forBlocks(n, work int, f func(b, lo, hi int)) {
	nb := (n + blockRows - 1) / blockRows
	parts := min(runtime.GOMAXPROCS(0), max(1, work/(1<<15)), nb)
	if parts <= 1 {
		for b := 0; b < nb; b++ {
			f(b, b*blockRows, min(n, (b+1)*blockRows))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b := int(next.Add(1)) - 1
				if b >= nb {
					return
				}
				f(b, b*blockRows, min(n, (b+1)*blockRows))
			}
		}()
	}
	wg.Wait()
}

// blockSums holds per-block partial column sums (nb × k).
type blockSums struct {
	k    int
	part []float64
}

func newBlockSums(n, k int) *blockSums {
	return &blockSums{k: k, part: make([]float64, ((n+blockRows-1)/blockRows)*k)}
}

// total returns the column sums, adding the blocks in order.
func (s *blockSums) total() []float64 {
	out := make([]float64, s.k)
	for b := 0; b < len(s.part); b += s.k {
		for c := 0; c < s.k; c++ {
			out[c] += s.part[b+c]
		}
	}
	return out
}

// mulRows sets dst = (s·I + t·A) x on rows lo..hi-1 (n×k row-major) and,
// if dots is not nil, adds Σ_i x_ic·dst_ic over those rows to dots.
func (a *sparse64) mulRows(dst, x []float64, k int, s, t float64, lo, hi int, dots []float64) {
	impl := blas64.Implementation()
	for i := lo; i < hi; i++ {
		row := dst[i*k : (i+1)*k]
		xi := x[i*k : (i+1)*k]
		for c := range row {
			row[c] = s * xi[c]
		}
		for p := a.indptr[i]; p < a.indptr[i+1]; p++ {
			j := a.indices[p]
			impl.Daxpy(k, t*a.values[p], x[j*k:(j+1)*k], 1, row, 1)
		}
		if dots != nil {
			for c := range row {
				dots[c] += xi[c] * row[c]
			}
		}
	}
}

func (a *sparse64) work(k int) int { return (len(a.indices) + a.n) * k }

// shiftMul sets dst = (s·I + t·A) x for n×k row-major x.
func (a *sparse64) shiftMul(dst, x []float64, k int, s, t float64) {
	forBlocks(a.n, a.work(k), func(_, lo, hi int) { a.mulRows(dst, x, k, s, t, lo, hi, nil) })
}

// cg solves (s·I + t·A) Z = B for the n×k right-hand sides B (row-major),
// each column by conjugate gradients, all columns advanced together.
func (a *sparse64) cg(b []float64, k int, s, t float64, opt *SolveOptions) ([]float64, error) {
	n := a.n
	tol, maxIter := 1e-8, max(1000, 10*n)
	if opt != nil {
		if opt.Tol < 0 || math.IsNaN(opt.Tol) || opt.MaxIter < 0 {
			return nil, fmt.Errorf("graph: bad SolveOptions %+v (Tol and MaxIter must be >= 0)", *opt)
		}
		if opt.Tol > 0 {
			tol = opt.Tol
		}
		if opt.MaxIter > 0 {
			maxIter = opt.MaxIter
		}
	}
	z := make([]float64, n*k)
	r := append([]float64(nil), b...)
	p := append([]float64(nil), b...)
	q := make([]float64, n*k)
	rr0 := colDots(r, r, k)
	rr := slices.Clone(rr0)
	active := func(c int) bool { return rr[c] > tol*tol*rr0[c] }
	alpha, beta := make([]float64, k), make([]float64, k)
	for it := 0; ; it++ {
		done := true
		for c := range rr {
			if active(c) {
				done = false
			}
		}
		if done {
			return z, nil
		}
		if it == maxIter {
			worst := 0.0
			for c := range rr {
				if active(c) {
					worst = max(worst, math.Sqrt(rr[c]/rr0[c]))
				}
			}
			return nil, fmt.Errorf("graph: conjugate gradient did not converge in %d iterations (relative residual %.3g > %.3g); is the system positive definite?", maxIter, worst, tol)
		}
		// q = M p and pᵀq, in one pass.
		pqs := newBlockSums(n, k)
		forBlocks(n, a.work(k), func(bl, lo, hi int) {
			a.mulRows(q, p, k, s, t, lo, hi, pqs.part[bl*k:(bl+1)*k])
		})
		pq := pqs.total()
		for c := range alpha {
			alpha[c] = 0
			if !active(c) {
				continue // converged column: frozen
			}
			if !(pq[c] > 0) {
				return nil, fmt.Errorf("graph: conjugate gradient broke down (pᵀMp = %g at iteration %d): the system matrix is not positive definite", pq[c], it)
			}
			alpha[c] = rr[c] / pq[c]
		}
		// z += αp, r −= αq and rᵀr, in one pass.
		rrs := newBlockSums(n, k)
		forBlocks(n, 4*n*k, func(bl, lo, hi int) {
			d := rrs.part[bl*k : (bl+1)*k]
			for i := lo * k; i < hi*k; i += k {
				zi, ri, pi, qi := z[i:i+k], r[i:i+k], p[i:i+k], q[i:i+k]
				for c := range zi {
					zi[c] += alpha[c] * pi[c]
					ri[c] -= alpha[c] * qi[c]
					d[c] += ri[c] * ri[c]
				}
			}
		})
		rrNew := rrs.total()
		for c := range beta {
			beta[c] = 0
			if alpha[c] != 0 {
				beta[c] = rrNew[c] / rr[c]
				rr[c] = rrNew[c]
			}
		}
		forBlocks(n, 2*n*k, func(_, lo, hi int) {
			for i := lo * k; i < hi*k; i += k {
				ri, pi := r[i:i+k], p[i:i+k]
				for c := range pi {
					if alpha[c] != 0 {
						pi[c] = ri[c] + beta[c]*pi[c]
					}
				}
			}
		})
	}
}

func colDots(x, y []float64, k int) []float64 {
	d := make([]float64, k)
	for i := 0; i < len(x); i += k {
		for c := 0; c < k; c++ {
			d[c] += x[i+c] * y[i+c]
		}
	}
	return d
}

// rational computes Z = (s·I + t·Â)^-1 (u·I + w·Â) H for a symmetric Â, in
// float64, returning a float32 tensor that is differentiable in H: the
// backward pass solves the same system for the incoming gradient (the
// operator is symmetric because Â is, and the two factors commute).
func rational(op string, a *tensor.CSR, h *tensor.Tensor, s, t, u, w float64, opt *SolveOptions) (*tensor.Tensor, error) {
	checkOperand(op, a, h)
	if err := checkSymmetric(a); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	m := toSparse64(a)
	z, err := m.applyRational(h.Data(), h.Dim(1), s, t, u, w, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out := tensor.New(z, h.Shape()...)
	return tensor.Custom(out, func(g *tensor.Tensor) []*tensor.Tensor {
		if !h.RequiresGrad() {
			return []*tensor.Tensor{nil}
		}
		gz, err := m.applyRational(g.Data(), g.Dim(1), s, t, u, w, opt)
		if err != nil {
			panic(fmt.Sprintf("%s: backward: %v", op, err))
		}
		return []*tensor.Tensor{tensor.New(gz, g.Shape()...)}
	}, h), nil
}

func (m *sparse64) applyRational(h []float32, k int, s, t, u, w float64, opt *SolveOptions) ([]float32, error) {
	x := make([]float64, len(h))
	for i, v := range h {
		x[i] = float64(v)
	}
	b := x
	if w != 0 || u != 1 {
		b = make([]float64, len(x))
		m.shiftMul(b, x, k, u, w)
	}
	z, err := m.cg(b, k, s, t, opt)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(z))
	for i, v := range z {
		out[i] = float32(v)
	}
	return out, nil
}

// checkOperand panics on shapes that cannot be propagated.
func checkOperand(op string, a *tensor.CSR, h *tensor.Tensor) {
	if a.Rows() != a.Cols() {
		panic(fmt.Sprintf("%s: propagation matrix is %d×%d, not square", op, a.Rows(), a.Cols()))
	}
	if h.NDim() != 2 || h.Dim(0) != a.Rows() {
		panic(fmt.Sprintf("%s: features of shape %v do not fit a %d×%d propagation matrix (want [%d k])",
			op, h.Shape(), a.Rows(), a.Cols(), a.Rows()))
	}
}

// checkSymmetric returns an error unless a equals its transpose (values to
// a relative 1e-6 of the largest entry): conjugate gradients and the
// backward pass of the closed forms need a symmetric operator.
func checkSymmetric(a *tensor.CSR) error {
	at := a.Transpose()
	if !slices.Equal(at.RowPtr(), a.RowPtr()) || !slices.Equal(at.ColIdx(), a.ColIdx()) {
		return fmt.Errorf("propagation matrix is not symmetric (its sparsity pattern differs from its transpose's); closed forms need a symmetric operator such as Graph.NormAdj")
	}
	scale := 0.0
	for _, v := range a.Values() {
		scale = max(scale, math.Abs(float64(v)))
	}
	for k, v := range a.Values() {
		if d := math.Abs(float64(v) - float64(at.Values()[k])); d > 1e-6*scale {
			return fmt.Errorf("propagation matrix is not symmetric (entry %d differs from its transpose by %g); closed forms need a symmetric operator such as Graph.NormAdj", k, d)
		}
	}
	return nil
}

// Solve returns Z with (s·I + t·A) Z = B for a symmetric sparse A (such as
// Â) and a dense n×k right-hand side B, solved column by column with
// conjugate gradients in float64, never forming an inverse. A matrix that
// is not symmetric is an error. s·I + t·A must
// be positive definite: for Â (eigenvalues in (−1, 1]) that holds when
// s + t > 0 and s − t > 0. The result is differentiable in B (the backward
// pass solves the same system). It returns an error if the solver breaks
// down or does not reach opt's tolerance, and panics if the shapes do not
// fit.
func Solve(a *tensor.CSR, s, t float64, b *tensor.Tensor, opt *SolveOptions) (*tensor.Tensor, error) {
	return rational("graph.Solve", a, b, s, t, 1, 0, opt)
}
