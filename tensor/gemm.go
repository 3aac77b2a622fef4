package tensor

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// This file is the matrix-multiplication driver behind MatMul, Linear and
// the convolutions: a packed, cache-blocked, parallel sgemm in the manner
// of GotoBLAS and BLIS.
//
// # Blocking
//
// For each block of nc columns of C (jc loop) and each block of kc steps of
// the inner dimension (pc loop), op(B)'s kc×nc block is packed into
// micro-panels of nr columns (kc×nr each, zero-padded at the right edge).
// Then, for each chunk of mc rows of C (ic loop), op(A)'s mc×kc block is
// packed into micro-panels of mr rows (kc×mr each, zero-padded at the
// bottom), and the micro-kernel computes one mr×nr tile of C from one A
// and one B micro-panel: a B micro-panel stays in L1 while the A
// micro-panels of the chunk stream from L2. The kernel keeps the tile in
// registers, sums over the kc steps in order, and then updates C once:
// c = alpha·acc + beta·c for the first k block (beta = 0 writes without
// reading C, so NaNs there are overwritten), c = alpha·acc + c for the
// later ones.
//
// # Parallelism
//
// Products under gemmParallelMin multiply-adds run on the calling
// goroutine, without allocating. Larger ones use at most GOMAXPROCS
// goroutines through parallelFor: with enough rows, all k blocks of op(B)
// are packed by the goroutines together, then each takes a range of A
// micro-panels (rows of C) through every k block; with few rows, each
// takes a range of B micro-panels (columns of C), packing its own part of
// op(B) and all of op(A). Either way a call starts at most two rounds of
// goroutines.
//
// # Determinism
//
// Each element of C is the same sequence of operations whatever tile,
// goroutine or edge path computes it: the kernel sums its kc products from
// zero in k order, edge tiles run the same instructions with masked loads
// and stores, and the k blocks depend only on k and the kernel. Work is
// split over rows or columns of C, never over k, so the result does not
// depend on GOMAXPROCS. Different kernels (AVX-512, AVX2, pure Go) may
// round differently.
//
// # Zeros and non-finite values
//
// As gonum's Sgemm did for MatMul, a zero in op(A) contributes nothing,
// even against an Inf or NaN in op(B): packing op(B) notes non-finite
// values, and such a k×n block is computed by a scalar path that skips the
// zeros of op(A). A zero in op(B) against an Inf in op(A) gives NaN, as in
// PyTorch.

// gemmKernel is a micro-kernel with its register tile and cache blocks.
type gemmKernel struct {
	name   string
	mr, nr int // register tile: rows of A, columns of B
	kc     int // largest k block
	mc     int // rows of A packed at once (a multiple of mr)
	nc     int // columns of B packed at once (a multiple of nr)
	// micro sets c[i*ldc+j], for i < rows ≤ mr and j < cols ≤ nr, to
	// alpha·Σ_l a[l*mr+i]·b[l*nr+j] + beta·c[i*ldc+j], the sum over
	// l < kc taken from zero in order; beta == 0 writes without reading c.
	// a and b are packed micro-panels of kc·mr and kc·nr values.
	micro func(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols int)
}

// gemmGo is the pure-Go kernel, the fallback everywhere.
var gemmGo = &gemmKernel{name: "go", mr: 4, nr: 4, kc: 256, mc: 128, nc: 4096, micro: microGo}

// gemmKernels lists the kernels this CPU can run, fastest first;
// gemmKern is the one in use (tests switch it to cover every path).
var (
	gemmKernels = archGemmKernels()
	gemmKern    = gemmKernels[0]
)

// gemmParallelMin is the least number of multiply-adds (m·n·k) that is
// worth more than one goroutine.
const gemmParallelMin = 1 << 20

