package tensor_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// ints decodes a fixture option given either as one number or as a list.
type ints []int

func (v *ints) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*v = ints{n}
		return nil
	}
	return json.Unmarshal(b, (*[]int)(v))
}

func (v ints) pair() [2]int {
	if len(v) == 1 {
		return [2]int{v[0], v[0]}
	}
	return [2]int{v[0], v[1]}
}

type fixtureCase struct {
	Name            string  `json:"name"`
	Op              string  `json:"op"`
	Kernel          ints    `json:"kernel"`
	Stride          ints    `json:"stride"`
	Padding         ints    `json:"padding"`
	Dilation        ints    `json:"dilation"`
	OutputPadding   ints    `json:"output_padding"`
	Groups          int     `json:"groups"`
	CeilMode        bool    `json:"ceil_mode"`
	CountIncludePad bool    `json:"count_include_pad"`
	Pad             []int   `json:"pad"`
	Value           float32 `json:"value"`
}

// apply runs the case's op on the inputs (x, w, b; w and b nil where the
// op has none).
func (c fixtureCase) apply(t *testing.T, x, w, b *tensor.Tensor) *tensor.Tensor {
	switch c.Op {
	case "conv2d":
		return x.Conv2D(w, b, tensor.ConvOptions{Stride: c.Stride.pair(), Padding: c.Padding.pair(), Dilation: c.Dilation.pair(), Groups: c.Groups})
	case "conv1d":
		return x.Conv1D(w, b, tensor.Conv1DOptions{Stride: c.Stride[0], Padding: c.Padding[0], Dilation: c.Dilation[0], Groups: c.Groups})
	case "conv_transpose2d":
		return x.ConvTranspose2D(w, b, tensor.ConvTransposeOptions{Stride: c.Stride.pair(), Padding: c.Padding.pair(),
			OutputPadding: c.OutputPadding.pair(), Dilation: c.Dilation.pair(), Groups: c.Groups})
	case "max_pool2d":
		return x.MaxPool2DWith(tensor.PoolOptions{Kernel: c.Kernel.pair(), Stride: c.Stride.pair(), Padding: c.Padding.pair(),
			Dilation: c.Dilation.pair(), CeilMode: c.CeilMode})
	case "avg_pool2d":
		return x.AvgPool2DWith(tensor.PoolOptions{Kernel: c.Kernel.pair(), Stride: c.Stride.pair(), Padding: c.Padding.pair(),
			CeilMode: c.CeilMode, ExcludePad: !c.CountIncludePad})
	case "max_pool1d":
		return x.MaxPool1DWith(tensor.Pool1DOptions{Kernel: c.Kernel[0], Stride: c.Stride[0], Padding: c.Padding[0],
			Dilation: c.Dilation[0], CeilMode: c.CeilMode})
	case "avg_pool1d":
		return x.AvgPool1DWith(tensor.Pool1DOptions{Kernel: c.Kernel[0], Stride: c.Stride[0], Padding: c.Padding[0],
			CeilMode: c.CeilMode, ExcludePad: !c.CountIncludePad})
	case "constant":
		return x.Pad2D(c.Pad[0], c.Pad[1], c.Pad[2], c.Pad[3], c.Value)
	case "reflect":
		return x.ReflectionPad2D(c.Pad[0], c.Pad[1], c.Pad[2], c.Pad[3])
	case "replicate":
		return x.ReplicationPad2D(c.Pad[0], c.Pad[1], c.Pad[2], c.Pad[3])
	}
	t.Fatalf("unknown op %q", c.Op)
	return nil
}

