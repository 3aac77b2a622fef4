//go:build !linux

package main

// busySeconds is unknown outside Linux: every sample counts as quiet.
func busySeconds() float64 { return -1 }

// ownCPUSeconds is unknown outside Linux.
func ownCPUSeconds() float64 { return 0 }
