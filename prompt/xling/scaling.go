package xling

import (
	"fmt"
	"math"
)

// Curve is a fitted quality-vs-data curve: translation quality S (BLEU,
// chrF, COMET×100) as a function of the number of translation pairs x, with
// its derivative. AllocateBudget needs Slope positive and non-increasing
// (a concave curve).
type Curve interface {
	Value(x float64) float64
	Slope(x float64) float64
}

// PowerLaw is the saturating power law S(x) = Smax − A·(Gamma·x + X0)^(−B):
// quality approaches the ceiling Smax as data grows, with diminishing
// returns. Gamma scales the data of a language into effective data, the
// place where a language-similarity factor goes (the paper's own
// similarity term could not be read; 1 means none, as does 0).
type PowerLaw struct {
	Smax, A, B, X0, Gamma float64
}

func (p PowerLaw) gamma() float64 {
	if p.Gamma == 0 {
		return 1
	}
	return p.Gamma
}

// Value returns S(x).
func (p PowerLaw) Value(x float64) float64 {
	return p.Smax - p.A*math.Pow(p.gamma()*x+p.X0, -p.B)
}

// Slope returns dS/dx = A·B·Gamma·(Gamma·x + X0)^(−B−1).
func (p PowerLaw) Slope(x float64) float64 {
	g := p.gamma()
	return p.A * p.B * g * math.Pow(g*x+p.X0, -p.B-1)
}

// LogLinear is S(x) = A + B·ln(Gamma·x), the log-linear law; Gamma as for
// PowerLaw.
type LogLinear struct {
	A, B, Gamma float64
}

// Value returns S(x).
func (l LogLinear) Value(x float64) float64 {
	g := l.Gamma
	if g == 0 {
		g = 1
	}
	return l.A + l.B*math.Log(g*x)
}

// Slope returns dS/dx = B/x.
func (l LogLinear) Slope(x float64) float64 { return l.B / x }

// RSquared returns the coefficient of determination 1 − SS_res/SS_tot of a
// curve on the points (xs[i], ys[i]).
func RSquared(c Curve, xs, ys []float64) float64 {
	mean := 0.0
	for _, y := range ys {
		mean += y
	}
	mean /= float64(len(ys))
	var res, tot float64
	for i, x := range xs {
		d := ys[i] - c.Value(x)
		res += d * d
		tot += (ys[i] - mean) * (ys[i] - mean)
	}
	return 1 - res/tot
}

func checkPoints(fn string, xs, ys []float64, min int) error {
	if len(xs) != len(ys) {
		return fmt.Errorf("xling: %s: %d sizes but %d scores", fn, len(xs), len(ys))
	}
	if len(xs) < min {
		return fmt.Errorf("xling: %s: %d points, need at least %d", fn, len(xs), min)
	}
	for i, x := range xs {
		if !(x > 0) || math.IsInf(x, 0) || math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) {
			return fmt.Errorf("xling: %s: point %d (%v, %v): sizes must be positive and scores finite", fn, i, x, ys[i])
		}
	}
	return nil
}

// FitLogLinear fits S = A + B·ln(gamma·x) to the points by least squares
// (gamma 0 means 1). It needs two distinct sizes.
func FitLogLinear(xs, ys []float64, gamma float64) (LogLinear, error) {
	if err := checkPoints("FitLogLinear", xs, ys, 2); err != nil {
		return LogLinear{}, err
	}
	l := LogLinear{Gamma: gamma}
	if gamma == 0 {
		gamma = 1
	}
	n := float64(len(xs))
	var su, sy, suu, suy float64
	for i, x := range xs {
		u := math.Log(gamma * x)
		su += u
		sy += ys[i]
		suu += u * u
		suy += u * ys[i]
	}
	den := n*suu - su*su
	if den <= 1e-12*n*suu {
		return LogLinear{}, fmt.Errorf("xling: FitLogLinear: all sizes are equal")
	}
	l.B = (n*suy - su*sy) / den
	l.A = (sy - l.B*su) / n
	return l, nil
}

