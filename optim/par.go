package optim

import (
	"runtime"
	"sync"
)

// grain is the fewest elements a goroutine of an update gets: below it,
// starting a goroutine costs more than it saves.
const grain = 1 << 14

// par splits an elementwise update over up to GOMAXPROCS goroutines
// without allocating once it has run: kernel is a method value bound at
// construction that reads its operands from its receiver, and the task
// closures are made once and reused. Each element is updated by exactly
// one goroutine, so results do not depend on the number of goroutines. A
// panic in a worker is re-raised in the caller's goroutine. A par is used
// by one Step at a time (optimizers are not safe for concurrent use).
type par struct {
	kernel func(lo, hi int)

	n, chunk int
	tasks    []func()
	wg       sync.WaitGroup
	mu       sync.Mutex
	panicked any
}

func newPar(kernel func(lo, hi int)) *par { return &par{kernel: kernel} }

// run calls kernel over [0, n).
func (p *par) run(n int) {
	w := min(runtime.GOMAXPROCS(0), n/grain)
	if w <= 1 {
		p.kernel(0, n)
		return
	}
	for k := len(p.tasks); k < w; k++ {
		p.tasks = append(p.tasks, func() {
			defer p.wg.Done()
			defer p.catch()
			lo := k * p.chunk
			p.kernel(lo, min(lo+p.chunk, p.n))
		})
	}
	p.n, p.chunk = n, (n+w-1)/w
	p.wg.Add(w - 1)
	for k := 1; k < w; k++ {
		go p.tasks[k]()
	}
	func() {
		defer p.catch()
		p.kernel(0, p.chunk)
	}()
	p.wg.Wait()
	if r := p.panicked; r != nil {
		p.panicked = nil
		panic(r)
	}
}

func (p *par) catch() {
	if r := recover(); r != nil {
		p.mu.Lock()
		p.panicked = r
		p.mu.Unlock()
	}
}
