package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// Training steps of the convolutional models the MNIST attack work trains,
// as the workloads of ../shared/bench (cnn_modelA_adam_b64,
// cnn_tfmnist_adam_b64) and the AdvGAN generator: forward, loss, backward
// and Adam on a fixed batch.

func benchStep(b *testing.B, params []*tensor.Tensor, loss func() *tensor.Tensor) {
	opt := optim.NewAdam(params, 1e-3)
	b.ReportAllocs()
	for b.Loop() {
		opt.ZeroGrad()
		l := loss()
		l.Backward()
		opt.Step()
	}
}

func benchLabels(r *rand.Rand, n int) []int {
	y := make([]int, n)
	for i := range y {
		y[i] = r.IntN(10)
	}
	return y
}

// Model A: conv5×5×64 (valid) + ReLU, conv5×5×64 (valid) + ReLU, dropout
// 0.25, fc 25600→128 + ReLU, dropout 0.5, fc 128→10, batch 64.
func BenchmarkCNNModelAStep(b *testing.B) {
	r := rand.New(rand.NewPCG(0, 0))
	type model struct {
		C1, C2 *nn.Conv2D
		D1, D2 *nn.Dropout
		F1, F2 *nn.Linear
	}
	m := &model{
		C1: nn.NewConv2D(r, 1, 64, 5), C2: nn.NewConv2D(r, 64, 64, 5),
		D1: nn.NewDropout(rand.New(rand.NewPCG(1, 0)), 0.25), D2: nn.NewDropout(rand.New(rand.NewPCG(2, 0)), 0.5),
		F1: nn.NewLinear(r, 20*20*64, 128), F2: nn.NewLinear(r, 128, 10),
	}
	x := tensor.Randn(r, 64, 1, 28, 28)
	y := benchLabels(r, 64)
	benchStep(b, nn.Params(m), func() *tensor.Tensor {
		h := m.C1.Forward(x).ReLU()
		h = m.D1.Forward(m.C2.Forward(h).ReLU())
		h = m.D2.Forward(m.F1.Forward(h.Flatten(1)).ReLU())
		return nn.CrossEntropy(m.F2.Forward(h), y)
	})
}

// TF-MNIST CNN: conv5×5×32 (same) + ReLU + maxpool 2, conv5×5×64 (same) +
// ReLU + maxpool 2, fc 3136→1024 + ReLU, fc 1024→10, batch 64.
func BenchmarkCNNTFMnistStep(b *testing.B) {
	r := rand.New(rand.NewPCG(0, 0))
	type model struct {
		C1, C2 *nn.Conv2D
		F1, F2 *nn.Linear
	}
	m := &model{
		C1: nn.NewConv2D(r, 1, 32, 5, nn.ConvPadding(2)), C2: nn.NewConv2D(r, 32, 64, 5, nn.ConvPadding(2)),
		F1: nn.NewLinear(r, 7*7*64, 1024), F2: nn.NewLinear(r, 1024, 10),
	}
	x := tensor.Randn(r, 64, 1, 28, 28)
	y := benchLabels(r, 64)
	benchStep(b, nn.Params(m), func() *tensor.Tensor {
		h := m.C1.Forward(x).ReLU().MaxPool2D(2)
		h = m.C2.Forward(h).ReLU().MaxPool2D(2)
		h = m.F1.Forward(h.Flatten(1)).ReLU()
		return nn.CrossEntropy(m.F2.Forward(h), y)
	})
}

// Model C: conv3×3×32, conv3×3×32, maxpool 2, conv3×3×64, conv3×3×64,
// maxpool 2 (all ReLU, valid), fc 1024→200 + ReLU, fc 200→10, batch 128.
func BenchmarkCNNModelCStep(b *testing.B) {
	r := rand.New(rand.NewPCG(0, 0))
	type model struct {
		C1, C2, C3, C4 *nn.Conv2D
		F1, F2         *nn.Linear
	}
	m := &model{
		C1: nn.NewConv2D(r, 1, 32, 3), C2: nn.NewConv2D(r, 32, 32, 3),
		C3: nn.NewConv2D(r, 32, 64, 3), C4: nn.NewConv2D(r, 64, 64, 3),
		F1: nn.NewLinear(r, 4*4*64, 200), F2: nn.NewLinear(r, 200, 10),
	}
	x := tensor.Randn(r, 128, 1, 28, 28)
	y := benchLabels(r, 128)
	benchStep(b, nn.Params(m), func() *tensor.Tensor {
		h := m.C2.Forward(m.C1.Forward(x).ReLU()).ReLU().MaxPool2D(2)
		h = m.C4.Forward(m.C3.Forward(h).ReLU()).ReLU().MaxPool2D(2)
		h = m.F1.Forward(h.Flatten(1)).ReLU()
		return nn.CrossEntropy(m.F2.Forward(h), y)
	})
}

