//go:build !amd64 || !gc || purego

package tensor

// archGemmKernels lists the kernels for this build: the pure-Go one.
func archGemmKernels() []*gemmKernel { return []*gemmKernel{gemmGo} }

// packCopy copies kc rows of w values, ld apart in src, into d, and
// reports whether it met an Inf or NaN.
func packCopy(d, src []float32, ld, kc, w int) bool { return packCopyGo(d, src, ld, kc, w) }

// anyNonFinite reports whether x holds an Inf or NaN.
func anyNonFinite(x []float32) bool { return anyNonFiniteGo(x) }

// interleaveFast reports false: this build has no faster interleave.
func interleaveFast(d []float32, w int, src []float32, ld, rows, kc int) bool { return false }

// addFloats sets dst[i] += src[i] for i < len(dst).
func addFloats(dst, src []float32) { addTo(dst, src) }
