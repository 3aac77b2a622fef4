package attack

import (
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// The spec's oracle: Z = [2, 5, 1].
func TestMarginValues(t *testing.T) {
	z := tensor.New([]float32{2, 5, 1, 6, 5, 1}, 2, 3)
	cases := []struct {
		name     string
		labels   []int
		targeted bool
		kappa    float32
		want     []float32
	}{
		{"untargeted y=1", []int{1, 0}, false, 0, []float32{3, 1}},
		{"targeted t=0", []int{0, 0}, true, 0, []float32{3, 0}},
		{"targeted kappa", []int{0, 0}, true, 2, []float32{3, -1}},
		{"untargeted floor", []int{0, 1}, false, 0.5, []float32{-0.5, -0.5}},
	}
	for _, c := range cases {
		got := Margin(z, c.labels, c.targeted, c.kappa).Data()
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
}

func TestMarginGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	z := tensor.Randn(rng, 5, 4).SetRequiresGrad(true)
	labels := []int{0, 3, 1, 2, 3}
	for _, targeted := range []bool{false, true} {
		f := func(in ...*tensor.Tensor) *tensor.Tensor {
			// kappa large enough that no example sits exactly on the floor's kink.
			return Margin(in[0], labels, targeted, 10)
		}
		tensortest.GradCheck(t, f, z)
	}
}
