package attack

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// DiscriminatorLoss is the least squares GAN loss of the discriminator,
// mean((D(x) − 1)²) + mean(D(x_A)²), from its scores onReal on clean
// images and onFake on adversarial ones (each of shape (N), or any shape:
// the means run over every element). It is 0 when D gives 1 to every real
// image and 0 to every fake one.
func DiscriminatorLoss(onReal, onFake *tensor.Tensor) *tensor.Tensor {
	r := onReal.AddScalar(-1)
	return r.Mul(r).MeanAll().Add(onFake.Mul(onFake).MeanAll())
}

// GeneratorGANLoss is the least squares GAN term of the generator,
// mean((D(x_A) − 1)²), from the discriminator's scores onFake on
// adversarial images: the generator wants them taken for real. A score of
// 0.5 everywhere gives 0.25.
func GeneratorGANLoss(onFake *tensor.Tensor) *tensor.Tensor {
	f := onFake.AddScalar(-1)
	return f.Mul(f).MeanAll()
}

// Hinge is AdvGAN's soft bound on the size of the perturbation,
// mean_i max(0, ‖δ_i‖₂ − c), where δ_i is example i of delta (N, ...).
// It is 0, with zero gradient, for every example whose L2 norm is at most c.
// With c = 0 it is L2Penalty.
func Hinge(delta *tensor.Tensor, c float32) *tensor.Tensor {
	if c < 0 {
		panic(fmt.Sprintf("attack.Hinge: bound %v, want ≥ 0", c))
	}
	return ganL2Norms(delta).AddScalar(-c).ReLU().MeanAll()
}

// L2Penalty is the mean L2 norm of the examples of delta (N, ...),
// mean_i ‖δ_i‖₂: the perturbation penalty of the public AdvGAN
// reimplementations. The gradient of a zero perturbation is taken as 0.
func L2Penalty(delta *tensor.Tensor) *tensor.Tensor {
	return ganL2Norms(delta).MeanAll()
}

// ganL2Norms returns the L2 norm of each example of delta (N, ...), shape
// (N), accumulated in float64; the gradient of a zero norm is 0 (the
// subgradient PyTorch's norm uses), not NaN.
func ganL2Norms(delta *tensor.Tensor) *tensor.Tensor {
	if delta.NDim() < 1 || delta.Dim(0) == 0 {
		panic(fmt.Sprintf("attack: perturbation of shape %v, want (N, ...) with N ≥ 1", delta.Shape()))
	}
	n := delta.Dim(0)
	per := delta.Size() / n
	d := delta.Data()
	norms := make([]float32, n)
	for i := range n {
		var s float64
		for _, v := range d[i*per : (i+1)*per] {
			s += float64(v) * float64(v)
		}
		norms[i] = float32(math.Sqrt(s))
	}
	value := tensor.New(norms, n)
	return tensor.Custom(value, func(g *tensor.Tensor) []*tensor.Tensor {
		gd := g.Data()
		out := make([]float32, len(d))
		for i := range n {
			if norms[i] == 0 {
				continue
			}
			k := gd[i] / norms[i]
			for j := i * per; j < (i+1)*per; j++ {
				out[j] = k * d[j]
			}
		}
		return []*tensor.Tensor{tensor.New(out, delta.Shape()...)}
	}, delta)
}

// AdvGANConfig holds AdvGAN's loss weights, bound and training settings.
// DefaultAdvGANConfig gives the recommended values; fields are used as
// given, so start from it.
//
// The generator minimises
//
//	L = AdvWeight·Σ_batch ℓ_f(x_A) + Alpha·L_GAN + Beta·mean_i max(0, ‖G(x_i)‖₂ − C)
//
// where ℓ_f is Margin on the target's logits (or probabilities, with
// OnProbs), summed over the batch as the reimplementations do, and L_GAN
// is GeneratorGANLoss. The perturbation term is taken on the raw generator
// output G(x), before any clipping (mathcbc's choice), so it still pulls
// saturated pixels back; with C = 0 it is L2Penalty.
type AdvGANConfig struct {
	// Eps > 0 selects the hard L∞ mode of the public reimplementations and
	// the MNIST challenge: δ = clip(G(x), −Eps, Eps), x_A = clip(x + δ, 0, 1).
	// Eps = 0 selects the paper's soft mode, x_A = clip(x + G(x), 0, 1),
	// where only the hinge keeps the perturbation small. Default 0.3.
	Eps float32
	// C is the hinge's bound on ‖G(x)‖₂ per image. Default 0 (the plain
	// mean L2 penalty, as with the hard bound in mathcbc).
	C float32
	// Alpha weighs the GAN term (default 1). Alpha = 0 trains no
	// discriminator at all.
	Alpha float64
	// Beta weighs the perturbation term (default 1).
	Beta float64
	// AdvWeight is λ_adv, the weight of the batch sum of the adversarial
	// loss (default 10).
	AdvWeight float64
	// Kappa is the confidence margin κ ≥ 0 of Margin (default 0).
	Kappa float32
	// Targeted asks for class Target on every image instead of any wrong
	// class.
	Targeted bool
	Target   int
	// OnProbs applies the margin loss to softmax probabilities, as the
	// public reimplementations do, instead of to logits (the C&W loss and
	// the default).
	OnProbs bool
	// LR is the Adam learning rate of G and D (default 1e-3, betas 0.9,
	// 0.999).
	LR float64
	// LRAt, if not nil, gives the learning rate of each epoch (counted from
	// 0 within one call of Train) in place of LR, for example mathcbc's
	// 1e-3, then 1e-4 from epoch 50 and 1e-5 from epoch 80.
	LRAt func(epoch int) float64
	// Batch is the minibatch size (default 128) and Epochs the number of
	// passes over the training set per call of Train (default 1). MaxSteps
	// > 0 stops a call of Train after that many batches.
	Batch    int
	Epochs   int
	MaxSteps int
	// Progress, if not nil, is called after every batch.
	Progress func(AdvGANProgress)
}

