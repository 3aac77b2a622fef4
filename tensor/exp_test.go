package tensor

import (
	"math"
	"testing"
)

func TestExp32Accuracy(t *testing.T) {
	worst := 0.0
	for i := -870000; i <= 880000; i++ {
		x := float32(i) / 10000
		want := math.Exp(float64(x))
		if r := math.Abs(float64(exp32(x))-want) / want; r > worst {
			worst = r
		}
	}
	// one float32 ulp is 2^-23 = 1.19e-7 relative
	if worst > 1.2e-7 {
		t.Errorf("worst relative error %g, over one ulp", worst)
	}
	for _, c := range []struct{ x, want float32 }{
		{0, 1}, {float32(math.Inf(-1)), 0}, {float32(math.Inf(1)), float32(math.Inf(1))}, {-200, 0}, {100, float32(math.Inf(1))},
	} {
		if got := exp32(c.x); got != c.want {
			t.Errorf("exp32(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if v := exp32(float32(math.NaN())); v == v {
		t.Error("exp32(NaN) is not NaN")
	}
	if v := exp32(-88); v <= 0 || math.Abs(float64(v)-math.Exp(-88))/math.Exp(-88) > 1e-6 {
		t.Errorf("exp32(-88) = %v", v)
	}
}

func TestTanh32Accuracy(t *testing.T) {
	worst, worstSig := 0.0, 0.0
	for i := -200000; i <= 200000; i++ {
		x := float32(i) / 10000
		want := math.Tanh(float64(x))
		if want != 0 {
			if r := math.Abs(float64(tanh32(x))-want) / math.Abs(want); r > worst {
				worst = r
			}
		}
		ws := 1 / (1 + math.Exp(-float64(x)))
		if r := math.Abs(float64(sigmoid32(x))-ws) / ws; r > worstSig {
			worstSig = r
		}
	}
	t.Logf("worst relative error: tanh32 %.3g, sigmoid32 %.3g (1 ulp = 1.19e-7)", worst, worstSig)
	if worst > 3e-7 || worstSig > 3e-7 {
		t.Errorf("worst relative error tanh32 %g, sigmoid32 %g: over 2.5 ulp", worst, worstSig)
	}
	for _, c := range []struct{ x, want float32 }{{0, 0}, {100, 1}, {-100, -1}, {float32(math.Inf(1)), 1}, {float32(math.Inf(-1)), -1}} {
		if got := tanh32(c.x); got != c.want {
			t.Errorf("tanh32(%v) = %v", c.x, got)
		}
	}
	if v := tanh32(float32(math.NaN())); v == v {
		t.Error("tanh32(NaN) is not NaN")
	}
	if got := sigmoid32(-200); got != 0 {
		t.Errorf("sigmoid32(-200) = %v", got)
	}
}
