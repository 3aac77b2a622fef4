package optim

import (
	"math"
	"slices"
)

// Scheduler is a learning-rate schedule driving an optimizer, as PyTorch's
// torch.optim.lr_scheduler classes. Making one sets the optimizer's rate
// for epoch 0; call Step after each epoch (or iteration), after the
// optimizer's Step, to move to the next.
//
// The rate at each epoch is computed in closed form from the base rate —
// the optimizer's rate when the scheduler was made, PyTorch's initial_lr —
// so it gives the values PyTorch's schedulers produce when they alone set
// the rate. A rate set on the optimizer by hand is overwritten at the next
// Step (PyTorch's chainable forms would build on it instead).
type Scheduler interface {
	// Step advances to the next epoch and sets the optimizer's rate.
	Step()
	// LR returns the rate set by the last Step (get_last_lr()).
	LR() float64
	// BaseLR returns the base rate the schedule scales.
	BaseLR() float64
	// LRAt returns the rate the schedule gives at epoch (0 for the rate
	// set when it is made) for the base rate base, in closed form.
	LRAt(base float64, epoch int) float64
	// Epoch returns the current epoch (PyTorch's last_epoch), 0 before
	// the first Step.
	Epoch() int
	// SetEpoch jumps to epoch and sets the optimizer's rate, to resume a
	// run from a checkpoint. It panics on a negative epoch.
	SetEpoch(epoch int)
}

var (
	_ Scheduler = (*StepLR)(nil)
	_ Scheduler = (*CosineAnnealingLR)(nil)
	_ Scheduler = (*LinearLR)(nil)
	_ Scheduler = (*SequentialLR)(nil)
)

// driver holds what every scheduler shares: the optimizer, the base rate
// and the epoch (PyTorch's last_epoch).
type driver struct {
	opt   LRSetter
	base  float64
	epoch int
	lr    float64
}

func newDriver(op string, opt LRSetter) driver {
	check(opt != nil, op, "nil optimizer")
	return driver{opt: opt, base: opt.LR()}
}

// set moves to epoch and sets the optimizer's rate from s's closed form.
func (d *driver) set(s Scheduler, epoch int) {
	check(epoch >= 0, "Scheduler.SetEpoch", "negative epoch %d", epoch)
	d.epoch = epoch
	d.lr = s.LRAt(d.base, epoch)
	d.opt.SetLR(d.lr)
}

// StepLR multiplies the base rate by gamma every stepSize epochs, as
// torch.optim.lr_scheduler.StepLR: lr = base·gamma^⌊epoch/stepSize⌋.
type StepLR struct {
	stepSize int
	gamma    float64
	d        driver
}

// NewStepLR returns a StepLR on opt (PyTorch's default gamma is 0.1). It
// panics unless stepSize > 0.
func NewStepLR(opt LRSetter, stepSize int, gamma float64) *StepLR {
	check(stepSize > 0, "NewStepLR", "invalid step size %d", stepSize)
	s := &StepLR{stepSize: stepSize, gamma: gamma, d: newDriver("NewStepLR", opt)}
	s.d.set(s, 0)
	return s
}

// LRAt returns base·gamma^⌊epoch/stepSize⌋.
func (s *StepLR) LRAt(base float64, epoch int) float64 {
	return base * math.Pow(s.gamma, float64(max(epoch, 0)/s.stepSize))
}

// Step advances one epoch and sets the optimizer's rate.
func (s *StepLR) Step() { s.d.set(s, s.d.epoch+1) }

// LR returns the rate set last.
func (s *StepLR) LR() float64 { return s.d.lr }

// BaseLR returns the base rate.
func (s *StepLR) BaseLR() float64 { return s.d.base }

// Epoch returns the current epoch (PyTorch's last_epoch), 0 before the
// first Step.
func (s *StepLR) Epoch() int { return s.d.epoch }

// SetEpoch jumps to epoch and sets the optimizer's rate, to resume a run.
func (s *StepLR) SetEpoch(epoch int) { s.d.set(s, epoch) }

// CosineAnnealingLR anneals the rate from the base rate down to etaMin
// along half a cosine over tMax epochs, as
// torch.optim.lr_scheduler.CosineAnnealingLR:
//
//	lr = etaMin + (base - etaMin)·(1 + cos(π·epoch/tMax))/2
//
// Past tMax the rate climbs back along the cosine, as PyTorch's does.
type CosineAnnealingLR struct {
	tMax   int
	etaMin float64
	d      driver
}