// DefaultAdvGANConfig returns the spec's recommended configuration: ε =
// 0.3 L∞ clip, the margin on logits with κ = 0, λ_adv = 10 on the batch
// sum, α = 1, β = 1 on the mean L2 norm (C = 0), Adam 1e-3, batch 128,
// one epoch, untargeted.
func DefaultAdvGANConfig() AdvGANConfig {
	return AdvGANConfig{Eps: 0.3, Alpha: 1, Beta: 1, AdvWeight: 10, LR: 1e-3, Batch: 128, Epochs: 1}
}

func (c *AdvGANConfig) validate() error {
	bad := func(f string, args ...any) error { return fmt.Errorf("attack: AdvGAN config: "+f, args...) }
	switch {
	case !(c.Eps >= 0) || math.IsInf(float64(c.Eps), 0):
		return bad("Eps %v, want a finite value ≥ 0", c.Eps)
	case !(c.C >= 0) || math.IsInf(float64(c.C), 0):
		return bad("C %v, want a finite value ≥ 0", c.C)
	case !(c.Alpha >= 0), !(c.Beta >= 0), !(c.AdvWeight > 0):
		return bad("weights Alpha %v, Beta %v, AdvWeight %v: want Alpha, Beta ≥ 0 and AdvWeight > 0", c.Alpha, c.Beta, c.AdvWeight)
	case !(c.Kappa >= 0):
		return bad("Kappa %v, want ≥ 0", c.Kappa)
	case c.LRAt == nil && !(c.LR > 0):
		return bad("LR %v, want > 0", c.LR)
	case c.Batch < 1:
		return bad("Batch %d, want ≥ 1", c.Batch)
	case c.Epochs < 1:
		return bad("Epochs %d, want ≥ 1", c.Epochs)
	case c.MaxSteps < 0:
		return bad("MaxSteps %d, want ≥ 0", c.MaxSteps)
	case c.Targeted && c.Target < 0:
		return bad("Target %d, want a class ≥ 0", c.Target)
	}
	return nil
}

// AdvGANProgress reports one training batch of AdvGAN. Watch Success, not
// LossG: as users of the reimplementations report, the discriminator
// tends to win (LossD near 0, LossGAN near 1) while the attack still
// improves, and in the hard mode the generator can sit at a low success
// rate for tens of batches while its raw output grows beyond ±Eps, where
// the clip passes no gradient, before it breaks out.
type AdvGANProgress struct {
	// Epoch counts from 0 within a call of Train; Step counts the batches
	// the generator has been trained on, over every call.
	Epoch, Step int
	// LossD is the discriminator's loss (0 when Alpha = 0); LossGAN,
	// LossAdv (the batch sum of the margin loss, before AdvWeight) and
	// LossPert are the generator's terms and LossG their weighted sum.
	LossD, LossGAN, LossAdv, LossPert, LossG float64
	// Success is the fraction of the batch's adversarial images on which
	// the attack already succeeds against the target.
	Success float64
}

