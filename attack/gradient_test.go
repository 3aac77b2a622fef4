package attack

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// linearNet is a linear classifier on flattened images, whose input
// gradient has a closed form.
type linearNet struct {
	L *nn.Linear `cairn:"l"`
}

func (m *linearNet) Forward(x *tensor.Tensor) *tensor.Tensor { return m.L.Forward(x.Flatten(1)) }

// linearInputGrad is ∇ₓ CE(Wx + b, label) by hand: Wᵀ(softmax(z) − e_label),
// in float64.
func linearInputGrad(w, b, x []float32, k, d, label int) []float64 {
	z := make([]float64, k)
	zmax := math.Inf(-1)
	for c := range k {
		z[c] = float64(b[c])
		for j := range d {
			z[c] += float64(w[c*d+j]) * float64(x[j])
		}
		zmax = math.Max(zmax, z[c])
	}
	var sum float64
	for c := range z {
		z[c] = math.Exp(z[c] - zmax)
		sum += z[c]
	}
	g := make([]float64, d)
	for c := range k {
		dz := z[c] / sum
		if c == label {
			dz--
		}
		for j := range d {
			g[j] += float64(w[c*d+j]) * dz
		}
	}
	return g
}

// FGSM on a linear model: x_adv = clip(x ± ε·sign(Wᵀ(p − e_label))), the
// gradient computed by hand, untargeted and targeted. The parameters end as
// they began: requiring grad, with no gradient.
func TestFGSMLinearClosedForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, k, d = 5, 3, 4
	m := &linearNet{L: nn.NewLinear(rng, d, k)}
	x := tensor.Uniform(rng, 0, 1, n, 1, 2, 2)
	x.Data()[0], x.Data()[1] = 0, 1 // pixels at the box's edges
	y := []int{0, 1, 2, 1, 0}
	const eps = 0.25
	w, b, xd := m.L.Weight.Data(), m.L.Bias.Data(), x.Data()
	for _, targeted := range []bool{false, true} {
		a := &FGSM{Model: m, Eps: eps, Targeted: targeted, Target: 2}
		got := a.Perturb(x, y)
		if got.RequiresGrad() || !got.IsLeaf() {
			t.Error("Perturb returned a tensor with a graph")
		}
		gd := got.Data()
		for i := range n {
			label, dir := y[i], 1.0
			if targeted {
				label, dir = 2, -1
			}
			g := linearInputGrad(w, b, xd[i*d:(i+1)*d], k, d, label)
			for j := range d {
				v := float64(xd[i*d+j]) + dir*eps*float64(signOf(float32(g[j])))
				want := math.Min(math.Max(v, 0), 1)
				if math.Abs(float64(gd[i*d+j])-want) > 1e-6 {
					t.Errorf("targeted=%v image %d pixel %d: got %v, want %v", targeted, i, j, gd[i*d+j], want)
				}
			}
		}
	}
	for _, p := range []*tensor.Tensor{m.L.Weight, m.L.Bias} {
		if !p.RequiresGrad() || p.Grad() != nil {
			t.Errorf("parameter after FGSM: requires grad %v, grad %v; want true, nil", p.RequiresGrad(), p.Grad())
		}
	}
}

// One PGD step of size ε from x is FGSM; several steps with a random start
// stay in the ε-ball and the [0, 1] box, and keep a frozen model frozen.
func TestPGDInvariantsLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := &linearNet{L: nn.NewLinear(rng, 16, 4)}
	x := tensor.Uniform(rng, 0, 1, 8, 1, 4, 4)
	y := []int{0, 1, 2, 3, 0, 1, 2, 3}
	const eps = 0.2
	fgsm := (&FGSM{Model: m, Eps: eps}).Perturb(x, y).Data()
	one := (&PGD{Model: m, Eps: eps, Step: eps, Steps: 1}).Perturb(x, y).Data()
	for i := range fgsm {
		if fgsm[i] != one[i] {
			t.Fatalf("pixel %d: one PGD step %v, FGSM %v", i, one[i], fgsm[i])
		}
	}
	nn.Freeze(m)
	for _, loss := range []AttackLoss{LossCrossEntropy, LossMargin} {
		for _, targeted := range []bool{false, true} {
			a := &PGD{Model: m, Eps: eps, Step: 0.05, Steps: 10, RandomStart: true, Rng: rng, Loss: loss, Kappa: 1, Targeted: targeted, Target: 1}
			checkBall(t, fmt.Sprintf("PGD %v targeted=%v", loss, targeted), x, a.Perturb(x, y), eps)
		}
	}
	if m.L.Weight.RequiresGrad() || m.L.Weight.Grad() != nil {
		t.Error("PGD unfroze the frozen model or left a gradient")
	}
}

// checkBall fails unless every pixel of adv is in [0, 1] and within eps of x.
func checkBall(t *testing.T, what string, x, adv *tensor.Tensor, eps float32) {
	t.Helper()
	xd, ad := x.Data(), adv.Data()
	for i := range xd {
		if ad[i] < 0 || ad[i] > 1 || math.Abs(float64(ad[i]-xd[i])) > float64(eps)+1e-6 {
			t.Fatalf("%s: pixel %d is %v, clean %v, ε %v", what, i, ad[i], xd[i], eps)
		}
	}
}

