package tensor_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

type fn = func(in ...*tensor.Tensor) *tensor.Tensor

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 7)) }

// distinct returns a tensor of the given shape whose values are a shuffled
// 0.1-spaced grid around zero (every value is 0.025 modulo 0.1), so no two are closer than 0.1: max/min have
// a unique winner and finite differences do not cross a tie.
func distinct(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	d := t.Data()
	for i := range d {
		d[i] = float32(i-len(d)/2)*0.1 + 0.025
	}
	rng.Shuffle(len(d), func(i, j int) { d[i], d[j] = d[j], d[i] })
	return t
}

// awayFrom returns uniform values in [lo, hi) at least 0.05 from every kink.
func awayFrom(rng *rand.Rand, lo, hi float32, kinks []float32, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	d := t.Data()
	for i := range d {
	retry:
		v := lo + (hi-lo)*rng.Float32()
		for _, k := range kinks {
			if v > k-0.05 && v < k+0.05 {
				goto retry
			}
		}
		d[i] = v
	}
	return t
}

var broadcastPairs = [][2][]int{
	{{3, 4}, {3, 4}},
	{{3, 4}, {4}},
	{{4}, {3, 4}},
	{{3, 1}, {1, 4}},
	{{2, 3, 4}, {3, 1}},
	{{}, {2, 3}},
	{{2, 3}, {}},
	{{2, 1, 3}, {4, 1}},
}

func TestGradBinary(t *testing.T) {
	rng := newRNG(1)
	ops := []struct {
		name   string
		f      func(a, b *tensor.Tensor) *tensor.Tensor
		lo, hi [2]float32
	}{
		{"Add", (*tensor.Tensor).Add, [2]float32{-2, -2}, [2]float32{2, 2}},
		{"Sub", (*tensor.Tensor).Sub, [2]float32{-2, -2}, [2]float32{2, 2}},
		{"Mul", (*tensor.Tensor).Mul, [2]float32{-2, -2}, [2]float32{2, 2}},
		{"Div", (*tensor.Tensor).Div, [2]float32{-2, 0.5}, [2]float32{2, 2}},
		{"Pow", (*tensor.Tensor).Pow, [2]float32{0.5, -1}, [2]float32{2, 2}},
	}
	for _, op := range ops {
		for _, p := range broadcastPairs {
			t.Run(fmt.Sprintf("%s%v%v", op.name, p[0], p[1]), func(t *testing.T) {
				a := tensor.Uniform(rng, op.lo[0], op.hi[0], p[0]...)
				b := tensor.Uniform(rng, op.lo[1], op.hi[1], p[1]...)
				tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return op.f(in[0], in[1]) }, a, b)
			})
		}
	}
	for _, name := range []string{"Maximum", "Minimum"} {
		for _, p := range broadcastPairs {
			t.Run(fmt.Sprintf("%s%v%v", name, p[0], p[1]), func(t *testing.T) {
				// a on a 0.1 grid, b on the grid shifted by 0.05: never tied.
				a := distinct(rng, p[0]...)
				b := distinct(rng, p[1]...).AddScalar(0.05).Detach()
				f := (*tensor.Tensor).Maximum
				if name == "Minimum" {
					f = (*tensor.Tensor).Minimum
				}
				tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return f(in[0], in[1]) }, a, b)
			})
		}
	}
}

func TestGradWhere(t *testing.T) {
	rng := newRNG(2)
	cond := tensor.New([]float32{1, 0, 0, 1}, 4)
	a, b := tensor.Randn(rng, 3, 4), tensor.Randn(rng, 3, 1)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return tensor.Where(cond, in[0], in[1]) }, a, b)
	mask := tensor.New([]float32{0, 1, 0}, 3, 1)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MaskedFill(mask, -7).Exp() }, tensor.Randn(rng, 3, 4))
}

