package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// Result is the outcome of one training run: accuracies (fractions in
// [0, 1]) at the best early-stopping state and how long training ran.
type Result struct {
	TrainAcc, ValAcc, TestAcc float64
	// ValLoss is the validation loss at the best state.
	ValLoss float64
	// Epochs is the number of epochs run and BestEpoch the (0-based) epoch
	// whose parameters were kept.
	Epochs, BestEpoch int
}

// earlyStopper is the reference code's EarlyStopping with both validation
// accuracy (higher is better) and loss (lower is better) monitored:
// patience resets when either is at least as good as its best so far
// (acc ≥, loss ≤), and the kept state is the best ranked first by accuracy,
// then by loss (Best.RANKED).
type earlyStopper struct {
	patience, left     int
	bestAcc, bestLoss  float64 // best values seen (each on its own)
	keepAcc, keepLoss  float64 // the kept state's values
	keepEpoch, stopped int
}

func newEarlyStopper(patience int) *earlyStopper {
	return &earlyStopper{patience: patience, left: patience, bestAcc: math.Inf(-1), bestLoss: math.Inf(1),
		keepAcc: math.Inf(-1), keepLoss: math.Inf(1), keepEpoch: -1}
}

// step records epoch's validation accuracy and loss. It reports whether
// this epoch's state is the new best (to be kept) and whether to stop.
func (s *earlyStopper) step(epoch int, acc, loss float64) (keep, stop bool) {
	if acc >= s.bestAcc || loss <= s.bestLoss {
		s.left = s.patience
		keep = acc > s.keepAcc || (acc == s.keepAcc && loss < s.keepLoss)
		if keep {
			s.keepAcc, s.keepLoss, s.keepEpoch = acc, loss, epoch
		}
		s.bestAcc, s.bestLoss = math.Max(s.bestAcc, acc), math.Min(s.bestLoss, loss)
	} else {
		s.left--
	}
	return keep, s.left <= 0
}

// accuracy is the fraction of idx whose logits row's argmax is the label.
func accuracy(logits *tensor.Tensor, labels, idx []int) float64 {
	c := logits.Dim(1)
	d := logits.Data()
	right := 0
	for _, i := range idx {
		row := d[i*c : (i+1)*c]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == labels[i] {
			right++
		}
	}
	return float64(right) / float64(len(idx))
}

// loss is the mean cross entropy over idx plus (λ/2)·Σ‖W‖² over reg.
func lossOn(logits *tensor.Tensor, labels, idx []int, reg []*tensor.Tensor, l2 float64) *tensor.Tensor {
	targets := make([]int, len(idx))
	for k, i := range idx {
		targets[k] = labels[i]
	}
	loss := nn.CrossEntropy(logits.IndexSelect(0, idx), targets)
	if l2 != 0 {
		for _, w := range reg {
			loss = loss.Add(w.Mul(w).SumAll().MulScalar(float32(l2 / 2)))
		}
	}
	return loss
}

// Train builds the model of c on in from rng and trains it with the
// paper's recipe (spec §6): full-batch Adam at c.LR on the mean cross
// entropy of the training nodes plus (c.L2/2)·‖W₁‖² on the first layer's
// weights only; after every epoch the model is evaluated (dropout off) on
// the validation nodes and early stopping watches validation accuracy and
// loss with patience c.Patience, up to c.MaxEpochs. The parameters of the
// best epoch (by accuracy, then loss) are restored and the model is
// evaluated on all three splits. progress, if not nil, is called after
// every epoch. It returns an error for a bad configuration or if a
// propagation fails.
func Train(rng *rand.Rand, c Config, in *Inputs, progress func(epoch int, valAcc, valLoss float64)) (Result, Model, error) {
	if c.MaxEpochs < 1 || c.Patience < 1 || !(c.LR > 0) || !(c.L2 >= 0) {
		return Result{}, nil, fmt.Errorf("graph.Train: max epochs %d, patience %d, lr %v, L2 %v out of range",
			c.MaxEpochs, c.Patience, c.LR, c.L2)
	}
	m, err := NewModel(rng, c, in.X.Cols(), in.NumClasses)
	if err != nil {
		return Result{}, nil, err
	}
	res, err := Fit(m, c, in, progress)
	return res, m, err
}

