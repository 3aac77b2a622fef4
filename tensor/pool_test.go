package tensor_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

func TestMaxPool2DValues(t *testing.T) {
	t.Parallel()
	x := tensor.Arange(0, 16, 1).Reshape(1, 1, 4, 4)
	if got := x.MaxPool2D(2).Data(); !slices.Equal(got, []float32{5, 7, 13, 15}) {
		t.Errorf("MaxPool2D(2) = %v", got)
	}
	// Padding is -inf: an all-negative border window still picks an input.
	neg := x.Neg()
	got := neg.MaxPool2DWith(tensor.PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}})
	if !slices.Equal(got.Data(), []float32{0, -1, -4, -5}) {
		t.Errorf("padded MaxPool2D = %v", got)
	}
	// Ceil mode adds the partial window at the end; 3-D input is one sample.
	y := tensor.Arange(0, 5, 1).Reshape(1, 1, 5).MaxPool1DWith(tensor.Pool1DOptions{Kernel: 2, CeilMode: true})
	if !slices.Equal(y.Data(), []float32{1, 3, 4}) || !slices.Equal(y.Shape(), []int{1, 1, 3}) {
		t.Errorf("ceil-mode MaxPool1D = %v", y)
	}
	if s := tensor.Zeros(3, 6, 6).MaxPool2D(3).Shape(); !slices.Equal(s, []int{3, 2, 2}) {
		t.Errorf("unbatched shape %v", s)
	}
	// Ties go to the first maximum in window order.
	tie := tensor.Ones(1, 1, 2, 2).SetRequiresGrad(true)
	tie.MaxPool2D(2).SumAll().Backward()
	if !slices.Equal(tie.Grad().Data(), []float32{1, 0, 0, 0}) {
		t.Errorf("tie gradient %v, want it on the first element", tie.Grad().Data())
	}
	// NaN propagates.
	nan := tensor.New([]float32{1, float32(math.NaN()), 3, 2}, 1, 1, 4)
	if v := nan.MaxPool1D(4).Item(); !math.IsNaN(float64(v)) {
		t.Errorf("max over a NaN = %v, want NaN", v)
	}
}

var poolConfigs = []struct {
	name string
	x    []int
	o    tensor.PoolOptions
}{
	{"k2", []int{2, 2, 4, 6}, tensor.PoolOptions{Kernel: [2]int{2, 2}}},
	{"k3-s2-p1", []int{1, 2, 7, 6}, tensor.PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}},
	{"k3-d2-p1", []int{1, 2, 7, 7}, tensor.PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{1, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{2, 2}}},
	{"asym-ceil", []int{2, 1, 7, 5}, tensor.PoolOptions{Kernel: [2]int{3, 2}, Stride: [2]int{2, 3}, Padding: [2]int{1, 1}, CeilMode: true}},
	{"overlap-odd", []int{1, 3, 5, 5}, tensor.PoolOptions{Kernel: [2]int{2, 3}, Stride: [2]int{1, 1}}},
}

func TestPool2DGrad(t *testing.T) {
	t.Parallel()
	rng := newRNG(51)
	for _, c := range poolConfigs {
		t.Run(c.name, func(t *testing.T) {
			tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
				return in[0].MaxPool2DWith(c.o)
			}, distinct(rng, c.x...))
			if c.o.Dilation != [2]int{} {
				return
			}
			for _, ex := range []bool{false, true} {
				o := c.o
				o.ExcludePad = ex
				tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
					return in[0].AvgPool2DWith(o)
				}, tensor.Randn(rng, c.x...))
			}
		})
	}
	x := distinct(rng, 2, 3, 9)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return in[0].MaxPool1DWith(tensor.Pool1DOptions{Kernel: 3, Stride: 2, Padding: 1, Dilation: 2, CeilMode: true})
	}, x)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return in[0].AvgPool1DWith(tensor.Pool1DOptions{Kernel: 3, Stride: 2, Padding: 1, CeilMode: true, ExcludePad: true})
	}, tensor.Randn(rng, 2, 3, 8))
}

func TestAvgPool2DValues(t *testing.T) {
	t.Parallel()
	x := tensor.Arange(0, 16, 1).Reshape(1, 1, 4, 4)
	if got := x.AvgPool2D(2).Data(); !slices.Equal(got, []float32{2.5, 4.5, 10.5, 12.5}) {
		t.Errorf("AvgPool2D(2) = %v", got)
	}
	o := tensor.PoolOptions{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}
	// Each padded 2×2 window holds one input element: count_include_pad
	// divides it by 4, ExcludePad by 1.
	ones := tensor.Ones(1, 1, 2, 2)
	if got := ones.AvgPool2DWith(o).Data(); !slices.Equal(got, []float32{0.25, 0.25, 0.25, 0.25}) {
		t.Errorf("count_include_pad = %v", got)
	}
	o.ExcludePad = true
	if got := ones.AvgPool2DWith(o).Data(); !slices.Equal(got, []float32{1, 1, 1, 1}) {
		t.Errorf("exclude pad = %v", got)
	}
	if got := tensor.Arange(1, 6, 1).Reshape(1, 5).AvgPool1D(2).Data(); !slices.Equal(got, []float32{1.5, 3.5}) {
		t.Errorf("AvgPool1D(2) = %v", got)
	}
}

