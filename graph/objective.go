package graph

import (
	"fmt"
	"math"

	"github.com/cairn-ml/cairn/tensor"
)

func checkObjective(op string, zeta, xi float64) error {
	if !inRange(zeta, 0, 1, true, true) {
		return fmt.Errorf("%s: ζ = %g outside [0, 1]", op, zeta)
	}
	if !inRange(xi, 0, math.Inf(1), true, false) {
		return fmt.Errorf("%s: ξ = %g outside [0, ∞)", op, xi)
	}
	return nil
}

func checkSame(op string, lap *tensor.CSR, z, h *tensor.Tensor) {
	checkOperand(op, lap, z)
	if h != nil {
		if h.NDim() != 2 || h.Dim(0) != z.Dim(0) || h.Dim(1) != z.Dim(1) {
			panic(fmt.Sprintf("%s: Z has shape %v but H has shape %v", op, z.Shape(), h.Shape()))
		}
	}
}

// smoothness returns tr(Zᵀ L̃ Z) = Σ Z ⊙ (L̃Z).
func smoothness(lap *tensor.CSR, z *tensor.Tensor) *tensor.Tensor {
	return z.Mul(lap.MatMul(z)).SumAll()
}

// Objective evaluates the unified objective of Zhu et al. (2021, Eq. 4)
//
//	O(Z) = ζ ‖F1 Z − F2 H‖²_F + ξ tr(Zᵀ L̃ Z)
//
// for the Laplacian lap = L̃ ([Graph.Laplacian]), sparse F1 and F2 (nil
// means the identity I; use Â or L̃ for the other choices in Table 1), and
// ζ ∈ [0, 1], ξ ≥ 0. The regulariser is the trace form (not the paper's
// sum over edges, which differs with normalised weights). The result is a
// scalar tensor, differentiable in z and h, so O's gradient at a candidate
// Z comes from Backward. For F1 = F2 = M^1/2 (GNN-LF, GNN-HF) use
// [FittedObjective]. Parameters out of range return errors; shapes that do
// not fit panic.
func Objective(lap *tensor.CSR, z, h *tensor.Tensor, f1, f2 *tensor.CSR, zeta, xi float64) (*tensor.Tensor, error) {
	const op = "graph.Objective"
	checkSame(op, lap, z, h)
	if err := checkObjective(op, zeta, xi); err != nil {
		return nil, err
	}
	apply := func(f *tensor.CSR, x *tensor.Tensor) *tensor.Tensor {
		if f == nil {
			return x
		}
		if f.Rows() != x.Dim(0) || f.Cols() != x.Dim(0) {
			panic(fmt.Sprintf("%s: F is %d×%d, want %d×%d", op, f.Rows(), f.Cols(), x.Dim(0), x.Dim(0)))
		}
		return f.MatMul(x)
	}
	d := apply(f1, z).Sub(apply(f2, h))
	fit := d.Mul(d).SumAll().MulScalar(float32(zeta))
	return fit.Add(smoothness(lap, z).MulScalar(float32(xi))), nil
}

// FittedObjective evaluates the unified objective with F1 = F2 = M^1/2 for
// a symmetric positive semi-definite sparse M, without forming the square
// root:
//
//	O(Z) = ζ tr((Z − H)ᵀ M (Z − H)) + ξ tr(Zᵀ L̃ Z)  (= ζ ‖M^1/2 (Z − H)‖²_F + ξ tr(Zᵀ L̃ Z))
//
// GNN-LF uses M = [LFKernel] (μI + (1−μ)Â) and GNN-HF M = [HFKernel]
// (I + βL̃), both with ζ = 1 and ξ = 1/α − 1; their closed forms are the
// minimisers. M = nil is the identity (PPNP's objective). Differentiable in
// z and h. Parameters out of range return errors; shapes that do not fit
// panic.
func FittedObjective(lap *tensor.CSR, z, h *tensor.Tensor, m *tensor.CSR, zeta, xi float64) (*tensor.Tensor, error) {
	const op = "graph.FittedObjective"
	checkSame(op, lap, z, h)
	if err := checkObjective(op, zeta, xi); err != nil {
		return nil, err
	}
	d := z.Sub(h)
	md := d
	if m != nil {
		if m.Rows() != z.Dim(0) || m.Cols() != z.Dim(0) {
			panic(fmt.Sprintf("%s: M is %d×%d, want %d×%d", op, m.Rows(), m.Cols(), z.Dim(0), z.Dim(0)))
		}
		md = m.MatMul(d)
	}
	fit := d.Mul(md).SumAll().MulScalar(float32(zeta))
	return fit.Add(smoothness(lap, z).MulScalar(float32(xi))), nil
}

// LFKernel returns M = μI + (1−μ)Â, the square of GNN-LF's fitting
// operator F1 = F2 = M^1/2 (Theorem 4.1), for [FittedObjective].
func LFKernel(a *tensor.CSR, mu float64) *tensor.CSR { return Affine(mu, 1-mu, a) }

// HFKernel returns M = I + βL̃ = (1+β)I − βÂ, the square of GNN-HF's
// fitting operator (Theorem 4.3), for [FittedObjective].
func HFKernel(a *tensor.CSR, beta float64) *tensor.CSR { return Affine(1+beta, -beta, a) }
