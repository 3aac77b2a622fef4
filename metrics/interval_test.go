package metrics

import (
	"math"
	"testing"
)

// TestStudentTQuantileClosedForms checks the quantile against the closed
// forms for 1 degree of freedom (Cauchy: tan(π(p−½))) and 2 ((2p−1)/√(2p(1−p))),
// and the normal limit.
func TestStudentTQuantileClosedForms(t *testing.T) {
	for _, p := range []float64{0.001, 0.025, 0.1, 0.3, 0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9999} {
		if got, want := StudentTQuantile(p, 1), math.Tan(math.Pi*(p-0.5)); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("df 1, p %v: %v, want %v", p, got, want)
		}
		if got, want := StudentTQuantile(p, 2), (2*p-1)/math.Sqrt(2*p*(1-p)); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("df 2, p %v: %v, want %v", p, got, want)
		}
	}
	if got := StudentTQuantile(0.975, math.Inf(1)); math.Abs(got-1.959963984540054) > 1e-12 {
		t.Errorf("df Inf: %v, want 1.959963984540054", got)
	}
}

// TestStudentTQuantileTable checks the two-sided 95% values of the usual t
// table (scipy.stats.t.ppf(0.975, df)).
func TestStudentTQuantileTable(t *testing.T) {
	for _, c := range []struct{ df, want float64 }{
		{3, 3.182446305284263}, {5, 2.5705818366147395}, {10, 2.2281388519649385}, {30, 2.0422724563012373},
	} {
		if got := StudentTQuantile(0.975, c.df); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("df %v: %v, want %v", c.df, got, c.want)
		}
	}
}

// TestStudentTQuantileDensity checks, independently of the incomplete beta
// function, that the density of t integrates from 0 to the quantile to p − ½
// (Simpson's rule), for integer and fractional degrees of freedom.
func TestStudentTQuantileDensity(t *testing.T) {
	for _, df := range []float64{1.5, 3, 7.25, 40} {
		lg1, _ := math.Lgamma((df + 1) / 2)
		lg2, _ := math.Lgamma(df / 2)
		c := math.Exp(lg1-lg2) / math.Sqrt(df*math.Pi)
		pdf := func(x float64) float64 { return c * math.Pow(1+x*x/df, -(df+1)/2) }
		for _, p := range []float64{0.6, 0.9, 0.975} {
			q := StudentTQuantile(p, df)
			const n = 2000
			h := q / n
			s := pdf(0) + pdf(q)
			for i := 1; i < n; i++ {
				w := 2.0
				if i%2 == 1 {
					w = 4
				}
				s += w * pdf(float64(i)*h)
			}
			if got := s * h / 3; math.Abs(got-(p-0.5)) > 1e-9 {
				t.Errorf("df %v, p %v: quantile %v integrates to %v, want %v", df, p, q, got, p-0.5)
			}
		}
	}
}

// TestMeanCI checks the interval on a hand computation: for 1, 2, 3, 4 the
// mean is 2.5, s = √(5/3), and the 95% half-width t(0.975, 3)·s/2.
func TestMeanCI(t *testing.T) {
	m, h := MeanCI([]float64{1, 2, 3, 4}, 0.95)
	if want := 3.182446305284263 * math.Sqrt(5.0/3) / 2; m != 2.5 || math.Abs(h-want) > 1e-9 {
		t.Errorf("MeanCI = %v ± %v, want 2.5 ± %v", m, h, want)
	}
	if m, h := MeanCI([]float64{0.7}, 0.95); m != 0.7 || !math.IsNaN(h) {
		t.Errorf("one value: %v ± %v, want 0.7 ± NaN", m, h)
	}
	if m, h := MeanCI(nil, 0.95); !math.IsNaN(m) || !math.IsNaN(h) {
		t.Errorf("no value: %v ± %v, want NaN ± NaN", m, h)
	}
	if _, h := MeanCI([]float64{2, 2, 2}, 0.95); h != 0 {
		t.Errorf("constant values: half-width %v, want 0", h)
	}
}

func TestIntervalPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"level 1":  func() { MeanCI([]float64{1, 2}, 1) },
		"p 0":      func() { StudentTQuantile(0, 3) },
		"df 0":     func() { StudentTQuantile(0.5, 0) },
		"p NaN":    func() { StudentTQuantile(math.NaN(), 3) },
		"level -1": func() { MeanCI([]float64{1, 2}, -1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
