// Package plot draws the line and scatter plots of the example programs
// (training curves, learning curves, accuracy against size) as PNG or SVG
// through gonum.org/v1/plot.
//
// A Figure is plain data: series with optional error bars, dashed
// reference lines, a title, axis labels and optional log axes. Save picks
// the format from the file extension; Write takes it explicitly. Plot
// returns the underlying *plot.Plot for anything this package does not
// cover.
package plot
