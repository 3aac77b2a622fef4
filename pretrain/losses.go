package pretrain

import (
	"fmt"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// MaskedLMLoss is BERT's masked-LM loss: the cross-entropy of labels under
// logits (shape (N, V), one row per prediction), weighted by weights and
// divided by Σ weights (plus 1e-5, as BERT's run_pretraining does, only when
// the sum is 0). Pass an MLMExample's Labels and Weights with the logits
// gathered at its Positions.
func MaskedLMLoss(logits *tensor.Tensor, labels []int, weights []float32) *tensor.Tensor {
	if logits.NDim() != 2 || logits.Dim(0) != len(labels) || len(weights) != len(labels) {
		panic(fmt.Sprintf("pretrain: MaskedLMLoss: logits %v, %d labels, %d weights", logits.Shape(), len(labels), len(weights)))
	}
	ce := nn.CrossEntropy(logits, labels, nn.WithReduction(nn.ReduceNone))
	total := float32(0)
	for _, w := range weights {
		total += w
	}
	if total == 0 {
		total = 1e-5
	}
	return ce.Mul(tensor.New(clone32(weights), len(weights))).SumAll().MulScalar(1 / total)
}

func clone32(x []float32) []float32 { return append([]float32(nil), x...) }

// LMLoss is the language-model loss −(1/|T|)·Σ_{t∈T} log p(x_t | context)
// over the positions T whose target is not IgnoreIndex; logits has shape
// (N, V) and targets length N. It is the loss of CausalLM, BiLM (one
// direction), SpanCorrupt's decoder, BART (DAE) and MLMExample.Targets.
func LMLoss(logits *tensor.Tensor, targets []int) *tensor.Tensor {
	return nn.CrossEntropy(logits, targets, nn.WithIgnoreIndex(IgnoreIndex))
}

// DiscriminatorLoss is ELECTRA's discriminator loss: the sigmoid
// cross-entropy of labels (1 = replaced) under logits (one per token, any
// shape with len(labels) elements), averaged over the tokens where keep is
// true (the non-pad tokens; nil keeps all).
func DiscriminatorLoss(logits *tensor.Tensor, labels []float32, keep []bool) *tensor.Tensor {
	n := logits.Size()
	if len(labels) != n || (keep != nil && len(keep) != n) {
		panic(fmt.Sprintf("pretrain: DiscriminatorLoss: logits %v, %d labels, %d keep", logits.Shape(), len(labels), len(keep)))
	}
	w := make([]float32, n)
	count := float32(0)
	for i := range w {
		if keep == nil || keep[i] {
			w[i] = 1
			count++
		}
	}
	if count == 0 {
		count = 1
	}
	x := logits.Reshape(n)
	ce := nn.BCEWithLogits(x, tensor.New(clone32(labels), n), nn.WithReduction(nn.ReduceNone))
	return ce.Mul(tensor.New(w, n)).SumAll().MulScalar(1 / count)
}

// ContrastiveLoss is the survey's contrastive loss (eq. 4) generalised to K
// negatives (InfoNCE): the mean over N examples of
// −log(e^{s⁺}/(e^{s⁺} + Σ_k e^{s⁻_k})). pos has shape (N) and neg (N, K);
// with K = 1 it is eq. 4, and with the scores of the other examples of a
// batch as negatives it is the in-batch form. NSP and SOP are the same loss
// as 2-class cross-entropy (nn.CrossEntropy).
func ContrastiveLoss(pos, neg *tensor.Tensor) *tensor.Tensor {
	if pos.NDim() != 1 || neg.NDim() != 2 || neg.Dim(0) != pos.Dim(0) {
		panic(fmt.Sprintf("pretrain: ContrastiveLoss: pos %v, neg %v (want (N) and (N, K))", pos.Shape(), neg.Shape()))
	}
	scores := tensor.Concat(1, pos.Unsqueeze(1), neg)
	return nn.CrossEntropy(scores, make([]int, pos.Dim(0)))
}
