package graph

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
	"gonum.org/v1/gonum/mat"
)

const (
	tAlpha = 0.1
	tMu    = 0.9
	tBeta  = 0.9
)

func mustT(t testing.TB) func(*tensor.Tensor, error) *tensor.Tensor {
	return func(z *tensor.Tensor, err error) *tensor.Tensor {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return z
	}
}

// relErr returns ‖a − b‖_F / ‖b‖_F.
func relErr(a, b mat.Matrix) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, 2) / mat.Norm(b, 2)
}

func eye(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		m.Set(i, i, 1)
	}
	return m
}

// comb returns s·I + t·M.
func comb(s, t float64, m mat.Matrix) *mat.Dense {
	n, _ := m.Dims()
	var out mat.Dense
	out.Scale(t, m)
	out.Add(&out, func() *mat.Dense { e := eye(n); e.Scale(s, e); return e }())
	return &out
}

// dense reference propagation matrices, written as in the paper.
func refMatrices(t *testing.T, ahat *mat.Dense) map[string]*mat.Dense {
	lap := comb(1, -1, ahat)
	inv := func(m mat.Matrix) *mat.Dense {
		var r mat.Dense
		if err := r.Inverse(m); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	mul := func(a, b mat.Matrix) *mat.Dense { var r mat.Dense; r.Mul(a, b); return &r }
	xi := 1/tAlpha - 1
	// PPNP: α (I − (1−α)Â)^-1.
	ppnp := inv(comb(1, -(1 - tAlpha), ahat))
	ppnp.Scale(tAlpha, ppnp)
	// LF, Eq. 30: {μI + (1−μ)Â + (1/α−1)L̃}^-1 {μI + (1−μ)Â}.
	fl := comb(tMu, 1-tMu, ahat)
	var lfSys mat.Dense
	lfSys.Add(fl, comb(0, xi, lap))
	// HF, Eq. 38: {I + (β + 1/α − 1)L̃}^-1 {I + βL̃}.
	hfSys := comb(1, tBeta+xi, lap)
	return map[string]*mat.Dense{
		"PPNP":  ppnp,
		"LF":    mul(inv(&lfSys), fl),
		"HF":    mul(inv(hfSys), comb(1, tBeta, lap)),
		"JKNet": mul(inv(comb(1+2, -2, ahat)), ahat), // ξ = 2
		"DAGNN": inv(comb(1+2, -2, ahat)),
	}
}

func TestClosedFormsMatchPaper(t *testing.T) {
	t.Parallel()
	for _, loops := range []SelfLoops{DropSelfLoops, KeepSelfLoops} {
		g := smallGraph(t, loops)
		a := g.NormAdj()
		h := randH(1, g.NumNodes(), 3)
		ref := refMatrices(t, dense64(a))
		got := map[string]*tensor.Tensor{
			"PPNP":  mustT(t)(PPNP(a, h, tAlpha, nil)),
			"LF":    mustT(t)(LFClosed(a, h, tAlpha, tMu, nil)),
			"HF":    mustT(t)(HFClosed(a, h, tAlpha, tBeta, nil)),
			"JKNet": mustT(t)(JKNet(a, h, 2, nil)),
			"DAGNN": mustT(t)(DAGNN(a, h, 2, nil)),
		}
		for name, z := range got {
			var want mat.Dense
			want.Mul(ref[name], h.ToDense())
			if e := relErr(z.ToDense(), &want); e > 1e-6 {
				t.Errorf("policy %d: %s closed form differs from the paper's formula by %g", loops, name, e)
			}
		}
	}
}

// Oracle 1: LF with μ = 1 and HF with β = 0 are PPNP; their iterations are
// APPNP's, step for step.
func TestLimitsArePPNP(t *testing.T) {
	t.Parallel()
	must := mustT(t)
	g := smallGraph(t, KeepSelfLoops)
	a := g.NormAdj()
	h := randH(2, g.NumNodes(), 4)
	ppnp := must(PPNP(a, h, tAlpha, nil)).ToDense()
	for name, z := range map[string]*tensor.Tensor{
		"LF(μ=1)": must(LFClosed(a, h, tAlpha, 1, nil)),
		"HF(β=0)": must(HFClosed(a, h, tAlpha, 0, nil)),
	} {
		if e := relErr(z.ToDense(), ppnp); e > 1e-6 {
			t.Errorf("%s differs from PPNP by %g", name, e)
		}
	}
	for _, k := range []int{0, 1, 5, 10} {
		ap := must(APPNP(a, h, tAlpha, k)).Data()
		lf := must(LFIter(a, h, tAlpha, 1, k)).Data()
		hf := must(HFIter(a, h, tAlpha, 0, k)).Data()
		for i := range ap {
			if lf[i] != ap[i] || hf[i] != ap[i] {
				t.Fatalf("K=%d: entry %d: LF(μ=1) %g, HF(β=0) %g, APPNP %g", k, i, lf[i], hf[i], ap[i])
			}
		}
	}
}

// Oracle 4: the iterations converge to the closed forms.
func TestIterationConverges(t *testing.T) {
	t.Parallel()
	must := mustT(t)
	g := smallGraph(t, DropSelfLoops)
	a := g.NormAdj()
	h := randH(3, g.NumNodes(), 3)
	for _, tc := range []struct {
		name          string
		closed, iter  func(k int) *tensor.Tensor
		k             int
		tol, tolShort float64
	}{
		{"APPNP", func(int) *tensor.Tensor { return must(PPNP(a, h, tAlpha, nil)) },
			func(k int) *tensor.Tensor { return must(APPNP(a, h, tAlpha, k)) }, 300, 1e-5, 1e-2},
		{"LF", func(int) *tensor.Tensor { return must(LFClosed(a, h, tAlpha, tMu, nil)) },
			func(k int) *tensor.Tensor { return must(LFIter(a, h, tAlpha, tMu, k)) }, 300, 1e-5, 1e-2},
		{"HF", func(int) *tensor.Tensor { return must(HFClosed(a, h, tAlpha, tBeta, nil)) },
			func(k int) *tensor.Tensor { return must(HFIter(a, h, tAlpha, tBeta, k)) }, 300, 1e-5, 1e-2},
		{"LF α=0.5 μ=0.6", func(int) *tensor.Tensor { return must(LFClosed(a, h, 0.5, 0.6, nil)) },
			func(k int) *tensor.Tensor { return must(LFIter(a, h, 0.5, 0.6, k)) }, 100, 1e-5, 1e-2},
		{"HF α=1 β=3", func(int) *tensor.Tensor { return must(HFClosed(a, h, 1, 3, nil)) },
			func(k int) *tensor.Tensor { return must(HFIter(a, h, 1, 3, k)) }, 300, 1e-5, 1e-2},
	} {
		closed := tc.closed(0).ToDense()
		e10 := relErr(tc.iter(10).ToDense(), closed)
		eK := relErr(tc.iter(tc.k).ToDense(), closed)
		if eK > tc.tol || eK >= e10 {
			t.Errorf("%s: relative error %g at K=10, %g at K=%d; want < %g and decreasing", tc.name, e10, eK, tc.k, tc.tol)
		}
	}
}

// Oracle 3: the closed forms are stationary points of the objectives they
// minimise: the analytic residual F(Z−H) + ξL̃Z vanishes (float64), and
// the autodiff gradient of the objective is ~0 at Z* (relative to its size
// at Z = H).
func TestStationarity(t *testing.T) {
	t.Parallel()
	must := mustT(t)
	g := smallGraph(t, KeepSelfLoops)
	a := g.NormAdj()
	lap := g.Laplacian()
	h := randH(4, g.NumNodes(), 3)
	xi := 1/tAlpha - 1
	lfK, hfK := LFKernel(a, tMu), HFKernel(a, tBeta)
	objectives := []struct {
		name string
		z    *tensor.Tensor
		obj  func(z *tensor.Tensor) (*tensor.Tensor, error)
	}{
		{"PPNP", must(PPNP(a, h, tAlpha, nil)), func(z *tensor.Tensor) (*tensor.Tensor, error) {
			return Objective(lap, z, h, nil, nil, 1, xi)
		}},
		{"LF", must(LFClosed(a, h, tAlpha, tMu, nil)), func(z *tensor.Tensor) (*tensor.Tensor, error) {
			return FittedObjective(lap, z, h, lfK, 1, xi)
		}},
		{"HF", must(HFClosed(a, h, tAlpha, tBeta, nil)), func(z *tensor.Tensor) (*tensor.Tensor, error) {
			return FittedObjective(lap, z, h, hfK, 1, xi)
		}},
		{"JKNet", must(JKNet(a, h, 2, nil)), func(z *tensor.Tensor) (*tensor.Tensor, error) {
			return Objective(lap, z, h, nil, a, 1, 2)
		}},
		{"DAGNN", must(DAGNN(a, h, 2, nil)), func(z *tensor.Tensor) (*tensor.Tensor, error) {
			return Objective(lap, z, h, nil, nil, 1, 2)
		}},
		{"PPNP as FittedObjective(M=I)", must(PPNP(a, h, tAlpha, nil)), func(z *tensor.Tensor) (*tensor.Tensor, error) {
			return FittedObjective(lap, z, h, nil, 1, xi)
		}},
	}
	gradNorm := func(obj func(*tensor.Tensor) (*tensor.Tensor, error), z *tensor.Tensor) (float64, float64) {
		z = z.Clone().SetRequiresGrad(true)
		o, err := obj(z)
		if err != nil {
			t.Fatal(err)
		}
		o.Backward()
		return mat.Norm(z.Grad().ToDense(), 2), float64(o.Item())
	}
	for _, tc := range objectives {
		atOpt, oOpt := gradNorm(tc.obj, tc.z)
		atH, oH := gradNorm(tc.obj, h.Clone().Add(randH(9, h.Dim(0), h.Dim(1)).MulScalar(0.1)))
		if atOpt > 1e-5*atH || oOpt > oH {
			t.Errorf("%s: ‖∇O(Z*)‖ = %g vs %g nearby; O(Z*) = %g vs %g", tc.name, atOpt, atH, oOpt, oH)
		}
	}
	// Analytic residual in float64 for LF and HF.
	ahat := dense64(a)
	l := comb(1, -1, ahat)
	for _, tc := range []struct {
		name string
		z    *tensor.Tensor
		f    *mat.Dense
	}{
		{"LF", objectives[1].z, comb(tMu, 1-tMu, ahat)},
		{"HF", objectives[2].z, comb(1, tBeta, l)},
	} {
		var d, r, s mat.Dense
		d.Sub(tc.z.ToDense(), h.ToDense())
		r.Mul(tc.f, &d)
		s.Mul(l, tc.z.ToDense())
		s.Scale(xi, &s)
		r.Add(&r, &s)
		if res := mat.Norm(&r, math.Inf(1)) / mat.Norm(h.ToDense(), math.Inf(1)); res > 1e-6 {
			t.Errorf("%s: stationarity residual %g", tc.name, res)
		}
	}
	// SGC/GCN (ζ = 0, ξ = 1): Z = √d̃ 1ᵀ satisfies Z = ÂZ, so ∇O = 2L̃Z = 0.
	n := g.NumNodes()
	zs := make([]float32, n)
	for i, d := range g.Degree() {
		zs[i] = float32(math.Sqrt(d + 1))
	}
	gn, _ := gradNorm(func(z *tensor.Tensor) (*tensor.Tensor, error) {
		return Objective(lap, z, h.Narrow(1, 0, 1), nil, nil, 0, 1)
	}, tensor.New(zs, n, 1))
	if gn > 1e-5 {
		t.Errorf("SGC: ‖∇O‖ = %g at Z = √d̃, want 0", gn)
	}
}

// Oracle 5: spectral filter values: P v = g(λ) v for the eigenvectors of
// L̃, and the formulas at the spec's Cora eigenvalues.
func TestSpectralFilters(t *testing.T) {
	t.Parallel()
	must := mustT(t)
	g := smallGraph(t, DropSelfLoops)
	a := g.NormAdj()
	n := g.NumNodes()
	var es mat.EigenSym
	if !es.Factorize(mat.NewSymDense(n, comb(1, -1, dense64(a)).RawMatrix().Data), true) {
		t.Fatal("eigendecomposition failed")
	}
	lambda := es.Values(nil)
	var v mat.Dense
	es.VectorsTo(&v)
	vt := tensor.FromDense(&v)
	for _, tc := range []struct {
		name string
		z    *tensor.Tensor
		g    Filter
	}{
		{"PPNP", must(PPNP(a, vt, tAlpha, nil)), PPNPFilter(tAlpha)},
		{"LF", must(LFClosed(a, vt, tAlpha, tMu, nil)), LFFilter(tAlpha, tMu)},
		{"HF", must(HFClosed(a, vt, tAlpha, tBeta, nil)), HFFilter(tAlpha, tBeta)},
		{"LF α=0.3 μ=0.5", must(LFClosed(a, vt, 0.3, 0.5, nil)), LFFilter(0.3, 0.5)},
	} {
		for j := 0; j < n; j++ {
			want := tc.g(lambda[j])
			for i := 0; i < n; i++ {
				if d := math.Abs(float64(tc.z.At(i, j)) - want*v.At(i, j)); d > 1e-6 {
					t.Errorf("%s: eigenvalue %g: (Pv)_%d = %g, want g(λ)v = %g", tc.name, lambda[j], i, tc.z.At(i, j), want*v.At(i, j))
				}
			}
		}
	}
	// The spec's measured values on Cora (λ rounded to 4 digits there).
	for _, tc := range []struct{ lambda, lf, hf float64 }{
		{0.0358, 0.755499, 0.761965}, {0.7382, 0.122345, 0.200327}, {1.4826, 0.060001, 0.148894},
	} {
		if lf, hf := LFFilter(0.1, 0.9)(tc.lambda), HFFilter(0.1, 0.9)(tc.lambda); math.Abs(lf-tc.lf) > 3e-4 || math.Abs(hf-tc.hf) > 3e-4 {
			t.Errorf("λ=%g: g_LF %g, g_HF %g, want %g, %g", tc.lambda, lf, hf, tc.lf, tc.hf)
		}
	}
	for _, f := range []Filter{PPNPFilter(0.2), LFFilter(0.2, 0.7), HFFilter(0.2, 2)} {
		if f(0) != 1 {
			t.Errorf("g(0) = %g, want 1", f(0))
		}
	}
}

func TestParameterErrors(t *testing.T) {
	t.Parallel()
	g := smallGraph(t, DropSelfLoops)
	a, lap := g.NormAdj(), g.Laplacian()
	h := randH(5, g.NumNodes(), 2)
	nan := math.NaN()
	cases := map[string]func() error{
		"Power K=-1":        func() error { _, err := Power(a, h, -1); return err },
		"PPNP α=0":          func() error { _, err := PPNP(a, h, 0, nil); return err },
		"PPNP α=1.5":        func() error { _, err := PPNP(a, h, 1.5, nil); return err },
		"PPNP α=NaN":        func() error { _, err := PPNP(a, h, nan, nil); return err },
		"APPNP K=-1":        func() error { _, err := APPNP(a, h, 0.1, -1); return err },
		"APPNP α=-0.1":      func() error { _, err := APPNP(a, h, -0.1, 3); return err },
		"LFClosed μ=0.4":    func() error { _, err := LFClosed(a, h, 0.1, 0.4, nil); return err },
		"LFClosed μ=1.1":    func() error { _, err := LFClosed(a, h, 0.1, 1.1, nil); return err },
		"LFClosed α=2/3":    func() error { _, err := LFClosed(a, h, 2.0/3, 0.9, nil); return err },
		"LFClosed α=0":      func() error { _, err := LFClosed(a, h, 0, 0.9, nil); return err },
		"LFIter α=0.7":      func() error { _, err := LFIter(a, h, 0.7, 0.9, 10); return err },
		"LFIter K=-2":       func() error { _, err := LFIter(a, h, 0.1, 0.9, -2); return err },
		"HFClosed β=-1":     func() error { _, err := HFClosed(a, h, 0.1, -1, nil); return err },
		"HFClosed β=Inf":    func() error { _, err := HFClosed(a, h, 0.1, math.Inf(1), nil); return err },
		"HFClosed α=1.01":   func() error { _, err := HFClosed(a, h, 1.01, 0.9, nil); return err },
		"HFIter α=0":        func() error { _, err := HFIter(a, h, 0, 0.9, 10); return err },
		"HFIter K=-1":       func() error { _, err := HFIter(a, h, 0.1, 0.9, -1); return err },
		"JKNet ξ=0":         func() error { _, err := JKNet(a, h, 0, nil); return err },
		"DAGNN ξ=-1":        func() error { _, err := DAGNN(a, h, -1, nil); return err },
		"Objective ζ=1.5":   func() error { _, err := Objective(lap, h, h, nil, nil, 1.5, 1); return err },
		"Objective ξ=-1":    func() error { _, err := Objective(lap, h, h, nil, nil, 1, -1); return err },
		"Fitted ζ=-0.1":     func() error { _, err := FittedObjective(lap, h, h, nil, -0.1, 1); return err },
		"Fitted ξ=NaN":      func() error { _, err := FittedObjective(lap, h, h, nil, 1, nan); return err },
		"Solve indefinite":  func() error { _, err := Solve(a, 0, -1, h, nil); return err },
		"Solve MaxIter=1":   func() error { _, err := Solve(a, 1, -0.99, h, &SolveOptions{Tol: 1e-12, MaxIter: 1}); return err },
		"Solve random walk": func() error { _, err := Solve(g.RandomWalk(), 1, -0.5, h, nil); return err },
		"PPNP asymmetric pattern": func() error {
			m, _ := tensor.CSRFromCOO(7, 7, []int{0}, []int{1}, []float32{0.5})
			_, err := PPNP(m, h, 0.1, nil)
			return err
		},
		"Solve Tol<0": func() error { _, err := Solve(a, 1, -0.5, h, &SolveOptions{Tol: -1}); return err },
	}
	for name, f := range cases {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "graph") {
			t.Errorf("%s: error %q does not name the package", name, err)
		}
	}
	// Boundaries the paper allows are accepted.
	for name, f := range map[string]func() error{
		"PPNP α=1":      func() error { _, err := PPNP(a, h, 1, nil); return err },
		"LF μ=0.5":      func() error { _, err := LFClosed(a, h, 0.6, 0.5, nil); return err },
		"HF α=1 β=100":  func() error { _, err := HFClosed(a, h, 1, 100, nil); return err },
		"Objective ξ=0": func() error { _, err := Objective(lap, h, h, nil, nil, 0, 0); return err },
		"Power K=0":     func() error { _, err := Power(a, h, 0); return err },
	} {
		if err := f(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Shape mismatches are programmer errors: they panic.
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "graph.PPNP") {
				t.Errorf("PPNP with wrong rows: panic %v", r)
			}
		}()
		_, _ = PPNP(a, randH(1, 3, 2), 0.1, nil)
	}()
}

