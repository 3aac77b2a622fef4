package plot_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/cairn-ml/cairn/viz/plot"
)

// A learning curve with ±1 sd error bars and a dashed full-data reference.
func Example() {
	f := &plot.Figure{
		Title:  "Active learning",
		XLabel: "labelled (%)",
		YLabel: "F1 (%)",
		Series: []plot.Series{{Name: "mnlp", Kind: plot.LinePoints,
			X: []float64{10, 20, 40}, Y: []float64{60, 70, 76}, YErr: []float64{2, 1.5, 1}}},
		Refs:      []plot.Ref{{Name: "all data", Value: 80}},
		LegendTop: true, LegendLeft: true,
	}
	var svg bytes.Buffer
	if err := f.Write(&svg, "svg"); err != nil { // or f.Save("curve.png")
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Contains(svg.String(), "Active learning"), strings.Contains(svg.String(), "all data"))
	// Output: true true
}
