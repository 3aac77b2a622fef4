package tensor_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
	"gonum.org/v1/gonum/mat"
)

func f32(v ...float32) []float32 { return v }

// expect fails t unless got has the shape and (within tol) the values.
func expect(t *testing.T, name string, got *tensor.Tensor, shape []int, want []float32, tol float64) {
	t.Helper()
	if gs := got.Shape(); !slices.Equal(gs, shape) {
		t.Errorf("%s: shape %v, want %v", name, gs, shape)
		return
	}
	for i, w := range want {
		g := got.Data()[i]
		if math.IsNaN(float64(w)) != math.IsNaN(float64(g)) ||
			!math.IsNaN(float64(w)) && !(math.Abs(float64(g-w)) <= tol || g == w) {
			t.Errorf("%s: element %d = %v, want %v (all: %v)", name, i, g, w, got.Data())
			return
		}
	}
}

func TestCreation(t *testing.T) {
	expect(t, "Zeros", tensor.Zeros(2, 2), []int{2, 2}, f32(0, 0, 0, 0), 0)
	expect(t, "Ones", tensor.Ones(3), []int{3}, f32(1, 1, 1), 0)
	expect(t, "Full", tensor.Full(2.5, 1, 2), []int{1, 2}, f32(2.5, 2.5), 0)
	expect(t, "Scalar", tensor.Scalar(4), []int{}, f32(4), 0)
	expect(t, "Arange", tensor.Arange(0, 1, 0.25), []int{4}, f32(0, 0.25, 0.5, 0.75), 0)
	expect(t, "ArangeDown", tensor.Arange(3, 0, -1), []int{3}, f32(3, 2, 1), 0)
	expect(t, "ArangeEmpty", tensor.Arange(3, 0, 1), []int{0}, nil, 0)
	x := tensor.New(f32(1, 2, 3, 4, 5, 6), 2, 3)
	if x.At(1, 2) != 6 || x.Dim(-1) != 3 || x.NDim() != 2 || x.Size() != 6 {
		t.Errorf("accessors: At %v Dim %v NDim %v Size %v", x.At(1, 2), x.Dim(-1), x.NDim(), x.Size())
	}
	x.Set(9, 0, 1)
	if x.Data()[1] != 9 {
		t.Error("Set did not write")
	}

	// Same seed, same numbers; the distributions have the right moments.
	a := tensor.Randn(newRNG(9), 10000)
	b := tensor.Randn(newRNG(9), 10000)
	for i := range a.Data() {
		if a.Data()[i] != b.Data()[i] {
			t.Fatal("Randn is not reproducible")
		}
	}
	if m, v := a.MeanAll().Item(), a.Var(0, true, false).Item(); math.Abs(float64(m)) > 0.03 || math.Abs(float64(v)-1) > 0.05 {
		t.Errorf("Randn mean %v var %v", m, v)
	}
	u := tensor.Uniform(newRNG(9), 2, 4, 10000)
	if u.Min(0, false).Item() < 2 || u.Max(0, false).Item() >= 4 || math.Abs(float64(u.MeanAll().Item())-3) > 0.03 {
		t.Errorf("Uniform out of range or biased")
	}
	n := tensor.Normal(newRNG(9), 5, 2, 10000)
	if m := n.MeanAll().Item(); math.Abs(float64(m)-5) > 0.06 {
		t.Errorf("Normal mean %v", m)
	}
}

func TestGonum(t *testing.T) {
	d := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	x := tensor.FromDense(d)
	expect(t, "FromDense", x, []int{2, 3}, f32(1, 2, 3, 4, 5, 6), 0)
	if !mat.Equal(x.ToDense(), d) {
		t.Error("ToDense does not round trip")
	}
	if !mat.EqualApprox(x.T().ToDense(), d.T(), 0) {
		t.Error("transpose disagrees with gonum")
	}
}