// MaxPool2D is the same as the reference loop on a larger random input
// (each plane is handled by one goroutine).
func TestMaxPoolMatchesLoop(t *testing.T) {
	t.Parallel()
	rng := newRNG(52)
	x := tensor.Randn(rng, 4, 8, 13, 11)
	o := tensor.PoolOptions{Kernel: [2]int{3, 2}, Stride: [2]int{2, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 2}}
	got := x.MaxPool2DWith(o)
	oh, ow := (13+2-2-1)/2+1, (11+2-2-1)/1+1
	want := tensor.Zeros(4, 8, oh, ow)
	for n := range 4 {
		for c := range 8 {
			for i := range oh {
				for j := range ow {
					m := float32(math.Inf(-1))
					for ki := range 3 {
						for kj := range 2 {
							ih, iw := i*2-1+ki, j-1+2*kj
							if ih >= 0 && ih < 13 && iw >= 0 && iw < 11 {
								m = max(m, x.At(n, c, ih, iw))
							}
						}
					}
					want.Set(m, n, c, i, j)
				}
			}
		}
	}
	torchfix.Close(t, "MaxPool2D", got, want, 0, 0)
}

// TestMaxPool2x2FastPath checks the 2×2 stride-2 path of MaxPool2D
// against the general one: in ceil mode an odd-sized input gets partial
// windows, which send the whole plane the general way, and its full
// windows are those of floor mode. Values include ties, signed zeros,
// infinities and NaNs.
func TestMaxPool2x2FastPath(t *testing.T) {
	t.Parallel()
	rng := newRNG(53)
	const n, c, h, w = 2, 3, 9, 11
	x := tensor.Randn(rng, n, c, h, w)
	data := x.Data()
	special := []float32{0, float32(math.Copysign(0, -1)), 1, 1, float32(math.Inf(-1)), float32(math.Inf(1)), float32(math.NaN())}
	for i := range data {
		if rng.IntN(3) == 0 {
			data[i] = special[rng.IntN(len(special))]
		}
	}
	x = tensor.New(data, n, c, h, w)
	oh, ow := h/2, w/2
	fast := x.Detach().SetRequiresGrad(true)
	gen := x.Detach().SetRequiresGrad(true)
	yf := fast.MaxPool2D(2)
	yg := gen.MaxPool2DWith(tensor.PoolOptions{Kernel: [2]int{2, 2}, CeilMode: true})
	noGrad := x.MaxPool2D(2)
	gy := tensor.Randn(rng, n, c, oh, ow)
	gyg := tensor.Zeros(n, c, oh+1, ow+1)
	for a := range n {
		for b := range c {
			for i := range oh {
				for j := range ow {
					v := yg.At(a, b, i, j)
					if u := yf.At(a, b, i, j); math.Float32bits(u) != math.Float32bits(v) && !(u != u && v != v) {
						t.Fatalf("output (%d,%d,%d,%d) = %v, general path %v", a, b, i, j, u, v)
					}
					if u := noGrad.At(a, b, i, j); u != v && !(u != u && v != v) {
						t.Fatalf("no-grad output (%d,%d,%d,%d) = %v, general path %v", a, b, i, j, u, v)
					}
					gyg.Set(gy.At(a, b, i, j), a, b, i, j)
				}
			}
		}
	}
	yf.BackwardWith(gy)
	yg.BackwardWith(gyg)
	torchfix.Close(t, "MaxPool2D(2) grad", fast.Grad(), gen.Grad(), 0, 0)
}

func TestPoolPanics(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"pad", "padding must be at most half the kernel size", func() {
			tensor.Zeros(1, 1, 4, 4).MaxPool2DWith(tensor.PoolOptions{Kernel: [2]int{2, 2}, Padding: [2]int{2, 0}})
		}},
		{"kernel", "bad options", func() { tensor.Zeros(1, 1, 4, 4).MaxPool2DWith(tensor.PoolOptions{}) }},
		{"too-big", "leaves no output", func() { tensor.Zeros(1, 1, 4, 4).AvgPool2D(5) }},
		{"avg-dilation", "no dilation", func() {
			tensor.Zeros(1, 1, 4, 4).AvgPool2DWith(tensor.PoolOptions{Kernel: [2]int{2, 2}, Dilation: [2]int{2, 2}})
		}},
		{"rank", "want input (N, C, L)", func() { tensor.Zeros(1, 1, 4, 4).MaxPool1D(2) }},
		{"1d-message", "tensor.MaxPool1D: kernel 5, stride 5, padding 0, dilation 1 leaves no output for input of shape: [1 1 4]", func() {
			tensor.Zeros(1, 1, 4).MaxPool1D(5)
		}},
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

func ExampleTensor_MaxPool2D() {
	x := tensor.Arange(0, 16, 1).Reshape(1, 1, 4, 4)
	fmt.Println(x.MaxPool2D(2))
	fmt.Println(x.AvgPool2DWith(tensor.PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}}))
	// Output:
	// Tensor[1 1 2 2] [[[[5 7] [13 15]]]]
	// Tensor[1 1 2 2] [[[[5 6] [9 10]]]]
}

// 2×2 max pooling after the first convolution of the TF-MNIST CNN.
func BenchmarkMaxPool2D(b *testing.B) {
	x := tensor.Randn(newRNG(1), 64, 32, 28, 28)
	b.Run("forward", func(b *testing.B) {
		b.SetBytes(int64(4 * x.Size()))
		b.ReportAllocs()
		for b.Loop() {
			x.MaxPool2D(2)
		}
	})
	b.Run("forward-backward", func(b *testing.B) {
		xg := x.Detach().SetRequiresGrad(true)
		g := tensor.Ones(64, 32, 14, 14)
		b.SetBytes(int64(4 * x.Size()))
		b.ReportAllocs()
		for b.Loop() {
			xg.ZeroGrad()
			xg.MaxPool2D(2).BackwardWith(g)
		}
	})
}
