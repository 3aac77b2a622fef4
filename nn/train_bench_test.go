package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// The "mlp_784_256_256_10_adam_b128" workload of ../shared/bench: one
// training step (forward, cross-entropy, backward, Adam) of
// Linear(784,256)-ReLU-Linear(256,256)-ReLU-Linear(256,10) on a batch of 128.
func BenchmarkMLPAdamStep(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	type mlp struct{ L1, L2, L3 *nn.Linear }
	m := &mlp{nn.NewLinear(r, 784, 256), nn.NewLinear(r, 256, 256), nn.NewLinear(r, 256, 10)}
	x := tensor.Randn(r, 128, 784)
	y := make([]int, 128)
	for i := range y {
		y[i] = r.IntN(10)
	}
	opt := optim.NewAdam(nn.Params(m), 1e-3)
	b.ReportAllocs()
	for b.Loop() {
		h := m.L2.Forward(m.L1.Forward(x).ReLU()).ReLU()
		loss := nn.CrossEntropy(m.L3.Forward(h), y)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
	}
}
