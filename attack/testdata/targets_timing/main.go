// Command targets_timing measures the training speed of the MNIST target
// models: it runs TrainClassifier on the full MNIST training set for a few
// batches of 128, cancels, and extrapolates to seconds per epoch.
//
//	GOMAXPROCS=2 go run ./attack/testdata/targets_timing -batches 200
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/cairn-ml/cairn/attack"
	"github.com/cairn-ml/cairn/data"
)

func main() {
	batches := flag.Int("batches", 200, "batches to time per model (after 2 warm-up batches)")
	models := flag.String("models", "A,B,C", "models to time")
	adv := flag.String("adv", "none", "adversarial training: none, fgsm or pgd")
	flag.Parse()
	dir, err := data.MNISTDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	train, _, err := data.LoadMNIST(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	method := map[string]attack.AdvMethod{"none": attack.NoAdversarial, "fgsm": attack.AdvFGSM, "pgd": attack.AdvPGD}[*adv]
	for _, name := range strings.Split(*models, ",") {
		rng := rand.New(rand.NewPCG(1, 2))
		m, err := attack.NewModel(name, rng)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var start time.Time
		var cpu0 time.Duration
		var perEpoch int
		var loss float64
		cfg := attack.TrainConfig{Epochs: 1, BatchSize: 128, LR: 1e-3, Adversarial: method, Eps: 0.3,
			Progress: func(p attack.TrainProgress) {
				perEpoch, loss = p.StepsPerEpoch, p.EpochLoss
				if p.Step == 2 {
					start, cpu0 = time.Now(), cpuTime()
				}
				if p.Step == 2+*batches {
					cancel()
				}
			}}
		_, err = attack.TrainClassifier(ctx, m, train, cfg, rng)
		el, cpu := time.Since(start), cpuTime()-cpu0
		cancel()
		if err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		per := el.Seconds() / float64(*batches)
		fmt.Printf("model %s (%s): %d batches of 128 in %.1f s = %.3f s/batch → %.0f s per epoch (%d batches); CPU %.1f s = %.0f CPU-s per epoch; loss %.3f\n",
			name, *adv, *batches, el.Seconds(), per, per*float64(perEpoch), perEpoch, cpu.Seconds(), cpu.Seconds()/float64(*batches)*float64(perEpoch), loss)
	}
}

// cpuTime returns the user and system CPU time of the process so far; on a
// machine shared with other work, CPU time / GOMAXPROCS is a better estimate
// of the unshared wall time than the wall time itself.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
