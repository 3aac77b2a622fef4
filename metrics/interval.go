package metrics

import (
	"fmt"
	"math"
)

// MeanCI returns the mean of xs and the half-width of its two-sided
// Student-t confidence interval at level (0.95 for 95%):
//
//	half = t_{(1+level)/2, n−1} · s / √n,
//
// s the sample standard deviation (n − 1 in the denominator), the interval
// that scipy.stats.t.interval(level, n−1, mean, sem) gives. It is the usual
// "mean ± interval over seeds" of an experiment repeated with n seeds.
// With one value the half-width is NaN (no interval), with none the mean
// is NaN too. It panics unless 0 < level < 1.
func MeanCI(xs []float64, level float64) (mean, half float64) {
	if !(level > 0 && level < 1) {
		panic(fmt.Sprintf("metrics.MeanCI: level %v outside (0, 1)", level))
	}
	n := float64(len(xs))
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= n
	if len(xs) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / (n - 1))
	return mean, StudentTQuantile((1+level)/2, n-1) * sd / math.Sqrt(n)
}

// StudentTQuantile returns the p-quantile of Student's t distribution with
// df degrees of freedom (df need not be an integer): the t with
// P(T ≤ t) = p, scipy.stats.t.ppf(p, df). For df = +Inf it is the standard
// normal quantile. It panics unless 0 < p < 1 and df > 0.
func StudentTQuantile(p, df float64) float64 {
	if !(p > 0 && p < 1) || !(df > 0) {
		panic(fmt.Sprintf("metrics.StudentTQuantile: p %v, df %v: want 0 < p < 1 and df > 0", p, df))
	}
	if math.IsInf(df, 1) {
		return -math.Sqrt2 * math.Erfcinv(2*p)
	}
	if p == 0.5 {
		return 0
	}
	if p < 0.5 {
		return -StudentTQuantile(1-p, df)
	}
	// Upper tail q = 1 − p = ½·I_{df/(df+t²)}(df/2, ½), decreasing in t:
	// bracket t, then bisect to full precision.
	q := 1 - p
	tail := func(t float64) float64 { return 0.5 * regIncBeta(df/(df+t*t), df/2, 0.5) }
	lo, hi := 0.0, 1.0
	for tail(hi) > q {
		lo, hi = hi, 2*hi
		if math.IsInf(hi, 1) {
			return hi
		}
	}
	for range 200 {
		mid := lo + (hi-lo)/2
		if mid == lo || mid == hi {
			break
		}
		if tail(mid) > q {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}

// regIncBeta is the regularized incomplete beta function I_x(a, b), by the
// continued fraction of Numerical Recipes (betacf, modified Lentz), applied
// directly for x < (a+1)/(a+b+2) and through I_x(a,b) = 1 − I_{1−x}(b,a)
// otherwise.
func regIncBeta(x, a, b float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(x, a, b) / a
	}
	return 1 - front*betaCF(1-x, b, a)/b
}

// betaCF evaluates the continued fraction of the incomplete beta function.
func betaCF(x, a, b float64) float64 {
	const tiny = 1e-300
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 1000; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	return h
}
