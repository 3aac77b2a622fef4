package main

import (
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/cairn-ml/cairn/graph"
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

// depthStudy trains every depth model at every depth and writes the plot
// of test accuracy against depth to png.
func depthStudy(in *graph.Inputs, seed0, runs, maxEpochs int, png string, stdout, stderr io.Writer) ([]depthPoint, error) {
	var pts []depthPoint
	p := plot.New()
	p.Title.Text = "Cora: test accuracy against propagation depth"
	p.X.Label.Text = "propagation steps K (GCN: layers)"
	p.Y.Label.Text = "test accuracy (%)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.ConstantTicks(ticks())
	p.Legend.Top = false
	p.Legend.Left = true
	colors := []color.RGBA{{0xd6, 0x27, 0x28, 255}, {0x1f, 0x77, 0xb4, 255}, {0x2c, 0xa0, 0x2c, 255}, {0x7f, 0x7f, 0x7f, 255}}
	for mi, name := range depthModels {
		var xy plotter.XYs
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
			xy = append(xy, plotter.XY{X: float64(k), Y: r.Mean})
		}
		l, s, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, err
		}
		l.Color, s.Color = colors[mi], colors[mi]
		p.Add(l, s)
		p.Legend.Add(name, l, s)
	}
	if err := p.Save(6*vg.Inch, 4*vg.Inch, png); err != nil {
		return nil, err
	}
	return pts, nil
}

func ticks() []plot.Tick {
	var t []plot.Tick
	for _, k := range depthSteps {
		t = append(t, plot.Tick{Value: float64(k), Label: fmt.Sprint(k)})
	}
	return t
}