// TestTorchConvParity replays the cases of testdata/conv_*.json (written by
// testdata/conv_ops.py): output and the gradients of sum(gy*out) with
// respect to every input.
func TestTorchConvParity(t *testing.T) {
	for _, file := range []string{"conv_ops", "conv_pool", "conv_pad"} {
		f := torchfix.Load(t, "testdata/"+file+".json")
		var cases []fixtureCase
		f.MetaValue(t, "cases", &cases)
		if len(cases) == 0 {
			t.Fatalf("%s: no cases", file)
		}
		for _, c := range cases {
			t.Run(c.Name, func(t *testing.T) {
				get := func(what string) *tensor.Tensor {
					if _, ok := f.Tensors[c.Name+"."+what]; !ok {
						return nil
					}
					return f.T(t, c.Name+"."+what).SetRequiresGrad(true)
				}
				x, w, b := get("x"), get("w"), get("b")
				out := c.apply(t, x, w, b)
				torchfix.Close(t, "out", out, f.T(t, c.Name+".out"), 1e-4, 1e-5)
				out.BackwardWith(f.T(t, c.Name+".gy"))
				for name, in := range map[string]*tensor.Tensor{"x": x, "w": w, "b": b} {
					if in != nil {
						torchfix.Close(t, "grad "+name, in.Grad(), f.T(t, c.Name+".g"+name), 1e-4, 1e-5)
					}
				}
			})
		}
	}
}

// naiveConv2D is the textbook convolution, straight from the definition.
func naiveConv2D(x, w, b *tensor.Tensor, o tensor.ConvOptions) *tensor.Tensor {
	def := func(v int) int { return max(v, 1) }
	sh, sw, dh, dw, g := def(o.Stride[0]), def(o.Stride[1]), def(o.Dilation[0]), def(o.Dilation[1]), def(o.Groups)
	ph, pw := o.Padding[0], o.Padding[1]
	n, h, wd := x.Dim(0), x.Dim(2), x.Dim(3)
	oc, cg, kh, kw := w.Dim(0), w.Dim(1), w.Dim(2), w.Dim(3)
	oh, ow := (h+2*ph-dh*(kh-1)-1)/sh+1, (wd+2*pw-dw*(kw-1)-1)/sw+1
	out := tensor.Zeros(n, oc, oh, ow)
	for i := range n {
		for co := range oc {
			grp := co / (oc / g)
			for y := range oh {
				for z := range ow {
					var s float64
					if b != nil {
						s = float64(b.At(co))
					}
					for ci := range cg {
						for ki := range kh {
							for kj := range kw {
								ih, iw := y*sh-ph+ki*dh, z*sw-pw+kj*dw
								if ih >= 0 && ih < h && iw >= 0 && iw < wd {
									s += float64(x.At(i, grp*cg+ci, ih, iw)) * float64(w.At(co, ci, ki, kj))
								}
							}
						}
					}
					out.Set(float32(s), i, co, y, z)
				}
			}
		}
	}
	return out
}

// naiveConvTranspose2D scatters every input value through the kernel, the
// definition of a transposed convolution.
func naiveConvTranspose2D(x, w, b *tensor.Tensor, o tensor.ConvTransposeOptions) *tensor.Tensor {
	def := func(v int) int { return max(v, 1) }
	sh, sw, dh, dw, g := def(o.Stride[0]), def(o.Stride[1]), def(o.Dilation[0]), def(o.Dilation[1]), def(o.Groups)
	ph, pw := o.Padding[0], o.Padding[1]
	n, c, h, wd := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	og, kh, kw := w.Dim(1), w.Dim(2), w.Dim(3)
	oh := (h-1)*sh - 2*ph + dh*(kh-1) + o.OutputPadding[0] + 1
	ow := (wd-1)*sw - 2*pw + dw*(kw-1) + o.OutputPadding[1] + 1
	out := tensor.Zeros(n, og*g, oh, ow)
	for i := range n {
		for ci := range c {
			grp := ci / (c / g)
			for y := range h {
				for z := range wd {
					for co := range og {
						for ki := range kh {
							for kj := range kw {
								ty, tz := y*sh-ph+ki*dh, z*sw-pw+kj*dw
								if ty >= 0 && ty < oh && tz >= 0 && tz < ow {
									v := out.At(i, grp*og+co, ty, tz) + x.At(i, ci, y, z)*w.At(ci, co, ki, kj)
									out.Set(v, i, grp*og+co, ty, tz)
								}
							}
						}
					}
				}
			}
		}
	}
	if b != nil {
		out = out.Add(b.Reshape(-1, 1, 1))
	}
	return out
}

type convConfig struct {
	name string
	x, w []int
	bias bool
	o    tensor.ConvOptions
}

