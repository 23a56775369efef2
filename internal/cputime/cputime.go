//go:build unix

// Package cputime reads the CPU time the process has used, for benchmarks that report work per CPU-second (on a
// shared machine, wall-clock rates measure the neighbours too).
package cputime

import (
	"syscall"
	"time"
)

// Used returns the user and system CPU time of the process so far.
func Used() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
