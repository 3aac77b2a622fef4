package optim_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// fixtureConfig is one entry of meta["configs"] in optimizers.json.
type fixtureConfig struct {
	Name        string    `json:"name"`
	Opt         string    `json:"opt"`
	LR          float64   `json:"lr"`
	Momentum    *float64  `json:"momentum"`
	Dampening   *float64  `json:"dampening"`
	Nesterov    *bool     `json:"nesterov"`
	WeightDecay *float64  `json:"weight_decay"`
	AMSGrad     *bool     `json:"amsgrad"`
	Eps         *float64  `json:"eps"`
	Alpha       *float64  `json:"alpha"`
	Centered    *bool     `json:"centered"`
	Betas       []float64 `json:"betas"`
	NoDecay     []string  `json:"no_decay"`
}

var paramNames = []string{"W", "b", "V", "u"}

// build makes the optimizer a fixture configuration describes.
func (c fixtureConfig) build(ps map[string]*tensor.Tensor) optim.Optimizer {
	var opts []optim.Option
	if c.Momentum != nil {
		opts = append(opts, optim.Momentum(*c.Momentum))
	}
	if c.Dampening != nil {
		opts = append(opts, optim.Dampening(*c.Dampening))
	}
	if c.Nesterov != nil {
		opts = append(opts, optim.Nesterov(*c.Nesterov))
	}
	if c.WeightDecay != nil {
		opts = append(opts, optim.WeightDecay(*c.WeightDecay))
	}
	if c.AMSGrad != nil {
		opts = append(opts, optim.AMSGrad(*c.AMSGrad))
	}
	if c.Eps != nil {
		opts = append(opts, optim.Eps(*c.Eps))
	}
	if c.Alpha != nil {
		opts = append(opts, optim.Alpha(*c.Alpha))
	}
	if c.Centered != nil {
		opts = append(opts, optim.Centered(*c.Centered))
	}
	if c.Betas != nil {
		opts = append(opts, optim.Betas(c.Betas[0], c.Betas[1]))
	}
	for _, n := range c.NoDecay {
		opts = append(opts, optim.NoDecay(ps[n]))
	}
	params := make([]*tensor.Tensor, len(paramNames))
	for i, n := range paramNames {
		params[i] = ps[n]
	}
	switch c.Opt {
	case "sgd":
		return optim.NewSGD(params, c.LR, opts...)
	case "adam":
		return optim.NewAdam(params, c.LR, opts...)
	case "adamw":
		return optim.NewAdamW(params, c.LR, opts...)
	case "rmsprop":
		return optim.NewRMSProp(params, c.LR, opts...)
	}
	panic("unknown optimizer " + c.Opt)
}

// fixtureLoss is the function the fixture trains, at step k.
func fixtureLoss(k int, x, y *tensor.Tensor, p map[string]*tensor.Tensor) *tensor.Tensor {
	h := x.MatMul(p["W"]).Add(p["b"]).Tanh()
	d := h.MatMul(p["V"]).Sub(y)
	loss := d.Mul(d).MeanAll().Add(p["W"].Mul(p["W"]).SumAll().MulScalar(0.1))
	if k%3 != 0 {
		u := p["u"]
		loss = loss.Add(u.MulScalar(1.5).Tanh().SumAll()).Add(u.Mul(u).SumAll().MulScalar(0.2))
	}
	return loss
}

// row returns row i of a trajectory of shape (steps+1, ...).
func row(t *tensor.Tensor, i int) *tensor.Tensor {
	shape := t.Shape()[1:]
	n := t.Size() / t.Dim(0)
	return tensor.New(t.Data()[i*n:(i+1)*n], shape...)
}