// Fit trains an already built model as [Train] does.
func Fit(m Model, c Config, in *Inputs, progress func(epoch int, valAcc, valLoss float64)) (Result, error) {
	params := nn.Params(m)
	opt := optim.NewAdam(params, c.LR)
	reg := m.Regularized()
	stop := newEarlyStopper(c.Patience)
	best := make([][]float32, len(params))
	for i, p := range params {
		best[i] = slices.Clone(p.Data())
	}
	var res Result
	for epoch := range c.MaxEpochs {
		nn.SetTraining(m, true)
		opt.ZeroGrad()
		logits, err := m.Forward(in)
		if err != nil {
			return Result{}, fmt.Errorf("graph.Fit: epoch %d: %w", epoch, err)
		}
		lossOn(logits, in.Labels, in.Train, reg, c.L2).Backward()
		opt.Step()

		nn.SetTraining(m, false)
		logits, err = m.Forward(in)
		if err != nil {
			return Result{}, fmt.Errorf("graph.Fit: epoch %d: %w", epoch, err)
		}
		vl := float64(lossOn(logits.Detach(), in.Labels, in.Val, nil, 0).Item())
		for _, w := range reg {
			vl += c.L2 / 2 * float64(w.Detach().Mul(w.Detach()).SumAll().Item())
		}
		va := accuracy(logits, in.Labels, in.Val)
		if progress != nil {
			progress(epoch, va, vl)
		}
		res.Epochs = epoch + 1
		keep, done := stop.step(epoch, va, vl)
		if keep {
			for i, p := range params {
				copy(best[i], p.Data())
			}
		}
		if done {
			break
		}
	}
	for i, p := range params {
		copy(p.Data(), best[i])
	}
	nn.SetTraining(m, false)
	logits, err := m.Forward(in)
	if err != nil {
		return Result{}, fmt.Errorf("graph.Fit: evaluation: %w", err)
	}
	logits = logits.Detach()
	res.TrainAcc = accuracy(logits, in.Labels, in.Train)
	res.ValAcc = accuracy(logits, in.Labels, in.Val)
	res.TestAcc = accuracy(logits, in.Labels, in.Test)
	res.ValLoss = stop.keepLoss
	res.BestEpoch = stop.keepEpoch
	return res, nil
}

// CI is a mean with a bootstrap confidence interval.
type CI struct {
	Mean, Lo, Hi float64
	// HalfWidth is max(|Lo − Mean|, |Hi − Mean|), the "±" the paper reports.
	HalfWidth float64
}

// BootstrapCI returns the mean of xs and the percentile bootstrap
// confidence interval at level (0.95 for 95%) of the mean from nBoot
// resamples drawn with rng, as seaborn's bootstrap + np.percentile (linear
// interpolation) that the paper's calc_uncertainty uses (nBoot = 1000). It
// panics if xs is empty, nBoot < 1 or level ∉ (0, 1).
func BootstrapCI(rng *rand.Rand, xs []float64, nBoot int, level float64) CI {
	if len(xs) == 0 || nBoot < 1 || !(level > 0 && level < 1) {
		panic(fmt.Sprintf("graph.BootstrapCI: %d values, %d resamples, level %v", len(xs), nBoot, level))
	}
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	means := make([]float64, nBoot)
	for b := range means {
		s := 0.0
		for range xs {
			s += xs[rng.IntN(len(xs))]
		}
		means[b] = s / float64(len(xs))
	}
	slices.Sort(means)
	lo := percentile(means, 100*(1-level)/2)
	hi := percentile(means, 100*(1+level)/2)
	return CI{Mean: mean, Lo: lo, Hi: hi, HalfWidth: math.Max(math.Abs(lo-mean), math.Abs(hi-mean))}
}

// percentile is np.percentile with linear interpolation on sorted xs.
func percentile(xs []float64, q float64) float64 {
	pos := q / 100 * float64(len(xs)-1)
	i := int(math.Floor(pos))
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	f := pos - float64(i)
	return xs[i] + f*(xs[i+1]-xs[i])
}
