package attack

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// The spec's oracle 2: below the bound the hinge is 0 with zero gradient;
// at ‖δ‖₂ = c + 1 it is 1.
func TestHingeValues(t *testing.T) {
	// Example norms 0.5 (inside c = 4) and 5 (= c + 1).
	delta := tensor.New([]float32{0.3, 0.4, 0, 0, 3, 0, 0, 4}, 2, 1, 2, 2)
	got := Hinge(delta, 4).Item()
	if got != 0.5 { // mean of 0 and 1
		t.Errorf("Hinge of norms 0.5 and 5 at c=4 = %v, want 0.5", got)
	}
	one := tensor.New([]float32{3, 0, 0, 4}, 1, 1, 2, 2)
	if got := Hinge(one, 4).Item(); got != 1 {
		t.Errorf("Hinge at ‖δ‖ = c+1 = %v, want 1", got)
	}
	inside := tensor.New([]float32{0.3, -0.4, 0.1, 0}, 1, 4).SetRequiresGrad(true)
	loss := Hinge(inside, 1)
	loss.Backward()
	if loss.Item() != 0 {
		t.Errorf("Hinge inside the bound = %v, want 0", loss.Item())
	}
	for _, g := range inside.Grad().Data() {
		if g != 0 {
			t.Fatalf("gradient inside the bound %v, want 0", inside.Grad().Data())
		}
	}
	// L2Penalty is the mean norm; a zero perturbation has gradient 0, not NaN.
	if got := L2Penalty(delta).Item(); math.Abs(float64(got)-2.75) > 1e-6 {
		t.Errorf("L2Penalty = %v, want 2.75", got)
	}
	zero := tensor.Zeros(2, 3).SetRequiresGrad(true)
	L2Penalty(zero).Backward()
	for _, g := range zero.Grad().Data() {
		if g != 0 {
			t.Fatalf("L2Penalty gradient at 0 = %v, want 0", zero.Grad().Data())
		}
	}
	ganPanics(t, "attack.Hinge: bound -1", func() { Hinge(delta, -1) })
}

// The spec's oracle 3.
func TestLSGANValues(t *testing.T) {
	if got := DiscriminatorLoss(tensor.Ones(4), tensor.Zeros(4)).Item(); got != 0 {
		t.Errorf("L_D with D = 1 on real, 0 on fake = %v, want 0", got)
	}
	if got := GeneratorGANLoss(tensor.Full(0.5, 4)).Item(); got != 0.25 {
		t.Errorf("L_G_GAN with D(x_A) = 0.5 = %v, want 0.25", got)
	}
	// Hand-computed: real [0, 2] → ((−1)² + 1²)/2 = 1; fake [1, 3] → (1 + 9)/2 = 5.
	if got := DiscriminatorLoss(tensor.New([]float32{0, 2}, 2), tensor.New([]float32{1, 3}, 2)).Item(); got != 6 {
		t.Errorf("L_D = %v, want 6", got)
	}
	if got := GeneratorGANLoss(tensor.New([]float32{1, 3}, 2)).Item(); got != 2 {
		t.Errorf("L_G_GAN = %v, want 2", got)
	}
}

func TestGANLossGrads(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 4))
	// Norms near 2 ± 1; c = 1.3 keeps them away from the kink.
	delta := tensor.Randn(rng, 5, 2, 2)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return Hinge(in[0], 1.3) }, delta)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return L2Penalty(in[0]) }, delta)
	real, fake := tensor.Randn(rng, 6), tensor.Randn(rng, 6)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return DiscriminatorLoss(in[0], in[1]) }, real, fake)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return GeneratorGANLoss(in[0]) }, fake)
}