func TestElementwiseValues(t *testing.T) {
	a := tensor.New(f32(1, 2, 3, 4, 5, 6), 2, 3)
	row := tensor.New(f32(10, 20, 30), 3)
	col := tensor.New(f32(100, 200), 2, 1)
	expect(t, "Add row", a.Add(row), []int{2, 3}, f32(11, 22, 33, 14, 25, 36), 0)
	expect(t, "Add col", a.Add(col), []int{2, 3}, f32(101, 102, 103, 204, 205, 206), 0)
	expect(t, "Sub scalar", a.Sub(tensor.Scalar(1)), []int{2, 3}, f32(0, 1, 2, 3, 4, 5), 0)
	expect(t, "scalar Sub", tensor.Scalar(1).Sub(a), []int{2, 3}, f32(0, -1, -2, -3, -4, -5), 0)
	expect(t, "outer product", col.Mul(row), []int{2, 3}, f32(1000, 2000, 3000, 2000, 4000, 6000), 0)
	expect(t, "Div", a.Div(row), []int{2, 3}, f32(0.1, 0.1, 0.1, 0.4, 0.25, 0.2), 1e-7)
	expect(t, "scalar Div", tensor.Scalar(6).Div(a), []int{2, 3}, f32(6, 3, 2, 1.5, 1.2, 1), 1e-6)
	expect(t, "Pow", a.Pow(tensor.New(f32(2), 1)), []int{2, 3}, f32(1, 4, 9, 16, 25, 36), 1e-5)
	expect(t, "PowScalar", a.PowScalar(0.5), []int{2, 3}, f32(1, 1.4142135, 1.7320508, 2, 2.236068, 2.4494898), 1e-6)
	// (2,1,3) + (4,1) -> (2,4,3)
	b := tensor.Arange(0, 6, 1).Reshape(2, 1, 3)
	c := tensor.Arange(0, 40, 10).Reshape(4, 1)
	s := b.Add(c)
	if got := s.Shape(); !slices.Equal(got, []int{2, 4, 3}) || s.At(1, 3, 2) != 35 || s.At(0, 2, 1) != 21 {
		t.Errorf("3-D broadcast: shape %v, values %v", got, s.Data())
	}
	x := tensor.New(f32(-2, -0.5, 0, 0.5, 2), 5)
	expect(t, "Maximum", x.Maximum(tensor.Scalar(0)), []int{5}, f32(0, 0, 0, 0.5, 2), 0)
	expect(t, "Minimum", x.Minimum(tensor.Scalar(0)), []int{5}, f32(-2, -0.5, 0, 0, 0), 0)
	expect(t, "Neg", x.Neg(), []int{5}, f32(2, 0.5, 0, -0.5, -2), 0)
	expect(t, "Abs", x.Abs(), []int{5}, f32(2, 0.5, 0, 0.5, 2), 0)
	expect(t, "Clamp", x.Clamp(-1, 1), []int{5}, f32(-1, -0.5, 0, 0.5, 1), 0)
	expect(t, "ReLU", x.ReLU(), []int{5}, f32(0, 0, 0, 0.5, 2), 0)
	expect(t, "LeakyReLU", x.LeakyReLU(0.1), []int{5}, f32(-0.2, -0.05, 0, 0.5, 2), 1e-7)
	expect(t, "Exp", x.Exp(), []int{5}, f32(0.13533528, 0.60653066, 1, 1.6487213, 7.389056), 1e-6)
	expect(t, "Sigmoid", x.Sigmoid(), []int{5}, f32(0.11920292, 0.37754067, 0.5, 0.62245935, 0.8807971), 1e-7)
	expect(t, "Tanh", x.Tanh(), []int{5}, f32(-0.9640276, -0.46211716, 0, 0.46211716, 0.9640276), 1e-7)
	// GELU and Softplus values from PyTorch 1.13 (F.gelu, F.softplus).
	expect(t, "GELU", x.GELU(), []int{5}, f32(-0.04550028, -0.15426877, 0, 0.34573123, 1.9544997), 1e-6)
	expect(t, "Softplus", x.Softplus(), []int{5}, f32(0.12692805, 0.47407699, 0.6931472, 0.974077, 2.126928), 1e-6)
	big := tensor.New(f32(-100, 30, 100), 3)
	expect(t, "Sigmoid extremes", big.Sigmoid(), []int{3}, f32(0, 1, 1), 1e-7)
	expect(t, "Softplus extremes", big.Softplus(), []int{3}, f32(0, 30, 100), 1e-6)
	expect(t, "Log", tensor.New(f32(0, 1, float32(math.E)), 3).Log(), []int{3}, f32(float32(math.Inf(-1)), 0, 1), 1e-7)
	expect(t, "Sqrt", tensor.New(f32(0, 4, 2.25), 3).Sqrt(), []int{3}, f32(0, 2, 1.5), 0)

	cond := tensor.New(f32(1, 0, 1), 3)
	expect(t, "Where", tensor.Where(cond, a, tensor.Scalar(-1)), []int{2, 3}, f32(1, -1, 3, 4, -1, 6), 0)
	mask := tensor.New(f32(0, 1), 2, 1)
	expect(t, "MaskedFill", a.MaskedFill(mask, 0), []int{2, 3}, f32(1, 2, 3, 0, 0, 0), 0)
}

