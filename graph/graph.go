package graph

import (
	"fmt"
	"math"
	"slices"

	"github.com/cairn-ml/cairn/tensor"
)

// SelfLoops says what [New] does with edges (u, u) in the input.
type SelfLoops int

const (
	// DropSelfLoops removes self loops from the input, so that Ã = A + I
	// has ones on its diagonal. This is the default (the zero value) and
	// what PyTorch Geometric's gcn_norm does with add_remaining_self_loops.
	DropSelfLoops SelfLoops = iota
	// KeepSelfLoops keeps a self loop as A_uu = 1, so that Ã_uu = 2. This
	// matches the official GNN-LF/HF (and APPNP) code, which adds I to the
	// raw adjacency without stripping loops (spec pitfall 3).
	KeepSelfLoops
)

// Graph is an undirected, unweighted graph on nodes 0..n-1, stored as its
// binary symmetric adjacency matrix A (no duplicate edges). Build one with
// [New]. A Graph is immutable; its methods may be called from several
// goroutines at once.
type Graph struct {
	n         int
	indptr    []int // CSR structure of A, column indices increasing
	indices   []int
	edges     int // undirected edges u != v
	selfLoops int
}

// New returns the graph on n nodes with the given edges. Each pair (u, v)
// is an undirected edge: both directions are added, duplicates (in either
// direction) collapse to one edge, as networkx / scipy's binarised
// adjacency in the reference code do. Self loops (u, u) are dropped or kept
// according to loops. New returns an error if n is negative or an endpoint
// is out of [0, n).
func New(n int, edges [][2]int, loops SelfLoops) (*Graph, error) {
	if n < 0 {
		return nil, fmt.Errorf("graph.New: negative number of nodes %d", n)
	}
	if loops != DropSelfLoops && loops != KeepSelfLoops {
		return nil, fmt.Errorf("graph.New: unknown self-loop policy %d", loops)
	}
	deg := make([]int, n+1)
	for k, e := range edges {
		u, v := e[0], e[1]
		if u < 0 || u >= n || v < 0 || v >= n {
			return nil, fmt.Errorf("graph.New: edge %d (%d, %d): node id out of range [0, %d)", k, u, v, n)
		}
		if u == v {
			if loops == KeepSelfLoops {
				deg[u+1]++
			}
			continue
		}
		deg[u+1]++
		deg[v+1]++
	}
	for i := 0; i < n; i++ {
		deg[i+1] += deg[i]
	}
	next := slices.Clone(deg[:n])
	cols := make([]int, deg[n])
	for _, e := range edges {
		u, v := e[0], e[1]
		if u == v {
			if loops == KeepSelfLoops {
				cols[next[u]] = u
				next[u]++
			}
			continue
		}
		cols[next[u]] = v
		next[u]++
		cols[next[v]] = u
		next[v]++
	}
	g := &Graph{n: n, indptr: make([]int, n+1)}
	g.indices = cols[:0]
	for i := 0; i < n; i++ {
		row := cols[deg[i]:deg[i+1]]
		slices.Sort(row)
		row = slices.Compact(row)
		for _, j := range row {
			g.indices = append(g.indices, j)
			switch {
			case j == i:
				g.selfLoops++
			case j > i:
				g.edges++
			}
		}
		g.indptr[i+1] = len(g.indices)
	}
	g.indices = slices.Clip(g.indices)
	return g, nil
}

// NumNodes returns the number of nodes n.
func (g *Graph) NumNodes() int { return g.n }

// NumEdges returns the number of distinct undirected edges between two
// different nodes (self loops not counted).
func (g *Graph) NumEdges() int { return g.edges }

// NumSelfLoops returns the number of nodes with a self loop in A (always 0
// under [DropSelfLoops]).
func (g *Graph) NumSelfLoops() int { return g.selfLoops }

// Neighbors returns the sorted neighbours of node u in A (u itself if it
// has a kept self loop). The slice is shared: do not modify it. It panics
// if u is out of range.
func (g *Graph) Neighbors(u int) []int {
	if u < 0 || u >= g.n {
		panic(fmt.Sprintf("graph.Graph.Neighbors: node %d out of range [0, %d)", u, g.n))
	}
	return g.indices[g.indptr[u]:g.indptr[u+1]]
}

// Degree returns the degree d_i = Σ_j A_ij of every node (a kept self loop
// counts once). The degree with the added self loop used by the
// normalisations is d̃_i = d_i + 1.
func (g *Graph) Degree() []float64 {
	d := make([]float64, g.n)
	for i := range d {
		d[i] = float64(g.indptr[i+1] - g.indptr[i])
	}
	return d
}

// Adjacency returns A as a new n×n CSR matrix of ones
// (torch_geometric.utils.to_scipy_sparse_matrix of the symmetrised edges).
func (g *Graph) Adjacency() *tensor.CSR {
	vals := make([]float32, len(g.indices))
	for k := range vals {
		vals[k] = 1
	}
	return g.csr(vals, nil)
}

