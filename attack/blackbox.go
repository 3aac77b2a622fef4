package attack

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// BlackBox is a model known only through its answers, the setting of
// AdvGAN's black-box attack: Query returns class probabilities (N, K) for a
// batch of images (N, C, H, W). It gives no logits and no gradients.
type BlackBox interface {
	Query(x *tensor.Tensor) *tensor.Tensor
}

// ModelBox makes a black box of a Classifier: Query returns the softmax of
// its logits, computed without a graph, and counts the images asked
// about. Put the model in evaluation mode first.
type ModelBox struct {
	Model Classifier
	// Queries is the number of images queried so far.
	Queries int
}

var _ BlackBox = (*ModelBox)(nil)

// Query implements BlackBox.
func (b *ModelBox) Query(x *tensor.Tensor) *tensor.Tensor {
	restore := nn.Freeze(b.Model)
	defer restore()
	b.Queries += x.Dim(0)
	return b.Model.Forward(x.Detach()).Detach().Softmax(1)
}

// boxClassifier lets Predict and Evaluate run on a black box: the argmax of
// the probabilities is the black box's class.
type boxClassifier struct{ box BlackBox }

func (c boxClassifier) Forward(x *tensor.Tensor) *tensor.Tensor { return c.box.Query(x) }

// DistillConfig sets how a local model is trained to imitate a black box:
// Adam with learning rate LR on minibatches of Batch for Epochs passes,
// minimising the cross-entropy H(b(x), f(x)) to the black box's
// probabilities, or to its predicted classes with HardLabels (for a black
// box that only reveals labels).
type DistillConfig struct {
	HardLabels bool
	Epochs     int
	LR         float64
	Batch      int
}

// DefaultDistillConfig returns soft labels, 5 epochs, Adam 1e-3, batch 128.
func DefaultDistillConfig() DistillConfig {
	return DistillConfig{Epochs: 5, LR: 1e-3, Batch: 128}
}

func (c *DistillConfig) validate() error {
	if c.Epochs < 1 || !(c.LR > 0) || c.Batch < 1 {
		return fmt.Errorf("attack: distillation config: Epochs %d, LR %v, Batch %d; want Epochs ≥ 1, LR > 0, Batch ≥ 1", c.Epochs, c.LR, c.Batch)
	}
	return nil
}

// Distill is static distillation: it trains local, a model whose
// parameters nn.Params finds, to imitate box on the images of train (their
// labels are not used). The black box is queried once per image, in
// batches of cfg.Batch, and its answers are reused every epoch. local is
// put in training mode while it trains and left in evaluation mode. It
// returns an error for a bad configuration, a non-finite loss, or when ctx
// is cancelled.
func Distill(ctx context.Context, local Classifier, box BlackBox, train *data.Dataset, cfg DistillConfig, rng *rand.Rand) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	if train == nil || train.Len() == 0 {
		return errors.New("attack: Distill: empty training set")
	}
	probs := ganQueryAll(box, train.X, cfg.Batch)
	opt, err := ganLocalOptimizer(local, cfg.LR)
	if err != nil {
		return err
	}
	return ganFit(ctx, local, opt, train.X, probs, cfg, cfg.Epochs, rng)
}