func TestReductionValues(t *testing.T) {
	// x[i][j][k] = 12i + 4j + k
	x := tensor.Arange(0, 24, 1).Reshape(2, 3, 4)
	expect(t, "Sum0", x.Sum(0, false), []int{3, 4}, f32(12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34), 0)
	expect(t, "Sum1 keep", x.Sum(1, true), []int{2, 1, 4}, f32(12, 15, 18, 21, 48, 51, 54, 57), 0)
	expect(t, "Sum-1", x.Sum(-1, false), []int{2, 3}, f32(6, 22, 38, 54, 70, 86), 0)
	expect(t, "SumAll", x.SumAll(), []int{}, f32(276), 0)
	expect(t, "Mean1", x.Mean(1, false), []int{2, 4}, f32(4, 5, 6, 7, 16, 17, 18, 19), 1e-6)
	expect(t, "MeanAll", x.MeanAll(), []int{}, f32(11.5), 0)
	y := tensor.New(f32(3, 1, 4, 1, 5, 9, 2, 6, 5), 3, 3)
	expect(t, "Max0", y.Max(0, false), []int{3}, f32(3, 6, 9), 0)
	expect(t, "Max1 keep", y.Max(1, true), []int{3, 1}, f32(4, 9, 6), 0)
	expect(t, "Min1", y.Min(1, false), []int{3}, f32(1, 1, 2), 0)
	expect(t, "Argmax1", y.Argmax(1, false), []int{3}, f32(2, 2, 1), 0)
	expect(t, "Argmax0 keep", y.Argmax(0, true), []int{1, 3}, f32(0, 2, 1), 0)
	if got := y.Argmax(-1, false).Ints(); !slices.Equal(got, []int{2, 2, 1}) {
		t.Errorf("Ints: %v", got)
	}
	ties := tensor.New(f32(1, 5, 5, 2), 4)
	expect(t, "Argmax first of ties", ties.Argmax(0, false), []int{}, f32(1), 0)
	// var of {3,1,4} = mean 8/3, squares sum 14/3; /2 unbiased, /3 biased
	expect(t, "Var unbiased", y.Var(1, true, false), []int{3}, f32(7.0/3, 16, 4.333333), 1e-5)
	expect(t, "Var biased", y.Var(1, false, false), []int{3}, f32(14.0/9, 32.0/3, 26.0/9), 1e-5)
	nan := tensor.New(f32(1, float32(math.NaN()), 3), 3)
	if v := nan.Max(0, false).Item(); !math.IsNaN(float64(v)) {
		t.Errorf("Max with NaN = %v, want NaN", v)
	}
}

