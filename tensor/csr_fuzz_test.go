package tensor_test

import (
	"testing"

	"github.com/cairn-ml/cairn/tensor"
)

// FuzzCSR feeds arbitrary structure to NewCSR and CSRFromCOO: they must
// return an error or a matrix whose product agrees with its dense form,
// never panic.
func FuzzCSR(f *testing.F) {
	f.Add(uint8(3), uint8(3), []byte{0, 1, 2, 3, 0, 1, 2})
	f.Add(uint8(2), uint8(4), []byte{0, 2, 2, 0, 3})
	f.Add(uint8(0), uint8(0), []byte{})
	f.Fuzz(func(t *testing.T, r, c uint8, raw []byte) {
		rows, cols := int(r%16), int(c%16)
		ints := make([]int, len(raw))
		for i, b := range raw {
			ints[i] = int(int8(b))
		}
		check := func(a *tensor.CSR) {
			x := tensor.Ones(cols, 2)
			got, want := a.MatMul(x).Data(), a.Dense().MatMul(x).Data()
			for i := range want {
				if d := got[i] - want[i]; d > 1e-4 || d < -1e-4 {
					t.Fatalf("MatMul %v, dense %v", got, want)
				}
			}
		}
		// NewCSR: indptr of rows+1 entries, then the indices.
		if len(ints) >= rows+1 {
			indptr, indices := ints[:rows+1], ints[rows+1:]
			values := make([]float32, len(indices))
			for i := range values {
				values[i] = float32(i + 1)
			}
			if a, err := tensor.NewCSR(rows, cols, indptr, indices, values); err == nil {
				check(a)
			}
		}
		// CSRFromCOO: pairs of (row, col).
		n := len(ints) / 2
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = 1
		}
		if a, err := tensor.CSRFromCOO(rows, cols, ints[:n], ints[n:2*n], vals); err == nil {
			check(a)
		}
	})
}
