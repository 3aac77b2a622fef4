package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// BenchmarkGemm times C = A·B for n×n matrices on every kernel the CPU
// has, and gonum's Sgemm for comparison, in GFLOP/s (2n³ per product).
// Run with -cpu 1,2 for the thread counts.
func BenchmarkGemm(b *testing.B) {
	for _, n := range []int{64, 256, 512, 1024} {
		rng := rand.New(rand.NewPCG(1, 2))
		x, y, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
		for i := range x {
			x[i], y[i] = rng.Float32()*2-1, rng.Float32()*2-1
		}
		fl := 2 * float64(n) * float64(n) * float64(n)
		for _, k := range gemmKernels {
			b.Run(fmt.Sprintf("%s/%d", k.name, n), func(b *testing.B) {
				defer func(old *gemmKernel) { gemmKern = old }(gemmKern)
				gemmKern = k
				b.ReportAllocs()
				for b.Loop() {
					gemm(false, false, n, n, n, 1, x, n, y, n, 0, c, n)
				}
				b.ReportMetric(fl*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		b.Run(fmt.Sprintf("gonum/%d", n), func(b *testing.B) {
			impl := blas32.Implementation()
			b.ReportAllocs()
			for b.Loop() {
				impl.Sgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, x, n, y, n, 0, c, n)
			}
			b.ReportMetric(fl*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkGemmShapes times the products of training steps on the
// kernel in use: a linear layer's forward, input and weight gradients
// (batch 128, 784→256), and the second convolution of the TF-MNIST CNN
// for one sample (64 filters over 32·5·5 taps and 14×14 positions).
func BenchmarkGemmShapes(b *testing.B) {
	for _, s := range []struct {
		name    string
		ta, tb  bool
		m, n, k int
	}{
		{"linear-fwd-128x784x256", false, true, 128, 256, 784},
		{"linear-dx-128x256x784", false, false, 128, 784, 256},
		{"linear-dw-256x128x784", true, false, 256, 784, 128},
		{"conv2-64x800x196", false, false, 64, 196, 800},
		{"mlp-32x64x128", false, false, 32, 128, 64},
	} {
		b.Run(s.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			g := newGemmCase(rng, s.ta, s.tb, s.m, s.n, s.k, 0, 1, 0)
			b.ReportAllocs()
			for b.Loop() {
				gemm(g.ta, g.tb, g.m, g.n, g.k, 1, g.a, g.lda, g.b, g.ldb, 0, g.c, g.ldc)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
