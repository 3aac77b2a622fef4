// Package graph implements graph propagation for node classification as
// seen through the unified optimisation framework of Zhu, Wang, Shi, Ji and
// Cui, "Interpreting and Unifying Graph Neural Networks with An
// Optimization Framework" (WWW 2021, arXiv:2101.11859), including the
// paper's GNN-LF and GNN-HF propagations.
//
// # Overview
//
// A [Graph] is built from an edge list with [New]: edges are symmetrised
// and de-duplicated, and self loops are dropped ([DropSelfLoops], the
// default) or kept ([KeepSelfLoops], as the paper's code does). Its
// operators are [tensor.CSR] matrices:
//
//   - [Graph.NormAdj]: Â = D̃^-1/2 (A + I) D̃^-1/2, the GCN normalisation;
//   - [Graph.RandomWalk]: D̃^-1 (A + I);
//   - [Graph.Laplacian]: L̃ = I − Â;
//   - [Graph.Adjacency] and [Graph.Degree].
//
// [LoadCora] and [LoadPlanetoid] read Planetoid data sets (the original
// ind.* files or the plain-text form, through package data) from cairn's
// shared data directory (data.Dir, or CAIRN_DATA) or any directory.
//
// # The unified objective
//
// The paper shows that the propagation of many GNNs computes (or
// approximates by gradient steps) the minimiser of
//
//	O(Z) = ζ ‖F1 Z − F2 H‖²_F + ξ tr(Zᵀ L̃ Z)
//
// where H = f_θ(X) is the (MLP) transformation of the features, the first
// term fits Z to H through the graph filters F1, F2, and the second makes Z
// smooth on the graph. [Objective] evaluates O for sparse F1, F2 and
// [FittedObjective] for F1 = F2 = M^1/2, so any propagation can be checked
// against it (O is a differentiable tensor: its gradient at a candidate Z
// comes from Backward). The special cases (Table 1 of the paper):
//
//	SGC/GCN   ζ=0, ξ=1                   Â^K H                      [Power]
//	PPNP      F1=F2=I, ζ=1, ξ=1/α−1       α(I − (1−α)Â)^-1 H         [PPNP], [APPNP]
//	JKNet     F1=I, F2=Â, ζ=1             ((1+ξ)I − ξÂ)^-1 Â H       [JKNet]
//	DAGNN     F1=F2=I, ζ=1                ((1+ξ)I − ξÂ)^-1 H         [DAGNN]
//	GNN-LF    F²=μI+(1−μ)Â, ζ=1, ξ=1/α−1  Eq. 31                     [LFClosed], [LFIter]
//	GNN-HF    F²=I+βL̃, ζ=1, ξ=1/α−1      Eq. 39                     [HFClosed], [HFIter]
//
// GNN-LF's fitting term keeps the low frequencies of H and GNN-HF's the
// high ones: as spectral filters on the eigenvalues λ of L̃ they are
// [LFFilter] and [HFFilter], next to [PPNPFilter].
//
// # Closed and iterative forms
//
// The closed forms never build a dense inverse: they solve the sparse
// symmetric positive-definite system s·I + t·Â for the columns of the
// right-hand side by conjugate gradients in float64 ([Solve],
// [SolveOptions]), so they scale to graphs such as Pubmed (19,717 nodes).
// They are differentiable in H: the backward pass solves the same system
// (the propagation matrix is symmetric). The iterative forms ([APPNP],
// [LFIter], [HFIter], [Power]) are K sparse products composed from
// tensor operations and are differentiable in H as usual. With the paper's
// K = 10 the iterations are not converged (about 5–6% relative error
// against the closed form on Cora); they reach it as K grows.
//
// # Models and training
//
// [NewModel] builds the paper's model — a 2-layer MLP on the features
// whose logits are propagated by one of the propagations above — and the
// baselines MLP, GCN, SGC and JKNet, from a [Config] ([DefaultConfig] has
// the paper's settings per model). [Train] fits one with Adam, L2 on the
// first layer only and the reference code's early stopping on validation
// accuracy and loss, and returns train/validation/test accuracy;
// [BootstrapCI] summarises runs over seeds. examples/gnn reproduces the
// paper's Table 3 on Cora with them.
//
// # Parameters and errors
//
// Parameters outside the ranges the paper proves its results for return
// errors: α ∈ (0, 1] for PPNP/APPNP and GNN-HF, α ∈ (0, 2/3) and
// μ ∈ [1/2, 1) for GNN-LF, β ∈ (0, ∞) for GNN-HF, ξ ∈ (0, ∞) for JKNet and
// DAGNN, ζ ∈ [0, 1] and ξ ≥ 0 for the objective, K ≥ 0. The limits μ = 1
// and β = 0 are accepted as well: there GNN-LF and GNN-HF reduce exactly to
// PPNP/APPNP. Shapes that do not fit panic, naming the function.
package graph
