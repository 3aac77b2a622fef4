package pretrain

import (
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// TestLossValues checks the spec's hand-computed losses.
func TestLossValues(t *testing.T) {
	t.Parallel()
	// MLM: [2,1,0] → 0 and [0,0,3] → 2, plus a padding row of weight 0.
	logits := tensor.New([]float32{2, 1, 0, 0, 0, 3, 9, -9, 4}, 3, 3)
	per := nn.CrossEntropy(logits, []int{0, 2, 1}, nn.WithReduction(nn.ReduceNone)).Data()
	within(t, "CE row 0", float64(per[0]), 0.407606, 1e-6)
	within(t, "CE row 1", float64(per[1]), 0.094923, 1e-6)
	l := MaskedLMLoss(logits, []int{0, 2, 0}, []float32{1, 1, 0})
	within(t, "MaskedLMLoss", float64(l.Item()), 0.251264, 1e-6)
	within(t, "LMLoss with ignored row", float64(LMLoss(logits, []int{0, 2, IgnoreIndex}).Item()), 0.251264, 1e-6)

	// BCE: logits [2, −1, 0.5], labels [1, 0, 1] → 0.304756; a pad token
	// with a huge loss is left out of the mean.
	d := DiscriminatorLoss(tensor.New([]float32{2, -1, 0.5, -50}, 4), []float32{1, 0, 1, 1}, []bool{true, true, true, false})
	within(t, "DiscriminatorLoss", float64(d.Item()), 0.304756, 1e-6)

	// NSP as 2-class CE and eq. 4 with s⁺ = 2, s⁻ = 0 are the same number.
	nsp := nn.CrossEntropy(tensor.New([]float32{1.5, -0.5}, 1, 2), []int{0})
	within(t, "NSP CE", float64(nsp.Item()), 0.126928, 1e-6)
	ctl := ContrastiveLoss(tensor.New([]float32{2}, 1), tensor.New([]float32{0}, 1, 1))
	within(t, "contrastive eq. 4", float64(ctl.Item()), 0.126928, 1e-6)
	// InfoNCE with two negatives: −log(e²/(e²+1+1)) = log(1 + 2e⁻²).
	nce := ContrastiveLoss(tensor.New([]float32{2}, 1), tensor.New([]float32{0, 0}, 1, 2))
	within(t, "InfoNCE K=2", float64(nce.Item()), 0.239545, 1e-6)
}

func TestLossGradients(t *testing.T) {
	t.Parallel()
	rng := newRNG(71)
	x := tensor.Randn(rng, 3, 4)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return MaskedLMLoss(in[0], []int{1, 3, 0}, []float32{1, 0.5, 0})
	}, x)
	z := tensor.Randn(rng, 5)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return DiscriminatorLoss(in[0], []float32{1, 0, 0, 1, 1}, []bool{true, true, false, true, true})
	}, z)
	pos, neg := tensor.Randn(rng, 2), tensor.Randn(rng, 2, 3)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return ContrastiveLoss(in[0], in[1])
	}, pos, neg)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return JointLoss(in[0].SumAll(), in[1].SumAll(), 50)
	}, tensor.Randn(rng, 2), tensor.Randn(rng, 2))
}
