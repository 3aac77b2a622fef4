package optim

import (
	"math"

	"github.com/cairn-ml/cairn/tensor"
)

// RMSProp is the RMSProp optimizer (Hinton), as torch.optim.RMSprop. For
// each parameter p with gradient g, one Step computes
//
//	g ← g + wd·p                      (if wd ≠ 0)
//	v ← α·v + (1-α)·g²
//	ḡ ← α·ḡ + (1-α)·g                 (centred)
//	d ← √(v - ḡ²) + eps  (centred)  or  √v + eps
//	b ← μ·b + g/d,  p ← p - lr·b      (momentum μ > 0)
//	p ← p - lr·g/d                    (no momentum)
//
// Make one with NewRMSProp.
type RMSProp struct {
	params []*tensor.Tensor
	decay  []bool
	lr     float64
	c      config
	steps  int
	state  []rmsState

	job rmsJob // the operands of the update in progress, read by kernel
	par *par
}

// rmsJob is one parameter's update.
type rmsJob struct {
	x, g, v, ga, b             []float32
	lr, wd, alpha, c, eps, mom float32
}

// rmsState is one parameter's state; the buffers are nil until its first
// gradient (and gradAvg and buf stay nil unless centred or with momentum).
type rmsState struct {
	step                  int
	squareAvg, gradAvg, b []float32
}

// NewRMSProp returns RMSProp over params with learning rate lr. Options:
// Alpha (default 0.99), Eps (1e-8), WeightDecay (0), Momentum (0),
// Centered (false), NoDecay. It panics on a negative rate, eps, weight
// decay or momentum, alpha outside [0, 1], and nil or repeated parameters.
func NewRMSProp(params []*tensor.Tensor, lr float64, opts ...Option) *RMSProp {
	c := newConfig("NewRMSProp", config{alpha: 0.99, eps: 1e-8}, opts,
		"Alpha", "Eps", "WeightDecay", "Momentum", "Centered", "NoDecay")
	check(nonNeg(c.eps), "NewRMSProp", "invalid eps %v", c.eps)
	check(nonNeg(c.momentum), "NewRMSProp", "invalid momentum %v", c.momentum)
	check(c.alpha >= 0 && c.alpha <= 1, "NewRMSProp", "invalid alpha %v", c.alpha)
	ps, decay := checkParams("NewRMSProp", params, lr, c)
	o := &RMSProp{params: ps, decay: decay, lr: lr, c: c, state: make([]rmsState, len(ps))}
	o.par = newPar(o.kernel)
	return o
}

// LR returns the learning rate.
func (o *RMSProp) LR() float64 { return o.lr }

// SetLR sets the learning rate used by the next Step.
func (o *RMSProp) SetLR(lr float64) { o.lr = lr }

// Steps returns the number of calls to Step.
func (o *RMSProp) Steps() int { return o.steps }

// Params returns the parameters, in the order given to NewRMSProp (the
// optimizer's own slice: do not modify it).
func (o *RMSProp) Params() []*tensor.Tensor { return o.params }

// ZeroGrad drops the gradient of every parameter.
func (o *RMSProp) ZeroGrad() { zeroGrad(o.params) }

// Step updates every parameter that has a gradient in place, skipping
// those whose Grad is nil, and increments the step count
// (optimizer.step()).
func (o *RMSProp) Step() {
	o.steps++
	job := &o.job
	job.lr, job.alpha, job.c = float32(o.lr), float32(o.c.alpha), float32(1-o.c.alpha)
	job.eps, job.mom = float32(o.c.eps), float32(o.c.momentum)
	for i, p := range o.params {
		g := grad("RMSProp", i, p)
		if g == nil {
			continue
		}
		x := p.Data()
		s := &o.state[i]
		if s.squareAvg == nil {
			s.squareAvg = make([]float32, len(x))
			if o.c.centered {
				s.gradAvg = make([]float32, len(x))
			}
			if o.c.momentum > 0 {
				s.b = make([]float32, len(x))
			}
		}
		s.step++
		job.wd = 0
		if o.decay[i] {
			job.wd = float32(o.c.weightDecay)
		}
		job.x, job.g, job.v, job.ga, job.b = x, g, s.squareAvg, s.gradAvg, s.b
		o.par.run(len(x))
	}
	job.x, job.g, job.v, job.ga, job.b = nil, nil, nil, nil, nil
}

// kernel updates elements [lo, hi) of the parameter in o.job.
func (o *RMSProp) kernel(lo, hi int) {
	j := &o.job
	x, g, v := j.x[lo:hi], j.g[lo:hi], j.v[lo:hi]
	g, v = g[:len(x)], v[:len(x)]
	lr, wd, alpha, c, eps, mom := j.lr, j.wd, j.alpha, j.c, j.eps, j.mom
	var ga, b []float32
	if j.ga != nil {
		ga = j.ga[lo:hi]
		ga = ga[:len(x)]
	}
	if j.b != nil {
		b = j.b[lo:hi]
		b = b[:len(x)]
	}
	for k, gk := range g {
		gk += wd * x[k]
		vk := alpha*v[k] + c*gk*gk
		v[k] = vk
		if ga != nil {
			gak := alpha*ga[k] + c*gk
			ga[k] = gak
			vk -= gak * gak
		}
		d := float32(math.Sqrt(float64(vk))) + eps
		if b != nil {
			bk := mom*b[k] + gk/d
			b[k] = bk
			x[k] -= lr * bk
		} else {
			x[k] -= lr * (gk / d)
		}
	}
}

// State returns copies of the per-parameter state under PyTorch's names,
// "<i>.step", "<i>.square_avg", and "<i>.momentum_buffer" (with momentum)
// and "<i>.grad_avg" (centred), absent for a parameter that never had a
// gradient, and the step count as "step".
func (o *RMSProp) State() map[string]*tensor.Tensor {
	w := stateWriter{}
	w.count("step", o.steps)
	for i, p := range o.params {
		s := o.state[i]
		if s.squareAvg == nil {
			continue
		}
		w.count(itoa(i)+".step", s.step)
		w.buf(i, "square_avg", p, s.squareAvg)
		w.buf(i, "momentum_buffer", p, s.b)
		w.buf(i, "grad_avg", p, s.gradAvg)
	}
	return w
}

// LoadState replaces the optimizer's state with a copy of state, as
// written by State for the same parameters and options. It returns an
// error, leaving the optimizer unchanged, on unknown or missing keys and
// shapes that do not match.
func (o *RMSProp) LoadState(state map[string]*tensor.Tensor) error {
	r := newStateReader("RMSProp", state, o.params)
	steps, _, err := r.count("step")
	if err != nil {
		return err
	}
	st := make([]rmsState, len(o.params))
	for i := range o.params {
		if !r.has(i, "step") && !r.has(i, "square_avg") && !r.has(i, "momentum_buffer") && !r.has(i, "grad_avg") {
			continue
		}
		s := &st[i]
		if s.step, err = r.paramCount(i); err != nil {
			return err
		}
		if s.squareAvg, err = r.need(i, "square_avg"); err != nil {
			return err
		}
		if o.c.momentum > 0 {
			if s.b, err = r.need(i, "momentum_buffer"); err != nil {
				return err
			}
		}
		if o.c.centered {
			if s.gradAvg, err = r.need(i, "grad_avg"); err != nil {
				return err
			}
		}
	}
	if err := r.finish(); err != nil {
		return err
	}
	o.steps, o.state = steps, st
	return nil
}
