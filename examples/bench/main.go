// Bench runs the workloads of ../shared/bench/torch_bench.py with cairn's
// tensor, nn and optim packages (same shapes, same definitions) and prints
// one JSON line per workload and thread count on stdout, in that script's
// field names, so the two outputs can be compared side by side:
//
//	go run ./examples/bench -threads 1            # every workload, 1 thread
//	go run ./examples/bench -threads 1,2 -only mlp,matmul
//	go run ./examples/bench -quick                # smoke test
//	go run ./examples/bench -list                 # workload names
//
// Each thread count t sets runtime.GOMAXPROCS(t) for the whole run of the
// workload. The timing is the script's: warm up (at least 3 iterations and
// 0.3 s), calibrate an inner count so that one sample takes about 0.1 s,
// wait up to -max-wait seconds for a quiet machine, then take samples until
// there are -min-samples quiet ones and -min-seconds have passed (or
// -max-seconds have passed). A sample is quiet when other processes used
// less than 0.3 CPU during it (Linux /proc/stat minus our own getrusage).
// Times are per iteration.
//
// Every record carries a "checksum": the loss (training workloads, the
// APPNP backward) or the sum of the output after the third step of a fresh
// instance, before any timing, so it does not depend on the inner count and
// can be compared between thread counts and kernel paths (GEMM kernels,
// -tags purego). Progress goes to stderr; stdout holds JSON only.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// peakGFLOPSPerCore is torch_bench.py's PEAK_GFLOPS_PER_CORE (64 FLOP per
// cycle at 3.5 GHz, an AVX-512 Zen 5 core), kept so that peak_frac_median
// means the same in both outputs.
const peakGFLOPSPerCore = 64 * 3.5

// checkSteps is the number of steps of a fresh instance before the
// checksum is read.
const checkSteps = 3

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(2)
	}
}

type options struct {
	threads   []int
	only      []string
	tm        timing
	list      bool
	noEnv     bool
	checkOnly bool
	capacity  string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	threads := fs.String("threads", "1,2", "comma-separated thread counts (GOMAXPROCS for each)")
	only := fs.String("only", "", "comma-separated substrings; run workloads whose name matches any")
	o := &options{tm: timing{targetS: 0.1}}
	fs.IntVar(&o.tm.minSamples, "min-samples", 15, "quiet samples to take at least")
	fs.Float64Var(&o.tm.minSeconds, "min-seconds", 3, "seconds to sample at least")
	fs.Float64Var(&o.tm.maxSeconds, "max-seconds", 25, "stop sampling after this even if too few quiet samples")
	fs.Float64Var(&o.tm.maxWait, "max-wait", 20, "seconds to wait at most for a quiet machine before sampling")
	quick := fs.Bool("quick", false, "5 samples, 0.5 s minimum, 3 s maximum (smoke test)")
	fs.BoolVar(&o.list, "list", false, "print the workload names and exit")
	fs.BoolVar(&o.noEnv, "no-env", false, "do not print the environment line")
	fs.BoolVar(&o.checkOnly, "checksum-only", false, "print each workload's checksum without timing it (to compare kernel paths)")
	fs.StringVar(&o.capacity, "capacity", "", "path of torch_bench.py's peak/capacity program, run before and after each timing (empty: skip)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *quick {
		o.tm.minSamples, o.tm.minSeconds, o.tm.maxSeconds = 5, 0.5, 3
	}
	for _, s := range strings.Split(*threads, ",") {
		t, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || t < 1 {
			return nil, fmt.Errorf("-threads: %q is not a positive integer", s)
		}
		o.threads = append(o.threads, t)
	}
	for _, s := range strings.Split(*only, ",") {
		if s != "" {
			o.only = append(o.only, s)
		}
	}
	if o.tm.minSamples < 1 {
		return nil, fmt.Errorf("-min-samples %d: need at least 1", o.tm.minSamples)
	}
	return o, nil
}

func (o *options) selected(name string) bool {
	if len(o.only) == 0 {
		return true
	}
	for _, s := range o.only {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

func run(args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.list {
		for _, w := range workloads {
			fmt.Fprintln(stdout, w.name)
		}
		return nil
	}
	enc := json.NewEncoder(stdout)
	if !o.noEnv {
		env := map[string]any{}
		for _, kv := range os.Environ() {
			if strings.HasPrefix(kv, "CAIRN_") || strings.HasPrefix(kv, "GO") {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		}
		load, _ := os.ReadFile("/proc/loadavg")
		if err := enc.Encode(map[string]any{
			"name": "_env", "go": runtime.Version(), "goos": runtime.GOOS, "goarch": runtime.GOARCH,
			"num_cpu": runtime.NumCPU(), "gomaxprocs_default": runtime.GOMAXPROCS(0), "env": env,
			"loadavg": strings.TrimSpace(string(load)), "peak_gflops_per_core_assumed": peakGFLOPSPerCore,
		}); err != nil {
			return err
		}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, w := range workloads {
		if !o.selected(w.name) {
			continue
		}
		for _, t := range o.threads {
			runtime.GOMAXPROCS(t)
			start := time.Now()
			fmt.Fprintf(stderr, "%s threads=%d ...", w.name, t)
			rec := runOne(w, t, o)
			if med, ok := rec["median_s"].(float64); ok {
				fmt.Fprintf(stderr, " median %.4g ms (%d samples, %.1f s)\n", med*1e3, rec["samples"], time.Since(start).Seconds())
			} else {
				fmt.Fprintf(stderr, " checksum %v\n", rec["checksum"])
			}
			if err := enc.Encode(rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// runOne builds a fresh instance of w, reads its checksum after checkSteps
// steps, times it (unless o.checkOnly) and returns its record.
func runOne(w workload, threads int, o *options) map[string]any {
	in := w.make()
	for range checkSteps {
		in.step()
	}
	check := in.check()
	rec := map[string]any{"name": w.name, "threads": threads, "framework": "cairn", "go": runtime.Version()}
	setChecksum(rec, check)
	if o.checkOnly {
		return rec
	}
	rec["capacity_before"] = capacity(o.capacity, threads)
	samples, k, waited := measure(in.step, o.tm)
	rec["capacity_after"] = capacity(o.capacity, threads)
	med, best := summarize(rec, samples, k, waited)
	if in.unit != "" {
		rec["throughput_unit"] = in.unit
		rec["throughput_median"] = in.items / med
		rec["throughput_best"] = in.items / best
	}
	if in.flops > 0 {
		peak := peakGFLOPSPerCore * float64(threads)
		rec["flops_per_iter"] = in.flops
		rec["gflops_median"] = in.flops / med / 1e9
		rec["gflops_best"] = in.flops / best / 1e9
		rec["peak_gflops"] = peak
		rec["peak_frac_median"] = in.flops / med / 1e9 / peak
	}
	if in.params > 0 {
		rec["params"] = in.params
	}
	for key, v := range in.extra {
		rec[key] = v
	}
	return rec
}

// setChecksum records check (a string for NaN and ±Inf, which JSON lacks)
// and what it is.
func setChecksum(rec map[string]any, check float64) {
	if math.IsNaN(check) || math.IsInf(check, 0) {
		rec["checksum"] = fmt.Sprint(check)
	} else {
		rec["checksum"] = check
	}
	rec["checksum_def"] = fmt.Sprintf("loss or output sum after step %d of a fresh instance", checkSteps)
}