// The generator's whole objective, as a function of its raw output, through
// the clips and a linear classifier: the gradient that reaches G is right.
func TestAdvGANObjectiveGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 5))
	lin := nn.NewLinear(rng, 16, 4)
	nn.Freeze(lin)
	x := tensor.Uniform(rng, 0.35, 0.65, 3, 1, 4, 4)
	raw := tensor.Uniform(rng, -0.25, 0.25, 3, 1, 4, 4) // inside ±ε, x + raw inside [0, 1]
	for _, targeted := range []bool{false, true} {
		a := &AdvGAN{Config: DefaultAdvGANConfig()}
		labels := []int{0, 2, 3}
		f := func(in ...*tensor.Tensor) *tensor.Tensor {
			logits := lin.Forward(a.apply(x, in[0]).Flatten(1))
			adv := Margin(logits, labels, targeted, 50).SumAll() // κ = 50: off the floor's kink
			return adv.MulScalar(10).Add(Hinge(in[0], 0.2))
		}
		tensortest.GradCheck(t, f, raw)
	}
}

// The spec's oracle 4: ‖x_A − x‖∞ ≤ ε and 0 ≤ x_A ≤ 1, in training's
// forward pass and in Perturb, with a generator pushed to saturate.
func TestAdvGANBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	a := NewAdvGAN(rng, 1, DefaultAdvGANConfig())
	for i, v := range a.G.Dec3.Weight.Data() {
		a.G.Dec3.Weight.Data()[i] = v * 50 // tanh output near ±1
	}
	x := tensor.Uniform(rng, 0, 1, 300, 1, 28, 28) // more than one Perturb chunk
	check := func(what string, x, xa *tensor.Tensor, eps float32) {
		t.Helper()
		if !slices.Equal(xa.Shape(), x.Shape()) {
			t.Fatalf("%s: shape %v, want %v", what, xa.Shape(), x.Shape())
		}
		var maxd float32
		for i, v := range xa.Data() {
			if v < 0 || v > 1 {
				t.Fatalf("%s: pixel %d = %v outside [0, 1]", what, i, v)
			}
			maxd = max(maxd, float32(math.Abs(float64(v-x.Data()[i]))))
		}
		if eps > 0 && maxd > eps+1e-7 {
			t.Fatalf("%s: ‖x_A − x‖∞ = %v > ε = %v", what, maxd, eps)
		}
		if maxd < min(0.2, 0.9*eps) || (eps == 0 && maxd < 0.2) {
			t.Fatalf("%s: ‖x_A − x‖∞ = %v, the generator does not saturate; the test proves nothing", what, maxd)
		}
	}
	check("Perturb", x, a.Perturb(x, nil), 0.3)
	// Perturb in chunks equals Perturb of each chunk.
	xa := a.Perturb(x, nil)
	part := a.Perturb(x.Narrow(0, 260, 40), nil)
	if !slices.Equal(xa.Narrow(0, 260, 40).Data(), part.Data()) {
		t.Error("Perturb of 300 images differs from Perturb of its last 40")
	}
	if xa.RequiresGrad() {
		t.Error("Perturb recorded a graph")
	}
	nn.SetTraining(a.G, true)
	x64 := x.Narrow(0, 0, 64)
	check("training forward", x64, a.apply(x64, a.G.Forward(x64)), 0.3)
	a.Config.Eps = 0.1
	check("Perturb ε=0.1", x, a.Perturb(x, nil), 0.1)
	a.Config.Eps = 0 // soft mode: only [0, 1]
	check("soft mode", x, a.Perturb(x, nil), 0)
}

// A generator saved with nn.Save and loaded with nn.Load attacks as the
// original.
func TestAdvGANSaveLoad(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	a := NewAdvGAN(rng, 1, DefaultAdvGANConfig())
	// Move the BatchNorm running statistics off their defaults.
	nn.SetTraining(a.G, true)
	a.G.Forward(tensor.Uniform(rng, 0, 1, 8, 1, 28, 28))
	path := filepath.Join(t.TempDir(), "g.safetensors")
	if err := nn.Save(path, a.G); err != nil {
		t.Fatal(err)
	}
	g := NewGenerator(rand.New(rand.NewPCG(9, 9)), 1)
	if err := nn.Load(path, g); err != nil {
		t.Fatal(err)
	}
	b := &AdvGAN{Config: a.Config, G: g}
	x := tensor.Uniform(rng, 0, 1, 5, 1, 28, 28)
	if !slices.Equal(a.Perturb(x, nil).Data(), b.Perturb(x, nil).Data()) {
		t.Error("the loaded generator perturbs differently")
	}
}

