package optim

import (
	"github.com/cairn-ml/cairn/tensor"
)

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and L2 weight decay, as torch.optim.SGD. For each
// parameter p with gradient g, one Step computes
//
//	g ← g + wd·p                      (weight decay, if wd ≠ 0)
//	b ← g                             (momentum, first step with a gradient)
//	b ← μ·b + (1-dampening)·g         (momentum, later steps)
//	g ← g + μ·b  (Nesterov)  or  g ← b
//	p ← p - lr·g
//
// Make one with NewSGD.
type SGD struct {
	params []*tensor.Tensor
	decay  []bool
	lr     float64
	c      config
	steps  int
	buf    [][]float32 // momentum buffers, nil until a parameter's first gradient

	job sgdJob // the operands of the update in progress, read by kernel
	par *par
}

// sgdJob is one parameter's update.
type sgdJob struct {
	x, g, b           []float32
	first             bool // b is new: set it to the gradient
	lr, wd, mom, damp float32
}

// NewSGD returns SGD over params with learning rate lr. Options: Momentum
// (default 0), Dampening (0), Nesterov (false), WeightDecay (0), NoDecay.
// It panics on a negative rate, momentum or weight decay, on Nesterov
// without momentum or with dampening, and on nil or repeated parameters.
func NewSGD(params []*tensor.Tensor, lr float64, opts ...Option) *SGD {
	c := newConfig("NewSGD", config{}, opts, "Momentum", "Dampening", "Nesterov", "WeightDecay", "NoDecay")
	check(nonNeg(c.momentum), "NewSGD", "invalid momentum %v", c.momentum)
	check(!c.nesterov || (c.momentum > 0 && c.dampening == 0), "NewSGD", "Nesterov momentum requires a momentum and zero dampening (momentum %v, dampening %v)", c.momentum, c.dampening)
	ps, decay := checkParams("NewSGD", params, lr, c)
	o := &SGD{params: ps, decay: decay, lr: lr, c: c, buf: make([][]float32, len(ps))}
	o.par = newPar(o.kernel)
	return o
}

// LR returns the learning rate.
func (o *SGD) LR() float64 { return o.lr }

// SetLR sets the learning rate used by the next Step.
func (o *SGD) SetLR(lr float64) { o.lr = lr }

// Steps returns the number of calls to Step.
func (o *SGD) Steps() int { return o.steps }

// Params returns the parameters, in the order given to NewSGD (the
// optimizer's own slice: do not modify it).
func (o *SGD) Params() []*tensor.Tensor { return o.params }

// ZeroGrad drops the gradient of every parameter.
func (o *SGD) ZeroGrad() { zeroGrad(o.params) }

// Step updates every parameter that has a gradient in place, skipping
// those whose Grad is nil, and increments the step count
// (optimizer.step()).
func (o *SGD) Step() {
	o.steps++
	job := &o.job
	job.lr, job.mom, job.damp = float32(o.lr), float32(o.c.momentum), float32(1-o.c.dampening)
	for i, p := range o.params {
		g := grad("SGD", i, p)
		if g == nil {
			continue
		}
		x := p.Data()
		job.wd = 0
		if o.decay[i] {
			job.wd = float32(o.c.weightDecay)
		}
		job.x, job.g, job.b, job.first = x, g, nil, false
		if o.c.momentum != 0 {
			if o.buf[i] == nil {
				o.buf[i] = make([]float32, len(x))
				job.first = true
			}
			job.b = o.buf[i]
		}
		o.par.run(len(x))
	}
	job.x, job.g, job.b = nil, nil, nil
}

// kernel updates elements [lo, hi) of the parameter in o.job.
func (o *SGD) kernel(lo, hi int) {
	j := &o.job
	x, g := j.x[lo:hi], j.g[lo:hi]
	g = g[:len(x)]
	lr, wd := j.lr, j.wd
	if j.b == nil {
		for k, gk := range g {
			x[k] -= lr * (gk + wd*x[k])
		}
		return
	}
	b := j.b[lo:hi]
	b = b[:len(x)]
	mom, damp, nesterov := j.mom, j.damp, o.c.nesterov
	for k, gk := range g {
		d := gk + wd*x[k]
		bk := d
		if !j.first {
			bk = mom*b[k] + damp*d
		}
		b[k] = bk
		if nesterov {
			d += mom * bk
		} else {
			d = bk
		}
		x[k] -= lr * d
	}
}

// State returns copies of the momentum buffers ("<i>.momentum_buffer" for
// parameter i, absent before its first gradient or without momentum) and
// the step count ("step"), the keys of PyTorch's SGD state.
func (o *SGD) State() map[string]*tensor.Tensor {
	w := stateWriter{}
	w.count("step", o.steps)
	for i, p := range o.params {
		w.buf(i, "momentum_buffer", p, o.buf[i])
	}
	return w
}

// LoadState replaces the optimizer's state with a copy of state, as
// written by State for the same parameters. It returns an error, leaving
// the optimizer unchanged, on unknown keys or shapes that do not match.
func (o *SGD) LoadState(state map[string]*tensor.Tensor) error {
	r := newStateReader("SGD", state, o.params)
	steps, _, err := r.count("step")
	if err != nil {
		return err
	}
	buf := make([][]float32, len(o.params))
	for i := range o.params {
		if buf[i], err = r.buf(i, "momentum_buffer"); err != nil {
			return err
		}
	}
	if err := r.finish(); err != nil {
		return err
	}
	o.steps, o.buf = steps, buf
	return nil
}
