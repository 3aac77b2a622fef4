package optim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/tensor"
)

// LRSetter is the small interface a learning-rate schedule drives: a
// learning rate that can be read and set. Every optimizer in this package
// implements it (PyTorch's optimizer.param_groups[i]["lr"]).
type LRSetter interface {
	LR() float64
	SetLR(lr float64)
}

// Optimizer is what every optimizer in this package implements, so that a
// training loop can be written once for all of them.
type Optimizer interface {
	LRSetter
	// Step updates every parameter that has a gradient, in place, and
	// advances the step count (PyTorch's optimizer.step()).
	Step()
	// ZeroGrad drops the gradient of every parameter
	// (optimizer.zero_grad(set_to_none=True)).
	ZeroGrad()
	// Steps returns the number of calls to Step so far.
	Steps() int
	// Params returns the parameters the optimizer updates, in the order
	// it was given them (its own slice: do not modify it).
	Params() []*tensor.Tensor
	// State returns a copy of the optimizer's state as named tensors, for
	// checkpoints; LoadState restores it.
	State() map[string]*tensor.Tensor
	LoadState(state map[string]*tensor.Tensor) error
}

var (
	_ Optimizer = (*SGD)(nil)
	_ Optimizer = (*Adam)(nil)
	_ Optimizer = (*AdamW)(nil)
	_ Optimizer = (*RMSProp)(nil)
)

// Option configures an optimizer; pass options to its constructor. An
// option that does not apply to the optimizer (Momentum for Adam) makes
// the constructor panic. Options left out keep PyTorch's defaults, which
// each constructor documents.
type Option struct {
	name  string
	apply func(*config)
}

// config is the union of every optimizer's settings.
type config struct {
	momentum, dampening, weightDecay float64
	beta1, beta2, eps, alpha         float64
	nesterov, amsgrad, centered      bool
	noDecay                          []*tensor.Tensor
}

// Momentum sets the momentum factor (SGD, RMSProp; default 0, no
// momentum).
func Momentum(m float64) Option {
	return Option{"Momentum", func(c *config) { c.momentum = m }}
}

// Dampening sets SGD's dampening for momentum (default 0).
func Dampening(d float64) Option {
	return Option{"Dampening", func(c *config) { c.dampening = d }}
}

// Nesterov turns on Nesterov momentum for SGD (default off). It needs a
// positive momentum and zero dampening, as in PyTorch.
func Nesterov(on bool) Option {
	return Option{"Nesterov", func(c *config) { c.nesterov = on }}
}

// WeightDecay sets the weight decay (all optimizers). For SGD, Adam and
// RMSProp it is an L2 penalty added to the gradient (g + wd·p); for AdamW
// it is decoupled (p ← p·(1 - lr·wd)). Defaults: 0, and 0.01 for AdamW.
func WeightDecay(wd float64) Option {
	return Option{"WeightDecay", func(c *config) { c.weightDecay = wd }}
}

// NoDecay exempts the given parameters from weight decay (all
// optimizers), as a second PyTorch parameter group with weight_decay=0
// would; biases and normalisation weights usually go here. Parameters not
// handed to the optimizer are ignored. NoDecay may be given more than once.
func NoDecay(params ...*tensor.Tensor) Option {
	return Option{"NoDecay", func(c *config) { c.noDecay = append(c.noDecay, params...) }}
}

// Betas sets Adam's and AdamW's coefficients for the running averages of
// the gradient and its square (default 0.9, 0.999).
func Betas(beta1, beta2 float64) Option {
	return Option{"Betas", func(c *config) { c.beta1, c.beta2 = beta1, beta2 }}
}

// Eps sets the term added to the denominator for numerical stability
// (Adam, AdamW, RMSProp; default 1e-8).
func Eps(eps float64) Option {
	return Option{"Eps", func(c *config) { c.eps = eps }}
}

// AMSGrad turns on the AMSGrad variant of Adam and AdamW, which divides by
// the running maximum of the second-moment average (default off).
func AMSGrad(on bool) Option {
	return Option{"AMSGrad", func(c *config) { c.amsgrad = on }}
}

// Alpha sets RMSProp's smoothing constant (default 0.99).
func Alpha(a float64) Option {
	return Option{"Alpha", func(c *config) { c.alpha = a }}
}

// Centered turns on centred RMSProp, which normalises by an estimate of
// the gradient's variance rather than its second moment (default off).
func Centered(on bool) Option {
	return Option{"Centered", func(c *config) { c.centered = on }}
}

// newConfig applies opts over the defaults in c, panicking on an option
// not in allowed.
func newConfig(op string, c config, opts []Option, allowed ...string) config {
	for _, o := range opts {
		if o.apply == nil {
			panic(fmt.Sprintf("optim.%s: zero Option", op))
		}
		if !slices.Contains(allowed, o.name) {
			panic(fmt.Sprintf("optim.%s: option %s does not apply (options: %s)", op, o.name, strings.Join(allowed, ", ")))
		}
		o.apply(&c)
	}
	return c
}

// check panics with a message naming op unless ok.
func check(ok bool, op, format string, args ...any) {
	if !ok {
		panic(fmt.Sprintf("optim.%s: ", op) + fmt.Sprintf(format, args...))
	}
}

