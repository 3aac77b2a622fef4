package graph

import (
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/tensor"
)

// PyTorch parity: testdata/propagation.py builds the same graph, the
// normalisations, every propagation (iterative in float32 autograd, closed
// forms with the official code's dense inverses in float64) and their
// gradients w.r.t. H, and the unified objective with its gradient.
func TestPyTorchParity(t *testing.T) {
	t.Parallel()
	fx := torchfix.Load(t, "testdata/propagation.json")
	var alpha, mu, beta, xi, zeta float64
	var k int
	fx.MetaValue(t, "alpha", &alpha)
	fx.MetaValue(t, "mu", &mu)
	fx.MetaValue(t, "beta", &beta)
	fx.MetaValue(t, "xi", &xi)
	fx.MetaValue(t, "zeta", &zeta)
	fx.MetaValue(t, "K", &k)
	e := fx.Ints(t, "edges")
	edges := make([][2]int, len(e)/2)
	for i := range edges {
		edges[i] = [2]int{e[2*i], e[2*i+1]}
	}
	g, err := New(10, edges, DropSelfLoops)
	if err != nil {
		t.Fatal(err)
	}
	a, lap := g.NormAdj(), g.Laplacian()
	const rtol, atol = 1e-4, 1e-5
	torchfix.Close(t, "NormAdj", a.Dense(), fx.T(t, "ahat"), rtol, atol)
	torchfix.Close(t, "RandomWalk", g.RandomWalk().Dense(), fx.T(t, "rw"), rtol, atol)
	torchfix.Close(t, "Laplacian", lap.Dense(), fx.T(t, "lap"), rtol, atol)
	up := fx.T(t, "g")
	for name, f := range map[string]func(h *tensor.Tensor) (*tensor.Tensor, error){
		"sgc3":         func(h *tensor.Tensor) (*tensor.Tensor, error) { return Power(a, h, 3) },
		"appnp":        func(h *tensor.Tensor) (*tensor.Tensor, error) { return APPNP(a, h, alpha, k) },
		"lf_iter":      func(h *tensor.Tensor) (*tensor.Tensor, error) { return LFIter(a, h, alpha, mu, k) },
		"hf_iter":      func(h *tensor.Tensor) (*tensor.Tensor, error) { return HFIter(a, h, alpha, beta, k) },
		"ppnp_closed":  func(h *tensor.Tensor) (*tensor.Tensor, error) { return PPNP(a, h, alpha, nil) },
		"lf_closed":    func(h *tensor.Tensor) (*tensor.Tensor, error) { return LFClosed(a, h, alpha, mu, nil) },
		"hf_closed":    func(h *tensor.Tensor) (*tensor.Tensor, error) { return HFClosed(a, h, alpha, beta, nil) },
		"jknet_closed": func(h *tensor.Tensor) (*tensor.Tensor, error) { return JKNet(a, h, xi, nil) },
		"dagnn_closed": func(h *tensor.Tensor) (*tensor.Tensor, error) { return DAGNN(a, h, xi, nil) },
	} {
		h := fx.T(t, "h").SetRequiresGrad(true)
		z, err := f(h)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		torchfix.Close(t, name, z, fx.T(t, name), rtol, atol)
		z.Mul(up).SumAll().Backward()
		torchfix.Close(t, name+" grad", h.Grad(), fx.T(t, name+"_grad"), rtol, atol)
	}
	h := fx.T(t, "h")
	for name, f := range map[string]func(z *tensor.Tensor) (*tensor.Tensor, error){
		"objective": func(z *tensor.Tensor) (*tensor.Tensor, error) { return Objective(lap, z, h, a, lap, zeta, xi) },
		"fitted": func(z *tensor.Tensor) (*tensor.Tensor, error) {
			return FittedObjective(lap, z, h, LFKernel(a, mu), 1, 1/alpha-1)
		},
	} {
		z := fx.T(t, "z").SetRequiresGrad(true)
		o, err := f(z)
		if err != nil {
			t.Fatal(err)
		}
		torchfix.Close(t, name, o.Reshape(1), fx.T(t, name), rtol, atol)
		o.Backward()
		torchfix.Close(t, name+" grad", z.Grad(), fx.T(t, name+"_grad"), rtol, atol)
	}
}
