// Package tensortest provides helpers for testing code built on package
// tensor: above all a finite-difference check of reverse-mode gradients,
// which every differentiable operation in cairn is tested with.
package tensortest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
)

// Options tunes GradCheck. The zero value selects the defaults.
type Options struct {
	// Eps is the finite-difference step (default 1e-2). The check uses the
	// fourth-order central stencil, whose truncation error is O(Eps^4), so
	// a large step is accurate on smooth functions and keeps float32
	// rounding small.
	Eps float64
	// Atol and Rtol bound the allowed difference: an analytic gradient g
	// passes against the numeric n when |g-n| <= Atol + Rtol*|n|, where
	// Atol is scaled by the largest |n| of that input (floored at 1).
	// Defaults: Atol 1e-3, Rtol 1e-2, so a gradient that is wrong by a
	// few percent, has the wrong sign or misses a term fails.
	Atol, Rtol float64
	// Seed fixes the random weights that project the output to a scalar.
	Seed uint64
}

func (o Options) withDefaults() Options {
	if o.Eps == 0 {
		o.Eps = 1e-2
	}
	if o.Atol == 0 {
		o.Atol = 1e-3
	}
	if o.Rtol == 0 {
		o.Rtol = 1e-2
	}
	return o
}

// GradCheck fails t if the reverse-mode gradients of f with respect to any
// of the inputs disagree with central finite differences. f may return a
// tensor of any shape: the check differentiates the scalar sum(w*f(inputs))
// for fixed random weights w, so every output element takes part. Inputs
// are marked as requiring grad, their gradients are reset, and their data
// is restored afterwards. Keep inputs small (tens of elements) and away
// from points where f is not differentiable.
func GradCheck(t testing.TB, f func(in ...*tensor.Tensor) *tensor.Tensor, inputs ...*tensor.Tensor) {
	t.Helper()
	if err := Check(f, inputs, Options{}); err != nil {
		t.Error(err)
	}
}

// Check is GradCheck with options, returning what failed as an error.
func Check(f func(in ...*tensor.Tensor) *tensor.Tensor, inputs []*tensor.Tensor, o Options) error {
	o = o.withDefaults()
	for _, in := range inputs {
		in.SetRequiresGrad(true)
		in.ZeroGrad()
	}
	out := f(inputs...)
	if !out.RequiresGrad() {
		return fmt.Errorf("gradcheck: the output does not require grad; the op recorded no graph")
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	w := make([]float64, out.Size())
	wt := tensor.Zeros(out.Shape()...)
	for i := range w {
		w[i] = rng.Float64()*2 - 1
		wt.Data()[i] = float32(w[i])
	}
	out.BackwardWith(wt)

	loss := func() float64 {
		y := f(inputs...).Data()
		var s float64
		for i, v := range y {
			s += w[i] * float64(v)
		}
		return s
	}
	var errs []string
	for k, in := range inputs {
		x := in.Data()
		num := make([]float64, len(x))
		scale := 1.0
		for i, v := range x {
			at := func(d float64) float64 {
				x[i] = float32(float64(v) + d)
				return loss()
			}
			h := o.Eps
			num[i] = (-at(2*h) + 8*at(h) - 8*at(-h) + at(-2*h)) / (12 * h)
			x[i] = v
			scale = math.Max(scale, math.Abs(num[i]))
		}
		g := in.Grad()
		if g == nil {
			errs = append(errs, fmt.Sprintf("input %d: no gradient reached it", k))
			continue
		}
		bad := 0
		for i, n := range num {
			a := float64(g.Data()[i])
			if d := math.Abs(a - n); !(d <= o.Atol*scale+o.Rtol*math.Abs(n)) {
				if bad < 5 {
					errs = append(errs, fmt.Sprintf("input %d (shape %v) element %d: analytic %.6g, numeric %.6g", k, in.Shape(), i, a, n))
				}
				bad++
			}
		}
		if bad > 5 {
			errs = append(errs, fmt.Sprintf("input %d: %d elements differ in all", k, bad))
		}
	}
	for _, in := range inputs {
		in.ZeroGrad()
	}
	if len(errs) > 0 {
		return fmt.Errorf("gradcheck:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}
