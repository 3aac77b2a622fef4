package main

import (
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot/vg"

	"github.com/cairn-ml/cairn/graph"
	"github.com/cairn-ml/cairn/viz/plot"
)

// depthModels are the models of the paper's Fig. 1 depth study: K is the
// number of propagation steps (GCN: layers).
var depthModels = []string{graph.ModelLFIter, graph.ModelHFIter, graph.ModelAPPNP, graph.ModelGCN}

// depthSteps are the depths of the study.
var depthSteps = []int{2, 4, 8, 16, 32, 64}

// depthPoint is one model's mean test accuracy at one depth.
type depthPoint struct {
	Model string  `json:"model"`
	K     int     `json:"k"`
	Mean  float64 `json:"mean"`
	CI    float64 `json:"ci"`
	Runs  int     `json:"runs"`
}

// depthColors are the line colours of depthModels, in order.
var depthColors = []color.RGBA{{0xd6, 0x27, 0x28, 255}, {0x1f, 0x77, 0xb4, 255}, {0x2c, 0xa0, 0x2c, 255}, {0x7f, 0x7f, 0x7f, 255}}

// depthStudy trains every depth model at every depth and writes the plot
// of test accuracy against depth to png.
func depthStudy(in *graph.Inputs, seed0, runs, maxEpochs int, png string, stdout, stderr io.Writer) ([]depthPoint, error) {
	var pts []depthPoint
	for _, name := range depthModels {
		for _, k := range depthSteps {
			c, err := graph.DefaultConfig(name)
			if err != nil {
				return nil, err
			}
			c.K = k
			if maxEpochs > 0 {
				c.MaxEpochs = maxEpochs
			}
			r, err := runModel(c, in, seed0, runs, stderr)
			if err != nil {
				return nil, err
			}
			pts = append(pts, depthPoint{Model: name, K: k, Mean: r.Mean, CI: r.CI, Runs: runs})
			fmt.Fprintf(stdout, "%-14s K=%-3d %6.2f ± %.2f  (%d runs, %.0fs)\n", name, k, r.Mean, r.CI, runs, r.Seconds)
		}
	}
	if err := plotDepth(pts, png); err != nil {
		return nil, err
	}
	return pts, nil
}

// plotDepth writes the PNG of mean test accuracy against depth (log axis
// labelled at the study's depths), one line per model of depthModels.
func plotDepth(pts []depthPoint, png string) error {
	var ticks []float64
	for _, k := range depthSteps {
		ticks = append(ticks, float64(k))
	}
	f := &plot.Figure{
		Title:      "Cora: test accuracy against propagation depth",
		XLabel:     "propagation steps K (GCN: layers)",
		YLabel:     "test accuracy (%)",
		LogX:       true,
		XTicks:     ticks,
		LegendLeft: true,
		NoGrid:     true,
		Width:      6 * vg.Inch, Height: 4 * vg.Inch,
	}
	for mi, name := range depthModels {
		s := plot.Series{Name: name, Kind: plot.LinePoints, Color: depthColors[mi]}
		for _, p := range pts {
			if p.Model == name {
				s.X, s.Y = append(s.X, float64(p.K)), append(s.Y, p.Mean)
			}
		}
		f.Series = append(f.Series, s)
	}
	return f.Save(png)
}
