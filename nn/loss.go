package nn

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cairn-ml/cairn/tensor"
)

// Reduction selects how a loss combines its per-element values, as the
// reduction argument of PyTorch's losses.
type Reduction int

const (
	// ReduceMean averages the per-element losses ('mean', the default).
	// CrossEntropy and NLLLoss with class weights divide by the sum of the
	// weights of the targets that are not ignored, as PyTorch does.
	ReduceMean Reduction = iota
	// ReduceSum adds the per-element losses ('sum').
	ReduceSum
	// ReduceNone returns the per-element losses ('none').
	ReduceNone
	// ReduceBatchMean divides the sum by the size of the first dimension
	// ('batchmean'); only KLDivLoss takes it.
	ReduceBatchMean
)

// String returns PyTorch's name for r.
func (r Reduction) String() string {
	switch r {
	case ReduceMean:
		return "mean"
	case ReduceSum:
		return "sum"
	case ReduceNone:
		return "none"
	case ReduceBatchMean:
		return "batchmean"
	}
	return fmt.Sprintf("Reduction(%d)", int(r))
}

// DefaultIgnoreIndex is the target value CrossEntropy and NLLLoss skip
// unless WithIgnoreIndex says otherwise: -100, as in PyTorch.
const DefaultIgnoreIndex = -100

// LossOption configures a loss, standing in for a keyword argument of the
// PyTorch function. Passing an option a loss does not take (a pos_weight
// to CrossEntropy) panics.
type LossOption func(*lossConfig)

type lossOpt uint8

const (
	optReduction lossOpt = 1 << iota
	optWeight
	optIgnore
	optSmoothing
	optPosWeight
)

var lossOptNames = []string{"WithReduction", "WithWeight", "WithIgnoreIndex", "WithLabelSmoothing", "WithPosWeight"}

type lossConfig struct {
	given       lossOpt
	reduction   Reduction
	weight      *tensor.Tensor
	posWeight   *tensor.Tensor
	ignoreIndex int
	smoothing   float64
}

// WithReduction selects the reduction (PyTorch's reduction=); the default
// is ReduceMean.
func WithReduction(r Reduction) LossOption {
	return func(c *lossConfig) { c.given |= optReduction; c.reduction = r }
}

// WithWeight sets PyTorch's weight=: for CrossEntropy, CrossEntropySoft and
// NLLLoss a tensor of C class weights; for BCEWithLogits a weight per
// element, broadcast against the input. Weights are constants: no
// gradient flows into them.
func WithWeight(w *tensor.Tensor) LossOption {
	return func(c *lossConfig) { c.given |= optWeight; c.weight = w }
}

// WithIgnoreIndex sets the target value that CrossEntropy and NLLLoss skip
// (PyTorch's ignore_index=, default DefaultIgnoreIndex): such targets add
// nothing to the loss, to its gradient, or to the mean's denominator.
func WithIgnoreIndex(i int) LossOption {
	return func(c *lossConfig) { c.given |= optIgnore; c.ignoreIndex = i }
}

// WithLabelSmoothing sets PyTorch's label_smoothing= for CrossEntropy and
// CrossEntropySoft, a value in [0, 1]; see CrossEntropy for the formula.
func WithLabelSmoothing(eps float64) LossOption {
	return func(c *lossConfig) { c.given |= optSmoothing; c.smoothing = eps }
}

// WithPosWeight sets BCEWithLogits' pos_weight=: a weight for the positive
// term, broadcast against the input (usually one value per class, on the
// last axis). It is a constant: no gradient flows into it.
func WithPosWeight(w *tensor.Tensor) LossOption {
	return func(c *lossConfig) { c.given |= optPosWeight; c.posWeight = w }
}

