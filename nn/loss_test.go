package nn_test

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// lossCase is one case of testdata/loss.json (see loss.py).
type lossCase struct {
	Loss           string  `json:"loss"`
	Reduction      string  `json:"reduction"`
	TargetGrad     bool    `json:"target_grad"`
	Weight         bool    `json:"weight"`
	PosWeight      bool    `json:"pos_weight"`
	IgnoreIndex    *int    `json:"ignore_index"`
	LabelSmoothing float64 `json:"label_smoothing"`
	T              float64 `json:"T"`
}

var lossReductions = map[string]nn.Reduction{
	"": nn.ReduceMean, "mean": nn.ReduceMean, "sum": nn.ReduceSum, "none": nn.ReduceNone, "batchmean": nn.ReduceBatchMean,
}

// TestLossTorchParity replays loss.py: the value of every loss under every
// option and reduction, and its gradients with respect to the input (and
// to float targets), including logits of ±1e4.
func TestLossTorchParity(t *testing.T) {
	f := torchfix.Load(t, "testdata/loss.json")
	var cases map[string]lossCase
	f.MetaValue(t, "cases", &cases)
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		c := cases[name]
		t.Run(name, func(t *testing.T) {
			get := func(k string) *tensor.Tensor { return f.T(t, name+"."+k) }
			r, ok := lossReductions[c.Reduction]
			if !ok {
				t.Fatalf("unknown reduction %q", c.Reduction)
			}
			var opts []nn.LossOption
			if c.Reduction != "" {
				opts = append(opts, nn.WithReduction(r))
			}
			if c.Weight {
				opts = append(opts, nn.WithWeight(get("weight")))
			}
			if c.PosWeight {
				opts = append(opts, nn.WithPosWeight(get("pos_weight")))
			}
			if c.IgnoreIndex != nil {
				opts = append(opts, nn.WithIgnoreIndex(*c.IgnoreIndex))
			}
			if c.LabelSmoothing != 0 {
				opts = append(opts, nn.WithLabelSmoothing(c.LabelSmoothing))
			}
			x := get("input").SetRequiresGrad(true)
			var target *tensor.Tensor
			if c.Loss != "ce" && c.Loss != "nll" {
				target = get("target").SetRequiresGrad(c.TargetGrad)
			}
			var out *tensor.Tensor
			switch c.Loss {
			case "ce":
				out = nn.CrossEntropy(x, f.Ints(t, name+".target"), opts...)
			case "nll":
				out = nn.NLLLoss(x, f.Ints(t, name+".target"), opts...)
			case "ce_soft":
				out = nn.CrossEntropySoft(x, target, opts...)
			case "kldiv":
				out = nn.KLDivLoss(x, target, opts...)
			case "kd":
				out = nn.KLDiv(x, target, c.T)
			case "mse":
				out = nn.MSE(x, target, opts...)
			case "l1":
				out = nn.L1(x, target, opts...)
			case "bce":
				out = nn.BCEWithLogits(x, target, opts...)
			default:
				t.Fatalf("unknown loss %q", c.Loss)
			}
			out.BackwardWith(get("g"))
			atol := 1e-5
			if strings.Contains(name, "extreme") {
				atol = 1e-3 // values of order 1e4, whose float32 spacing is 1e-3
			}
			torchfix.Close(t, "loss", out, get("out"), 1e-4, atol)
			torchfix.Close(t, "grad input", x.Grad(), get("grad_input"), 1e-4, atol)
			if c.TargetGrad {
				// PyTorch's gradient with respect to a target probability
				// of exactly 0 is NaN (d/dt t·log t is -Inf there), and it
				// spreads through a teacher's softmax; cairn's is finite
				// (see KLDivLoss). Compare the other elements only.
				want, got := get("grad_target"), target.Grad()
				nan := 0
				for i, v := range want.Data() {
					if math.IsNaN(float64(v)) {
						if g := float64(got.Data()[i]); math.IsNaN(g) || math.IsInf(g, 0) {
							t.Errorf("grad target %d = %v, want finite", i, g)
						}
						want.Data()[i] = got.Data()[i]
						nan++
					}
				}
				if nan > 0 && c.Loss != "kldiv" && c.Loss != "kd" {
					t.Errorf("PyTorch's target gradient has %d NaN; only kl_div's should", nan)
				}
				torchfix.Close(t, "grad target", got, want, 1e-4, atol)
			}
		})
	}
}

func TestLossGradCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	randn := func(shape ...int) *tensor.Tensor { return tensor.Randn(r, shape...) }
	probs := func(shape ...int) *tensor.Tensor { return tensor.Randn(r, shape...).Softmax(1) }
	unit := func(shape ...int) *tensor.Tensor { return tensor.Uniform(r, 0.1, 0.9, shape...) }
	w := tensor.New([]float32{0.5, 1, 2, 1.5}, 4)
	ce := []int{0, 3, -100, 2, 1}
	ceND := []int{1, 0, 3, 3, -100, 2} // (2, 3) positions of (2, 4, 3) logits
	for _, test := range []struct {
		name string
		f    func(in ...*tensor.Tensor) *tensor.Tensor
		in   []*tensor.Tensor
	}{
		{"CrossEntropy", func(in ...*tensor.Tensor) *tensor.Tensor {
			return nn.CrossEntropy(in[0], ce)
		}, []*tensor.Tensor{randn(5, 4)}},
		{"CrossEntropy weight smoothing", func(in ...*tensor.Tensor) *tensor.Tensor {
			return nn.CrossEntropy(in[0], ce, nn.WithWeight(w), nn.WithLabelSmoothing(0.2))
		}, []*tensor.Tensor{randn(5, 4)}},
		{"CrossEntropy (N,C,d) none", func(in ...*tensor.Tensor) *tensor.Tensor {
			return nn.CrossEntropy(in[0], ceND, nn.WithWeight(w), nn.WithLabelSmoothing(0.1), nn.WithReduction(nn.ReduceNone))
		}, []*tensor.Tensor{randn(2, 4, 3)}},
		{"CrossEntropySoft", func(in ...*tensor.Tensor) *tensor.Tensor {
			return nn.CrossEntropySoft(in[0], in[1], nn.WithWeight(w), nn.WithLabelSmoothing(0.1))
		}, []*tensor.Tensor{randn(3, 4), probs(3, 4)}},
		{"NLLLoss sum", func(in ...*tensor.Tensor) *tensor.Tensor {
			return nn.NLLLoss(in[0], ce, nn.WithWeight(w), nn.WithReduction(nn.ReduceSum))
		}, []*tensor.Tensor{randn(5, 4)}},
		{"KLDivLoss batchmean", func(in ...*tensor.Tensor) *tensor.Tensor {
			return nn.KLDivLoss(in[0], in[1], nn.WithReduction(nn.ReduceBatchMean))
		}, []*tensor.Tensor{randn(3, 4), unit(3, 4)}},
		{"KLDiv T=2", func(in ...*tensor.Tensor) *tensor.Tensor {
			return nn.KLDiv(in[0], in[1], 2)
		}, []*tensor.Tensor{randn(3, 4), randn(3, 4)}},
		{"MSE none", func(in ...*tensor.Tensor) *tensor.Tensor {
			return nn.MSE(in[0], in[1], nn.WithReduction(nn.ReduceNone))
		}, []*tensor.Tensor{randn(2, 3), randn(2, 3)}},
		{"L1", func(in ...*tensor.Tensor) *tensor.Tensor {
			return nn.L1(in[0], in[1])
		}, []*tensor.Tensor{tensor.New([]float32{1, -2, 0.5, 3}, 2, 2), tensor.New([]float32{0, 1, -0.5, 2}, 2, 2)}},
		{"BCEWithLogits weight pos_weight", func(in ...*tensor.Tensor) *tensor.Tensor {
			return nn.BCEWithLogits(in[0], in[1], nn.WithWeight(tensor.New([]float32{0.5, 2}, 2, 1)),
				nn.WithPosWeight(tensor.New([]float32{3, 0.5, 1}, 3)))
		}, []*tensor.Tensor{randn(2, 3), unit(2, 3)}},
	} {
		t.Run(test.name, func(t *testing.T) { tensortest.GradCheck(t, test.f, test.in...) })
	}
}

