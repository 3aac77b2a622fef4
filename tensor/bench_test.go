package tensor_test

import (
	"fmt"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
)

// flops reports a GFLOP/s metric for b given the floating-point operations
// of one iteration.
func flops(b *testing.B, perOp float64) {
	b.ReportMetric(perOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkMatMul(b *testing.B) {
	for _, n := range []int{64, 256, 512, 1024} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rng := newRNG(1)
			x, y := tensor.Randn(rng, n, n), tensor.Randn(rng, n, n)
			b.ReportAllocs()
			for b.Loop() {
				x.MatMul(y)
			}
			flops(b, 2*float64(n)*float64(n)*float64(n))
		})
	}
}

// The forward and backward of a linear layer's product, batch 128.
func BenchmarkMatMulBackward(b *testing.B) {
	rng := newRNG(1)
	x := tensor.Randn(rng, 128, 784)
	w := tensor.Randn(rng, 784, 256).SetRequiresGrad(true)
	b.ReportAllocs()
	for b.Loop() {
		w.ZeroGrad()
		x.MatMul(w).SumAll().Backward()
	}
	flops(b, 3*2*128*784*256)
}

func BenchmarkBatchedMatMul(b *testing.B) {
	// attention-shaped: (batch*heads, seq, dim) x (batch*heads, dim, seq)
	rng := newRNG(1)
	q, k := tensor.Randn(rng, 32, 64, 32), tensor.Randn(rng, 32, 32, 64)
	b.ReportAllocs()
	for b.Loop() {
		q.MatMul(k)
	}
	flops(b, 2*32*64*32*64)
}

func BenchmarkAdd(b *testing.B) {
	rng := newRNG(1)
	x, y := tensor.Randn(rng, 1024, 1024), tensor.Randn(rng, 1024, 1024)
	row := tensor.Randn(rng, 1024)
	b.Run("same-shape-1M", func(b *testing.B) {
		b.SetBytes(3 * 4 << 20)
		for b.Loop() {
			x.Add(y)
		}
	})
	b.Run("broadcast-row-1M", func(b *testing.B) {
		b.SetBytes(2 * 4 << 20)
		for b.Loop() {
			x.Add(row)
		}
	})
}

func BenchmarkExp(b *testing.B) {
	x := tensor.Randn(newRNG(1), 1024, 1024)
	b.SetBytes(2 * 4 << 20)
	for b.Loop() {
		x.Exp()
	}
}

func BenchmarkSum(b *testing.B) {
	x := tensor.Randn(newRNG(1), 1024, 1024)
	for _, axis := range []int{0, 1} {
		b.Run(fmt.Sprintf("axis%d-1M", axis), func(b *testing.B) {
			b.SetBytes(4 << 20)
			for b.Loop() {
				x.Sum(axis, false)
			}
		})
	}
	b.Run("all-1M", func(b *testing.B) {
		b.SetBytes(4 << 20)
		for b.Loop() {
			x.SumAll()
		}
	})
}

func BenchmarkSoftmax(b *testing.B) {
	// a classifier's logits over a batch, and attention rows
	for _, s := range [][2]int{{128, 1000}, {4096, 64}} {
		b.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(b *testing.B) {
			x := tensor.Randn(newRNG(1), s[0], s[1])
			b.SetBytes(int64(2 * 4 * s[0] * s[1]))
			for b.Loop() {
				x.Softmax(-1)
			}
		})
	}
}

func BenchmarkSoftmaxBackward(b *testing.B) {
	x := tensor.Randn(newRNG(1), 128, 1000).SetRequiresGrad(true)
	for b.Loop() {
		x.ZeroGrad()
		x.LogSoftmax(1).Gather(1, make([]int, 128)).SumAll().Backward()
	}
}

// One training step of the reference MLP of ../shared/specs/anchors-go.md
// (64-128-10, batch 32) written with raw tensor ops, forward and backward.
func BenchmarkMLPStep(b *testing.B) {
	rng := newRNG(1)
	x := tensor.Randn(rng, 32, 64)
	labels := make([]int, 32)
	for i := range labels {
		labels[i] = i % 10
	}
	w1 := tensor.Randn(rng, 64, 128).MulScalar(0.1).Detach().SetRequiresGrad(true)
	b1 := tensor.Zeros(128).SetRequiresGrad(true)
	w2 := tensor.Randn(rng, 128, 10).MulScalar(0.1).Detach().SetRequiresGrad(true)
	b2 := tensor.Zeros(10).SetRequiresGrad(true)
	params := []*tensor.Tensor{w1, b1, w2, b2}
	b.ReportAllocs()
	for b.Loop() {
		h := x.MatMul(w1).Add(b1).ReLU()
		loss := h.MatMul(w2).Add(b2).LogSoftmax(1).Gather(1, labels).MeanAll().Neg()
		loss.Backward()
		for _, p := range params {
			d, g := p.Data(), p.Grad().Data()
			for i := range d {
				d[i] -= 0.01 * g[i]
			}
			p.ZeroGrad()
		}
	}
}

// Unbinding a sequence into time steps and back-propagating through all of
// them: the backward must cost about the size of the tensor, not steps ×
// size.
func BenchmarkUnbindBackward(b *testing.B) {
	x := tensor.Randn(newRNG(1), 256, 32, 64).SetRequiresGrad(true)
	b.ReportAllocs()
	for b.Loop() {
		x.ZeroGrad()
		steps := x.Unbind(0)
		acc := steps[0]
		for _, s := range steps[1:] {
			acc = acc.Add(s)
		}
		acc.SumAll().Backward()
	}
}

func BenchmarkActivation(b *testing.B) {
	x := tensor.Randn(newRNG(1), 1024, 1024)
	for _, a := range []struct {
		name string
		f    func(*tensor.Tensor) *tensor.Tensor
	}{{"Sigmoid", (*tensor.Tensor).Sigmoid}, {"Tanh", (*tensor.Tensor).Tanh}, {"ReLU", (*tensor.Tensor).ReLU}, {"GELU", (*tensor.Tensor).GELU}} {
		b.Run(a.name+"-1M", func(b *testing.B) {
			b.SetBytes(2 * 4 << 20)
			for b.Loop() {
				a.f(x)
			}
		})
	}
}