var convConfigs = []convConfig{
	{name: "plain", x: []int{1, 2, 5, 4}, w: []int{3, 2, 3, 2}, bias: true},
	{name: "stride2-pad1", x: []int{2, 2, 5, 6}, w: []int{2, 2, 3, 3}, bias: true, o: tensor.ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}},
	{name: "asym", x: []int{1, 3, 6, 5}, w: []int{2, 3, 2, 3}, o: tensor.ConvOptions{Stride: [2]int{1, 2}, Padding: [2]int{2, 0}}},
	{name: "dilation2", x: []int{1, 2, 7, 7}, w: []int{2, 2, 3, 3}, bias: true, o: tensor.ConvOptions{Dilation: [2]int{2, 2}, Padding: [2]int{1, 2}}},
	{name: "groups2", x: []int{2, 4, 5, 5}, w: []int{4, 2, 3, 3}, bias: true, o: tensor.ConvOptions{Groups: 2, Padding: [2]int{1, 1}}},
	{name: "depthwise-stride", x: []int{1, 3, 7, 6}, w: []int{6, 1, 3, 2}, o: tensor.ConvOptions{Groups: 3, Stride: [2]int{2, 3}}},
	{name: "1x1", x: []int{2, 3, 3, 4}, w: []int{2, 3, 1, 1}, bias: true},
	{name: "1x1-groups", x: []int{1, 4, 3, 3}, w: []int{2, 2, 1, 1}, o: tensor.ConvOptions{Groups: 2}},
	{name: "odd-all", x: []int{2, 2, 7, 5}, w: []int{4, 1, 3, 2}, bias: true, o: tensor.ConvOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{2, 1}, Groups: 2}},
}

func TestConv2DValues(t *testing.T) {
	t.Parallel()
	rng := newRNG(41)
	for _, c := range convConfigs {
		x, w := tensor.Randn(rng, c.x...), tensor.Randn(rng, c.w...)
		var b *tensor.Tensor
		if c.bias {
			b = tensor.Randn(rng, c.w[0])
		}
		torchfix.Close(t, c.name, x.Conv2D(w, b, c.o), naiveConv2D(x, w, b, c.o), 1e-5, 1e-5)
	}
	// Unbatched input gives the same as a batch of one.
	x, w := tensor.Randn(rng, 2, 5, 5), tensor.Randn(rng, 3, 2, 3, 3)
	torchfix.Close(t, "unbatched", x.Conv2D(w, nil, tensor.ConvOptions{}), x.Unsqueeze(0).Conv2D(w, nil, tensor.ConvOptions{}).Squeeze(0), 0, 0)
	// A hand-computed case: a 2×2 box filter over 1..9 with padding 1.
	xs := tensor.Arange(1, 10, 1).Reshape(1, 1, 3, 3)
	got := xs.Conv2D(tensor.Ones(1, 1, 2, 2), tensor.New([]float32{0.5}, 1), tensor.ConvOptions{Padding: [2]int{1, 1}, Stride: [2]int{2, 2}})
	want := []float32{1.5, 5.5, 11.5, 28.5}
	if !slices.Equal(got.Data(), want) || !slices.Equal(got.Shape(), []int{1, 1, 2, 2}) {
		t.Errorf("box filter = %v, want %v", got, want)
	}
}

func TestConv2DGrad(t *testing.T) {
	t.Parallel()
	rng := newRNG(42)
	for _, c := range convConfigs {
		t.Run(c.name, func(t *testing.T) {
			ins := []*tensor.Tensor{tensor.Randn(rng, c.x...), tensor.Randn(rng, c.w...)}
			if c.bias {
				ins = append(ins, tensor.Randn(rng, c.w[0]))
			}
			tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
				var b *tensor.Tensor
				if len(in) > 2 {
					b = in[2]
				}
				return in[0].Conv2D(in[1], b, c.o)
			}, ins...)
		})
	}
}