// TestTrajectories replays PyTorch's optimizers on the same function from
// the same start and compares the parameters after every step.
func TestTrajectories(t *testing.T) {
	f := torchfix.Load(t, "testdata/optimizers.json")
	var configs []fixtureConfig
	f.MetaValue(t, "configs", &configs)
	var steps int
	f.MetaValue(t, "steps", &steps)
	x, y := f.T(t, "x"), f.T(t, "y")
	for _, c := range configs {
		t.Run(c.Name, func(t *testing.T) {
			ps := map[string]*tensor.Tensor{}
			for _, n := range paramNames {
				ps[n] = f.T(t, "init."+n).SetRequiresGrad(true)
			}
			opt := c.build(ps)
			wantLoss := f.T(t, c.Name+".loss").Data()
			for k := range steps {
				opt.ZeroGrad()
				loss := fixtureLoss(k, x, y, ps)
				if g, w := float64(loss.Item()), float64(wantLoss[k]); math.Abs(g-w) > 1e-5+1e-4*math.Abs(w) {
					t.Fatalf("step %d: loss %v, want %v", k, g, w)
				}
				loss.Backward()
				if (ps["u"].Grad() == nil) != (k%3 == 0) {
					t.Fatalf("step %d: u has grad %v", k, ps["u"].Grad())
				}
				opt.Step()
				if opt.Steps() != k+1 {
					t.Fatalf("Steps() = %d after %d steps", opt.Steps(), k+1)
				}
				for _, n := range paramNames {
					want := row(f.T(t, c.Name+"."+n), k+1)
					if err := torchfix.Compare(ps[n], want, 1e-4, 1e-5); err != nil {
						t.Fatalf("step %d: %s: %v", k+1, n, err)
					}
				}
			}
			// The state after the last step, under PyTorch's names.
			got := opt.State()
			if got["step"].Item() != float32(steps) {
				t.Errorf("state step = %v", got["step"])
			}
			delete(got, "step")
			prefix := c.Name + ".state."
			for key := range f.Tensors {
				rest, ok := strings.CutPrefix(key, prefix)
				if !ok {
					continue
				}
				pname, buf, _ := strings.Cut(rest, ".")
				gkey := fmt.Sprintf("%d.%s", slices.Index(paramNames, pname), buf)
				want := f.T(t, key)
				if g, ok := got[gkey]; !ok {
					t.Errorf("no state %s (PyTorch's %s)", gkey, key)
				} else if buf == "step" {
					if g.Item() != want.Item() {
						t.Errorf("state %s = %v, want %v", gkey, g.Item(), want.Item())
					}
				} else {
					torchfix.Close(t, "state "+gkey, g, want, 1e-4, 1e-6)
				}
				delete(got, gkey)
			}
			for k := range got {
				t.Errorf("state %s, which PyTorch does not have", k)
			}
		})
	}
}

func TestClipGradNormTorch(t *testing.T) {
	f := torchfix.Load(t, "testdata/optimizers.json")
	var cases []struct {
		MaxNorm float64 `json:"max_norm"`
		Shapes  [][]int `json:"shapes"`
		None    []int   `json:"none"`
	}
	f.MetaValue(t, "clip", &cases)
	for i, c := range cases {
		var ps []*tensor.Tensor
		for j, s := range c.Shapes {
			p := tensor.Zeros(s...).SetRequiresGrad(true)
			if !slices.Contains(c.None, j) {
				setGrad(p, f.T(t, fmt.Sprintf("clip%d.g%d", i, j)))
			}
			ps = append(ps, p)
		}
		norm := optim.ClipGradNorm(ps, c.MaxNorm)
		want := float64(f.T(t, fmt.Sprintf("clip%d.norm", i)).Item())
		if math.Abs(norm-want) > 1e-6*want {
			t.Errorf("case %d: norm %v, want %v", i, norm, want)
		}
		for j, p := range ps {
			if slices.Contains(c.None, j) {
				if p.Grad() != nil {
					t.Errorf("case %d: parameter %d gained a gradient", i, j)
				}
				continue
			}
			torchfix.Close(t, fmt.Sprintf("case %d grad %d", i, j), p.Grad(), f.T(t, fmt.Sprintf("clip%d.out%d", i, j)), 1e-6, 1e-7)
		}
	}
}

