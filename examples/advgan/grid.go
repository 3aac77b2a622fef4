package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/cairn-ml/cairn/internal/atomicfile"
)

// gridRow is one row of the picture: a label on the left, then images of
// side×side pixels in [0, 1], each with a caption (the predicted class).
type gridRow struct {
	label    string
	images   [][]float32
	captions []string
}

const (
	gridScale   = 2 // each MNIST pixel becomes a 2×2 block
	gridLabelW  = 150
	gridCaption = 14 // height of the caption line under each image
	gridPad     = 4
)

// writeGrid draws rows of side×side grey images into a PNG at path. The file
// is written to a temporary name and renamed, so a failure never leaves half
// a picture.
func writeGrid(path string, side int, rows []gridRow) error {
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r.images))
	}
	cell := side*gridScale + gridPad
	w := gridLabelW + cols*cell + gridPad
	h := len(rows)*(cell+gridCaption) + gridPad
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	face := basicfont.Face7x13
	text := func(s string, x, y int, c color.Color) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}
	for ri, r := range rows {
		y0 := gridPad + ri*(cell+gridCaption)
		text(r.label, gridPad, y0+side*gridScale/2+5, color.Black)
		for ci, px := range r.images {
			if len(px) != side*side {
				return fmt.Errorf("grid row %q image %d: %d pixels, want %d", r.label, ci, len(px), side*side)
			}
			x0 := gridLabelW + ci*cell
			for y := range side {
				for x := range side {
					v := min(max(px[y*side+x], 0), 1)
					g := color.Gray{Y: uint8(255 - v*255 + 0.5)} // dark ink on white paper
					for dy := range gridScale {
						for dx := range gridScale {
							img.Set(x0+x*gridScale+dx, y0+y*gridScale+dy, g)
						}
					}
				}
			}
			if ci < len(r.captions) {
				text(r.captions[ci], x0+side*gridScale/2-3, y0+side*gridScale+gridCaption-2, color.RGBA{R: 180, A: 255})
			}
		}
	}
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
}
