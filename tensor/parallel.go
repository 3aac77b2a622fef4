package tensor

import (
	"runtime"
	"sync"
)

// parallelFor calls f on consecutive ranges [lo, hi) that cover [0, n),
// using at most GOMAXPROCS goroutines and at least grain items per range.
// Each item is handled by exactly one call, so a kernel that computes each
// item on its own gives the same bits whatever the number of goroutines.
// A panic in a worker is re-raised in the caller's goroutine.
func parallelFor(n, grain int, f func(lo, hi int)) {
	if grain < 1 {
		grain = 1
	}
	workers := min(runtime.GOMAXPROCS(0), n/grain)
	if workers <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		panicked any
	)
	chunk := (n + workers - 1) / workers
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					panicked = r
					mu.Unlock()
				}
			}()
			f(lo, hi)
		}()
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				mu.Lock()
				panicked = r
				mu.Unlock()
			}
		}()
		f(0, min(chunk, n))
	}()
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}

// grain sizes: the least work worth a goroutine, in elements.
const (
	grainElementwise = 1 << 14
	grainTranscend   = 1 << 12 // exp, log, tanh...: more work per element
)
