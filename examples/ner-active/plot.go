package main

import (
	"fmt"
	"image/color"
	"slices"

	"github.com/cairn-ml/cairn/viz/plot"
)

// strategyColors are the line colours by strategy, in the paper's spirit:
// MNLP stands out, random is grey; other strategies are black.
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
	f := &plot.Figure{
		Title: fmt.Sprintf("Active learning on %d sentences: test F1 (mean ± sd, %d seeds)",
			res.Data.TrainSentences, len(res.Protocol.Seeds)),
		XLabel: "training words labelled (%)",
		YLabel: "test span F1 (%)",
		// The curves rise to the right: the top left corner is free.
		LegendTop: true, LegendLeft: true,
	}
	var strategies []string
	for _, s := range res.Summary {
		if !slices.Contains(strategies, s.Strategy) {
			strategies = append(strategies, s.Strategy)
		}
	}
	for _, s := range strategies {
		c, ok := strategyColors[s]
		if !ok {
			c = color.RGBA{0, 0, 0, 255}
		}
		ser := plot.Series{Name: s, Kind: plot.LinePoints, Color: c}
		for _, q := range res.strategy(s) {
			ser.X = append(ser.X, 100*q.Share)
			ser.Y = append(ser.Y, 100*q.F1Mean)
			ser.YErr = append(ser.YErr, 100*q.F1SD)
		}
		f.Series = append(f.Series, ser)
	}
	// The full-data lines span the curves; with no curves there are none.
	if len(res.Summary) > 0 {
		for _, full := range res.Full {
			f.Refs = append(f.Refs, plot.Ref{Name: full.Name + ", all data", Value: 100 * full.TestF1})
		}
	}
	return f.Save(path)
}
