package optim_test

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// mlpParams returns the parameters of a 784-256-256-10 MLP (269,322
// values), each with a random gradient.
func mlpParams() []*tensor.Tensor {
	rng := rand.New(rand.NewPCG(1, 2))
	model := []*nn.Linear{nn.NewLinear(rng, 784, 256), nn.NewLinear(rng, 256, 256), nn.NewLinear(rng, 256, 10)}
	ps := nn.Params(model)
	for _, p := range ps {
		p.Mul(tensor.Randn(rng, p.Shape()...)).SumAll().Backward()
	}
	return ps
}

// benchStep measures one optimizer Step over the MLP's parameters; after
// the first step (which makes the state) it should not allocate.
func benchStep(b *testing.B, mk func([]*tensor.Tensor) optim.Optimizer) {
	ps := mlpParams()
	opt := mk(ps)
	opt.Step()
	n := 0
	for _, p := range ps {
		n += p.Size()
	}
	b.SetBytes(int64(4 * n))
	b.ReportAllocs()
	for b.Loop() {
		opt.Step()
	}
}

func BenchmarkAdamStep(b *testing.B) {
	benchStep(b, func(ps []*tensor.Tensor) optim.Optimizer { return optim.NewAdam(ps, 1e-3) })
}

func BenchmarkAdamWAMSGradStep(b *testing.B) {
	benchStep(b, func(ps []*tensor.Tensor) optim.Optimizer { return optim.NewAdamW(ps, 1e-3, optim.AMSGrad(true)) })
}

func BenchmarkSGDMomentumStep(b *testing.B) {
	benchStep(b, func(ps []*tensor.Tensor) optim.Optimizer {
		return optim.NewSGD(ps, 1e-2, optim.Momentum(0.9), optim.Nesterov(true), optim.WeightDecay(1e-4))
	})
}

func BenchmarkRMSPropCenteredStep(b *testing.B) {
	benchStep(b, func(ps []*tensor.Tensor) optim.Optimizer {
		return optim.NewRMSProp(ps, 1e-3, optim.Centered(true), optim.Momentum(0.9))
	})
}

func BenchmarkClipGradNorm(b *testing.B) {
	ps := mlpParams()
	b.ReportAllocs()
	for b.Loop() {
		optim.ClipGradNorm(ps, 1e30)
	}
}

// TestStepDoesNotAllocate checks the zero-allocation claim of Step once
// the state exists.
func TestStepDoesNotAllocate(t *testing.T) {
	ps := []*tensor.Tensor{tensor.Zeros(3, 4).SetRequiresGrad(true), tensor.Zeros(4).SetRequiresGrad(true)}
	quadratic(ps...)
	for name, opt := range newEach(ps) {
		opt.Step()
		if n := testing.AllocsPerRun(10, opt.Step); n != 0 {
			t.Errorf("%s.Step: %v allocations", name, n)
		}
	}
}

// The parallel update of a large parameter gives the same bits whatever
// GOMAXPROCS is, and does not allocate.
func TestLargeStepDeterministicAndAllocFree(t *testing.T) {
	mk := func() []*tensor.Tensor {
		rng := rand.New(rand.NewPCG(3, 4))
		ps := []*tensor.Tensor{tensor.Randn(rng, 300, 250).SetRequiresGrad(true), tensor.Randn(rng, 7).SetRequiresGrad(true)}
		return ps
	}
	run := func(procs int, name string) []*tensor.Tensor {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		ps := mk()
		opt := newEach(ps)[name]
		for range 3 {
			opt.ZeroGrad()
			quadratic(ps...)
			opt.Step()
		}
		if n := testing.AllocsPerRun(5, opt.Step); n != 0 {
			t.Errorf("%s with GOMAXPROCS=%d: %v allocations per Step", name, procs, n)
		}
		return ps
	}
	for name := range newEach(nil) {
		a, b := run(1, name), run(4, name)
		for i := range a {
			torchfix.Close(t, name, b[i], a[i], 0, 0)
		}
	}
}
