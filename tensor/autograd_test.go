package tensor_test

import (
	"math"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/cairn-ml/cairn/tensor"
)

func TestNoGraphWithoutRequiresGrad(t *testing.T) {
	x := tensor.Ones(2, 3)
	y := x.Mul(x).Exp().Sum(1, false).Softmax(0)
	if y.RequiresGrad() || !y.IsLeaf() {
		t.Fatal("an op on tensors that do not require grad recorded a graph")
	}
	w := tensor.Ones(3).SetRequiresGrad(true)
	z := x.Mul(w)
	if !z.RequiresGrad() || z.IsLeaf() {
		t.Fatal("an op on a tensor that requires grad recorded no graph")
	}
	if d := z.Detach(); d.RequiresGrad() || !d.IsLeaf() {
		t.Fatal("Detach kept the graph")
	}
}

func TestGradientsAccumulate(t *testing.T) {
	x := tensor.New(f32(1, 2, 3), 3).SetRequiresGrad(true)
	x.Mul(x).SumAll().Backward()
	expect(t, "first", x.Grad(), []int{3}, f32(2, 4, 6), 0)
	loss := x.MulScalar(3).SumAll()
	loss.Backward()
	expect(t, "accumulated", x.Grad(), []int{3}, f32(5, 7, 9), 0)
	loss.Backward() // the graph is kept: a second call adds again
	expect(t, "again", x.Grad(), []int{3}, f32(8, 10, 12), 0)
	x.ZeroGrad()
	if x.Grad() != nil {
		t.Fatal("ZeroGrad left a gradient")
	}
}

// A value used by several consumers receives the sum of their gradients,
// and a gradient passed through unchanged to two inputs (Add) must not be
// corrupted when one of them accumulates more.
func TestDiamondGraphs(t *testing.T) {
	w := tensor.New(f32(0.5, -1), 2).SetRequiresGrad(true)
	// y = w*w + w: dy/dw = 2w + 1
	w.Mul(w).Add(w).SumAll().Backward()
	expect(t, "w*w+w", w.Grad(), []int{2}, f32(2, -1), 0)

	w.ZeroGrad()
	a := w.MulScalar(2)
	b := w.MulScalar(3)
	c := a.Add(b)          // passes g to a and to b
	d := c.Add(a).SumAll() // a gets a second gradient
	d.Backward()
	expect(t, "shared gradient", w.Grad(), []int{2}, f32(7, 7), 0)

	w.ZeroGrad()
	h := w.Tanh()
	h.Mul(h.Sigmoid()).Add(h.Exp()).SumAll().Backward()
	for i, v := range w.Data() {
		th := math.Tanh(float64(v))
		s := 1 / (1 + math.Exp(-th))
		want := (s + th*s*(1-s) + math.Exp(th)) * (1 - th*th)
		if g := float64(w.Grad().Data()[i]); math.Abs(g-want) > 1e-5 {
			t.Errorf("diamond through tanh: grad %d = %v, want %v", i, g, want)
		}
	}
}

func TestDetachStopsGradient(t *testing.T) {
	x := tensor.New(f32(2), 1).SetRequiresGrad(true)
	x.Mul(x.Detach()).SumAll().Backward()
	expect(t, "x*detach(x)", x.Grad(), []int{1}, f32(2), 0)
}

func TestBackwardOnLeafAndLongChain(t *testing.T) {
	x := tensor.Scalar(3).SetRequiresGrad(true)
	x.Backward()
	expect(t, "leaf", x.Grad(), []int{}, f32(1), 0)

	// A chain far deeper than a recursive walk would like.
	w := tensor.Scalar(1).SetRequiresGrad(true)
	y := w
	for range 100000 {
		y = y.MulScalar(1)
	}
	y.Backward()
	expect(t, "chain", w.Grad(), []int{}, f32(1), 0)
}

func TestBackwardLeaksNoGoroutines(t *testing.T) {
	rng := newRNG(21)
	before := runtime.NumGoroutine()
	x := tensor.Randn(rng, 256, 256).SetRequiresGrad(true)
	for range 5 {
		x.MatMul(x).Exp().Softmax(1).Sum(0, false).SumAll().Backward()
	}
	for i := 0; i < 100 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines: %d before, %d after", before, after)
	}
}

// Once the result is dropped, the whole graph (and every intermediate
// tensor in it) can be collected, whether or not Backward ran.
func TestGraphIsCollected(t *testing.T) {
	w := tensor.Ones(64, 64).SetRequiresGrad(true)
	var probes []weak.Pointer[tensor.Tensor]
	build := func(backward bool) {
		h := w.MatMul(w).Tanh()
		probes = append(probes, weak.Make(h))
		loss := h.Mul(h).SumAll()
		probes = append(probes, weak.Make(loss))
		if backward {
			loss.Backward()
		}
	}
	build(true)
	build(false)
	for range 3 {
		runtime.GC()
	}
	for i, p := range probes {
		if p.Value() != nil {
			t.Errorf("intermediate tensor %d is still reachable after the result was dropped", i)
		}
	}
	if w.Grad() == nil {
		t.Error("the leaf lost its gradient")
	}
}

// Same inputs, same bits, whatever GOMAXPROCS is.
func TestDeterministicAcrossThreads(t *testing.T) {
	rng := newRNG(22)
	x := tensor.Randn(rng, 300, 700)
	y := tensor.Randn(rng, 700, 200)
	run := func() [][]float32 {
		w := x.Clone().SetRequiresGrad(true)
		h := w.MatMul(y)
		outs := []*tensor.Tensor{
			h, w.SumAll(), w.Sum(0, false), w.Sum(1, true), w.Softmax(0), w.LogSumExp(1, false),
			w.Var(0, true, false), w.Exp(), w.Add(y.Narrow(1, 0, 1).T().BroadcastTo(300, 700)),
		}
		h.Tanh().Sum(0, false).SumAll().Backward()
		outs = append(outs, w.Grad())
		var data [][]float32
		for _, o := range outs {
			data = append(data, append([]float32(nil), o.Data()...))
		}
		return data
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := run()
	runtime.GOMAXPROCS(4)
	four := run()
	for i := range one {
		for j := range one[i] {
			if math.Float32bits(one[i][j]) != math.Float32bits(four[i][j]) {
				t.Fatalf("output %d element %d: %v with 1 thread, %v with 4", i, j, one[i][j], four[i][j])
			}
		}
	}
}