// lossOptions applies opts and panics on an option op does not take.
func lossOptions(op string, opts []LossOption, allowed lossOpt) lossConfig {
	c := lossConfig{reduction: ReduceMean, ignoreIndex: DefaultIgnoreIndex}
	for _, o := range opts {
		o(&c)
	}
	if bad := c.given &^ allowed; bad != 0 {
		var names []string
		for i, n := range lossOptNames {
			if bad&(1<<i) != 0 {
				names = append(names, n)
			}
		}
		panic(fmt.Sprintf("nn.%s: does not take %s", op, strings.Join(names, ", ")))
	}
	if c.reduction < ReduceMean || c.reduction > ReduceBatchMean || (c.reduction == ReduceBatchMean && op != "KLDivLoss") {
		panic(fmt.Sprintf("nn.%s: reduction %v not supported", op, c.reduction))
	}
	if !(c.smoothing >= 0 && c.smoothing <= 1) {
		panic(fmt.Sprintf("nn.%s: label smoothing %v outside [0, 1]", op, c.smoothing))
	}
	return c
}

// reduceLoss applies a mean, sum or no reduction to per-element losses.
func reduceLoss(loss *tensor.Tensor, r Reduction) *tensor.Tensor {
	switch r {
	case ReduceSum:
		return loss.SumAll()
	case ReduceNone:
		return loss
	}
	return loss.MeanAll()
}

// classWeights checks a weight tensor of C class weights.
func classWeights(op string, w *tensor.Tensor, c int) []float32 {
	if w == nil {
		return nil
	}
	if w.NDim() != 1 || w.Size() != c {
		panic(fmt.Sprintf("nn.%s: weight shape %v; want one weight per class (%d)", op, w.Shape(), c))
	}
	return w.Data()
}

// classShape returns the input viewed with a batch dimension, the loss
// shape for ReduceNone, and the number of classes. An input of shape (C)
// is one sample; otherwise the shape is (N, C, d1, ...).
func classShape(op string, x *tensor.Tensor) (batched *tensor.Tensor, none []int, c int) {
	shape := x.Shape()
	switch len(shape) {
	case 0:
		panic(fmt.Sprintf("nn.%s: input is a scalar; want (C) or (N, C, ...)", op))
	case 1:
		return x.Reshape(1, shape[0]), []int{}, shape[0]
	}
	none = append([]int{shape[0]}, shape[2:]...)
	return x, none, shape[1]
}