// FitPowerLaw fits S = Smax − A·(gamma·x + X0)^(−B) to the points by least
// squares, with A, B > 0 and X0 > 0. With smax > 0 the ceiling is fixed at
// smax (100 for BLEU, chrF or COMET×100); with smax 0 it is fitted too, which
// needs more points spread over the curve's bend. gamma 0 means 1.
//
// For fixed B and X0 the best A (and Smax) is linear least squares, so the
// search runs over (ln B, ln X0) only, by gonum's Nelder–Mead from a grid
// of starting points (our own small Nelder–Mead: gonum/optimize needs a
// module that is not in cairn's go.sum); noiseless points of a power law give back its
// parameters to about 1e-6 relative.
func FitPowerLaw(xs, ys []float64, smax, gamma float64) (PowerLaw, error) {
	need := 3
	if smax == 0 {
		need = 4
	}
	if err := checkPoints("FitPowerLaw", xs, ys, need); err != nil {
		return PowerLaw{}, err
	}
	if gamma == 0 {
		gamma = 1
	}
	scale := 0.0
	for _, y := range ys {
		scale += y * y
	}
	scale = math.Max(scale, 1e-300)
	// linear solves the linear part for b, x0 and returns (smax, a, sse).
	linear := func(b, x0 float64) (float64, float64, float64) {
		g := make([]float64, len(xs))
		for i, x := range xs {
			g[i] = math.Pow(gamma*x+x0, -b)
		}
		var sm, a float64
		if smax > 0 {
			// y = smax − a·g: a = Σ(smax−y)g / Σg².
			var num, den float64
			for i := range g {
				num += (smax - ys[i]) * g[i]
				den += g[i] * g[i]
			}
			sm, a = smax, num/den
		} else {
			// y = s − a·g: ordinary least squares on (1, −g).
			n := float64(len(g))
			var sg, sy, sgg, sgy float64
			for i := range g {
				sg += g[i]
				sy += ys[i]
				sgg += g[i] * g[i]
				sgy += g[i] * ys[i]
			}
			den := n*sgg - sg*sg
			if den <= 0 {
				return 0, 0, math.Inf(1)
			}
			slope := (n*sgy - sg*sy) / den
			a = -slope
			sm = (sy - slope*sg) / n
		}
		sse := 0.0
		for i := range g {
			d := ys[i] - (sm - a*g[i])
			sse += d * d
		}
		return sm, a, sse
	}
	obj := func(t []float64) float64 {
		if math.Abs(t[0]) > 5 || t[1] > 40 || t[1] < -40 {
			return math.Inf(1)
		}
		_, a, sse := linear(math.Exp(t[0]), math.Exp(t[1]))
		if !(a > 0) || math.IsNaN(sse) {
			return math.Inf(1)
		}
		return sse / scale
	}
	xmax := 0.0
	for _, x := range xs {
		xmax = math.Max(xmax, gamma*x)
	}
	best := []float64(nil)
	bestF := math.Inf(1)
	for _, b0 := range []float64{0.1, 0.3, 1, 2} {
		for _, f := range []float64{0.01, 0.1, 1} {
			start := []float64{math.Log(b0), math.Log(f * xmax)}
			if obj(start) == math.Inf(1) {
				continue
			}
			x, f := nelderMead(obj, start, 0.5, 4000)
			if f < bestF {
				bestF, best = f, x
			}
		}
	}
	if best == nil {
		return PowerLaw{}, fmt.Errorf("xling: FitPowerLaw: no power law with A > 0 fits the points")
	}
	b, x0 := math.Exp(best[0]), math.Exp(best[1])
	sm, a, _ := linear(b, x0)
	p := PowerLaw{Smax: sm, A: a, B: b, X0: x0}
	if gamma != 1 {
		p.Gamma = gamma
	}
	return p, nil
}

