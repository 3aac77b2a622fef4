//go:build unix

package main

import (
	"syscall"
	"time"
)

// cpuTime returns the processor time (user and system) the process has
// used, which tells how much of a wall time the program had the machine for.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
