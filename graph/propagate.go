package graph

import (
	"fmt"
	"math"

	"github.com/cairn-ml/cairn/tensor"
)

// In every function below, a is the normalised adjacency Â (from
// [Graph.NormAdj], or any symmetric n×n CSR matrix with eigenvalues in
// (−1, 1]) and h is the dense n×k matrix H = f_θ(X) being propagated.
// Shapes that do not fit panic; parameters outside the ranges the paper
// allows return errors.

// inRange reports whether lo (<, or <= if closedLo) x (<, or <= if
// closedHi) hi, and that x is not NaN.
func inRange(x, lo, hi float64, closedLo, closedHi bool) bool {
	if math.IsNaN(x) {
		return false
	}
	okLo := x > lo || (closedLo && x == lo)
	okHi := x < hi || (closedHi && x == hi)
	return okLo && okHi
}

func checkSteps(op string, k int) error {
	if k < 0 {
		return fmt.Errorf("%s: negative number of propagation steps K = %d", op, k)
	}
	return nil
}

func checkAlphaPPNP(op string, alpha float64) error {
	if !inRange(alpha, 0, 1, false, true) {
		return fmt.Errorf("%s: teleport probability α = %g outside (0, 1]", op, alpha)
	}
	return nil
}

// checkLF checks the GNN-LF ranges of Theorem 4.1: μ ∈ [1/2, 1) and
// α ∈ (0, 2/3); μ = 1 (the PPNP/APPNP limit) is accepted too.
func checkLF(op string, alpha, mu float64) error {
	if !inRange(mu, 0.5, 1, true, true) {
		return fmt.Errorf("%s: μ = %g outside [1/2, 1] (the paper allows [1/2, 1); μ = 1 is PPNP)", op, mu)
	}
	if !inRange(alpha, 0, 2.0/3, false, false) {
		return fmt.Errorf("%s: α = %g outside (0, 2/3)", op, alpha)
	}
	return nil
}

// checkHF checks the GNN-HF ranges of Theorem 4.3: β ∈ (0, ∞) and
// α ∈ (0, 1]; β = 0 (the PPNP/APPNP limit) is accepted too.
func checkHF(op string, alpha, beta float64) error {
	if !inRange(beta, 0, math.Inf(1), true, false) {
		return fmt.Errorf("%s: β = %g outside [0, ∞) (the paper allows (0, ∞); β = 0 is PPNP)", op, beta)
	}
	if !inRange(alpha, 0, 1, false, true) {
		return fmt.Errorf("%s: α = %g outside (0, 1]", op, alpha)
	}
	return nil
}

func checkXi(op string, xi float64) error {
	if !inRange(xi, 0, math.Inf(1), false, false) {
		return fmt.Errorf("%s: ξ = %g outside (0, ∞)", op, xi)
	}
	return nil
}

// Power returns Â^K H, K repeated sparse products: the propagation of SGC
// (Wu et al. 2019) and of a K-layer linear GCN, the K-step gradient descent
// on the ζ = 0, ξ = 1 objective (Theorem 3.1). K = 0 returns h itself.
// Differentiable in h. It returns an error if K < 0.
func Power(a *tensor.CSR, h *tensor.Tensor, k int) (*tensor.Tensor, error) {
	checkOperand("graph.Power", a, h)
	if err := checkSteps("graph.Power", k); err != nil {
		return nil, err
	}
	z := h
	for range k {
		z = a.MatMul(z)
	}
	return z, nil
}

// PPNP returns the closed form of personalised-PageRank propagation
// (Klicpera et al. 2019; Theorem 3.3, F1 = F2 = I, ζ = 1, ξ = 1/α − 1):
//
//	Z = α (I − (1−α) Â)^-1 H
//
// solved as a linear system by conjugate gradients (never a dense
// inverse). Differentiable in h. It returns an error if α ∉ (0, 1] or the
// solver fails.
func PPNP(a *tensor.CSR, h *tensor.Tensor, alpha float64, opt *SolveOptions) (*tensor.Tensor, error) {
	checkOperand("graph.PPNP", a, h)
	if err := checkAlphaPPNP("graph.PPNP", alpha); err != nil {
		return nil, err
	}
	return rational("graph.PPNP", a, h, 1, -(1 - alpha), alpha, 0, opt)
}

