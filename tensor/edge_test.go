package tensor_test

// Adversarial edge-case tests: zero-size dimensions, 0-d tensors, negative
// axes, NaN/Inf, broadcasting against a naive reference, parallel chunking,
// and autograd aliasing. Tests whose comment starts with "BUG:" document a
// defect and fail until it is fixed; the others pin down behaviour that was
// checked to be right (against NumPy / PyTorch 1.13 where they are the
// reference).

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// ---------------------------------------------------------------------------
// helpers (prefixed with edge to stay clear of the other test files)

func edgeRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0xed6e)) }

// edgeRand returns a tensor of shape with values in [-2, 2).
func edgeRand(rng *rand.Rand, shape ...int) *tensor.Tensor {
	return tensor.Uniform(rng, -2, 2, shape...)
}

func edgeSize(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// edgeUnravel returns the multi-index of flat position i in shape.
func edgeUnravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = i % shape[d]
		i /= shape[d]
	}
	return idx
}

// edgeBcastOffset is the flat offset, in an operand of shape in, of the
// element that NumPy broadcasting pairs with output index out.
func edgeBcastOffset(out []int, in []int) int {
	off := 0
	for d := range in {
		o := out[len(out)-len(in)+d]
		if in[d] == 1 {
			o = 0
		}
		off = off*in[d] + o
	}
	return off
}

// edgeBcastShape is a naive NumPy broadcast; ok is false if the shapes do
// not broadcast.
func edgeBcastShape(a, b []int) (out []int, ok bool) {
	n := max(len(a), len(b))
	out = make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

func edgeCatch(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return "no panic"
}

func edgeShape(t *testing.T, what string, got *tensor.Tensor, want ...int) {
	t.Helper()
	if !slices.Equal(got.Shape(), want) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want)
	}
}

// edgeBits fails unless got and want hold the same float32 bits (so NaN
// equals NaN, and -0 differs from +0).
func edgeBits(t *testing.T, what string, got []float32, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
			if len(got) <= 16 {
				t.Errorf("%s: element %d is %v, want %v (got %v, want %v)", what, i, got[i], want[i], got, want)
			} else {
				t.Errorf("%s: element %d of %d is %v, want %v", what, i, len(got), got[i], want[i])
			}
			return
		}
	}
}

// edgeClose fails unless got and want agree within tol (relative to
// max(1, |want|)); NaN matches NaN and Inf matches Inf of the same sign.
func edgeClose(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		g, w := float64(got[i]), want[i]
		switch {
		case math.IsNaN(w) || math.IsNaN(g):
			if math.IsNaN(w) != math.IsNaN(g) {
				t.Errorf("%s: element %d is %v, want %v", what, i, g, w)
				return
			}
		case math.IsInf(w, 0) || math.IsInf(g, 0):
			if g != w {
				t.Errorf("%s: element %d is %v, want %v", what, i, g, w)
				return
			}
		case math.Abs(g-w) > tol*math.Max(1, math.Abs(w)):
			t.Errorf("%s: element %d is %v, want %v", what, i, g, w)
			return
		}
	}
}

var (
	edgeInf  = float32(math.Inf(1))
	edgeNInf = float32(math.Inf(-1))
	edgeNaN  = float32(math.NaN())
)

// ---------------------------------------------------------------------------
// Regressions: bugs found in review (each comment says what was wrong), now fixed

// Fixed: Maximum and Minimum drop a NaN in the first operand. The kernel is
// "x if wa(x, y) > 0 else y", and every comparison with NaN is false, so
// maximum(NaN, 1) returns 1, while maximum(1, NaN) returns NaN. NumPy's
// np.maximum/np.minimum and PyTorch's torch.maximum/torch.minimum propagate
// NaN from either side: torch.maximum([nan, 1], [1, nan]) = [nan, nan].
func TestEdgeMaximumMinimumNaN(t *testing.T) {
	a := tensor.New([]float32{edgeNaN, 1, edgeNaN}, 3)
	b := tensor.New([]float32{1, edgeNaN, edgeNaN}, 3)
	nan3 := []float32{edgeNaN, edgeNaN, edgeNaN}
	edgeBits(t, "Maximum(NaN-containing)", a.Maximum(b).Data(), nan3)
	edgeBits(t, "Minimum(NaN-containing)", a.Minimum(b).Data(), nan3)
	// The broadcast path goes through the same kernel.
	edgeBits(t, "Maximum(NaN, scalar)", tensor.Scalar(edgeNaN).Maximum(tensor.Zeros(2)).Data(), nan3[:2])
}

// Fixed: Var over an axis of length 0 with unbiased=true returns -0 instead
// of NaN. With n = 0 the divisor becomes n-1 = -1 and the (empty) sum of
// squares is 0, so 0/-1 = -0. PyTorch (torch.zeros(2,0).var(1)) and NumPy
// (np.var(..., ddof=1) of an empty axis) give NaN. The biased variant gives
// NaN (0/0) already.
func TestEdgeVarEmptyAxisUnbiased(t *testing.T) {
	x := tensor.Zeros(2, 0)
	edgeBits(t, "biased Var over empty axis", x.Var(1, false, false).Data(), []float32{edgeNaN, edgeNaN})
	edgeBits(t, "unbiased Var over empty axis", x.Var(1, true, false).Data(), []float32{edgeNaN, edgeNaN})
}

// Fixed: Flatten(start) panics when a dimension before start is 0, because it
// reshapes to (shape[:start]..., -1) and Reshape cannot infer -1 when the
// known dimensions multiply to 0. PyTorch: torch.zeros(0,3,2).flatten(1)
// has shape [0, 6]; an empty batch through a Flatten layer is legal.
func TestEdgeFlattenZeroLeadingDim(t *testing.T) {
	var got *tensor.Tensor
	if msg := edgeCatch(func() { got = tensor.Zeros(0, 3, 2).Flatten(1) }); msg != "no panic" {
		t.Fatalf("Zeros(0, 3, 2).Flatten(1) panicked: %s", msg)
	}
	edgeShape(t, "Zeros(0,3,2).Flatten(1)", got, 0, 6)
	if msg := edgeCatch(func() { got = tensor.Zeros(2, 0, 3, 4).Flatten(2) }); msg != "no panic" {
		t.Fatalf("Zeros(2, 0, 3, 4).Flatten(2) panicked: %s", msg)
	}
	edgeShape(t, "Zeros(2,0,3,4).Flatten(2)", got, 2, 0, 12)
}

