package tensor

// MatMul returns the matrix product of a and b with PyTorch's matmul rules:
// for 2-D operands the ordinary product (m×k)·(k×n); a 1-D a is a row vector
// and a 1-D b a column vector, the added dimension removed from the result;
// for more dimensions the last two are the matrices and the leading
// (batch) dimensions broadcast. It panics if the inner sizes differ. As
// in gonum's BLAS, a zero in the left operand may contribute nothing even
// against an Inf or NaN in the right one, where PyTorch would give NaN.
func (a *Tensor) MatMul(b *Tensor) *Tensor {
	switch {
	case len(a.shape) == 0 || len(b.shape) == 0:
		panicShape("MatMul", "scalar operand, shapes", a.shape, b.shape)
	case a.shape[len(a.shape)-1] != b.shape[max(len(b.shape)-2, 0)]:
		panicShape("MatMul", "inner sizes differ, shapes", a.shape, b.shape)
	case len(a.shape) == 1 && len(b.shape) == 1:
		return a.Reshape(1, -1).MatMul(b.Reshape(-1, 1)).Reshape()
	case len(a.shape) == 1:
		out := a.Unsqueeze(0).MatMul(b)
		return out.Squeeze(-2)
	case len(b.shape) == 1:
		return a.MatMul(b.Unsqueeze(-1)).Squeeze(-1)
	}
	ra, rb := len(a.shape), len(b.shape)
	m, k, k2, n := a.shape[ra-2], a.shape[ra-1], b.shape[rb-2], b.shape[rb-1]
	if k != k2 {
		panicShape("MatMul", "inner sizes differ, shapes", a.shape, b.shape)
	}
	if ra > 2 && rb == 2 {
		// (..., m, k)·(k, n): one product with the batch folded into rows.
		lead := a.shape[:ra-1]
		rows := 1
		for _, d := range lead {
			rows *= d
		}
		out := a.Reshape(rows, k).MatMul(b)
		return out.Reshape(append(append([]int(nil), lead...), n)...)
	}
	batch := broadcastShape("MatMul", a.shape[:ra-2], b.shape[:rb-2])
	shape := append(append([]int(nil), batch...), m, n)
	out := Zeros(shape...)
	ao, bo := batchOffsets(batch, a.shape[:ra-2], m*k), batchOffsets(batch, b.shape[:rb-2], k*n)
	gemmBatch(false, false, m, n, k, a.data, ao, k, b.data, bo, n, out.data, m*n)
	if anyRequiresGrad(a, b) {
		out.setNode(func(g *Tensor) []*Tensor {
			var ga, gb *Tensor
			if a.requiresGrad {
				// dA = g·Bᵀ per batch, summed over the batches a was broadcast to.
				full := Zeros(append(append([]int(nil), batch...), m, k)...)
				gemmBatch(false, true, m, k, n, g.data, batchOffsets(batch, batch, m*n), n, b.data, bo, n, full.data, m*k)
				ga = sumTo(full, a.shape)
			}
			if b.requiresGrad {
				// dB = Aᵀ·g per batch.
				full := Zeros(append(append([]int(nil), batch...), k, n)...)
				gemmBatch(true, false, k, n, m, a.data, ao, k, g.data, batchOffsets(batch, batch, m*n), n, full.data, k*n)
				gb = sumTo(full, b.shape)
			}
			return []*Tensor{ga, gb}
		}, a, b)
	}
	return out
}

// batchOffsets returns, for each batch index of the broadcast batch shape,
// the offset of the matching matrix (of size elements) in an operand whose
// batch shape is in.
func batchOffsets(batch, in []int, size int) []int {
	nb := 1
	for _, d := range batch {
		nb *= d
	}
	offs := make([]int, 0, nb)
	if nb == 0 {
		return offs
	}
	p := newPlan(batch, in)
	s := p.inner(0)
	p.run(1<<30, func(_ int, o []int, n int) {
		for i := 0; i < n; i++ {
			offs = append(offs, (o[0]+i*s)*size)
		}
	})
	return offs
}

// gemmBatch computes c[i] = op(a[i])·op(b[i]) for every batch i, where op
// transposes when asked; lda and ldb are the row lengths of the matrices as
// stored, and c's matrices are consecutive, cs elements apart.
// Small products run in parallel over the batch; large ones one after the
// other, each parallel inside.
func gemmBatch(ta, tb bool, m, n, k int, a []float32, ao []int, lda int, b []float32, bo []int, ldb int, c []float32, cs int) {
	if m == 0 || n == 0 {
		return
	}
	one := func(i int) {
		gemm(ta, tb, m, n, k, 1, a[ao[i]:], lda, b[bo[i]:], ldb, 0, c[i*cs:], n)
	}
	if m*n*k >= 1<<18 {
		for i := range ao {
			one(i)
		}
		return
	}
	parallelFor(len(ao), max(1, (1<<18)/max(1, m*n*k)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			one(i)
		}
	})
}