// On an MLP trained on MNIST, PGD (both losses) succeeds at least as often
// as FGSM with the same ε, all three far more than random signs, and
// targeted PGD reaches its target far more often than chance.
func TestPGDStrongerThanFGSM(t *testing.T) {
	_, test := loadMNIST(t)
	m := smallModel(t)
	eval := firstN(test, 500)
	const eps = 0.1
	rng := rand.New(rand.NewPCG(5, 6))
	attacks := []struct {
		name string
		a    Attack
	}{
		{"random", &RandomSign{Eps: eps, Rng: rng}},
		{"FGSM", &FGSM{Model: m, Eps: eps}},
		{"PGD", &PGD{Model: m, Eps: eps, Steps: 20, RandomStart: true, Rng: rng}},
		{"PGD-margin", &PGD{Model: m, Eps: eps, Steps: 20, Loss: LossMargin, Kappa: 10}},
	}
	asr := map[string]float64{}
	for _, c := range attacks {
		r := Evaluate(m, c.a, eval, 250, -1)
		asr[c.name] = r.SuccessRate
		t.Logf("%-10s ε=%.1f: success %.3f (clean accuracy %.3f), max L∞ %.4f", c.name, eps, r.SuccessRate, r.CleanAccuracy, r.MaxLinf)
		if r.MaxLinf > eps+1e-6 {
			t.Errorf("%s: max L∞ %v > ε", c.name, r.MaxLinf)
		}
	}
	for _, name := range []string{"PGD", "PGD-margin"} {
		if asr[name] < asr["FGSM"] {
			t.Errorf("%s success %.3f < FGSM %.3f", name, asr[name], asr["FGSM"])
		}
	}
	if asr["FGSM"] < asr["random"]+0.2 {
		t.Errorf("FGSM success %.3f, random signs %.3f: want FGSM far ahead", asr["FGSM"], asr["random"])
	}

	const target = 3
	for _, c := range []struct {
		name string
		a    Attack
	}{
		{"FGSM", &FGSM{Model: m, Eps: 0.2, Targeted: true, Target: target}},
		{"PGD", &PGD{Model: m, Eps: 0.2, Steps: 20, Targeted: true, Target: target}},
	} {
		r := Evaluate(m, c.a, eval, 250, target)
		t.Logf("targeted %s ε=0.2 → %d: success %.3f", c.name, target, r.SuccessRate)
		if r.SuccessRate < 0.2 {
			t.Errorf("targeted %s: success %.3f, want well above chance (0.1)", c.name, r.SuccessRate)
		}
	}
}

// FGSM on a two-pixel linear classifier: class 0 scores 0 and class 1
// scores x₀ − x₁, so the gradient of the cross-entropy for label 1 points
// along (−1, 1) and the attack moves each pixel by ε that way.
func ExampleFGSM() {
	model := &linearNet{L: &nn.Linear{
		Weight: tensor.New([]float32{0, 0, 1, -1}, 2, 2),
		Bias:   tensor.Zeros(2),
	}}
	x := tensor.New([]float32{0.6, 0.4}, 1, 1, 1, 2)
	y := []int{1}
	adv := (&FGSM{Model: model, Eps: 0.3}).Perturb(x, y)
	fmt.Printf("clean %.1f → class %d\n", x.Data(), Predict(model, x)[0])
	fmt.Printf("adversarial %.1f → class %d\n", adv.Data(), Predict(model, adv)[0])
	// Output:
	// clean [0.6 0.4] → class 1
	// adversarial [0.3 0.7] → class 0
}

// baselineModelC is Model C with the formula weights of the fixture f, in
// evaluation mode.
func baselineModelC(t *testing.T, f *torchfix.Fixture) *ModelC {
	t.Helper()
	var meta struct {
		Names  []string `json:"names"`
		Shapes [][]int  `json:"shapes"`
	}
	f.MetaValue(t, "names", &meta.Names)
	f.MetaValue(t, "shapes", &meta.Shapes)
	m := NewModelC(rand.New(rand.NewPCG(1, 1)))
	state := map[string]*tensor.Tensor{}
	for k, n := range meta.Names {
		state[n] = fillParams(k, meta.Shapes[k])
	}
	if err := nn.LoadState(m, state); err != nil {
		t.Fatal(err)
	}
	nn.SetTraining(m, false)
	return m
}

// PyTorch parity of FGSM and PGD on Model C (testdata/baselines_torch.py).
// A signed step flips where a gradient entry is tiny and the two float32
// sums round differently, so a few pixels (at most 0.5%) may differ; the
// rest must match exactly.
func TestGradientAttacksTorchParity(t *testing.T) {
	f := torchfix.Load(t, "testdata/baselines_torch.json")
	m := baselineModelC(t, f)
	x, y := f.T(t, "x"), f.Ints(t, "y")
	const eps = 0.1
	cases := []struct {
		name string
		a    Attack
	}{
		{"fgsm", &FGSM{Model: m, Eps: eps}},
		{"fgsm_t", &FGSM{Model: m, Eps: eps, Targeted: true, Target: 3}},
		{"pgd", &PGD{Model: m, Eps: eps, Step: 0.03, Steps: 5}},
		{"pgd_margin", &PGD{Model: m, Eps: eps, Step: 0.03, Steps: 5, Loss: LossMargin, Kappa: 1}},
	}
	for _, c := range cases {
		got, want := c.a.Perturb(x, y).Data(), f.T(t, c.name).Data()
		diff := 0
		for i := range got {
			if math.Abs(float64(got[i]-want[i])) > 1e-6 {
				diff++
			}
		}
		t.Logf("%s: %d of %d pixels differ from PyTorch", c.name, diff, len(got))
		if diff > len(got)/200 {
			t.Errorf("%s: %d of %d pixels differ from PyTorch", c.name, diff, len(got))
		}
	}
}