// AdvGAN is the attack of Xiao et al. (IJCAI 2018): a generator G trained,
// against a discriminator D and a target classifier, to map an image x to
// a perturbation, so that x_A = x + G(x) fools the target. Once trained it
// is an Attack that makes adversarial examples with one forward pass of G,
// without access to the target (the semi-whitebox setting):
//
//	nn.SetTraining(target, false)
//	a := attack.NewAdvGAN(rng, 1, attack.DefaultAdvGANConfig())
//	if err := a.Train(ctx, target, train, rng); err != nil { ... }
//	r := attack.Evaluate(target, a, test, 256, -1) // r.SuccessRate
//
// TrainBlackBox trains it against a model known only through queries.
//
// An AdvGAN is not safe for concurrent use. Save and load the generator
// with nn.Save(path, a.G) and nn.Load(path, g); an AdvGAN made of a loaded
// generator and the Config it was trained with (only Eps matters to
// Perturb) attacks as the original.
type AdvGAN struct {
	Config AdvGANConfig
	G      *Generator
	D      *Discriminator

	optG, optD *optim.Adam
	steps      int
}

var _ Attack = (*AdvGAN)(nil)

// NewAdvGAN returns an untrained AdvGAN for 28×28 images with the given
// number of channels (1 for MNIST), its networks drawn from rng.
func NewAdvGAN(rng *rand.Rand, channels int, cfg AdvGANConfig) *AdvGAN {
	return &AdvGAN{Config: cfg, G: NewGenerator(rng, channels), D: NewDiscriminator(rng, channels)}
}

// Train trains the generator and the discriminator against target on the
// images of train (N, C, 28, 28) with values in [0, 1], for Config.Epochs
// epochs of minibatches drawn with rng: per batch one Adam step of D on
// DiscriminatorLoss, then one of G on the AdvGAN loss. The labels of train
// are the true classes (needed untargeted; ignored targeted).
//
// The target is only differentiated, never updated: pass it in evaluation
// mode (nn.SetTraining(target, false)), or its dropout makes the attack
// chase noise. Train freezes its parameters while it runs, so that no
// gradient is computed for them, and restores them afterwards.
//
// Calling Train again continues training (the optimizers keep their
// state). Train returns an error for a bad configuration or data set, when
// a loss is not finite (the update of the network whose loss it is is
// skipped) and when ctx is cancelled (with ctx's error); the batches
// trained before stay trained. It leaves G in evaluation mode.
func (a *AdvGAN) Train(ctx context.Context, target Classifier, train *data.Dataset, rng *rand.Rand) error {
	cfg := a.Config
	if err := cfg.validate(); err != nil {
		return err
	}
	if a.G == nil || (a.D == nil && cfg.Alpha != 0) {
		return errors.New("attack: AdvGAN.Train: no generator or discriminator (make one with NewAdvGAN)")
	}
	if train == nil || train.Len() == 0 {
		return errors.New("attack: AdvGAN.Train: empty training set")
	}
	c := a.G.Enc1.Weight.Dim(1)
	if s := train.ExampleShape(); len(s) != 3 || s[0] != c || s[1] != 28 || s[2] != 28 {
		return fmt.Errorf("attack: AdvGAN.Train: images of shape %v, want (%d, 28, 28)", s, c)
	}
	if !cfg.Targeted && train.Y == nil {
		return errors.New("attack: AdvGAN.Train: an untargeted attack needs the true labels")
	}
	restore := nn.Freeze(target)
	defer restore()
	nn.SetTraining(a.G, true)
	defer nn.SetTraining(a.G, false)
	if a.optG == nil {
		a.optG = optim.NewAdam(nn.Params(a.G), cfg.LR)
	}
	if cfg.Alpha != 0 {
		nn.SetTraining(a.D, true)
		if a.optD == nil {
			a.optD = optim.NewAdam(nn.Params(a.D), cfg.LR)
		}
	}
	steps := 0
	for epoch := range cfg.Epochs {
		lr := cfg.LR
		if cfg.LRAt != nil {
			lr = cfg.LRAt(epoch)
			if !(lr > 0) {
				return fmt.Errorf("attack: AdvGAN.Train: LRAt(%d) = %v, want > 0", epoch, lr)
			}
		}
		a.optG.SetLR(lr)
		if a.optD != nil {
			a.optD.SetLR(lr)
		}
		for b := range train.Batches(cfg.Batch, rng) {
			if err := ctx.Err(); err != nil {
				return err
			}
			p, err := a.step(target, b.X, ganLabels(cfg, b.Y, len(b.Index)))
			if err != nil {
				return err
			}
			a.steps++
			steps++
			if cfg.Progress != nil {
				p.Epoch, p.Step = epoch, a.steps
				cfg.Progress(p)
			}
			if cfg.MaxSteps > 0 && steps >= cfg.MaxSteps {
				return nil
			}
		}
	}
	return nil
}

// ganLabels returns the labels the margin loss is taken against: the true
// classes untargeted, the target class for every image targeted.
func ganLabels(cfg AdvGANConfig, y []int, n int) []int {
	if !cfg.Targeted {
		return y
	}
	t := make([]int, n)
	for i := range t {
		t[i] = cfg.Target
	}
	return t
}