func TestSoftmaxStability(t *testing.T) {
	inf := float32(math.Inf(-1))
	x := tensor.New(f32(1, 2, 3, 1e4, 1e4+1, 1e4-1, 0, inf, 0, inf, inf, inf), 4, 3)
	e1, e2 := float32(0.09003057), float32(0.24472848)
	expect(t, "Softmax", x.Softmax(1), []int{4, 3}, f32(e1, e2, 0.66524094, e2, 0.66524094, e1, 0.5, 0, 0.5, 0, 0, 0), 1e-6)
	expect(t, "LogSoftmax", x.LogSoftmax(1), []int{4, 3},
		f32(-2.407606, -1.4076059, -0.4076059, -1.4076059, -0.4076059, -2.407606, -0.6931472, inf, -0.6931472, inf, inf, inf), 1e-4)
	expect(t, "LogSumExp", x.LogSumExp(1, false), []int{4}, f32(3.4076059, 1e4+1.4076059, 0.6931472, inf), 1e-3)
	// along axis 0 of the transpose, the same numbers
	expect(t, "Softmax axis 0", x.T().Softmax(0).T(), []int{4, 3}, f32(e1, e2, 0.66524094, e2, 0.66524094, e1, 0.5, 0, 0.5, 0, 0, 0), 1e-6)
	for _, v := range x.Softmax(1).Data() {
		if math.IsNaN(float64(v)) {
			t.Fatal("Softmax produced NaN")
		}
	}
	// The gradient through a fully masked row is zero, not NaN.
	w := x.Clone().Detach().SetRequiresGrad(true)
	w.Softmax(1).Mul(tensor.Arange(0, 12, 1).Reshape(4, 3)).SumAll().Backward()
	for _, v := range w.Grad().Data() {
		if math.IsNaN(float64(v)) {
			t.Fatalf("Softmax gradient has NaN: %v", w.Grad().Data())
		}
	}
}

func TestShapeValues(t *testing.T) {
	x := tensor.Arange(0, 6, 1).Reshape(2, 3)
	expect(t, "T", x.T(), []int{3, 2}, f32(0, 3, 1, 4, 2, 5), 0)
	y := tensor.Arange(0, 24, 1).Reshape(2, 3, 4)
	p := y.Permute(2, 0, 1)
	if !slices.Equal(p.Shape(), []int{4, 2, 3}) || p.At(3, 1, 2) != y.At(1, 2, 3) || p.At(1, 0, 2) != y.At(0, 2, 1) {
		t.Errorf("Permute: %v", p)
	}
	expect(t, "Narrow", y.Narrow(2, 1, 2), []int{2, 3, 2}, f32(1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22), 0)
	expect(t, "Narrow0", y.Narrow(0, 1, 1).Reshape(-1).Narrow(0, 0, 2), []int{2}, f32(12, 13), 0)
	expect(t, "Concat1", tensor.Concat(1, x, tensor.Full(9, 2, 1)), []int{2, 4}, f32(0, 1, 2, 9, 3, 4, 5, 9), 0)
	expect(t, "Concat0", tensor.Concat(0, x, tensor.Full(9, 1, 3)), []int{3, 3}, f32(0, 1, 2, 3, 4, 5, 9, 9, 9), 0)
	expect(t, "Stack0", tensor.Stack(0, tensor.Ones(2), tensor.Zeros(2)), []int{2, 2}, f32(1, 1, 0, 0), 0)
	expect(t, "Stack1", tensor.Stack(1, tensor.Ones(2), tensor.Zeros(2)), []int{2, 2}, f32(1, 0, 1, 0), 0)
	expect(t, "Squeeze", tensor.Zeros(2, 1, 3).Squeeze(1), []int{2, 3}, nil, 0)
	expect(t, "Unsqueeze", x.Unsqueeze(1), []int{2, 1, 3}, f32(0, 1, 2, 3, 4, 5), 0)
	expect(t, "Unsqueeze end", x.Unsqueeze(-1), []int{2, 3, 1}, nil, 0)
	expect(t, "Flatten", y.Flatten(1), []int{2, 12}, nil, 0)
	expect(t, "Reshape infer", y.Reshape(-1, 6), []int{4, 6}, nil, 0)
	expect(t, "BroadcastTo", tensor.New(f32(1, 2), 2, 1).BroadcastTo(2, 3), []int{2, 3}, f32(1, 1, 1, 2, 2, 2), 0)

	// Views share data; copies do not.
	v := x.Reshape(3, 2)
	v.Data()[0] = 42
	if x.At(0, 0) != 42 {
		t.Error("Reshape should share data")
	}
	c := x.T()
	c.Data()[0] = -1
	if x.At(0, 0) != 42 {
		t.Error("T should copy")
	}
}

