package optim

import (
	"errors"
	"math"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
)

// Update is ZeroGrad, Backward, clip and Step: on a quadratic its step
// equals SGD's by hand, the clip bounds it, stale gradients do not leak
// into it, and a non-finite loss or gradient leaves the weights alone.
func TestUpdate(t *testing.T) {
	w := tensor.New([]float32{3, 4}, 2)
	w.SetRequiresGrad(true)
	opt := NewSGD([]*tensor.Tensor{w}, 0.1)
	loss := func() *tensor.Tensor { return w.Mul(w).SumAll() } // gradient 2w = (6, 8), norm 10
	w.Mul(w).SumAll().Backward()                               // a stale gradient Update must drop
	l, err := Update(opt, loss(), 0)
	if err != nil || l != 25 {
		t.Fatalf("loss %v, %v", l, err)
	}
	if d := w.Data(); math.Abs(float64(d[0])-2.4) > 1e-6 || math.Abs(float64(d[1])-3.2) > 1e-6 {
		t.Fatalf("after one step %v, want (2.4, 3.2)", d)
	}
	// Gradient (4.8, 6.4), norm 8, clipped to 1: the step is 0.1·(0.6, 0.8).
	if _, err := Update(opt, loss(), 1); err != nil {
		t.Fatal(err)
	}
	if d := w.Data(); math.Abs(float64(d[0])-2.34) > 1e-5 || math.Abs(float64(d[1])-3.12) > 1e-5 {
		t.Fatalf("after a clipped step %v, want (2.34, 3.12)", d)
	}
	before := append([]float32(nil), w.Data()...)
	nan := w.Mul(tensor.New([]float32{float32(math.NaN()), 1}, 2)).SumAll()
	if _, err := Update(opt, nan, 1); !errors.Is(err, ErrNonFinite) {
		t.Fatalf("NaN loss: %v", err)
	}
	// A finite loss (0) whose gradient is infinite: d√v/dv at v = 0.
	z := tensor.New([]float32{0}, 1)
	z.SetRequiresGrad(true)
	zopt := NewSGD([]*tensor.Tensor{z}, 0.1)
	if _, err := Update(zopt, z.Sqrt().SumAll(), 1); !errors.Is(err, ErrNonFinite) || z.Data()[0] != 0 {
		t.Fatalf("infinite gradient: %v, weight %v", err, z.Data()[0])
	}
	if d := w.Data(); d[0] != before[0] || d[1] != before[1] {
		t.Fatalf("weights moved after a refused step: %v, were %v", d, before)
	}
}

// NewWarmupLinear rises linearly to the base rate, then falls linearly
// to 0: the rates of a 2-epoch warm-up and a 4-epoch decay from base 1,
// by hand (PyTorch's LinearLR runs from 1/3 to 1 over 2 epochs).
func TestWarmupLinear(t *testing.T) {
	w := tensor.New([]float32{1}, 1)
	w.SetRequiresGrad(true)
	opt := NewSGD([]*tensor.Tensor{w}, 1)
	s := NewWarmupLinear(opt, 2, 4)
	want := []float64{1.0 / 3, 2.0 / 3, 1, 0.75, 0.5, 0.25, 0}
	for e, v := range want {
		if e > 0 {
			s.Step()
		}
		if math.Abs(opt.LR()-v) > 1e-12 {
			t.Errorf("epoch %d: rate %v, want %v", e, opt.LR(), v)
		}
	}
	d := NewWarmupLinear(NewSGD([]*tensor.Tensor{w}, 2), 0, 2)
	if got := []float64{d.LRAt(2, 0), d.LRAt(2, 1), d.LRAt(2, 2)}; got[0] != 2 || got[1] != 1 || got[2] != 0 {
		t.Errorf("without warm-up: %v, want [2 1 0]", got)
	}
}