// TestCrossEntropyComposed checks CrossEntropy's fused forward and
// hand-written gradient against the same loss composed from tensor ops
// (LogSoftmax, NLLLoss, Sum), over shapes, reductions and options.
func TestCrossEntropyComposed(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, shape := range [][]int{{7, 6}, {3, 6, 4}, {2, 6, 2, 3}, {6}} {
		c := shape[0]
		if len(shape) > 1 {
			c = shape[1]
		}
		npos := tensor.Zeros(shape...).Size() / c // samples times positions
		targets := make([]int, npos)
		for i := range targets {
			targets[i] = r.IntN(c)
			if i%5 == 3 {
				targets[i] = -100
			}
		}
		w := tensor.Uniform(r, 0.2, 2, c)
		for _, red := range []nn.Reduction{nn.ReduceMean, nn.ReduceSum, nn.ReduceNone} {
			for _, eps := range []float64{0, 0.3} {
				for _, weighted := range []bool{false, true} {
					name := fmt.Sprintf("%v %v eps=%v weighted=%v", shape, red, eps, weighted)
					opts := []nn.LossOption{nn.WithReduction(red), nn.WithLabelSmoothing(eps)}
					nllOpts := []nn.LossOption{nn.WithReduction(nn.ReduceNone)}
					cw := tensor.Ones(c)
					if weighted {
						opts = append(opts, nn.WithWeight(w))
						nllOpts = append(nllOpts, nn.WithWeight(w))
						cw = w
					}
					x := tensor.Normal(r, 0, 3, shape...)
					x1, x2 := x.Clone().SetRequiresGrad(true), x.Clone().SetRequiresGrad(true)
					got := nn.CrossEntropy(x1, targets, opts...)

					// composed: (1-ε)·NLL + (ε/C)·(-Σ_c w_c log p_c), 0 where ignored
					xb := x2
					if len(shape) == 1 {
						xb = x2.Reshape(1, c)
					}
					logp := xb.LogSoftmax(1)
					ws := make([]int, xb.NDim())
					for i := range ws {
						ws[i] = 1
					}
					ws[1] = c
					keep := tensor.Zeros(npos)
					var wsum float32
					for i, tg := range targets {
						if tg != -100 {
							keep.Data()[i] = 1
							wsum += cw.Data()[tg]
						}
					}
					nll := nn.NLLLoss(logp, targets, nllOpts...).Reshape(npos)
					smooth := logp.Mul(cw.Reshape(ws...)).Sum(1, false).Reshape(npos).Neg().Mul(keep)
					want := nll.MulScalar(float32(1 - eps)).Add(smooth.MulScalar(float32(eps) / float32(c)))
					switch red {
					case nn.ReduceSum:
						want = want.SumAll()
					case nn.ReduceMean:
						want = want.SumAll().MulScalar(1 / wsum)
					default:
						want = want.Reshape(got.Shape()...)
					}
					g := tensor.Randn(r, got.Shape()...)
					got.BackwardWith(g)
					want.BackwardWith(g)
					if err := torchfix.Compare(got, want, 1e-5, 1e-5); err != nil {
						t.Errorf("%s: loss: %v", name, err)
					}
					if err := torchfix.Compare(x1.Grad(), x2.Grad(), 1e-4, 1e-6); err != nil {
						t.Errorf("%s: gradient: %v", name, err)
					}
				}
			}
		}
	}
	// without grad, no graph is recorded
	if nn.CrossEntropy(tensor.Zeros(2, 3), []int{0, 1}).RequiresGrad() {
		t.Error("CrossEntropy of constants requires grad")
	}
}

