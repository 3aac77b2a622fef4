package main

import (
	"fmt"
	"image/color"
	"math"

	"github.com/cairn-ml/cairn/viz/plot"
	"gonum.org/v1/plot/vg"
)

// methodColors are the point colours by method: the paper's method stands
// out, the gold reference is black, the negative control grey; other
// methods are black.
var methodColors = map[string]color.RGBA{
	"base":        {0x7f, 0x7f, 0x7f, 255},
	"loo":         {0xd6, 0x27, 0x28, 255},
	"full":        {0xbc, 0xbd, 0x22, 255},
	"alternating": {0xff, 0x7f, 0x0e, 255},
	"ga":          {0x1f, 0x77, 0xb4, 255},
	"sisa":        {0x94, 0x67, 0xbd, 255},
	"retrain":     {0x00, 0x00, 0x00, 255},
}

// plotTradeoff writes the PNG of the forgotten canaries' mean exposure
// against held-out perplexity, one point per method with its 95% intervals
// over seeds as error bars in both directions. Methods with a non-finite
// mean are left out; a missing interval (one seed) draws no bar.
func plotTradeoff(res *results, path string) error {
	f := &plot.Figure{
		Title:     fmt.Sprintf("Forgetting canaries on %s (mean ± 95%% interval over seeds, %d planned)", res.Corpus, res.Seeds),
		XLabel:    "held-out perplexity",
		YLabel:    "forgotten canaries' exposure (bits)",
		LegendTop: true,
		// A margin of 8% on every side keeps the points off the axes.
		Margin: 0.08,
	}
	for _, s := range res.Summary {
		x, y := float64(s.Perplexity.Mean), float64(s.ForgetExposure.Mean)
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
			continue
		}
		c, ok := methodColors[s.Method]
		if !ok {
			c = color.RGBA{0, 0, 0, 255}
		}
		f.Series = append(f.Series, plot.Series{
			Name: s.Method, Kind: plot.Scatter, Color: c, Radius: vg.Points(3.5),
			X: []float64{x}, Y: []float64{y},
			XErr: []float64{finite(s.Perplexity.CI95)},
			YErr: []float64{finite(s.ForgetExposure.CI95)},
		})
	}
	return f.Save(path)
}

// finite returns x, or 0 if it is NaN or infinite.
func finite(x num) float64 {
	if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
		return 0
	}
	return float64(x)
}
