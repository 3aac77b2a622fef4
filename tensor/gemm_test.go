package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
)

// CAIRN_GEMM_KERNEL=avx512|avx2|go runs this package's whole test binary
// (every MatMul, Linear and convolution test) on that gemm kernel; the
// gemm tests below cover every kernel the CPU has in any case. In other
// packages, GODEBUG=cpu.avx512f=off (and cpu.avx2=off) hides a path.
func init() {
	name := os.Getenv("CAIRN_GEMM_KERNEL")
	if name == "" {
		return
	}
	for _, k := range gemmKernels {
		if k.name == name {
			gemmKern = k
			return
		}
	}
	panic(fmt.Sprintf("CAIRN_GEMM_KERNEL=%s: not available here (have %s)", name, gemmKernelNames()))
}

func gemmKernelNames() string {
	var names []string
	for _, k := range gemmKernels {
		names = append(names, k.name)
	}
	return strings.Join(names, ",")
}

// gemmGo12x32 is a test-only pure-Go kernel with the AVX-512 kernel's
// tile and blocks, so the driver's packing for that geometry is tested on
// every machine, with or without AVX-512.
var gemmGo12x32 = &gemmKernel{name: "go12x32", mr: 12, nr: 32, kc: 256, mc: 384, nc: 4096,
	micro: func(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols int) {
		var acc [12][32]float32
		for l := 0; l < kc; l++ {
			for i := 0; i < 12; i++ {
				for j := 0; j < 32; j++ {
					acc[i][j] += a[l*12+i] * b[l*32+j]
				}
			}
		}
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				p := &c[i*ldc+j]
				if beta == 0 {
					*p = alpha * acc[i][j]
				} else {
					*p = beta**p + alpha*acc[i][j]
				}
			}
		}
	}}

// forEachKernel runs f as a subtest on every kernel this CPU supports,
// and on gemmGo12x32.
func forEachKernel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, k := range append(gemmKernels[:len(gemmKernels):len(gemmKernels)], gemmGo12x32) {
		t.Run(k.name, func(t *testing.T) {
			defer func(old *gemmKernel) { gemmKern = old }(gemmKern)
			gemmKern = k
			f(t)
		})
	}
}

// gemmCase is one product with its operands laid out as stored.
type gemmCase struct {
	ta, tb        bool
	m, n, k       int
	lda, ldb, ldc int
	alpha, beta   float32
	a, b, c       []float32
}

// newGemmCase draws operands with pad extra columns in every leading
// dimension; c starts random (or NaN where beta is 0).
func newGemmCase(rng *rand.Rand, ta, tb bool, m, n, k, pad int, alpha, beta float32) *gemmCase {
	g := &gemmCase{ta: ta, tb: tb, m: m, n: n, k: k, alpha: alpha, beta: beta}
	ar, ac := m, k
	if ta {
		ar, ac = k, m
	}
	br, bc := k, n
	if tb {
		br, bc = n, k
	}
	g.lda, g.ldb, g.ldc = ac+pad, bc+pad, n+pad
	fill := func(rows, ld int) []float32 {
		x := make([]float32, rows*ld)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	g.a, g.b, g.c = fill(ar, g.lda), fill(br, g.ldb), fill(m, g.ldc)
	if beta == 0 {
		for i := range g.c {
			g.c[i] = float32(math.NaN())
		}
	}
	return g
}

func (g *gemmCase) opA(i, l int) float32 {
	if g.ta {
		return g.a[l*g.lda+i]
	}
	return g.a[i*g.lda+l]
}

func (g *gemmCase) opB(l, j int) float32 {
	if g.tb {
		return g.b[j*g.ldb+l]
	}
	return g.b[l*g.ldb+j]
}

// run computes the product with gemm into a copy of c and checks it
// against a float64 reference, elementwise within a bound on float32
// rounding; the padding of c must be untouched.
func (g *gemmCase) run(t *testing.T) []float32 {
	t.Helper()
	got := append([]float32(nil), g.c...)
	gemm(g.ta, g.tb, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, got, g.ldc)
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.ldc; j++ {
			p := i*g.ldc + j
			if j >= g.n {
				if math.Float32bits(got[p]) != math.Float32bits(g.c[p]) {
					t.Fatalf("%v: padding c[%d][%d] changed from %v to %v", g, i, j, g.c[p], got[p])
				}
				continue
			}
			var sum, mag float64
			for l := 0; l < g.k; l++ {
				v := float64(g.opA(i, l)) * float64(g.opB(l, j))
				sum += v
				mag += math.Abs(v)
			}
			want := float64(g.alpha) * sum
			mag *= math.Abs(float64(g.alpha))
			if g.beta != 0 {
				want += float64(g.beta) * float64(g.c[p])
				mag += math.Abs(float64(g.beta) * float64(g.c[p]))
			}
			tol := 1e-6*float64(g.k+2)*mag + 1e-30
			if d := math.Abs(float64(got[p]) - want); !(d <= tol) {
				t.Fatalf("%v: c[%d][%d] = %v, want %v (tolerance %g)", g, i, j, got[p], want, tol)
			}
		}
	}
	return got
}

