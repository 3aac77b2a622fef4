//go:build amd64 && gc && !purego

package tensor

import (
	"os"

	"golang.org/x/sys/cpu"
)

// gemmAVX512 holds a 12×32 tile of C in 24 zmm registers (12 rows of two
// 16-float vectors); each k step loads two vectors of B, broadcasts 12
// values of A and issues 24 FMAs. A B micro-panel (kc·32 floats, 32 KiB)
// stays in L1 and A chunks of mc rows (384 KiB) in L2.
var gemmAVX512 = &gemmKernel{name: "avx512", mr: 12, nr: 32, kc: 256, mc: 384, nc: 4096, micro: microAVX512}

// gemmAVX2 holds a 6×16 tile of C in 12 ymm registers (6 rows of two
// 8-float vectors); each k step loads two vectors of B, broadcasts 6
// values of A and issues 12 FMAs. A B micro-panel (16 KiB) stays in L1 and
// A chunks of mc rows (168 KiB) in L2.
var gemmAVX2 = &gemmKernel{name: "avx2", mr: 6, nr: 16, kc: 256, mc: 168, nc: 4080, micro: microAVX2}

// avx512OptIn enables the AVX-512 kernel. It has been checked against an
// emulation of its instructions but not yet run on AVX-512 hardware (the
// development machines so far were AVX2-only), so it is used only when the
// environment sets CAIRN_GEMM_AVX512=1 on a CPU that has AVX-512; its tests
// then run too. Until it has been verified there, AVX-512 machines use the
// AVX2 kernel.
var avx512OptIn = os.Getenv("CAIRN_GEMM_AVX512") == "1"

// archGemmKernels lists the kernels the CPU and OS support, fastest first.
// GODEBUG=cpu.avx512f=off (or cpu.avx2=off) hides a path, through
// golang.org/x/sys/cpu.
func archGemmKernels() []*gemmKernel {
	var ks []*gemmKernel
	if avx512OptIn && cpu.X86.HasAVX512F && cpu.X86.HasAVX2 {
		ks = append(ks, gemmAVX512)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, gemmAVX2)
	}
	return append(ks, gemmGo)
}

// packCopy copies kc rows of w values, ld apart in src, into d, and
// reports whether it met an Inf or NaN.
func packCopy(d, src []float32, ld, kc, w int) bool {
	if !hasAVX2 || w%8 != 0 {
		return packCopyGo(d, src, ld, kc, w)
	}
	_, _ = d[kc*w-1], src[(kc-1)*ld+w-1]
	return packCopyAVX2(&d[0], &src[0], ld, kc, w/8)
}

var hasAVX2 = cpu.X86.HasAVX2

// anyNonFinite reports whether x holds an Inf or NaN.
func anyNonFinite(x []float32) bool {
	n := len(x) &^ 7
	if !hasAVX2 || n == 0 {
		return anyNonFiniteGo(x)
	}
	return nonFiniteAVX2(&x[0], n/8) || anyNonFiniteGo(x[n:])
}

func microAVX512(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols int) {
	_, _ = a[kc*12-1], b[kc*32-1]
	_ = c[(rows-1)*ldc+cols-1]
	mask := uint32(uint64(1)<<cols - 1)
	sgemmAVX512(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, rows, mask)
}

func microAVX2(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols int) {
	_, _ = a[kc*6-1], b[kc*16-1]
	_ = c[(rows-1)*ldc+cols-1]
	sgemmAVX2(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, rows, cols)
}

// sgemmAVX512 is the 12×32 micro-kernel: kc ≥ 1 steps, a and b packed
// micro-panels, c the tile's first element with row length ldc, rows in
// 1..12, and mask's low and high 16 bits the columns 0..15 and 16..31 to
// write.
//
//go:noescape
func sgemmAVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows int, mask uint32)

// sgemmAVX2 is the 6×16 micro-kernel: kc ≥ 1 steps, rows in 1..6, cols in
// 1..16.
//
//go:noescape
func sgemmAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols int)

// packCopyAVX2 copies kc rows of nv·8 floats, ld floats apart in src, to
// consecutive rows of dst, and reports whether any was an Inf or NaN.
//
//go:noescape
func packCopyAVX2(dst, src *float32, ld, kc, nv int) bool

// nonFiniteAVX2 reports whether the nv·8 floats at x hold an Inf or NaN.
//
//go:noescape
func nonFiniteAVX2(x *float32, nv int) bool

// interleaveFast does interleave's work with 8×8 AVX2 transposes when the
// panel is full and its width a multiple of 8 (the B micro-panels of a
// transposed op(B)), and reports whether it did; the values are only
// moved, so the result is the same.
func interleaveFast(d []float32, w int, src []float32, ld, rows, kc int) bool {
	if !hasAVX2 || w%8 != 0 || rows != w || kc < 8 {
		return false
	}
	_, _ = d[kc*w-1], src[(rows-1)*ld+kc-1]
	k8 := kc &^ 7
	for r := 0; r < rows; r += 8 {
		transpose8AVX2(&d[r], w, &src[r*ld], ld, k8/8)
	}
	for r := 0; r < rows; r++ {
		for l := k8; l < kc; l++ {
			d[l*w+r] = src[r*ld+l]
		}
	}
	return true
}

// transpose8AVX2 transposes n 8×8 blocks: dst[(8b+i)·ldd + r] =
// src[r·lds + 8b + i] for b < n and i, r < 8.
//
//go:noescape
func transpose8AVX2(dst *float32, ldd int, src *float32, lds int, n int)

// addFloats sets dst[i] += src[i] for i < len(dst) (src at least as
// long): one addition per element, as addTo.
func addFloats(dst, src []float32) {
	n := len(dst) &^ 7
	if !hasAVX2 || n == 0 {
		addTo(dst, src)
		return
	}
	_ = src[len(dst)-1]
	addAVX2(&dst[0], &src[0], n/8)
	addTo(dst[n:], src[n:len(dst)])
}

// addAVX2 sets dst[i] += src[i] for i < nv·8.
//
//go:noescape
func addAVX2(dst, src *float32, nv int)