// ganFuncModel is a Classifier made of a function.
type ganFuncModel func(x *tensor.Tensor) *tensor.Tensor

func (f ganFuncModel) Forward(x *tensor.Tensor) *tensor.Tensor { return f(x) }

func TestAdvGANTrainErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 8))
	target := newGANMLP(rng, 8)
	ds := data.NewDataset(tensor.Uniform(rng, 0, 1, 8, 1, 28, 28), []int{0, 1, 2, 3, 4, 5, 6, 7})
	newGAN := func(mod func(*AdvGANConfig)) *AdvGAN {
		cfg := DefaultAdvGANConfig()
		cfg.Batch = 4
		mod(&cfg)
		return NewAdvGAN(rand.New(rand.NewPCG(1, 1)), 1, cfg)
	}
	ctx := context.Background()

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := newGAN(func(*AdvGANConfig) {}).Train(cancelled, target, ds, rng); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error %v, want context.Canceled", err)
	}
	nanModel := ganFuncModel(func(x *tensor.Tensor) *tensor.Tensor {
		return tensor.Full(float32(math.NaN()), x.Dim(0), 10)
	})
	if err := newGAN(func(*AdvGANConfig) {}).Train(ctx, nanModel, ds, rng); err == nil || !strings.Contains(err.Error(), "generator loss NaN") {
		t.Errorf("NaN logits: error %v, want one about a NaN generator loss", err)
	}
	for name, mod := range map[string]func(*AdvGANConfig){
		"Eps":       func(c *AdvGANConfig) { c.Eps = -0.1 },
		"C":         func(c *AdvGANConfig) { c.C = float32(math.NaN()) },
		"AdvWeight": func(c *AdvGANConfig) { c.AdvWeight = 0 },
		"Kappa":     func(c *AdvGANConfig) { c.Kappa = -1 },
		"LR":        func(c *AdvGANConfig) { c.LR = 0 },
		"Batch":     func(c *AdvGANConfig) { c.Batch = 0 },
		"Epochs":    func(c *AdvGANConfig) { c.Epochs = 0 },
		"Target":    func(c *AdvGANConfig) { c.Targeted, c.Target = true, -1 },
	} {
		if err := newGAN(mod).Train(ctx, target, ds, rng); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("bad %s: error %v", name, err)
		}
	}
	if err := newGAN(func(*AdvGANConfig) {}).Train(ctx, target, data.NewDataset(ds.X, nil), rng); err == nil {
		t.Error("untargeted without labels: no error")
	}
	if err := newGAN(func(*AdvGANConfig) {}).Train(ctx, target, data.NewDataset(tensor.Zeros(4, 1, 32, 32), []int{0, 0, 0, 0}), rng); err == nil {
		t.Error("32×32 images: no error")
	}

	// A good run (soft mode, margin on probabilities): MaxSteps, progress,
	// the target's parameters unfrozen after, and the discriminator
	// skipped with Alpha = 0.
	var steps []AdvGANProgress
	a := newGAN(func(c *AdvGANConfig) {
		c.Epochs, c.MaxSteps, c.Alpha = 3, 3, 0
		c.Eps, c.C, c.OnProbs = 0, 3, true
		c.Progress = func(p AdvGANProgress) { steps = append(steps, p) }
	})
	before := append([]float32(nil), a.D.Conv1.Weight.Data()...)
	if err := a.Train(ctx, target, ds, rng); err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 || steps[2].Step != 3 || steps[2].Epoch != 1 || steps[2].LossD != 0 {
		t.Errorf("progress %+v, want 3 steps ending in epoch 1 with no D loss", steps)
	}
	for _, p := range steps {
		// On probabilities the batch sum of margins is at most the batch size.
		if p.LossAdv > 4 || p.LossAdv < -4 || p.LossPert <= 0 {
			t.Errorf("progress %+v: margin on probabilities out of [-4, 4] or no perturbation", p)
		}
	}
	if !slices.Equal(before, a.D.Conv1.Weight.Data()) {
		t.Error("Alpha = 0 trained the discriminator")
	}
	for _, p := range nn.StateDict(target) {
		if !p.Tensor.RequiresGrad() {
			t.Errorf("Train left the target's %s frozen", p.Name)
		}
		if p.Tensor.Grad() != nil {
			t.Errorf("Train computed gradients for the target's %s", p.Name)
		}
	}
}