func (g *gemmCase) String() string {
	return fmt.Sprintf("gemm(transA=%v, transB=%v, m=%d, n=%d, k=%d, alpha=%v, lda=%d, ldb=%d, beta=%v, ldc=%d) on %s",
		g.ta, g.tb, g.m, g.n, g.k, g.alpha, g.lda, g.ldb, g.beta, g.ldc, gemmKern.name)
}

var transposes = [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}

// Every size 1..17 on every side, every transpose combination, with
// alpha and beta drawn from {1, 0.5, -2} × {0, 1, 0.25} and leading
// dimensions 0 to 2 larger than the rows.
func TestGemmSmallSizes(t *testing.T) {
	alphas := []float32{1, 0.5, -2}
	betas := []float32{0, 1, 0.25}
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		i := 0
		for _, tr := range transposes {
			for m := 1; m <= 17; m++ {
				for n := 1; n <= 17; n++ {
					for k := 1; k <= 17; k++ {
						i++
						newGemmCase(rng, tr[0], tr[1], m, n, k, i%3, alphas[i%3], betas[(i/3)%3]).run(t)
					}
				}
			}
		}
	})
}

// Sizes that cross the kernel's register tiles and cache blocks (k above
// kc, rows above mc, columns above nc), serial and parallel.
func TestGemmBlocks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		k := gemmKern
		sizes := [][3]int{
			{k.mr + 1, k.nr + 1, k.kc + 1},
			{2*k.mr - 1, 3*k.nr - 1, 2*k.kc + 3},
			{k.mc + k.mr + 1, 2*k.nr + 3, 37},
			{3, k.nc + k.nr + 5, 9},
			{130, 150, 60}, // parallel over rows
			{5, 2000, 120}, // parallel over columns
			{50, 400, 270}, // parallel, k split in two blocks
		}
		for _, s := range sizes {
			for _, tr := range transposes {
				newGemmCase(rng, tr[0], tr[1], s[0], s[1], s[2], 1, 1.5, 0.5).run(t)
			}
		}
	})
}

// Empty products: m or n zero touch nothing; k zero (or alpha zero)
// scales C by beta, beta zero overwriting NaNs.
func TestGemmDegenerate(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, beta := range []float32{0, 1, -3} {
			for _, tr := range transposes {
				newGemmCase(rng, tr[0], tr[1], 4, 5, 0, 2, 1, beta).run(t)
				newGemmCase(rng, tr[0], tr[1], 7, 3, 6, 1, 0, beta).run(t)
			}
		}
		c := []float32{1, 2}
		gemm(false, false, 0, 2, 3, 1, nil, 3, make([]float32, 6), 2, 0, c, 2)
		gemm(false, false, 1, 0, 3, 1, make([]float32, 3), 3, nil, 1, 0, c, 1)
		gemm(false, false, 0, 0, 0, 1, nil, 0, nil, 0, 0, nil, 0)
		if c[0] != 1 || c[1] != 2 {
			t.Errorf("gemm with m or n zero changed c to %v", c)
		}
		// k = 0 with zero leading dimensions, as MatMul passes them.
		c = []float32{float32(math.NaN()), 5}
		gemm(false, false, 1, 2, 0, 1, nil, 0, nil, 2, 0, c, 2)
		if c[0] != 0 || c[1] != 0 {
			t.Errorf("k = 0, beta = 0: c = %v, want zeros", c)
		}
	})
}

// beta = 0 overwrites NaN and Inf in C; beta = 1 adds to C.
func TestGemmBeta(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		a := []float32{1, 2, 3, 4} // 2×2
		b := []float32{5, 6, 7, 8}
		nan, inf := float32(math.NaN()), float32(math.Inf(1))
		c := []float32{nan, inf, -inf, nan}
		gemm(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2)
		want := []float32{19, 22, 43, 50}
		for i := range want {
			if c[i] != want[i] {
				t.Fatalf("beta=0: c = %v, want %v", c, want)
			}
		}
		gemm(false, false, 2, 2, 2, 1, a, 2, b, 2, 1, c, 2)
		for i := range want {
			if c[i] != 2*want[i] {
				t.Fatalf("beta=1: c = %v, want %v", c, want)
			}
		}
	})
}

