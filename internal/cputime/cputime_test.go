//go:build unix

package cputime

import "testing"

func TestNowGrows(t *testing.T) {
	a := Now()
	x := 0.0
	for i := range 20_000_000 {
		x += float64(i)
	}
	if b := Now(); a <= 0 || b <= a || x == 0 {
		t.Fatalf("processor time %v then %v after a busy loop", a, b)
	}
}
