package optim

import (
	"math"

	"github.com/cairn-ml/cairn/tensor"
)

// Adam is the Adam optimizer (Kingma and Ba) with optional AMSGrad and L2
// weight decay, as torch.optim.Adam. For each parameter p with gradient g,
// at that parameter's step t (counting the steps on which it had a
// gradient), one Step computes
//
//	g ← g + wd·p                                  (if wd ≠ 0)
//	m ← β1·m + (1-β1)·g
//	v ← β2·v + (1-β2)·g²
//	v̂ ← max(v̂, v)                                 (AMSGrad; v̂ is used below in place of v)
//	p ← p - lr/(1-β1ᵗ) · m / (√v / √(1-β2ᵗ) + eps)
//
// with eps added after the bias correction of √v, as PyTorch does. Make
// one with NewAdam.
type Adam struct{ a *adam }

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter), as
// torch.optim.AdamW: each Step first shrinks the parameter,
// p ← p·(1 - lr·wd), then applies Adam's update without weight decay.
// Make one with NewAdamW.
type AdamW struct{ a *adam }

// NewAdam returns Adam over params with learning rate lr. Options: Betas
// (default 0.9, 0.999), Eps (1e-8), WeightDecay (0, L2 added to the
// gradient), AMSGrad (false), NoDecay. It panics on a negative rate, eps or
// weight decay, betas outside [0, 1), and nil or repeated parameters.
func NewAdam(params []*tensor.Tensor, lr float64, opts ...Option) *Adam {
	return &Adam{newAdam("NewAdam", params, lr, 0, opts)}
}

// NewAdamW returns AdamW over params with learning rate lr. Options as
// NewAdam, except that WeightDecay defaults to 0.01 (PyTorch's default for
// AdamW) and is decoupled from the gradient.
func NewAdamW(params []*tensor.Tensor, lr float64, opts ...Option) *AdamW {
	a := newAdam("NewAdamW", params, lr, 0.01, opts)
	a.decoupled = true
	return &AdamW{a}
}

// adam holds the state shared by Adam and AdamW.
type adam struct {
	name      string
	params    []*tensor.Tensor
	decay     []bool
	lr        float64
	c         config
	decoupled bool
	steps     int
	state     []adamState

	job adamJob // the operands of the update in progress, read by kernel
	par *par
}

// adamJob is one parameter's update: its values, gradient and moments,
// and the step's scalars.
type adamJob struct {
	x, g, m, v, vmax           []float32
	wd, shrink, stepSize, rbc2 float32
	b1, b2, c1, c2, eps        float32
}

// adamState is one parameter's state; the buffers are nil until its first
// gradient.
type adamState struct {
	step                      int
	expAvg, expAvgSq, maxSqrd []float32
}

func newAdam(op string, params []*tensor.Tensor, lr, wd float64, opts []Option) *adam {
	c := newConfig(op, config{beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: wd}, opts,
		"Betas", "Eps", "WeightDecay", "AMSGrad", "NoDecay")
	check(nonNeg(c.eps), op, "invalid eps %v", c.eps)
	check(c.beta1 >= 0 && c.beta1 < 1, op, "invalid beta1 %v", c.beta1)
	check(c.beta2 >= 0 && c.beta2 < 1, op, "invalid beta2 %v", c.beta2)
	ps, decay := checkParams(op, params, lr, c)
	name := op[len("New"):]
	a := &adam{name: name, params: ps, decay: decay, lr: lr, c: c, state: make([]adamState, len(ps))}
	a.par = newPar(a.kernel)
	return a
}

func (a *adam) step() {
	a.steps++
	job := &a.job
	job.b1, job.b2 = float32(a.c.beta1), float32(a.c.beta2)
	job.c1, job.c2 = float32(1-a.c.beta1), float32(1-a.c.beta2)
	job.eps = float32(a.c.eps)
	for i, p := range a.params {
		g := grad(a.name, i, p)
		if g == nil {
			continue
		}
		x := p.Data()
		s := &a.state[i]
		if s.expAvg == nil {
			s.expAvg, s.expAvgSq = make([]float32, len(x)), make([]float32, len(x))
			if a.c.amsgrad {
				s.maxSqrd = make([]float32, len(x))
			}
		}
		s.step++
		// L2 weight decay (Adam) adds wd·p to the gradient; decoupled decay
		// (AdamW) first shrinks p by 1 - lr·wd, fused into the update.
		job.wd, job.shrink = 0, 1
		if a.decay[i] && a.c.weightDecay != 0 {
			if a.decoupled {
				job.shrink = float32(1 - a.lr*a.c.weightDecay)
			} else {
				job.wd = float32(a.c.weightDecay)
			}
		}
		t := float64(s.step)
		job.stepSize = float32(-a.lr / (1 - math.Pow(a.c.beta1, t)))
		// PyTorch divides √v by √(1-β2ᵗ); a product is cheaper and within an ulp.
		job.rbc2 = float32(1 / math.Sqrt(1-math.Pow(a.c.beta2, t)))
		job.x, job.g, job.m, job.v, job.vmax = x, g, s.expAvg, s.expAvgSq, s.maxSqrd
		a.par.run(len(x))
	}
	job.x, job.g, job.m, job.v, job.vmax = nil, nil, nil, nil, nil
}