// Fixed (documentation): MatMul's doc says "As in BLAS, a zero in one operand
// contributes nothing even against an Inf or NaN in the other". That holds
// only for a zero in the LEFT operand: gonum's Sgemm (NoTrans, NoTrans)
// skips a[i,l] == 0 but multiplies b[l,j] == 0 by a[i,l] = Inf, giving NaN.
// So [[Inf]]·[[0]] is NaN while [[0]]·[[Inf]] is 0; the result depends on
// operand order. (PyTorch gives NaN for both.) Either the doc must say
// "a zero in the left operand" or the product must skip both.
func TestEdgeMatMulZeroTimesInfDoc(t *testing.T) {
	left := tensor.New([]float32{0}, 1, 1).MatMul(tensor.New([]float32{edgeInf}, 1, 1))
	edgeBits(t, "[[0]]·[[Inf]]", left.Data(), []float32{0})
	// The doc promises nothing for a zero in the right operand: here it is
	// NaN, as in PyTorch.
	right := tensor.New([]float32{edgeInf}, 1, 1).MatMul(tensor.New([]float32{0}, 1, 1))
	if v := right.Data()[0]; v == v {
		t.Errorf("[[Inf]]·[[0]] = %v, want NaN", v)
	}
}

// Fixed: Pow's doc says "As in PyTorch, the gradient with respect to b is
// taken as 0 where a is 0", but the code computes out*log|a→0 = a^b * 0,
// which is Inf*0 = NaN for b < 0. PyTorch only zeroes it where a == 0 AND
// b >= 0 (pow_backward_exponent), so for a = 0, b = -1 it gives
// result*log(a) = Inf*-Inf = -Inf. Checked: torch.pow(0., -1.) backward
// gives a.grad = -inf, b.grad = -inf. Fix: in the b-gradient, use
// where(a == 0 && b >= 0, 0, out*log(a)) computed per broadcast element.
func TestEdgePowExponentGradZeroBase(t *testing.T) {
	a := tensor.New([]float32{0, 0, 0}, 3).SetRequiresGrad(true)
	b := tensor.New([]float32{-1, 0, 2}, 3).SetRequiresGrad(true)
	a.Pow(b).SumAll().Backward()
	// d/da: b*a^(b-1) = -1*Inf, 0 (masked where b == 0), 2*0.
	edgeBits(t, "d pow/d a", a.Grad().Data(), []float32{edgeNInf, 0, 0})
	// d/db: -Inf (PyTorch), 0, 0.
	edgeBits(t, "d pow/d b", b.Grad().Data(), []float32{edgeNInf, 0, 0})
}

// Fixed: Full(-0, ...) fills with +0, because it skips the fill when v == 0
// and -0 == 0. torch.full((2,), -0.0) holds -0 (1/x is -inf). Fix: test
// math.Float32bits(v) != 0 instead of v != 0.
func TestEdgeFullNegativeZero(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	edgeBits(t, "Full(-0, 2)", tensor.Full(negZero, 2).Data(), []float32{negZero, negZero})
}

// ---------------------------------------------------------------------------
// Broadcasting: the merged iteration plan against a naive reference.

// edgeRandShape returns a random shape of rank 0..4 with sizes in {0,1,2,3}
// (0 rarely).
func edgeRandShape(rng *rand.Rand) []int {
	s := make([]int, rng.IntN(5))
	for i := range s {
		switch r := rng.IntN(20); {
		case r == 0:
			s[i] = 0
		case r < 8:
			s[i] = 1
		default:
			s[i] = 2 + rng.IntN(2)
		}
	}
	return s
}

// edgeCompatible derives from out a shape that broadcasts to it: a random
// suffix with some dimensions replaced by 1.
func edgeCompatible(rng *rand.Rand, out []int) []int {
	s := slices.Clone(out[len(out)-rng.IntN(len(out)+1):])
	for i := range s {
		if rng.IntN(3) == 0 {
			s[i] = 1
		}
	}
	return s
}

func TestEdgeBroadcastRandomAgainstNaive(t *testing.T) {
	rng := edgeRNG(1)
	type binop struct {
		name string
		f    func(a, b *tensor.Tensor) *tensor.Tensor
		ref  func(x, y float32) float32
	}
	ops := []binop{
		{"Add", (*tensor.Tensor).Add, func(x, y float32) float32 { return x + y }},
		{"Sub", (*tensor.Tensor).Sub, func(x, y float32) float32 { return x - y }},
		{"Mul", (*tensor.Tensor).Mul, func(x, y float32) float32 { return x * y }},
		{"Div", (*tensor.Tensor).Div, func(x, y float32) float32 { return x / y }},
		{"Maximum", (*tensor.Tensor).Maximum, func(x, y float32) float32 { return max(x, y) }},
	}
	for iter := 0; iter < 400; iter++ {
		var sa, sb []int
		if iter%4 == 0 {
			// independent shapes: must broadcast exactly when NumPy says so
			sa, sb = edgeRandShape(rng), edgeRandShape(rng)
		} else {
			out := edgeRandShape(rng)
			sa, sb = edgeCompatible(rng, out), edgeCompatible(rng, out)
			if rng.IntN(2) == 0 {
				sa = out
			}
		}
		want, ok := edgeBcastShape(sa, sb)
		a, b := edgeRand(rng, sa...), edgeRand(rng, sb...)
		if !ok {
			if msg := edgeCatch(func() { a.Add(b) }); !strings.Contains(msg, "do not broadcast") {
				t.Errorf("%v + %v: want a broadcast panic, got %q", sa, sb, msg)
			}
			continue
		}
		for _, op := range ops {
			got := op.f(a, b)
			if !slices.Equal(got.Shape(), want) {
				t.Fatalf("%s %v %v: shape %v, want %v", op.name, sa, sb, got.Shape(), want)
			}
			for i, v := range got.Data() {
				idx := edgeUnravel(i, want)
				r := op.ref(a.Data()[edgeBcastOffset(idx, sa)], b.Data()[edgeBcastOffset(idx, sb)])
				if math.Float32bits(v) != math.Float32bits(r) {
					t.Fatalf("%s %v %v: element %v is %v, want %v", op.name, sa, sb, idx, v, r)
				}
			}
		}
		// Gradients (sumTo): d/da sum(w*(a*b)) = sumTo(w*b), d/db = sumTo(w*a).
		a.SetRequiresGrad(true)
		b.SetRequiresGrad(true)
		w := edgeRand(rng, want...)
		a.Mul(b).BackwardWith(w)
		ga, gb := make([]float64, len(a.Data())), make([]float64, len(b.Data()))
		for i, wv := range w.Data() {
			idx := edgeUnravel(i, want)
			oa, ob := edgeBcastOffset(idx, sa), edgeBcastOffset(idx, sb)
			ga[oa] += float64(wv) * float64(b.Data()[ob])
			gb[ob] += float64(wv) * float64(a.Data()[oa])
		}
		edgeClose(t, fmt.Sprintf("grad a of %v*%v", sa, sb), a.Grad().Data(), ga, 1e-5)
		edgeClose(t, fmt.Sprintf("grad b of %v*%v", sa, sb), b.Grad().Data(), gb, 1e-5)

		// BroadcastTo and its gradient.
		c := edgeRand(rng, sb...).SetRequiresGrad(true)
		bt := c.BroadcastTo(want...)
		for i, v := range bt.Data() {
			if r := c.Data()[edgeBcastOffset(edgeUnravel(i, want), sb)]; v != r {
				t.Fatalf("BroadcastTo %v -> %v: element %d is %v, want %v", sb, want, i, v, r)
			}
		}
		bt.BackwardWith(w)
		gc := make([]float64, len(c.Data()))
		for i, wv := range w.Data() {
			gc[edgeBcastOffset(edgeUnravel(i, want), sb)] += float64(wv)
		}
		edgeClose(t, fmt.Sprintf("grad of BroadcastTo %v -> %v", sb, want), c.Grad().Data(), gc, 1e-5)
	}
}

