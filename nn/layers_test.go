package nn_test

import (
	"math"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

func TestLinearInitBounds(t *testing.T) {
	l := nn.NewLinear(rng(), 400, 300)
	bound := float32(1 / math.Sqrt(400))
	for _, p := range []*tensor.Tensor{l.Weight, l.Bias} {
		lo, hi := p.Min(0, false), p.Max(0, false)
		if p.NDim() == 2 {
			lo, hi = p.Min(1, false).Min(0, false), p.Max(1, false).Max(0, false)
		}
		if lo.Item() < -bound || hi.Item() > bound || hi.Item() < 0.9*bound || lo.Item() > -0.9*bound {
			t.Errorf("values in [%v, %v], want to fill [-%v, %v]", lo.Item(), hi.Item(), bound, bound)
		}
	}
	if got := l.Weight.Shape(); got[0] != 300 || got[1] != 400 {
		t.Errorf("weight shape %v, want PyTorch's (out, in)", got)
	}
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return (&nn.Linear{Weight: in[1], Bias: in[2]}).Forward(in[0])
	}, tensor.Randn(rng(), 2, 3), tensor.Randn(rng(), 4, 3), tensor.Randn(rng(), 4))
}

func TestEmbeddingPadding(t *testing.T) {
	e := nn.NewEmbedding(rng(), 5, 3, 0)
	for _, v := range e.Weight.Data()[:3] {
		if v != 0 {
			t.Fatal("padding row not zero")
		}
	}
	ids := []int{0, 2, 2, 4, 0, 1}
	out := e.Forward(ids, 2, 3)
	if got := out.Shape(); len(got) != 3 || got[0] != 2 || got[1] != 3 || got[2] != 3 {
		t.Fatalf("shape %v, want [2 3 3]", got)
	}
	if out.At(1, 1, 0) != 0 || out.At(0, 1, 2) != e.Weight.At(2, 2) {
		t.Error("wrong rows looked up")
	}
	out.SumAll().Backward()
	g := e.Weight.Grad()
	want := []float32{0, 1, 2, 0, 1} // padding row gets nothing; id 2 twice
	for r, w := range want {
		for c := range 3 {
			if g.At(r, c) != w {
				t.Fatalf("grad row %d = %v, want %v", r, g.At(r, c), w)
			}
		}
	}
}

func TestDropout(t *testing.T) {
	d := nn.NewDropout(rng(), 0.3)
	x := tensor.Ones(100000).SetRequiresGrad(true)
	y := d.Forward(x)
	zeros := 0
	for _, v := range y.Data() {
		switch {
		case v == 0:
			zeros++
		case math.Abs(float64(v)-1/0.7) > 1e-6:
			t.Fatalf("kept value %v, want %v", v, 1/0.7)
		}
	}
	if frac := float64(zeros) / 1e5; math.Abs(frac-0.3) > 0.01 {
		t.Errorf("dropped %.3f, want 0.3", frac)
	}
	if m := y.MeanAll().Item(); math.Abs(float64(m)-1) > 0.02 {
		t.Errorf("mean %v, want 1 (inverted dropout keeps the expectation)", m)
	}
	y.SumAll().Backward()
	for i, g := range x.Grad().Data() {
		if g != y.Data()[i] {
			t.Fatal("gradient does not follow the mask")
		}
	}
}

func TestLayerNorm(t *testing.T) {
	l := nn.NewLayerNorm(4)
	x := tensor.New([]float32{1, 2, 3, 4, -1, -1, -1, 5}, 2, 4)
	y := l.Forward(x)
	// row 1: mean 2.5, biased var 1.25; row 2: mean 0.5, var 6.75
	want := []float32{-1.3416355, -0.44721183, 0.44721183, 1.3416355, -0.57735, -0.57735, -0.57735, 1.7320501}
	for i, w := range want {
		if math.Abs(float64(y.Data()[i]-w)) > 1e-5 {
			t.Fatalf("LayerNorm = %v, want %v", y.Data(), want)
		}
	}
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return (&nn.LayerNorm{Weight: in[1], Bias: in[2], Eps: 1e-5}).Forward(in[0])
	}, tensor.Randn(rng(), 3, 5), tensor.Randn(rng(), 5), tensor.Randn(rng(), 5))
}

func TestDropoutGradCheck(t *testing.T) {
	x := tensor.Randn(rng(), 4, 5)
	// The mask must be the same in every evaluation: reseed per call.
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return nn.NewDropout(rng(), 0.4).Forward(in[0])
	}, x)
	all := nn.NewDropout(rng(), 1).Forward(x.Clone().Detach().SetRequiresGrad(true))
	for _, v := range all.Data() {
		if v != 0 {
			t.Fatal("P=1 kept a value")
		}
	}
}

func BenchmarkDropout(b *testing.B) {
	d := nn.NewDropout(rng(), 0.1)
	x := tensor.Randn(rng(), 1024, 1024).SetRequiresGrad(true)
	for b.Loop() {
		d.Forward(x)
	}
}
