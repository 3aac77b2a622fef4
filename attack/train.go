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

// AdvMethod chooses the adversarial examples of adversarial training.
type AdvMethod int

const (
	// NoAdversarial is plain training on clean images.
	NoAdversarial AdvMethod = iota
	// AdvFGSM trains on FGSM examples (Goodfellow et al.).
	AdvFGSM
	// AdvPGD trains on PGD examples with a random start (Madry et al.).
	AdvPGD
)

// String returns the method's name.
func (m AdvMethod) String() string {
	switch m {
	case NoAdversarial:
		return "none"
	case AdvFGSM:
		return "fgsm"
	case AdvPGD:
		return "pgd"
	}
	return fmt.Sprintf("AdvMethod(%d)", int(m))
}

// TrainConfig configures TrainClassifier. Epochs, BatchSize and LR must be
// positive.
type TrainConfig struct {
	// Epochs is the number of passes over the training set, each in a
	// fresh order; BatchSize the number of images per step (the last,
	// smaller batch of an epoch is kept).
	Epochs    int
	BatchSize int
	// LR is Adam's learning rate (β = 0.9, 0.999). LRAt, if set, gives the
	// learning rate of each epoch (0-based) instead, for a schedule such
	// as the reimplementations' 1e-3 for 20 epochs then 1e-4.
	LR   float64
	LRAt func(epoch int) float64

	// Adversarial makes the training a defence: each batch is also
	// attacked, with Method, by the model being trained, and the loss is
	//
	//	(1 − AdvWeight)·CE(f(x), y) + AdvWeight·CE(f(x_adv), y).
	//
	// AdvWeight 0 takes the method's usual value: 0.5 for FGSM
	// (Goodfellow et al.), 1 (adversarial images only) for PGD (Madry et
	// al.). Eps is the L∞ radius; PGD takes PGDSteps steps of PGDStep
	// (zero values: PGD's defaults, 40 steps of 2.5·Eps/40) from a random
	// start. The attack runs in evaluation mode with the parameters frozen,
	// so it computes no parameter gradients.
	Adversarial AdvMethod
	Eps         float32
	AdvWeight   float64
	PGDStep     float32
	PGDSteps    int

	// Progress, if set, is called after every optimizer step.
	Progress func(TrainProgress)
}

// TrainProgress reports one optimizer step of TrainClassifier.
type TrainProgress struct {
	// Epoch counts from 0; Step counts the steps of this epoch from 1 to
	// StepsPerEpoch.
	Epoch, Step, StepsPerEpoch int
	// Loss is this step's training loss, EpochLoss the mean over the
	// epoch so far.
	Loss, EpochLoss float64
	// LR is the learning rate used.
	LR float64
}

// TrainResult summarises a training run.
type TrainResult struct {
	// Steps is the number of optimizer steps taken.
	Steps int
	// EpochLoss holds the mean training loss of every completed epoch;
	// EpochAccuracy the accuracy on the images trained on (adversarial
	// ones included), measured on the fly in training mode.
	EpochLoss     []float64
	EpochAccuracy []float64
}