// setGrad gives the leaf p the gradient g, through Backward of sum(p·g).
func setGrad(p, g *tensor.Tensor) {
	p.ZeroGrad()
	p.Mul(g).SumAll().Backward()
}

func TestClipGradNormEdgeCases(t *testing.T) {
	t.Parallel()
	p := tensor.Zeros(2).SetRequiresGrad(true)
	q := tensor.Zeros(2).SetRequiresGrad(true)
	if n := optim.ClipGradNorm([]*tensor.Tensor{p, q}, 1); n != 0 {
		t.Errorf("no gradients: norm %v, want 0", n)
	}
	if n := optim.ClipGradNorm(nil, 1); n != 0 {
		t.Errorf("no parameters: norm %v, want 0", n)
	}

	// 3-4-5: below, at and above the limit.
	for _, tc := range []struct {
		max  float64
		want []float32
	}{
		{10, []float32{3, 4}},
		{5 + 1e-3, []float32{3, 4}},
		{2.5, []float32{1.5, 2}},
	} {
		setGrad(p, tensor.New([]float32{3, 4}, 2))
		if n := optim.ClipGradNorm([]*tensor.Tensor{p}, tc.max); n != 5 {
			t.Errorf("max %v: norm %v, want 5", tc.max, n)
		}
		torchfix.Close(t, fmt.Sprint("max ", tc.max), p.Grad(), tensor.New(tc.want, 2), 1e-6, 0)
	}

	// Non-finite norms are returned and nothing is scaled.
	inf := float32(math.Inf(1))
	for _, tc := range []struct {
		g     []float32
		isNaN bool
	}{
		{[]float32{1, inf}, false},
		{[]float32{float32(math.NaN()), 1}, true},
		{[]float32{inf, float32(math.NaN())}, true},
	} {
		g := tensor.New(slices.Clone(tc.g), 2)
		setGrad(p, tensor.New([]float32{1, 1}, 2)) // make a grad, then overwrite it
		copy(p.Grad().Data(), g.Data())
		setGrad(q, tensor.New([]float32{3, 4}, 2))
		n := optim.ClipGradNorm([]*tensor.Tensor{p, q}, 1)
		if tc.isNaN != math.IsNaN(n) || (!tc.isNaN && !math.IsInf(n, 1)) {
			t.Errorf("grads %v: norm %v", tc.g, n)
		}
		torchfix.Close(t, "non-finite p", p.Grad(), g, 0, 0)
		torchfix.Close(t, "non-finite q", q.Grad(), tensor.New([]float32{3, 4}, 2), 0, 0)
	}

	// Large float32 gradients do not overflow the float64 sum.
	setGrad(p, tensor.New([]float32{3e30, 4e30}, 2))
	if n := optim.ClipGradNorm([]*tensor.Tensor{p}, 1); math.Abs(n-5e30) > 1e24 {
		t.Errorf("large gradients: norm %v, want 5e30", n)
	}
	torchfix.Close(t, "large gradients", p.Grad(), tensor.New([]float32{0.6, 0.8}, 2), 1e-5, 0)

	mustPanic(t, "negative maxNorm", "optim.ClipGradNorm", func() { optim.ClipGradNorm([]*tensor.Tensor{p}, -1) })
	mustPanic(t, "NaN maxNorm", "optim.ClipGradNorm", func() { optim.ClipGradNorm([]*tensor.Tensor{p}, math.NaN()) })
}

// mustPanic fails t unless f panics with a message containing want.
func mustPanic(t *testing.T, what, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", what)
			return
		}
		if msg := fmt.Sprint(r); !strings.Contains(msg, want) {
			t.Errorf("%s: panic %q does not mention %q", what, msg, want)
		}
	}()
	f()
}

