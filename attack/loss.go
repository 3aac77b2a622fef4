package attack

import (
	"fmt"
	"math"

	"github.com/cairn-ml/cairn/tensor"
)

// Margin is the Carlini–Wagner margin loss (their f6) of logits (N, K), one
// value per example, shape (N). Untargeted, labels are the true classes y
// and the loss is max(Z_y − max_{i≠y} Z_i, −κ): positive while the model
// still predicts y, at its floor −κ once another class leads by κ.
// Targeted, labels are the target classes t and the loss is
// max(max_{i≠t} Z_i − Z_t, −κ). Minimising it is the attacker's goal;
// kappa ≥ 0 asks for a confidence margin.
//
// The AdvGAN reimplementations apply the same formula to softmax
// probabilities; pass probabilities instead of logits for that variant.
func Margin(logits *tensor.Tensor, labels []int, targeted bool, kappa float32) *tensor.Tensor {
	shape := logits.Shape()
	if len(shape) != 2 || shape[0] != len(labels) {
		panic(fmt.Sprintf("attack.Margin: logits of shape %v for %d labels, want (%d, classes)", shape, len(labels), len(labels)))
	}
	if shape[1] < 2 {
		panic(fmt.Sprintf("attack.Margin: %d classes, want at least 2", shape[1]))
	}
	if kappa < 0 {
		panic(fmt.Sprintf("attack.Margin: kappa %v, want ≥ 0", kappa))
	}
	onehot := tensor.OneHot(labels, shape[1])
	zLabel := logits.Gather(1, labels).Reshape(shape[0])
	zOther := logits.MaskedFill(onehot, float32(math.Inf(-1))).Max(1, false)
	d := zLabel.Sub(zOther)
	if targeted {
		d = zOther.Sub(zLabel)
	}
	return d.Maximum(tensor.Full(-kappa, shape[0]))
}