// CrossEntropy is torch.nn.functional.cross_entropy with class-index
// targets: the negative log-likelihood of targets under softmax(logits)
// over axis 1. logits has shape (N, C), (N, C, d1, ...) or (C);
// targets holds one class per sample and position, in row-major order of
// the shape (N, d1, ...), and a target equal to the ignore index
// (DefaultIgnoreIndex unless WithIgnoreIndex) is skipped. With class
// weights w (WithWeight) and label smoothing ε (WithLabelSmoothing), the
// loss of a sample with target t is
//
//	ℓ = (1-ε)·(-w_t·log p_t) + (ε/C)·Σ_c (-w_c·log p_c)
//
// (w = 1 without weights), and ReduceMean divides Σ ℓ by Σ w_t over the
// targets not ignored, exactly as PyTorch does; if every target is
// ignored the mean is NaN, as in PyTorch. ReduceNone returns ℓ with shape
// (N, d1, ...), 0 at ignored targets. Options: WithReduction, WithWeight,
// WithIgnoreIndex, WithLabelSmoothing. The loss is computed in one fused
// pass (a single exponential per logit, log-sum-exp in float64), so
// logits as large as ±1e4 give finite losses and gradients, and logits of
// -Inf (masked classes) give a finite loss with gradient 0 there unless
// label smoothing makes the loss infinite. A target outside [0, C) that
// is not the ignore index panics.
func CrossEntropy(logits *tensor.Tensor, targets []int, opts ...LossOption) *tensor.Tensor {
	cfg := lossOptions("CrossEntropy", opts, optReduction|optWeight|optIgnore|optSmoothing)
	x, none, c := classShape("CrossEntropy", logits)
	shape := x.Shape()
	cw := classTargets("CrossEntropy", shape, targets, c, cfg)
	w := classWeights("CrossEntropy", cfg.weight, c)
	inner := 1
	for _, d := range shape[2:] {
		inner *= d
	}
	eps := cfg.smoothing
	var wAll float64 // Σ_c w_c
	for k := range c {
		wAll += weightOf(w, k)
	}

	// The forward pass is computed here, in float64 per position, from a
	// softmax p of the detached logits (one exponential per element):
	//	lse = x_t - log p_t, or x_m - log p_m with m the largest logit when
	//	      p_t underflows (p_m >= 1/C does not),
	//	ℓ = (1-ε)·w_t·(lse - x_t) + (ε/C)·(W·lse - Σ_c w_c·x_c),
	// with W = Σ_c w_c, and p is overwritten with the gradient
	//	dℓ/dx_c = a·p_c - (ε/C)·w_c - (1-ε)·w_t·[c=t],  a = (1-ε)·w_t + (ε/C)·W,
	// which withGradient attaches to the value.
	xd := x.Detach()
	grad := xd.Softmax(1)
	xs, gs := xd.Data(), grad.Data()
	vals := make([]float64, len(targets))
	soft := eps / float64(c)
	var wsum, total float64
	for i, t := range targets {
		b := (i/inner)*c*inner + i%inner // element (n, 0, j) of position i = (n, j)
		if t == cfg.ignoreIndex {
			for k := range c {
				gs[b+k*inner] = 0
			}
			continue
		}
		row := func(k int) int { return b + k*inner }
		lse := float64(xs[row(t)]) - math.Log(float64(gs[row(t)]))
		if gs[row(t)] < 1e-37 { // underflow (or a NaN row, which stays NaN)
			m := 0
			for k := range c {
				if xs[row(k)] > xs[row(m)] {
					m = k
				}
			}
			lse = float64(xs[row(m)]) - math.Log(float64(gs[row(m)]))
		}
		hard := (1 - eps) * cw[i]
		a := hard + soft*wAll
		var wx float64 // Σ_c w_c·x_c
		if eps > 0 || a != 1 {
			for k := range c {
				wk := weightOf(w, k)
				if eps > 0 {
					wx += wk * float64(xs[row(k)])
				}
				gs[row(k)] = float32(a*float64(gs[row(k)]) - soft*wk)
			}
		}
		gs[row(t)] -= float32(hard)
		vals[i] = hard*(lse-float64(xs[row(t)])) + soft*(wAll*lse-wx)
		wsum += cw[i]
		total += vals[i]
	}
	var out *tensor.Tensor
	scale := float32(1)
	switch cfg.reduction {
	case ReduceNone:
		v := make([]float32, len(vals))
		for i, l := range vals {
			v[i] = float32(l)
		}
		out = tensor.New(v, none...)
	case ReduceSum:
		out = tensor.Scalar(float32(total))
	default:
		out = tensor.Scalar(float32(total / wsum)) // NaN if every target is ignored, as PyTorch
		scale = float32(1 / wsum)
	}
	if !x.RequiresGrad() {
		return out
	}
	return withGradient(out, x, grad, scale, cfg.reduction == ReduceNone)
}

// withGradient returns value, computed without a graph, with a gradient
// attached: d value/d x = scale·grad, where grad has x's shape (N, C, ...)
// and, if perPosition, value has one element per position (n, d1, ...)
// whose gradient is its slice of grad along axis 1. It builds the
// surrogate
//
//	s = Σ x·grad  (over axis 1 if perPosition, else over everything),
//
// whose gradient with respect to x is grad, and returns value + scale·(s
// - s̄) with s̄ the detached s: the value unchanged (s - s̄ is exactly 0)
// and scale·grad as its gradient. Infinite or NaN logits are kept out of
// s, with gradient 0 (PyTorch's is 0 too, except with label smoothing,
// where the loss itself is infinite). grad must not change afterwards.
func withGradient(value, x, grad *tensor.Tensor, scale float32, perPosition bool) *tensor.Tensor {
	surrogate := func(x *tensor.Tensor) *tensor.Tensor {
		if perPosition {
			return x.Mul(grad).Sum(1, false).Reshape(value.Shape()...)
		}
		return x.Mul(grad).SumAll()
	}
	s := surrogate(x)
	if slices.ContainsFunc(s.Data(), func(v float32) bool { return v-v != 0 }) {
		mask := tensor.ZerosLike(x)
		for i, v := range x.Data() {
			if v-v == 0 {
				mask.Data()[i] = 1
			}
		}
		s = surrogate(tensor.Where(mask, x, tensor.Scalar(0)))
	}
	d := s.Sub(s.Detach())
	if scale != 1 {
		d = d.MulScalar(scale)
	}
	return value.Add(d)
}