// Where with three independently broadcast operands.
func TestEdgeWhereRandomAgainstNaive(t *testing.T) {
	rng := edgeRNG(2)
	for iter := 0; iter < 200; iter++ {
		out := edgeRandShape(rng)
		sc, sa, sb := edgeCompatible(rng, out), edgeCompatible(rng, out), edgeCompatible(rng, out)
		full, _ := edgeBcastShape(sc, sa)
		full, _ = edgeBcastShape(full, sb)
		cond := tensor.Zeros(sc...)
		for i := range cond.Data() {
			cond.Data()[i] = float32(rng.IntN(2))
		}
		a := edgeRand(rng, sa...).SetRequiresGrad(true)
		b := edgeRand(rng, sb...).SetRequiresGrad(true)
		got := tensor.Where(cond, a, b)
		if !slices.Equal(got.Shape(), full) {
			t.Fatalf("Where %v %v %v: shape %v, want %v", sc, sa, sb, got.Shape(), full)
		}
		w := edgeRand(rng, full...)
		got.BackwardWith(w)
		ga, gb := make([]float64, len(a.Data())), make([]float64, len(b.Data()))
		for i, v := range got.Data() {
			idx := edgeUnravel(i, full)
			oa, ob := edgeBcastOffset(idx, sa), edgeBcastOffset(idx, sb)
			want := b.Data()[ob]
			if cond.Data()[edgeBcastOffset(idx, sc)] != 0 {
				want = a.Data()[oa]
				ga[oa] += float64(w.Data()[i])
			} else {
				gb[ob] += float64(w.Data()[i])
			}
			if v != want {
				t.Fatalf("Where %v %v %v: element %v is %v, want %v", sc, sa, sb, idx, v, want)
			}
		}
		edgeClose(t, "Where grad a", a.Grad().Data(), ga, 1e-5)
		edgeClose(t, "Where grad b", b.Grad().Data(), gb, 1e-5)
	}
}

// A broadcast large enough that plan.run splits the outer odometer over
// goroutines and has to start it mid-way.
func TestEdgeBroadcastParallelOdometer(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	rng := edgeRNG(3)
	sa, sb := []int{7, 1, 5, 1, 129}, []int{3, 1, 11, 1}
	want := []int{7, 3, 5, 11, 129}
	a, b := edgeRand(rng, sa...), edgeRand(rng, sb...)
	got := a.Sub(b)
	edgeShape(t, "big broadcast", got, want...)
	for i, v := range got.Data() {
		idx := edgeUnravel(i, want)
		if r := a.Data()[edgeBcastOffset(idx, sa)] - b.Data()[edgeBcastOffset(idx, sb)]; v != r {
			t.Fatalf("element %v is %v, want %v", idx, v, r)
		}
	}
}

// ---------------------------------------------------------------------------
// Reductions

// edgeNaiveSum sums x of shape along axis in float64, in index order.
func edgeNaiveSum(x []float32, shape []int, axis int) []float32 {
	outer, n, inner := edgeSize(shape[:axis]), shape[axis], edgeSize(shape[axis+1:])
	out := make([]float32, outer*inner)
	for o := 0; o < outer; o++ {
		for j := 0; j < inner; j++ {
			var s float64
			for k := 0; k < n; k++ {
				s += float64(x[(o*n+k)*inner+j])
			}
			out[o*inner+j] = float32(s)
		}
	}
	return out
}

// Sum with inner > 1 is chunked over goroutines at arbitrary element
// boundaries (the i/end loop); the chunks must neither skip nor double an
// element, and each element must sum in order, so the result matches a
// naive float64 sum bit for bit, whatever GOMAXPROCS is.
func TestEdgeSumParallelChunks(t *testing.T) {
	rng := edgeRNG(4)
	shapes := [][]int{{13, 3, 1999}, {5, 1, 4099}, {3, 7, 11, 257}, {2, 0, 9000}, {0, 3, 5}, {4, 3, 0}}
	for _, procs := range []int{1, 3, 4} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			for _, s := range shapes {
				x := edgeRand(rng, s...)
				for axis := range s {
					want := edgeNaiveSum(x.Data(), s, axis)
					edgeBits(t, fmt.Sprintf("Sum(%d) of %v, GOMAXPROCS %d", axis, s, procs), x.Sum(axis, false).Data(), want)
					edgeBits(t, fmt.Sprintf("Sum(%d) of %v (negative axis)", axis, s), x.Sum(axis-len(s), true).Data(), want)
				}
			}
		}()
	}
}

// Reductions over an axis of length 0 and with outer = 0.
func TestEdgeReduceEmpty(t *testing.T) {
	x := tensor.Zeros(2, 0, 3)
	s := x.Sum(1, false)
	edgeShape(t, "Sum over empty axis", s, 2, 3)
	edgeBits(t, "Sum over empty axis", s.Data(), make([]float32, 6))
	edgeShape(t, "Sum keepDim over empty axis", x.Sum(-2, true), 2, 1, 3)
	// Mean of nothing is NaN, as in NumPy and PyTorch (0/0).
	m := x.Mean(1, false)
	for _, v := range m.Data() {
		if v == v {
			t.Fatalf("Mean over empty axis = %v, want NaN", m.Data())
		}
	}
	if v := tensor.Zeros(0).MeanAll().Item(); v == v {
		t.Errorf("MeanAll of empty = %v, want NaN", v)
	}
	edgeBits(t, "SumAll of empty", tensor.Zeros(3, 0).SumAll().Data(), []float32{0})
	// LogSumExp over an empty axis is log(0) = -Inf (torch.logsumexp gives -inf).
	edgeBits(t, "LogSumExp over empty axis", tensor.Zeros(2, 0).LogSumExp(1, false).Data(), []float32{edgeNInf, edgeNInf})
	// Softmax/LogSoftmax over an empty axis: empty result, no panic.
	edgeShape(t, "Softmax over empty axis", x.Softmax(1), 2, 0, 3)
	edgeShape(t, "LogSoftmax over empty axis", x.LogSoftmax(-2), 2, 0, 3)
	// outer = 0 or inner = 0: empty results of the right shape.
	y := tensor.Zeros(0, 4)
	edgeShape(t, "Sum axis 1 of [0 4]", y.Sum(1, false), 0)
	edgeShape(t, "Sum axis 0 of [0 4]", y.Sum(0, false), 4)
	edgeShape(t, "Max axis 1 of [0 4]", y.Max(1, true), 0, 1)
	edgeShape(t, "Argmax axis 0 of [4 0]", tensor.Zeros(4, 0).Argmax(0, false), 0)
	edgeShape(t, "Softmax axis 1 of [0 4]", y.Softmax(1), 0, 4)
	edgeShape(t, "Var axis 1 of [0 4]", y.Var(1, true, false), 0)
	edgeShape(t, "LogSumExp axis 0 of [4 0]", tensor.Zeros(4, 0).LogSumExp(0, true), 1, 0)
	// Max/Argmax over an empty axis have no answer: PyTorch raises, we panic
	// with a message naming the op.
	for name, f := range map[string]func(){
		"Max":    func() { x.Max(1, false) },
		"Min":    func() { x.Min(1, false) },
		"Argmax": func() { x.Argmax(1, false) },
	} {
		if msg := edgeCatch(f); !strings.Contains(msg, name) || !strings.Contains(msg, "empty") {
			t.Errorf("%s over empty axis: panic %q", name, msg)
		}
	}
	// Gradients through empty reductions.
	z := tensor.Zeros(2, 0, 3).SetRequiresGrad(true)
	z.Sum(1, false).Add(z.Softmax(1).Sum(1, false)).SumAll().Backward()
	edgeShape(t, "grad of empty-axis reductions", z.Grad(), 2, 0, 3)
}

