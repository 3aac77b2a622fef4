//go:build amd64 && gc && !purego

package tensor

// copyRows sets dst[i*ldd+j] = src[i*lds+j] for i < rows, j < n: the
// short row copies of im2col, without a call to memmove per row.
func copyRows(dst []float32, ldd int, src []float32, lds int, rows, n int) {
	if rows <= 0 || n <= 0 {
		return
	}
	if !hasAVX2 {
		copyRowsGo(dst, ldd, src, lds, rows, n)
		return
	}
	_, _ = dst[(rows-1)*ldd+n-1], src[(rows-1)*lds+n-1]
	copyRowsAVX2(&dst[0], ldd, &src[0], lds, rows, n)
}

// addRows sets dst[i*ldd+j] += src[i*lds+j] for i < rows, j < n: the short
// row additions of col2im.
func addRows(dst []float32, ldd int, src []float32, lds int, rows, n int) {
	if rows <= 0 || n <= 0 {
		return
	}
	if !hasAVX2 {
		addRowsGo(dst, ldd, src, lds, rows, n)
		return
	}
	_, _ = dst[(rows-1)*ldd+n-1], src[(rows-1)*lds+n-1]
	addRowsAVX2(&dst[0], ldd, &src[0], lds, rows, n)
}

//go:noescape
func copyRowsAVX2(dst *float32, ldd int, src *float32, lds int, rows, n int)

//go:noescape
func addRowsAVX2(dst *float32, ldd int, src *float32, lds int, rows, n int)