// Every propagation is differentiable in H (the closed forms through a
// second solve in the backward pass).
func TestGradients(t *testing.T) {
	t.Parallel()
	g := smallGraph(t, KeepSelfLoops)
	a, lap := g.NormAdj(), g.Laplacian()
	h := randH(6, g.NumNodes(), 2)
	wrap := func(f func(x *tensor.Tensor) (*tensor.Tensor, error)) func(in ...*tensor.Tensor) *tensor.Tensor {
		return func(in ...*tensor.Tensor) *tensor.Tensor {
			z, err := f(in[0])
			if err != nil {
				t.Fatal(err)
			}
			return z
		}
	}
	for name, f := range map[string]func(x *tensor.Tensor) (*tensor.Tensor, error){
		"Power":    func(x *tensor.Tensor) (*tensor.Tensor, error) { return Power(a, x, 3) },
		"PPNP":     func(x *tensor.Tensor) (*tensor.Tensor, error) { return PPNP(a, x, 0.2, nil) },
		"APPNP":    func(x *tensor.Tensor) (*tensor.Tensor, error) { return APPNP(a, x, 0.2, 4) },
		"LFClosed": func(x *tensor.Tensor) (*tensor.Tensor, error) { return LFClosed(a, x, 0.2, 0.7, nil) },
		"LFIter":   func(x *tensor.Tensor) (*tensor.Tensor, error) { return LFIter(a, x, 0.2, 0.7, 4) },
		"HFClosed": func(x *tensor.Tensor) (*tensor.Tensor, error) { return HFClosed(a, x, 0.2, 0.7, nil) },
		"HFIter":   func(x *tensor.Tensor) (*tensor.Tensor, error) { return HFIter(a, x, 0.2, 0.7, 4) },
		"JKNet":    func(x *tensor.Tensor) (*tensor.Tensor, error) { return JKNet(a, x, 2, nil) },
		"DAGNN":    func(x *tensor.Tensor) (*tensor.Tensor, error) { return DAGNN(a, x, 2, nil) },
		"Solve":    func(x *tensor.Tensor) (*tensor.Tensor, error) { return Solve(a, 2, 0.5, x, nil) },
		"Objective(Z)": func(x *tensor.Tensor) (*tensor.Tensor, error) {
			return Objective(lap, x, h, a, lap, 0.7, 3)
		},
		"FittedObjective(Z)": func(x *tensor.Tensor) (*tensor.Tensor, error) {
			return FittedObjective(lap, x, h, LFKernel(a, 0.8), 1, 4)
		},
	} {
		t.Run(name, func(t *testing.T) {
			tensortest.GradCheck(t, wrap(f), h.Clone())
		})
	}
}