// Var with a single element: unbiased divides by n-1 = 0, which is NaN in
// PyTorch (torch.var([3.]) = nan, and its gradient is nan); biased is 0.
func TestEdgeVarSingleElement(t *testing.T) {
	x := tensor.New([]float32{3}, 1).SetRequiresGrad(true)
	v := x.Var(0, true, false)
	if f := v.Item(); f == f {
		t.Errorf("unbiased Var of one element = %v, want NaN", f)
	}
	v.Backward()
	if g := x.Grad().Data()[0]; g == g {
		t.Errorf("gradient of unbiased Var of one element = %v, want NaN (as PyTorch)", g)
	}
	edgeBits(t, "biased Var of one element", x.Var(-1, false, true).Data(), []float32{0})
}

// Max/Min/Argmax with NaN (propagates, first NaN wins, as torch.max) and
// -Inf / +Inf (ordinary values).
func TestEdgeExtremeNaNInf(t *testing.T) {
	x := tensor.New([]float32{
		1, edgeNaN, 3, edgeNaN,
		edgeNInf, edgeNInf, edgeNInf, edgeNInf,
		edgeNaN, 5, 6, 7,
		edgeNInf, 2, edgeInf, edgeInf,
	}, 4, 4)
	edgeBits(t, "Max", x.Max(1, false).Data(), []float32{edgeNaN, edgeNInf, edgeNaN, edgeInf})
	edgeBits(t, "Min", x.Min(-1, false).Data(), []float32{edgeNaN, edgeNInf, edgeNaN, edgeNInf})
	if got := x.Argmax(1, false).Ints(); !slices.Equal(got, []int{1, 0, 0, 2}) {
		t.Errorf("Argmax = %v, want [1 0 0 2]", got)
	}
	// Along axis 0 (strided lines).
	edgeBits(t, "Max axis 0", x.Max(0, true).Data(), []float32{edgeNaN, edgeNaN, edgeInf, edgeNaN})
	if got := x.Argmax(0, false).Ints(); !slices.Equal(got, []int{2, 0, 3, 0}) {
		t.Errorf("Argmax axis 0 = %v, want [2 0 3 0]", got)
	}
	// The gradient of Max goes to the first position holding the maximum.
	y := tensor.New([]float32{1, 4, 4, edgeNInf, edgeNInf, edgeNInf}, 2, 3).SetRequiresGrad(true)
	y.Max(1, false).SumAll().Backward()
	edgeBits(t, "Max gradient", y.Grad().Data(), []float32{0, 1, 0, 1, 0, 0})
}

// Softmax, LogSoftmax and LogSumExp with infinities, against PyTorch 1.13:
//
//	[inf, 1]:    softmax [nan nan], log_softmax [nan nan], logsumexp inf
//	[inf, -inf]: softmax [nan nan], log_softmax [nan nan], logsumexp inf
//	[nan, 1]:    all nan
//
// and the documented choices: an all -Inf line gives softmax zeros (PyTorch:
// NaN) and log_softmax -Inf, logsumexp -Inf.
func TestEdgeSoftmaxInfinities(t *testing.T) {
	cases := []struct {
		in          []float32
		sm, lsm     []float32
		lse         float32
		description string
	}{
		{[]float32{edgeInf, 1}, []float32{edgeNaN, edgeNaN}, []float32{edgeNaN, edgeNaN}, edgeInf, "+Inf"},
		{[]float32{edgeInf, edgeNInf}, []float32{edgeNaN, edgeNaN}, []float32{edgeNaN, edgeNaN}, edgeInf, "+Inf,-Inf"},
		{[]float32{edgeNaN, 1}, []float32{edgeNaN, edgeNaN}, []float32{edgeNaN, edgeNaN}, edgeNaN, "NaN"},
		{[]float32{edgeNInf, edgeNInf}, []float32{0, 0}, []float32{edgeNInf, edgeNInf}, edgeNInf, "all -Inf (documented)"},
		{[]float32{edgeNInf, 0}, []float32{0, 1}, []float32{edgeNInf, 0}, 0, "-Inf entry"},
		{[]float32{1e30, 1e30}, []float32{0.5, 0.5}, []float32{float32(-math.Ln2), float32(-math.Ln2)}, 1e30, "huge"},
	}
	for _, c := range cases {
		// Lay the pair out along axis 0 of a [2,3] tensor so lines are strided.
		x := tensor.Zeros(2, 3)
		for k := 0; k < 2; k++ {
			for j := 0; j < 3; j++ {
				x.Set(c.in[k], k, j)
			}
		}
		col := func(tt *tensor.Tensor) []float32 { return []float32{tt.At(0, 1), tt.At(1, 1)} }
		edgeBits(t, c.description+" Softmax", col(x.Softmax(0)), c.sm)
		edgeBits(t, c.description+" LogSoftmax", col(x.LogSoftmax(-2)), c.lsm)
		edgeBits(t, c.description+" LogSumExp", x.LogSumExp(0, false).Data()[1:2], []float32{c.lse})
	}
}

// ---------------------------------------------------------------------------
// Shapes

