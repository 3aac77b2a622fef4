package nn_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// normCase is one case of testdata/norm.json (see norm.py).
type normCase struct {
	Kind     string  `json:"kind"`
	Shape    []int   `json:"shape"`
	Affine   bool    `json:"affine"`
	Track    bool    `json:"track"`
	Momentum float64 `json:"momentum"`
	Eps      float64 `json:"eps"`
}

// TestNormTorchParity replays norm.py: two training-mode passes (outputs,
// gradients of input, weight and bias, running statistics afterwards) and
// one evaluation-mode pass, for BatchNorm1D/2D, InstanceNorm2D and
// LayerNorm, with weights loaded by their PyTorch state_dict names.
func TestNormTorchParity(t *testing.T) {
	f := torchfix.Load(t, "testdata/norm.json")
	var cases map[string]normCase
	f.MetaValue(t, "cases", &cases)
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		c := cases[name]
		t.Run(name, func(t *testing.T) {
			get := func(k string) *tensor.Tensor { return f.T(t, name+"."+k) }
			var (
				model  any
				fwd    func(*tensor.Tensor) *tensor.Tensor
				bn     *nn.BatchNorm
				layerW *tensor.Tensor
				layerB *tensor.Tensor
			)
			switch c.Kind {
			case "bn1d":
				m := nn.NewBatchNorm1D(c.Shape[1])
				model, fwd, bn = m, m.Forward, &m.BatchNorm
			case "bn2d":
				m := nn.NewBatchNorm2D(c.Shape[1])
				model, fwd, bn = m, m.Forward, &m.BatchNorm
			case "in2d":
				m := nn.NewInstanceNorm2D(c.Shape[1], c.Affine)
				m.Eps = c.Eps
				model, fwd, layerW, layerB = m, m.Forward, m.Weight, m.Bias
			case "ln":
				m := nn.NewLayerNorm(c.Shape[len(c.Shape)-1])
				m.Eps = c.Eps
				model, fwd, layerW, layerB = m, m.Forward, m.Weight, m.Bias
			default:
				t.Fatalf("unknown kind %q", c.Kind)
			}
			state := map[string]*tensor.Tensor{}
			if c.Affine {
				state["weight"], state["bias"] = get("weight"), get("bias")
			}
			if bn != nil {
				bn.Momentum, bn.Eps = c.Momentum, c.Eps
				if !c.Affine {
					bn.Weight, bn.Bias = nil, nil
				}
				if c.Track {
					state["running_mean"], state["running_var"] = get("rm0"), get("rv0")
					state["num_batches_tracked"] = tensor.Scalar(0)
				} else {
					bn.RunningMean, bn.RunningVar, bn.NumBatchesTracked = nil, nil, nil
				}
				layerW, layerB = bn.Weight, bn.Bias
			}
			if err := nn.LoadState(model, state); err != nil {
				t.Fatal(err)
			}
			for step := 1; step <= 3; step++ {
				if step == 3 {
					nn.SetTraining(model, false)
				}
				s := fmt.Sprint(step)
				nn.ZeroGrad(model)
				x := get("x" + s).SetRequiresGrad(true)
				y := fwd(x)
				y.BackwardWith(get("g" + s))
				torchfix.Close(t, "y"+s, y, get("y"+s), 1e-4, 1e-5)
				torchfix.Close(t, "grad x"+s, x.Grad(), get("gx"+s), 1e-4, 1e-5)
				if c.Affine {
					torchfix.Close(t, "grad weight"+s, layerW.Grad(), get("gw"+s), 1e-4, 1e-5)
					torchfix.Close(t, "grad bias"+s, layerB.Grad(), get("gb"+s), 1e-4, 1e-5)
				}
				if step == 2 && c.Track {
					torchfix.Close(t, "running_mean", bn.RunningMean, get("rm"), 1e-4, 1e-6)
					torchfix.Close(t, "running_var", bn.RunningVar, get("rv"), 1e-4, 1e-6)
					torchfix.Close(t, "num_batches_tracked", bn.NumBatchesTracked, get("nbt"), 0, 0)
				}
			}
			if c.Track {
				// evaluation mode leaves the running statistics alone
				torchfix.Close(t, "running_mean after eval", bn.RunningMean, get("rm"), 1e-4, 1e-6)
				torchfix.Close(t, "num_batches_tracked after eval", bn.NumBatchesTracked, get("nbt"), 0, 0)
			}
		})
	}
}

