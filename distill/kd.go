package distill

import (
	"fmt"
	"math"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// rows flattens x to (rows, last) and keeps the rows where keep is true
// (all rows if keep is nil). It panics if keep has the wrong length.
func rows(op string, x *tensor.Tensor, keep []bool) *tensor.Tensor {
	sh := x.Shape()
	if len(sh) == 0 {
		panic(fmt.Sprintf("%s: scalar input", op))
	}
	last := sh[len(sh)-1]
	x = x.Reshape(-1, last)
	if keep == nil {
		return x
	}
	if len(keep) != x.Dim(0) {
		panic(fmt.Sprintf("%s: keep has %d entries for %d rows of shape %v", op, len(keep), x.Dim(0), sh))
	}
	idx := make([]int, 0, len(keep))
	for i, k := range keep {
		if k {
			idx = append(idx, i)
		}
	}
	if len(idx) == len(keep) {
		return x
	}
	return x.IndexSelect(0, idx)
}

func sameShape(op string, a, b *tensor.Tensor) {
	sa, sb := a.Shape(), b.Shape()
	if len(sa) != len(sb) {
		panic(fmt.Sprintf("%s: shapes %v and %v differ", op, sa, sb))
	}
	for i := range sa {
		if sa[i] != sb[i] {
			panic(fmt.Sprintf("%s: shapes %v and %v differ", op, sa, sb))
		}
	}
}

// nanLoss is the loss of a batch with nothing to score, NaN as in
// PyTorch's mean over no elements; it still connects to x's graph, so
// Backward works and gives NaN gradients.
func nanLoss(x *tensor.Tensor) *tensor.Tensor {
	return x.Reshape(-1).Narrow(0, 0, 1).Sum(0, false).MulScalar(float32(math.NaN()))
}

// SoftTargetLoss is the soft-target loss of knowledge distillation
// (Hinton et al., 2015): the Kullback–Leibler divergence from the
// teacher's distribution at temperature T to the student's, scaled by T²
// so that gradient sizes do not depend on T, averaged over the rows:
//
//	T² · (1/R) · Σ_r Σ_c p_rc·(log p_rc − log q_rc),
//	p = softmax(teacher/T), q = softmax(student/T),
//
// where the classes are the last axis of student and teacher (same
// shape: (N, C), or (N, L, V) for sequences) and the rows are all other
// positions, those with keep false left out (keep nil keeps all; use it
// for padding). It is PyTorch's F.kl_div(F.log_softmax(s/T, -1),
// F.softmax(t/T, -1), reduction="batchmean")·T² over the kept rows (see
// nn.KLDiv). The teacher is a constant: no gradient flows into it.
// Teacher logits of −Inf (classes it rules out, or log-probabilities of
// 0) add nothing. With no row kept the loss is NaN. It panics if T ≤ 0 or
// the shapes differ.
func SoftTargetLoss(student, teacher *tensor.Tensor, T float64, keep []bool) *tensor.Tensor {
	const op = "distill.SoftTargetLoss"
	sameShape(op, student, teacher)
	if !(T > 0) {
		panic(fmt.Sprintf("%s: temperature %v, want > 0", op, T))
	}
	s, t := rows(op, student, keep), rows(op, teacher.Detach(), keep)
	if s.Dim(0) == 0 {
		return nanLoss(student)
	}
	return nn.KLDiv(s, t, T)
}

// KD is the classic distillation objective: a weighted sum of the
// soft-target loss at temperature T and the cross-entropy with the hard
// labels,
//
//	Alpha · SoftTargetLoss(student, teacher, T) + (1 − Alpha) · CE(student, labels).
type KD struct {
	T     float64 // temperature, > 0 (Hinton et al. use 1..20)
	Alpha float64 // weight of the soft-target term, in [0, 1]
}

// Loss returns the KD loss of student logits against teacher logits of
// the same shape ((N, C) or (N, L, V), classes last) and labels, one per
// row, nn.DefaultIgnoreIndex (-100) at rows to leave out of both terms
// (padding). With labels nil there is no hard term: the loss is the
// soft-target loss over all rows, whatever Alpha. The cross-entropy is
// the mean over the rows not ignored, as nn.CrossEntropy. A term whose
// weight is 0 is not computed. It panics on an invalid T or Alpha or on
// shapes that do not fit.
func (k KD) Loss(student, teacher *tensor.Tensor, labels []int) *tensor.Tensor {
	const op = "distill.KD.Loss"
	if !(k.Alpha >= 0 && k.Alpha <= 1) {
		panic(fmt.Sprintf("%s: Alpha %v outside [0, 1]", op, k.Alpha))
	}
	if labels == nil {
		return SoftTargetLoss(student, teacher, k.T, nil)
	}
	s := rows(op, student, nil)
	if len(labels) != s.Dim(0) {
		panic(fmt.Sprintf("%s: %d labels for %d rows of shape %v", op, len(labels), s.Dim(0), student.Shape()))
	}
	var soft, hard *tensor.Tensor
	if k.Alpha > 0 {
		keep := make([]bool, len(labels))
		for i, l := range labels {
			keep[i] = l != nn.DefaultIgnoreIndex
		}
		soft = SoftTargetLoss(student, teacher, k.T, keep)
		if k.Alpha == 1 {
			return soft
		}
	}
	hard = nn.CrossEntropy(s, labels)
	if soft == nil {
		return hard
	}
	return soft.MulScalar(float32(k.Alpha)).Add(hard.MulScalar(float32(1 - k.Alpha)))
}

// Teacher gives a teacher's logits for a batch of training examples,
// identified by their indices in the training set.
type Teacher interface {
	// Logits returns the logits for the examples idx, in that order: one
	// row (N, C) or one row per position (N, L, V) for each index.
	Logits(idx []int) *tensor.Tensor
}

// TeacherFunc is a Teacher computed by a function, typically a cairn
// model's forward pass over the examples idx. Its output is detached;
// freeze the teacher model (nn.Freeze) and switch it to evaluation mode
// (nn.SetTraining(m, false)) so that no graph is recorded and dropout is
// off.
type TeacherFunc func(idx []int) *tensor.Tensor

// Logits calls f and detaches the result.
func (f TeacherFunc) Logits(idx []int) *tensor.Tensor { return f(idx).Detach() }

// StoredTeacher is a Teacher whose outputs were computed elsewhere and
// stored, one class distribution per training example, such as an LLM's
// scores read with ReadPredictions.
type StoredTeacher struct {
	logits *tensor.Tensor // (n, C)
}

// NewStoredTeacher makes a teacher from predictions: example i of the
// training set gets preds[i]'s Logits, or the logarithm of its Probs
// (so that softmax at temperature T gives p^(1/T), renormalised; classes
// of probability 0 get −Inf). Every prediction needs logits or
// probabilities of the same length; an error names the first that has
// not.
func NewStoredTeacher(preds []Prediction) (*StoredTeacher, error) {
	if len(preds) == 0 {
		return nil, fmt.Errorf("distill: NewStoredTeacher: no predictions")
	}
	c := -1
	var buf []float32
	for i, p := range preds {
		v := p.Logits
		if v == nil && p.Probs != nil {
			v = make([]float32, len(p.Probs))
			for j, q := range p.Probs {
				v[j] = float32(math.Log(float64(q)))
			}
		}
		if v == nil {
			return nil, fmt.Errorf("distill: NewStoredTeacher: prediction %d has neither logits nor probs", i)
		}
		if c < 0 {
			c = len(v)
		}
		if len(v) != c {
			return nil, fmt.Errorf("distill: NewStoredTeacher: prediction %d has %d classes, prediction 0 has %d", i, len(v), c)
		}
		buf = append(buf, v...)
	}
	return &StoredTeacher{logits: tensor.New(buf, len(preds), c)}, nil
}

// Len returns the number of examples the teacher covers.
func (s *StoredTeacher) Len() int { return s.logits.Dim(0) }

// Logits returns the stored logits of the examples idx, (len(idx), C). It
// panics on an index out of range.
func (s *StoredTeacher) Logits(idx []int) *tensor.Tensor {
	for _, i := range idx {
		if i < 0 || i >= s.Len() {
			panic(fmt.Sprintf("distill.StoredTeacher.Logits: index %d outside [0, %d)", i, s.Len()))
		}
	}
	return s.logits.IndexSelect(0, idx)
}

// Step runs one optimisation step of a student on the KD loss of the
// training examples idx: it computes the student's logits with student
// (recording a graph), the teacher's with teacher.Logits, k.Loss with
// labels (nil for no hard term), and then ZeroGrad, Backward and opt.Step.
// It returns the loss value.
func (k KD) Step(opt optim.Optimizer, student func(idx []int) *tensor.Tensor, teacher Teacher, idx, labels []int) float32 {
	opt.ZeroGrad()
	loss := k.Loss(student(idx), teacher.Logits(idx), labels)
	loss.Backward()
	opt.Step()
	return loss.Item()
}

// HiddenLoss is the hidden-state transfer loss (FitNets' hint loss, and
// TinyBERT's hidden-state loss): the mean squared error between the
// student's hidden states, mapped by the learned projection proj, and the
// teacher's,
//
//	mean over kept rows and features of (proj(student) − teacher)²,
//
// where student is (..., Ds), teacher (..., Dt) with the same leading
// shape, and proj an nn.Linear from Ds to Dt (nil when Ds = Dt: no
// projection). Train proj with the student (add its parameters to the
// optimizer). keep leaves out rows (positions) as in SoftTargetLoss. The
// teacher is a constant. It panics on shapes that do not fit.
func HiddenLoss(student, teacher *tensor.Tensor, proj *nn.Linear, keep []bool) *tensor.Tensor {
	const op = "distill.HiddenLoss"
	ss, ts := student.Shape(), teacher.Shape()
	if len(ss) != len(ts) || len(ss) == 0 {
		panic(fmt.Sprintf("%s: student %v and teacher %v", op, ss, ts))
	}
	for i := range len(ss) - 1 {
		if ss[i] != ts[i] {
			panic(fmt.Sprintf("%s: student %v and teacher %v differ before the last axis", op, ss, ts))
		}
	}
	s, t := rows(op, student, keep), rows(op, teacher.Detach(), keep)
	if proj != nil {
		if proj.Weight.Dim(1) != s.Dim(1) {
			panic(fmt.Sprintf("%s: projection weight %v for student features %d", op, proj.Weight.Shape(), s.Dim(1)))
		}
		if proj.Weight.Dim(0) != t.Dim(1) {
			panic(fmt.Sprintf("%s: projection weight %v for teacher features %d", op, proj.Weight.Shape(), t.Dim(1)))
		}
	} else if s.Dim(1) != t.Dim(1) {
		panic(fmt.Sprintf("%s: student features %d and teacher features %d differ, and no projection", op, s.Dim(1), t.Dim(1)))
	}
	if s.Dim(0) == 0 {
		return nanLoss(student)
	}
	if proj != nil {
		s = proj.Forward(s)
	}
	return nn.MSE(s, t)
}

// AttentionLoss is the attention transfer loss of TinyBERT: the mean
// squared error between student and teacher attention maps of the same
// shape, such as (N, heads, L, L) probabilities. Average heads first
// (Mean over axis 1, keeping it) when the head counts differ. The teacher
// is a constant. It panics if the shapes differ.
func AttentionLoss(student, teacher *tensor.Tensor) *tensor.Tensor {
	sameShape("distill.AttentionLoss", student, teacher)
	return nn.MSE(student, teacher.Detach())
}
