package plot

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/cairn-ml/cairn/internal/atomicfile"
)

// Kind is how a series is drawn.
type Kind int

const (
	// Line joins the points with a line.
	Line Kind = iota
	// Scatter draws the points only.
	Scatter
	// LinePoints draws the line and the points.
	LinePoints
)

// Series is one named set of points. X and Y have the same length; XErr and
// YErr, when not nil, have that length too and give symmetric error bars
// (half-widths, drawn as value ± err).
type Series struct {
	Name       string
	Kind       Kind
	X, Y       []float64
	XErr, YErr []float64
	// Color is the series colour; nil takes the next colour of the default
	// palette.
	Color color.Color
	// Dashed draws the line dashed.
	Dashed bool
	// Radius is the radius of the points of a Scatter or LinePoints
	// series; zero means 2.5 points.
	Radius vg.Length
}

// Ref is a dashed reference line across the whole plot: horizontal at
// y = Value, or vertical at x = Value.
type Ref struct {
	Name     string
	Value    float64
	Vertical bool
	// Color is the line colour; nil is black.
	Color color.Color
}

// Figure is a whole plot.
type Figure struct {
	Title, XLabel, YLabel string
	// LogX and LogY use base-10 log scales; every value on such an axis
	// (points, error bar ends, reference lines) must be positive.
	LogX, LogY bool
	Series     []Series
	Refs       []Ref
	// Width and Height of the image; zero means 7 × 4.5 inches.
	Width, Height vg.Length
	// NoGrid removes the background grid.
	NoGrid bool
	// LegendTop and LegendLeft place the legend (default bottom right).
	LegendTop, LegendLeft bool
	// Margin, when positive, sets both axes to the extent of the data
	// (points, error bars, reference lines) widened on every side by this
	// fraction of that extent, keeping points off the axes; an extent under
	// 1e-3 counts as 1e-3. On a log axis the extent is measured in decades.
	// Zero leaves the axes to fit the data exactly.
	Margin float64
	// XTicks, when not nil, are the only labelled ticks of the x axis,
	// labelled with their values (e.g. the depths 2, 4, ..., 64 of a study
	// on a log axis).
	XTicks []float64
}

