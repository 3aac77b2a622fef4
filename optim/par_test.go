package optim

import (
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

func TestParCoversEachElementOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, n := range []int{0, 1, grain - 1, 2 * grain, 3*grain + 7, 10 * grain} {
		hits := make([]int32, n)
		var calls atomic.Int32
		p := newPar(func(lo, hi int) {
			calls.Add(1)
			for i := lo; i < hi; i++ {
				atomic.AddInt32(&hits[i], 1)
			}
		})
		for range 2 { // the second run reuses the tasks
			clear(hits)
			calls.Store(0)
			p.run(n)
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("n=%d: element %d updated %d times", n, i, h)
				}
			}
			if want := max(1, min(4, n/grain)); int(calls.Load()) != want {
				t.Errorf("n=%d: %d calls, want %d", n, calls.Load(), want)
			}
		}
	}
}

func TestParRepanics(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	p := newPar(func(lo, hi int) {
		if lo > 0 {
			panic("boom in a worker")
		}
	})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "boom") {
			t.Errorf("recovered %v", r)
		}
		// The par is usable again.
		p.kernel = func(lo, hi int) {}
		p.run(4 * grain)
	}()
	p.run(4 * grain)
}
