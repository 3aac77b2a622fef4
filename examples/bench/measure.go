package main

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strconv"
	"time"
)

// quietCPUs is torch_bench.py's QUIET_CPUS: a sample is quiet when other
// processes used less than this many CPUs during it.
const quietCPUs = 0.3

// timing holds the sampling settings (torch_bench.py's --min-samples,
// --min-seconds, --max-seconds) and the longest wait for a quiet machine.
type timing struct {
	minSamples int
	minSeconds float64
	maxSeconds float64
	maxWait    float64
	targetS    float64 // seconds per sample (0.1)
}

// sample is one timed run of inner iterations: seconds per iteration and
// the CPUs other processes used meanwhile.
type sample struct {
	perIter float64
	other   float64
}

// loadProbe measures what other processes use between two readings.
type loadProbe struct {
	busy float64 // busy seconds of all CPUs (/proc/stat)
	own  float64 // CPU seconds of this process (getrusage)
	wall time.Time
}

func probe() loadProbe {
	return loadProbe{busy: busySeconds(), own: ownCPUSeconds(), wall: time.Now()}
}

// otherSince returns the CPUs other processes used since p (0 where the
// system does not tell).
func (p loadProbe) otherSince() float64 {
	q := probe()
	dt := q.wall.Sub(p.wall).Seconds()
	if dt <= 0 || p.busy < 0 || q.busy < 0 {
		return 0
	}
	return max(0, ((q.busy-p.busy)-(q.own-p.own))/dt)
}

// waitQuiet waits, up to maxWait seconds, until other processes use less
// than quietCPUs for half a second, and returns the seconds waited.
func waitQuiet(maxWait float64) float64 {
	start := time.Now()
	for {
		if time.Since(start).Seconds() >= maxWait {
			return time.Since(start).Seconds()
		}
		p := probe()
		time.Sleep(500 * time.Millisecond)
		if p.otherSince() < quietCPUs || time.Since(start).Seconds() >= maxWait {
			return time.Since(start).Seconds()
		}
	}
}

// measure times step as torch_bench.py's measure does: warm up (at least 3
// iterations and 0.3 s), calibrate the inner count k so that a sample of k
// iterations takes about targetS, wait for a quiet machine, then take
// samples until there are minSamples quiet ones and minSeconds have passed
// (or maxSeconds have passed and there are minSamples samples).
func measure(step func(), tm timing) (samples []sample, k int, waited float64) {
	t0 := time.Now()
	for n := 0; n < 3 || time.Since(t0).Seconds() < 0.3; n++ {
		step()
	}
	t0 = time.Now()
	step()
	step()
	per := time.Since(t0).Seconds() / 2
	k = max(1, int(tm.targetS/max(per, 1e-9)+0.5))
	waited = waitQuiet(tm.maxWait)
	w0 := time.Now()
	for {
		p := probe()
		for range k {
			step()
		}
		dt := time.Since(p.wall).Seconds()
		samples = append(samples, sample{perIter: dt / float64(k), other: p.otherSince()})
		quiet := 0
		for _, s := range samples {
			if s.other < quietCPUs {
				quiet++
			}
		}
		el := time.Since(w0).Seconds()
		if quiet >= tm.minSamples && el >= tm.minSeconds {
			break
		}
		if el >= tm.maxSeconds && len(samples) >= tm.minSamples {
			break
		}
	}
	return samples, k, waited
}

// median returns the median of sorted xs (the mean of the middle two for
// an even count, as Python's statistics.median).
func median(xs []float64) float64 {
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// summarize fills the timing fields of rec as torch_bench.py's emit does:
// min/median/max over the quiet samples, or over all of them when fewer
// than 5 were quiet. It returns the median and the minimum used.
func summarize(rec map[string]any, samples []sample, k int, waited float64) (med, best float64) {
	var quiet, all []float64
	var otherSum float64
	for _, s := range samples {
		all = append(all, s.perIter)
		otherSum += s.other
		if s.other < quietCPUs {
			quiet = append(quiet, s.perIter)
		}
	}
	slices.Sort(quiet)
	slices.Sort(all)
	use := all
	if len(quiet) >= 5 {
		use = quiet
	}
	med = median(use)
	rec["samples"] = len(samples)
	rec["quiet_samples"] = len(quiet)
	rec["quiet_ok"] = len(quiet) >= 5
	rec["inner"] = k
	rec["min_s"] = use[0]
	rec["median_s"] = med
	rec["max_s"] = use[len(use)-1]
	rec["median_all_s"] = median(all)
	rec["max_all_s"] = all[len(all)-1]
	rec["other_load_cpus_mean"] = round3(otherSum / float64(len(samples)))
	rec["waited_quiet_s"] = float64(int(waited*100+0.5)) / 100
	return med, use[0]
}

func round3(x float64) float64 { return float64(int(x*1000+0.5)) / 1000 }

// capacity runs torch_bench.py's peak/capacity program (if bin is not
// empty) with the given thread count and returns the CPUs' worth of
// compute it measured, or nil.
func capacity(bin string, threads int) any {
	if bin == "" {
		return nil
	}
	out, err := exec.Command(bin, strconv.Itoa(threads), "0.2").Output()
	if err != nil {
		return nil
	}
	var v struct {
		Capacity *float64 `json:"capacity_cpus"`
	}
	if json.Unmarshal(out, &v) != nil || v.Capacity == nil {
		return nil
	}
	return *v.Capacity
}
