package lens

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Merge is one row of a scipy linkage matrix: clusters A < B (ids < n are
// observations, id n+i is the cluster formed by row i) join at Height into a
// cluster of Size observations.
type Merge struct {
	A, B   int
	Height float64
	Size   int
}

// Linkage is a scipy-layout linkage matrix (n−1 rows, sorted by height).
type Linkage []Merge

// WardLinkage is scipy.cluster.hierarchy.linkage(X, 'ward') for a 2-D X:
// each row of X is an observation, Euclidean distances between rows, Ward
// updates by scipy's nearest-neighbour chain with its tie-breaking (strict
// <, lowest index first), rows stably sorted by height and relabelled by
// union-find as scipy's label does. The released tool passes the square
// distance matrix D here, so each text is represented by its row of
// distances to all texts. Time O(n²·d + n²), memory O(n²).
// It panics if X is empty or ragged.
func WardLinkage(X [][]float64) Linkage {
	n := len(X)
	if n == 0 {
		panic("lens: WardLinkage: no observations")
	}
	d := len(X[0])
	for i, r := range X {
		if len(r) != d {
			panic(fmt.Sprintf("lens: WardLinkage: row %d has %d columns, row 0 has %d", i, len(r), d))
		}
	}
	D := make([]float64, n*n)
	// Blocks of rows share each X[j] while it is in cache.
	const blk = 8
	parallelRows((n+blk-1)/blk, func(b int) {
		lo, hi := b*blk, min(b*blk+blk, n)
		for j := lo + 1; j < n; j++ {
			xj := X[j]
			for i := lo; i < min(hi, j); i++ {
				D[i*n+j] = math.Sqrt(sqDist(X[i], xj))
			}
		}
	})
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			D[j*n+i] = D[i*n+j]
		}
	}
	return wardFromDistances(D, n)
}

// WardLinkageCondensed is Ward linkage on a precomputed symmetric distance
// matrix (scipy's linkage(squareform(D), 'ward')): the "clean" variant that
// treats D as distances rather than as feature rows. Only D's upper
// triangle is read.
func WardLinkageCondensed(D [][]float64) Linkage {
	n := len(D)
	if n == 0 {
		panic("lens: WardLinkageCondensed: no observations")
	}
	flat := make([]float64, n*n)
	for i := 0; i < n; i++ {
		if len(D[i]) != n {
			panic(fmt.Sprintf("lens: WardLinkageCondensed: row %d has %d columns, want %d", i, len(D[i]), n))
		}
		for j := i + 1; j < n; j++ {
			flat[i*n+j], flat[j*n+i] = D[i][j], D[i][j]
		}
	}
	return wardFromDistances(flat, n)
}

// wardFromDistances runs scipy's nn_chain on the full n×n matrix D (modified
// in place).
func wardFromDistances(D []float64, n int) Linkage {
	Z := make(Linkage, 0, n-1)
	size := make([]int, n)
	for i := range size {
		size[i] = 1
	}
	chain := make([]int, 0, n)
	for range n - 1 {
		if len(chain) == 0 {
			for i := 0; i < n; i++ {
				if size[i] > 0 {
					chain = append(chain, i)
					break
				}
			}
		}
		var x, y int
		var cur float64
		for {
			x = chain[len(chain)-1]
			if len(chain) > 1 {
				y = chain[len(chain)-2]
				cur = D[x*n+y]
			} else {
				cur = math.Inf(1)
			}
			row := D[x*n : x*n+n]
			for i := 0; i < n; i++ {
				if size[i] == 0 || i == x {
					continue
				}
				if row[i] < cur {
					cur = row[i]
					y = i
				}
			}
			if len(chain) > 1 && y == chain[len(chain)-2] {
				break
			}
			chain = append(chain, y)
		}
		chain = chain[:len(chain)-2]
		if x > y {
			x, y = y, x
		}
		nx, ny := size[x], size[y]
		Z = append(Z, Merge{A: x, B: y, Height: cur, Size: nx + ny})
		size[x] = 0
		size[y] = nx + ny
		fx, fy, fc := float64(nx), float64(ny), cur
		for i := 0; i < n; i++ {
			ni := size[i]
			if ni == 0 || i == y {
				continue
			}
			fi := float64(ni)
			dxi, dyi := D[i*n+x], D[i*n+y]
			t := 1.0 / (fx + fy + fi)
			v := math.Sqrt((fi+fx)*t*dxi*dxi + (fi+fy)*t*dyi*dyi - fi*t*fc*fc)
			D[i*n+y], D[y*n+i] = v, v
		}
	}
	sort.SliceStable(Z, func(a, b int) bool { return Z[a].Height < Z[b].Height })
	// scipy's label(): union-find relabelling.
	parent := make([]int, 2*n-1)
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		r := x
		for parent[r] != r {
			r = parent[r]
		}
		for parent[x] != r {
			parent[x], x = r, parent[x]
		}
		return r
	}
	csize := make([]int, 2*n-1)
	for i := 0; i < n; i++ {
		csize[i] = 1
	}
	for k := range Z {
		rx, ry := find(Z[k].A), find(Z[k].B)
		if rx > ry {
			rx, ry = ry, rx
		}
		nl := n + k
		parent[rx], parent[ry] = nl, nl
		csize[nl] = csize[rx] + csize[ry]
		Z[k] = Merge{A: rx, B: ry, Height: Z[k].Height, Size: csize[nl]}
	}
	return Z
}

