package optim_test

import (
	"math"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// scheduleCase is one entry of meta["cases"] in schedules.json.
type scheduleCase struct {
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	LR          float64   `json:"lr"`
	Epochs      int       `json:"epochs"`
	StepSize    int       `json:"step_size"`
	Gamma       float64   `json:"gamma"`
	TMax        int       `json:"t_max"`
	EtaMin      float64   `json:"eta_min"`
	StartFactor float64   `json:"start_factor"`
	EndFactor   float64   `json:"end_factor"`
	TotalIters  int       `json:"total_iters"`
	Warmup      int       `json:"warmup"`
	LRs         []float64 `json:"lrs"`
}

func (c scheduleCase) build(opt optim.LRSetter) optim.Scheduler {
	switch c.Kind {
	case "step":
		return optim.NewStepLR(opt, c.StepSize, c.Gamma)
	case "cosine":
		return optim.NewCosineAnnealingLR(opt, c.TMax, c.EtaMin)
	case "linear":
		return optim.NewLinearLR(opt, c.StartFactor, c.EndFactor, c.TotalIters)
	case "warmup_cosine":
		return optim.NewWarmupCosine(opt, c.Warmup, c.StartFactor, c.TMax, c.EtaMin)
	case "sequential3":
		// Made one after another on the same optimizer, as in the script.
		a := optim.NewStepLR(opt, 2, 0.5)
		b := optim.NewCosineAnnealingLR(opt, 6, 0.01)
		d := optim.NewLinearLR(opt, 0.5, 1, 4)
		return optim.NewSequentialLR(opt, []optim.Scheduler{a, b, d}, []int{5, 12})
	}
	panic("unknown schedule " + c.Kind)
}

func TestSchedulesTorch(t *testing.T) {
	f := torchfix.Load(t, "testdata/schedules.json")
	var cases []scheduleCase
	f.MetaValue(t, "cases", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			p := tensor.Zeros(1).SetRequiresGrad(true)
			opt := optim.NewSGD([]*tensor.Tensor{p}, c.LR)
			s := c.build(opt)
			if s.BaseLR() != c.LR {
				t.Errorf("BaseLR() = %v, want %v", s.BaseLR(), c.LR)
			}
			for e, want := range c.LRs {
				if e > 0 {
					opt.Step()
					s.Step()
				}
				if got := opt.LR(); math.Abs(got-want) > 1e-15+1e-12*math.Abs(want) {
					t.Fatalf("epoch %d: lr %v, want %v (all: %v)", e, got, want, c.LRs)
				}
				if s.LR() != opt.LR() {
					t.Fatalf("epoch %d: LR() %v, optimizer %v", e, s.LR(), opt.LR())
				}
				if got := s.LRAt(c.LR, e); got != opt.LR() {
					t.Fatalf("epoch %d: LRAt %v, optimizer %v", e, got, opt.LR())
				}
			}
		})
	}
}

// SetEpoch resumes a schedule where it left off.
func TestScheduleSetEpoch(t *testing.T) {
	t.Parallel()
	p := tensor.Zeros(1).SetRequiresGrad(true)
	mk := func() (*optim.Adam, *optim.SequentialLR) {
		opt := optim.NewAdam([]*tensor.Tensor{p}, 0.1)
		return opt, optim.NewWarmupCosine(opt, 3, 0.1, 10, 0)
	}
	opt, s := mk()
	if s.Epoch() != 0 || math.Abs(opt.LR()-0.01) > 1e-15 {
		t.Fatalf("epoch %d, lr %v at the start", s.Epoch(), opt.LR())
	}
	for range 7 {
		s.Step()
	}
	opt2, s2 := mk()
	s2.SetEpoch(7)
	if s2.Epoch() != 7 || opt2.LR() != opt.LR() || s2.LR() != s.LR() {
		t.Errorf("SetEpoch(7): epoch %d, lr %v, want %v", s2.Epoch(), opt2.LR(), opt.LR())
	}
	s.Step()
	s2.Step()
	if opt2.LR() != opt.LR() {
		t.Errorf("after SetEpoch and Step: lr %v, want %v", opt2.LR(), opt.LR())
	}
	mustPanic(t, "negative epoch", "negative epoch", func() { s.SetEpoch(-1) })

	// The single schedules resume the same way.
	for _, mk := range []func(o optim.LRSetter) optim.Scheduler{
		func(o optim.LRSetter) optim.Scheduler { return optim.NewStepLR(o, 2, 0.5) },
		func(o optim.LRSetter) optim.Scheduler { return optim.NewCosineAnnealingLR(o, 5, 0.01) },
		func(o optim.LRSetter) optim.Scheduler { return optim.NewLinearLR(o, 0, 1, 4) },
	} {
		o1, o2 := optim.NewSGD(nil, 1), optim.NewSGD(nil, 1)
		a, b := mk(o1), mk(o2)
		for range 3 {
			a.Step()
		}
		b.SetEpoch(3)
		if a.Epoch() != 3 || b.Epoch() != 3 || o1.LR() != o2.LR() {
			t.Errorf("%T: epochs %d, %d, lr %v, %v", a, a.Epoch(), b.Epoch(), o1.LR(), o2.LR())
		}
	}
}

// A start factor of 0 works (PyTorch 1.13's recursive LinearLR divides by
// zero on it).
func TestLinearLRFromZero(t *testing.T) {
	t.Parallel()
	opt := optim.NewSGD(nil, 0.4)
	s := optim.NewLinearLR(opt, 0, 1, 4)
	want := []float64{0, 0.1, 0.2, 0.3, 0.4, 0.4}
	for e, w := range want {
		if e > 0 {
			s.Step()
		}
		if math.Abs(opt.LR()-w) > 1e-15 {
			t.Errorf("epoch %d: lr %v, want %v", e, opt.LR(), w)
		}
	}
}

func TestSchedulePanics(t *testing.T) {
	t.Parallel()
	opt := optim.NewSGD(nil, 0.1)
	lin := optim.NewLinearLR(opt, 0.5, 1, 2)
	for _, tc := range []struct {
		what, want string
		f          func()
	}{
		{"step size 0", "optim.NewStepLR: invalid step size 0", func() { optim.NewStepLR(opt, 0, 0.1) }},
		{"nil optimizer", "optim.NewStepLR: nil optimizer", func() { optim.NewStepLR(nil, 1, 0.1) }},
		{"T_max 0", "optim.NewCosineAnnealingLR: invalid T_max 0", func() { optim.NewCosineAnnealingLR(opt, 0, 0) }},
		{"start factor 2", "start factor 2 is not in [0, 1]", func() { optim.NewLinearLR(opt, 2, 1, 3) }},
		{"end factor -1", "end factor -1 is not in [0, 1]", func() { optim.NewLinearLR(opt, 0.5, -1, 3) }},
		{"total 0", "invalid total iterations 0", func() { optim.NewLinearLR(opt, 0.5, 1, 0) }},
		{"milestone count", "2 schedules need 1 milestones, got 0", func() {
			optim.NewSequentialLR(opt, []optim.Scheduler{lin, lin}, nil)
		}},
		{"no schedules", "0 schedules need 0 milestones", func() { optim.NewSequentialLR(opt, nil, nil) }},
		{"decreasing milestones", "not positive and increasing", func() {
			optim.NewSequentialLR(opt, []optim.Scheduler{lin, lin, lin}, []int{4, 2})
		}},
		{"nil schedule", "schedule 1 is nil", func() { optim.NewSequentialLR(opt, []optim.Scheduler{lin, nil}, []int{2}) }},
	} {
		mustPanic(t, tc.what, tc.want, tc.f)
	}
}