func TestBatchNormStateDict(t *testing.T) {
	type net struct {
		BN1 *nn.BatchNorm1D `cairn:"bn1"`
		BN2 *nn.BatchNorm2D `cairn:"bn2"`
		IN  *nn.InstanceNorm2D
		INA *nn.InstanceNorm2D `cairn:"ina"`
	}
	m := &net{nn.NewBatchNorm1D(3), nn.NewBatchNorm2D(4), nn.NewInstanceNorm2D(4, false), nn.NewInstanceNorm2D(2, true)}
	var got []string
	for _, n := range nn.StateDict(m) {
		got = append(got, fmt.Sprintf("%s%v buffer=%v", n.Name, n.Tensor.Shape(), n.Buffer))
	}
	want := []string{
		"bn1.weight[3] buffer=false", "bn1.bias[3] buffer=false",
		"bn1.running_mean[3] buffer=true", "bn1.running_var[3] buffer=true", "bn1.num_batches_tracked[] buffer=true",
		"bn2.weight[4] buffer=false", "bn2.bias[4] buffer=false",
		"bn2.running_mean[4] buffer=true", "bn2.running_var[4] buffer=true", "bn2.num_batches_tracked[] buffer=true",
		"ina.weight[2] buffer=false", "ina.bias[2] buffer=false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("state dict\n %s\nwant\n %s", strings.Join(got, "\n "), strings.Join(want, "\n "))
	}
	if n := len(nn.Params(m)); n != 6 {
		t.Errorf("%d parameters, want 6 (buffers are not parameters)", n)
	}
}

func TestBatchNormModes(t *testing.T) {
	bn := nn.NewBatchNorm2D(2)
	if !bn.Training() {
		t.Fatal("a new BatchNorm2D is not in training mode")
	}
	x := tensor.Randn(rand.New(rand.NewPCG(3, 4)), 3, 2, 2, 2)
	bn.Forward(x)
	rm := bn.RunningMean.Clone()
	nn.SetTraining(bn, false)
	if bn.Training() {
		t.Fatal("SetTraining(false) did not reach the BatchNorm2D")
	}
	// evaluation with the initial statistics is an affine map; nothing changes
	nn.Freeze(bn)
	y := bn.Forward(x)
	if y.RequiresGrad() {
		t.Error("a frozen BatchNorm in evaluation mode recorded a graph")
	}
	if !slices.Equal(rm.Data(), bn.RunningMean.Data()) || bn.NumBatchesTracked.Item() != 1 {
		t.Error("evaluation mode changed the running statistics")
	}
	// without running statistics, evaluation uses the batch statistics
	free := nn.NewBatchNorm2D(2)
	free.RunningMean, free.RunningVar, free.NumBatchesTracked = nil, nil, nil
	want := free.Forward(x)
	nn.SetTraining(free, false)
	torchfix.Close(t, "eval without running stats", free.Forward(x), want, 0, 0)
	// a struct literal starts in training mode too, as PyTorch modules do
	lit := &nn.BatchNorm1D{BatchNorm: nn.BatchNorm{Eps: 1e-5}}
	if !lit.Training() {
		t.Error("a zero BatchNorm1D is not in training mode")
	}
	lit.Forward(tensor.Randn(rand.New(rand.NewPCG(1, 1)), 4, 3)) // no state at all: works
}