// Permute on 4-D and 5-D tensors (big enough to run in parallel) against a
// naive index mapping, and its gradient, which must apply the inverse.
func TestEdgePermuteHighRank(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	rng := edgeRNG(5)
	shapes := [][]int{{2, 3, 4, 5}, {3, 1, 4, 2, 5}, {5, 7, 9, 11, 13}, {2, 0, 3, 4}, {1, 1, 1, 1}}
	for _, s := range shapes {
		for iter := 0; iter < 6; iter++ {
			perm := rng.Perm(len(s))
			arg := slices.Clone(perm)
			if iter%2 == 1 {
				for i := range arg {
					arg[i] -= len(s) // negative axes
				}
			}
			x := edgeRand(rng, s...).SetRequiresGrad(true)
			y := x.Permute(arg...)
			ys := make([]int, len(s))
			for i, a := range perm {
				ys[i] = s[a]
			}
			if !slices.Equal(y.Shape(), ys) {
				t.Fatalf("Permute%v of %v: shape %v, want %v", arg, s, y.Shape(), ys)
			}
			for i, v := range y.Data() {
				oi := edgeUnravel(i, ys)
				xi := make([]int, len(s))
				for d, a := range perm {
					xi[a] = oi[d]
				}
				if w := x.At(xi...); v != w {
					t.Fatalf("Permute%v of %v: out%v = %v, want x%v = %v", arg, s, oi, v, xi, w)
				}
			}
			g := edgeRand(rng, ys...)
			y.BackwardWith(g)
			// The gradient is g permuted back: grad[xi] = g[oi].
			for i, v := range g.Data() {
				oi := edgeUnravel(i, ys)
				xi := make([]int, len(s))
				for d, a := range perm {
					xi[a] = oi[d]
				}
				if w := x.Grad().At(xi...); w != v {
					t.Fatalf("Permute%v of %v: grad%v = %v, want %v", arg, s, xi, w, v)
				}
			}
		}
	}
	// Transpose with negative axes on 4-D.
	x := edgeRand(rng, 2, 3, 4, 5)
	edgeBits(t, "Transpose(-1, 1) == Permute(0, 3, 2, 1)", x.Transpose(-1, 1).Data(), x.Permute(0, 3, 2, 1).Data())
}

// 0-d tensors through the shape ops and elementwise ops.
func TestEdgeScalars(t *testing.T) {
	s := tensor.Scalar(2.5).SetRequiresGrad(true)
	edgeShape(t, "Reshape() of [1 1]", tensor.Ones(1, 1).Reshape(), []int{}...)
	edgeShape(t, "Reshape(-1) of scalar", s.Reshape(-1), 1)
	edgeShape(t, "Unsqueeze(0) of scalar", s.Unsqueeze(0), 1)
	edgeShape(t, "Unsqueeze(-1) of scalar", s.Unsqueeze(-1), 1)
	edgeShape(t, "Flatten(0) of scalar", s.Flatten(0), 1)
	edgeShape(t, "Permute() of scalar", s.Permute(), []int{}...)
	edgeShape(t, "Stack of scalars", tensor.Stack(0, s, s, s), 3)
	edgeShape(t, "Stack(-1) of scalars", tensor.Stack(-1, s, s), 2)
	edgeShape(t, "scalar+[2 3]", s.Add(tensor.Ones(2, 3)), 2, 3)
	edgeShape(t, "Exp of scalar", s.Exp(), []int{}...)
	edgeShape(t, "1-D·1-D", tensor.Ones(3).MatMul(tensor.Ones(3)), []int{}...)
	edgeShape(t, "empty 1-D·1-D", tensor.Zeros(0).MatMul(tensor.Zeros(0)), []int{}...)
	if v := tensor.Zeros(0).MatMul(tensor.Zeros(0)).Item(); v != 0 {
		t.Errorf("dot of empty vectors = %v, want 0", v)
	}
	if got := s.String(); got != "Tensor[](2.5)" {
		t.Errorf("String of scalar = %q", got)
	}
	if v := s.At(); v != 2.5 {
		t.Errorf("At() of scalar = %v", v)
	}
	// Gradients through views of a scalar and broadcasting from a scalar.
	y := tensor.Stack(0, s, s.Unsqueeze(0).Squeeze(0)).Sum(0, false).Add(s.BroadcastTo(2, 3).SumAll())
	y.Backward()
	edgeBits(t, "grad of scalar", s.Grad().Data(), []float32{8})
	edgeShape(t, "grad of scalar", s.Grad(), []int{}...)
	// Reductions along an axis need an axis: a clean panic naming the op.
	// (PyTorch accepts dim 0/-1 on 0-d tensors; NumPy raises AxisError.)
	for name, f := range map[string]func(){
		"Sum":     func() { s.Sum(0, false) },
		"Softmax": func() { s.Softmax(-1) },
		"Narrow":  func() { s.Narrow(0, 0, 1) },
		"Concat":  func() { tensor.Concat(0, s, s) },
		"MatMul":  func() { s.MatMul(tensor.Ones(1)) },
	} {
		if msg := edgeCatch(f); !strings.Contains(msg, "tensor."+name) {
			t.Errorf("%s on a scalar: panic %q", name, msg)
		}
	}
}