// APPNP returns K steps of the APPNP iteration (PyTorch Geometric's
// APPNP(K, alpha) without dropout):
//
//	Z⁰ = H,  Z^k = (1−α) Â Z^{k−1} + α H
//
// which converges to [PPNP] as K grows. Differentiable in h. It returns an
// error if α ∉ (0, 1] or K < 0.
func APPNP(a *tensor.CSR, h *tensor.Tensor, alpha float64, k int) (*tensor.Tensor, error) {
	const op = "graph.APPNP"
	checkOperand(op, a, h)
	if err := checkAlphaPPNP(op, alpha); err != nil {
		return nil, err
	}
	if err := checkSteps(op, k); err != nil {
		return nil, err
	}
	r := h.MulScalar(float32(alpha))
	z := h
	for range k {
		z = a.MatMul(z).MulScalar(float32(1 - alpha)).Add(r)
	}
	return z, nil
}

// LFClosed returns the closed form of GNN-LF, the low-pass fitting filter
// (Zhu et al. 2021, Eq. 31, multiplied through by α as in the reference
// code's calc_LF_exact):
//
//	Z = α ((1+αμ−α) I + (2α−αμ−1) Â)^-1 (μ I + (1−μ) Â) H
//
// solved by conjugate gradients. Differentiable in h. Ranges (Theorem
// 4.1): μ ∈ [1/2, 1), α ∈ (0, 2/3); μ = 1 is also accepted and gives
// [PPNP]. Out-of-range parameters and solver failures return errors.
func LFClosed(a *tensor.CSR, h *tensor.Tensor, alpha, mu float64, opt *SolveOptions) (*tensor.Tensor, error) {
	const op = "graph.LFClosed"
	checkOperand(op, a, h)
	if err := checkLF(op, alpha, mu); err != nil {
		return nil, err
	}
	return rational(op, a, h, 1+alpha*mu-alpha, 2*alpha-alpha*mu-1, alpha*mu, alpha*(1-mu), opt)
}

// LFIter returns K steps of the GNN-LF iteration (Eq. 34, the reference
// code's LFPowerIteration), with c = 1 + αμ − α:
//
//	Z⁰  = (μ/c) H + ((1−μ)/c) Â H
//	Z^k = ((1+αμ−2α)/c) Â Z^{k−1} + α Z⁰
//
// (α Z⁰ = (αμ/c) H + ((α−αμ)/c) Â H, the two residual terms of Eq. 34).
// It converges to [LFClosed] (Theorem 4.2); the paper uses K = 10, which is
// not yet converged (about 6% relative error on Cora). Differentiable in h.
// Same ranges as LFClosed; K < 0 is an error.
func LFIter(a *tensor.CSR, h *tensor.Tensor, alpha, mu float64, k int) (*tensor.Tensor, error) {
	const op = "graph.LFIter"
	checkOperand(op, a, h)
	if err := checkLF(op, alpha, mu); err != nil {
		return nil, err
	}
	if err := checkSteps(op, k); err != nil {
		return nil, err
	}
	c := 1 + alpha*mu - alpha
	z0 := h.MulScalar(float32(mu / c)).Add(a.MatMul(h).MulScalar(float32((1 - mu) / c)))
	r := z0.MulScalar(float32(alpha))
	coef := float32((1 + alpha*mu - 2*alpha) / c)
	z := z0
	for range k {
		z = a.MatMul(z).MulScalar(coef).Add(r)
	}
	return z, nil
}

// HFClosed returns the closed form of GNN-HF, the high-pass fitting filter
// (Zhu et al. 2021, Eq. 39, multiplied through by α as in the reference
// code's calc_HF_exact):
//
//	Z = α ((1+αβ) I + (α−αβ−1) Â)^-1 (I + β L̃) H,   L̃ = I − Â
//
// solved by conjugate gradients. Differentiable in h. Ranges (Theorem
// 4.3): β ∈ (0, ∞), α ∈ (0, 1]; β = 0 is also accepted and gives [PPNP].
// Out-of-range parameters and solver failures return errors.
func HFClosed(a *tensor.CSR, h *tensor.Tensor, alpha, beta float64, opt *SolveOptions) (*tensor.Tensor, error) {
	const op = "graph.HFClosed"
	checkOperand(op, a, h)
	if err := checkHF(op, alpha, beta); err != nil {
		return nil, err
	}
	return rational(op, a, h, 1+alpha*beta, alpha-alpha*beta-1, alpha*(1+beta), -alpha*beta, opt)
}

