package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestPlotDepth draws a depth study of made-up accuracies into a 6 × 4 in
// PNG (576 × 384 pixels at gonum's 96 dpi).
func TestPlotDepth(t *testing.T) {
	var pts []depthPoint
	for mi, name := range depthModels {
		for ki, k := range depthSteps {
			pts = append(pts, depthPoint{Model: name, K: k, Mean: 80 - float64(mi*ki), Runs: 1})
		}
	}
	path := filepath.Join(t.TempDir(), "depth.png")
	if err := plotDepth(pts, path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if cfg.Width != 576 || cfg.Height != 384 {
		t.Errorf("PNG is %d×%d, want 576×384", cfg.Width, cfg.Height)
	}
}
