package nn_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// convCNN is the model of testdata/conv.py's CNN, with the same
// state_dict names.
type convCNN struct {
	Conv1 *nn.Conv2D
	Pool  *nn.MaxPool2D
	Conv2 *nn.Conv2D
	Avg   *nn.AvgPool2D
	FC    *nn.Linear `cairn:"fc"`
}

func (m *convCNN) Forward(x *tensor.Tensor) *tensor.Tensor {
	x = m.Pool.Forward(m.Conv1.Forward(x).ReLU())
	x = m.Avg.Forward(m.Conv2.Forward(x))
	return m.FC.Forward(x.Flatten(1))
}

// convLoad loads a model's state from the fixture tensors named
// prefix+<state_dict name>.
func convLoad(t *testing.T, f *torchfix.Fixture, prefix string, m any) {
	t.Helper()
	state := map[string]*tensor.Tensor{}
	for _, n := range nn.StateDict(m) {
		state[n.Name] = f.T(t, prefix+n.Name)
	}
	if err := nn.LoadState(m, state); err != nil {
		t.Fatal(err)
	}
}

// convCheck runs forward and backward and compares the output, the input
// gradient and every parameter gradient with the fixture.
func convCheck(t *testing.T, f *torchfix.Fixture, prefix string, m any, forward func(*tensor.Tensor) *tensor.Tensor) {
	t.Helper()
	x := f.T(t, prefix+"x").SetRequiresGrad(true)
	out := forward(x)
	torchfix.Close(t, "out", out, f.T(t, prefix+"out"), 1e-4, 1e-5)
	out.BackwardWith(f.T(t, prefix+"gy"))
	torchfix.Close(t, "input grad", x.Grad(), f.T(t, prefix+"gx"), 1e-4, 1e-5)
	params := nn.NamedParams(m)
	if len(params) == 0 {
		t.Fatal("no parameters")
	}
	for _, n := range params {
		torchfix.Close(t, "grad of "+n.Name, n.Tensor.Grad(), f.T(t, prefix+"grad."+n.Name), 1e-4, 1e-5)
	}
}

func TestConvCNNParity(t *testing.T) {
	f := torchfix.Load(t, "testdata/conv_cnn.json")
	m := &convCNN{
		Conv1: nn.NewConv2D(rng(), 3, 8, 3, nn.ConvPadding(1)),
		Pool:  nn.NewMaxPool2D(2),
		Conv2: nn.NewConv2D(rng(), 8, 8, 3, nn.ConvPadding(1), nn.ConvGroups(2)),
		Avg:   nn.NewAvgPool2D(2),
		FC:    nn.NewLinear(rng(), 32, 5),
	}
	names := []string{}
	for _, n := range nn.StateDict(m) {
		names = append(names, n.Name)
	}
	if want := []string{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"}; !slices.Equal(names, want) {
		t.Fatalf("state dict names %v, want %v", names, want)
	}
	convLoad(t, f, "", m)
	convCheck(t, f, "", m, m.Forward)
}

func TestConvLayersParity(t *testing.T) {
	f := torchfix.Load(t, "testdata/conv_layers.json")
	t.Run("ConvTranspose2D", func(t *testing.T) {
		m := &struct {
			Pad *nn.ReflectionPad2D
			Up  *nn.ConvTranspose2D
		}{
			Pad: nn.NewReflectionPad2D(1, 0, 2, 1),
			Up:  nn.NewConvTranspose2D(rng(), 4, 6, 3, nn.ConvStride(2), nn.ConvPadding(1), nn.ConvOutputPadding(1), nn.ConvGroups(2)),
		}
		convLoad(t, f, "convt.", m)
		convCheck(t, f, "convt.", m, func(x *tensor.Tensor) *tensor.Tensor { return m.Up.Forward(m.Pad.Forward(x)) })
	})
	t.Run("Conv1D", func(t *testing.T) {
		m := &struct {
			Conv *nn.Conv1D
			Pool *nn.MaxPool1D
		}{
			Conv: nn.NewConv1D(rng(), 4, 6, 3, nn.ConvStride(2), nn.ConvPadding(2), nn.ConvDilation(2)),
			Pool: nn.NewMaxPool1D(2),
		}
		convLoad(t, f, "conv1d.", m)
		convCheck(t, f, "conv1d.", m, func(x *tensor.Tensor) *tensor.Tensor { return m.Pool.Forward(m.Conv.Forward(x).ReLU()) })
	})
}

