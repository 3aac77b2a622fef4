package main

import (
	"math"

	"github.com/cairn-ml/cairn/tensor"
)

// meanPool returns the mean of h (n, t, d) over the first lens[i] positions
// of each row (right padding is not counted: the masked mean the spec asks
// for, not x-LLM's division by the padded length).
func meanPool(h *tensor.Tensor, lens []int) [][]float64 {
	n, t, d := h.Dim(0), h.Dim(1), h.Dim(2)
	hd := h.Data()
	out := make([][]float64, n)
	for i := range n {
		v := make([]float64, d)
		for j := range lens[i] {
			row := hd[(i*t+j)*d : (i*t+j+1)*d]
			for k, x := range row {
				v[k] += float64(x)
			}
		}
		for k := range v {
			v[k] /= float64(lens[i])
		}
		out[i] = v
	}
	return out
}

func cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