// The AdvGAN generator for MNIST (Xiao et al.; the reference PyTorch
// implementation): encoder conv3×3 1→8 s1, 8→16 s2, 16→32 s2 with
// InstanceNorm and ReLU (28→26→12→5), two residual blocks of reflection
// pad + conv3×3 + InstanceNorm, decoder ConvTranspose 32→16 s2, 16→8 s2
// with InstanceNorm and ReLU (5→11→23), ConvTranspose 8→1 6×6 and Tanh
// (23→28); batch 128, loss the mean square of the perturbation.
func BenchmarkAdvGANGeneratorStep(b *testing.B) {
	r := rand.New(rand.NewPCG(0, 0))
	type block struct {
		P1, P2 *nn.ReflectionPad2D
		C1, C2 *nn.Conv2D
		N1, N2 *nn.InstanceNorm2D
	}
	type model struct {
		E1, E2, E3 *nn.Conv2D
		EN1, EN2   *nn.InstanceNorm2D
		EN3        *nn.InstanceNorm2D
		R          []*block
		D1, D2, D3 *nn.ConvTranspose2D
		DN1, DN2   *nn.InstanceNorm2D
	}
	m := &model{
		E1: nn.NewConv2D(r, 1, 8, 3, nn.ConvNoBias()), E2: nn.NewConv2D(r, 8, 16, 3, nn.ConvStride(2), nn.ConvNoBias()),
		E3:  nn.NewConv2D(r, 16, 32, 3, nn.ConvStride(2), nn.ConvNoBias()),
		EN1: nn.NewInstanceNorm2D(8, false), EN2: nn.NewInstanceNorm2D(16, false), EN3: nn.NewInstanceNorm2D(32, false),
		D1:  nn.NewConvTranspose2D(r, 32, 16, 3, nn.ConvStride(2), nn.ConvNoBias()),
		D2:  nn.NewConvTranspose2D(r, 16, 8, 3, nn.ConvStride(2), nn.ConvNoBias()),
		D3:  nn.NewConvTranspose2D(r, 8, 1, 6, nn.ConvNoBias()),
		DN1: nn.NewInstanceNorm2D(16, false), DN2: nn.NewInstanceNorm2D(8, false),
	}
	for range 2 {
		m.R = append(m.R, &block{
			P1: nn.NewReflectionPad2D(1), P2: nn.NewReflectionPad2D(1),
			C1: nn.NewConv2D(r, 32, 32, 3, nn.ConvNoBias()), C2: nn.NewConv2D(r, 32, 32, 3, nn.ConvNoBias()),
			N1: nn.NewInstanceNorm2D(32, false), N2: nn.NewInstanceNorm2D(32, false),
		})
	}
	x := tensor.Randn(r, 128, 1, 28, 28)
	benchStep(b, nn.Params(m), func() *tensor.Tensor {
		h := m.EN1.Forward(m.E1.Forward(x)).ReLU()
		h = m.EN2.Forward(m.E2.Forward(h)).ReLU()
		h = m.EN3.Forward(m.E3.Forward(h)).ReLU()
		for _, blk := range m.R {
			t := blk.N1.Forward(blk.C1.Forward(blk.P1.Forward(h))).ReLU()
			h = h.Add(blk.N2.Forward(blk.C2.Forward(blk.P2.Forward(t))))
		}
		h = m.DN1.Forward(m.D1.Forward(h)).ReLU()
		h = m.DN2.Forward(m.D2.Forward(h)).ReLU()
		p := m.D3.Forward(h).Tanh()
		return p.Mul(p).MeanAll()
	})
}