// Zero-size tensors through shape ops, with gradients.
func TestEdgeZeroSizeShapes(t *testing.T) {
	rng := edgeRNG(6)
	a := edgeRand(rng, 2, 3).SetRequiresGrad(true)
	e := tensor.Zeros(2, 0).SetRequiresGrad(true)
	b := edgeRand(rng, 2, 1).SetRequiresGrad(true)
	c := tensor.Concat(-1, e, a, e, b, e)
	edgeShape(t, "Concat with empty parts", c, 2, 4)
	want := []float32{a.At(0, 0), a.At(0, 1), a.At(0, 2), b.At(0, 0), a.At(1, 0), a.At(1, 1), a.At(1, 2), b.At(1, 0)}
	edgeBits(t, "Concat with empty parts", c.Data(), want)
	g := edgeRand(rng, 2, 4)
	c.BackwardWith(g)
	edgeBits(t, "Concat grad a", a.Grad().Data(), []float32{g.At(0, 0), g.At(0, 1), g.At(0, 2), g.At(1, 0), g.At(1, 1), g.At(1, 2)})
	edgeBits(t, "Concat grad b", b.Grad().Data(), []float32{g.At(0, 3), g.At(1, 3)})
	edgeShape(t, "Concat grad of empty part", e.Grad(), 2, 0)

	edgeShape(t, "Concat of only empty parts", tensor.Concat(0, tensor.Zeros(0, 3), tensor.Zeros(0, 3)), 0, 3)
	edgeShape(t, "Concat along 1 with outer 0", tensor.Concat(1, tensor.Zeros(0, 3), tensor.Zeros(0, 2)), 0, 5)
	edgeShape(t, "Stack of empties", tensor.Stack(1, tensor.Zeros(0), tensor.Zeros(0)), 0, 2)

	// Narrow of length 0, including at the very end, with a gradient.
	x := edgeRand(rng, 3, 4).SetRequiresGrad(true)
	n0 := x.Narrow(1, 4, 0)
	edgeShape(t, "Narrow length 0 at the end", n0, 3, 0)
	n1 := x.Narrow(-2, 1, 0)
	edgeShape(t, "Narrow length 0", n1, 0, 4)
	n0.SumAll().Add(n1.SumAll()).Add(x.Slice(1, 1, 3).SumAll()).Backward()
	edgeBits(t, "Narrow grads", x.Grad().Data(), []float32{0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0})
	if msg := edgeCatch(func() { x.Narrow(1, 5, 0) }); !strings.Contains(msg, "Narrow") {
		t.Errorf("Narrow past the end: panic %q", msg)
	}

	// BroadcastTo of and to empty shapes.
	edgeShape(t, "BroadcastTo [1] -> [0]", tensor.Ones(1).BroadcastTo(0), 0)
	edgeShape(t, "BroadcastTo [0] -> [3 0]", tensor.Zeros(0).BroadcastTo(3, 0), 3, 0)
	edgeShape(t, "BroadcastTo [1 0] -> [2 3 0]", tensor.Zeros(1, 0).BroadcastTo(2, 3, 0), 2, 3, 0)
	if msg := edgeCatch(func() { tensor.Zeros(0).BroadcastTo(1) }); !strings.Contains(msg, "BroadcastTo") {
		t.Errorf("BroadcastTo [0] -> [1]: panic %q (NumPy refuses too)", msg)
	}
	o := tensor.Ones(1, 3).SetRequiresGrad(true)
	o.BroadcastTo(0, 3).SumAll().Backward()
	edgeBits(t, "grad of BroadcastTo [1 3] -> [0 3]", o.Grad().Data(), []float32{0, 0, 0})
	// Elementwise with an empty operand.
	p := tensor.Ones(1, 3).SetRequiresGrad(true)
	q := tensor.Zeros(0, 1).SetRequiresGrad(true)
	r := p.Mul(q)
	edgeShape(t, "[1 3]*[0 1]", r, 0, 3)
	r.SumAll().Backward()
	edgeBits(t, "grad of [1 3]*[0 1]", p.Grad().Data(), []float32{0, 0, 0})
	edgeShape(t, "grad of [0 1]", q.Grad(), 0, 1)

	// Reshape with -1 and zero sizes (PyTorch rules).
	z := tensor.Zeros(0, 3)
	edgeShape(t, "Reshape(-1) of [0 3]", z.Reshape(-1), 0)
	edgeShape(t, "Reshape(-1, 3) of [0 3]", z.Reshape(-1, 3), 0, 3)
	edgeShape(t, "Reshape(3, -1) of [0 3]", z.Reshape(3, -1), 3, 0)
	if msg := edgeCatch(func() { z.Reshape(0, -1) }); !strings.Contains(msg, "Reshape") {
		t.Errorf("Reshape(0, -1) of [0 3] is ambiguous (PyTorch refuses): panic %q", msg)
	}
	if msg := edgeCatch(func() { z.Reshape(-1, -1) }); !strings.Contains(msg, "Reshape") {
		t.Errorf("Reshape(-1, -1): panic %q", msg)
	}
	edgeShape(t, "Flatten(0) of [0 3]", z.Flatten(0), 0)
	edgeShape(t, "Flatten(1) of [3 0 2]", tensor.Zeros(3, 0, 2).Flatten(1), 3, 0)
	edgeShape(t, "Transpose of [0 3]", z.T(), 3, 0)
	edgeShape(t, "Permute of [2 0 3]", tensor.Zeros(2, 0, 3).Permute(2, 0, 1), 3, 2, 0)
	if s := tensor.Zeros(2, 0).String(); s != "Tensor[2 0] [[] []]" {
		t.Errorf("String of [2 0] = %q", s)
	}
}

// Views share data, and gradients through views reach the leaf. A gradient
// tensor handed to several inputs must not be mutated afterwards.
func TestEdgeViewsAndGradientAliasing(t *testing.T) {
	x := tensor.New([]float32{1, 2, 3, 4, 5, 6}, 2, 3).SetRequiresGrad(true)
	v := x.Reshape(3, 2)
	v.Data()[0] = 10 // a view shares the backing array
	if x.At(0, 0) != 10 {
		t.Fatal("Reshape is not a view")
	}
	x.Data()[0] = 1

	// y = c + c + view(c) + view(c)*2 where c = x.Clone(): c's pending gradient is
	// first borrowed from Add (not owned), then summed into a fresh buffer,
	// then added to in place. The borrowed g must not be changed.
	c := x.Clone()
	u := c.Add(c)                     // both inputs get the same g
	w := c.Reshape(6).Reshape(2, 3)   // g flows back through two views
	z := u.Add(w).Add(w.MulScalar(2)) // w used twice
	gIn := tensor.Full(1, 2, 3)       // the caller's gradient
	z.BackwardWith(gIn)               // d z / d x = 2 + 1 + 2 = 5
	edgeBits(t, "caller's gradient untouched", gIn.Data(), []float32{1, 1, 1, 1, 1, 1})
	edgeBits(t, "grad through diamonds and views", x.Grad().Data(), []float32{5, 5, 5, 5, 5, 5})

	// Two leaves that receive the very same gradient tensor must get
	// independent Grads.
	p := tensor.Zeros(3).SetRequiresGrad(true)
	q := tensor.Zeros(3).SetRequiresGrad(true)
	p.Add(q).Sum(0, false).Backward()
	p.Grad().Data()[0] = 42
	edgeBits(t, "leaves get independent Grads", q.Grad().Data(), []float32{1, 1, 1})

	// Backward twice on the same result accumulates; the graph is reusable.
	r := tensor.New([]float32{1, 2}, 2).SetRequiresGrad(true)
	s := r.Mul(r).Reshape(1, 2).Sum(1, false).Squeeze(0)
	s.Backward()
	s.Backward()
	edgeBits(t, "Backward twice", r.Grad().Data(), []float32{4, 8})
	if r.Grad().RequiresGrad() {
		t.Error("a Grad requires grad; gradients should not be differentiable")
	}

	// A gradient that reaches an interior node three times (borrowed, summed,
	// added in place) and is then passed on through a view to two consumers.
	a := tensor.New([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	m := a.MulScalar(3)                       // interior
	mv := m.Reshape(1, 3)                     // view of interior
	out := m.Add(m).Add(mv.Squeeze(0)).Mul(a) // d/da = 3*(2+1)*a + (3a*3)  = 9a + 9a
	out.BackwardWith(tensor.Ones(3))
	edgeBits(t, "interior node used three times", a.Grad().Data(), []float32{18, 36, 54})
}

// ---------------------------------------------------------------------------
// Indexing

// Gather / ScatterAdd along the middle axis of a 3-D tensor: index is laid
// out as (outer, k, inner) in row-major order, as torch.gather.
func TestEdgeGatherScatterMiddleAxis(t *testing.T) {
	rng := edgeRNG(7)
	const A, N, B, K = 2, 4, 3, 5
	x := edgeRand(rng, A, N, B)
	index := make([]int, A*K*B)
	for i := range index {
		index[i] = rng.IntN(N)
	}
	for _, dim := range []int{1, -2} {
		g := x.Gather(dim, index)
		edgeShape(t, "Gather middle axis", g, A, K, B)
		for o := 0; o < A; o++ {
			for k := 0; k < K; k++ {
				for j := 0; j < B; j++ {
					if got, want := g.At(o, k, j), x.At(o, index[(o*K+k)*B+j], j); got != want {
						t.Fatalf("Gather[%d %d %d] = %v, want %v", o, k, j, got, want)
					}
				}
			}
		}
	}
	src := edgeRand(rng, A, K, B)
	s := x.ScatterAdd(1, index, src)
	want := slices.Clone(x.Data())
	for o := 0; o < A; o++ {
		for k := 0; k < K; k++ {
			for j := 0; j < B; j++ {
				want[(o*N+index[(o*K+k)*B+j])*B+j] += src.At(o, k, j)
			}
		}
	}
	edgeBits(t, "ScatterAdd middle axis", s.Data(), want)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Gather(1, index) }, edgeRand(rng, A, N, B))
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].ScatterAdd(-2, index, in[1]) },
		edgeRand(rng, A, N, B), edgeRand(rng, A, K, B))
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].IndexSelect(1, []int{3, 0, 3, 3}) },
		edgeRand(rng, A, N, B))
	// Empty index along a non-empty tensor.
	edgeShape(t, "IndexSelect with no indices", x.IndexSelect(-1, nil), A, N, 0)
	edgeShape(t, "Gather with k = 0", x.Gather(1, nil), A, 0, B)
	e := x.Clone().Detach().SetRequiresGrad(true)
	e.IndexSelect(0, nil).SumAll().Backward()
	edgeBits(t, "grad of empty IndexSelect", e.Grad().Data(), make([]float32, A*N*B))
}

