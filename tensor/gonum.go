package tensor

import "gonum.org/v1/gonum/mat"

// FromDense returns a 2-D tensor with the values of m, converted to
// float32.
func FromDense(m mat.Matrix) *Tensor {
	r, c := m.Dims()
	t := Zeros(r, c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			t.data[i*c+j] = float32(m.At(i, j))
		}
	}
	return t
}

// ToDense returns the values of a 2-D tensor as a gonum matrix (float64).
func (t *Tensor) ToDense() *mat.Dense {
	if len(t.shape) != 2 {
		panicShape("ToDense", "needs a 2-D tensor, shape", t.shape)
	}
	r, c := t.shape[0], t.shape[1]
	d := make([]float64, len(t.data))
	for i, v := range t.data {
		d[i] = float64(v)
	}
	if r == 0 || c == 0 {
		return &mat.Dense{}
	}
	return mat.NewDense(r, c, d)
}