// A zero in op(A) contributes nothing against an Inf or NaN in op(B), in
// the serial and both parallel paths; a zero in op(B) against an Inf in
// op(A) gives NaN.
func TestGemmZeroTimesNonFinite(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, s := range [][3]int{{3, 4, 5}, {200, 100, 60}, {3, 3000, 200}} {
			for _, tr := range transposes {
				g := newGemmCase(rng, tr[0], tr[1], s[0], s[1], s[2], 0, 1, 0)
				// Row 1 of op(A) is zero at l = 2, where row 2 of op(B) is Inf
				// in column 0 and NaN in column 1.
				set := func(x []float32, ld int, tr bool, r, c int, v float32) {
					if tr {
						r, c = c, r
					}
					x[r*ld+c] = v
				}
				set(g.a, g.lda, g.ta, 1, 2, 0)
				set(g.b, g.ldb, g.tb, 2, 0, float32(math.Inf(1)))
				set(g.b, g.ldb, g.tb, 2, 1, float32(math.NaN()))
				got := append([]float32(nil), g.c...)
				gemm(g.ta, g.tb, g.m, g.n, g.k, 1, g.a, g.lda, g.b, g.ldb, 0, got, g.ldc)
				for j := 0; j < 2; j++ {
					var want float64
					for l := 0; l < g.k; l++ {
						if l != 2 {
							want += float64(g.opA(1, l)) * float64(g.opB(l, j))
						}
					}
					if d := math.Abs(float64(got[g.ldc+j]) - want); !(d < 1e-4*float64(g.k)) {
						t.Fatalf("%v: c[1][%d] = %v, want %v", g, j, got[g.ldc+j], want)
					}
					if v := got[j]; !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
						t.Fatalf("%v: c[0][%d] = %v, want Inf or NaN", g, j, v)
					}
				}
				// Columns without a non-finite value are still right.
				for j := 2; j < g.n; j++ {
					var want float64
					for l := 0; l < g.k; l++ {
						want += float64(g.opA(1, l)) * float64(g.opB(l, j))
					}
					if d := math.Abs(float64(got[g.ldc+j]) - want); !(d < 1e-4*float64(g.k)) {
						t.Fatalf("%v: c[1][%d] = %v, want %v", g, j, got[g.ldc+j], want)
					}
				}
			}
		}
		// Inf in op(A) times a zero in op(B) is NaN.
		c := []float32{0}
		gemm(false, false, 1, 1, 1, 1, []float32{float32(math.Inf(1))}, 1, []float32{0}, 1, 0, c, 1)
		if !math.IsNaN(float64(c[0])) {
			t.Errorf("[[Inf]]·[[0]] = %v, want NaN", c[0])
		}
	})
}

// The same bits whatever GOMAXPROCS is, and whichever tile (full or edge)
// computes an element: a product shifted by some rows and columns, so that
// its elements fall in other tiles, gives the same bits as the matching
// part of the whole.
func TestGemmDeterministic(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, tr := range transposes {
			g := newGemmCase(rng, tr[0], tr[1], 100, 301, 300, 0, 1, 0.5)
			prod := func(procs, di, dj int) []float32 {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				c := append([]float32(nil), g.c...)
				a, b := g.a[di*g.lda:], g.b[dj:]
				if g.ta {
					a = g.a[di:]
				}
				if g.tb {
					b = g.b[dj*g.ldb:]
				}
				gemm(g.ta, g.tb, g.m-di, g.n-dj, g.k, g.alpha, a, g.lda, b, g.ldb, g.beta, c[di*g.ldc+dj:], g.ldc)
				return c
			}
			one := prod(1, 0, 0)
			for _, v := range []struct{ procs, di, dj int }{{2, 0, 0}, {3, 0, 0}, {1, 1, 5}, {2, 7, 3}} {
				got := prod(v.procs, v.di, v.dj)
				for i := v.di; i < g.m; i++ {
					for j := v.dj; j < g.n; j++ {
						if p := i*g.ldc + j; math.Float32bits(got[p]) != math.Float32bits(one[p]) {
							t.Fatalf("%v, GOMAXPROCS %d, offset (%d, %d): c[%d][%d] = %v, want %v as with 1 thread and no offset",
								g, v.procs, v.di, v.dj, i, j, got[p], one[p])
						}
					}
				}
			}
		}
	})
}

