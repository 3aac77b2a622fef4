package main

import (
	"fmt"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
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

func drawSeries(r *results, ss []series, title, ylabel, path string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "translation pairs in the training data"
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.Padding = vg.Points(2)
	p.Add(plotter.NewGrid())
	for _, s := range ss {
		var pts struct {
			plotter.XYs
			plotter.YErrors
		}
		for i := range s.x {
			pts.XYs = append(pts.XYs, plotter.XY{X: s.x[i], Y: s.y[i]})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{s.ci[i], s.ci[i]})
		}
		l, sc, err := plotter.NewLinePoints(pts.XYs)
		if err != nil {
			return err
		}
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return err
		}
		l.Color, sc.Color, eb.Color = s.color, s.color, s.color
		p.Add(l, sc, eb)
		p.Legend.Add(s.name, l, sc)
		// The fitted curve of this metric, if any: the power law, else the
		// log-linear law (pairs > 0 only).
		var curve func(float64) float64
		var lo float64
		for _, f := range r.Fits {
			if f.Metric != s.metric || f.Error != "" {
				continue
			}
			if f.Power != nil && len(f.xs) > 0 {
				curve, lo = f.Power.Value, f.xs[0]
				break
			}
			if f.LogLin != nil && curve == nil && len(f.xs) > 0 {
				curve, lo = f.LogLin.Value, f.xs[0]
			}
		}
		if curve != nil && len(s.x) > 0 {
			hi := s.x[len(s.x)-1]
			var xy plotter.XYs
			for k := range 50 {
				x := lo + (hi-lo)*float64(k)/49
				xy = append(xy, plotter.XY{X: x, Y: curve(x)})
			}
			fl, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			fl.Color, fl.Dashes = s.color, []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(fl)
			p.Legend.Add(s.name+" fit", fl)
		}
	}
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}
