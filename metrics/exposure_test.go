package metrics_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/metrics"
)

// The hand-computed oracle of the spec (tensorflow/privacy's test case,
// whose own assertion is vacuous): references 1..16, N = 16.
func TestExposureInterpolationOracle(t *testing.T) {
	refs := make([]float64, 16)
	for i := range refs {
		refs[i] = float64(16 - i) // order must not matter
	}
	got := metrics.ExposureInterpolation([]float64{0, 0.1, 3.5, 20, 1}, refs)
	want := []float64{4, 4, 2, 4 - math.Log2(17), 4}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("secret %d: exposure %v, want %v", i, got[i], want[i])
		}
	}
}

func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// At zero skew the skew-normal is the normal: exposure -log2 Φ((x-μ)/σ).
func TestSkewNormalZeroSkewClosedForm(t *testing.T) {
	d := metrics.SkewNormal{Alpha: 0, Loc: 30, Scale: 4}
	for _, x := range []float64{-10, 10, 22, 29, 30, 34, 45} {
		want := -math.Log2(normCDF((x - 30) / 4))
		if got := d.Exposure(x); math.Abs(got-want) > 1e-9*max(1, want) {
			t.Errorf("x=%v: exposure %v, want %v", x, got, want)
		}
	}
}

// simpson integrates f over [a, b] with n (even) intervals.
func simpson(f func(float64) float64, a, b float64, n int) float64 {
	h := (b - a) / float64(n)
	s := f(a) + f(b)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		s += w * f(a+float64(i)*h)
	}
	return s * h / 3
}

// The CDF (through Owen's T) against direct integration of the density,
// which shares no code with it, for skews of both signs and both |α| <= 1
// and |α| > 1 (the two branches of Owen's T).
func TestSkewNormalCDFAgainstQuadrature(t *testing.T) {
	for _, alpha := range []float64{-7, -1, -0.3, 0.5, 1, 2.5, 12} {
		d := metrics.SkewNormal{Alpha: alpha, Loc: 1.5, Scale: 0.7}
		for _, x := range []float64{-1, 0.5, 1.2, 1.5, 2, 3.5} {
			want := simpson(func(u float64) float64 {
				z := (u - d.Loc) / d.Scale
				return 2 / d.Scale * math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) * normCDF(alpha*z)
			}, d.Loc-12*d.Scale, x, 200000)
			if got := d.CDF(x); math.Abs(got-want) > 1e-9 {
				t.Errorf("α=%v x=%v: CDF %.12g, quadrature %.12g", alpha, x, got, want)
			}
		}
	}
	// Owen's T identities through the CDF: at α = 1, F(z) = Φ(z)²;
	// at z = 0, F = 1/2 - atan(α)/π.
	for _, z := range []float64{-3, -0.5, 0.7, 2} {
		d := metrics.SkewNormal{Alpha: 1, Loc: 0, Scale: 1}
		if got, want := d.CDF(z), normCDF(z)*normCDF(z); math.Abs(got-want) > 1e-14 {
			t.Errorf("α=1 z=%v: CDF %v, want Φ² = %v", z, got, want)
		}
	}
	for _, a := range []float64{-4, -0.2, 0.9, 3, 50} {
		d := metrics.SkewNormal{Alpha: a, Loc: 0, Scale: 1}
		if got, want := d.CDF(0), 0.5-math.Atan(a)/math.Pi; math.Abs(got-want) > 1e-14 {
			t.Errorf("α=%v: CDF(0) %v, want %v", a, got, want)
		}
	}
}

// Maximum likelihood recovers the distribution of a large sample: the
// fitted CDF stays within 0.015 of the true one.
func TestFitSkewNormal(t *testing.T) {
	for _, truth := range []metrics.SkewNormal{{Alpha: 4, Loc: 10, Scale: 2}, {Alpha: -2, Loc: 0, Scale: 1}, {Alpha: 0, Loc: 5, Scale: 3}} {
		rng := rand.New(rand.NewPCG(1, 2))
		xs := make([]float64, 5000)
		for i := range xs {
			xs[i] = truth.Rand(rng)
		}
		fit, err := metrics.FitSkewNormal(xs)
		if err != nil {
			t.Fatal(err)
		}
		var worst float64
		for q := -4.0; q <= 4; q += 0.1 {
			x := truth.Loc + q*truth.Scale
			worst = max(worst, math.Abs(fit.CDF(x)-truth.CDF(x)))
		}
		if worst > 0.015 {
			t.Errorf("truth %+v: fit %+v, sup|ΔF| = %v", truth, fit, worst)
		}
	}
	if _, err := metrics.FitSkewNormal([]float64{1, 1, 1}); err == nil {
		t.Error("FitSkewNormal of constant data: no error")
	}
	if _, err := metrics.FitSkewNormal([]float64{1, 2}); err == nil {
		t.Error("FitSkewNormal of 2 values: no error")
	}
}

