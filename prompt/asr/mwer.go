package asr

import (
	"fmt"
	"math"
	"slices"

	"github.com/cairn-ml/cairn/tensor"
)

// MWERLoss is the minimum word error rate loss of a trainable N-best
// rescorer (Prabhavalkar et al., ICASSP 2018): for each N-best list,
//
//	L = Σ_k P̂(h_k)·(E(h_k) − Ē),   P̂ = softmax(scores),
//
// the expected number of word errors under the rescorer's distribution
// over the list, minus the mean Ē of the list's errors (which changes the
// value, not the gradient, and centres it near 0). scores has shape (N)
// for one list or (B, N) for a batch of lists, and is the tensor to
// differentiate; errs has the same shape and holds E(h_k), the word errors
// of each hypothesis (metrics.Align), and receives no gradient. The result
// is the mean of L over the lists, a scalar.
//
// Lists shorter than N are padded with a score of −Inf: padded entries get
// probability 0 and are left out of Ē, and their errors are ignored. It
// panics if the shapes differ or scores is a scalar.
func MWERLoss(scores, errs *tensor.Tensor) *tensor.Tensor {
	shape := scores.Shape()
	if len(shape) < 1 || len(shape) > 2 || !slices.Equal(shape, errs.Shape()) {
		panic(fmt.Sprintf("asr.MWERLoss: scores of shape %v and errors of shape %v, want equal shapes (N) or (B, N)", shape, errs.Shape()))
	}
	n := shape[len(shape)-1]
	s, e := scores.Data(), errs.Data()
	centred := make([]float32, len(e))
	for r := 0; r < len(e); r += n {
		var sum float64
		count := 0
		for k := r; k < r+n; k++ {
			if !math.IsInf(float64(s[k]), -1) {
				sum += float64(e[k])
				count++
			}
		}
		if count == 0 {
			continue // a fully padded list: all probabilities are 0
		}
		mean := sum / float64(count)
		for k := r; k < r+n; k++ {
			if !math.IsInf(float64(s[k]), -1) {
				centred[k] = float32(float64(e[k]) - mean)
			}
		}
	}
	p := scores.Softmax(-1)
	return p.Mul(tensor.New(centred, shape...)).Sum(-1, false).MeanAll()
}