// Agreement is the fraction of the images of ds on which local and box
// predict the same class, in batches of batch.
func Agreement(local Classifier, box BlackBox, ds *data.Dataset, batch int) float64 {
	if batch < 1 {
		panic(fmt.Sprintf("attack.Agreement: batch %d, want at least 1", batch))
	}
	same, n := 0, 0
	for b := range ds.Batches(batch, nil) {
		pb := Predict(boxClassifier{box}, b.X)
		for i, p := range Predict(local, b.X) {
			if p == pb[i] {
				same++
			}
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(same) / float64(n)
}

// BlackBoxConfig configures AdvGAN's black-box attack with dynamic
// distillation (TrainBlackBox).
type BlackBoxConfig struct {
	// Distill sets the static distillation of the local model on clean
	// images, and the optimizer, labels and batch of its later updates.
	Distill DistillConfig
	// Rounds ≥ 1 is the number of generator trainings (each a call of
	// AdvGAN.Train: Config.Epochs epochs, or Config.MaxSteps batches). Between two of them the local model is
	// updated for UpdateEpochs epochs on the clean images and their
	// adversarial versions, labelled by the black box, so Rounds = 1 is
	// static distillation and Rounds = N the paper's N alternations.
	Rounds       int
	UpdateEpochs int
	// Test, if not nil, holds held-out labelled images on which every
	// round is measured for Progress: the local model's agreement with the
	// black box and the attack's success on the black box itself. These
	// queries are counted apart from the training queries.
	Test *data.Dataset
	// Progress, if not nil, is called after static distillation (Round 0)
	// and after each round's generator training.
	Progress func(BlackBoxProgress)
}

// DefaultBlackBoxConfig returns DefaultDistillConfig, 3 rounds and one
// epoch per update of the local model.
func DefaultBlackBoxConfig() BlackBoxConfig {
	return BlackBoxConfig{Distill: DefaultDistillConfig(), Rounds: 3, UpdateEpochs: 1}
}

// BlackBoxProgress reports one stage of TrainBlackBox.
type BlackBoxProgress struct {
	// Round is 0 after static distillation, then i after the i-th
	// generator training.
	Round int
	// Agreement is the fraction of the Test images on which the local
	// model (the one the generator was just trained against) and the
	// black box predict the same class.
	Agreement float64
	// OnBox is the attack measured on the black box over the Test images
	// (Evaluate with the black box's predictions): OnBox.SuccessRate is the
	// black-box attack success rate. Zero at Round 0.
	OnBox Report
	// Queries counts the images the black box was asked about for
	// training so far; EvalQueries those asked about for this report and
	// the earlier ones.
	Queries, EvalQueries int
}

// TrainBlackBox trains a's generator for the black-box attack with dynamic
// distillation (Xiao et al., §3.3). It distils local from box on the images
// of train (static distillation, cfg.Distill), then for each of cfg.Rounds
// rounds trains G and D against the fixed local model with a.Train and,
// between rounds, fixes G and updates local to minimise
// H(b(x), f(x)) + H(b(x + G(x)), f(x + G(x))) over train, querying box on
// the new adversarial images. The black box is only queried, never
// differentiated. local must be a model whose parameters nn.Params finds;
// it is left in evaluation mode. Errors are those of Distill and
// AdvGAN.Train.
func (a *AdvGAN) TrainBlackBox(ctx context.Context, box BlackBox, local Classifier, train *data.Dataset, cfg BlackBoxConfig, rng *rand.Rand) error {
	if err := cfg.Distill.validate(); err != nil {
		return err
	}
	if err := a.Config.validate(); err != nil {
		return err
	}
	if cfg.Rounds < 1 || (cfg.Rounds > 1 && cfg.UpdateEpochs < 1) {
		return fmt.Errorf("attack: TrainBlackBox: Rounds %d, UpdateEpochs %d; want Rounds ≥ 1 and UpdateEpochs ≥ 1", cfg.Rounds, cfg.UpdateEpochs)
	}
	if train == nil || train.Len() == 0 {
		return errors.New("attack: TrainBlackBox: empty training set")
	}
	target := -1
	if a.Config.Targeted {
		target = a.Config.Target
	}
	counter := &ganCountingBox{box: box}
	evalBox := &ganCountingBox{box: box}
	report := func(round int) {
		if cfg.Progress == nil {
			return
		}
		p := BlackBoxProgress{Round: round}
		if cfg.Test != nil {
			p.Agreement = Agreement(local, evalBox, cfg.Test, cfg.Distill.Batch)
			if round > 0 {
				p.OnBox = Evaluate(boxClassifier{evalBox}, a, cfg.Test, cfg.Distill.Batch, target)
			}
		}
		p.Queries, p.EvalQueries = counter.n, evalBox.n
		cfg.Progress(p)
	}

	// Static distillation.
	clean := ganQueryAll(counter, train.X, cfg.Distill.Batch)
	opt, err := ganLocalOptimizer(local, cfg.Distill.LR)
	if err != nil {
		return err
	}
	if err := ganFit(ctx, local, opt, train.X, clean, cfg.Distill, cfg.Distill.Epochs, rng); err != nil {
		return err
	}
	report(0)

	for round := 1; round <= cfg.Rounds; round++ {
		if err := a.Train(ctx, local, train, rng); err != nil {
			return err
		}
		report(round)
		if round == cfg.Rounds {
			break
		}
		// Fix G; query the black box on x + G(x) and update f on clean and
		// adversarial images together.
		adv := a.Perturb(train.X, nil)
		advProbs := ganQueryAll(counter, adv, cfg.Distill.Batch)
		x := tensor.Concat(0, train.X, adv)
		probs := tensor.Concat(0, clean, advProbs)
		if err := ganFit(ctx, local, opt, x, probs, cfg.Distill, cfg.UpdateEpochs, rng); err != nil {
			return err
		}
	}
	return nil
}

// ganCountingBox counts the images a black box is asked about.
type ganCountingBox struct {
	box BlackBox
	n   int
}

func (c *ganCountingBox) Query(x *tensor.Tensor) *tensor.Tensor {
	c.n += x.Dim(0)
	return c.box.Query(x)
}

// ganQueryAll asks box about every image of x, in batches, and returns its
// probabilities (N, K).
func ganQueryAll(box BlackBox, x *tensor.Tensor, batch int) *tensor.Tensor {
	n := x.Dim(0)
	var parts []*tensor.Tensor
	for i := 0; i < n; i += batch {
		xi := x.Narrow(0, i, min(batch, n-i)).Detach()
		p := box.Query(xi)
		if s := p.Shape(); len(s) != 2 || s[0] != xi.Dim(0) {
			panic(fmt.Sprintf("attack: black box answered %d images with shape %v, want (%d, classes)", xi.Dim(0), s, xi.Dim(0)))
		}
		parts = append(parts, p.Detach())
	}
	return tensor.Concat(0, parts...)
}

// ganLocalOptimizer returns Adam over the trainable parameters of local.
func ganLocalOptimizer(local Classifier, lr float64) (*optim.Adam, error) {
	params := nn.Params(local)
	if len(params) == 0 {
		return nil, errors.New("attack: the local model has no trainable parameters (nn.Params found none)")
	}
	return optim.NewAdam(params, lr), nil
}

// ganFit trains local on images x to the black box's probabilities probs
// (N, K) for the given number of epochs, and leaves it in evaluation mode.
func ganFit(ctx context.Context, local Classifier, opt *optim.Adam, x, probs *tensor.Tensor, cfg DistillConfig, epochs int, rng *rand.Rand) error {
	var hard []int
	if cfg.HardLabels {
		hard = probs.Argmax(1, false).Ints()
	}
	ds := data.NewDataset(x, hard)
	nn.SetTraining(local, true)
	defer nn.SetTraining(local, false)
	for epoch := range epochs {
		for b := range ds.Batches(cfg.Batch, rng) {
			if err := ctx.Err(); err != nil {
				return err
			}
			logits := local.Forward(b.X)
			var loss *tensor.Tensor
			if cfg.HardLabels {
				loss = nn.CrossEntropy(logits, b.Y)
			} else {
				loss = nn.CrossEntropySoft(logits, probs.IndexSelect(0, b.Index))
			}
			if v := float64(loss.Item()); !ganFinite(v) {
				return fmt.Errorf("attack: distillation loss %v in epoch %d", v, epoch)
			}
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
		}
	}
	return nil
}
