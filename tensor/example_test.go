package tensor_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/tensor"
)

// Gradients of a small expression: y = sum(x*x + 3x) has dy/dx = 2x + 3.
func Example() {
	x := tensor.New([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	y := x.Mul(x).Add(x.MulScalar(3)).SumAll()
	y.Backward()
	fmt.Println(y.Item())
	fmt.Println(x.Grad())
	// Output:
	// 32
	// Tensor[3] [5 7 9]
}

// Broadcasting follows NumPy: a column plus a row gives a matrix.
func ExampleTensor_Add() {
	col := tensor.New([]float32{0, 10}, 2, 1)
	row := tensor.New([]float32{1, 2, 3}, 3)
	fmt.Println(col.Add(row))
	// Output: Tensor[2 3] [[1 2 3] [11 12 13]]
}

// Fitting a linear model with gradient descent, using nothing but tensor.
func ExampleTensor_Backward() {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.Randn(rng, 64, 2)
	y := x.MatMul(tensor.New([]float32{2, -1}, 2, 1)).AddScalar(0.5) // y = 2a - b + 0.5
	w := tensor.Zeros(2, 1).SetRequiresGrad(true)
	b := tensor.Zeros(1).SetRequiresGrad(true)
	for range 200 {
		loss := x.MatMul(w).Add(b).Sub(y).PowScalar(2).MeanAll()
		loss.Backward()
		for _, p := range []*tensor.Tensor{w, b} {
			for i, g := range p.Grad().Data() {
				p.Data()[i] -= 0.1 * g
			}
			p.ZeroGrad()
		}
	}
	fmt.Printf("w = [%.3f %.3f], b = %.3f\n", w.At(0, 0), w.At(1, 0), b.At(0))
	// Output: w = [2.000 -1.000], b = 0.500
}

// Softmax is stable for large inputs, and masked (-Inf) entries get zero.
func ExampleTensor_Softmax() {
	logits := tensor.New([]float32{1000, 1001, 1002, 0, 0, 0}, 2, 3)
	mask := tensor.New([]float32{0, 0, 1}, 3)
	p := logits.MaskedFill(mask, float32(negInf)).Softmax(-1)
	for i := range 2 {
		fmt.Printf("%.4f %.4f %.4f\n", p.At(i, 0), p.At(i, 1), p.At(i, 2))
	}
	// Output:
	// 0.2689 0.7311 0.0000
	// 0.5000 0.5000 0.0000
}

// Picking each row's target log-probability, as a classification loss does.
func ExampleTensor_Gather() {
	logits := tensor.New([]float32{2, 0, 0, 0, 3, 0}, 2, 3)
	targets := []int{0, 1}
	nll := logits.LogSoftmax(1).Gather(1, targets).MeanAll().Neg()
	fmt.Printf("%.4f\n", nll.Item())
	// Output: 0.1672
}

// Batch dimensions broadcast in MatMul.
func ExampleTensor_MatMul() {
	a := tensor.Ones(4, 1, 2, 3) // a batch of 4 (×1) matrices 2×3
	b := tensor.Ones(5, 3, 6)    // a batch of 5 matrices 3×6
	fmt.Println(a.MatMul(b).Shape())
	// Output: [4 5 2 6]
}

// An embedding lookup is IndexSelect on the weight's rows; its gradient
// adds up over repeated ids.
func ExampleTensor_IndexSelect() {
	weight := tensor.Arange(0, 6, 1).Reshape(3, 2).Detach().SetRequiresGrad(true)
	ids := []int{2, 0, 2}
	vecs := weight.IndexSelect(0, ids)
	fmt.Println(vecs)
	vecs.SumAll().Backward()
	fmt.Println(weight.Grad())
	// Output:
	// Tensor[3 2] [[4 5] [0 1] [4 5]]
	// Tensor[3 2] [[1 1] [0 0] [2 2]]
}