// TestLossExtremeLogits checks that logits of ±1e4 (and -Inf for a class
// the teacher rules out) give finite values and gradients everywhere,
// where PyTorch's are finite too (loss.py asserts that of its own).
func TestLossExtremeLogits(t *testing.T) {
	big := []float32{1e4, -1e4, 0, 5e3, -1e4, 1e4, 1e4, -5e3}
	logits := func() *tensor.Tensor { return tensor.New(slices.Clone(big), 2, 4).SetRequiresGrad(true) }
	soft := tensor.New([]float32{0.1, 0.2, 0.3, 0.4, 0, 1, 0, 0}, 2, 4)
	for _, test := range []struct {
		name string
		f    func(x *tensor.Tensor) *tensor.Tensor
	}{
		{"CrossEntropy", func(x *tensor.Tensor) *tensor.Tensor { return nn.CrossEntropy(x, []int{1, 3}) }},
		{"CrossEntropy smoothing", func(x *tensor.Tensor) *tensor.Tensor {
			return nn.CrossEntropy(x, []int{1, 3}, nn.WithLabelSmoothing(0.1))
		}},
		{"CrossEntropySoft", func(x *tensor.Tensor) *tensor.Tensor { return nn.CrossEntropySoft(x, soft) }},
		{"NLLLoss of LogSoftmax", func(x *tensor.Tensor) *tensor.Tensor { return nn.NLLLoss(x.LogSoftmax(1), []int{0, 1}) }},
		{"KLDiv student", func(x *tensor.Tensor) *tensor.Tensor {
			return nn.KLDiv(x, tensor.New(slices.Clone(big), 4, 2).Reshape(2, 4), 1)
		}},
		{"KLDiv teacher", func(x *tensor.Tensor) *tensor.Tensor { return nn.KLDiv(tensor.Zeros(2, 4), x, 4) }},
		{"KLDivLoss", func(x *tensor.Tensor) *tensor.Tensor {
			return nn.KLDivLoss(x.LogSoftmax(1), soft, nn.WithReduction(nn.ReduceBatchMean))
		}},
		{"BCEWithLogits", func(x *tensor.Tensor) *tensor.Tensor {
			return nn.BCEWithLogits(x, soft, nn.WithPosWeight(tensor.Full(2, 4)))
		}},
	} {
		t.Run(test.name, func(t *testing.T) {
			x := logits()
			out := test.f(x)
			out.Backward()
			if v := float64(out.Item()); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("loss %v", v)
			}
			for i, g := range x.Grad().Data() {
				if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
					t.Errorf("gradient %d is %v", i, g)
				}
			}
		})
	}
	// a teacher logit of -Inf (a ruled-out class) contributes 0, not NaN
	teacher := tensor.New([]float32{float32(math.Inf(-1)), 1, 2, 3}, 1, 4).SetRequiresGrad(true)
	student := tensor.New([]float32{1e4, 0, 0, -1e4}, 1, 4).SetRequiresGrad(true)
	out := nn.KLDiv(student, teacher, 1)
	out.Backward()
	for _, v := range append(append([]float32{out.Item()}, student.Grad().Data()...), teacher.Grad().Data()...) {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("KLDiv with a -Inf teacher logit: loss %v, grads %v %v", out.Item(), student.Grad().Data(), teacher.Grad().Data())
		}
	}
}

func TestCrossEntropyIgnoreAll(t *testing.T) {
	x := tensor.Randn(rand.New(rand.NewPCG(1, 1)), 2, 3).SetRequiresGrad(true)
	if v := nn.CrossEntropy(x, []int{-100, -100}).Item(); !math.IsNaN(float64(v)) {
		t.Errorf("mean over no targets = %v, want NaN as PyTorch", v)
	}
	s := nn.CrossEntropy(x, []int{-100, -100}, nn.WithReduction(nn.ReduceSum))
	s.Backward()
	if s.Item() != 0 || slices.ContainsFunc(x.Grad().Data(), func(g float32) bool { return g != 0 }) {
		t.Errorf("sum over no targets = %v, grad %v; want 0 and zeros", s.Item(), x.Grad().Data())
	}
	// label smoothing equal to 1 ignores the targets altogether
	a := nn.CrossEntropy(x, []int{0, 1}, nn.WithLabelSmoothing(1))
	b := nn.CrossEntropy(x, []int{2, 2}, nn.WithLabelSmoothing(1))
	if math.Abs(float64(a.Item()-b.Item())) > 1e-6 {
		t.Errorf("smoothing 1: %v and %v differ", a.Item(), b.Item())
	}
}