// ganMLP is the small classifier of the integration tests.
type ganMLP struct {
	FC1 *nn.Linear
	FC2 *nn.Linear
}

func newGANMLP(rng *rand.Rand, hidden int) *ganMLP {
	return &ganMLP{FC1: nn.NewLinear(rng, 784, hidden), FC2: nn.NewLinear(rng, hidden, 10)}
}

func (m *ganMLP) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC2.Forward(m.FC1.Forward(x.Flatten(1)).ReLU())
}

// ganCNN is a small CNN classifier for the integration tests.
type ganCNN struct {
	Conv1 *nn.Conv2D
	Conv2 *nn.Conv2D
	FC    *nn.Linear
}

func newGANCNN(rng *rand.Rand) *ganCNN {
	return &ganCNN{Conv1: nn.NewConv2D(rng, 1, 8, 5), Conv2: nn.NewConv2D(rng, 8, 16, 5), FC: nn.NewLinear(rng, 256, 10)}
}

func (m *ganCNN) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := m.Conv1.Forward(x).ReLU().MaxPool2D(2)
	h = m.Conv2.Forward(h).ReLU().MaxPool2D(2)
	return m.FC.Forward(h.Flatten(1))
}

var ganMNISTOnce = sync.OnceValues(func() ([2]*data.Dataset, error) {
	dir, err := data.MNISTDir()
	if err != nil {
		return [2]*data.Dataset{}, err
	}
	train, test, err := data.LoadMNIST(dir)
	return [2]*data.Dataset{train, test}, err
})

// ganMNIST returns the first nTrain training and nTest test images of
// MNIST, or skips the test.
func ganMNIST(t testing.TB, nTrain, nTest int) (train, test *data.Dataset) {
	t.Helper()
	ds, err := ganMNISTOnce()
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	first := func(d *data.Dataset, n int) *data.Dataset {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return d.Subset(idx)
	}
	return first(ds[0], nTrain), first(ds[1], nTest)
}

// ganTrainClassifier trains a classifier with cross-entropy and returns it in
// evaluation mode.
func ganTrainClassifier(t testing.TB, m Classifier, train *data.Dataset, epochs int, rng *rand.Rand) {
	t.Helper()
	opt := optim.NewAdam(nn.Params(m), 2e-3)
	for range epochs {
		for b := range train.Batches(64, rng) {
			loss := nn.CrossEntropy(m.Forward(b.X), b.Y)
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
		}
	}
	nn.SetTraining(m, false)
}