// newEach returns one of every optimizer, with momentum and the like
// switched on so that every state buffer exists, over params.
func newEach(params []*tensor.Tensor) map[string]optim.Optimizer {
	return map[string]optim.Optimizer{
		"SGD":     optim.NewSGD(params, 0.1, optim.Momentum(0.9), optim.WeightDecay(0.01)),
		"Adam":    optim.NewAdam(params, 0.01, optim.AMSGrad(true), optim.WeightDecay(0.01)),
		"AdamW":   optim.NewAdamW(params, 0.01),
		"RMSProp": optim.NewRMSProp(params, 0.01, optim.Momentum(0.9), optim.Centered(true)),
	}
}

// quadratic gives each parameter the gradient of sum((p - 1)²)+sum(p³)/10
// and returns the loss.
func quadratic(ps ...*tensor.Tensor) {
	for _, p := range ps {
		d := p.AddScalar(-1)
		d.Mul(d).SumAll().Add(p.Mul(p).Mul(p).SumAll().MulScalar(0.1)).Backward()
	}
}

func TestStepSkipsNilGradAndCounts(t *testing.T) {
	t.Parallel()
	for name := range newEach(nil) {
		t.Run(name, func(t *testing.T) {
			a := tensor.New([]float32{0.5, -1, 2}, 3).SetRequiresGrad(true)
			b := tensor.New([]float32{1, 2}, 2).SetRequiresGrad(true)
			opt := newEach([]*tensor.Tensor{a, b})[name]
			if opt.Steps() != 0 {
				t.Fatalf("Steps() = %d before any step", opt.Steps())
			}
			opt.Step() // no gradients at all: nothing moves, the count still advances
			if opt.Steps() != 1 || len(opt.State()) != 1 {
				t.Fatalf("after an empty step: Steps() %d, state %v", opt.Steps(), opt.State())
			}
			for k := range 3 {
				opt.ZeroGrad()
				quadratic(a)
				opt.Step()
				if opt.Steps() != k+2 {
					t.Fatalf("Steps() = %d after %d steps", opt.Steps(), k+2)
				}
			}
			if a.Data()[0] == 0.5 {
				t.Error("a did not move")
			}
			torchfix.Close(t, "b (never a gradient)", b, tensor.New([]float32{1, 2}, 2), 0, 0)
			for k := range opt.State() {
				if strings.HasPrefix(k, "1.") {
					t.Errorf("state for a parameter that never had a gradient: %s", k)
				}
			}
			opt.ZeroGrad()
			if a.Grad() != nil || b.Grad() != nil {
				t.Error("ZeroGrad left a gradient")
			}
			if got := opt.Params(); len(got) != 2 || got[0] != a || got[1] != b {
				t.Error("Params() does not return the parameters in order")
			}
		})
	}
}

// Adam's bias correction uses each parameter's own step count: a parameter
// that first gets a gradient at step 5 makes the same first move as one
// that had it from step 1.
func TestAdamPerParameterStep(t *testing.T) {
	t.Parallel()
	a := tensor.New([]float32{0.3}, 1).SetRequiresGrad(true)
	b := tensor.New([]float32{0.3}, 1).SetRequiresGrad(true)
	opt := optim.NewAdam([]*tensor.Tensor{a, b}, 0.1)
	for range 4 {
		opt.ZeroGrad()
		quadratic(a)
		opt.Step()
	}
	opt.ZeroGrad()
	quadratic(b)
	opt.Step()
	// The first Adam step moves by lr·sign(g) (up to eps).
	if got := b.Data()[0]; math.Abs(float64(got)-0.4) > 1e-6 {
		t.Errorf("b after its first step = %v, want 0.4", got)
	}
	st := opt.State()
	if st["0.step"].Item() != 4 || st["1.step"].Item() != 1 || st["step"].Item() != 5 {
		t.Errorf("step counts: 0.step %v, 1.step %v, step %v", st["0.step"], st["1.step"], st["step"])
	}
}