// step trains D then G on one batch.
func (a *AdvGAN) step(target Classifier, x *tensor.Tensor, labels []int) (AdvGANProgress, error) {
	cfg := a.Config
	var p AdvGANProgress
	raw := a.G.Forward(x)
	xa := a.apply(x, raw)

	if cfg.Alpha != 0 {
		a.optD.ZeroGrad()
		lossD := DiscriminatorLoss(a.D.Forward(x), a.D.Forward(xa.Detach()))
		p.LossD = float64(lossD.Item())
		if !ganFinite(p.LossD) {
			return p, fmt.Errorf("attack: AdvGAN.Train: discriminator loss %v at step %d", p.LossD, a.steps)
		}
		lossD.Backward()
		a.optD.Step()
	}

	a.optG.ZeroGrad()
	logits := target.Forward(xa)
	if s := logits.Shape(); len(s) != 2 || s[0] != len(labels) {
		panic(fmt.Sprintf("attack: AdvGAN.Train: target returned logits of shape %v for %d images, want (%d, classes)", s, len(labels), len(labels)))
	}
	if cfg.Targeted && cfg.Target >= logits.Dim(1) {
		panic(fmt.Sprintf("attack: AdvGAN.Train: target class %d, but the model has %d classes", cfg.Target, logits.Dim(1)))
	}
	p.Success = ganSuccess(logits, labels, cfg.Targeted)
	scores := logits
	if cfg.OnProbs {
		scores = logits.Softmax(1)
	}
	adv := Margin(scores, labels, cfg.Targeted, cfg.Kappa).SumAll()
	pert := Hinge(raw, cfg.C)
	loss := adv.MulScalar(float32(cfg.AdvWeight)).Add(pert.MulScalar(float32(cfg.Beta)))
	if cfg.Alpha != 0 {
		restoreD := nn.Freeze(a.D) // gradients flow through D into x_A only
		defer restoreD()
		gan := GeneratorGANLoss(a.D.Forward(xa))
		p.LossGAN = float64(gan.Item())
		loss = loss.Add(gan.MulScalar(float32(cfg.Alpha)))
	}
	p.LossAdv, p.LossPert, p.LossG = float64(adv.Item()), float64(pert.Item()), float64(loss.Item())
	if !ganFinite(p.LossG) {
		return p, fmt.Errorf("attack: AdvGAN.Train: generator loss %v at step %d (adv %v, GAN %v, perturbation %v)", p.LossG, a.steps, p.LossAdv, p.LossGAN, p.LossPert)
	}
	loss.Backward()
	a.optG.Step()
	return p, nil
}

// apply returns x_A for images x and the raw generator output raw.
func (a *AdvGAN) apply(x, raw *tensor.Tensor) *tensor.Tensor {
	delta := raw
	if eps := a.Config.Eps; eps > 0 {
		delta = raw.Clamp(-eps, eps)
	}
	return x.Add(delta).Clamp(0, 1)
}

// perturbChunk bounds the images Perturb sends through G at once.
const perturbChunk = 256

// Perturb implements Attack: x_A = clip(x + clip(G(x), −ε, ε), 0, 1) (no
// inner clip when Config.Eps is 0), one forward pass of the generator in
// evaluation mode, with no access to any target model; y is ignored. It
// records no graph and switches G to evaluation mode.
func (a *AdvGAN) Perturb(x *tensor.Tensor, _ []int) *tensor.Tensor {
	if a.G == nil {
		panic("attack: AdvGAN.Perturb: no generator")
	}
	restore := nn.Freeze(a.G)
	defer restore()
	nn.SetTraining(a.G, false)
	x = x.Detach()
	n := x.Dim(0)
	if n <= perturbChunk {
		return a.apply(x, a.G.Forward(x))
	}
	out := tensor.Zeros(x.Shape()...)
	per := x.Size() / n
	for i := 0; i < n; i += perturbChunk {
		m := min(perturbChunk, n-i)
		xi := x.Narrow(0, i, m)
		copy(out.Data()[i*per:], a.apply(xi, a.G.Forward(xi)).Data())
	}
	return out
}

// ganSuccess is the fraction of rows of logits whose argmax differs from
// the label (untargeted) or equals it (targeted).
func ganSuccess(logits *tensor.Tensor, labels []int, targeted bool) float64 {
	if len(labels) == 0 {
		return 0
	}
	pred := logits.Detach().Argmax(1, false).Ints()
	ok := 0
	for i, p := range pred {
		if (p == labels[i]) == targeted {
			ok++
		}
	}
	return float64(ok) / float64(len(labels))
}

func ganFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
