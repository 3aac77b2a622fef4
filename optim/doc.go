// Package optim provides gradient-descent optimizers, learning-rate
// schedules and gradient clipping with the semantics of torch.optim.
//
// # Overview
//
// An optimizer is made from the parameters to train, typically
// nn.Params(model), a learning rate and options:
//
//	opt := optim.NewAdamW(nn.Params(model), 1e-3, optim.WeightDecay(0.05), optim.NoDecay(biases...))
//	for batch := range batches {
//		opt.ZeroGrad()
//		loss := lossOf(model, batch)
//		loss.Backward()
//		optim.ClipGradNorm(opt.Params(), 1) // optional
//		opt.Step()
//	}
//
// [Update] is that loop body in one call, and refuses a NaN or infinite
// loss or gradient norm with an error wrapping [ErrNonFinite] instead of
// stepping:
//
//	l, err := optim.Update(opt, lossOf(model, batch), 1)
//
// [SGD] (momentum, dampening, Nesterov), [Adam] (AMSGrad), [AdamW]
// (decoupled weight decay) and [RMSProp] (momentum, centred) follow
// torch.optim's single-tensor algorithms step for step, in float32 as
// PyTorch computes them on the CPU; the package's tests replay PyTorch
// trajectories. Each implements [Optimizer].
//
// # Options and defaults
//
// Settings other than the learning rate are functional options, shared by
// the optimizers they apply to; an option left out keeps PyTorch's
// default, and an option that does not apply makes the constructor panic.
// The defaults are PyTorch's:
//
//	SGD      Momentum 0, Dampening 0, Nesterov off, WeightDecay 0
//	Adam     Betas 0.9, 0.999, Eps 1e-8, WeightDecay 0, AMSGrad off
//	AdamW    as Adam, but WeightDecay 0.01 (decoupled)
//	RMSProp  Alpha 0.99, Eps 1e-8, WeightDecay 0, Momentum 0, Centered off
//
// [NoDecay] exempts some parameters from weight decay, which is what the
// second parameter group is usually for in PyTorch; there are no other
// per-parameter settings.
//
// # State
//
// An optimizer owns its state: typed per-parameter buffers, made at a
// parameter's first gradient, and its step count. Step increments the
// count and updates, in place through Data, every parameter whose Grad is
// not nil; a parameter without a gradient is skipped, its state untouched
// (for Adam, its own step count, which the bias correction uses, does not
// advance), as in PyTorch. ZeroGrad drops the gradients (PyTorch's
// zero_grad(set_to_none=True)). State and LoadState copy the state out and
// back, with PyTorch's buffer names, so that a run can resume from a
// checkpoint.
//
// # Schedules
//
// A [Scheduler] sets an optimizer's learning rate through the [LRSetter]
// interface, so it drives any optimizer. [StepLR], [CosineAnnealingLR] and
// [LinearLR] match the schedulers of torch.optim.lr_scheduler, and
// [SequentialLR] runs several one after another ([NewWarmupCosine] makes the
// usual linear warm-up then cosine decay). Call Step after each epoch or
// iteration, after the optimizer's Step, as in PyTorch; rates come from
// closed forms of the epoch and the base rate.
//
// # Errors
//
// Bad configuration passed in code (a negative learning rate, Nesterov
// without momentum, a repeated parameter) panics with a message naming the
// constructor. LoadState returns an error for state that does not fit the
// optimizer. Nothing logs or exits.
//
// # Performance and concurrency
//
// Step allocates only at a parameter's first gradient, to make its state.
// The update of a large parameter is split over up to GOMAXPROCS
// goroutines that Step waits for; each element is updated by one of them
// in the same way, so the results do not depend on GOMAXPROCS, and a panic
// in one is re-raised in the caller. An optimizer is not safe for
// concurrent use.
package optim