func TestSetLR(t *testing.T) {
	t.Parallel()
	for name := range newEach(nil) {
		p := tensor.New([]float32{2}, 1).SetRequiresGrad(true)
		opt := newEach([]*tensor.Tensor{p})[name]
		opt.SetLR(0)
		if opt.LR() != 0 {
			t.Errorf("%s: LR() = %v after SetLR(0)", name, opt.LR())
		}
		quadratic(p)
		opt.Step()
		if p.Data()[0] != 2 { // AdamW's decay, lr·wd, is 0 too
			t.Errorf("%s: parameter moved with lr 0: %v", name, p.Data()[0])
		}
	}
}

func TestConstructorPanics(t *testing.T) {
	t.Parallel()
	p := tensor.Zeros(2).SetRequiresGrad(true)
	ps := []*tensor.Tensor{p}
	for _, tc := range []struct {
		what, want string
		f          func()
	}{
		{"Momentum for Adam", "option Momentum does not apply", func() { optim.NewAdam(ps, 1, optim.Momentum(0.9)) }},
		{"Betas for SGD", "optim.NewSGD: option Betas", func() { optim.NewSGD(ps, 1, optim.Betas(0.9, 0.99)) }},
		{"Centered for AdamW", "optim.NewAdamW", func() { optim.NewAdamW(ps, 1, optim.Centered(true)) }},
		{"zero Option", "zero Option", func() { optim.NewSGD(ps, 1, optim.Option{}) }},
		{"negative lr", "invalid learning rate -1", func() { optim.NewSGD(ps, -1) }},
		{"NaN lr", "invalid learning rate NaN", func() { optim.NewAdam(ps, math.NaN()) }},
		{"Nesterov without momentum", "Nesterov", func() { optim.NewSGD(ps, 1, optim.Nesterov(true)) }},
		{"Nesterov with dampening", "Nesterov", func() {
			optim.NewSGD(ps, 1, optim.Nesterov(true), optim.Momentum(0.9), optim.Dampening(0.1))
		}},
		{"negative momentum", "invalid momentum", func() { optim.NewRMSProp(ps, 1, optim.Momentum(-1)) }},
		{"negative weight decay", "invalid weight decay", func() { optim.NewAdamW(ps, 1, optim.WeightDecay(-0.1)) }},
		{"beta1 = 1", "invalid beta1 1", func() { optim.NewAdam(ps, 1, optim.Betas(1, 0.9)) }},
		{"beta2 < 0", "invalid beta2", func() { optim.NewAdamW(ps, 1, optim.Betas(0.9, -0.1)) }},
		{"negative eps", "invalid eps", func() { optim.NewRMSProp(ps, 1, optim.Eps(-1)) }},
		{"alpha > 1", "invalid alpha", func() { optim.NewRMSProp(ps, 1, optim.Alpha(1.5)) }},
		{"nil parameter", "parameter 1 is nil", func() { optim.NewSGD([]*tensor.Tensor{p, nil}, 1) }},
		{"repeated parameter", "parameter 1 (shape [2]) is the same tensor as parameter 0", func() {
			optim.NewAdam([]*tensor.Tensor{p, p}, 1)
		}},
	} {
		mustPanic(t, tc.what, tc.want, tc.f)
	}
}

// Weight decay with NoDecay: the exempt parameter sees only its gradient.
func TestNoDecay(t *testing.T) {
	t.Parallel()
	a := tensor.New([]float32{1}, 1).SetRequiresGrad(true)
	b := tensor.New([]float32{1}, 1).SetRequiresGrad(true)
	opt := optim.NewSGD([]*tensor.Tensor{a, b}, 0.5, optim.WeightDecay(1), optim.NoDecay(b))
	opt.Step() // no gradients: nothing decays
	quadratic(a, b)
	opt.Step()
	// g = 2(p-1) + 0.3p² = 0.3; a also decays by wd·p = 1.
	if math.Abs(float64(a.Data()[0])-0.35) > 1e-6 || math.Abs(float64(b.Data()[0])-0.85) > 1e-6 {
		t.Errorf("a = %v, b = %v", a.Data()[0], b.Data()[0])
	}
}

