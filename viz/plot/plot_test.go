package plot

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
