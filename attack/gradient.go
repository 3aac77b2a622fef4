package attack

import (
	"fmt"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// AttackLoss chooses the objective a gradient attack climbs.
type AttackLoss int

const (
	// LossCrossEntropy is the cross-entropy of the logits: the attack raises it
	// for the true class (untargeted) or lowers it for the target.
	LossCrossEntropy AttackLoss = iota
	// LossMargin is the Carlini–Wagner margin of the logits (Margin), which
	// the attack lowers; its floor −κ stops the push once the margin is
	// reached. Madry et al.'s "CW loss" PGD uses it with κ = 50.
	LossMargin
)

// String returns the loss's name.
func (l AttackLoss) String() string {
	switch l {
	case LossCrossEntropy:
		return "cross-entropy"
	case LossMargin:
		return "margin"
	}
	return fmt.Sprintf("AttackLoss(%d)", int(l))
}

// FGSM is the fast gradient sign method of Goodfellow et al.: one step of
// size Eps along the sign of the input gradient of the cross-entropy,
//
//	untargeted: x_adv = clip(x + Eps·sign(∇ₓ CE(f(x), y)), 0, 1)
//	targeted:   x_adv = clip(x − Eps·sign(∇ₓ CE(f(x), Target)), 0, 1)
//
// so ‖x_adv − x‖∞ ≤ Eps. A pixel whose gradient is exactly 0 does not move.
type FGSM struct {
	// Model is the classifier attacked; put it in evaluation mode first.
	Model Classifier
	// Eps is the L∞ size of the perturbation (0.3 for MNIST).
	Eps float32
	// Targeted makes the attack push every image towards class Target
	// instead of away from its true label.
	Targeted bool
	Target   int
}

// Perturb implements Attack. It takes gradients with respect to the input
// only: the model's parameters are frozen while it runs and restored after,
// so their gradients are neither computed nor changed.
func (a *FGSM) Perturb(x *tensor.Tensor, y []int) *tensor.Tensor {
	checkAttackEps("FGSM", a.Eps)
	defer nn.Freeze(a.Model)()
	labels := attackLabels("FGSM", x, y, a.Targeted, a.Target)
	if len(y) == 0 {
		return x.Detach().Clone()
	}
	g := attackInputGrad(a.Model, x, labels, a.Targeted, LossCrossEntropy, 0)
	out := x.Detach().Clone()
	d, gd := out.Data(), g.Data()
	for i := range d {
		d[i] = clipUnit(d[i] + a.Eps*signOf(gd[i]))
	}
	return out
}

// PGD is projected gradient descent in the L∞ ball (Madry et al.): from x,
// or from a uniform random point of the ball, take Steps signed gradient
// steps of size Step on the attack loss, each followed by projection onto
// the ball of radius Eps around x and onto the box [0, 1].
//
// Zero values take defaults: Steps 40 and Step 2.5·Eps/Steps, Madry et al.'s
// rule (their MNIST challenge uses ε = 0.3, 40 steps of 0.01 and a random
// start).
type PGD struct {
	// Model is the classifier attacked; put it in evaluation mode first.
	Model Classifier
	// Eps is the radius of the L∞ ball.
	Eps float32
	// Step is the size of each signed gradient step; Steps their number.
	Step  float32
	Steps int
	// RandomStart starts from x plus uniform noise in [−Eps, Eps], drawn
	// from Rng (which it then requires).
	RandomStart bool
	Rng         *rand.Rand
	// Targeted makes the attack push every image towards class Target.
	Targeted bool
	Target   int
	// Loss is the objective: LossCrossEntropy (the zero value) or LossMargin
	// with margin Kappa ≥ 0.
	Loss  AttackLoss
	Kappa float32
}

// Perturb implements Attack. Like FGSM's, it takes gradients with respect to
// the input only and leaves the model's parameters as it found them.
func (a *PGD) Perturb(x *tensor.Tensor, y []int) *tensor.Tensor {
	checkAttackEps("PGD", a.Eps)
	steps := a.Steps
	if steps == 0 {
		steps = 40
	}
	step := a.Step
	if step == 0 {
		step = 2.5 * a.Eps / float32(steps)
	}
	if steps < 0 || step < 0 || a.Kappa < 0 {
		panic(fmt.Sprintf("attack.PGD: Steps %d, Step %v, Kappa %v, want none negative", a.Steps, a.Step, a.Kappa))
	}
	if a.Loss != LossCrossEntropy && a.Loss != LossMargin {
		panic(fmt.Sprintf("attack.PGD: unknown %v", a.Loss))
	}
	if a.RandomStart && a.Rng == nil {
		panic("attack.PGD: RandomStart needs an Rng")
	}
	defer nn.Freeze(a.Model)()
	labels := attackLabels("PGD", x, y, a.Targeted, a.Target)
	if len(y) == 0 {
		return x.Detach().Clone()
	}
	x0 := x.Detach().Data()
	out := x.Detach().Clone()
	d := out.Data()
	if a.RandomStart {
		for i := range d {
			d[i] = clipUnit(d[i] + (2*a.Rng.Float32()-1)*a.Eps)
		}
	}
	for range steps {
		g := attackInputGrad(a.Model, out, labels, a.Targeted, a.Loss, a.Kappa).Data()
		for i := range d {
			v := d[i] + step*signOf(g[i])
			v = min(max(v, x0[i]-a.Eps), x0[i]+a.Eps)
			d[i] = clipUnit(v)
		}
	}
	return out
}

// attackInputGrad returns the gradient, with respect to x, of the objective the
// attacker climbs: the loss for the true labels (untargeted), or minus the
// loss for the targets (targeted); for LossMargin always minus the margin.
// Per-example losses are summed, so each image gets its own gradient.
func attackInputGrad(model Classifier, x *tensor.Tensor, labels []int, targeted bool, loss AttackLoss, kappa float32) *tensor.Tensor {
	xg := x.Detach().Clone().SetRequiresGrad(true)
	logits := model.Forward(xg)
	var obj *tensor.Tensor
	switch loss {
	case LossMargin:
		obj = Margin(logits, labels, targeted, kappa).SumAll().Neg()
	default:
		obj = nn.CrossEntropy(logits, labels, nn.WithReduction(nn.ReduceSum))
		if targeted {
			obj = obj.Neg()
		}
	}
	obj.Backward()
	if xg.Grad() == nil {
		return tensor.ZerosLike(xg)
	}
	return xg.Grad()
}

// attackLabels returns the labels an attack's loss uses: y, or Target for
// every image of a targeted attack.
func attackLabels(who string, x *tensor.Tensor, y []int, targeted bool, target int) []int {
	if x.NDim() < 1 || x.Dim(0) != len(y) {
		panic(fmt.Sprintf("attack.%s.Perturb: images of shape %v for %d labels", who, x.Shape(), len(y)))
	}
	if !targeted {
		return y
	}
	if target < 0 {
		panic(fmt.Sprintf("attack.%s.Perturb: target class %d, want ≥ 0", who, target))
	}
	t := make([]int, len(y))
	for i := range t {
		t[i] = target
	}
	return t
}

func checkAttackEps(who string, eps float32) {
	if !(eps >= 0) {
		panic(fmt.Sprintf("attack.%s: Eps %v, want ≥ 0", who, eps))
	}
}

func signOf(v float32) float32 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func clipUnit(v float32) float32 { return min(max(v, 0), 1) }

var (
	_ Attack = (*FGSM)(nil)
	_ Attack = (*PGD)(nil)
	_ Attack = (*CWL2)(nil)
)