func TestMatMulValues(t *testing.T) {
	a := tensor.New(f32(1, 2, 3, 4, 5, 6), 2, 3)
	b := tensor.New(f32(7, 8, 9, 10, 11, 12), 3, 2)
	expect(t, "2D", a.MatMul(b), []int{2, 2}, f32(58, 64, 139, 154), 0)
	v := tensor.New(f32(1, 0, -1), 3)
	expect(t, "mat·vec", a.MatMul(v), []int{2}, f32(-2, -2), 0)
	expect(t, "vec·mat", v.MatMul(b), []int{2}, f32(-4, -4), 0)
	expect(t, "dot", v.MatMul(v), []int{}, f32(2), 0)
	// batched with broadcast: (2,1,2,3)·(3,3,2) -> (2,3,2,2)
	ab := tensor.Stack(0, a, a.MulScalar(2)).Unsqueeze(1)
	bb := tensor.Stack(0, b, b.Neg(), b.MulScalar(0))
	out := ab.MatMul(bb)
	if !slices.Equal(out.Shape(), []int{2, 3, 2, 2}) || out.At(1, 0, 1, 1) != 308 || out.At(0, 1, 0, 0) != -58 || out.At(1, 2, 1, 0) != 0 {
		t.Errorf("broadcast batch: %v", out)
	}
	// against gonum on a larger random product
	rng := newRNG(11)
	x, y := tensor.Randn(rng, 37, 53), tensor.Randn(rng, 53, 29)
	var want mat.Dense
	want.Mul(x.ToDense(), y.ToDense())
	if !mat.EqualApprox(x.MatMul(y).ToDense(), &want, 1e-4) {
		t.Error("MatMul disagrees with gonum")
	}
}

func TestIndexValues(t *testing.T) {
	w := tensor.Arange(0, 8, 1).Reshape(4, 2)
	expect(t, "IndexSelect", w.IndexSelect(0, []int{3, 0, 3}), []int{3, 2}, f32(6, 7, 0, 1, 6, 7), 0)
	expect(t, "IndexSelect1", w.IndexSelect(1, []int{1}), []int{4, 1}, f32(1, 3, 5, 7), 0)
	logp := tensor.New(f32(0.1, 0.2, 0.7, 0.5, 0.4, 0.1), 2, 3)
	expect(t, "Gather", logp.Gather(1, []int{2, 0}), []int{2, 1}, f32(0.7, 0.5), 0)
	expect(t, "Gather0", logp.Gather(0, []int{1, 0, 1}), []int{1, 3}, f32(0.5, 0.2, 0.1), 0)
	base := tensor.Zeros(2, 3)
	src := tensor.New(f32(1, 2, 3, 4), 2, 2)
	expect(t, "ScatterAdd", base.ScatterAdd(1, []int{0, 0, 2, 1}, src), []int{2, 3}, f32(3, 0, 0, 0, 4, 3), 0)
	expect(t, "OneHot", tensor.OneHot([]int{2, 0}, 3), []int{2, 3}, f32(0, 0, 1, 1, 0, 0), 0)
	// embedding gradient: repeated ids accumulate
	emb := tensor.Ones(3, 2).SetRequiresGrad(true)
	emb.IndexSelect(0, []int{1, 1, 2}).SumAll().Backward()
	expect(t, "embedding grad", emb.Grad(), []int{3, 2}, f32(0, 0, 2, 2, 1, 1), 0)
}

