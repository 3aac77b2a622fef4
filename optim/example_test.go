package optim_test

import (
	"fmt"

	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// Minimising (w - target)² with Adam: ZeroGrad, Backward, Step.
func ExampleNewAdam() {
	target := tensor.New([]float32{1, -2, 3}, 3)
	w := tensor.Zeros(3).SetRequiresGrad(true)
	opt := optim.NewAdam([]*tensor.Tensor{w}, 0.1)
	for range 300 {
		opt.ZeroGrad()
		d := w.Sub(target)
		d.Mul(d).SumAll().Backward()
		opt.Step()
	}
	fmt.Printf("%.2f after %d steps\n", w.Data(), opt.Steps())
	// Output: [1.00 -2.00 3.00] after 300 steps
}

// SGD with Nesterov momentum and weight decay, written against the
// Optimizer interface so that any optimizer fits the same loop.
func ExampleNewSGD() {
	w := tensor.New([]float32{4}, 1).SetRequiresGrad(true)
	var opt optim.Optimizer = optim.NewSGD([]*tensor.Tensor{w}, 0.1,
		optim.Momentum(0.9), optim.Nesterov(true), optim.WeightDecay(1e-4))
	for range 100 {
		opt.ZeroGrad()
		d := w.AddScalar(-1)
		d.Mul(d).SumAll().Backward() // minimum at 1
		opt.Step()
	}
	fmt.Printf("%.3f\n", w.Data()[0])
	// Output: 1.000
}

// Linear warm-up over 3 epochs, then cosine annealing over 5.
func ExampleNewWarmupCosine() {
	opt := optim.NewAdamW(nil, 1e-3)
	sched := optim.NewWarmupCosine(opt, 3, 0.1, 5, 0)
	for epoch := range 9 {
		fmt.Printf("epoch %d: lr %.6f\n", epoch, opt.LR())
		// ... train one epoch, calling opt.Step() ...
		sched.Step()
	}
	// Output:
	// epoch 0: lr 0.000100
	// epoch 1: lr 0.000400
	// epoch 2: lr 0.000700
	// epoch 3: lr 0.001000
	// epoch 4: lr 0.000905
	// epoch 5: lr 0.000655
	// epoch 6: lr 0.000345
	// epoch 7: lr 0.000095
	// epoch 8: lr 0.000000
}

// StepLR divides the rate by 10 every 2 epochs.
func ExampleNewStepLR() {
	opt := optim.NewSGD(nil, 0.1)
	sched := optim.NewStepLR(opt, 2, 0.1)
	for range 5 {
		fmt.Printf("%.3g ", sched.LR())
		sched.Step()
	}
	fmt.Println()
	// Output: 0.1 0.1 0.01 0.01 0.001
}

// Gradients of norm 5 clipped to norm 1.
func ExampleClipGradNorm() {
	w := tensor.Zeros(2).SetRequiresGrad(true)
	w.Mul(tensor.New([]float32{3, 4}, 2)).SumAll().Backward() // grad (3, 4)
	norm := optim.ClipGradNorm([]*tensor.Tensor{w}, 1)
	fmt.Printf("norm %g, clipped %.4f\n", norm, w.Grad().Data())
	// Output: norm 5, clipped [0.6000 0.8000]
}
