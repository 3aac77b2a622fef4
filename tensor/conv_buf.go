package tensor

import "sync"

// convBufs recycles the column-matrix scratch of the convolutions, so that
// a training step does not allocate (and the runtime does not clear) a
// fresh buffer for every call and goroutine.
var convBufs sync.Pool

// getConvBuf returns a scratch slice of n values (contents undefined);
// give it back with putConvBuf.
func getConvBuf(n int) *[]float32 {
	if p, ok := convBufs.Get().(*[]float32); ok {
		if cap(*p) >= n {
			*p = (*p)[:n]
			return p
		}
	}
	s := make([]float32, n)
	return &s
}

// putConvBuf returns a slice from getConvBuf to the pool.
func putConvBuf(p *[]float32) { convBufs.Put(p) }

// copyRowsGo is the portable copyRows.
func copyRowsGo(dst []float32, ldd int, src []float32, lds int, rows, n int) {
	for i := 0; i < rows; i++ {
		d, s := dst[i*ldd:i*ldd+n], src[i*lds:i*lds+n]
		for j, v := range s {
			d[j] = v
		}
	}
}

// addRowsGo is the portable addRows.
func addRowsGo(dst []float32, ldd int, src []float32, lds int, rows, n int) {
	for i := 0; i < rows; i++ {
		d, s := dst[i*ldd:i*ldd+n], src[i*lds:i*lds+n]
		for j, v := range s {
			d[j] += v
		}
	}
}
