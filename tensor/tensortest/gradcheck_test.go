package tensortest

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
)

// The check must pass a correct gradient and fail wrong ones. Wrong
// gradients are made with Detach, which hides part of the function from
// autodiff but not from finite differences.
func TestCheckCatchesWrongGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := func() *tensor.Tensor { return tensor.Uniform(rng, 0.5, 2, 3, 4) }
	for _, c := range []struct {
		name string
		f    func(in ...*tensor.Tensor) *tensor.Tensor
		ok   bool
	}{
		{"correct x^2", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Mul(in[0]) }, true},
		{"correct exp", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Exp() }, true},
		{"missing term", func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Mul(in[0].Detach()) }, false},
		{"sign flipped", func(in ...*tensor.Tensor) *tensor.Tensor {
			return in[0].Detach().MulScalar(2).Sub(in[0])
		}, false},
		{"3% too large", func(in ...*tensor.Tensor) *tensor.Tensor {
			return in[0].MulScalar(1.03).Sub(in[0].Detach().MulScalar(0.03))
		}, false},
		{"one element wrong", func(in ...*tensor.Tensor) *tensor.Tensor {
			mask := tensor.Zeros(3, 4)
			mask.Set(1, 1, 2)
			return tensor.Where(mask, in[0].Detach(), in[0]).Exp()
		}, false},
	} {
		err := Check(c.f, []*tensor.Tensor{x()}, Options{})
		if c.ok && err != nil {
			t.Errorf("%s: correct gradient rejected: %v", c.name, err)
		}
		if !c.ok && err == nil {
			t.Errorf("%s: wrong gradient passed", c.name)
		}
	}
}

func TestCheckNoGraph(t *testing.T) {
	err := Check(func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Detach().Exp() },
		[]*tensor.Tensor{tensor.Ones(2)}, Options{})
	if err == nil || !strings.Contains(err.Error(), "no graph") {
		t.Fatalf("got %v, want an error about the missing graph", err)
	}
}

func TestCheckRestoresInputs(t *testing.T) {
	x := tensor.New([]float32{0.3, -1.2, 2.5}, 3)
	GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return in[0].Tanh() }, x)
	for i, want := range []float32{0.3, -1.2, 2.5} {
		if x.Data()[i] != want {
			t.Fatalf("input %d changed to %v", i, x.Data()[i])
		}
	}
	if x.Grad() != nil {
		t.Fatal("gradient left behind")
	}
}