func TestNormPanics(t *testing.T) {
	for _, test := range []struct {
		name, msg string
		f         func()
	}{
		{"bn1d rank", "BatchNorm1D.Forward", func() { nn.NewBatchNorm1D(3).Forward(tensor.Zeros(2, 3, 4, 5)) }},
		{"bn2d rank", "BatchNorm2D.Forward", func() { nn.NewBatchNorm2D(3).Forward(tensor.Zeros(2, 3, 4)) }},
		{"bn channels", "has 4 channels; the layer has 3", func() { nn.NewBatchNorm2D(3).Forward(tensor.Zeros(2, 4, 2, 2)) }},
		{"bn one value", "training needs more than 1", func() { nn.NewBatchNorm1D(3).Forward(tensor.Zeros(1, 3)) }},
		{"bn features", "NewBatchNorm2D: 0 features", func() { nn.NewBatchNorm2D(0) }},
		{"in rank", "InstanceNorm2D.Forward", func() { nn.NewInstanceNorm2D(3, false).Forward(tensor.Zeros(2, 3)) }},
		{"in channels", "has 2 channels; the layer has 3", func() { nn.NewInstanceNorm2D(3, true).Forward(tensor.Zeros(1, 2, 2, 2)) }},
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
	// one value per channel is fine in evaluation mode
	bn := nn.NewBatchNorm1D(3)
	bn.SetTraining(false)
	bn.Forward(tensor.Ones(1, 3))
}

func TestNormGradCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	randn := func(shape ...int) *tensor.Tensor { return tensor.Randn(r, shape...) }
	posw := func(n int) *tensor.Tensor { return tensor.Uniform(r, 0.5, 1.5, n) }
	rm, rv := tensor.Uniform(r, -1, 1, 3), tensor.Uniform(r, 0.5, 2, 3)
	// bnOf builds the layer inside the checked function: the running
	// statistics are fixed, and updates to them do not feed back.
	bnOf := func(train bool, w, b *tensor.Tensor, c int) *nn.BatchNorm {
		bn := nn.BatchNorm{Weight: w, Bias: b, RunningMean: rm.Narrow(0, 0, c).Clone(), RunningVar: rv.Narrow(0, 0, c).Clone(),
			NumBatchesTracked: tensor.Scalar(0), Momentum: 0.1, Eps: 1e-5}
		bn.SetTraining(train)
		return &bn
	}
	for _, test := range []struct {
		name string
		f    func(in ...*tensor.Tensor) *tensor.Tensor
		in   []*tensor.Tensor
	}{
		{"bn1d train (N,C)", func(in ...*tensor.Tensor) *tensor.Tensor {
			return (&nn.BatchNorm1D{BatchNorm: *bnOf(true, in[1], in[2], 3)}).Forward(in[0])
		}, []*tensor.Tensor{randn(4, 3), posw(3), randn(3)}},
		{"bn1d train (N,C,L)", func(in ...*tensor.Tensor) *tensor.Tensor {
			return (&nn.BatchNorm1D{BatchNorm: *bnOf(true, in[1], in[2], 2)}).Forward(in[0])
		}, []*tensor.Tensor{randn(3, 2, 4), posw(2), randn(2)}},
		{"bn2d train", func(in ...*tensor.Tensor) *tensor.Tensor {
			return (&nn.BatchNorm2D{BatchNorm: *bnOf(true, in[1], in[2], 3)}).Forward(in[0])
		}, []*tensor.Tensor{randn(2, 3, 2, 3), posw(3), randn(3)}},
		{"bn2d train no affine", func(in ...*tensor.Tensor) *tensor.Tensor {
			return (&nn.BatchNorm2D{BatchNorm: *bnOf(true, nil, nil, 2)}).Forward(in[0])
		}, []*tensor.Tensor{randn(2, 2, 2, 2)}},
		{"bn2d eval", func(in ...*tensor.Tensor) *tensor.Tensor {
			return (&nn.BatchNorm2D{BatchNorm: *bnOf(false, in[1], in[2], 3)}).Forward(in[0])
		}, []*tensor.Tensor{randn(2, 3, 2, 2), posw(3), randn(3)}},
		{"in2d", func(in ...*tensor.Tensor) *tensor.Tensor {
			return (&nn.InstanceNorm2D{Eps: 1e-5}).Forward(in[0])
		}, []*tensor.Tensor{randn(2, 2, 2, 3)}},
		{"in2d affine", func(in ...*tensor.Tensor) *tensor.Tensor {
			return (&nn.InstanceNorm2D{Weight: in[1], Bias: in[2], Eps: 1e-5}).Forward(in[0])
		}, []*tensor.Tensor{randn(2, 3, 2, 2), posw(3), randn(3)}},
		{"in2d unbatched", func(in ...*tensor.Tensor) *tensor.Tensor {
			return (&nn.InstanceNorm2D{Weight: in[1], Bias: in[2], Eps: 1e-5}).Forward(in[0])
		}, []*tensor.Tensor{randn(2, 3, 2), posw(2), randn(2)}},
	} {
		t.Run(test.name, func(t *testing.T) { tensortest.GradCheck(t, test.f, test.in...) })
	}
}

func ExampleBatchNorm2D() {
	bn := nn.NewBatchNorm2D(1) // one channel
	x := tensor.New([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 2, 1, 2, 2)
	y := bn.Forward(x) // training mode: the batch's mean 4.5 and variance 5.25
	fmt.Printf("%.3f\n", y.Data())
	fmt.Printf("running mean %.2f, var %.2f, batches %v\n", bn.RunningMean.Item(), bn.RunningVar.Item(), bn.NumBatchesTracked.Item())
	nn.SetTraining(bn, false)
	fmt.Printf("%.3f\n", bn.Forward(x).Data()[:2]) // evaluation: running statistics
	// Output:
	// [-1.528 -1.091 -0.655 -0.218 0.218 0.655 1.091 1.528]
	// running mean 0.45, var 1.50, batches 1
	// [0.449 1.266]
}

func benchBatchNorm2D(b *testing.B, n, c, h, w int) {
	bn := nn.NewBatchNorm2D(c)
	x := tensor.Randn(rand.New(rand.NewPCG(1, 2)), n, c, h, w).SetRequiresGrad(true)
	g := tensor.Randn(rand.New(rand.NewPCG(3, 4)), n, c, h, w)
	for b.Loop() {
		bn.Forward(x).BackwardWith(g)
	}
}

// BenchmarkBatchNorm2D is one training step (forward and backward) of a
// BatchNorm2D on a (64, 32, 14, 14) input.
func BenchmarkBatchNorm2D(b *testing.B) { benchBatchNorm2D(b, 64, 32, 14, 14) }
