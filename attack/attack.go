package attack

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/tensor"
)

// Classifier is a model under attack: it maps a batch of images (N, C, H, W)
// with values in [0, 1] to logits (N, classes). Every cairn model with a
// Forward method is one. Attacks that need gradients (FGSM, PGD, C&W and the
// training of AdvGAN) take them with respect to the input, so callers should
// put the model in evaluation mode (nn.SetTraining(m, false)) and may freeze
// it (nn.Freeze) to skip parameter gradients.
type Classifier interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
}

// Attack makes adversarial examples.
type Attack interface {
	// Perturb returns adversarial versions of the images x (N, C, H, W) with
	// values in [0, 1] and true labels y. The result records no graph.
	Perturb(x *tensor.Tensor, y []int) *tensor.Tensor
}

// RandomSign is the control attack: it adds ±Eps to every pixel, each sign
// drawn at random, and clips to [0, 1]. An attack that learned something
// must do far better than noise of the same L∞ size.
type RandomSign struct {
	Eps float32
	Rng *rand.Rand
}

// Perturb implements Attack.
func (a *RandomSign) Perturb(x *tensor.Tensor, _ []int) *tensor.Tensor {
	out := x.Detach().Clone()
	d := out.Data()
	for i, v := range d {
		if a.Rng.IntN(2) == 0 {
			v += a.Eps
		} else {
			v -= a.Eps
		}
		d[i] = min(max(v, 0), 1)
	}
	return out
}

// Report summarises an attack on a test set.
type Report struct {
	// Images is the number of test images attacked.
	Images int `json:"images"`
	// CleanAccuracy and AdvAccuracy are the model's accuracies on the clean
	// and on the adversarial images.
	CleanAccuracy float64 `json:"clean_accuracy"`
	AdvAccuracy   float64 `json:"adv_accuracy"`
	// SuccessRate counts every image: for an untargeted attack the fraction
	// whose adversarial version the model does not label with the true
	// class, for a targeted one the fraction it labels with the target
	// (images of the target class excluded).
	SuccessRate float64 `json:"success_rate"`
	// SuccessRateOnCorrect is the same fraction among the images the model
	// classifies correctly when clean, the convention of papers that exclude
	// images that are already misclassified.
	SuccessRateOnCorrect float64 `json:"success_rate_on_correct"`
	// MeanL2 and MeanLinf are the mean L2 and L∞ norms of x_adv − x per
	// image; MaxLinf is the largest L∞ norm seen.
	MeanL2   float64 `json:"mean_l2"`
	MeanLinf float64 `json:"mean_linf"`
	MaxLinf  float64 `json:"max_linf"`
}

// Evaluate attacks every image of ds in batches and measures the result on
// model. target < 0 evaluates an untargeted attack; otherwise success means
// that the model predicts class target, and images of that class are left
// out. The attack a is given the true labels; it decides itself whether it
// is targeted.
func Evaluate(model Classifier, a Attack, ds *data.Dataset, batch, target int) Report {
	if batch < 1 {
		panic(fmt.Sprintf("attack.Evaluate: batch %d, want at least 1", batch))
	}
	var r Report
	var clean, adv, success, correct, successCorrect int
	var sumL2, sumLinf float64
	for b := range ds.Batches(batch, nil) {
		xAdv := a.Perturb(b.X, b.Y)
		pc := Predict(model, b.X)
		pa := Predict(model, xAdv)
		n := len(b.Y)
		per := len(b.X.Data()) / n
		xd, ad := b.X.Data(), xAdv.Data()
		for i, y := range b.Y {
			if target >= 0 && y == target {
				continue
			}
			r.Images++
			if pc[i] == y {
				clean++
				correct++
			}
			if pa[i] == y {
				adv++
			}
			ok := pa[i] != y
			if target >= 0 {
				ok = pa[i] == target
			}
			if ok {
				success++
				if pc[i] == y {
					successCorrect++
				}
			}
			var l2, linf float64
			for j := i * per; j < (i+1)*per; j++ {
				d := float64(ad[j] - xd[j])
				l2 += d * d
				linf = math.Max(linf, math.Abs(d))
			}
			sumL2 += math.Sqrt(l2)
			sumLinf += linf
			r.MaxLinf = math.Max(r.MaxLinf, linf)
		}
	}
	if r.Images == 0 {
		return r
	}
	n := float64(r.Images)
	r.CleanAccuracy = float64(clean) / n
	r.AdvAccuracy = float64(adv) / n
	r.SuccessRate = float64(success) / n
	if correct > 0 {
		r.SuccessRateOnCorrect = float64(successCorrect) / float64(correct)
	}
	r.MeanL2 = sumL2 / n
	r.MeanLinf = sumLinf / n
	return r
}

// Predict returns the model's class (the argmax of its logits) for every
// image of x.
func Predict(model Classifier, x *tensor.Tensor) []int {
	logits := model.Forward(x.Detach())
	shape := logits.Shape()
	if len(shape) != 2 {
		panic(fmt.Sprintf("attack.Predict: logits of shape %v, want (batch, classes)", shape))
	}
	return logits.Detach().Argmax(1, false).Ints()
}

// Accuracy is the fraction of ds that model classifies correctly.
func Accuracy(model Classifier, ds *data.Dataset, batch int) float64 {
	right, n := 0, 0
	for b := range ds.Batches(batch, nil) {
		for i, p := range Predict(model, b.X) {
			if p == b.Y[i] {
				right++
			}
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(right) / float64(n)
}
