package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// methodColors are the point colours by method: the paper's method stands
// out, the gold reference is black, the negative control grey.
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
// over seeds as error bars in both directions.
func plotTradeoff(res *results, path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Forgetting canaries on %s (mean ± 95%% interval over seeds, %d planned)", res.Corpus, res.Seeds)
	p.X.Label.Text = "held-out perplexity"
	p.Y.Label.Text = "forgotten canaries' exposure (bits)"
	p.Legend.Top = true
	p.Legend.Padding = vg.Points(2)
	p.Add(plotter.NewGrid())
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range res.Summary {
		x, y := float64(s.Perplexity.Mean), float64(s.ForgetExposure.Mean)
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
			continue
		}
		pts := struct {
			plotter.XYs
			plotter.XErrors
			plotter.YErrors
		}{
			XYs:     plotter.XYs{{X: x, Y: y}},
			XErrors: plotter.XErrors{{Low: finite(s.Perplexity.CI95), High: finite(s.Perplexity.CI95)}},
			YErrors: plotter.YErrors{{Low: finite(s.ForgetExposure.CI95), High: finite(s.ForgetExposure.CI95)}},
		}
		sc, err := plotter.NewScatter(pts.XYs)
		if err != nil {
			return err
		}
		xe, err := plotter.NewXErrorBars(pts)
		if err != nil {
			return err
		}
		ye, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return err
		}
		c, ok := methodColors[s.Method]
		if !ok {
			c = color.RGBA{0, 0, 0, 255}
		}
		sc.Color, xe.Color, ye.Color = c, c, c
		sc.Radius = vg.Points(3.5)
		sc.Shape = draw.CircleGlyph{}
		dx, dy := finite(s.Perplexity.CI95), finite(s.ForgetExposure.CI95)
		xmin, xmax = min(xmin, x-dx), max(xmax, x+dx)
		ymin, ymax = min(ymin, y-dy), max(ymax, y+dy)
		p.Add(sc, xe, ye)
		p.Legend.Add(s.Method, sc)
	}
	// A margin of 8% on every side keeps the points off the axes.
	if xmax >= xmin {
		mx, my := 0.08*max(xmax-xmin, 1e-3), 0.08*max(ymax-ymin, 1e-3)
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin-mx, xmax+mx, ymin-my, ymax+my
	}
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}

// finite returns x, or 0 if it is NaN or infinite.
func finite(x num) float64 {
	if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
		return 0
	}
	return float64(x)
}
