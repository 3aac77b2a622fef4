package pretrain

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// SetTrainable sets whether the parameters of m (not its buffers) whose
// state_dict name satisfies match receive gradients, and returns how many it
// changed or confirmed. With nn.Freeze(m) first and a match on adapter names
// it trains only the adapters.
func SetTrainable(m any, match func(name string) bool, on bool) int {
	n := 0
	for _, p := range nn.StateDict(m) {
		if !p.Buffer && match(p.Name) {
			p.Tensor.SetRequiresGrad(on)
			n++
		}
	}
	return n
}

func hasPrefix(prefixes []string) func(string) bool {
	return func(name string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
		return false
	}
}

// FreezePrefix stops gradients for the parameters of m whose names start
// with any of prefixes (layer freezing; feature extraction is
// nn.Freeze(encoder)) and returns how many it froze.
func FreezePrefix(m any, prefixes ...string) int {
	return SetTrainable(m, hasPrefix(prefixes), false)
}

// UnfreezePrefix undoes FreezePrefix for the parameters whose names start
// with any of prefixes and returns how many it unfroze.
func UnfreezePrefix(m any, prefixes ...string) int {
	return SetTrainable(m, hasPrefix(prefixes), true)
}

// GradualUnfreezing is ULMFiT's gradual unfreezing: training starts with only
// the top group trainable and unfreezes one more group, from the top down,
// every Every epochs (default 1). Groups lists name prefixes, top group
// first (for example the head, then "layers.11.", …, "embeddings.").
// Parameters matched by no group are left as they are.
type GradualUnfreezing struct {
	Groups [][]string
	Every  int
}

// Apply sets the trainable groups of m for epoch (counted from 0): the first
// min(epoch/Every+1, len(Groups)) groups are unfrozen and the others frozen.
// It returns the number of groups unfrozen.
func (g GradualUnfreezing) Apply(m any, epoch int) int {
	every := g.Every
	if every == 0 {
		every = 1
	}
	if every < 0 || epoch < 0 {
		panic(fmt.Sprintf("pretrain: GradualUnfreezing.Apply with Every %d at epoch %d", g.Every, epoch))
	}
	k := min(epoch/every+1, len(g.Groups))
	for i, prefixes := range g.Groups {
		SetTrainable(m, hasPrefix(prefixes), i < k)
	}
	return k
}

// ParamGroup is a set of parameters trained with one learning rate.
type ParamGroup struct {
	// Prefix is the name prefix that selected the group ("" for the
	// parameters no prefix matched).
	Prefix string
	Params []*tensor.Tensor
	LR     float64
}

// DiscriminativeGroups splits the parameters of m for ULMFiT's
// discriminative fine-tuning: layers lists name prefixes from the bottom
// layer to the top; the top layer gets lr and each layer below the rate of
// the layer above divided by decay (η^{l−1} = η^l/decay, ULMFiT's 2.6).
// Parameters matched by no prefix (such as a task head) form a last group
// with Prefix "" and rate lr, if there are any. Frozen parameters are
// included, so that unfreezing them later needs no new groups (an optimizer
// skips parameters without gradients).
func DiscriminativeGroups(m any, layers []string, lr, decay float64) []ParamGroup {
	if lr < 0 || decay <= 0 {
		panic(fmt.Sprintf("pretrain: DiscriminativeGroups with lr %v, decay %v", lr, decay))
	}
	groups := make([]ParamGroup, len(layers))
	for i, p := range layers {
		groups[i] = ParamGroup{Prefix: p, LR: lr / math.Pow(decay, float64(len(layers)-1-i))}
	}
	rest := ParamGroup{LR: lr}
	for _, p := range nn.StateDict(m) {
		if p.Buffer {
			continue
		}
		placed := false
		for i, prefix := range layers {
			if strings.HasPrefix(p.Name, prefix) {
				groups[i].Params = append(groups[i].Params, p.Tensor)
				placed = true
				break
			}
		}
		if !placed {
			rest.Params = append(rest.Params, p.Tensor)
		}
	}
	if len(rest.Params) > 0 {
		groups = append(groups, rest)
	}
	return groups
}

// Groups trains parameter groups with different learning rates through one
// optimizer per group, since package optim has no parameter groups. It
// implements optim.Optimizer: LR is the largest group rate, and SetLR scales
// every group by the same factor, so a schedule such as STLR drives all
// groups and keeps their ratios.
type Groups struct {
	opts    []optim.Optimizer
	factors []float64
	lr      float64
}

