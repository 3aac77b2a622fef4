package cli

import (
	"flag"
	"testing"
)

// Apply fills the flags the command line left alone, an explicit flag
// wins, a bad value is an error, and String lists the preset sorted.
func TestPreset(t *testing.T) {
	p := Preset{"steps": "60", "data": "small", "seeds": "2"}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	steps := fs.Int("steps", 500, "")
	data := fs.String("data", "all", "")
	seeds := fs.Int("seeds", 3, "")
	if err := fs.Parse([]string{"-seeds", "5"}); err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(fs); err != nil {
		t.Fatal(err)
	}
	if *steps != 60 || *data != "small" || *seeds != 5 {
		t.Errorf("steps %d, data %q, seeds %d; want 60, small, 5", *steps, *data, *seeds)
	}
	if got := p.String(); got != "-data small -seeds 2 -steps 60" {
		t.Errorf("String %q", got)
	}
	fresh := flag.NewFlagSet("y", flag.ContinueOnError)
	fresh.Int("steps", 500, "")
	if err := (Preset{"steps": "many"}).Apply(fresh); err == nil {
		t.Error("a bad value was accepted")
	}
	if err := (Preset{"nope": "1"}).Apply(fresh); err == nil {
		t.Error("an unknown flag was accepted")
	}
}