var convTransposeConfigs = []struct {
	name string
	x, w []int
	bias bool
	o    tensor.ConvTransposeOptions
}{
	{name: "plain", x: []int{1, 2, 3, 3}, w: []int{2, 3, 2, 2}, bias: true},
	{name: "stride2-pad1-outpad1", x: []int{2, 2, 3, 4}, w: []int{2, 2, 3, 3}, bias: true,
		o: tensor.ConvTransposeOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, OutputPadding: [2]int{1, 1}}},
	{name: "dilation2-groups2", x: []int{1, 4, 3, 3}, w: []int{4, 1, 2, 3},
		o: tensor.ConvTransposeOptions{Dilation: [2]int{2, 2}, Groups: 2, Stride: [2]int{1, 2}, OutputPadding: [2]int{1, 1}}},
	{name: "1x1-dilated-outpad", x: []int{1, 2, 3, 2}, w: []int{2, 2, 1, 1}, bias: true,
		o: tensor.ConvTransposeOptions{Dilation: [2]int{2, 2}, OutputPadding: [2]int{1, 0}}},
	{name: "odd", x: []int{2, 3, 3, 5}, w: []int{3, 2, 3, 2}, bias: true,
		o: tensor.ConvTransposeOptions{Stride: [2]int{3, 2}, Padding: [2]int{1, 0}, OutputPadding: [2]int{2, 1}}},
}

func TestConvTranspose2D(t *testing.T) {
	t.Parallel()
	rng := newRNG(43)
	for _, c := range convTransposeConfigs {
		t.Run(c.name, func(t *testing.T) {
			ins := []*tensor.Tensor{tensor.Randn(rng, c.x...), tensor.Randn(rng, c.w...)}
			var b *tensor.Tensor
			if c.bias {
				b = tensor.Randn(rng, c.w[1]*max(c.o.Groups, 1))
				ins = append(ins, b)
			}
			torchfix.Close(t, "values", ins[0].ConvTranspose2D(ins[1], b, c.o), naiveConvTranspose2D(ins[0], ins[1], b, c.o), 1e-5, 1e-5)
			tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
				var b *tensor.Tensor
				if len(in) > 2 {
					b = in[2]
				}
				return in[0].ConvTranspose2D(in[1], b, c.o)
			}, ins...)
		})
	}
}

// ConvTranspose2D is the adjoint of Conv2D: <Conv2D(x), y> = <x, ConvTranspose2D(y)>.
func TestConvTransposeIsAdjoint(t *testing.T) {
	t.Parallel()
	rng := newRNG(44)
	x, w := tensor.Randn(rng, 2, 4, 9, 8), tensor.Randn(rng, 6, 2, 3, 2)
	o := tensor.ConvOptions{Stride: [2]int{2, 3}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 2}, Groups: 2}
	y := x.Conv2D(w, nil, o)
	r := tensor.Randn(rng, y.Shape()...)
	// (9 + 2 - 2 - 1)/2 + 1 = 5 rows back to (5-1)*2 - 2 + 2 + op + 1 = 9 with op 0;
	// (8 + 2 - 2 - 1)/3 + 1 = 3 columns back to 2*3 - 2 + 2 + op + 1 = 7 + op, op 1.
	back := r.ConvTranspose2D(w, nil, tensor.ConvTransposeOptions{Stride: o.Stride, Padding: o.Padding, Dilation: o.Dilation, Groups: 2, OutputPadding: [2]int{0, 1}})
	lhs, rhs := y.Mul(r).SumAll().Item(), x.Mul(back).SumAll().Item()
	if d := lhs - rhs; d > 1e-3 || d < -1e-3 {
		t.Errorf("<Conv2D(x), r> = %v, <x, ConvTranspose2D(r)> = %v", lhs, rhs)
	}
}

func TestConv1D(t *testing.T) {
	t.Parallel()
	rng := newRNG(45)
	for _, c := range []struct {
		x, w []int
		bias bool
		o    tensor.Conv1DOptions
	}{
		{x: []int{2, 3, 9}, w: []int{2, 3, 3}, bias: true, o: tensor.Conv1DOptions{Stride: 2, Padding: 1, Dilation: 2}},
		{x: []int{1, 4, 6}, w: []int{4, 2, 2}, o: tensor.Conv1DOptions{Groups: 2}},
	} {
		ins := []*tensor.Tensor{tensor.Randn(rng, c.x...), tensor.Randn(rng, c.w...)}
		var b *tensor.Tensor
		if c.bias {
			b = tensor.Randn(rng, c.w[0])
			ins = append(ins, b)
		}
		// Conv1D equals Conv2D over a height of 1.
		want := ins[0].Unsqueeze(2).Conv2D(ins[1].Unsqueeze(2), b, tensor.ConvOptions{Stride: [2]int{1, c.o.Stride}, Padding: [2]int{0, c.o.Padding},
			Dilation: [2]int{1, c.o.Dilation}, Groups: c.o.Groups}).Squeeze(2)
		torchfix.Close(t, "Conv1D", ins[0].Conv1D(ins[1], b, c.o), want, 0, 0)
		tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
			var b *tensor.Tensor
			if len(in) > 2 {
				b = in[2]
			}
			return in[0].Conv1D(in[1], b, c.o)
		}, ins...)
	}
	x := tensor.Randn(rng, 3, 7)
	if got := x.Conv1D(tensor.Randn(rng, 2, 3, 3), nil, tensor.Conv1DOptions{}).Shape(); !slices.Equal(got, []int{2, 5}) {
		t.Errorf("unbatched Conv1D shape %v, want [2 5]", got)
	}
}