// gemm computes c = alpha·op(a)·op(b) + beta·c for row-major matrices,
// with BLAS's sgemm semantics: op(a) is m×k (a is k×m, transposed, when
// transA), op(b) is k×n, c is m×n, and lda, ldb, ldc are the row lengths as
// stored. beta == 0 overwrites c without reading it; k == 0 or alpha == 0
// only scales c by beta. It panics if a leading dimension is smaller than
// its matrix's row or a slice too short for its matrix (empty matrices are
// not checked).
func gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmWith(runtime.GOMAXPROCS(0), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmWith is gemm on at most maxWorkers goroutines: callers that are
// already parallel (a convolution's loop over samples) pass 1 to run on
// the calling goroutine. The result does not depend on maxWorkers.
func gemmWith(maxWorkers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmCheck(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleRows(m, n, beta, c, ldc)
		return
	}
	kern := gemmKern
	// k blocks of equal size (the last may be shorter by less than their
	// number): they depend only on k and the kernel.
	kb := (k + kern.kc - 1) / kern.kc
	kc := (k + kb - 1) / kb
	workers := 1
	if m*n*k >= gemmParallelMin {
		workers = min(maxWorkers, m*n*k/(gemmParallelMin/2))
	}
	g := gemmArgs{kern: kern, transA: transA, transB: transB, m: m, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
	mp := (m + kern.mr - 1) / kern.mr
	for jc := 0; jc < n; jc += kern.nc {
		g.jc, g.nc = jc, min(kern.nc, n-jc)
		np := (g.nc + kern.nr - 1) / kern.nr
		size := kc * np * kern.nr // one packed k block of B
		switch {
		case workers <= 1:
			bp := getPack(size)
			g.bp = *bp
			for p := 0; p < kb; p++ {
				g.block(p, kc, beta)
				if g.packB(0, np) {
					g.scalarBlock(0, m, 0, np)
					continue
				}
				g.rows(0, mp)
			}
			putPack(bp)
		case mp >= 2*workers:
			// Split over rows of C. All k blocks of B are packed first,
			// together, then each goroutine packs its own rows of A and
			// runs through the k blocks: two rounds of goroutines per
			// call.
			bp := getPack(kb * size)
			pg := new(gemmArgs) // the goroutines' copy; g itself stays on the stack
			*pg = g
			bad := make([]atomic.Bool, kb)
			parallelFor(kb*np, max(1, kb*np/workers), func(lo, hi int) {
				h := *pg
				for t := lo; t < hi; t++ {
					p, q := t/np, t%np
					h.block(p, kc, beta)
					h.bp = (*bp)[p*size : (p+1)*size]
					if h.packB(q, q+1) {
						bad[p].Store(true)
					}
				}
			})
			parallelFor(mp, 1, func(lo, hi int) {
				h := *pg
				for p := 0; p < kb; p++ {
					h.block(p, kc, beta)
					h.bp = (*bp)[p*size : (p+1)*size]
					if bad[p].Load() {
						h.scalarBlock(lo*kern.mr, min(hi*kern.mr, m), 0, np)
						continue
					}
					h.rows(lo, hi)
				}
			})
			putPack(bp)
		default:
			// Few rows: split over columns. Each goroutine packs its
			// columns of B and all of A, in one round of goroutines.
			bp := getPack(size)
			pg := new(gemmArgs)
			*pg = g
			pg.bp = *bp
			parallelFor(np, 1, func(lo, hi int) {
				h := *pg
				for p := 0; p < kb; p++ {
					h.block(p, kc, beta)
					if !h.finite() {
						// The whole block goes the scalar way whatever
						// the split, for the same bits.
						h.scalarBlock(0, m, lo, hi)
						continue
					}
					h.packB(lo, hi)
					h.cols(lo, hi)
				}
			})
			putPack(bp)
		}
	}
}

// gemmKBlock returns the size of the k blocks gemm splits an inner
// dimension k into (all but the last; it depends only on k and the
// kernel): a product with inner dimension k equals, bit for bit, the sum
// of products over consecutive pieces of this size, the first with the
// caller's beta and the others with beta 1.
func gemmKBlock(k int) int {
	kc := gemmKern.kc
	kb := max(1, (k+kc-1)/kc)
	return max(1, (k+kb-1)/kb)
}

// block sets the k block p (of kc steps) as the current one, with beta
// for the first block and 1 for the others.
func (g *gemmArgs) block(p, kc int, beta float32) {
	g.pc = p * kc
	g.kcb = min(kc, g.k-g.pc)
	g.kcs = kc
	g.beta = 1
	if p == 0 {
		g.beta = beta
	}
}

// gemmArgs carries one gemm call through its blocks.
type gemmArgs struct {
	kern           *gemmKernel
	transA, transB bool
	m, k           int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	jc, nc, pc     int // current block: columns jc..jc+nc, k steps pc..pc+kcb
	kcb            int
	kcs            int       // k steps of a full block: B micro-panel q starts at q·kcs·nr in bp
	bp             []float32 // packed B block
}

// gemmCheck panics unless the dimensions and slices fit.
func gemmCheck(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	switch {
	case m < 0 || n < 0 || k < 0:
		panic(fmt.Sprintf("tensor: gemm: negative size m=%d n=%d k=%d", m, n, k))
	case ar > 0 && ac > 0 && (lda < ac || la < (ar-1)*lda+ac):
		panic(fmt.Sprintf("tensor: gemm: a has %d values and lda=%d, need a %d×%d matrix", la, lda, ar, ac))
	case br > 0 && bc > 0 && (ldb < bc || lb < (br-1)*ldb+bc):
		panic(fmt.Sprintf("tensor: gemm: b has %d values and ldb=%d, need a %d×%d matrix", lb, ldb, br, bc))
	case m > 0 && n > 0 && (ldc < n || lc < (m-1)*ldc+n):
		panic(fmt.Sprintf("tensor: gemm: c has %d values and ldc=%d, need a %d×%d matrix", lc, ldc, m, n))
	}
}

// scaleRows sets c = beta·c on an m×n matrix; beta == 0 writes zeros.
func scaleRows(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// rows computes the current block for the A micro-panels lo..hi (rows
// lo·mr to hi·mr of C), packing A in chunks of mc rows.
func (g *gemmArgs) rows(lo, hi int) {
	kern := g.kern
	mr, nr := kern.mr, kern.nr
	step := kern.mc / mr
	ap := getPack(g.kcb * min(step, hi-lo) * mr)
	defer putPack(ap)
	np := (g.nc + nr - 1) / nr
	for p0 := lo; p0 < hi; p0 += step {
		p1 := min(p0+step, hi)
		g.packA(*ap, p0, p1)
		g.tiles(*ap, p0, p1, 0, np)
	}
}

// cols computes the current block for the B micro-panels lo..hi and all
// rows of C.
func (g *gemmArgs) cols(lo, hi int) {
	mp := (g.m + g.kern.mr - 1) / g.kern.mr
	ap := getPack(g.kcb * mp * g.kern.mr)
	defer putPack(ap)
	g.packA(*ap, 0, mp)
	g.tiles(*ap, 0, mp, lo, hi)
}

// tiles runs the micro-kernel over A micro-panels p0..p1 (packed in ap
// from panel p0 on) and B micro-panels q0..q1 of the packed B block.
func (g *gemmArgs) tiles(ap []float32, p0, p1, q0, q1 int) {
	kern := g.kern
	mr, nr, kc := kern.mr, kern.nr, g.kcb
	for q := q0; q < q1; q++ {
		bq := g.bp[q*g.kcs*nr : q*g.kcs*nr+kc*nr]
		j := g.jc + q*nr
		cols := min(nr, g.jc+g.nc-j)
		for p := p0; p < p1; p++ {
			i := p * mr
			rows := min(mr, g.m-i)
			kern.micro(kc, ap[(p-p0)*kc*mr:(p-p0+1)*kc*mr], bq, g.c[i*g.ldc+j:], g.ldc, g.alpha, g.beta, rows, cols)
		}
	}
}

// packA packs rows p0·mr..p1·mr of op(A)'s current k block into dst, one
// kc×mr micro-panel per mr rows (value (i, l) at l·mr + i), zero-padding
// rows past m.
func (g *gemmArgs) packA(dst []float32, p0, p1 int) {
	mr, kc := g.kern.mr, g.kcb
	for p := p0; p < p1; p++ {
		d := dst[(p-p0)*kc*mr : (p-p0+1)*kc*mr]
		i0 := p * mr
		rows := min(mr, g.m-i0)
		if rows < mr {
			clear(d)
		}
		if g.transA {
			// op(A)[i][l] = a[l*lda+i]: mr consecutive values per l.
			for l := 0; l < kc; l++ {
				src := g.a[(g.pc+l)*g.lda+i0:]
				copy(d[l*mr:l*mr+rows], src[:rows])
			}
			continue
		}
		interleave(d, mr, g.a[i0*g.lda+g.pc:], g.lda, rows, kc)
	}
}

// packB packs B micro-panels lo..hi of op(B)'s current kc×nc block into
// g.bp (value (l, j) of panel q at q·kcs·nr + l·nr + j), zero-padding
// columns past the block. It reports whether it met an Inf or NaN.
func (g *gemmArgs) packB(lo, hi int) bool {
	nr, kc := g.kern.nr, g.kcb
	bad := false
	for q := lo; q < hi; q++ {
		// A fixed stride, so that goroutines packing different panels of
		// different k blocks (of kc or fewer steps) never overlap.
		d := g.bp[q*g.kcs*nr : q*g.kcs*nr+kc*nr]
		j0 := g.jc + q*nr
		cols := min(nr, g.jc+g.nc-j0)
		if cols < nr {
			clear(d)
		}
		if g.transB {
			// op(B)[l][j] = b[j*ldb+l]: a row of b per column.
			src := g.b[j0*g.ldb+g.pc:]
			interleave(d, nr, src, g.ldb, cols, kc)
			for jj := 0; jj < cols; jj++ {
				bad = bad || anyNonFinite(src[jj*g.ldb:jj*g.ldb+kc])
			}
			continue
		}
		src := g.b[g.pc*g.ldb+j0:]
		if cols == nr {
			bad = packCopy(d, src, g.ldb, kc, nr) || bad
			continue
		}
		for l := 0; l < kc; l++ {
			row := src[l*g.ldb : l*g.ldb+cols]
			copy(d[l*nr:l*nr+cols], row)
			bad = bad || anyNonFinite(row)
		}
	}
	return bad
}

// interleave sets d[l*w+r] = src[r*ld+l] for r < rows and l < kc: the
// first kc values of rows rows of src become the columns of a kc×w panel.
func interleave(d []float32, w int, src []float32, ld, rows, kc int) {
	d = d[:kc*w]
	if interleaveFast(d, w, src, ld, rows, kc) {
		return
	}
	if rows == 6 && w == 6 {
		// The AVX2 kernel's full A micro-panel, in one pass.
		s0 := src[:kc]
		s1 := src[ld : ld+kc]
		s2 := src[2*ld : 2*ld+kc]
		s3 := src[3*ld : 3*ld+kc]
		s4 := src[4*ld : 4*ld+kc]
		s5 := src[5*ld : 5*ld+kc]
		for l, v := range s0 {
			o := d[l*6 : l*6+6 : l*6+6]
			o[0], o[1], o[2], o[3], o[4], o[5] = v, s1[l], s2[l], s3[l], s4[l], s5[l]
		}
		return
	}
	r := 0
	for ; r+4 <= rows; r += 4 {
		s0 := src[r*ld : r*ld+kc]
		s1 := src[(r+1)*ld : (r+1)*ld+kc]
		s2 := src[(r+2)*ld : (r+2)*ld+kc]
		s3 := src[(r+3)*ld : (r+3)*ld+kc]
		for l, v := range s0 {
			o := d[l*w+r : l*w+r+4 : l*w+r+4]
			o[0], o[1], o[2], o[3] = v, s1[l], s2[l], s3[l]
		}
	}
	for ; r < rows; r++ {
		for l, v := range src[r*ld : r*ld+kc] {
			d[l*w+r] = v
		}
	}
}

// packCopyGo copies kc rows of w values, ld apart in src, into d, and
// reports whether it met an Inf or NaN.
func packCopyGo(d, src []float32, ld, kc, w int) bool {
	bad := false
	for l := 0; l < kc; l++ {
		row := src[l*ld : l*ld+w]
		copy(d[l*w:l*w+w], row)
		bad = bad || anyNonFinite(row)
	}
	return bad
}

// anyNonFiniteGo reports whether x holds an Inf or NaN: their exponent
// bits are all set, so adding one to the exponent carries into the sign.
func anyNonFiniteGo(x []float32) bool {
	var m uint32
	for _, v := range x {
		m |= math.Float32bits(v)&0x7f800000 + 0x00800000
	}
	return m&0x80000000 != 0
}

// finite reports whether op(B)'s current block has only finite values.
func (g *gemmArgs) finite() bool {
	if g.transB {
		for j := g.jc; j < g.jc+g.nc; j++ {
			if anyNonFinite(g.b[j*g.ldb+g.pc : j*g.ldb+g.pc+g.kcb]) {
				return false
			}
		}
		return true
	}
	for l := g.pc; l < g.pc+g.kcb; l++ {
		if anyNonFinite(g.b[l*g.ldb+g.jc : l*g.ldb+g.jc+g.nc]) {
			return false
		}
	}
	return true
}

// scalarBlock computes the current block for rows i0..i1 and the
// columns of B micro-panels q0..q1 without packing, skipping zeros of
// op(A): the path for blocks of op(B) that hold an Inf or NaN.
func (g *gemmArgs) scalarBlock(i0, i1, q0, q1 int) {
	j0, j1 := g.jc+q0*g.kern.nr, min(g.jc+q1*g.kern.nr, g.jc+g.nc)
	for i := i0; i < i1; i++ {
		for j := j0; j < j1; j++ {
			var acc float32
			for l := g.pc; l < g.pc+g.kcb; l++ {
				var av, bv float32
				if g.transA {
					av = g.a[l*g.lda+i]
				} else {
					av = g.a[i*g.lda+l]
				}
				if av == 0 {
					continue
				}
				if g.transB {
					bv = g.b[j*g.ldb+l]
				} else {
					bv = g.b[l*g.ldb+j]
				}
				acc += av * bv
			}
			p := &g.c[i*g.ldc+j]
			if g.beta == 0 {
				*p = g.alpha * acc
			} else {
				*p = g.alpha*acc + g.beta**p
			}
		}
	}
}

// Pack buffers are reused through a pool and aligned to 64 bytes (a cache
// line, and the width of an AVX-512 load).
var packPool sync.Pool

func getPack(n int) *[]float32 {
	p, _ := packPool.Get().(*[]float32)
	if p == nil {
		p = new([]float32)
	}
	if cap(*p) < n {
		buf := make([]float32, n+16)
		off := int((64 - uintptr(unsafe.Pointer(&buf[0]))%64) % 64 / 4)
		*p = buf[off : off+n : off+n]
	}
	*p = (*p)[:n]
	return p
}

func putPack(p *[]float32) { packPool.Put(p) }

// microGo is the pure-Go micro-kernel: a 4×4 tile held in 16 scalars.
func microGo(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols int) {
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	a = a[:kc*4]
	b = b[:kc*4]
	for l := 0; l < kc; l++ {
		av := a[l*4 : l*4+4 : l*4+4]
		bv := b[l*4 : l*4+4 : l*4+4]
		a0, a1, a2, a3 := av[0], av[1], av[2], av[3]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	acc := [4][4]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	}
	for i := 0; i < rows; i++ {
		row := c[i*ldc : i*ldc+cols]
		for j := range row {
			t := alpha * acc[i][j]
			if beta == 0 {
				row[j] = t
			} else {
				row[j] = beta*row[j] + t
			}
		}
	}
}