var _ optim.Optimizer = (*Groups)(nil)

// NewGroups makes one optimizer per non-empty group with newOpt, for
// example func(p []*tensor.Tensor, lr float64) optim.Optimizer { return
// optim.NewAdam(p, lr) }.
func NewGroups(groups []ParamGroup, newOpt func(params []*tensor.Tensor, lr float64) optim.Optimizer) *Groups {
	g := &Groups{}
	for _, gr := range groups {
		g.lr = max(g.lr, gr.LR)
	}
	for _, gr := range groups {
		if len(gr.Params) == 0 {
			continue
		}
		g.opts = append(g.opts, newOpt(gr.Params, gr.LR))
		f := 1.0
		if g.lr > 0 {
			f = gr.LR / g.lr
		}
		g.factors = append(g.factors, f)
	}
	if len(g.opts) == 0 {
		panic("pretrain: NewGroups with no parameters")
	}
	return g
}

// Optimizers returns the optimizer of each non-empty group, in order.
func (g *Groups) Optimizers() []optim.Optimizer { return g.opts }

// LR returns the largest group's rate.
func (g *Groups) LR() float64 { return g.lr }

// SetLR sets the largest group's rate to lr and the others in proportion.
func (g *Groups) SetLR(lr float64) {
	g.lr = lr
	for i, o := range g.opts {
		o.SetLR(lr * g.factors[i])
	}
}

// Step steps every group's optimizer.
func (g *Groups) Step() {
	for _, o := range g.opts {
		o.Step()
	}
}

// ZeroGrad drops every group's gradients.
func (g *Groups) ZeroGrad() {
	for _, o := range g.opts {
		o.ZeroGrad()
	}
}

// Steps returns the number of steps taken.
func (g *Groups) Steps() int { return g.opts[0].Steps() }

// Params returns every group's parameters, group by group.
func (g *Groups) Params() []*tensor.Tensor {
	var ps []*tensor.Tensor
	for _, o := range g.opts {
		ps = append(ps, o.Params()...)
	}
	return ps
}

// State returns the groups' states, each key prefixed with "group<i>.".
func (g *Groups) State() map[string]*tensor.Tensor {
	st := map[string]*tensor.Tensor{}
	for i, o := range g.opts {
		for k, v := range o.State() {
			st[fmt.Sprintf("group%d.%s", i, k)] = v
		}
	}
	return st
}

// LoadState restores a state written by State.
func (g *Groups) LoadState(state map[string]*tensor.Tensor) error {
	parts := make([]map[string]*tensor.Tensor, len(g.opts))
	for i := range parts {
		parts[i] = map[string]*tensor.Tensor{}
	}
	keys := make([]string, 0, len(state))
	for k := range state {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var i int
		var rest string
		if n, _ := fmt.Sscanf(k, "group%d.", &i); n != 1 || i < 0 || i >= len(g.opts) {
			return fmt.Errorf("pretrain: Groups.LoadState: unexpected key %q", k)
		}
		rest = k[strings.IndexByte(k, '.')+1:]
		parts[i][rest] = state[k]
	}
	for i, o := range g.opts {
		if err := o.LoadState(parts[i]); err != nil {
			return fmt.Errorf("pretrain: Groups.LoadState: group %d: %w", i, err)
		}
	}
	return nil
}

// STLR is ULMFiT's slanted triangular learning rate as an optim.Scheduler:
// with cut = ⌊T·cutFrac⌋, p = t/cut for t < cut and
// 1 − (t−cut)/(cut·(1/cutFrac − 1)) after (floored at 0), the rate at step t
// is η_max·(1 + p·(ratio−1))/ratio, η_max being the optimizer's rate when the
// schedule is made. ULMFiT uses cutFrac 0.1 and ratio 32.
type STLR struct {
	opt            optim.LRSetter
	total          int
	cutFrac, ratio float64
	base, lr       float64
	epoch          int
}

var _ optim.Scheduler = (*STLR)(nil)

// NewSTLR returns the schedule over total steps and sets the optimizer's
// rate for step 0. It panics unless ⌊total·cutFrac⌋ ≥ 1, cutFrac < 1 and
// ratio ≥ 1.
func NewSTLR(opt optim.LRSetter, total int, cutFrac, ratio float64) *STLR {
	if opt == nil || cutFrac <= 0 || cutFrac >= 1 || ratio < 1 || math.Floor(float64(total)*cutFrac) < 1 {
		panic(fmt.Sprintf("pretrain: NewSTLR(total %d, cutFrac %v, ratio %v) (nil optimizer: %v)", total, cutFrac, ratio, opt == nil))
	}
	s := &STLR{opt: opt, total: total, cutFrac: cutFrac, ratio: ratio, base: opt.LR()}
	s.SetEpoch(0)
	return s
}