// NewCosineAnnealingLR returns a CosineAnnealingLR on opt (PyTorch's
// default etaMin is 0). It panics unless tMax > 0.
func NewCosineAnnealingLR(opt LRSetter, tMax int, etaMin float64) *CosineAnnealingLR {
	check(tMax > 0, "NewCosineAnnealingLR", "invalid T_max %d", tMax)
	s := &CosineAnnealingLR{tMax: tMax, etaMin: etaMin, d: newDriver("NewCosineAnnealingLR", opt)}
	s.d.set(s, 0)
	return s
}

// LRAt returns etaMin + (base - etaMin)·(1 + cos(π·epoch/tMax))/2.
func (s *CosineAnnealingLR) LRAt(base float64, epoch int) float64 {
	return s.etaMin + (base-s.etaMin)*(1+math.Cos(math.Pi*float64(max(epoch, 0))/float64(s.tMax)))/2
}

// Step advances one epoch and sets the optimizer's rate.
func (s *CosineAnnealingLR) Step() { s.d.set(s, s.d.epoch+1) }

// LR returns the rate set last.
func (s *CosineAnnealingLR) LR() float64 { return s.d.lr }

// BaseLR returns the base rate.
func (s *CosineAnnealingLR) BaseLR() float64 { return s.d.base }

// Epoch returns the current epoch, 0 before the first Step.
func (s *CosineAnnealingLR) Epoch() int { return s.d.epoch }

// SetEpoch jumps to epoch and sets the optimizer's rate, to resume a run.
func (s *CosineAnnealingLR) SetEpoch(epoch int) { s.d.set(s, epoch) }

// LinearLR scales the base rate by a factor that moves linearly from
// startFactor to endFactor over totalIters epochs and then stays at
// endFactor, as torch.optim.lr_scheduler.LinearLR:
//
//	lr = base·(startFactor + (endFactor - startFactor)·min(epoch, totalIters)/totalIters)
//
// A linear warm-up is NewLinearLR(opt, 0.1, 1, n); a linear decay to zero
// is NewLinearLR(opt, 1, 0, n).
type LinearLR struct {
	start, end float64
	total      int
	d          driver
}

// NewLinearLR returns a LinearLR on opt (PyTorch's defaults are
// startFactor 1/3, endFactor 1, totalIters 5). It panics unless both
// factors are in [0, 1] and totalIters > 0. Unlike PyTorch 1.13, whose
// recursive form divides by zero, a start factor of 0 works.
func NewLinearLR(opt LRSetter, startFactor, endFactor float64, totalIters int) *LinearLR {
	check(startFactor >= 0 && startFactor <= 1, "NewLinearLR", "start factor %v is not in [0, 1]", startFactor)
	check(endFactor >= 0 && endFactor <= 1, "NewLinearLR", "end factor %v is not in [0, 1]", endFactor)
	check(totalIters > 0, "NewLinearLR", "invalid total iterations %d", totalIters)
	s := &LinearLR{start: startFactor, end: endFactor, total: totalIters, d: newDriver("NewLinearLR", opt)}
	s.d.set(s, 0)
	return s
}

// LRAt returns base·(startFactor + (endFactor - startFactor)·min(epoch, totalIters)/totalIters).
func (s *LinearLR) LRAt(base float64, epoch int) float64 {
	return base * (s.start + (s.end-s.start)*float64(min(max(epoch, 0), s.total))/float64(s.total))
}

// Step advances one epoch and sets the optimizer's rate.
func (s *LinearLR) Step() { s.d.set(s, s.d.epoch+1) }

// LR returns the rate set last.
func (s *LinearLR) LR() float64 { return s.d.lr }

// BaseLR returns the base rate.
func (s *LinearLR) BaseLR() float64 { return s.d.base }

// Epoch returns the current epoch, 0 before the first Step.
func (s *LinearLR) Epoch() int { return s.d.epoch }

// SetEpoch jumps to epoch and sets the optimizer's rate, to resume a run.
func (s *LinearLR) SetEpoch(epoch int) { s.d.set(s, epoch) }