// The integration oracle, scaled down: a few seconds of AdvGAN training
// against a small MLP make the untargeted success rate on held-out images
// far exceed random sign noise of the same L∞ size (spec oracles 7 and 8),
// and targeted training lifts the fraction labelled t above chance
// (oracle 9).
func TestAdvGANLearns(t *testing.T) {
	train, test := ganMNIST(t, 3000, 500)
	rng := rand.New(rand.NewPCG(6, 10))
	model := newGANCNN(rng)
	t0 := time.Now()
	ganTrainClassifier(t, model, train, 3, rng)
	t.Logf("classifier trained in %v", time.Since(t0))
	acc := Accuracy(model, test, 250)
	if acc < 0.85 {
		t.Fatalf("the target's clean accuracy is %.3f; want at least 0.85", acc)
	}
	noise := Evaluate(model, &RandomSign{Eps: 0.3, Rng: rand.New(rand.NewPCG(6, 11))}, test, 250, -1)

	cfg := DefaultAdvGANConfig()
	// Batches of 32: more steps in the time. A run can sit for tens of
	// steps at low success while G's output saturates beyond ±ε (the clip
	// then passes no gradient) before it breaks out; 60 steps leave room.
	cfg.Batch, cfg.MaxSteps = 32, 60
	a := NewAdvGAN(rng, 1, cfg)
	if err := a.Train(context.Background(), model, train, rng); err != nil {
		t.Fatal(err)
	}
	r := Evaluate(model, a, test, 250, -1)
	t.Logf("clean accuracy %.3f; untargeted ASR: AdvGAN %.3f, random sign %.3f; max L∞ %.3f",
		acc, r.SuccessRate, noise.SuccessRate, r.MaxLinf)
	if r.MaxLinf > 0.3+1e-6 {
		t.Errorf("max L∞ %v > 0.3", r.MaxLinf)
	}
	if r.SuccessRate < noise.SuccessRate+0.3 {
		t.Errorf("untargeted ASR %.3f, random sign %.3f: want AdvGAN at least 0.3 above", r.SuccessRate, noise.SuccessRate)
	}

	cfg.Targeted, cfg.Target, cfg.MaxSteps = true, 3, 30
	at := NewAdvGAN(rng, 1, cfg)
	if err := at.Train(context.Background(), model, train, rng); err != nil {
		t.Fatal(err)
	}
	rt := Evaluate(model, at, test, 250, 3)
	t.Logf("targeted t=3: fraction predicted 3 %.3f", rt.SuccessRate)
	if rt.SuccessRate < 0.3 {
		t.Errorf("targeted success %.3f, want well above chance (0.1)", rt.SuccessRate)
	}
}

func ganRange(lo, hi int) []int {
	idx := make([]int, hi-lo)
	for i := range idx {
		idx[i] = lo + i
	}
	return idx
}

// BenchmarkAdvGANTrain measures one AdvGAN training batch of 128 (one D
// step and one G step, ε = 0.3, against a small CNN), ns/op per batch:
//
//	GOMAXPROCS=2 go test ./attack -run '^$' -bench AdvGANTrain -benchtime 100x
func BenchmarkAdvGANTrain(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 30))
	target := newGANCNN(rng)
	nn.SetTraining(target, false)
	n := 1280
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(10)
	}
	ds := data.NewDataset(tensor.Uniform(rng, 0, 1, n, 1, 28, 28), y)
	cfg := DefaultAdvGANConfig()
	cfg.Epochs = b.N/10 + 1
	cfg.MaxSteps = b.N
	a := NewAdvGAN(rng, 1, cfg)
	b.ResetTimer()
	if err := a.Train(context.Background(), target, ds, rng); err != nil {
		b.Fatal(err)
	}
}

func ExampleHinge() {
	// Two perturbations with L2 norms 0.5 and 5, bound c = 4: the first is
	// inside the bound, the second exceeds it by 1.
	delta := tensor.New([]float32{0.3, 0.4, 0, 0, 3, 0, 0, 4}, 2, 4)
	fmt.Println(Hinge(delta, 4).Item(), L2Penalty(delta).Item())
	// Output: 0.5 2.75
}

func ExampleGeneratorGANLoss() {
	// A discriminator undecided about every adversarial image.
	fmt.Println(GeneratorGANLoss(tensor.Full(0.5, 3)).Item())
	// A perfect discriminator: 1 on real images, 0 on adversarial ones.
	fmt.Println(DiscriminatorLoss(tensor.Ones(3), tensor.Zeros(3)).Item())
	// Output:
	// 0.25
	// 0
}