// Every kernel agrees with the others within float32 rounding.
func TestGemmKernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	g := newGemmCase(rng, false, false, 100, 120, 700, 0, 1, 0)
	var ref []float32
	forEachKernel(t, func(t *testing.T) {
		got := g.run(t)
		if ref == nil {
			ref = got
			return
		}
		for i := range got {
			if d := math.Abs(float64(got[i] - ref[i])); d > 1e-3 {
				t.Fatalf("c[%d] = %v on %s, %v on %s", i, got[i], gemmKern.name, ref[i], gemmKernels[0].name)
			}
		}
	})
}

func TestGemmPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"short a", func() {
			gemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}, "a has 3 values"},
		{"small ldb", func() {
			gemm(false, true, 2, 3, 2, 1, make([]float32, 4), 2, make([]float32, 9), 1, 0, make([]float32, 6), 3)
		}, "ldb=1"},
		{"short c", func() {
			gemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
		}, "c has 3 values"},
		{"negative", func() { gemm(false, false, -1, 2, 2, 1, nil, 2, nil, 2, 0, nil, 2) }, "negative size"},
	} {
		func() {
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.Contains(msg, tc.want) {
					t.Errorf("%s: panic %v, want one containing %q", tc.name, r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}

// TestGemmKernelInUse reports the kernels found and the one in use (see
// it with -v).
func TestGemmKernelInUse(t *testing.T) {
	t.Logf("gemm kernels: %s; in use: %s", gemmKernelNames(), gemmKern.name)
}

// anyNonFinite finds an Inf or NaN at every position of slices of every
// length up to 40 (the vector body and the scalar tail), and nothing in
// finite values at the edges of the range.
func TestAnyNonFinite(t *testing.T) {
	finite := []float32{0, float32(math.Copysign(0, -1)), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 1}
	bad := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for n := 0; n <= 40; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = finite[i%len(finite)]
		}
		if anyNonFinite(x) {
			t.Fatalf("anyNonFinite(%v) = true", x)
		}
		for i := range x {
			for _, v := range bad {
				old := x[i]
				x[i] = v
				if !anyNonFinite(x) {
					t.Fatalf("len %d: %v at %d not found", n, v, i)
				}
				x[i] = old
			}
		}
	}
}

// TestConvChunksMatchWholeProduct checks that the convolutions, which
// build the column matrix a chunk at a time, give bit for bit the results
// of one product over the whole column matrix.
func TestConvChunksMatchWholeProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	randv := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = rng.Float32()*2 - 1
		}
		return v
	}
	// 12·5·5 = 300 rows: two k blocks of 150, and chunks of 48 rows.
	g := &convGeom{c: 12, h: 30, w: 30, kh: 5, kw: 5, sh: 1, sw: 1, ph: 2, pw: 2, dh: 1, dw: 1, oh: 30, ow: 30, groups: 1}
	const o = 7
	kg, L := g.rows(), g.cols()
	if gemmKBlock(kg) >= kg || convChunk(L) >= kg {
		t.Fatalf("geometry does not exercise the chunks: k block %d, chunk %d, rows %d", gemmKBlock(kg), convChunk(L), kg)
	}
	img, w, gy := randv(g.imgSize()), randv(o*kg), randv(o*L)
	col := make([]float32, kg*L)
	im2colRows(g, img, col, 0, kg)

	want := make([]float32, o*L)
	gemm(false, false, o, L, kg, 1, w, kg, col, L, 0, want, L)
	got := make([]float32, o*L)
	convCols(g, 1, o, img, w, got)
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("convCols[%d] = %v, whole product %v", i, got[i], want[i])
		}
	}

	wantW := make([]float32, o*kg)
	gemm(false, true, o, kg, L, 1, gy, L, col, L, 1, wantW, kg)
	gotW := convWeightGrad(g, 1, o, img, gy)
	for i := range wantW {
		if math.Float32bits(gotW[i]) != math.Float32bits(wantW[i]) {
			t.Fatalf("convWeightGrad[%d] = %v, whole product %v", i, gotW[i], wantW[i])
		}
	}

	gcol := make([]float32, kg*L)
	gemm(true, false, kg, L, o, 1, w, kg, gy, L, 0, gcol, L)
	wantX := make([]float32, g.imgSize())
	col2imRows(g, gcol, wantX, 0, kg)
	gotX := make([]float32, g.imgSize())
	convImgs(g, 1, o, gy, w, gotX)
	for i := range wantX {
		if math.Float32bits(gotX[i]) != math.Float32bits(wantX[i]) {
			t.Fatalf("convImgs[%d] = %v, whole product %v", i, gotX[i], wantX[i])
		}
	}
}

