package metrics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/integrate/quad"
)

// ExposureInterpolation returns the exposure of each secret, in bits, by
// its rank among references, as the Secret Sharer paper (Carlini et al.
// 2019) and tensorflow/privacy's compute_exposure_interpolation define it.
// secrets and references are log-perplexities (lower means the model
// finds the sequence more likely); references are those of random
// candidates from the secret's randomness space that the model was not
// trained on. With N references,
//
//	rank(s)     = 1 + #{r in references : r < s}
//	exposure(s) = log2(N) - log2(rank(s)),
//
// so a secret more likely than every reference gets the maximum log2(N)
// and one less likely than all of them gets log2(N) - log2(N+1) < 0.
// Secrets are ranked independently of each other. It panics if references
// is empty.
func ExposureInterpolation(secrets, references []float64) []float64 {
	if len(references) == 0 {
		panic("metrics.ExposureInterpolation: no references")
	}
	sorted := slices.Clone(references)
	slices.Sort(sorted)
	logN := math.Log2(float64(len(sorted)))
	out := make([]float64, len(secrets))
	for i, s := range secrets {
		lower := sort.SearchFloat64s(sorted, s) // first index with sorted[j] >= s
		out[i] = logN - math.Log2(float64(lower+1))
	}
	return out
}

// SkewNormal is the skew-normal distribution of Azzalini with shape Alpha,
// location Loc and scale Scale > 0 (scipy.stats.skewnorm(a, loc, scale)):
// its density is 2/Scale·φ(z)·Φ(Alpha·z) with z = (x-Loc)/Scale. With
// Alpha = 0 it is the normal distribution N(Loc, Scale²).
type SkewNormal struct {
	Alpha, Loc, Scale float64
}

// PDF returns the density at x.
func (d SkewNormal) PDF(x float64) float64 {
	return math.Exp(d.LogPDF(x))
}

// LogPDF returns the natural logarithm of the density at x.
func (d SkewNormal) LogPDF(x float64) float64 {
	z := (x - d.Loc) / d.Scale
	return math.Log(2) - math.Log(d.Scale) - 0.5*z*z - 0.5*math.Log(2*math.Pi) + logNormCDF(d.Alpha*z)
}

// CDF returns P(X <= x), computed as Φ(z) - 2·T(z, Alpha) with Owen's T
// function. Its absolute error is about 1e-15, so exposures derived from
// it are reliable up to about 45 bits.
func (d SkewNormal) CDF(x float64) float64 {
	z := (x - d.Loc) / d.Scale
	c := normCDF(z) - 2*owenT(z, d.Alpha)
	return min(max(c, 0), 1)
}

// Exposure returns -log2(CDF(x)), the extrapolated exposure of a secret of
// log-perplexity x under a skew-normal fitted to the reference
// log-perplexities (tensorflow/privacy's compute_exposure_extrapolation).
// It is +Inf where the CDF underflows to 0.
func (d SkewNormal) Exposure(x float64) float64 {
	c := d.CDF(x)
	if c <= 0 {
		return math.Inf(1)
	}
	return -math.Log2(c)
}

// Rand draws a value with rng, as δ|U0| + sqrt(1-δ²)U1 scaled and shifted,
// with δ = Alpha/sqrt(1+Alpha²) and U0, U1 standard normal.
func (d SkewNormal) Rand(rng *rand.Rand) float64 {
	delta := d.Alpha / math.Sqrt(1+d.Alpha*d.Alpha)
	u0, u1 := rng.NormFloat64(), rng.NormFloat64()
	return d.Loc + d.Scale*(delta*math.Abs(u0)+math.Sqrt(1-delta*delta)*u1)
}