// TrainClassifier trains model on train with Adam and the cross-entropy
// loss, plainly or adversarially (cfg.Adversarial). The batches are shuffled
// with rng, which also draws PGD's random starts. The model is in training
// mode while it trains and in evaluation mode when TrainClassifier returns,
// whatever happened.
//
// It returns an error for a bad configuration, for a non-finite loss (with
// the epoch and step), or ctx's error (wrapped) if ctx is cancelled; the
// result then covers the steps taken, and the model keeps their updates.
func TrainClassifier(ctx context.Context, model Classifier, train *data.Dataset, cfg TrainConfig, rng *rand.Rand) (TrainResult, error) {
	var res TrainResult
	if err := cfg.check(); err != nil {
		return res, err
	}
	if train == nil || train.Len() == 0 || len(train.Y) != train.Len() {
		return res, errors.New("attack.TrainClassifier: empty or unlabelled training set")
	}
	params := nn.Params(model)
	if len(params) == 0 {
		return res, errors.New("attack.TrainClassifier: the model has no trainable parameters")
	}
	opt := optim.NewAdam(params, cfg.LR)
	advAttack := cfg.attack(model, rng)
	advWeight := cfg.advWeight()
	stepsPerEpoch := (train.Len() + cfg.BatchSize - 1) / cfg.BatchSize

	nn.SetTraining(model, true)
	defer nn.SetTraining(model, false)
	for epoch := range cfg.Epochs {
		lr := cfg.LR
		if cfg.LRAt != nil {
			lr = cfg.LRAt(epoch)
			if !(lr > 0) || math.IsInf(lr, 0) {
				return res, fmt.Errorf("attack.TrainClassifier: LRAt(%d) = %v, want a positive learning rate", epoch, lr)
			}
		}
		opt.SetLR(lr)
		var sumLoss float64
		var right, seen, step int
		for b := range train.Batches(cfg.BatchSize, rng) {
			if err := ctx.Err(); err != nil {
				return res, fmt.Errorf("attack.TrainClassifier: epoch %d, step %d: %w", epoch, step, err)
			}
			step++
			var xAdv *tensor.Tensor
			if advAttack != nil {
				nn.SetTraining(model, false)
				xAdv = advAttack.Perturb(b.X, b.Y)
				nn.SetTraining(model, true)
			}
			var loss *tensor.Tensor
			if advWeight < 1 {
				logits := model.Forward(b.X)
				right += countRight(logits, b.Y)
				seen += len(b.Y)
				loss = nn.CrossEntropy(logits, b.Y)
				if advWeight > 0 {
					loss = loss.MulScalar(float32(1 - advWeight))
				}
			}
			if xAdv != nil {
				logits := model.Forward(xAdv)
				right += countRight(logits, b.Y)
				seen += len(b.Y)
				l := nn.CrossEntropy(logits, b.Y).MulScalar(float32(advWeight))
				if loss == nil {
					loss = l
				} else {
					loss = loss.Add(l)
				}
			}
			v := float64(loss.Item())
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return res, fmt.Errorf("attack.TrainClassifier: epoch %d, step %d: loss is %v (learning rate %v too large, or non-finite inputs?)", epoch, step, v, lr)
			}
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
			res.Steps++
			sumLoss += v
			if cfg.Progress != nil {
				cfg.Progress(TrainProgress{Epoch: epoch, Step: step, StepsPerEpoch: stepsPerEpoch, Loss: v, EpochLoss: sumLoss / float64(step), LR: lr})
			}
		}
		opt.ZeroGrad()
		res.EpochLoss = append(res.EpochLoss, sumLoss/float64(step))
		res.EpochAccuracy = append(res.EpochAccuracy, float64(right)/float64(seen))
	}
	return res, nil
}

func (cfg *TrainConfig) check() error {
	if cfg.Epochs < 1 || cfg.BatchSize < 1 {
		return fmt.Errorf("attack.TrainClassifier: Epochs %d and BatchSize %d, want both ≥ 1", cfg.Epochs, cfg.BatchSize)
	}
	if cfg.LRAt == nil && (!(cfg.LR > 0) || math.IsInf(cfg.LR, 0)) {
		return fmt.Errorf("attack.TrainClassifier: LR %v, want a positive learning rate", cfg.LR)
	}
	switch cfg.Adversarial {
	case NoAdversarial:
		return nil
	case AdvFGSM, AdvPGD:
	default:
		return fmt.Errorf("attack.TrainClassifier: unknown adversarial method %v", cfg.Adversarial)
	}
	if !(cfg.Eps > 0) || cfg.Eps > 1 {
		return fmt.Errorf("attack.TrainClassifier: adversarial Eps %v, want in (0, 1]", cfg.Eps)
	}
	if !(cfg.AdvWeight >= 0 && cfg.AdvWeight <= 1) {
		return fmt.Errorf("attack.TrainClassifier: AdvWeight %v, want in [0, 1]", cfg.AdvWeight)
	}
	if cfg.PGDSteps < 0 || !(cfg.PGDStep >= 0) {
		return fmt.Errorf("attack.TrainClassifier: PGDSteps %d and PGDStep %v, want neither negative", cfg.PGDSteps, cfg.PGDStep)
	}
	return nil
}

// attack returns the attack of adversarial training, or nil.
func (cfg *TrainConfig) attack(model Classifier, rng *rand.Rand) Attack {
	switch cfg.Adversarial {
	case AdvFGSM:
		return &FGSM{Model: model, Eps: cfg.Eps}
	case AdvPGD:
		return &PGD{Model: model, Eps: cfg.Eps, Step: cfg.PGDStep, Steps: cfg.PGDSteps, RandomStart: true, Rng: rng}
	}
	return nil
}

// advWeight returns the weight of the adversarial loss term.
func (cfg *TrainConfig) advWeight() float64 {
	switch {
	case cfg.Adversarial == NoAdversarial:
		return 0
	case cfg.AdvWeight > 0:
		return cfg.AdvWeight
	case cfg.Adversarial == AdvFGSM:
		return 0.5
	}
	return 1
}

// countRight counts the rows of logits whose argmax is the label.
func countRight(logits *tensor.Tensor, y []int) int {
	right := 0
	for i, p := range logits.Detach().Argmax(1, false).Ints() {
		if p == y[i] {
			right++
		}
	}
	return right
}
