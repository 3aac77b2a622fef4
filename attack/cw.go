package attack

import (
	"fmt"
	"math"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// CWL2 is the L2 attack of Carlini and Wagner ("Towards Evaluating the
// Robustness of Neural Networks", 2017). Each image is searched for in the
// variable w with x' = (tanh(w) + 1)/2, which keeps x' in [0, 1], by
// minimising with Adam
//
//	‖x' − x‖₂² + c·Margin(Z(x'), label, Targeted, Kappa)
//
// where c is found per image by binary search: starting at InitialConst, an
// image's c is lowered (bisected) after a binary step in which the attack
// succeeded and raised (×10 until it first succeeds, then bisected)
// otherwise. Success means the argmax of the logits, with the label's logit
// raised by Kappa (untargeted) or the target's lowered by Kappa (targeted),
// is not the label or is the target. Perturb returns, per image, the
// successful x' of smallest L2 distance seen in any step, or the original
// image if none succeeded. Like the original, a binary step stops early once
// the total loss has not fallen by 0.01% over a tenth of its iterations.
//
// Zero values take defaults chosen to run on two CPU cores: BinarySteps 5,
// Steps 100, LR 0.05, InitialConst 0.1. The original uses 9 binary steps of
// up to 10,000 iterations, LR 0.01 and initial constant 0.001, and finds
// somewhat smaller perturbations.
type CWL2 struct {
	// Model is the classifier attacked; put it in evaluation mode first.
	Model Classifier
	// Kappa ≥ 0 is the confidence margin (κ; 0 finds the smallest
	// perturbations).
	Kappa float32
	// InitialConst is the first trade-off constant c.
	InitialConst float64
	// BinarySteps is the number of values of c tried; Steps the Adam
	// iterations per value; LR Adam's learning rate (on w).
	BinarySteps int
	Steps       int
	LR          float64
	// Targeted makes the attack push every image towards class Target.
	Targeted bool
	Target   int
}

// Perturb implements Attack. Gradients are taken with respect to w only;
// the model's parameters are frozen while it runs and restored after.
func (a *CWL2) Perturb(x *tensor.Tensor, y []int) *tensor.Tensor {
	binSteps, steps, lr, c0 := a.BinarySteps, a.Steps, a.LR, a.InitialConst
	if binSteps == 0 {
		binSteps = 5
	}
	if steps == 0 {
		steps = 100
	}
	if lr == 0 {
		lr = 0.05
	}
	if c0 == 0 {
		c0 = 0.1
	}
	if binSteps < 0 || steps < 0 || !(lr > 0) || !(c0 > 0) || a.Kappa < 0 {
		panic(fmt.Sprintf("attack.CWL2: BinarySteps %d, Steps %d, LR %v, InitialConst %v, Kappa %v: want positive values (Kappa ≥ 0)",
			a.BinarySteps, a.Steps, a.LR, a.InitialConst, a.Kappa))
	}
	defer nn.Freeze(a.Model)()
	labels := attackLabels("CWL2", x, y, a.Targeted, a.Target)
	if len(y) == 0 {
		return x.Detach().Clone()
	}
	n := len(y)
	x0 := x.Detach().Clone()
	xd := x0.Data()
	per := len(xd) / max(n, 1)

	best := x0.Clone()
	bd := best.Data()
	bestL2 := make([]float64, n)
	for i := range bestL2 {
		bestL2[i] = math.Inf(1)
	}
	lower := make([]float64, n)
	upper := make([]float64, n)
	cs := make([]float32, n)
	for i := range n {
		upper[i] = 1e10
		cs[i] = float32(c0)
	}
	// w0 = atanh((2x − 1)·0.999999), the original's start at x.
	w0 := make([]float32, len(xd))
	for i, v := range xd {
		w0[i] = float32(math.Atanh((2*float64(v) - 1) * 0.999999))
	}

	for range binSteps {
		w := tensor.New(append([]float32(nil), w0...), x0.Shape()...).SetRequiresGrad(true)
		opt := optim.NewAdam([]*tensor.Tensor{w}, lr)
		c := tensor.New(append([]float32(nil), cs...), n)
		succeeded := make([]bool, n)
		prev := math.Inf(1)
		for it := 0; ; it++ {
			loss, l2, xa, logits := cwObjective(a.Model, w, x0, labels, c, a.Targeted, a.Kappa)

			ld, ad, zd := l2.Data(), xa.Data(), logits.Data()
			k := logits.Dim(1)
			for i := range n {
				if !cwSuccess(zd[i*k:(i+1)*k], labels[i], a.Targeted, a.Kappa) {
					continue
				}
				succeeded[i] = true
				if d := float64(ld[i]); d < bestL2[i] {
					bestL2[i] = d
					copy(bd[i*per:(i+1)*per], ad[i*per:(i+1)*per])
				}
			}
			if it == steps {
				break
			}
			if every := steps / 10; every > 0 && it > 0 && it%every == 0 {
				v := float64(loss.Item())
				if v > prev*0.9999 {
					break
				}
				prev = v
			}
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
		}
		for i := range n {
			if succeeded[i] {
				upper[i] = min(upper[i], float64(cs[i]))
				if upper[i] < 1e9 {
					cs[i] = float32((lower[i] + upper[i]) / 2)
				}
			} else {
				lower[i] = max(lower[i], float64(cs[i]))
				if upper[i] < 1e9 {
					cs[i] = float32((lower[i] + upper[i]) / 2)
				} else {
					cs[i] *= 10
				}
			}
		}
	}
	return best
}

// cwObjective is the C&W objective Σᵢ ‖x'ᵢ − xᵢ‖₂² + cᵢ·Margin(Z(x'))ᵢ at
// x' = (tanh(w) + 1)/2, with the squared distances l2 (N), x' and the logits.
func cwObjective(model Classifier, w, x0 *tensor.Tensor, labels []int, c *tensor.Tensor, targeted bool, kappa float32) (loss, l2, xa, logits *tensor.Tensor) {
	n := len(labels)
	xa = w.Tanh().AddScalar(1).MulScalar(0.5)
	diff := xa.Sub(x0)
	l2 = diff.Mul(diff).Reshape(n, x0.Size()/n).Sum(1, false)
	logits = model.Forward(xa)
	loss = l2.Add(c.Mul(Margin(logits, labels, targeted, kappa))).SumAll()
	return loss, l2, xa, logits
}

// cwSuccess is the original's compare: the argmax of the logits z, with the
// label's logit raised by kappa (untargeted) or the target's lowered by
// kappa (targeted), differs from the label or equals the target.
func cwSuccess(z []float32, label int, targeted bool, kappa float32) bool {
	best, bestV := -1, float32(0)
	for j, v := range z {
		if j == label {
			if targeted {
				v -= kappa
			} else {
				v += kappa
			}
		}
		if best < 0 || v > bestV {
			best, bestV = j, v
		}
	}
	if targeted {
		return best == label
	}
	return best != label
}
