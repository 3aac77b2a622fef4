package tensor_test

import (
	"testing"

	"github.com/cairn-ml/cairn/tensor"
)

// The second convolution of the MNIST Model A (5×5, 64→64, valid, 24→20)
// and the first of Model C (3×3, 1→32, valid, 28→26), batch 64.
func BenchmarkConv2DModelA2(b *testing.B) {
	convBench(b, []int{64, 64, 24, 24}, []int{64, 64, 5, 5}, 0, false)
}
func BenchmarkConv2DModelA2Backward(b *testing.B) {
	convBench(b, []int{64, 64, 24, 24}, []int{64, 64, 5, 5}, 0, true)
}

// convTBench benchmarks ConvTranspose2D forward and backward in input and
// weight, as the AdvGAN generator's decoder uses it.
func convTBench(b *testing.B, x, w []int, stride int) {
	rng := newRNG(1)
	xt, wt := tensor.Randn(rng, x...), tensor.Randn(rng, w...)
	xt.SetRequiresGrad(true)
	wt.SetRequiresGrad(true)
	o := tensor.ConvTransposeOptions{Stride: [2]int{stride, stride}}
	g := tensor.Randn(rng, xt.ConvTranspose2D(wt, nil, o).Shape()...)
	b.ReportAllocs()
	for b.Loop() {
		xt.ZeroGrad()
		wt.ZeroGrad()
		xt.ConvTranspose2D(wt, nil, o).BackwardWith(g)
	}
}

// AdvGAN's decoder at batch 128: 32→16 3×3 stride 2 (5→11) and 8→1 6×6
// (23→28).
func BenchmarkConvTranspose2DAdvGAN1(b *testing.B) {
	convTBench(b, []int{128, 32, 5, 5}, []int{32, 16, 3, 3}, 2)
}
func BenchmarkConvTranspose2DAdvGAN3(b *testing.B) {
	convTBench(b, []int{128, 8, 23, 23}, []int{8, 1, 6, 6}, 1)
}