// FitSkewNormal fits a skew-normal to xs by maximum likelihood, as
// scipy.stats.skewnorm.fit does: Nelder–Mead over (Alpha, Loc, log Scale)
// from the method-of-moments estimate. It returns an error if xs has fewer
// than 3 values, a value that is not finite, or no spread.
func FitSkewNormal(xs []float64) (SkewNormal, error) {
	n := float64(len(xs))
	if len(xs) < 3 {
		return SkewNormal{}, fmt.Errorf("metrics.FitSkewNormal: need at least 3 values, got %d", len(xs))
	}
	var mean float64
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return SkewNormal{}, fmt.Errorf("metrics.FitSkewNormal: value %v is not finite", x)
		}
		mean += x
	}
	mean /= n
	var m2, m3 float64
	for _, x := range xs {
		d := x - mean
		m2 += d * d
		m3 += d * d * d
	}
	m2 /= n
	m3 /= n
	if m2 == 0 {
		return SkewNormal{}, errors.New("metrics.FitSkewNormal: all values are equal")
	}
	// Method of moments: skewness γ = (4-π)/2·(δb)³/(1-(δb)²)^{3/2}, b = sqrt(2/π).
	gamma := m3 / math.Pow(m2, 1.5)
	const maxGamma = 0.99
	gamma = max(-maxGamma, min(maxGamma, gamma))
	g23 := math.Pow(math.Abs(gamma), 2.0/3)
	k := math.Pow((4-math.Pi)/2, 2.0/3)
	db := math.Sqrt(g23 / (k + g23)) // δ·sqrt(2/π)
	if gamma < 0 {
		db = -db
	}
	delta := db / math.Sqrt(2/math.Pi)
	delta = max(-0.995, min(0.995, delta))
	alpha0 := delta / math.Sqrt(1-delta*delta)
	scale0 := math.Sqrt(m2 / (1 - db*db))
	loc0 := mean - scale0*db

	nll := func(p []float64) float64 {
		d := SkewNormal{Alpha: p[0], Loc: p[1], Scale: math.Exp(p[2])}
		var s float64
		for _, x := range xs {
			s -= d.LogPDF(x)
		}
		if math.IsNaN(s) {
			return math.Inf(1)
		}
		return s
	}
	x0 := []float64{alpha0, loc0, math.Log(scale0)}
	x := nelderMead(nll, x0, []float64{0.5, 0.1 * scale0, 0.1}, 3000)
	best := SkewNormal{Alpha: x[0], Loc: x[1], Scale: math.Exp(x[2])}
	return best, nil
}

// ExposureExtrapolation fits a skew-normal to the reference
// log-perplexities and returns each secret's exposure -log2(CDF(s)) under
// it, with the fitted distribution. Unlike ExposureInterpolation it is not
// capped at log2(len(references)).
func ExposureExtrapolation(secrets, references []float64) ([]float64, SkewNormal, error) {
	d, err := FitSkewNormal(references)
	if err != nil {
		return nil, d, err
	}
	out := make([]float64, len(secrets))
	for i, s := range secrets {
		out[i] = d.Exposure(s)
	}
	return out, d, nil
}