// weightOf returns class k's weight, 1 without weights.
func weightOf(w []float32, k int) float64 {
	if w == nil {
		return 1
	}
	return float64(w[k])
}

// classTargets checks targets against an input of shape (N, C, d1, ...)
// and returns each target's class weight, 0 for ignored targets.
func classTargets(op string, shape []int, targets []int, c int, cfg lossConfig) []float64 {
	want := shape[0]
	for _, d := range shape[2:] {
		want *= d
	}
	if len(targets) != want {
		panic(fmt.Sprintf("nn.%s: %d targets for input shape %v; want %d (one per sample and position)", op, len(targets), shape, want))
	}
	w := classWeights(op, cfg.weight, c)
	cw := make([]float64, len(targets))
	for i, t := range targets {
		if t == cfg.ignoreIndex {
			continue
		}
		if t < 0 || t >= c {
			panic(fmt.Sprintf("nn.%s: target %d at position %d out of range [0, %d) (ignore index %d)", op, t, i, c, cfg.ignoreIndex))
		}
		cw[i] = weightOf(w, t)
	}
	return cw
}

// NLLLoss is torch.nn.functional.nll_loss: logProbs (for example from
// LogSoftmax(1)) has shape (N, C), (N, C, d1, ...) or (C), and the loss of
// a sample with target t is -w_t·logProbs[t]. Targets, class weights, the
// ignore index and the reductions work as in CrossEntropy (without label
// smoothing). Options: WithReduction, WithWeight, WithIgnoreIndex.
func NLLLoss(logProbs *tensor.Tensor, targets []int, opts ...LossOption) *tensor.Tensor {
	cfg := lossOptions("NLLLoss", opts, optReduction|optWeight|optIgnore)
	x, none, c := classShape("NLLLoss", logProbs)
	shape := x.Shape()
	cw := classTargets("NLLLoss", shape, targets, c, cfg)
	idx := make([]int, len(targets))
	neg := make([]float32, len(targets)) // -w_t, 0 if ignored
	var wsum float64
	for i, t := range targets {
		if t != cfg.ignoreIndex {
			idx[i], neg[i] = t, -float32(cw[i])
			wsum += cw[i]
		}
	}
	kshape := slices.Clone(shape)
	kshape[1] = 1 // (N, 1, d1, ...): the layout of targets
	loss := x.Gather(1, idx).Mul(tensor.New(neg, kshape...))
	switch cfg.reduction {
	case ReduceNone:
		return loss.Reshape(none...)
	case ReduceSum:
		return loss.SumAll()
	}
	return loss.SumAll().MulScalar(float32(1 / wsum))
}

// CrossEntropySoft is torch.nn.functional.cross_entropy with probability
// targets: probs has the shape of logits ((N, C, d1, ...) or (C)) and
// holds a distribution over the C classes of axis 1 for each sample and
// position. With class weights w and label smoothing ε the loss of one
// sample is
//
//	ℓ = -Σ_c w_c·q_c·log p_c,  q = (1-ε)·probs + ε/C,
//
// and ReduceMean divides Σ ℓ by the number of samples and positions (not
// by the weights), as PyTorch does. The gradient flows into logits and,
// if it requires grad, into probs. Options: WithReduction, WithWeight,
// WithLabelSmoothing.
func CrossEntropySoft(logits, probs *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	cfg := lossOptions("CrossEntropySoft", opts, optReduction|optWeight|optSmoothing)
	if !slices.Equal(logits.Shape(), probs.Shape()) {
		panic(fmt.Sprintf("nn.CrossEntropySoft: logits shape %v and target shape %v differ", logits.Shape(), probs.Shape()))
	}
	x, none, c := classShape("CrossEntropySoft", logits)
	q := probs.Reshape(x.Shape()...)
	if cfg.smoothing > 0 {
		q = q.MulScalar(float32(1 - cfg.smoothing)).AddScalar(float32(cfg.smoothing / float64(c)))
	}
	prod := x.LogSoftmax(1).Mul(q)
	if w := cfg.weight; w != nil {
		classWeights("CrossEntropySoft", w, c)
		ws := make([]int, x.NDim())
		for i := range ws {
			ws[i] = 1
		}
		ws[1] = c
		prod = prod.Mul(w.Detach().Reshape(ws...))
	}
	return reduceLoss(prod.Sum(1, false).Neg().Reshape(none...), cfg.reduction)
}