// ---------------------------------------------------------------------------
// MatMul

// The (…,m,k)·(k,n) fast path must agree with the general batched path,
// values and gradients, including a zero batch and k = 0.
func TestEdgeMatMulFastPathMatchesBatched(t *testing.T) {
	rng := edgeRNG(8)
	for _, s := range [][4]int{{3, 4, 5, 2}, {1, 2, 3, 4}, {0, 2, 3, 4}, {2, 3, 0, 4}, {2, 0, 3, 4}, {2, 3, 4, 0}} {
		B, m, k, n := s[0], s[1], s[2], s[3]
		a1, b1 := edgeRand(rng, B, m, k), edgeRand(rng, k, n)
		a2, b2 := a1.Clone().Detach(), b1.Clone().Detach()
		a1.SetRequiresGrad(true)
		b1.SetRequiresGrad(true)
		a2.SetRequiresGrad(true)
		b2.SetRequiresGrad(true)
		fast := a1.MatMul(b1)              // fast path
		slow := a2.MatMul(b2.Unsqueeze(0)) // general path, batch broadcast
		what := fmt.Sprintf("[%d %d %d]·[%d %d]", B, m, k, k, n)
		edgeShape(t, what, fast, B, m, n)
		edgeShape(t, what+" general", slow, B, m, n)
		edgeClose(t, what, fast.Data(), edgeF64(slow.Data()), 1e-5)
		g := edgeRand(rng, B, m, n)
		fast.BackwardWith(g)
		slow.BackwardWith(g)
		edgeClose(t, what+" grad a", a1.Grad().Data(), edgeF64(a2.Grad().Data()), 1e-5)
		edgeClose(t, what+" grad b", b1.Grad().Data(), edgeF64(b2.Grad().Data()), 1e-5)
		edgeShape(t, what+" grad b shape", b1.Grad(), k, n)
	}
	// Vector operands on batched matrices, with gradients.
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) },
		edgeRand(rng, 3), edgeRand(rng, 2, 3, 4))
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) },
		edgeRand(rng, 2, 1, 3, 4), edgeRand(rng, 4))
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) },
		edgeRand(rng, 2, 1, 3, 4), edgeRand(rng, 1, 5, 4, 2))
	// Zero batch on one side with broadcasting from 1.
	z := tensor.Zeros(0, 2, 3).MatMul(tensor.Ones(1, 3, 4))
	edgeShape(t, "[0 2 3]·[1 3 4]", z, 0, 2, 4)
	if msg := edgeCatch(func() { tensor.Zeros(0, 2, 3).MatMul(tensor.Ones(5, 3, 4)) }); !strings.Contains(msg, "MatMul") {
		t.Errorf("[0 2 3]·[5 3 4]: batch 0 vs 5 must not broadcast, panic %q", msg)
	}
	// A zero in the left operand annihilates an Inf (the documented BLAS choice).
	edgeBits(t, "[[0 1]]·[[Inf] [2]]", tensor.New([]float32{0, 1}, 1, 2).MatMul(tensor.New([]float32{edgeInf, 2}, 2, 1)).Data(), []float32{2})
}