// kernel updates elements [lo, hi) of the parameter in a.job.
func (a *adam) kernel(lo, hi int) {
	j := &a.job
	x, g, m, v := j.x[lo:hi], j.g[lo:hi], j.m[lo:hi], j.v[lo:hi]
	b1, b2, c1, c2, eps := j.b1, j.b2, j.c1, j.c2, j.eps
	wd, shrink, stepSize, rbc2 := j.wd, j.shrink, j.stepSize, j.rbc2
	g, m, v = g[:len(x)], m[:len(x)], v[:len(x)]
	if j.vmax != nil {
		vmax := j.vmax[lo:hi]
		vmax = vmax[:len(x)]
		for k, gk := range g {
			gk += wd * x[k]
			mk := b1*m[k] + c1*gk
			vk := b2*v[k] + c2*gk*gk
			m[k], v[k] = mk, vk
			if vk > vmax[k] || vk != vk { // torch.maximum: NaN wins
				vmax[k] = vk
			}
			den := float32(math.Sqrt(float64(vmax[k])))*rbc2 + eps
			x[k] = x[k]*shrink + stepSize*(mk/den)
		}
		return
	}
	for k, gk := range g {
		gk += wd * x[k]
		mk := b1*m[k] + c1*gk
		vk := b2*v[k] + c2*gk*gk
		m[k], v[k] = mk, vk
		den := float32(math.Sqrt(float64(vk)))*rbc2 + eps
		x[k] = x[k]*shrink + stepSize*(mk/den)
	}
}

func (a *adam) stateDict() map[string]*tensor.Tensor {
	w := stateWriter{}
	w.count("step", a.steps)
	for i, p := range a.params {
		s := a.state[i]
		if s.expAvg == nil {
			continue
		}
		w.count(itoa(i)+".step", s.step)
		w.buf(i, "exp_avg", p, s.expAvg)
		w.buf(i, "exp_avg_sq", p, s.expAvgSq)
		w.buf(i, "max_exp_avg_sq", p, s.maxSqrd)
	}
	return w
}

func (a *adam) loadState(state map[string]*tensor.Tensor) error {
	r := newStateReader(a.name, state, a.params)
	steps, _, err := r.count("step")
	if err != nil {
		return err
	}
	st := make([]adamState, len(a.params))
	for i := range a.params {
		if !r.has(i, "step") && !r.has(i, "exp_avg") && !r.has(i, "exp_avg_sq") && !r.has(i, "max_exp_avg_sq") {
			continue
		}
		s := &st[i]
		if s.step, err = r.paramCount(i); err != nil {
			return err
		}
		if s.expAvg, err = r.need(i, "exp_avg"); err != nil {
			return err
		}
		if s.expAvgSq, err = r.need(i, "exp_avg_sq"); err != nil {
			return err
		}
		if a.c.amsgrad {
			s.maxSqrd, err = r.need(i, "max_exp_avg_sq")
		} else {
			_, err = r.buf(i, "max_exp_avg_sq") // PyTorch keeps none; accept and drop one
		}
		if err != nil {
			return err
		}
	}
	if err := r.finish(); err != nil {
		return err
	}
	a.steps, a.state = steps, st
	return nil
}

// LR returns the learning rate.
func (o *Adam) LR() float64 { return o.a.lr }

// SetLR sets the learning rate used by the next Step.
func (o *Adam) SetLR(lr float64) { o.a.lr = lr }

// Steps returns the number of calls to Step.
func (o *Adam) Steps() int { return o.a.steps }

// Params returns the parameters, in the order given to NewAdam (the
// optimizer's own slice: do not modify it).
func (o *Adam) Params() []*tensor.Tensor { return o.a.params }

// ZeroGrad drops the gradient of every parameter.
func (o *Adam) ZeroGrad() { zeroGrad(o.a.params) }

// Step updates every parameter that has a gradient in place, skipping
// those whose Grad is nil (their moments and step count do not move), and
// increments the step count (optimizer.step()).
func (o *Adam) Step() { o.a.step() }

// State returns copies of the per-parameter state under PyTorch's names,
// "<i>.step", "<i>.exp_avg", "<i>.exp_avg_sq" and, with AMSGrad,
// "<i>.max_exp_avg_sq" (absent for a parameter that never had a
// gradient), and the optimizer's step count as "step". Counts are float32
// scalars, exact up to 2²⁴ steps.
func (o *Adam) State() map[string]*tensor.Tensor { return o.a.stateDict() }

// LoadState replaces the optimizer's state with a copy of state, as
// written by State for the same parameters and options. It returns an
// error, leaving the optimizer unchanged, on unknown or missing keys and
// shapes that do not match.
func (o *Adam) LoadState(state map[string]*tensor.Tensor) error { return o.a.loadState(state) }

// LR returns the learning rate.
func (o *AdamW) LR() float64 { return o.a.lr }

// SetLR sets the learning rate used by the next Step (and by its
// decoupled weight decay).
func (o *AdamW) SetLR(lr float64) { o.a.lr = lr }

// Steps returns the number of calls to Step.
func (o *AdamW) Steps() int { return o.a.steps }

// Params returns the parameters, in the order given to NewAdamW (the
// optimizer's own slice: do not modify it).
func (o *AdamW) Params() []*tensor.Tensor { return o.a.params }

// ZeroGrad drops the gradient of every parameter.
func (o *AdamW) ZeroGrad() { zeroGrad(o.a.params) }

// Step updates every parameter that has a gradient in place, skipping
// those whose Grad is nil (they are not decayed either), and increments
// the step count (optimizer.step()).
func (o *AdamW) Step() { o.a.step() }

// State returns copies of the per-parameter state, with the same keys as
// Adam.State.
func (o *AdamW) State() map[string]*tensor.Tensor { return o.a.stateDict() }

// LoadState replaces the optimizer's state with a copy of state, as
// Adam.LoadState.
func (o *AdamW) LoadState(state map[string]*tensor.Tensor) error { return o.a.loadState(state) }