// SequentialLR runs schedules one after another, switching at the
// milestone epochs, as torch.optim.lr_scheduler.SequentialLR: before
// milestones[0] the rate is schedules[0]'s, from milestones[i-1] on it is
// schedules[i]'s, counted from that milestone (each later schedule starts
// again at its own epoch 0). Every schedule scales the base rate of the
// first, as PyTorch's all use the optimizer's initial_lr, so schedules
// made one after another on the same optimizer chain as they would in
// PyTorch. The schedules are only asked for their closed forms (LRAt);
// do not Step them yourself.
type SequentialLR struct {
	scheds     []Scheduler
	milestones []int
	d          driver
}

// NewSequentialLR returns a SequentialLR on opt and sets opt's rate to
// the first schedule's epoch-0 rate. It panics unless there is one
// milestone fewer than schedules and the milestones are positive and
// increasing.
func NewSequentialLR(opt LRSetter, schedules []Scheduler, milestones []int) *SequentialLR {
	check(len(schedules) > 0 && len(milestones) == len(schedules)-1, "NewSequentialLR",
		"%d schedules need %d milestones, got %d", len(schedules), max(len(schedules)-1, 0), len(milestones))
	for i, m := range milestones {
		check(m > 0 && (i == 0 || m > milestones[i-1]), "NewSequentialLR", "milestones %v are not positive and increasing", milestones)
	}
	for i, s := range schedules {
		check(s != nil, "NewSequentialLR", "schedule %d is nil", i)
	}
	s := &SequentialLR{scheds: slices.Clone(schedules), milestones: slices.Clone(milestones), d: newDriver("NewSequentialLR", opt)}
	s.d.base = schedules[0].BaseLR()
	s.d.set(s, 0)
	return s
}

// NewWarmupCosine returns the usual warm-up then cosine schedule: a linear
// warm-up from startFactor·base to base over warmupIters epochs, then
// cosine annealing from base to etaMin over the next tMax epochs. It is
// SequentialLR([LinearLR(startFactor, 1, warmupIters),
// CosineAnnealingLR(tMax, etaMin)], milestones=[warmupIters]) in PyTorch.
func NewWarmupCosine(opt LRSetter, warmupIters int, startFactor float64, tMax int, etaMin float64) *SequentialLR {
	warm := NewLinearLR(opt, startFactor, 1, warmupIters)
	cos := NewCosineAnnealingLR(opt, tMax, etaMin)
	return NewSequentialLR(opt, []Scheduler{warm, cos}, []int{warmupIters})
}

// NewWarmupLinear returns warm-up then linear decay to zero, the shape of
// Hugging Face's get_linear_schedule_with_warmup: a linear warm-up from
// base/(warmupIters+1) to base over warmupIters epochs, then a linear
// decay from base to 0 over the next decayIters epochs. It is
// SequentialLR([LinearLR(1/(warmupIters+1), 1, warmupIters),
// LinearLR(1, 0, decayIters)], milestones=[warmupIters]) in PyTorch, or the
// decay alone when warmupIters is 0.
func NewWarmupLinear(opt LRSetter, warmupIters, decayIters int) Scheduler {
	if warmupIters == 0 {
		return NewLinearLR(opt, 1, 0, decayIters)
	}
	warm := NewLinearLR(opt, 1/float64(warmupIters+1), 1, warmupIters)
	return NewSequentialLR(opt, []Scheduler{warm, NewLinearLR(opt, 1, 0, decayIters)}, []int{warmupIters})
}

// LRAt returns the rate of the schedule in force at epoch, at its epoch
// counted from the milestone where it took over.
func (s *SequentialLR) LRAt(base float64, epoch int) float64 {
	i, _ := slices.BinarySearch(s.milestones, epoch+1) // bisect_right
	local := epoch
	if i > 0 {
		local -= s.milestones[i-1]
	}
	return s.scheds[i].LRAt(base, local)
}

// Step advances one epoch and sets the optimizer's rate.
func (s *SequentialLR) Step() { s.d.set(s, s.d.epoch+1) }

// LR returns the rate set last.
func (s *SequentialLR) LR() float64 { return s.d.lr }

// BaseLR returns the base rate, that of the first schedule.
func (s *SequentialLR) BaseLR() float64 { return s.d.base }

// Epoch returns the current epoch, 0 before the first Step.
func (s *SequentialLR) Epoch() int { return s.d.epoch }

// SetEpoch jumps to epoch and sets the optimizer's rate, to resume a run.
func (s *SequentialLR) SetEpoch(epoch int) { s.d.set(s, epoch) }