// The weight gradient sums over the batch in fixed blocks: the same bits
// whatever GOMAXPROCS is.
func TestConvDeterministic(t *testing.T) {
	rng := newRNG(46)
	x := tensor.Randn(rng, 37, 3, 8, 8)
	w := tensor.Randn(rng, 5, 3, 3, 3).SetRequiresGrad(true)
	b := tensor.Randn(rng, 5).SetRequiresGrad(true)
	run := func(procs int) (out, gw, gb []float32) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		w.ZeroGrad()
		b.ZeroGrad()
		y := x.Conv2D(w, b, tensor.ConvOptions{Padding: [2]int{1, 1}})
		y.Mul(y).SumAll().Backward()
		return y.Data(), w.Grad().Data(), b.Grad().Data()
	}
	o1, w1, b1 := run(1)
	o4, w4, b4 := run(4)
	if !slices.Equal(o1, o4) || !slices.Equal(w1, w4) || !slices.Equal(b1, b4) {
		t.Error("results differ between GOMAXPROCS 1 and 4")
	}
}

func TestConvPanics(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"groups", "not divisible by groups", func() {
			tensor.Zeros(1, 3, 5, 5).Conv2D(tensor.Zeros(4, 1, 3, 3), nil, tensor.ConvOptions{Groups: 2})
		}},
		{"channels", "weight expects 6 input channels (3 per group × 2 groups), input has 4", func() {
			tensor.Zeros(1, 4, 5, 5).Conv2D(tensor.Zeros(4, 3, 3, 3), nil, tensor.ConvOptions{Groups: 2})
		}},
		{"out-groups", "5 output channels are not divisible by groups 2", func() {
			tensor.Zeros(1, 4, 5, 5).Conv2D(tensor.Zeros(5, 2, 3, 3), nil, tensor.ConvOptions{Groups: 2})
		}},
		{"kernel", "larger than the padded input", func() {
			tensor.Zeros(1, 1, 4, 4).Conv2D(tensor.Zeros(1, 1, 5, 5), nil, tensor.ConvOptions{})
		}},
		{"bias", "bias must have shape [2]", func() {
			tensor.Zeros(1, 1, 4, 4).Conv2D(tensor.Zeros(2, 1, 3, 3), tensor.Zeros(3), tensor.ConvOptions{})
		}},
		{"rank", "want input (N, C, H, W)", func() {
			tensor.Zeros(4, 4).Conv2D(tensor.Zeros(2, 1, 3, 3), nil, tensor.ConvOptions{})
		}},
		{"stride", "bad options", func() {
			tensor.Zeros(1, 1, 4, 4).Conv2D(tensor.Zeros(2, 1, 3, 3), nil, tensor.ConvOptions{Stride: [2]int{-1, 1}})
		}},
		{"conv1d", "tensor.Conv1D: kernel (dilated size 5) larger than the padded input (4)", func() {
			tensor.Zeros(1, 1, 4).Conv1D(tensor.Zeros(2, 1, 3), nil, tensor.Conv1DOptions{Dilation: 2})
		}},
		{"outpad", "output padding", func() {
			tensor.Zeros(1, 1, 4, 4).ConvTranspose2D(tensor.Zeros(1, 1, 3, 3), nil, tensor.ConvTransposeOptions{Stride: [2]int{2, 2}, OutputPadding: [2]int{2, 0}})
		}},
		{"transpose-channels", "weight's first dimension", func() {
			tensor.Zeros(1, 2, 4, 4).ConvTranspose2D(tensor.Zeros(3, 1, 3, 3), nil, tensor.ConvTransposeOptions{})
		}},
		{"transpose-nothing-left", "leaves no output", func() {
			tensor.Zeros(1, 1, 1, 1).ConvTranspose2D(tensor.Zeros(1, 1, 1, 1), nil, tensor.ConvTransposeOptions{Padding: [2]int{1, 1}})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), c.want) {
					t.Errorf("panic %v, want one containing %q", r, c.want)
				}
			}()
			c.f()
		})
	}
}

