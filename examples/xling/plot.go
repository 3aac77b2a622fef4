package main

import (
	"fmt"
	"image/color"
	"strings"

	"github.com/cairn-ml/cairn/viz/plot"
)

// plotResults writes two PNG plots next to path (name-align.png and
// name-chrf.png): the alignment gap at every depth and chrF against the
// number of translation pairs, mean ± 95% interval over seeds, with the
// fitted power law (else log-linear) curves of the fitted metrics dashed,
// drawn over the amounts they were fitted on (those with pairs > 0).
func plotResults(r *results, path string) ([]string, error) {
	base := strings.TrimSuffix(path, ".png")
	align, chrf := base+"-align.png", base+"-chrf.png"
	palette := []color.RGBA{{0x1f, 0x77, 0xb4, 255}, {0xff, 0x7f, 0x0e, 255}, {0x2c, 0xa0, 0x2c, 255},
		{0xd6, 0x27, 0x28, 255}, {0x94, 0x67, 0xbd, 255}, {0x8c, 0x56, 0x4b, 255}, {0x7f, 0x7f, 0x7f, 255}}
	var gaps []series
	for d, name := range r.Depths {
		s := series{name: "gap " + name, metric: "gap_" + name, color: palette[d%len(palette)]}
		for _, c := range r.Table {
			s.x, s.y, s.ci = append(s.x, float64(c.Pairs)), append(s.y, c.Gap[d].Mean), append(s.ci, c.Gap[d].CI95)
		}
		gaps = append(gaps, s)
	}
	title := fmt.Sprintf("en-%s, %d seeds", r.Lang, r.Seeds)
	if err := drawSeries(r, gaps, "alignment gap, cos(parallel) − cos(non-parallel): "+title, "alignment gap", align); err != nil {
		return nil, err
	}
	s := series{name: "chrF", metric: "chrf", color: palette[3]}
	for _, c := range r.Table {
		s.x, s.y, s.ci = append(s.x, float64(c.Pairs)), append(s.y, c.ChrF.Mean), append(s.ci, c.ChrF.CI95)
	}
	if err := drawSeries(r, []series{s}, "held-out en→"+r.Lang+" chrF: "+title, "chrF", chrf); err != nil {
		return nil, err
	}
	return []string{align, chrf}, nil
}

type series struct {
	name, metric string
	color        color.RGBA
	x, y, ci     []float64
}

// drawSeries draws ss (lines with points and ±CI bars) and the fitted
// curve of each metric, if any (the power law, else the log-linear law,
// over the amounts with pairs > 0), dashed in the series' colour.
func drawSeries(r *results, ss []series, title, ylabel, path string) error {
	f := plot.Figure{Title: title, XLabel: "translation pairs in the training data", YLabel: ylabel,
		LegendTop: true, LegendLeft: true}
	for _, s := range ss {
		f.Series = append(f.Series, plot.Series{Name: s.name, Kind: plot.LinePoints, X: s.x, Y: s.y, YErr: s.ci, Color: s.color})
		var curve func(float64) float64
		var lo float64
		for _, fit := range r.Fits {
			if fit.Metric != s.metric || fit.Error != "" {
				continue
			}
			if fit.Power != nil && len(fit.xs) > 0 {
				curve, lo = fit.Power.Value, fit.xs[0]
				break
			}
			if fit.LogLin != nil && curve == nil && len(fit.xs) > 0 {
				curve, lo = fit.LogLin.Value, fit.xs[0]
			}
		}
		if curve != nil && len(s.x) > 0 {
			hi := s.x[len(s.x)-1]
			fs := plot.Series{Name: s.name + " fit", Kind: plot.Line, Color: s.color, Dashed: true}
			for k := range 50 {
				x := lo + (hi-lo)*float64(k)/49
				fs.X, fs.Y = append(fs.X, x), append(fs.Y, curve(x))
			}
			f.Series = append(f.Series, fs)
		}
	}
	return f.Save(path)
}