func edgeF64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// CSR with zero rows, zero columns, zero dense columns.
func TestEdgeCSRZeroSizes(t *testing.T) {
	a, err := tensor.NewCSR(2, 0, []int{0, 0, 0}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Zeros(0, 3).SetRequiresGrad(true)
	y := a.MatMul(x)
	edgeShape(t, "(2×0)·(0×3)", y, 2, 3)
	edgeBits(t, "(2×0)·(0×3)", y.Data(), make([]float32, 6))
	y.SumAll().Backward()
	edgeShape(t, "grad of (2×0)·(0×3)", x.Grad(), 0, 3)
	b, err := tensor.NewCSR(0, 3, []int{0}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	edgeShape(t, "(0×3)·(3×2)", b.MatMul(tensor.Ones(3, 2)), 0, 2)
	edgeShape(t, "(0×3)ᵀ", b.Transpose().Dense(), 3, 0)
	edgeShape(t, "(2×0)·(0×0)", a.MatMul(tensor.Zeros(0, 0)), 2, 0)
}

// ---------------------------------------------------------------------------
// Elementwise odds and ends

func TestEdgeUnaryInfNaN(t *testing.T) {
	x := tensor.New([]float32{edgeNInf, edgeInf, edgeNaN, 0}, 4)
	edgeBits(t, "Exp", x.Exp().Data(), []float32{0, edgeInf, edgeNaN, 1})
	edgeBits(t, "Sigmoid", x.Sigmoid().Data(), []float32{0, 1, edgeNaN, 0.5})
	edgeBits(t, "Tanh", x.Tanh().Data(), []float32{-1, 1, edgeNaN, 0})
	edgeBits(t, "Softplus", x.Softplus().Data(), []float32{0, edgeInf, edgeNaN, float32(math.Ln2)})
	edgeBits(t, "ReLU", x.ReLU().Data(), []float32{0, edgeInf, edgeNaN, 0})
	edgeBits(t, "Clamp", x.Clamp(-1, 1).Data(), []float32{-1, 1, edgeNaN, 0})
	edgeBits(t, "Log", tensor.New([]float32{0, -1, edgeInf}, 3).Log().Data(), []float32{edgeNInf, edgeNaN, edgeInf})
	// Maximum with NaN in the SECOND operand propagates (the first is a bug above).
	edgeBits(t, "Maximum(1, NaN)", tensor.Ones(1).Maximum(tensor.New([]float32{edgeNaN}, 1)).Data(), []float32{edgeNaN})
	// Pow: d/da at b == 0 is 0 (PyTorch masks it), d/db at a == 0, b > 0 is 0.
	a := tensor.New([]float32{0, 2}, 2).SetRequiresGrad(true)
	b := tensor.New([]float32{2, 0}, 2).SetRequiresGrad(true)
	a.Pow(b).SumAll().Backward()
	edgeBits(t, "Pow grad a", a.Grad().Data(), []float32{0, 0})
	edgeClose(t, "Pow grad b", b.Grad().Data(), []float64{0, math.Log(2)}, 1e-6)
	// Mean of a constant vector is that constant (sum * (1/n) rounding).
	for _, n := range []int{3, 7, 49, 98, 103} {
		if v := tensor.Ones(n).Mean(0, false).Item(); v != 1 {
			t.Errorf("Mean of %d ones = %v, want 1", n, v)
		}
	}
}

// Fixed (minor): the package doc promises that shape panics name "the
// operation and the shapes", but MatMul with a 1-D operand reshapes it
// before checking, so the message names shapes the caller never passed:
// Ones(3).MatMul(Ones(4)) panics with "shapes: [1 3] [4 1]", and
// Ones(2, 3).MatMul(Ones(4)) with "[2 3] [4 1]". Fix: check the inner
// sizes (a's last dim vs b's first-of-last-two, or only dim for 1-D) at
// the top of MatMul, before the 1-D cases recurse, and report a.shape and
// b.shape as given.
func TestEdgeMatMulVectorPanicNamesShapes(t *testing.T) {
	for _, c := range []struct {
		a, b []int
		want []string
	}{
		{[]int{3}, []int{4}, []string{"[3]", "[4]"}},
		{[]int{2, 3}, []int{4}, []string{"[2 3]", "[4]"}},
		{[]int{3}, []int{4, 2}, []string{"[3]", "[4 2]"}},
	} {
		msg := edgeCatch(func() { tensor.Ones(c.a...).MatMul(tensor.Ones(c.b...)) })
		for _, w := range c.want {
			if !strings.Contains(msg, "MatMul") || !strings.Contains(msg, w) {
				t.Errorf("%v·%v: panic %q does not name shape %s", c.a, c.b, msg, w)
			}
		}
	}
}

// Gather/ScatterAdd on a tensor whose other dimensions multiply to 0 (an
// empty batch: logits [0, C]) cannot infer k from len(index) = 0. PyTorch
// takes k from the index tensor's shape (torch.zeros(0,5).gather(1,
// zeros(0,2)) has shape [0, 2]). Whatever the choice, it must not be a
// runtime divide-by-zero: either a result or a panic naming the op.
func TestEdgeGatherEmptyBatch(t *testing.T) {
	x := tensor.Zeros(0, 5)
	for name, f := range map[string]func(){
		"Gather":     func() { x.Gather(1, nil) },
		"ScatterAdd": func() { x.ScatterAdd(1, nil, tensor.Zeros(0, 1)) },
	} {
		if msg := edgeCatch(f); msg != "no panic" && !strings.Contains(msg, "tensor."+name) {
			t.Errorf("%s on an empty batch: panic %q", name, msg)
		}
	}
}

// Linear with zero-size dimensions, a 1-D input, and no bias, against the
// MatMul composition it replaces, values and gradients.
func TestEdgeLinearShapes(t *testing.T) {
	rng := edgeRNG(9)
	for _, c := range []struct {
		x    []int
		out  int
		bias bool
	}{
		{[]int{4}, 3, true}, {[]int{2, 0, 4}, 3, true}, {[]int{2, 3, 0}, 3, true}, {[]int{2, 0}, 3, false},
		{[]int{2, 4}, 0, true}, {[]int{5, 4}, 3, false},
	} {
		in := c.x[len(c.x)-1]
		x1, w1 := edgeRand(rng, c.x...), edgeRand(rng, c.out, in)
		x2, w2 := x1.Clone().Detach(), w1.Clone().Detach()
		var b1, b2 *tensor.Tensor
		for _, v := range []*tensor.Tensor{x1, w1, x2, w2} {
			v.SetRequiresGrad(true)
		}
		if c.bias {
			b1 = edgeRand(rng, c.out).SetRequiresGrad(true)
			b2 = b1.Clone().Detach().SetRequiresGrad(true)
		}
		got := tensor.Linear(x1, w1, b1)
		want := x2.MatMul(w2.T())
		if c.bias {
			want = want.Add(b2)
		}
		what := fmt.Sprintf("Linear x%v out %d bias %v", c.x, c.out, c.bias)
		if !slices.Equal(got.Shape(), want.Shape()) {
			t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
			continue
		}
		edgeClose(t, what, got.Data(), edgeF64(want.Data()), 1e-5)
		g := edgeRand(rng, got.Shape()...)
		got.BackwardWith(g)
		want.BackwardWith(g)
		edgeClose(t, what+" grad x", x1.Grad().Data(), edgeF64(x2.Grad().Data()), 1e-5)
		edgeClose(t, what+" grad w", w1.Grad().Data(), edgeF64(w2.Grad().Data()), 1e-5)
		if c.bias {
			edgeClose(t, what+" grad b", b1.Grad().Data(), edgeF64(b2.Grad().Data()), 1e-5)
		}
	}
}

// Fixed: Max/Min keep the position of the extreme as a float32 (the Argmax
// tensor), and the backward pass converts it back with int(k). float32 holds
// integers exactly only up to 2^24, so along an axis longer than 16,777,216
// Argmax reports the wrong index and Max sends its gradient to the wrong
// element. Here the maximum is at 2^24+1, which rounds to 2^24 in float32.
// PyTorch returns int64 indices (torch.argmax gives 16777217). Fix: keep the
// indices as []int inside extremeValues and use those in the backward pass;
// for Argmax's float32 result, document the 2^24 limit (or offer an
// int-valued variant).
func TestEdgeArgmaxBeyondFloat32Integers(t *testing.T) {
	const n = 1<<24 + 2
	const at = 1<<24 + 1
	x := tensor.Zeros(n)
	x.Data()[at] = 1
	// Argmax returns float32 indices, exact only up to 2^24 (documented);
	// Max's gradient must still land on the right element.
	x.SetRequiresGrad(true)
	x.Max(0, false).Backward()
	if g := x.Grad().Data(); g[at] != 1 || g[at-1] != 0 {
		t.Errorf("gradient of Max: at %d = %v (want 1), at %d = %v (want 0)", at, g[at], at-1, g[at-1])
	}
}
