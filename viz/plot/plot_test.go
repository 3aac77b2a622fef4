package plot

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

func learningCurves() *Figure {
	return &Figure{
		Title:  "Learning curves <a&b>",
		XLabel: "training words labelled (%)",
		YLabel: "test span F1 (%)",
		Series: []Series{
			{Name: "mnlp", Kind: LinePoints, X: []float64{1, 2, 4, 8}, Y: []float64{50, 60, 70, 75}, YErr: []float64{2, 1, 1, 0.5}},
			{Name: "random", Kind: Line, Dashed: true, X: []float64{1, 2, 4, 8}, Y: []float64{45, 55, 62, 70}},
			{Name: "methods", Kind: Scatter, X: []float64{3, 5}, Y: []float64{58, 66}, XErr: []float64{0.5, 0.2}, YErr: []float64{3, 2}},
		},
		Refs:      []Ref{{Name: "all data", Value: 80}, {Name: "budget", Value: 5, Vertical: true}},
		LegendTop: true, LegendLeft: true,
	}
}

// TestSavePNG checks a PNG of the requested size is written and decodes.
func TestSavePNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "curves.png")
	f := learningCurves()
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	// gonum/plot renders PNG at 96 dpi: 7 in × 4.5 in = 672 × 432 pixels.
	if cfg.Width != 672 || cfg.Height != 432 {
		t.Errorf("PNG is %d×%d, want 672×432", cfg.Width, cfg.Height)
	}
	if len(b) < 5000 {
		t.Errorf("PNG is only %d bytes: nothing drawn?", len(b))
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
}

// TestSVGLabels checks the SVG carries the title, axis labels and legend
// names as (escaped) text, and the dashed lines as dash arrays.
func TestSVGLabels(t *testing.T) {
	var buf bytes.Buffer
	if err := learningCurves().Write(&buf, "svg"); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{"Learning curves &lt;a&amp;b&gt;", "training words labelled (%)", "test span F1 (%)", "mnlp", "random", "all data", "budget", "stroke-dasharray"} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if !strings.Contains(s, `width="504pt"`) && !strings.Contains(s, `width="504"`) {
		t.Errorf("SVG width is not 7in = 504pt: %.200s", s)
	}
}

// TestLogAxes checks log axes draw, and reject non-positive values.
func TestLogAxes(t *testing.T) {
	f := &Figure{Title: "accuracy vs size", XLabel: "n", YLabel: "error", LogX: true, LogY: true,
		Series: []Series{{Name: "err", Kind: LinePoints, X: []float64{10, 100, 1000, 10000}, Y: []float64{0.5, 0.2, 0.05, 0.01}}}}
	var buf bytes.Buffer
	if err := f.Write(&buf, "svg"); err != nil {
		t.Fatal(err)
	}
	// Log ticks label the decades.
	for _, want := range []string{">100<", ">1000<"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log-x SVG lacks tick %q", want)
		}
	}
	f.Series[0].Y[1] = 0
	if err := f.Write(&buf, "svg"); err == nil || !strings.Contains(err.Error(), "log axis") {
		t.Errorf("zero on a log axis: err = %v, want a log-axis error", err)
	}
	f.Series[0].Y[1] = 0.2
	f.Series[0].YErr = []float64{0.1, 0.3, 0.01, 0.001}
	if err := f.Write(&buf, "svg"); err == nil {
		t.Error("error bar below zero on a log axis was accepted")
	}
}

// TestErrors checks user mistakes come back as errors, and a failed Save
// leaves no file.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	bad := &Figure{Series: []Series{{Name: "s", X: []float64{1, 2}, Y: []float64{1}}}}
	if err := bad.Save(filepath.Join(dir, "a.png")); err == nil {
		t.Error("length mismatch accepted")
	}
	if err := learningCurves().Save(filepath.Join(dir, "a.gif")); err == nil {
		t.Error(".gif accepted")
	}
	if err := learningCurves().Write(&bytes.Buffer{}, "pdf"); err == nil {
		t.Error("pdf format accepted")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("failed saves left files: %v", ents)
	}
}

// TestRadius checks a series' point radius reaches the SVG's circle arcs
// (A r,r), and the default is 2.5 points.
func TestRadius(t *testing.T) {
	for _, c := range []struct {
		r    vg.Length
		want string
	}{{0, "A2.5,2.5 "}, {vg.Points(7), "A7,7 "}} {
		f := &Figure{Series: []Series{{Name: "m", Kind: Scatter, X: []float64{1, 2}, Y: []float64{3, 4}, Radius: c.r}}}
		var buf bytes.Buffer
		if err := f.Write(&buf, "svg"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), c.want) {
			t.Errorf("radius %v: SVG lacks %q", c.r, c.want)
		}
	}
	bad := &Figure{Series: []Series{{Kind: Scatter, X: []float64{1}, Y: []float64{1}, Radius: -1}}}
	if err := bad.Write(&bytes.Buffer{}, "svg"); err == nil {
		t.Error("negative radius accepted")
	}
}

// TestMargin checks the axis ranges by hand: the data extent (error bars
// and reference lines included) widened by the margin on each side, in
// decades on a log axis, with a degenerate extent counted as 1e-3.
func TestMargin(t *testing.T) {
	f := &Figure{Margin: 0.1,
		Series: []Series{{Kind: Scatter, X: []float64{0, 8}, Y: []float64{5, 6}, XErr: []float64{0, 2}, YErr: []float64{1, 0}}},
		Refs:   []Ref{{Value: 14}}}
	p, err := f.Plot()
	if err != nil {
		t.Fatal(err)
	}
	// x spans [0, 10]: ± 1; y spans [4, 14]: ± 1.
	checkRange(t, "linear x", p.X, -1, 11)
	checkRange(t, "linear y", p.Y, 3, 15)

	f = &Figure{Margin: 0.5, LogX: true, Series: []Series{{Kind: Line, X: []float64{1, 100}, Y: []float64{2, 2}}}}
	if p, err = f.Plot(); err != nil {
		t.Fatal(err)
	}
	// x spans 2 decades: ± 1 decade; y is one value: ± 0.5e-3.
	checkRange(t, "log x", p.X, 0.1, 1000)
	checkRange(t, "flat y", p.Y, 2-0.5e-3, 2+0.5e-3)

	for _, m := range []float64{-0.1, math.NaN(), math.Inf(1)} {
		f.Margin = m
		if _, err := f.Plot(); err == nil {
			t.Errorf("margin %v accepted", m)
		}
	}
}

func checkRange(t *testing.T, name string, a gplot.Axis, lo, hi float64) {
	t.Helper()
	if math.Abs(a.Min-lo) > 1e-9*max(1, math.Abs(lo)) || math.Abs(a.Max-hi) > 1e-9*max(1, math.Abs(hi)) {
		t.Errorf("%s axis is [%v, %v], want [%v, %v]", name, a.Min, a.Max, lo, hi)
	}
}

// TestXTicks checks fixed x ticks replace the log ticks: exactly the given
// values, labelled as written.
func TestXTicks(t *testing.T) {
	f := &Figure{LogX: true, XTicks: []float64{2, 4, 8, 16, 32, 64},
		Series: []Series{{Kind: LinePoints, X: []float64{2, 64}, Y: []float64{80, 70}}}}
	p, err := f.Plot()
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, ","); got != "2,4,8,16,32,64" {
		t.Errorf("x tick labels %q, want 2,4,8,16,32,64", got)
	}
	f.XTicks = []float64{0, 2}
	if _, err := f.Plot(); err == nil {
		t.Error("tick at 0 on a log axis accepted")
	}
}