// The constructors draw PyTorch's default initialisation: weight and bias
// fill U(±1/sqrt(fan_in)), with ConvTranspose2D's fan_in taken from the
// weight's second dimension.
func TestConvInit(t *testing.T) {
	type initCase struct {
		name  string
		w, b  *tensor.Tensor
		shape []int
		fanIn int
	}
	c2 := nn.NewConv2D(rng(), 16, 32, 3, nn.ConvGroups(4), nn.ConvKernel(3, 5))
	c1 := nn.NewConv1D(rng(), 8, 40, 5)
	ct := nn.NewConvTranspose2D(rng(), 64, 12, 4, nn.ConvGroups(2))
	for _, c := range []initCase{
		{"Conv2D", c2.Weight, c2.Bias, []int{32, 4, 3, 5}, 4 * 15},
		{"Conv1D", c1.Weight, c1.Bias, []int{40, 8, 5}, 8 * 5},
		{"ConvTranspose2D", ct.Weight, ct.Bias, []int{64, 6, 4, 4}, 6 * 16},
	} {
		if !slices.Equal(c.w.Shape(), c.shape) {
			t.Errorf("%s: weight shape %v, want %v", c.name, c.w.Shape(), c.shape)
		}
		bound := 1 / math.Sqrt(float64(c.fanIn))
		for _, p := range []*tensor.Tensor{c.w, c.b} {
			lo, hi := slices.Min(p.Data()), slices.Max(p.Data())
			if float64(lo) < -bound || float64(hi) > bound || float64(hi) < 0.8*bound || float64(lo) > -0.8*bound {
				t.Errorf("%s: values in [%v, %v], want to fill ±%v", c.name, lo, hi, bound)
			}
			if !p.RequiresGrad() {
				t.Errorf("%s: parameter does not require grad", c.name)
			}
		}
	}
	if l := nn.NewConv2D(rng(), 2, 2, 3, nn.ConvNoBias()); l.Bias != nil || len(nn.StateDict(l)) != 1 {
		t.Error("ConvNoBias left a bias")
	}
	l := nn.NewConv2D(rng(), 2, 4, 3, nn.ConvStride(2, 1), nn.ConvPadding(1), nn.ConvDilation(1, 2))
	want := tensor.ConvOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 2}, Groups: 1}
	if l.Options != want {
		t.Errorf("options %+v, want %+v", l.Options, want)
	}
}

func TestConvLayerGrad(t *testing.T) {
	l := nn.NewConv2D(rng(), 2, 3, 2, nn.ConvStride(2), nn.ConvPadding(1))
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return (&nn.Conv2D{Weight: in[1], Bias: in[2], Options: l.Options}).Forward(in[0])
	}, tensor.Randn(rng(), 2, 2, 5, 4), l.Weight.Detach().Clone(), l.Bias.Detach().Clone())
}

func TestConvConstructorPanics(t *testing.T) {
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"groups", "divisible by groups 2", func() { nn.NewConv2D(rng(), 3, 4, 3, nn.ConvGroups(2)) }},
		{"1d-pair", "stride [1 2]: give one value or 1", func() { nn.NewConv1D(rng(), 3, 4, 3, nn.ConvStride(1, 2)) }},
		{"kernel", "kernel [0 0] must be positive", func() { nn.NewConv2D(rng(), 3, 4, 0) }},
		{"pad", "give one value or four", func() { nn.NewReflectionPad2D(1, 2) }},
		{"outpad", "output padding is for ConvTranspose2D", func() { nn.NewConv2D(rng(), 3, 4, 3, nn.ConvOutputPadding(1)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), c.want) {
					t.Errorf("panic %v, want one containing %q", r, c.want)
				}
			}()
			c.f()
		})
	}
}

func ExampleNewConv2D() {
	// The first block of the TF-MNIST CNN: 5×5 convolution with padding 2,
	// ReLU, 2×2 max pooling.
	conv := nn.NewConv2D(rng(), 1, 32, 5, nn.ConvPadding(2))
	pool := nn.NewMaxPool2D(2)
	x := tensor.Zeros(64, 1, 28, 28)
	y := pool.Forward(conv.Forward(x).ReLU())
	fmt.Println(y.Shape())
	for _, n := range nn.StateDict(conv) {
		fmt.Println(n.Name, n.Tensor.Shape())
	}
	// Output:
	// [64 32 14 14]
	// weight [32 1 5 5]
	// bias [32]
}
