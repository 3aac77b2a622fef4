package main

import (
	"fmt"
	"image/color"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// strategyColors are the line colours by strategy, in the paper's spirit:
// MNLP stands out, random is grey.
var strategyColors = map[string]color.RGBA{
	"mnlp":     {0xd6, 0x27, 0x28, 255},
	"lc":       {0x1f, 0x77, 0xb4, 255},
	"bald":     {0x2c, 0xa0, 0x2c, 255},
	"bald-seq": {0x94, 0x67, 0xbd, 255},
	"random":   {0x7f, 0x7f, 0x7f, 255},
}

// plotCurves writes the PNG plot of mean test F1 (%) against the share of
// training words labelled (%), one line per strategy with ±1 sd error
// bars, and a dashed line at each full-data F1.
func plotCurves(res *results, path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Active learning on %d sentences: test F1 (mean ± sd, %d seeds)",
		res.Data.TrainSentences, len(res.Protocol.Seeds))
	p.X.Label.Text = "training words labelled (%)"
	p.Y.Label.Text = "test span F1 (%)"
	// The curves rise to the right: the top left corner is free.
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.Padding = vg.Points(2)
	p.Add(plotter.NewGrid())
	var strategies []string
	for _, s := range res.Summary {
		if !slices.Contains(strategies, s.Strategy) {
			strategies = append(strategies, s.Strategy)
		}
	}
	xmin, xmax := 100.0, 0.0
	for _, s := range strategies {
		var pts struct {
			plotter.XYs
			plotter.YErrors
		}
		for _, q := range res.strategy(s) {
			pts.XYs = append(pts.XYs, plotter.XY{X: 100 * q.Share, Y: 100 * q.F1Mean})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{100 * q.F1SD, 100 * q.F1SD})
			xmin, xmax = min(xmin, 100*q.Share), max(xmax, 100*q.Share)
		}
		l, sc, err := plotter.NewLinePoints(pts.XYs)
		if err != nil {
			return err
		}
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return err
		}
		c, ok := strategyColors[s]
		if !ok {
			c = color.RGBA{0, 0, 0, 255}
		}
		l.Color, sc.Color, eb.Color = c, c, c
		p.Add(l, sc, eb)
		p.Legend.Add(s, l, sc)
	}
	for i, f := range res.Full {
		if xmax < xmin {
			break
		}
		l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: 100 * f.TestF1}, {X: xmax, Y: 100 * f.TestF1}})
		if err != nil {
			return err
		}
		l.Dashes = []vg.Length{vg.Points(4 + 2*float64(i)), vg.Points(3)}
		l.Color = color.RGBA{0, 0, 0, 255}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s, all data", f.Name), l)
	}
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}
