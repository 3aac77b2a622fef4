package graph_test

import (
	"fmt"

	"github.com/cairn-ml/cairn/graph"
	"github.com/cairn-ml/cairn/tensor"
)

// Propagating node scores on a 4-node path with GNN-LF, closed and
// iterative.
func ExampleLFClosed() {
	g, err := graph.New(4, [][2]int{{0, 1}, {1, 2}, {2, 3}}, graph.DropSelfLoops)
	if err != nil {
		panic(err)
	}
	a := g.NormAdj()
	h := tensor.New([]float32{1, 0, 0, 0}, 4, 1) // a signal on node 0
	closed, err := graph.LFClosed(a, h, 0.1, 0.9, nil)
	if err != nil {
		panic(err)
	}
	iter, err := graph.LFIter(a, h, 0.1, 0.9, 200)
	if err != nil {
		panic(err)
	}
	fmt.Printf("closed %.4f\n", closed.Data())
	fmt.Printf("iter   %.4f\n", iter.Data())
	// Output:
	// closed [0.3499 0.2634 0.1732 0.1155]
	// iter   [0.3499 0.2634 0.1732 0.1155]
}

// The closed form of PPNP minimises the unified objective with F1 = F2 = I,
// ζ = 1, ξ = 1/α − 1: any other Z scores higher.
func ExampleObjective() {
	g, _ := graph.New(3, [][2]int{{0, 1}, {1, 2}}, graph.DropSelfLoops)
	a, lap := g.NormAdj(), g.Laplacian()
	h := tensor.New([]float32{1, 0, 2, 1, 0, 3}, 3, 2)
	alpha := 0.2
	z, _ := graph.PPNP(a, h, alpha, nil)
	atOpt, _ := graph.Objective(lap, z, h, nil, nil, 1, 1/alpha-1)
	atH, _ := graph.Objective(lap, h, h, nil, nil, 1, 1/alpha-1)
	fmt.Printf("O(Z*) = %.4f, O(H) = %.4f\n", atOpt.Item(), atH.Item())
	// Output:
	// O(Z*) = 4.5692, O(H) = 17.0034
}

// Building a graph: edges are symmetrised and de-duplicated, self loops
// dropped by default.
func ExampleNew() {
	g, err := graph.New(3, [][2]int{{0, 1}, {1, 0}, {1, 2}, {2, 2}}, graph.DropSelfLoops)
	if err != nil {
		panic(err)
	}
	fmt.Println(g.NumEdges(), g.NumSelfLoops(), g.Degree())
	_, err = graph.New(3, [][2]int{{0, 3}}, graph.DropSelfLoops)
	fmt.Println(err)
	// Output:
	// 2 0 [1 2 1]
	// graph.New: edge 0 (0, 3): node id out of range [0, 3)
}

// The frequency responses of the three fitting filters at a few
// eigenvalues λ of L̃ (λ = 0 is the smoothest signal).
func ExampleLFFilter() {
	lf, hf, ppnp := graph.LFFilter(0.1, 0.9), graph.HFFilter(0.1, 0.9), graph.PPNPFilter(0.1)
	for _, l := range []float64{0, 0.5, 1.5} {
		fmt.Printf("λ=%.1f  LF %.4f  HF %.4f  PPNP %.4f\n", l, lf(l), hf(l), ppnp(l))
	}
	// Output:
	// λ=0.0  LF 1.0000  HF 1.0000  PPNP 1.0000
	// λ=0.5  LF 0.1743  HF 0.2437  PPNP 0.1818
	// λ=1.5  LF 0.0592  HF 0.1483  PPNP 0.0690
}
