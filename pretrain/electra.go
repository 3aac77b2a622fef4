package pretrain

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/tensor"
)

// ELECTRAMask selects positions for ELECTRA's generator as the official
// implementation does: BERT's selection with mask probability 0.15 (m.Prob
// if set), each selected token replaced by MASK with probability 0.85 and
// left unchanged otherwise (no random-token branch). Other fields of m are
// used as in MLM.Apply.
func ELECTRAMask(m MLM, tokens []int, wordStart []bool, rng *rand.Rand) MLMExample {
	m.MaskTokenProb, m.KeepProb = 0.85, 1
	return m.Apply(tokens, wordStart, rng)
}

// SampleLogits draws one id per row of logits (shape (N, V)) from
// softmax(logits/temperature), using only the values (a stop-gradient, as
// ELECTRA samples its generator). ELECTRA's temperature is 1.
func SampleLogits(logits *tensor.Tensor, temperature float64, rng *rand.Rand) []int {
	checkRNG("SampleLogits", rng)
	if logits.NDim() != 2 || temperature <= 0 {
		panic(fmt.Sprintf("pretrain: SampleLogits needs (N, V) logits and temperature > 0, got shape %v, temperature %v", logits.Shape(), temperature))
	}
	n, v := logits.Dim(0), logits.Dim(1)
	d := logits.Data()
	out := make([]int, n)
	p := make([]float64, v)
	for i := range out {
		row := d[i*v : (i+1)*v]
		mx := math.Inf(-1)
		for _, x := range row {
			mx = max(mx, float64(x)/temperature)
		}
		total := 0.0
		for j, x := range row {
			p[j] = math.Exp(float64(x)/temperature - mx)
			total += p[j]
		}
		u := rng.Float64() * total
		out[i] = v - 1
		for j := range p {
			u -= p[j]
			if u < 0 {
				out[i] = j
				break
			}
		}
	}
	return out
}

// Replace puts the generator's samples into the masked inputs and returns
// the discriminator's inputs and labels: at each real prediction k of ex
// (Weights[k] ≠ 0) the input becomes samples[k]; the label is 1 where the
// position was selected and the sample differs from the original id, and 0
// elsewhere, including where the generator sampled the original (ELECTRA's
// convention, 1 = replaced; the survey's y_t = 1(x̂_t = x_t) is 1 − label).
func Replace(ex MLMExample, samples []int) (inputs []int, labels []float32) {
	if len(samples) < ex.NumPredictions() {
		panic(fmt.Sprintf("pretrain: Replace: %d samples for %d predictions", len(samples), ex.NumPredictions()))
	}
	inputs = clone(ex.Inputs)
	labels = make([]float32, len(inputs))
	for k, p := range ex.Positions {
		if ex.Weights[k] == 0 {
			continue
		}
		inputs[p] = samples[k]
		if samples[k] != ex.Labels[k] {
			labels[p] = 1
		}
	}
	return inputs, labels
}

// JointLoss is ELECTRA's objective L = L_MLM(G) + lambda·L_Disc(D); ELECTRA
// uses lambda = 50.
func JointLoss(mlm, disc *tensor.Tensor, lambda float64) *tensor.Tensor {
	return mlm.Add(disc.MulScalar(float32(lambda)))
}

// TwoStage is the survey's two-stage ELECTRA variant: the generator is
// trained with MLM alone for GeneratorSteps steps, then the discriminator,
// initialised from the generator, is trained with its own loss for
// DiscriminatorSteps steps with the generator frozen.
type TwoStage struct {
	GeneratorSteps, DiscriminatorSteps int
}

// Stage returns 1 while step (counted from 0) trains the generator, 2 while
// it trains the discriminator, and 0 after both stages.
func (s TwoStage) Stage(step int) int {
	switch {
	case step < s.GeneratorSteps:
		return 1
	case step < s.GeneratorSteps+s.DiscriminatorSteps:
		return 2
	}
	return 0
}

// Loss returns the loss to minimise at step: mlm in stage 1, disc in
// stage 2. It panics after both stages.
func (s TwoStage) Loss(step int, mlm, disc *tensor.Tensor) *tensor.Tensor {
	switch s.Stage(step) {
	case 1:
		return mlm
	case 2:
		return disc
	}
	panic(fmt.Sprintf("pretrain: TwoStage.Loss at step %d after %d+%d steps", step, s.GeneratorSteps, s.DiscriminatorSteps))
}
