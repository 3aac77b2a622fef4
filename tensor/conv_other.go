//go:build !amd64 || !gc || purego

package tensor

// copyRows sets dst[i*ldd+j] = src[i*lds+j] for i < rows, j < n.
func copyRows(dst []float32, ldd int, src []float32, lds int, rows, n int) {
	copyRowsGo(dst, ldd, src, lds, rows, n)
}

// addRows sets dst[i*ldd+j] += src[i*lds+j] for i < rows, j < n.
func addRows(dst []float32, ldd int, src []float32, lds int, rows, n int) {
	addRowsGo(dst, ldd, src, lds, rows, n)
}