func TestLossPanics(t *testing.T) {
	x := tensor.Zeros(2, 3)
	for _, test := range []struct {
		name, msg string
		f         func()
	}{
		{"option not taken", "nn.CrossEntropy: does not take WithPosWeight", func() {
			nn.CrossEntropy(x, []int{0, 1}, nn.WithPosWeight(tensor.Ones(3)))
		}},
		{"batchmean outside KLDivLoss", "reduction batchmean not supported", func() {
			nn.MSE(x, x, nn.WithReduction(nn.ReduceBatchMean))
		}},
		{"smoothing range", "label smoothing 1.5 outside [0, 1]", func() { nn.CrossEntropy(x, []int{0, 1}, nn.WithLabelSmoothing(1.5)) }},
		{"target range", "target 3 at position 1 out of range [0, 3)", func() { nn.CrossEntropy(x, []int{0, 3}) }},
		{"negative target", "target -1 at position 0", func() { nn.NLLLoss(x, []int{-1, 0}) }},
		{"target count", "3 targets for input shape [2 3]", func() { nn.CrossEntropy(x, []int{0, 1, 2}) }},
		{"class weights", "weight shape [2]; want one weight per class (3)", func() {
			nn.CrossEntropy(x, []int{0, 1}, nn.WithWeight(tensor.Ones(2)))
		}},
		{"soft shapes", "CrossEntropySoft: logits shape [2 3] and target shape [3 2]", func() { nn.CrossEntropySoft(x, tensor.Zeros(3, 2)) }},
		{"mse shapes", "MSE: input shape [2 3] and target shape [2 1] differ", func() { nn.MSE(x, tensor.Zeros(2, 1)) }},
		{"pos_weight shape", "pos_weight shape [2] does not broadcast", func() {
			nn.BCEWithLogits(x, x, nn.WithPosWeight(tensor.Ones(2)))
		}},
		{"temperature", "KLDiv: temperature 0", func() { nn.KLDiv(x, x, 0) }},
	} {
		t.Run(test.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, test.msg) {
					t.Errorf("panic %v, want one containing %q", r, test.msg)
				}
			}()
			test.f()
		})
	}
}

func TestReductionString(t *testing.T) {
	for r, want := range map[nn.Reduction]string{nn.ReduceMean: "mean", nn.ReduceSum: "sum", nn.ReduceNone: "none", nn.ReduceBatchMean: "batchmean", 9: "Reduction(9)"} {
		if got := r.String(); got != want {
			t.Errorf("%d: %q, want %q", int(r), got, want)
		}
	}
}

func ExampleCrossEntropy() {
	logits := tensor.New([]float32{
		2, 0, 0, // sample 0: class 0 is likely
		0, 0, 3, // sample 1: class 2 is likely
		1, 1, 1, // sample 2: padding, ignored
	}, 3, 3).SetRequiresGrad(true)
	targets := []int{0, 2, nn.DefaultIgnoreIndex}
	loss := nn.CrossEntropy(logits, targets, nn.WithLabelSmoothing(0.1))
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	fmt.Printf("grad of sample 0: %.4f\n", logits.Grad().Data()[:3])
	fmt.Printf("grad of sample 2: %.4f\n", logits.Grad().Data()[6:])
	// Output:
	// loss 0.3339
	// grad of sample 0: [-0.0732 0.0366 0.0366]
	// grad of sample 2: [0.0000 0.0000 0.0000]
}

func ExampleKLDiv() {
	student := tensor.New([]float32{1, 2, 3}, 1, 3)
	teacher := tensor.New([]float32{1, 2, 3}, 1, 3)
	fmt.Printf("same logits: %.4f\n", nn.KLDiv(student, teacher, 2).Item())
	teacher = tensor.New([]float32{3, 2, 1}, 1, 3)
	fmt.Printf("reversed, T=1: %.4f, T=4: %.4f\n", nn.KLDiv(student, teacher, 1).Item(), nn.KLDiv(student, teacher, 4).Item())
	// Output:
	// same logits: 0.0000
	// reversed, T=1: 1.1504, T=4: 1.3196
}

func benchCrossEntropy(b *testing.B, n, c int) {
	r := rand.New(rand.NewPCG(1, 2))
	x := tensor.Randn(r, n, c).SetRequiresGrad(true)
	targets := make([]int, n)
	for i := range targets {
		targets[i] = r.IntN(c)
	}
	for b.Loop() {
		nn.CrossEntropy(x, targets).Backward()
	}
}

// BenchmarkCrossEntropy is one forward and backward pass of CrossEntropy
// on (128, 1000) logits.
func BenchmarkCrossEntropy(b *testing.B) { benchCrossEntropy(b, 128, 1000) }