// AllocateBudget splits a budget of translation pairs across languages to
// maximise the summed quality Σ_l c_l.Value(x_l) subject to Σ_l x_l = budget
// and x_l ≥ 0 (how m-LLaMA's data are allocated under the fitted laws). For
// concave curves the optimum gives every language with data the same
// marginal gain Slope(x_l) = λ and no language whose Slope(0) is below λ
// any data ("water-filling"); λ is found by bisection. Identical curves get
// equal shares; a steeper curve gets more. It fails for a budget that is
// not positive and finite, or no curves.
func AllocateBudget(curves []Curve, budget float64) ([]float64, error) {
	if len(curves) == 0 {
		return nil, fmt.Errorf("xling: AllocateBudget: no curves")
	}
	if !(budget > 0) || math.IsInf(budget, 0) {
		return nil, fmt.Errorf("xling: AllocateBudget: budget %v is not positive and finite", budget)
	}
	xs := make([]float64, len(curves))
	// share returns the largest x in [0, budget] with Slope(x) ≥ lambda.
	share := func(c Curve, lambda float64) float64 {
		if c.Slope(budget) >= lambda {
			return budget
		}
		if !(c.Slope(0) >= lambda) && !math.IsInf(c.Slope(0), 1) && !math.IsNaN(c.Slope(0)) {
			return 0
		}
		lo, hi := 0.0, budget
		for range 100 {
			mid := (lo + hi) / 2
			if c.Slope(mid) >= lambda {
				lo = mid
			} else {
				hi = mid
			}
		}
		return lo
	}
	total := func(lambda float64) float64 {
		s := 0.0
		for i, c := range curves {
			xs[i] = share(c, lambda)
			s += xs[i]
		}
		return s
	}
	lo, hi := 1.0, 1.0
	for total(hi) > budget && hi < 1e300 {
		hi *= 2
	}
	for total(lo) < budget && lo > 1e-300 {
		lo /= 2
	}
	for range 200 {
		mid := math.Sqrt(lo * hi)
		if total(mid) >= budget {
			lo = mid
		} else {
			hi = mid
		}
	}
	s := total(lo)
	if s > 0 {
		for i := range xs {
			xs[i] *= budget / s
		}
	}
	out := make([]float64, len(xs))
	copy(out, xs)
	return out, nil
}

// nelderMead minimises f from x0 with the standard Nelder–Mead simplex
// (reflection 1, expansion 2, contraction 1/2, shrink 1/2), an initial
// simplex of step size along each axis, until the simplex's values agree
// to 1e-15 relative (plus 1e-30) or after maxIter iterations. It returns
// the best vertex and its value.
func nelderMead(f func([]float64) float64, x0 []float64, step float64, maxIter int) ([]float64, float64) {
	n := len(x0)
	pts := make([][]float64, n+1)
	vals := make([]float64, n+1)
	for i := range pts {
		pts[i] = append([]float64(nil), x0...)
		if i > 0 {
			pts[i][i-1] += step
		}
		vals[i] = f(pts[i])
	}
	point := func(c []float64, t float64, w []float64) []float64 {
		// c + t·(c − w)
		p := make([]float64, n)
		for j := range p {
			p[j] = c[j] + t*(c[j]-w[j])
		}
		return p
	}
	for range maxIter {
		// Order the vertices by value.
		for i := 1; i <= n; i++ {
			for j := i; j > 0 && vals[j] < vals[j-1]; j-- {
				vals[j], vals[j-1] = vals[j-1], vals[j]
				pts[j], pts[j-1] = pts[j-1], pts[j]
			}
		}
		if math.Abs(vals[n]-vals[0]) <= 1e-15*math.Abs(vals[0])+1e-30 {
			break
		}
		c := make([]float64, n)
		for i := 0; i < n; i++ {
			for j := range c {
				c[j] += pts[i][j] / float64(n)
			}
		}
		worst := pts[n]
		r := point(c, 1, worst)
		fr := f(r)
		switch {
		case fr < vals[0]:
			e := point(c, 2, worst)
			if fe := f(e); fe < fr {
				pts[n], vals[n] = e, fe
			} else {
				pts[n], vals[n] = r, fr
			}
		case fr < vals[n-1]:
			pts[n], vals[n] = r, fr
		default:
			var k []float64
			if fr < vals[n] {
				k = point(c, 0.5, worst) // outside contraction
			} else {
				k = point(c, -0.5, worst) // inside contraction
			}
			if fk := f(k); fk < math.Min(fr, vals[n]) {
				pts[n], vals[n] = k, fk
				continue
			}
			for i := 1; i <= n; i++ {
				for j := range pts[i] {
					pts[i][j] = pts[0][j] + 0.5*(pts[i][j]-pts[0][j])
				}
				vals[i] = f(pts[i])
			}
		}
	}
	bi := 0
	for i := range vals {
		if vals[i] < vals[bi] {
			bi = i
		}
	}
	return pts[bi], vals[bi]
}
