package graph

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
	"gonum.org/v1/gonum/mat"
)

// smallEdges is a 7-node graph with a duplicate, a reversed duplicate, a
// self loop and an isolated node (6).
var smallEdges = [][2]int{{0, 1}, {1, 2}, {2, 0}, {2, 3}, {3, 4}, {4, 5}, {1, 0}, {0, 1}, {3, 3}, {5, 3}}

func smallGraph(t testing.TB, loops SelfLoops) *Graph {
	t.Helper()
	g, err := New(7, smallEdges, loops)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// dense64 returns a CSR matrix as a gonum dense matrix.
func dense64(a *tensor.CSR) *mat.Dense {
	m := mat.NewDense(a.Rows(), a.Cols(), nil)
	ptr, col, val := a.RowPtr(), a.ColIdx(), a.Values()
	for i := 0; i < a.Rows(); i++ {
		for k := ptr[i]; k < ptr[i+1]; k++ {
			m.Set(i, col[k], float64(val[k]))
		}
	}
	return m
}

func maxAbsDiff(a, b mat.Matrix) float64 {
	r, c := a.Dims()
	d := 0.0
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			d = max(d, math.Abs(a.At(i, j)-b.At(i, j)))
		}
	}
	return d
}

func TestNew(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		loops     SelfLoops
		selfLoops int
		deg       []float64
	}{
		{DropSelfLoops, 0, []float64{2, 2, 3, 3, 2, 2, 0}},
		{KeepSelfLoops, 1, []float64{2, 2, 3, 4, 2, 2, 0}},
	} {
		g := smallGraph(t, tc.loops)
		if g.NumNodes() != 7 || g.NumEdges() != 7 || g.NumSelfLoops() != tc.selfLoops {
			t.Errorf("policy %d: nodes/edges/loops = %d/%d/%d, want 7/7/%d", tc.loops, g.NumNodes(), g.NumEdges(), g.NumSelfLoops(), tc.selfLoops)
		}
		if !slices.Equal(g.Degree(), tc.deg) {
			t.Errorf("policy %d: degree %v, want %v", tc.loops, g.Degree(), tc.deg)
		}
		a := dense64(g.Adjacency())
		if !mat.Equal(a, a.T()) {
			t.Errorf("policy %d: adjacency not symmetric", tc.loops)
		}
		if got := g.Neighbors(3); tc.loops == KeepSelfLoops && !slices.Equal(got, []int{2, 3, 4, 5}) {
			t.Errorf("Neighbors(3) = %v", got)
		}
	}
	for _, tc := range []struct {
		n     int
		edges [][2]int
		loops SelfLoops
		want  string
	}{
		{-1, nil, DropSelfLoops, "negative"},
		{3, [][2]int{{0, 3}}, DropSelfLoops, "out of range"},
		{3, [][2]int{{-1, 0}}, DropSelfLoops, "out of range"},
		{3, nil, SelfLoops(7), "policy"},
	} {
		if _, err := New(tc.n, tc.edges, tc.loops); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%d, %v): error %v, want one containing %q", tc.n, tc.edges, err, tc.want)
		}
	}
	if g, err := New(0, nil, DropSelfLoops); err != nil || g.NormAdj().Rows() != 0 {
		t.Errorf("empty graph: %v", err)
	}
}

func TestNormalisations(t *testing.T) {
	t.Parallel()
	for _, loops := range []SelfLoops{DropSelfLoops, KeepSelfLoops} {
		g := smallGraph(t, loops)
		n := g.NumNodes()
		at := dense64(g.Adjacency())
		for i := 0; i < n; i++ {
			at.Set(i, i, at.At(i, i)+1)
		}
		dt := make([]float64, n)
		for i := range dt {
			dt[i] = g.Degree()[i] + 1
			if s := mat.Sum(at.RowView(i)); s != dt[i] {
				t.Errorf("row %d of Ã sums to %g, want d̃ = %g", i, s, dt[i])
			}
		}
		want := mat.NewDense(n, n, nil)
		rw := mat.NewDense(n, n, nil)
		lap := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				want.Set(i, j, at.At(i, j)/math.Sqrt(dt[i]*dt[j]))
				rw.Set(i, j, at.At(i, j)/dt[i])
				id := 0.0
				if i == j {
					id = 1
				}
				lap.Set(i, j, id-want.At(i, j))
			}
		}
		ahat := dense64(g.NormAdj())
		if d := maxAbsDiff(ahat, want); d > 1e-7 {
			t.Errorf("NormAdj differs from D̃^-1/2 Ã D̃^-1/2 by %g", d)
		}
		if !mat.Equal(ahat, ahat.T()) {
			t.Error("NormAdj not exactly symmetric")
		}
		if d := maxAbsDiff(dense64(g.RandomWalk()), rw); d > 1e-7 {
			t.Errorf("RandomWalk differs by %g", d)
		}
		if d := maxAbsDiff(dense64(g.Laplacian()), lap); d > 1e-7 {
			t.Errorf("Laplacian differs by %g", d)
		}
		// Largest eigenvalue 1 with eigenvector √d̃; all in (−1, 1].
		var es mat.EigenSym
		if !es.Factorize(mat.NewSymDense(n, want.RawMatrix().Data), true) {
			t.Fatal("eigendecomposition failed")
		}
		vals := es.Values(nil)
		if math.Abs(vals[n-1]-1) > 1e-12 || vals[0] <= -1 {
			t.Errorf("eigenvalues of Â %v, want in (−1, 1] with max 1", vals)
		}
		s := mat.NewVecDense(n, nil)
		for i := range dt {
			s.SetVec(i, math.Sqrt(dt[i]))
		}
		var as mat.VecDense
		as.MulVec(want, s)
		if d := maxAbsDiff(&as, s); d > 1e-12 {
			t.Errorf("Â√d̃ ≠ √d̃ (max diff %g)", d)
		}
	}
}

func TestAffine(t *testing.T) {
	t.Parallel()
	// A matrix with an empty row and a row lacking its diagonal.
	a, err := tensor.CSRFromCOO(3, 3, []int{0, 0, 2}, []int{1, 2, 2}, []float32{2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	got := dense64(Affine(0.5, 2, a))
	want := mat.NewDense(3, 3, []float64{0.5, 4, 6, 0, 0.5, 0, 0, 0, 8.5})
	if !mat.Equal(got, want) {
		t.Errorf("Affine = %v, want %v", mat.Formatted(got), mat.Formatted(want))
	}
}

// randH returns an n×k standard normal matrix.
func randH(seed uint64, n, k int) *tensor.Tensor {
	return tensor.Randn(rand.New(rand.NewPCG(seed, 1)), n, k)
}