// LRAt returns the rate at step t for maximum rate base.
func (s *STLR) LRAt(base float64, t int) float64 {
	cut := math.Floor(float64(s.total) * s.cutFrac)
	var p float64
	if float64(t) < cut {
		p = float64(t) / cut
	} else {
		p = max(0, 1-(float64(t)-cut)/(cut*(1/s.cutFrac-1)))
	}
	return base * (1 + p*(s.ratio-1)) / s.ratio
}

// Step advances one step and sets the optimizer's rate.
func (s *STLR) Step() { s.SetEpoch(s.epoch + 1) }

// LR returns the rate set last.
func (s *STLR) LR() float64 { return s.lr }

// BaseLR returns η_max.
func (s *STLR) BaseLR() float64 { return s.base }

// Epoch returns the current step.
func (s *STLR) Epoch() int { return s.epoch }

// SetEpoch jumps to step t and sets the optimizer's rate.
func (s *STLR) SetEpoch(t int) {
	if t < 0 {
		panic(fmt.Sprintf("pretrain: STLR.SetEpoch(%d)", t))
	}
	s.epoch = t
	s.lr = s.LRAt(s.base, t)
	s.opt.SetLR(s.lr)
}

// ScalarMix is ELMo's learned mix of layer representations,
// r = γ·Σ_l α_l·h^(l) with α = softmax(w).
type ScalarMix struct {
	Weights *tensor.Tensor // w, shape (L)
	Gamma   *tensor.Tensor // γ, shape (1)
}

// NewScalarMix returns a mix of n layers with equal weights (w = 0) and
// γ = 1, so it starts as the mean of the layers.
func NewScalarMix(n int) *ScalarMix {
	if n < 1 {
		panic(fmt.Sprintf("pretrain: NewScalarMix(%d)", n))
	}
	return &ScalarMix{
		Weights: tensor.Zeros(n).SetRequiresGrad(true),
		Gamma:   tensor.Ones(1).SetRequiresGrad(true),
	}
}

// Forward mixes layers, which must all have the same shape.
func (s *ScalarMix) Forward(layers ...*tensor.Tensor) *tensor.Tensor {
	if len(layers) != s.Weights.Size() {
		panic(fmt.Sprintf("pretrain: ScalarMix.Forward: %d layers, %d weights", len(layers), s.Weights.Size()))
	}
	h := tensor.Stack(0, layers...) // (L, ...)
	shape := make([]int, h.NDim())
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = len(layers)
	alpha := s.Weights.Softmax(0).Reshape(shape...)
	return h.Mul(alpha).Sum(0, false).Mul(s.Gamma)
}

// Adapter is a Houlsby bottleneck adapter: x + Up(GELU(Down(x))), inserted
// into a frozen pre-trained model and trained alone.
type Adapter struct {
	Down *nn.Linear
	Up   *nn.Linear
}

// NewAdapter returns an adapter for features of size dim through a
// bottleneck of size bottleneck, initialised near the identity as Houlsby et
// al.: weights from a normal distribution with standard deviation std
// (1e-2 in the paper) truncated at two standard deviations, biases zero.
func NewAdapter(rng *rand.Rand, dim, bottleneck int, std float64) *Adapter {
	checkRNG("NewAdapter", rng)
	if dim < 1 || bottleneck < 1 || std < 0 {
		panic(fmt.Sprintf("pretrain: NewAdapter(dim %d, bottleneck %d, std %v)", dim, bottleneck, std))
	}
	lin := func(in, out int) *nn.Linear {
		w := make([]float32, in*out)
		for i := range w {
			z := rng.NormFloat64()
			for math.Abs(z) > 2 {
				z = rng.NormFloat64()
			}
			w[i] = float32(z * std)
		}
		return &nn.Linear{
			Weight: tensor.New(w, out, in).SetRequiresGrad(true),
			Bias:   tensor.Zeros(out).SetRequiresGrad(true),
		}
	}
	return &Adapter{Down: lin(dim, bottleneck), Up: lin(bottleneck, dim)}
}

// Forward returns x + Up(GELU(Down(x))) over the last dimension of x.
func (a *Adapter) Forward(x *tensor.Tensor) *tensor.Tensor {
	return x.Add(a.Up.Forward(a.Down.Forward(x).GELU()))
}