// tilde returns the structure of Ã = A + I (diagonal entry always present)
// and, for each entry, Ã's value; it also returns d̃ (row sums of Ã).
func (g *Graph) tilde() (indptr, indices []int, vals, dt []float64) {
	indptr = make([]int, g.n+1)
	indices = make([]int, 0, len(g.indices)+g.n)
	vals = make([]float64, 0, len(g.indices)+g.n)
	dt = make([]float64, g.n)
	for i := 0; i < g.n; i++ {
		row := g.indices[g.indptr[i]:g.indptr[i+1]]
		diag := false
		for _, j := range row {
			if j > i && !diag {
				indices, vals = append(indices, i), append(vals, 1)
				diag = true
			}
			v := 1.0
			if j == i {
				v, diag = 2, true
			}
			indices, vals = append(indices, j), append(vals, v)
		}
		if !diag {
			indices, vals = append(indices, i), append(vals, 1)
		}
		indptr[i+1] = len(indices)
		for _, v := range vals[indptr[i]:] {
			dt[i] += v
		}
	}
	return indptr, indices, vals, dt
}

// csr wraps values over A's structure (or the given structure).
func (g *Graph) csr(vals []float32, st *[2][]int) *tensor.CSR {
	indptr, indices := slices.Clone(g.indptr), slices.Clone(g.indices)
	if st != nil {
		indptr, indices = st[0], st[1]
	}
	m, err := tensor.NewCSR(g.n, g.n, indptr, indices, vals)
	if err != nil {
		panic("graph: internal error: " + err.Error())
	}
	return m
}

// NormAdj returns the symmetric normalisation with self loops
// Â = D̃^-1/2 (A + I) D̃^-1/2 used by GCN, SGC, APPNP and GNN-LF/HF
// (PyTorch Geometric's gcn_norm with add_self_loops=True; the reference
// code's calc_A_hat). Its eigenvalues lie in (−1, 1]; √d̃ is the
// eigenvector of eigenvalue 1.
func (g *Graph) NormAdj() *tensor.CSR {
	indptr, indices, vals, dt := g.tilde()
	out := make([]float32, len(vals))
	for i := 0; i < g.n; i++ {
		for k := indptr[i]; k < indptr[i+1]; k++ {
			out[k] = float32(vals[k] / math.Sqrt(dt[i]*dt[indices[k]]))
		}
	}
	return g.csr(out, &[2][]int{indptr, indices})
}

// RandomWalk returns the random-walk normalisation with self loops
// D̃^-1 (A + I): each row sums to one (a row-stochastic transition matrix;
// gcn_norm's "rw" variant in PyTorch Geometric terms).
func (g *Graph) RandomWalk() *tensor.CSR {
	indptr, indices, vals, dt := g.tilde()
	out := make([]float32, len(vals))
	for i := 0; i < g.n; i++ {
		for k := indptr[i]; k < indptr[i+1]; k++ {
			out[k] = float32(vals[k] / dt[i])
		}
	}
	return g.csr(out, &[2][]int{indptr, indices})
}

// Laplacian returns L̃ = I − Â, the normalised Laplacian of the graph with
// self loops (eigenvalues in [0, 2)). Its diagonal entries are stored
// explicitly even where they are zero.
func (g *Graph) Laplacian() *tensor.CSR {
	indptr, indices, vals, dt := g.tilde()
	out := make([]float32, len(vals))
	for i := 0; i < g.n; i++ {
		for k := indptr[i]; k < indptr[i+1]; k++ {
			j := indices[k]
			v := -vals[k] / math.Sqrt(dt[i]*dt[j])
			if j == i {
				v += 1
			}
			out[k] = float32(v)
		}
	}
	return g.csr(out, &[2][]int{indptr, indices})
}

// Affine returns the n×n sparse matrix s·I + t·M for a square CSR matrix
// M, such as μI + (1−μ)Â (the squared GNN-LF fitting kernel, [LFKernel])
// or I + βL̃ ([HFKernel]). The diagonal is stored explicitly. It panics
// if M is not square.
func Affine(s, t float64, m *tensor.CSR) *tensor.CSR {
	n := m.Rows()
	if m.Cols() != n {
		panic(fmt.Sprintf("graph.Affine: matrix is %d×%d, not square", n, m.Cols()))
	}
	ptr, col, val := m.RowPtr(), m.ColIdx(), m.Values()
	indptr := make([]int, n+1)
	indices := make([]int, 0, len(col)+n)
	vals := make([]float32, 0, len(col)+n)
	for i := 0; i < n; i++ {
		diag := false
		for k := ptr[i]; k < ptr[i+1]; k++ {
			j := col[k]
			if j > i && !diag {
				indices, vals = append(indices, i), append(vals, float32(s))
				diag = true
			}
			v := t * float64(val[k])
			if j == i {
				v += s
				diag = true
			}
			indices, vals = append(indices, j), append(vals, float32(v))
		}
		if !diag {
			indices, vals = append(indices, i), append(vals, float32(s))
		}
		indptr[i+1] = len(indices)
	}
	out, err := tensor.NewCSR(n, n, indptr, indices, vals)
	if err != nil {
		panic("graph.Affine: internal error: " + err.Error())
	}
	return out
}