// TestInterleave checks interleave (with its AVX2 transposes where they
// apply) against its definition, d[l*w+r] = src[r*ld+l] for r < rows
// (rows ≤ w; the other values are left alone).
func TestInterleave(t *testing.T) {
	for _, w := range []int{4, 6, 8, 16, 32} {
		for _, rows := range []int{1, w - 1, w} {
			for _, kc := range []int{1, 7, 8, 19, 64} {
				ld := kc + 3
				src := make([]float32, rows*ld)
				for i := range src {
					src[i] = float32(i)
				}
				d := make([]float32, kc*w)
				interleave(d, w, src, ld, rows, kc)
				for l := 0; l < kc; l++ {
					for r := 0; r < w; r++ {
						want := float32(0)
						if r < rows {
							want = src[r*ld+l]
						}
						if d[l*w+r] != want {
							t.Fatalf("w=%d rows=%d kc=%d: d[%d·w+%d] = %v, want %v", w, rows, kc, l, r, d[l*w+r], want)
						}
					}
				}
			}
		}
	}
}

// TestIm2colDefinition checks im2colRows and col2imRows (over row ranges)
// against their definitions on several geometries, including the
// stride-1 "same" ones whose rows are copied as one block.
func TestIm2colDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, g := range []convGeom{
		{c: 3, h: 7, w: 6, kh: 3, kw: 5, sh: 1, sw: 1, ph: 1, pw: 2, dh: 1, dw: 1},
		{c: 2, h: 9, w: 9, kh: 5, kw: 5, sh: 1, sw: 1, ph: 2, pw: 2, dh: 1, dw: 1},
		{c: 2, h: 8, w: 7, kh: 3, kw: 2, sh: 2, sw: 1, ph: 1, pw: 0, dh: 1, dw: 2},
		{c: 2, h: 8, w: 9, kh: 2, kw: 3, sh: 1, sw: 2, ph: 0, pw: 1, dh: 2, dw: 1},
		{c: 1, h: 5, w: 40, kh: 1, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1},
		{c: 1, h: 4, w: 4, kh: 3, kw: 3, sh: 1, sw: 1, ph: 2, pw: 2, dh: 2, dw: 2},
	} {
		g.oh = convOut(g.h, g.kh, g.sh, g.ph, g.dh)
		g.ow = convOut(g.w, g.kw, g.sw, g.pw, g.dw)
		g.groups = 1
		rows, L := g.rows(), g.cols()
		img := make([]float32, g.imgSize())
		for i := range img {
			img[i] = rng.Float32() + 1 // nonzero, so a missed zero shows
		}
		cols := make([]float32, rows*L)
		for i := range cols {
			cols[i] = rng.Float32()
		}
		// The tap of row r and column p, or -1 in the padding.
		tap := func(r, p int) int {
			ci, ki, kj := r/(g.kh*g.kw), r/g.kw%g.kh, r%g.kw
			ih, iw := p/g.ow*g.sh-g.ph+ki*g.dh, p%g.ow*g.sw-g.pw+kj*g.dw
			if ih < 0 || ih >= g.h || iw < 0 || iw >= g.w {
				return -1
			}
			return (ci*g.h+ih)*g.w + iw
		}
		wantX := make([]float64, len(img))
		for r := 0; r < rows; r++ {
			for p := 0; p < L; p++ {
				if k := tap(r, p); k >= 0 {
					wantX[k] += float64(cols[r*L+p])
				}
			}
		}
		gotX := make([]float32, len(img))
		for r0 := 0; r0 < rows; r0 += 4 {
			r1 := min(r0+4, rows)
			col := make([]float32, (r1-r0)*L)
			for i := range col {
				col[i] = float32(math.NaN()) // every value must be written
			}
			im2colRows(&g, img, col, r0, r1)
			for r := r0; r < r1; r++ {
				for p := 0; p < L; p++ {
					want := float32(0)
					if k := tap(r, p); k >= 0 {
						want = img[k]
					}
					if got := col[(r-r0)*L+p]; got != want {
						t.Fatalf("%+v: im2col row %d column %d = %v, want %v", g, r, p, got, want)
					}
				}
			}
			copy(col, cols[r0*L:r1*L])
			col2imRows(&g, col, gotX, r0, r1)
		}
		for i := range gotX {
			if math.Abs(float64(gotX[i])-wantX[i]) > 1e-5*max(1, math.Abs(wantX[i])) {
				t.Fatalf("%+v: col2im[%d] = %v, want %v", g, i, gotX[i], wantX[i])
			}
		}
	}
}