func TestGradUnary(t *testing.T) {
	rng := newRNG(3)
	cases := []struct {
		name   string
		f      func(x *tensor.Tensor) *tensor.Tensor
		lo, hi float32
		kinks  []float32
	}{
		{"Neg", (*tensor.Tensor).Neg, -3, 3, nil},
		{"Exp", (*tensor.Tensor).Exp, -3, 3, nil},
		{"Log", (*tensor.Tensor).Log, 0.3, 3, nil},
		{"Sqrt", (*tensor.Tensor).Sqrt, 0.3, 3, nil},
		{"Abs", (*tensor.Tensor).Abs, -3, 3, []float32{0}},
		{"Clamp", func(x *tensor.Tensor) *tensor.Tensor { return x.Clamp(-1, 0.5) }, -3, 3, []float32{-1, 0.5}},
		{"ReLU", (*tensor.Tensor).ReLU, -3, 3, []float32{0}},
		{"LeakyReLU", func(x *tensor.Tensor) *tensor.Tensor { return x.LeakyReLU(0.2) }, -3, 3, []float32{0}},
		{"Sigmoid", (*tensor.Tensor).Sigmoid, -6, 6, nil},
		{"Tanh", (*tensor.Tensor).Tanh, -3, 3, nil},
		{"GELU", (*tensor.Tensor).GELU, -4, 4, nil},
		{"Softplus", (*tensor.Tensor).Softplus, -5, 5, nil},
		{"SoftplusLarge", (*tensor.Tensor).Softplus, 21, 30, nil},
		{"PowScalar3", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(3) }, -2, 2, nil},
		{"PowScalarHalf", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(0.5) }, 0.3, 3, nil},
		{"PowScalar2", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(2) }, -2, 2, nil},
		{"AddScalar", func(x *tensor.Tensor) *tensor.Tensor { return x.AddScalar(3) }, -2, 2, nil},
		{"MulScalar", func(x *tensor.Tensor) *tensor.Tensor { return x.MulScalar(-1.5) }, -2, 2, nil},
		{"Clone", (*tensor.Tensor).Clone, -2, 2, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := awayFrom(rng, c.lo, c.hi, c.kinks, 3, 5)
			tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return c.f(in[0]) }, x)
		})
	}
}

func TestGradReductions(t *testing.T) {
	rng := newRNG(4)
	type red struct {
		name string
		f    func(x *tensor.Tensor, axis int, keep bool) *tensor.Tensor
	}
	reds := []red{
		{"Sum", (*tensor.Tensor).Sum},
		{"Mean", (*tensor.Tensor).Mean},
		{"Max", (*tensor.Tensor).Max},
		{"Min", (*tensor.Tensor).Min},
		{"VarUnbiased", func(x *tensor.Tensor, a int, k bool) *tensor.Tensor { return x.Var(a, true, k) }},
		{"VarBiased", func(x *tensor.Tensor, a int, k bool) *tensor.Tensor { return x.Var(a, false, k) }},
		{"LogSumExp", (*tensor.Tensor).LogSumExp},
		{"Softmax", func(x *tensor.Tensor, a int, _ bool) *tensor.Tensor { return x.Softmax(a) }},
		{"LogSoftmax", func(x *tensor.Tensor, a int, _ bool) *tensor.Tensor { return x.LogSoftmax(a) }},
	}
	for _, r := range reds {
		for _, axis := range []int{0, 1, 2, -1} {
			for _, keep := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/axis%d/keep%v", r.name, axis, keep), func(t *testing.T) {
					x := distinct(rng, 2, 3, 4)
					tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return r.f(in[0], axis, keep) }, x)
				})
			}
		}
	}
	t.Run("SumAll", func(t *testing.T) {
		tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].SumAll() }, tensor.Randn(rng, 3, 4))
	})
	t.Run("MeanAll", func(t *testing.T) {
		tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MeanAll() }, tensor.Randn(rng, 3, 4))
	})
	t.Run("SoftmaxWithMaskedEntries", func(t *testing.T) {
		mask := tensor.New([]float32{0, 1, 0, 0, 1, 0}, 1, 6)
		tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
			return in[0].MaskedFill(mask, float32(negInf)).Softmax(-1)
		}, tensor.Randn(rng, 2, 6))
		tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
			return in[0].MaskedFill(mask, float32(negInf)).LogSumExp(-1, false)
		}, tensor.Randn(rng, 2, 6))
	})
}