// normCDF is the standard normal CDF Φ.
func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// normQ is 1-Φ(z), accurate in the upper tail.
func normQ(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// logNormCDF is log Φ(z), accurate far in the lower tail.
func logNormCDF(z float64) float64 {
	if z > -30 {
		return math.Log(normCDF(z))
	}
	// Asymptotic series: Φ(z) ≈ φ(z)/|z|·(1 - 1/z² + 3/z⁴).
	z2 := z * z
	return -0.5*z2 - math.Log(-z) - 0.5*math.Log(2*math.Pi) + math.Log(1-1/z2+3/(z2*z2))
}

// owenT is Owen's T function T(h, a) = 1/(2π) ∫_0^a exp(-h²(1+x²)/2)/(1+x²) dx.
func owenT(h, a float64) float64 {
	if a == 0 {
		return 0
	}
	if a < 0 {
		return -owenT(h, -a)
	}
	h = math.Abs(h)
	if a <= 1 {
		return owenTQuad(h, a)
	}
	// T(h,a) + T(ah,1/a) = ½Φ(h) + ½Φ(ah) − Φ(h)Φ(ah) for h >= 0,
	// written with upper tails to avoid cancellation.
	ah := a * h
	return 0.5*(normCDF(h)*normQ(ah)+normCDF(ah)*normQ(h)) - owenTQuad(ah, 1/a)
}

// owenTQuad integrates Owen's T for 0 < a <= 1 with composite
// Gauss–Legendre quadrature (the integrand is smooth there).
func owenTQuad(h, a float64) float64 {
	const panels = 4
	f := func(x float64) float64 {
		s := 1 + x*x
		return math.Exp(-0.5*h*h*s) / s
	}
	var sum float64
	w := a / panels
	for p := range panels {
		sum += quad.Fixed(f, float64(p)*w, float64(p+1)*w, 20, quad.Legendre{}, 0)
	}
	return sum / (2 * math.Pi)
}

// NextLogProbs gives a language model's next-token distribution after each
// of a batch of prefixes: row i holds log p(v | prefixes[i]) (natural
// logarithm) for every token v of the vocabulary. The extraction functions
// take a model in this form.
type NextLogProbs func(prefixes [][]int) [][]float64

// Beam is one hypothesis of BeamSearch: the generated tokens (without the
// prefix) and their total log-probability (natural logarithm).
type Beam struct {
	Tokens  []int
	LogProb float64
}

// BeamSearch continues prefix by length tokens with a beam of the given
// width and returns the final beams, most likely first. If allowed is not
// nil, only those tokens are generated (the canary's alphabet, as in
// the Secret Sharer's extraction); the scores are the model's log-probabilities,
// not renormalised over allowed. Ties are broken by the smaller token
// sequence, so the result is deterministic. It panics if width or length is
// not positive or prefix is empty.
func BeamSearch(next NextLogProbs, prefix []int, length, width int, allowed []int) []Beam {
	if width <= 0 || length <= 0 || len(prefix) == 0 {
		panic(fmt.Sprintf("metrics.BeamSearch: width %d, length %d, prefix length %d", width, length, len(prefix)))
	}
	beams := []Beam{{}}
	for range length {
		prefixes := make([][]int, len(beams))
		for i, b := range beams {
			prefixes[i] = append(slices.Clone(prefix), b.Tokens...)
		}
		lp := next(prefixes)
		var cand []Beam
		for i, b := range beams {
			row := lp[i]
			visit := func(v int) {
				cand = append(cand, Beam{Tokens: append(slices.Clone(b.Tokens), v), LogProb: b.LogProb + row[v]})
			}
			if allowed == nil {
				for v := range row {
					visit(v)
				}
			} else {
				for _, v := range allowed {
					visit(v)
				}
			}
		}
		slices.SortStableFunc(cand, func(x, y Beam) int {
			if x.LogProb != y.LogProb {
				if x.LogProb > y.LogProb {
					return -1
				}
				return 1
			}
			return slices.Compare(x.Tokens, y.Tokens)
		})
		beams = cand[:min(width, len(cand))]
	}
	return beams
}

// SampleContinuations draws n continuations of prefix, each of length
// tokens, from the model's next-token distribution at the given temperature
// (1 samples the model itself), restricted to allowed (renormalised) if it
// is not nil. All n samples advance together, one batched call of next per
// position. It panics if n, length or temperature is not positive.
func SampleContinuations(next NextLogProbs, prefix []int, length, n int, allowed []int, temperature float64, rng *rand.Rand) [][]int {
	if n <= 0 || length <= 0 || !(temperature > 0) || len(prefix) == 0 {
		panic(fmt.Sprintf("metrics.SampleContinuations: n %d, length %d, temperature %v, prefix length %d", n, length, temperature, len(prefix)))
	}
	out := make([][]int, n)
	for range length {
		prefixes := make([][]int, n)
		for i := range out {
			prefixes[i] = append(slices.Clone(prefix), out[i]...)
		}
		lp := next(prefixes)
		for i, row := range lp {
			ids := allowed
			if ids == nil {
				ids = make([]int, len(row))
				for v := range ids {
					ids[v] = v
				}
			}
			m := math.Inf(-1)
			for _, v := range ids {
				m = max(m, row[v]/temperature)
			}
			var z float64
			w := make([]float64, len(ids))
			for j, v := range ids {
				w[j] = math.Exp(row[v]/temperature - m)
				z += w[j]
			}
			u := rng.Float64() * z
			pick := ids[len(ids)-1]
			for j, v := range ids {
				u -= w[j]
				if u < 0 {
					pick = v
					break
				}
			}
			out[i] = append(out[i], pick)
		}
	}
	return out
}

// CountMatches returns how many candidates equal secret exactly; a canary
// counts as extracted when this is positive (for beam search, when the top
// beam matches).
func CountMatches(secret []int, candidates [][]int) int {
	n := 0
	for _, c := range candidates {
		if slices.Equal(c, secret) {
			n++
		}
	}
	return n
}

// nelderMead minimises f from x0 with the Nelder–Mead simplex method
// (reflection 1, expansion 2, contraction ½, shrink ½), starting from the
// simplex x0, x0+step_i·e_i, for at most maxEval evaluations or until the
// values at the vertices agree to 1e-12 relative.
func nelderMead(f func([]float64) float64, x0, step []float64, maxEval int) []float64 {
	n := len(x0)
	pts := make([][]float64, n+1)
	vals := make([]float64, n+1)
	for i := range pts {
		pts[i] = slices.Clone(x0)
		if i > 0 {
			pts[i][i-1] += step[i-1]
		}
		vals[i] = f(pts[i])
	}
	evals := n + 1
	at := func(c []float64, d []float64, t float64) []float64 { // c + t(d - c)
		out := make([]float64, n)
		for j := range out {
			out[j] = c[j] + t*(d[j]-c[j])
		}
		return out
	}
	for evals < maxEval {
		order := make([]int, n+1)
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			switch {
			case vals[a] < vals[b]:
				return -1
			case vals[a] > vals[b]:
				return 1
			}
			return 0
		})
		p2, v2 := make([][]float64, n+1), make([]float64, n+1)
		for i, o := range order {
			p2[i], v2[i] = pts[o], vals[o]
		}
		pts, vals = p2, v2
		if math.Abs(vals[n]-vals[0]) <= 1e-12*(math.Abs(vals[0])+1e-12) {
			break
		}
		centroid := make([]float64, n)
		for _, p := range pts[:n] {
			for j := range centroid {
				centroid[j] += p[j] / float64(n)
			}
		}
		worst := pts[n]
		r := at(centroid, worst, -1)
		fr := f(r)
		evals++
		switch {
		case fr < vals[0]:
			e := at(centroid, worst, -2)
			fe := f(e)
			evals++
			if fe < fr {
				pts[n], vals[n] = e, fe
			} else {
				pts[n], vals[n] = r, fr
			}
		case fr < vals[n-1]:
			pts[n], vals[n] = r, fr
		default:
			var c []float64
			if fr < vals[n] {
				c = at(centroid, r, 0.5)
			} else {
				c = at(centroid, worst, 0.5)
			}
			fc := f(c)
			evals++
			if fc < min(fr, vals[n]) {
				pts[n], vals[n] = c, fc
			} else {
				for i := 1; i <= n; i++ {
					pts[i] = at(pts[0], pts[i], 0.5)
					vals[i] = f(pts[i])
					evals++
				}
			}
		}
	}
	best := 0
	for i := range vals {
		if vals[i] < vals[best] {
			best = i
		}
	}
	return pts[best]
}