// State and LoadState resume a run bit for bit.
func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	for name := range newEach(nil) {
		t.Run(name, func(t *testing.T) {
			mk := func() []*tensor.Tensor {
				return []*tensor.Tensor{
					tensor.New([]float32{0.5, -1, 2, 0.1}, 2, 2).SetRequiresGrad(true),
					tensor.New([]float32{1, 2, 3}, 3).SetRequiresGrad(true),
					tensor.New([]float32{-0.4}, 1).SetRequiresGrad(true),
				}
			}
			run := func(opt optim.Optimizer, from, to int) {
				ps := opt.Params()
				for k := from; k < to; k++ {
					opt.ZeroGrad()
					quadratic(ps[0])
					if k%2 == 1 {
						quadratic(ps[1])
					}
					opt.Step()
				}
			}
			ref := newEach(mk())[name]
			run(ref, 0, 12)

			a := newEach(mk())[name]
			run(a, 0, 7)
			st := a.State()
			// The state is a copy: changing it does not touch a.
			for _, v := range st {
				v.Data()[0] += 100
			}
			st = a.State()
			b := newEach(clone(a.Params()))[name]
			if err := b.LoadState(st); err != nil {
				t.Fatal(err)
			}
			if b.Steps() != 7 {
				t.Fatalf("Steps() = %d after LoadState", b.Steps())
			}
			run(b, 7, 12)
			for i, p := range b.Params() {
				torchfix.Close(t, fmt.Sprint("parameter ", i), p, ref.Params()[i], 0, 0)
			}
			if _, ok := st["2.step"]; ok {
				t.Error("state for parameter 2, which never had a gradient")
			}

			// Bad state: an error and no change.
			for what, bad := range map[string]func(m map[string]*tensor.Tensor){
				"unknown key": func(m map[string]*tensor.Tensor) { m["0.bogus"] = tensor.Zeros(2, 2) },
				"bad shape": func(m map[string]*tensor.Tensor) {
					for k := range m {
						if strings.HasPrefix(k, "1.") && k != "1.step" {
							m[k] = tensor.Zeros(4)
						}
					}
				},
				"bad step": func(m map[string]*tensor.Tensor) { m["step"] = tensor.Scalar(1.5) },
				"missing buffer": func(m map[string]*tensor.Tensor) {
					for k := range m {
						if strings.HasPrefix(k, "0.") && k != "0.step" {
							delete(m, k)
							return
						}
					}
				},
			} {
				if what == "missing buffer" && name == "SGD" {
					continue // SGD keeps no per-parameter step: no buffer is no state
				}
				m := a.State()
				bad(m)
				before := b.State()
				if err := b.LoadState(m); err == nil {
					t.Errorf("%s: LoadState accepted %v", what, keys(m))
				} else if !strings.Contains(err.Error(), "optim: "+name+".LoadState") {
					t.Errorf("%s: error %q", what, err)
				}
				for k, v := range b.State() {
					torchfix.Close(t, what+": state changed: "+k, v, before[k], 0, 0)
				}
			}
			if err := b.LoadState(map[string]*tensor.Tensor{}); err != nil || b.Steps() != 0 {
				t.Errorf("empty state: %v, Steps() %d", err, b.Steps())
			}
		})
	}
}

func clone(ps []*tensor.Tensor) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		out[i] = p.Detach().Clone().SetRequiresGrad(true)
	}
	return out
}

func keys(m map[string]*tensor.Tensor) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