// On a large reference sample, the interpolated exposure of a secret at the
// sample's q-quantile is about -log2 q, and the extrapolated one is about
// the exposure under the distribution the sample was drawn from.
func TestExposureMethodsAgree(t *testing.T) {
	truth := metrics.SkewNormal{Alpha: 3, Loc: 40, Scale: 6}
	rng := rand.New(rand.NewPCG(3, 4))
	refs := make([]float64, 4000)
	for i := range refs {
		refs[i] = truth.Rand(rng)
	}
	sorted := slices.Sorted(slices.Values(refs))
	for _, q := range []float64{0.005, 0.05, 0.5} {
		k := int(q * float64(len(sorted))) // references below s
		s := sorted[k] - 1e-9
		in := metrics.ExposureInterpolation([]float64{s}, refs)[0]
		ex, _, err := metrics.ExposureExtrapolation([]float64{s}, refs)
		if err != nil {
			t.Fatal(err)
		}
		if want := math.Log2(float64(len(refs))) - math.Log2(float64(k+1)); math.Abs(in-want) > 1e-12 || math.Abs(in+math.Log2(q)) > 0.1 {
			t.Errorf("q=%v: interpolation %v, want ≈ %v", q, in, want)
		}
		if want := truth.Exposure(s); math.Abs(ex[0]-want) > 0.15 {
			t.Errorf("q=%v: extrapolation %v, true distribution's exposure %v", q, ex[0], want)
		}
	}
}

// bigram is a fixed next-token model over 3 tokens for the extraction tests.
var bigram = [][]float64{
	{0.1, 0.6, 0.3},
	{0.5, 0.1, 0.4},
	{0.2, 0.2, 0.6},
}

func bigramNext(calls *int) metrics.NextLogProbs {
	return func(prefixes [][]int) [][]float64 {
		*calls++
		out := make([][]float64, len(prefixes))
		for i, p := range prefixes {
			row := bigram[p[len(p)-1]]
			out[i] = make([]float64, len(row))
			for v, pr := range row {
				out[i][v] = math.Log(pr)
			}
		}
		return out
	}
}

func seqLogProb(prev int, s []int) float64 {
	lp := 0.0
	for _, v := range s {
		lp += math.Log(bigram[prev][v])
		prev = v
	}
	return lp
}

// A beam as wide as the whole space is exhaustive search: the beams are
// every sequence in order of probability.
func TestBeamSearchExhaustive(t *testing.T) {
	var calls int
	beams := metrics.BeamSearch(bigramNext(&calls), []int{0}, 3, 27, nil)
	if len(beams) != 27 || calls != 3 {
		t.Fatalf("%d beams in %d calls, want 27 in 3", len(beams), calls)
	}
	for i, b := range beams {
		if math.Abs(b.LogProb-seqLogProb(0, b.Tokens)) > 1e-12 {
			t.Errorf("beam %v: log-prob %v, want %v", b.Tokens, b.LogProb, seqLogProb(0, b.Tokens))
		}
		if i > 0 && b.LogProb > beams[i-1].LogProb {
			t.Errorf("beams out of order at %d", i)
		}
	}
	// 0 -> 1 (.6) -> 0 (.5) -> 1 (.6) = .18 is the most likely.
	if !slices.Equal(beams[0].Tokens, []int{1, 0, 1}) {
		t.Errorf("top beam %v, want [1 0 1]", beams[0].Tokens)
	}
	// Restricted to tokens {0, 2}: 0 -> 2 (.3) -> 2 (.6) -> 2 (.6).
	top := metrics.BeamSearch(bigramNext(&calls), []int{0}, 3, 2, []int{0, 2})[0]
	if !slices.Equal(top.Tokens, []int{2, 2, 2}) {
		t.Errorf("restricted top beam %v, want [2 2 2]", top.Tokens)
	}
}

// Sample frequencies match the sequence probabilities (binomial 4σ bound).
func TestSampleContinuations(t *testing.T) {
	var calls int
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 20000
	samples := metrics.SampleContinuations(bigramNext(&calls), []int{2}, 2, n, nil, 1, rng)
	for _, s := range [][]int{{2, 2}, {0, 1}, {1, 0}, {1, 1}} {
		p := math.Exp(seqLogProb(2, s))
		got := float64(metrics.CountMatches(s, samples)) / n
		if math.Abs(got-p) > 4*math.Sqrt(p*(1-p)/n) {
			t.Errorf("sequence %v: frequency %v, probability %v", s, got, p)
		}
	}
	// Temperature → 0 is greedy.
	cold := metrics.SampleContinuations(bigramNext(&calls), []int{0}, 3, 5, nil, 1e-3, rng)
	if metrics.CountMatches([]int{1, 0, 1}, cold) != 5 {
		t.Errorf("cold samples %v, want all [1 0 1]", cold)
	}
}

// The Secret Sharer's interpolated exposure: a secret ranked first among
// 16 references has the maximum exposure log2(16) = 4 bits.
func ExampleExposureInterpolation() {
	refs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	for _, e := range metrics.ExposureInterpolation([]float64{0.1, 3.5, 20}, refs) {
		fmt.Printf("%.4f\n", e)
	}
	// Output:
	// 4.0000
	// 2.0000
	// -0.0875
}

// Extrapolated exposure under a skew-normal fitted to the references'
// log-perplexities; at zero skew it is -log2 of the normal CDF.
func ExampleSkewNormal_Exposure() {
	d := metrics.SkewNormal{Alpha: 0, Loc: 50, Scale: 5}
	fmt.Printf("%.3f bits\n", d.Exposure(50))
	fmt.Printf("%.3f bits\n", d.Exposure(35)) // 3σ below the mean
	// Output:
	// 1.000 bits
	// 9.533 bits
}