// Plot builds the gonum plot of f, for callers that want to adjust it
// further before saving it with its own Save method.
func (f *Figure) Plot() (*gplot.Plot, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	p := gplot.New()
	p.Title.Text = f.Title
	p.X.Label.Text = f.XLabel
	p.Y.Label.Text = f.YLabel
	p.Legend.Top = f.LegendTop
	p.Legend.Left = f.LegendLeft
	p.Legend.Padding = vg.Points(2)
	if f.LogX {
		p.X.Scale = gplot.LogScale{}
		p.X.Tick.Marker = gplot.LogTicks{Prec: -1}
	}
	if f.XTicks != nil {
		ticks := make(gplot.ConstantTicks, len(f.XTicks))
		for i, v := range f.XTicks {
			ticks[i] = gplot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)}
		}
		p.X.Tick.Marker = ticks
	}
	if f.LogY {
		p.Y.Scale = gplot.LogScale{}
		p.Y.Tick.Marker = gplot.LogTicks{Prec: -1}
	}
	if !f.NoGrid {
		p.Add(plotter.NewGrid())
	}
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i, s := range f.Series {
		c := s.Color
		if c == nil {
			c = plotutil.Color(i)
		}
		xys := make(plotter.XYs, len(s.X))
		for j := range s.X {
			xys[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
			dx, dy := errAt(s.XErr, j), errAt(s.YErr, j)
			xmin, xmax = min(xmin, s.X[j]-dx), max(xmax, s.X[j]+dx)
			ymin, ymax = min(ymin, s.Y[j]-dy), max(ymax, s.Y[j]+dy)
		}
		var thumbs []gplot.Thumbnailer
		if s.Kind == Line || s.Kind == LinePoints {
			l, err := plotter.NewLine(xys)
			if err != nil {
				return nil, fmt.Errorf("plot: series %q: %w", s.Name, err)
			}
			l.Color = c
			if s.Dashed {
				l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			p.Add(l)
			thumbs = append(thumbs, l)
		}
		if s.Kind == Scatter || s.Kind == LinePoints {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, fmt.Errorf("plot: series %q: %w", s.Name, err)
			}
			sc.Color = c
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(2.5)
			if s.Radius > 0 {
				sc.Radius = s.Radius
			}
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if s.YErr != nil {
			pts := struct {
				plotter.XYs
				plotter.YErrors
			}{xys, make(plotter.YErrors, len(xys))}
			for j, e := range s.YErr {
				pts.YErrors[j].Low, pts.YErrors[j].High = e, e
			}
			eb, err := plotter.NewYErrorBars(pts)
			if err != nil {
				return nil, fmt.Errorf("plot: series %q: %w", s.Name, err)
			}
			eb.Color = c
			p.Add(eb)
		}
		if s.XErr != nil {
			pts := struct {
				plotter.XYs
				plotter.XErrors
			}{xys, make(plotter.XErrors, len(xys))}
			for j, e := range s.XErr {
				pts.XErrors[j].Low, pts.XErrors[j].High = e, e
			}
			eb, err := plotter.NewXErrorBars(pts)
			if err != nil {
				return nil, fmt.Errorf("plot: series %q: %w", s.Name, err)
			}
			eb.Color = c
			p.Add(eb)
		}
		if s.Name != "" && len(thumbs) > 0 {
			p.Legend.Add(s.Name, thumbs...)
		}
	}
	for _, r := range f.Refs {
		if r.Vertical {
			xmin, xmax = min(xmin, r.Value), max(xmax, r.Value)
		} else {
			ymin, ymax = min(ymin, r.Value), max(ymax, r.Value)
		}
	}
	for i, r := range f.Refs {
		var xys plotter.XYs
		if r.Vertical {
			lo, hi := span(ymin, ymax, r.Value)
			xys = plotter.XYs{{X: r.Value, Y: lo}, {X: r.Value, Y: hi}}
		} else {
			lo, hi := span(xmin, xmax, r.Value)
			xys = plotter.XYs{{X: lo, Y: r.Value}, {X: hi, Y: r.Value}}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("plot: reference %q: %w", r.Name, err)
		}
		l.Color = r.Color
		if l.Color == nil {
			l.Color = color.Black
		}
		// Successive reference lines get longer dashes, to tell them apart.
		l.Dashes = []vg.Length{vg.Points(4 + 2*float64(i)), vg.Points(3)}
		p.Add(l)
		if r.Name != "" {
			p.Legend.Add(r.Name, l)
		}
	}
	if f.Margin > 0 && xmin <= xmax {
		p.X.Min, p.X.Max = widen(xmin, xmax, f.Margin, f.LogX)
		p.Y.Min, p.Y.Max = widen(ymin, ymax, f.Margin, f.LogY)
	}
	return p, nil
}

// widen is [lo, hi] widened on both sides by margin times its extent (at
// least 1e-3), measured in decades when log is set.
func widen(lo, hi, margin float64, log bool) (float64, float64) {
	if log {
		lo, hi = widen(math.Log10(lo), math.Log10(hi), margin, false)
		return math.Pow(10, lo), math.Pow(10, hi)
	}
	d := margin * max(hi-lo, 1e-3)
	return lo - d, hi + d
}

// span is the extent [lo, hi] a reference line covers when the other axis
// spans [lo, hi]; with no data it is a unit interval around v.
func span(lo, hi, v float64) (float64, float64) {
	if lo > hi {
		return v, v + 1
	}
	return lo, hi
}

// errAt is e[j], or 0 when e is nil.
func errAt(e []float64, j int) float64 {
	if e == nil {
		return 0
	}
	return e[j]
}

func (f *Figure) validate() error {
	if math.IsNaN(f.Margin) || math.IsInf(f.Margin, 0) || f.Margin < 0 {
		return fmt.Errorf("plot: margin %v: want a finite fraction ≥ 0", f.Margin)
	}
	for _, v := range f.XTicks {
		if math.IsNaN(v) || math.IsInf(v, 0) || (f.LogX && v <= 0) {
			return fmt.Errorf("plot: x tick %v is not finite (or not positive on a log axis)", v)
		}
	}
	for _, s := range f.Series {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("plot: series %q: %d x values but %d y values", s.Name, len(s.X), len(s.Y))
		}
		if s.XErr != nil && len(s.XErr) != len(s.X) {
			return fmt.Errorf("plot: series %q: %d x errors for %d points", s.Name, len(s.XErr), len(s.X))
		}
		if s.YErr != nil && len(s.YErr) != len(s.Y) {
			return fmt.Errorf("plot: series %q: %d y errors for %d points", s.Name, len(s.YErr), len(s.Y))
		}
		if s.Radius < 0 {
			return fmt.Errorf("plot: series %q: negative point radius %v", s.Name, s.Radius)
		}
		if s.Kind < Line || s.Kind > LinePoints {
			return fmt.Errorf("plot: series %q: unknown kind %d", s.Name, s.Kind)
		}
		for j := range s.X {
			dx, dy := errAt(s.XErr, j), errAt(s.YErr, j)
			for _, v := range []float64{s.X[j], s.Y[j], dx, dy} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("plot: series %q: point %d is not finite (%v, %v ± %v, %v)", s.Name, j, s.X[j], s.Y[j], dx, dy)
				}
			}
			if dx < 0 || dy < 0 {
				return fmt.Errorf("plot: series %q: point %d has a negative error bar", s.Name, j)
			}
			if f.LogX && s.X[j]-dx <= 0 {
				return fmt.Errorf("plot: series %q: point %d: x-x_err = %v is not positive on a log axis", s.Name, j, s.X[j]-dx)
			}
			if f.LogY && s.Y[j]-dy <= 0 {
				return fmt.Errorf("plot: series %q: point %d: y-y_err = %v is not positive on a log axis", s.Name, j, s.Y[j]-dy)
			}
		}
	}
	for _, r := range f.Refs {
		if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
			return fmt.Errorf("plot: reference %q is not finite", r.Name)
		}
		if r.Value <= 0 && ((r.Vertical && f.LogX) || (!r.Vertical && f.LogY)) {
			return fmt.Errorf("plot: reference %q at %v is not positive on a log axis", r.Name, r.Value)
		}
	}
	return nil
}

func (f *Figure) size() (vg.Length, vg.Length) {
	w, h := f.Width, f.Height
	if w <= 0 {
		w = 7 * vg.Inch
	}
	if h <= 0 {
		h = 4.5 * vg.Inch
	}
	return w, h
}

// Write draws f to w in format "png" or "svg".
func (f *Figure) Write(w io.Writer, format string) error {
	format = strings.ToLower(format)
	if format != "png" && format != "svg" {
		return fmt.Errorf("plot: format %q: want png or svg", format)
	}
	p, err := f.Plot()
	if err != nil {
		return err
	}
	width, height := f.size()
	wt, err := p.WriterTo(width, height, format)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	_, err = wt.WriteTo(w)
	return err
}

// Save draws f to path, a .png or .svg file, writing a temporary file in
// the same directory and renaming it so a failed write leaves no partial
// file.
func (f *Figure) Save(path string) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if format != "png" && format != "svg" {
		return fmt.Errorf("plot: %s: extension must be .png or .svg", path)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return f.Write(w, format) }); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	return nil
}
