package tensor_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

func TestPad2DValues(t *testing.T) {
	t.Parallel()
	x := tensor.New([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	for _, c := range []struct {
		name  string
		got   *tensor.Tensor
		shape []int
		want  []float32
	}{
		{"constant", x.Pad2D(1, 0, 0, 1, 9), []int{3, 4}, []float32{9, 1, 2, 3, 9, 4, 5, 6, 9, 9, 9, 9}},
		{"crop", x.Pad2D(-1, -1, 0, 0, 0), []int{2, 1}, []float32{2, 5}},
		{"reflect", x.ReflectionPad2D(2, 1, 1, 0), []int{3, 6}, []float32{6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5}},
		{"replicate", x.ReplicationPad2D(1, 2, 0, 1), []int{3, 6}, []float32{1, 1, 2, 3, 3, 3, 4, 4, 5, 6, 6, 6, 4, 4, 5, 6, 6, 6}},
	} {
		if !slices.Equal(c.got.Shape(), c.shape) || !slices.Equal(c.got.Data(), c.want) {
			t.Errorf("%s = %v, want shape %v data %v", c.name, c.got, c.shape, c.want)
		}
	}
}

func TestPad2DGrad(t *testing.T) {
	t.Parallel()
	rng := newRNG(61)
	for _, c := range []struct {
		name string
		f    func(x *tensor.Tensor) *tensor.Tensor
	}{
		{"constant", func(x *tensor.Tensor) *tensor.Tensor { return x.Pad2D(1, 2, 2, 0, 0.5) }},
		{"crop", func(x *tensor.Tensor) *tensor.Tensor { return x.Pad2D(-1, 1, 0, -2, 0) }},
		{"reflect", func(x *tensor.Tensor) *tensor.Tensor { return x.ReflectionPad2D(2, 3, 3, 1) }},
		{"replicate", func(x *tensor.Tensor) *tensor.Tensor { return x.ReplicationPad2D(3, 0, 1, 2) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return c.f(in[0]) }, tensor.Randn(rng, 2, 2, 4, 5))
		})
	}
}

func TestPad2DPanics(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"reflect-too-wide", "smaller than the padded dimension", func() { tensor.Zeros(1, 3, 3).ReflectionPad2D(3, 0, 0, 0) }},
		{"reflect-negative", "smaller than the padded dimension", func() { tensor.Zeros(1, 3, 3).ReflectionPad2D(0, -1, 0, 0) }},
		{"crop-too-much", "crops more than the input", func() { tensor.Zeros(3, 3).Pad2D(-2, -2, 0, 0, 0) }},
		{"rank", "at least 2 dimensions", func() { tensor.Zeros(3).Pad2D(1, 1, 1, 1, 0) }},
		{"replicate-negative", "must be non-negative", func() { tensor.Zeros(3, 3).ReplicationPad2D(-1, 0, 0, 0) }},
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
