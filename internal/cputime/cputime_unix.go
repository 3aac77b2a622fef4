//go:build unix

// Package cputime reads the processor time of the running process, which
// the example programs report beside wall times: on a shared machine it
// says how much of the wall time a program actually ran.
package cputime

import (
	"syscall"
	"time"
)

// Now returns the user and system time the process has used so far, all
// threads together (0 if the system does not say).
func Now() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