// An empty batch gives an empty result and empty gradients.
func TestConvEmptyBatch(t *testing.T) {
	x := tensor.Zeros(0, 2, 5, 5).SetRequiresGrad(true)
	w := tensor.Ones(3, 2, 3, 3).SetRequiresGrad(true)
	b := tensor.Ones(3).SetRequiresGrad(true)
	y := x.Conv2D(w, b, tensor.ConvOptions{})
	if !slices.Equal(y.Shape(), []int{0, 3, 3, 3}) {
		t.Fatalf("shape %v", y.Shape())
	}
	y.SumAll().Backward()
	if w.Grad().SumAll().Item() != 0 || b.Grad().SumAll().Item() != 0 {
		t.Error("non-zero gradient from an empty batch")
	}
}

func ExampleTensor_Conv2D() {
	// A 3×3 image convolved with a 2×2 box filter, stride 1, padding 0.
	x := tensor.Arange(1, 10, 1).Reshape(1, 1, 3, 3)
	w := tensor.Ones(1, 1, 2, 2)
	y := x.Conv2D(w, nil, tensor.ConvOptions{})
	fmt.Println(y)
	// With padding 1 and stride 2, as F.conv2d(x, w, stride=2, padding=1).
	fmt.Println(x.Conv2D(w, nil, tensor.ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}))
	// Output:
	// Tensor[1 1 2 2] [[[[12 16] [24 28]]]]
	// Tensor[1 1 2 2] [[[[1 5] [11 28]]]]
}

// convBench benchmarks a convolution forward (and, with backward, forward
// and backward in input and weight) on an MNIST-CNN-shaped layer.
func convBench(b *testing.B, x, w []int, pad int, backward bool) {
	rng := newRNG(1)
	xt, wt, bt := tensor.Randn(rng, x...), tensor.Randn(rng, w...), tensor.Randn(rng, w[0])
	if backward {
		xt.SetRequiresGrad(true)
		wt.SetRequiresGrad(true)
		bt.SetRequiresGrad(true)
	}
	o := tensor.ConvOptions{Padding: [2]int{pad, pad}}
	out := xt.Conv2D(wt, bt, o).Shape()
	macs := float64(out[0]*out[1]*out[2]*out[3]) * float64(w[1]*w[2]*w[3])
	var g *tensor.Tensor
	if backward {
		g = tensor.Randn(rng, out...)
	}
	b.ReportAllocs()
	for b.Loop() {
		y := xt.Conv2D(wt, bt, o)
		if backward {
			xt.ZeroGrad()
			wt.ZeroGrad()
			bt.ZeroGrad()
			y.BackwardWith(g)
		}
	}
	if backward {
		flops(b, 3*2*macs)
	} else {
		flops(b, 2*macs)
	}
}

// The two convolutions of the TF-MNIST CNN (5×5, padding 2) at batch 64.
func BenchmarkConv2DMNIST1(b *testing.B) {
	convBench(b, []int{64, 1, 28, 28}, []int{32, 1, 5, 5}, 2, false)
}
func BenchmarkConv2DMNIST1Backward(b *testing.B) {
	convBench(b, []int{64, 1, 28, 28}, []int{32, 1, 5, 5}, 2, true)
}
func BenchmarkConv2DMNIST2(b *testing.B) {
	convBench(b, []int{64, 32, 14, 14}, []int{64, 32, 5, 5}, 2, false)
}
func BenchmarkConv2DMNIST2Backward(b *testing.B) {
	convBench(b, []int{64, 32, 14, 14}, []int{64, 32, 5, 5}, 2, true)
}