// KLDivLoss is torch.nn.functional.kl_div(input, target, reduction) with
// log_target=False: input holds log-probabilities, target probabilities of
// the same shape, and the pointwise loss is
//
//	target·(log target - input),  taken as 0 where target is 0.
//
// The reduction defaults to ReduceMean, the mean over every element, as in
// PyTorch; the Kullback–Leibler divergence itself is
// WithReduction(ReduceBatchMean), the sum divided by the size of the first
// dimension. The gradient flows into input and, if it requires grad, into
// target; where target is 0 its gradient is -input (0·log 0 is taken as
// the constant 0), where PyTorch's is NaN. Options: WithReduction.
func KLDivLoss(input, target *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	cfg := lossOptions("KLDivLoss", opts, optReduction)
	if !slices.Equal(input.Shape(), target.Shape()) {
		panic(fmt.Sprintf("nn.KLDivLoss: input shape %v and target shape %v differ", input.Shape(), target.Shape()))
	}
	// log target, with 1 in place of the zeros so that 0·log 0 = 0 (and
	// the gradient there is -input, as PyTorch's xlogy gives).
	nz := tensor.ZerosLike(target)
	for i, v := range target.Data() {
		if v != 0 {
			nz.Data()[i] = 1
		}
	}
	logT := tensor.Where(nz, target, tensor.Scalar(1)).Log()
	loss := target.Mul(logT.Sub(input))
	if cfg.reduction == ReduceBatchMean {
		b := 1
		if input.NDim() > 0 {
			b = input.Dim(0)
		}
		return loss.SumAll().MulScalar(1 / float32(b))
	}
	return reduceLoss(loss, cfg.reduction)
}

// KLDiv is the knowledge-distillation loss of Hinton et al. (2015): the
// Kullback–Leibler divergence from the teacher's softened distribution to
// the student's, scaled by T² so that its gradients keep their size as
// the temperature T changes. For logits of shape (N, C) (or (N, ..., C):
// the classes are the last axis),
//
//	KLDiv = T² · (1/N) · Σ_n Σ_c p_nc·(log p_nc - log q_nc),
//	p = softmax(teacher/T), q = softmax(student/T),
//
// which is PyTorch's F.kl_div(F.log_softmax(student/T, -1),
// F.softmax(teacher/T, -1), reduction="batchmean")·T². Both
// log-distributions are computed with a stable log-softmax, so logits of
// ±1e4 give finite values; classes the teacher rules out (logit -Inf) add
// 0. The gradient flows into the student and, if its logits require grad,
// into the teacher (Detach them to distil from a fixed teacher); where a
// teacher probability underflows to 0, PyTorch's teacher gradient is NaN
// and cairn's is finite. T must be positive.
func KLDiv(studentLogits, teacherLogits *tensor.Tensor, T float64) *tensor.Tensor {
	if !(T > 0) || math.IsInf(T, 1) {
		panic(fmt.Sprintf("nn.KLDiv: temperature %v; want a positive finite value", T))
	}
	if !slices.Equal(studentLogits.Shape(), teacherLogits.Shape()) || studentLogits.NDim() == 0 {
		panic(fmt.Sprintf("nn.KLDiv: student shape %v and teacher shape %v differ or are scalars", studentLogits.Shape(), teacherLogits.Shape()))
	}
	inv := float32(1 / T)
	logQ := studentLogits.MulScalar(inv).LogSoftmax(-1)
	logP := teacherLogits.MulScalar(inv).LogSoftmax(-1)
	p := logP.Exp()
	var ruledOut *tensor.Tensor
	for i, v := range logP.Data() {
		if math.IsInf(float64(v), -1) {
			if ruledOut == nil {
				ruledOut = tensor.ZerosLike(logP)
			}
			ruledOut.Data()[i] = 1
		}
	}
	if ruledOut != nil {
		// p = 0 there: use log p = 0 so that 0·(log p - log q) stays 0
		// rather than 0·(-Inf) = NaN, in the value and in the gradient.
		logP = logP.MaskedFill(ruledOut, 0)
	}
	kl := p.Mul(logP.Sub(logQ)).SumAll()
	return kl.MulScalar(float32(T * T / float64(studentLogits.Dim(0))))
}

