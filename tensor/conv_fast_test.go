package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestCopyAddRows checks the row copies and additions of im2col and
// col2im (the AVX2 kernels on amd64) against the portable loops, for row
// lengths around the vector widths and strides wider than the rows, and
// that they touch nothing outside the rows.
func TestCopyAddRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 20, 24, 31, 33} {
		for _, rows := range []int{1, 2, 5} {
			ldd, lds := n+3, n+rng.IntN(4)
			src := make([]float32, (rows-1)*lds+n+5)
			for i := range src {
				src[i] = rng.Float32()*2 - 1
			}
			dst := make([]float32, (rows-1)*ldd+n+5)
			for i := range dst {
				dst[i] = rng.Float32()
			}
			want, got := slices.Clone(dst), slices.Clone(dst)
			copyRowsGo(want, ldd, src, lds, rows, n)
			copyRows(got, ldd, src, lds, rows, n)
			if !slices.Equal(got, want) {
				t.Fatalf("copyRows n %d rows %d: got %v, want %v", n, rows, got, want)
			}
			want, got = slices.Clone(dst), slices.Clone(dst)
			addRowsGo(want, ldd, src, lds, rows, n)
			addRows(got, ldd, src, lds, rows, n)
			if !slices.Equal(got, want) {
				t.Fatalf("addRows n %d rows %d: got %v, want %v", n, rows, got, want)
			}
		}
	}
}

// TestConv2DBiasFused checks that the bias, added to each sample inside
// the forward pass, gives bit for bit the convolution without bias plus
// the bias broadcast over the channels.
func TestConv2DBiasFused(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x, b := Randn(rng, 3, 4, 9, 9), Randn(rng, 6)
	for _, o := range []ConvOptions{{}, {Padding: [2]int{1, 1}}, {Stride: [2]int{2, 2}}, {Groups: 2}} {
		w := Randn(rng, 6, 4/one(o.Groups), 3, 3)
		got := x.Conv2D(w, b, o)
		want := x.Conv2D(w, nil, o).Add(b.Reshape(1, 6, 1, 1))
		if !slices.Equal(got.Data(), want.Data()) {
			t.Errorf("options %+v: fused bias differs from conv + bias", o)
		}
	}
}

// TestReLUBackwardNonFinite checks that ReLU's backward is g·1 or g·0 as
// before its kernels took slices: an infinite gradient where x <= 0 gives
// NaN, a finite one gives zero.
func TestReLUBackwardNonFinite(t *testing.T) {
	inf := float32(math.Inf(1))
	x := New([]float32{-1, 0, 2, -3}, 4).SetRequiresGrad(true)
	x.ReLU().BackwardWith(New([]float32{inf, 5, inf, -2}, 4))
	g := x.Grad().Data()
	if !(g[0] != g[0]) || g[1] != 0 || g[2] != inf || g[3] != 0 {
		t.Errorf("ReLU gradient %v, want [NaN 0 +Inf 0]", g)
	}
}