func TestGradShape(t *testing.T) {
	rng := newRNG(5)
	x := func(shape ...int) *tensor.Tensor { return tensor.Randn(rng, shape...) }
	cases := []struct {
		name string
		f    fn
		in   []*tensor.Tensor
	}{
		{"Reshape", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Reshape(4, -1).Exp() }, []*tensor.Tensor{x(2, 3, 2)}},
		{"Flatten", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Flatten(1).Tanh() }, []*tensor.Tensor{x(2, 3, 2)}},
		{"Squeeze", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Squeeze(1).Exp() }, []*tensor.Tensor{x(2, 1, 3)}},
		{"Unsqueeze", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Unsqueeze(-1).Exp() }, []*tensor.Tensor{x(2, 3)}},
		{"Transpose", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Transpose(0, 2) }, []*tensor.Tensor{x(2, 3, 4)}},
		{"T", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].T() }, []*tensor.Tensor{x(2, 3)}},
		{"Permute", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Permute(1, 2, 0) }, []*tensor.Tensor{x(2, 3, 4)}},
		{"Narrow", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Narrow(1, 1, 2) }, []*tensor.Tensor{x(2, 4, 3)}},
		{"Slice", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Slice(-1, 0, 2) }, []*tensor.Tensor{x(2, 4, 3)}},
		{"Concat0", func(in ...*tensor.Tensor) *tensor.Tensor { return tensor.Concat(0, in...) }, []*tensor.Tensor{x(2, 3), x(1, 3), x(3, 3)}},
		{"Concat1", func(in ...*tensor.Tensor) *tensor.Tensor { return tensor.Concat(1, in...) }, []*tensor.Tensor{x(2, 3, 2), x(2, 1, 2)}},
		{"Stack", func(in ...*tensor.Tensor) *tensor.Tensor { return tensor.Stack(1, in...) }, []*tensor.Tensor{x(2, 3), x(2, 3)}},
		{"BroadcastTo", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].BroadcastTo(2, 3, 4) }, []*tensor.Tensor{x(3, 1)}},
		{"MatMul2D", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }, []*tensor.Tensor{x(3, 4), x(4, 5)}},
		{"MatMulVecMat", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }, []*tensor.Tensor{x(4), x(4, 5)}},
		{"MatMulMatVec", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }, []*tensor.Tensor{x(3, 4), x(4)}},
		{"MatMulDot", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }, []*tensor.Tensor{x(4), x(4)}},
		{"MatMulBatched", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }, []*tensor.Tensor{x(2, 3, 4), x(2, 4, 5)}},
		{"MatMulBroadcastBatch", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }, []*tensor.Tensor{x(2, 1, 3, 4), x(3, 4, 2)}},
		{"MatMul3Dby2D", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }, []*tensor.Tensor{x(2, 3, 4), x(4, 5)}},
		{"MatMul2Dby3D", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }, []*tensor.Tensor{x(3, 4), x(2, 4, 5)}},
		{"Gather", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Gather(1, []int{2, 0, 0, 1, 3, 3}) }, []*tensor.Tensor{x(3, 4)}},
		{"Gather0", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Gather(0, []int{1, 0, 2, 2, 1, 0}) }, []*tensor.Tensor{x(3, 2)}},
		{"IndexSelect0", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].IndexSelect(0, []int{2, 0, 2, 1}) }, []*tensor.Tensor{x(3, 4)}},
		{"IndexSelect1", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].IndexSelect(1, []int{1, 1, 0}) }, []*tensor.Tensor{x(2, 3, 2)}},
		{"ScatterAdd", func(in ...*tensor.Tensor) *tensor.Tensor {
			return in[0].ScatterAdd(1, []int{0, 2, 2, 1, 1, 1}, in[1])
		}, []*tensor.Tensor{x(2, 3), x(2, 3)}},
		{"ScatterAdd0", func(in ...*tensor.Tensor) *tensor.Tensor {
			return in[0].ScatterAdd(0, []int{3, 0, 3, 3}, in[1])
		}, []*tensor.Tensor{x(4, 2), x(2, 2)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { tensortest.GradCheck(t, c.f, c.in...) })
	}
}