// Shape errors panic with a message that names the op and both shapes.
func TestShapePanics(t *testing.T) {
	a, b := tensor.Zeros(3, 4), tensor.Zeros(5)
	for _, c := range []struct {
		f    func()
		want []string
	}{
		{func() { a.Add(b) }, []string{"Add", "[3 4]", "[5]"}},
		{func() { a.Mul(tensor.Zeros(2, 4)) }, []string{"Mul", "[3 4]", "[2 4]"}},
		{func() { a.MatMul(tensor.Zeros(5, 2)) }, []string{"MatMul", "[3 4]", "[5 2]"}},
		{func() { tensor.Concat(0, a, tensor.Zeros(3, 5)) }, []string{"Concat", "[3 4]", "[3 5]"}},
		{func() { a.Reshape(5, 2) }, []string{"Reshape", "[3 4]", "[5 2]"}},
		{func() { a.BroadcastTo(3, 5) }, []string{"BroadcastTo", "[3 4]", "[3 5]"}},
		{func() { tensor.Where(tensor.Zeros(2), a, a) }, []string{"Where", "[2]", "[3 4]"}},
		{func() { a.MaskedFill(tensor.Zeros(4, 4), 0) }, []string{"MaskedFill", "[4 4]", "[3 4]"}},
		{func() { a.Sum(2, false) }, []string{"Sum", "axis 2", "[3 4]"}},
		{func() { a.IndexSelect(0, []int{3}) }, []string{"IndexSelect", "index 3", "[3 4]"}},
		{func() { a.ScatterAdd(0, []int{0, 1}, tensor.Zeros(2, 1)) }, []string{"ScatterAdd"}},
		{func() { tensor.New(f32(1, 2), 3) }, []string{"New", "[3]"}},
		{func() { a.Backward() }, []string{"Backward", "[3 4]"}},
	} {
		msg := catch(c.f)
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("panic %q does not mention %q", msg, w)
			}
		}
	}
}

func catch(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg, _ = r.(string)
			if msg == "" {
				msg = "non-string panic"
			}
		}
	}()
	f()
	return "no panic"
}

func TestString(t *testing.T) {
	got := tensor.Arange(0, 4, 1).Reshape(2, 2).String()
	if got != "Tensor[2 2] [[0 1] [2 3]]" {
		t.Errorf("String = %q", got)
	}
	if s := tensor.Arange(0, 20, 1).String(); !strings.Contains(s, "...") {
		t.Errorf("long tensor not elided: %q", s)
	}
}

func TestMatMulEmpty(t *testing.T) {
	expect(t, "k=0 batched", tensor.Zeros(2, 3, 0).MatMul(tensor.Zeros(0, 4)), []int{2, 3, 4}, make([]float32, 24), 0)
	expect(t, "k=0", tensor.Ones(3, 0).MatMul(tensor.Ones(0, 2)), []int{3, 2}, make([]float32, 6), 0)
	expect(t, "m=0", tensor.Ones(0, 3).MatMul(tensor.Ones(3, 2)), []int{0, 2}, nil, 0)
	expect(t, "batch=0", tensor.Ones(0, 2, 3).MatMul(tensor.Ones(3, 2)), []int{0, 2, 2}, nil, 0)
}

func TestSplitUnbindValues(t *testing.T) {
	x := tensor.Arange(0, 12, 1).Reshape(2, 6)
	ps := x.Split(1, 2, 4)
	expect(t, "Split 0", ps[0], []int{2, 2}, f32(0, 1, 6, 7), 0)
	expect(t, "Split 1", ps[1], []int{2, 4}, f32(2, 3, 4, 5, 8, 9, 10, 11), 0)
	us := x.Unbind(0)
	expect(t, "Unbind 1", us[1], []int{6}, f32(6, 7, 8, 9, 10, 11), 0)
	if msg := catch(func() { x.Split(1, 2, 2) }); !strings.Contains(msg, "Split") || !strings.Contains(msg, "[2 6]") {
		t.Errorf("Split panic %q", msg)
	}
}
