//go:build linux

package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// clockTicks is Linux's USER_HZ, the unit of /proc/stat (100 on every
// architecture Go supports).
const clockTicks = 100

// busySeconds returns the busy time of all CPUs from /proc/stat's first
// line (user, nice, system, irq, softirq, steal), as torch_bench.py's
// _busy_jiffies, in seconds; -1 if it cannot be read.
func busySeconds() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 {
		return -1
	}
	var sum int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return -1
		}
		sum += v
	}
	return float64(sum) / clockTicks
}

// ownCPUSeconds returns the user and system CPU time of this process.
func ownCPUSeconds() float64 {
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) != nil {
		return 0
	}
	return float64(r.Utime.Nano()+r.Stime.Nano()) / 1e9
}
