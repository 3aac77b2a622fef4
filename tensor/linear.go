package tensor

// Linear returns x·wᵀ + b, PyTorch's F.linear: x has shape (..., in), w
// (out, in) and b (out) or nil for no bias; the result has shape (..., out).
// It is one matrix product with the bias added in place, without
// transposing w.
func Linear(x, w, b *Tensor) *Tensor {
	if len(w.shape) != 2 || len(x.shape) == 0 || x.shape[len(x.shape)-1] != w.shape[1] {
		panicShape("Linear", "input and weight do not fit, shapes", x.shape, w.shape)
	}
	if b != nil && (len(b.shape) != 1 || b.shape[0] != w.shape[0]) {
		panicShape("Linear", "bias does not fit the weight, shapes", b.shape, w.shape)
	}
	in, nout := w.shape[1], w.shape[0]
	rows := len(x.data) / max(in, 1)
	if in == 0 {
		rows = 1
		for _, d := range x.shape[:len(x.shape)-1] {
			rows *= d
		}
	}
	shape := append(append([]int(nil), x.shape[:len(x.shape)-1]...), nout)
	out := Zeros(shape...)
	beta := float32(0)
	if b != nil {
		for r := 0; r < rows; r++ {
			copy(out.data[r*nout:(r+1)*nout], b.data)
		}
		beta = 1
	}
	if rows > 0 && nout > 0 && in > 0 {
		gemm(false, true, rows, nout, in, 1, x.data, in, w.data, in, beta, out.data, nout)
	}
	if anyRequiresGrad(x, w, b) {
		out.setNode(func(g *Tensor) []*Tensor {
			var gx, gw, gb *Tensor
			if x.requiresGrad {
				gx = Zeros(x.shape...)
				if rows > 0 && nout > 0 && in > 0 {
					gemm(false, false, rows, in, nout, 1, g.data, nout, w.data, in, 0, gx.data, in)
				}
			}
			if w.requiresGrad {
				gw = Zeros(w.shape...)
				if rows > 0 && nout > 0 && in > 0 {
					gemm(true, false, nout, in, rows, 1, g.data, nout, x.data, in, 0, gw.data, in)
				}
			}
			if b != nil && b.requiresGrad {
				gb = sumTo(New(g.data, rows, nout), b.shape)
			}
			return []*Tensor{gx, gw, gb}
		}, x, w, b)
	}
	return out
}