// A composite of many ops, with values used more than once.
func TestGradComposite(t *testing.T) {
	rng := newRNG(6)
	x, w, b := tensor.Randn(rng, 4, 3), tensor.Randn(rng, 3, 5), tensor.Randn(rng, 5)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		h := in[0].MatMul(in[1]).Add(in[2]).Tanh()
		return h.Mul(h).Add(h.Softmax(1)).LogSumExp(1, false).Sub(h.Mean(1, false))
	}, x, w, b)
}

func TestGradLinear(t *testing.T) {
	rng := newRNG(7)
	x, w, b := tensor.Randn(rng, 2, 3, 4), tensor.Randn(rng, 5, 4), tensor.Randn(rng, 5)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return tensor.Linear(in[0], in[1], in[2]) }, x, w, b)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return tensor.Linear(in[0], in[1], nil) }, x, w)
	// Same values as the composition it replaces.
	got := tensor.Linear(x, w, b)
	want := x.MatMul(w.T()).Add(b)
	for i, v := range want.Data() {
		if d := got.Data()[i] - v; d > 1e-5 || d < -1e-5 {
			t.Fatalf("Linear element %d = %v, want %v", i, got.Data()[i], v)
		}
	}
}

func TestGradSplitUnbind(t *testing.T) {
	rng := newRNG(8)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		ps := in[0].Split(1, 1, 3, 0, 2)
		return tensor.Concat(1, ps[3].Exp(), ps[0], ps[1].Tanh(), ps[1])
	}, tensor.Randn(rng, 2, 6, 3))
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		us := in[0].Unbind(-1)
		return us[0].Mul(us[2]).Add(us[1]).Add(us[0])
	}, tensor.Randn(rng, 3, 4, 3))
	// A narrowed interior value reached twice, and a leaf narrowed directly
	// plus used whole (partial and dense gradients mixed).
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		h := in[0].Tanh()
		return h.Narrow(0, 1, 2).Sum(0, false).Add(h.Narrow(0, 0, 1).Squeeze(0)).Add(in[0].Narrow(0, 2, 1).Squeeze(0)).Mul(in[0].Sum(0, false))
	}, tensor.Randn(rng, 3, 4))
}

// A fused softplus made with Custom passes the gradient check and records
// nothing when no input requires grad.
func TestCustom(t *testing.T) {
	softplus := func(x *tensor.Tensor) *tensor.Tensor {
		y := x.Detach().Exp().AddScalar(1).Log()
		return tensor.Custom(y, func(g *tensor.Tensor) []*tensor.Tensor {
			return []*tensor.Tensor{g.Mul(x.Detach().Sigmoid())}
		}, x)
	}
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return softplus(in[0]) }, tensor.Randn(newRNG(9), 3, 4))
	if y := softplus(tensor.Ones(2)); y.RequiresGrad() {
		t.Error("Custom recorded a graph without inputs that require grad")
	}
	x := tensor.Ones(2).SetRequiresGrad(true)
	if msg := catch(func() { tensor.Custom(x.Exp(), nil, x) }); !strings.Contains(msg, "Custom") {
		t.Errorf("Custom on a graph value: %q", msg)
	}
}