// HFIter returns K steps of the GNN-HF iteration (Eq. 42, the reference
// code's HFPowerIteration), with c = αβ + 1:
//
//	Z⁰  = (1/c) H + (β/c) L̃ H
//	Z^k = ((αβ−α+1)/c) Â Z^{k−1} + α Z⁰
//
// It converges to [HFClosed]. Differentiable in h. Same ranges as
// HFClosed; K < 0 is an error.
func HFIter(a *tensor.CSR, h *tensor.Tensor, alpha, beta float64, k int) (*tensor.Tensor, error) {
	const op = "graph.HFIter"
	checkOperand(op, a, h)
	if err := checkHF(op, alpha, beta); err != nil {
		return nil, err
	}
	if err := checkSteps(op, k); err != nil {
		return nil, err
	}
	c := alpha*beta + 1
	// L̃H = H − ÂH, so Z⁰ = ((1+β)/c) H − (β/c) ÂH.
	z0 := h.MulScalar(float32((1 + beta) / c)).Sub(a.MatMul(h).MulScalar(float32(beta / c)))
	r := z0.MulScalar(float32(alpha))
	coef := float32((alpha*beta - alpha + 1) / c)
	z := z0
	for range k {
		z = a.MatMul(z).MulScalar(coef).Add(r)
	}
	return z, nil
}

// JKNet returns the optimum the paper derives for JKNet (Theorem 3.4;
// F1 = I, F2 = Â, ζ = 1):
//
//	Z = ((1+ξ) I − ξ Â)^-1 Â H
//
// solved by conjugate gradients. Differentiable in h. It returns an error
// if ξ ∉ (0, ∞) or the solver fails.
func JKNet(a *tensor.CSR, h *tensor.Tensor, xi float64, opt *SolveOptions) (*tensor.Tensor, error) {
	const op = "graph.JKNet"
	checkOperand(op, a, h)
	if err := checkXi(op, xi); err != nil {
		return nil, err
	}
	return rational(op, a, h, 1+xi, -xi, 0, 1, opt)
}

// DAGNN returns the optimum the paper derives for DAGNN (Theorem 3.5;
// F1 = F2 = I, ζ = 1):
//
//	Z = ((1+ξ) I − ξ Â)^-1 H
//
// (PPNP with α = 1/(1+ξ)), solved by conjugate gradients. Differentiable
// in h. It returns an error if ξ ∉ (0, ∞) or the solver fails.
func DAGNN(a *tensor.CSR, h *tensor.Tensor, xi float64, opt *SolveOptions) (*tensor.Tensor, error) {
	const op = "graph.DAGNN"
	checkOperand(op, a, h)
	if err := checkXi(op, xi); err != nil {
		return nil, err
	}
	return rational(op, a, h, 1+xi, -xi, 1, 0, opt)
}

// Filter is the frequency response g(λ) of a propagation: for an
// eigenvector v of L̃ with eigenvalue λ, P v = g(λ) v.
type Filter func(lambda float64) float64

// PPNPFilter returns g(λ) = 1 / (1 + (1/α − 1) λ), the response of [PPNP]
// (and the limit of [APPNP]).
func PPNPFilter(alpha float64) Filter {
	return func(l float64) float64 { return 1 / (1 + (1/alpha-1)*l) }
}

// LFFilter returns g(λ) = (1 − (1−μ) λ) / (1 + (1/α + μ − 2) λ), the
// response of [LFClosed].
func LFFilter(alpha, mu float64) Filter {
	return func(l float64) float64 { return (1 - (1-mu)*l) / (1 + (1/alpha+mu-2)*l) }
}

// HFFilter returns g(λ) = (1 + β λ) / (1 + (β + 1/α − 1) λ), the response
// of [HFClosed].
func HFFilter(alpha, beta float64) Filter {
	return func(l float64) float64 { return (1 + beta*l) / (1 + (beta+1/alpha-1)*l) }
}