// nonNeg reports whether v is a finite number >= 0.
func nonNeg(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }

// checkParams panics on nil or repeated parameters and returns a copy of
// the list together with the weight-decay flag of each parameter.
func checkParams(op string, params []*tensor.Tensor, lr float64, c config) ([]*tensor.Tensor, []bool) {
	check(nonNeg(lr), op, "invalid learning rate %v", lr)
	check(nonNeg(c.weightDecay), op, "invalid weight decay %v", c.weightDecay)
	seen := make(map[*tensor.Tensor]int, len(params))
	for i, p := range params {
		check(p != nil, op, "parameter %d is nil", i)
		j, dup := seen[p]
		check(!dup, op, "parameter %d (shape %v) is the same tensor as parameter %d", i, p.Shape(), j)
		seen[p] = i
	}
	decay := make([]bool, len(params))
	for i, p := range params {
		decay[i] = !slices.Contains(c.noDecay, p)
	}
	return slices.Clone(params), decay
}

// grad returns p's gradient values, or nil when p has no gradient. It
// panics if the gradient does not match the parameter.
func grad(op string, i int, p *tensor.Tensor) []float32 {
	g := p.Grad()
	if g == nil {
		return nil
	}
	if g.Size() != p.Size() {
		panic(fmt.Sprintf("optim.%s.Step: parameter %d has shape %v but its gradient has shape %v", op, i, p.Shape(), g.Shape()))
	}
	return g.Data()
}

func itoa(i int) string { return strconv.Itoa(i) }

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// zeroGrad drops the gradients of params.
func zeroGrad(params []*tensor.Tensor) {
	for _, p := range params {
		p.ZeroGrad()
	}
}

// State handling shared by the optimizers. Keys follow PyTorch's
// optimizer.state_dict()["state"]: "<i>.<buffer>" for parameter i, with a
// scalar "<i>.step" where PyTorch keeps one, and "step" for Steps().

// stateWriter collects copies of state buffers.
type stateWriter map[string]*tensor.Tensor

func (w stateWriter) buf(i int, name string, p *tensor.Tensor, data []float32) {
	if data != nil {
		w[itoa(i)+"."+name] = tensor.New(slices.Clone(data), p.Shape()...)
	}
}

func (w stateWriter) count(key string, n int) { w[key] = tensor.Scalar(float32(n)) }

// stateReader validates and reads a state map.
type stateReader struct {
	op     string
	state  map[string]*tensor.Tensor
	params []*tensor.Tensor
	used   map[string]bool
}

func newStateReader(op string, state map[string]*tensor.Tensor, params []*tensor.Tensor) *stateReader {
	return &stateReader{op: op, state: state, params: params, used: map[string]bool{}}
}

// has reports whether the state holds key "<i>.<name>".
func (r *stateReader) has(i int, name string) bool {
	_, ok := r.state[itoa(i)+"."+name]
	return ok
}

// buf returns a copy of buffer name of parameter i, or nil if absent; it
// fails on a shape that does not match the parameter.
func (r *stateReader) buf(i int, name string) ([]float32, error) {
	key := itoa(i) + "." + name
	t, ok := r.state[key]
	if !ok {
		return nil, nil
	}
	r.used[key] = true
	if t == nil || !slices.Equal(t.Shape(), r.params[i].Shape()) {
		var shape []int
		if t != nil {
			shape = t.Shape()
		}
		return nil, fmt.Errorf("optim: %s.LoadState: %s has shape %v, parameter %d has shape %v", r.op, key, shape, i, r.params[i].Shape())
	}
	return slices.Clone(t.Data()), nil
}

// need is buf for a buffer that must be present when the parameter has
// state.
func (r *stateReader) need(i int, name string) ([]float32, error) {
	b, err := r.buf(i, name)
	if err == nil && b == nil {
		err = fmt.Errorf("optim: %s.LoadState: parameter %d has state but no %d.%s", r.op, i, i, name)
	}
	return b, err
}

// count reads a scalar, non-negative integer count.
func (r *stateReader) count(key string) (int, bool, error) {
	t, ok := r.state[key]
	if !ok {
		return 0, false, nil
	}
	r.used[key] = true
	if t == nil || t.Size() != 1 {
		return 0, false, fmt.Errorf("optim: %s.LoadState: %s is not a single value", r.op, key)
	}
	v := float64(t.Data()[0])
	if !(v >= 0 && v <= 1<<24 && v == math.Trunc(v)) {
		return 0, false, fmt.Errorf("optim: %s.LoadState: %s = %v is not a step count", r.op, key, v)
	}
	return int(v), true, nil
}

// paramCount is count for "<i>.step".
func (r *stateReader) paramCount(i int) (int, error) {
	n, ok, err := r.count(itoa(i) + ".step")
	if err == nil && !ok {
		err = fmt.Errorf("optim: %s.LoadState: parameter %d has state but no %d.step", r.op, i, i)
	}
	return n, err
}

// finish fails on keys that were not read.
func (r *stateReader) finish() error {
	var extra []string
	for k := range r.state {
		if !r.used[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return fmt.Errorf("optim: %s.LoadState: unknown keys %s (%d parameters)", r.op, strings.Join(extra, ", "), len(r.params))
	}
	return nil
}