// lossSameShape panics unless a and b have the same shape.
func lossSameShape(op string, a, b *tensor.Tensor) {
	if !slices.Equal(a.Shape(), b.Shape()) {
		panic(fmt.Sprintf("nn.%s: input shape %v and target shape %v differ (PyTorch would broadcast them with a warning)", op, a.Shape(), b.Shape()))
	}
}

// MSE is torch.nn.functional.mse_loss: the squared differences of input
// and target (same shape), reduced. The gradient flows into both. Options:
// WithReduction.
func MSE(input, target *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	cfg := lossOptions("MSE", opts, optReduction)
	lossSameShape("MSE", input, target)
	d := input.Sub(target)
	return reduceLoss(d.Mul(d), cfg.reduction)
}

// L1 is torch.nn.functional.l1_loss: the absolute differences of input
// and target (same shape), reduced. The gradient flows into both (0 where
// they are equal, as PyTorch's sign). Options: WithReduction.
func L1(input, target *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	cfg := lossOptions("L1", opts, optReduction)
	lossSameShape("L1", input, target)
	return reduceLoss(input.Sub(target).Abs(), cfg.reduction)
}

// BCEWithLogits is torch.nn.functional.binary_cross_entropy_with_logits:
// the binary cross-entropy of targets in [0, 1] (same shape as logits)
// under sigmoid(logits), computed without forming the sigmoid:
//
//	ℓ = w·[(1-t)·x + (1 + (pw-1)·t)·softplus(-x)]
//
// which equals -w·[pw·t·log σ(x) + (1-t)·log(1-σ(x))] and stays finite for
// any finite logits x. The element weights w (WithWeight) and the
// positive-class weights pw (WithPosWeight) broadcast against the input;
// both default to 1. ReduceMean divides by the number of elements. The
// gradient flows into logits and, if it requires grad, into targets.
// Options: WithReduction, WithWeight, WithPosWeight.
func BCEWithLogits(logits, targets *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	cfg := lossOptions("BCEWithLogits", opts, optReduction|optWeight|optPosWeight)
	lossSameShape("BCEWithLogits", logits, targets)
	sp := logits.Neg().Softplus()
	if pw := cfg.posWeight; pw != nil {
		lossBroadcastsTo("BCEWithLogits", "pos_weight", pw, logits)
		sp = sp.Mul(targets.Mul(pw.Detach().AddScalar(-1)).AddScalar(1))
	}
	loss := targets.Neg().AddScalar(1).Mul(logits).Add(sp)
	if w := cfg.weight; w != nil {
		lossBroadcastsTo("BCEWithLogits", "weight", w, logits)
		loss = loss.Mul(w.Detach())
	}
	return reduceLoss(loss, cfg.reduction)
}

// lossBroadcastsTo panics unless w broadcasts to x's shape without growing it.
func lossBroadcastsTo(op, what string, w, x *tensor.Tensor) {
	ws, xs := w.Shape(), x.Shape()
	ok := len(ws) <= len(xs)
	for i := 1; ok && i <= len(ws); i++ {
		d := ws[len(ws)-i]
		ok = d == 1 || d == xs[len(xs)-i]
	}
	if !ok {
		panic(fmt.Sprintf("nn.%s: %s shape %v does not broadcast to input shape %v", op, what, ws, xs))
	}
}