// LeafOrder is scipy's dendrogram(Z)['leaves'] (no sorting options): the
// observations in pre-order, left child first.
func LeafOrder(Z Linkage) []int {
	n := len(Z) + 1
	out := make([]int, 0, n)
	stack := []int{2*n - 2}
	if n == 1 {
		return []int{0}
	}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if v < n {
			out = append(out, v)
			continue
		}
		m := Z[v-n]
		stack = append(stack, m.B, m.A)
	}
	return out
}

// FClusterMaxClust is scipy's fcluster(Z, k, criterion='maxclust') (current
// scipy): labels 1..k' (k' ≤ k) per observation, numbered by scipy's
// iterative depth-first walk from the root. For k ≥ n each observation is
// its own cluster, labelled i+1. It panics if k < 1.
func FClusterMaxClust(Z Linkage, k int) []int {
	n := len(Z) + 1
	if k < 1 {
		panic(fmt.Sprintf("lens: FClusterMaxClust: k = %d < 1", k))
	}
	T := make([]int, n)
	if k >= n {
		for i := range T {
			T[i] = i + 1
		}
		return T
	}
	// Max merge height within each cluster (equals Height for Ward).
	md := make([]float64, n-1)
	for i, m := range Z {
		h := m.Height
		if m.A >= n {
			h = math.Max(h, md[m.A-n])
		}
		if m.B >= n {
			h = math.Max(h, md[m.B-n])
		}
		md[i] = h
	}
	sorted := slices.Clone(md)
	slices.Sort(sorted)
	// Smallest threshold h with n − #{md ≤ h} ≤ k.
	thr := sorted[len(sorted)-1]
	for idx, h := range sorted {
		cnt := idx + 1
		for cnt < len(sorted) && sorted[cnt] <= h {
			cnt++
		}
		if n-cnt <= k {
			thr = h
			break
		}
	}
	visited := make([]bool, 2*n-1)
	stack := []int{2*n - 2}
	leader := -1
	nc := 0
	for len(stack) > 0 {
		root := stack[len(stack)-1] - n
		lc, rc := Z[root].A, Z[root].B
		if leader == -1 && md[root] <= thr {
			leader = root
			nc++
		}
		if lc >= n && !visited[lc] {
			visited[lc] = true
			stack = append(stack, lc)
			continue
		}
		if rc >= n && !visited[rc] {
			visited[rc] = true
			stack = append(stack, rc)
			continue
		}
		if lc < n {
			if leader == -1 {
				nc++
			}
			T[lc] = nc
		}
		if rc < n {
			if leader == -1 {
				nc++
			}
			T[rc] = nc
		}
		if leader == root {
			leader = -1
		}
		stack = stack[:len(stack)-1]
	}
	return T
}

// sqDist is the squared Euclidean distance with four accumulators
// (identical rows give exactly 0, so duplicate texts still tie at 0).
func sqDist(a, b []float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		t0, t1, t2, t3 := a[i]-b[i], a[i+1]-b[i+1], a[i+2]-b[i+2], a[i+3]-b[i+3]
		s0 += t0 * t0
		s1 += t1 * t1
		s2 += t2 * t2
		s3 += t3 * t3
	}
	for ; i < len(a); i++ {
		t := a[i] - b[i]
		s0 += t * t
	}
	return (s0 + s1) + (s2 + s3)
}
