package tensor

import (
	"fmt"
	"runtime"
)

// ConvOptions configures Conv2D, PyTorch's stride, padding, dilation and
// groups arguments of F.conv2d, each (height, width). The zero value gives
// PyTorch's defaults: a zero Stride or Dilation entry means 1, a zero
// Padding entry means no padding, and Groups 0 means 1.
type ConvOptions struct {
	// Stride is the step between neighbouring windows.
	Stride [2]int
	// Padding is the number of zeros added on both sides of each spatial
	// dimension (PyTorch's symmetric padding; use Pad2D first for more).
	Padding [2]int
	// Dilation is the spacing between kernel taps (à trous convolution).
	Dilation [2]int
	// Groups splits the channels into groups convolved separately: input
	// and output channels must both be divisible by it, and the weight has
	// in/Groups input channels. Groups equal to the input channels is a
	// depthwise convolution.
	Groups int
}

// Conv1DOptions configures Conv1D, PyTorch's arguments of F.conv1d. The
// zero value gives PyTorch's defaults: Stride, Dilation and Groups 0 mean
// 1, Padding 0 means none.
type Conv1DOptions struct {
	Stride, Padding, Dilation, Groups int
}

// ConvTransposeOptions configures ConvTranspose2D, PyTorch's arguments of
// F.conv_transpose2d, each (height, width). The zero value gives PyTorch's
// defaults (stride 1, padding 0, output padding 0, dilation 1, groups 1).
type ConvTransposeOptions struct {
	// Stride, Padding and Dilation are those of the Conv2D whose adjoint
	// this is: Padding removes that many rows and columns from each side of
	// the full output.
	Stride, Padding, Dilation [2]int
	// OutputPadding adds rows and columns at the bottom and right of the
	// output, to choose among the output sizes a strided Conv2D maps to the
	// same input size. Each entry must be smaller than the stride or the
	// dilation.
	OutputPadding [2]int
	// Groups as in ConvOptions; the weight then has shape
	// (in, out/Groups, kh, kw).
	Groups int
}

// one replaces zero entries by 1 (the default of strides, dilations and
// groups).
func one(v int) int {
	if v == 0 {
		return 1
	}
	return v
}

// convGeom is the geometry of one convolution between an image side (the
// input of a Conv2D: c channels of h×w) and a column side (its output
// positions, oh×ow). im2col reads the image into a matrix of c·kh·kw rows
// and oh·ow columns; col2im is its adjoint.
type convGeom struct {
	c, h, w                int
	kh, kw                 int
	sh, sw, ph, pw, dh, dw int
	oh, ow                 int
	groups                 int
}

func (g *convGeom) imgSize() int { return g.c * g.h * g.w }
func (g *convGeom) rows() int    { return g.c * g.kh * g.kw }
func (g *convGeom) cols() int    { return g.oh * g.ow }

// direct reports whether the column matrix is the image itself (a 1×1
// kernel with stride 1 and no padding), so im2col can be skipped.
func (g *convGeom) direct() bool {
	return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.oh == g.h && g.ow == g.w
}

// span returns the output positions o in [0, n) whose input position
// o*s + off lies in [0, size).
func span(n, s, off, size int) (lo, hi int) {
	if off < 0 {
		lo = (-off + s - 1) / s
	}
	if size-off > 0 {
		hi = (size - off + s - 1) / s
	}
	hi = min(hi, n)
	lo = min(lo, hi)
	return lo, hi
}

// im2colRows writes rows r0..r1 of the column matrix of one image (c·h·w
// values) into col ((r1-r0)·cols() values): row (ci·kh + ki)·kw + kj,
// column oh·ow+… holds the input under tap (ki, kj) of the window at that
// output position, or zero in the padding.
func im2colRows(g *convGeom, img, col []float32, r0, r1 int) {
	L := g.cols()
	for r := r0; r < r1; r++ {
		ci, t := r/(g.kh*g.kw), r%(g.kh*g.kw)
		ki, kj := t/g.kw, t%g.kw
		plane := img[ci*g.h*g.w : (ci+1)*g.h*g.w]
		offH := ki*g.dh - g.ph
		hlo, hhi := span(g.oh, g.sh, offH, g.h)
		offW := kj*g.dw - g.pw
		wlo, whi := span(g.ow, g.sw, offW, g.w)
		dst := col[(r-r0)*L : (r-r0+1)*L]
		clear(dst[:hlo*g.ow])
		clear(dst[hhi*g.ow:])
		if g.sw == 1 && g.ow == g.w && g.sh == 1 && hlo < hhi && wlo < whi {
			// Rows of the image and of the column matrix have the same
			// length: the taps of all output rows are one contiguous
			// block of the plane, shifted. Copy it at once, then zero the
			// padding columns, which got values from neighbouring rows.
			a, b := hlo*g.ow+wlo, (hhi-1)*g.ow+whi
			d := offH*g.w + offW
			copy(dst[a:b], plane[a+d:b+d])
			for oh := hlo; oh < hhi; oh++ {
				row := dst[oh*g.ow : (oh+1)*g.ow]
				for j := range row[:wlo] {
					row[j] = 0
				}
				for j := whi; j < len(row); j++ {
					row[j] = 0
				}
			}
			continue
		}
		if g.sw == 1 {
			// Rows of a different length than the image's: one call
			// copies them all (calls to memmove and memclr per row cost
			// more than the short rows themselves).
			if hlo < hhi && wlo < whi {
				copyRows(dst[hlo*g.ow+wlo:], g.ow, plane[(hlo*g.sh+offH)*g.w+wlo+offW:], g.sh*g.w, hhi-hlo, whi-wlo)
			}
			if wlo > 0 || whi < g.ow {
				for oh := hlo; oh < hhi; oh++ {
					row := dst[oh*g.ow : (oh+1)*g.ow]
					for j := range row[:wlo] {
						row[j] = 0
					}
					for j := max(whi, wlo); j < len(row); j++ {
						row[j] = 0
					}
				}
			}
			continue
		}
		for oh := hlo; oh < hhi; oh++ {
			row := dst[oh*g.ow : (oh+1)*g.ow]
			src := plane[(oh*g.sh+offH)*g.w : (oh*g.sh+offH+1)*g.w]
			clear(row[:wlo])
			clear(row[max(whi, wlo):])
			for ow := wlo; ow < whi; ow++ {
				row[ow] = src[ow*g.sw+offW]
			}
		}
	}
}

// col2imRows adds rows r0..r1 of a column matrix, held in col, back into
// the image img: the adjoint of im2colRows. Each image value receives its
// terms in increasing row order. It may overwrite the entries of col that
// fall in the padding.
func col2imRows(g *convGeom, col, img []float32, r0, r1 int) {
	L := g.cols()
	for r := r0; r < r1; r++ {
		ci, t := r/(g.kh*g.kw), r%(g.kh*g.kw)
		ki, kj := t/g.kw, t%g.kw
		plane := img[ci*g.h*g.w : (ci+1)*g.h*g.w]
		offH := ki*g.dh - g.ph
		hlo, hhi := span(g.oh, g.sh, offH, g.h)
		offW := kj*g.dw - g.pw
		wlo, whi := span(g.ow, g.sw, offW, g.w)
		src := col[(r-r0)*L : (r-r0+1)*L]
		if g.sw == 1 && g.ow == g.w && g.sh == 1 && hlo < hhi && wlo < whi {
			// As in im2colRows, the rows form one contiguous block:
			// zero the padding columns of col (scratch; their gradient
			// is dropped) and add the block at once. The image then gets
			// extra +0 terms, which change nothing.
			for oh := hlo; oh < hhi; oh++ {
				row := src[oh*g.ow : (oh+1)*g.ow]
				for j := range row[:wlo] {
					row[j] = 0
				}
				for j := whi; j < len(row); j++ {
					row[j] = 0
				}
			}
			a, b := hlo*g.ow+wlo, (hhi-1)*g.ow+whi
			d := offH*g.w + offW
			addFloats(plane[a+d:b+d], src[a:b])
			continue
		}
		if g.sw == 1 {
			if hlo < hhi && wlo < whi {
				addRows(plane[(hlo*g.sh+offH)*g.w+wlo+offW:], g.sh*g.w, src[hlo*g.ow+wlo:], g.ow, hhi-hlo, whi-wlo)
			}
			continue
		}
		for oh := hlo; oh < hhi; oh++ {
			row := src[oh*g.ow : (oh+1)*g.ow]
			dst := plane[(oh*g.sh+offH)*g.w : (oh*g.sh+offH+1)*g.w]
			for ow := wlo; ow < whi; ow++ {
				dst[ow*g.sw+offW] += row[ow]
			}
		}
	}
}

// convChunk is the number of rows of the column matrix (of cols values
// each) the convolutions build at a time, so that the piece stays in the
// L2 cache between im2col and the matrix product: about 256 KiB (fewer,
// larger chunks pack the other operand less often; 256 KiB measured a
// little faster than 128 and 512 on the MNIST model A's second
// convolution), a multiple of 48 (both tile heights 6 and 16 of the AVX2
// kernel divide it).
func convChunk(cols int) int { return max(48, (1<<16)/max(1, cols)/48*48) }

// convGemm computes c = op(a)·op(b) + beta·c for row-major matrices, op
// transposing when asked: op(a) is m×k, op(b) k×n, c m×n with row lengths
// lda, ldb and ldc as stored, on at most workers goroutines. Every matrix
// product of the convolutions goes through here, so a faster kernel can
// replace it in one place.
func convGemm(workers int, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmWith(workers, ta, tb, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}

// innerWorkers returns how many goroutines each matrix product of a loop
// parallelFor(n, grain, …) may use: one when the loop itself runs in
// parallel, all of them otherwise. (gemm's result does not depend on it.)
func innerWorkers(n, grain int) int {
	p := runtime.GOMAXPROCS(0)
	if min(p, n/max(1, grain)) > 1 {
		return 1
	}
	return p
}

// convGrain returns how many samples a goroutine should take at least,
// given the multiply-adds of one sample.
func convGrain(perSample int) int { return max(1, (1<<17)/max(1, perSample)) }

// convCols computes, for each of n samples, out = W·im2col(img) per group:
// img holds n images of g.imgSize() values, w is (o, g.c/groups·kh·kw)
// and out n blocks of o·cols() values, which it overwrites. It is the
// input gradient of ConvTranspose2D.
func convCols(g *convGeom, n, o int, img, w, out []float32) { convColsBias(g, n, o, img, w, nil, out) }

// convColsBias is convCols plus bias[ch] on each output channel ch when
// bias is not nil, added to each sample while its output is in cache: the
// forward pass of Conv2D.
func convColsBias(g *convGeom, n, o int, img, w, bias, out []float32) {
	gr := g.groups
	cg, og := g.c/gr, o/gr
	kg := cg * g.kh * g.kw // rows of one group's column matrix
	L := g.cols()
	grain := convGrain(o * kg * L)
	iw := innerWorkers(n, grain)
	// The column matrix is built one k block of the product at a time
	// (the blocks gemm would use for the whole product, so the sums are
	// the same) and multiplied while it is in cache.
	kcb := gemmKBlock(kg)
	parallelFor(n, grain, func(lo, hi int) {
		var col []float32
		if !g.direct() {
			buf := getConvBuf(min(kcb, kg) * L)
			defer putConvBuf(buf)
			col = *buf
		}
		for i := lo; i < hi; i++ {
			x := img[i*g.imgSize() : (i+1)*g.imgSize()]
			dst := out[i*o*L : (i+1)*o*L]
			for j := 0; j < gr; j++ {
				if col == nil {
					convGemm(iw, false, false, og, L, kg, w[j*og*kg:], kg, x[j*kg*L:], L, 0, dst[j*og*L:], L)
					continue
				}
				for r0 := 0; r0 < kg; r0 += kcb {
					r1 := min(r0+kcb, kg)
					im2colRows(g, x, col, j*kg+r0, j*kg+r1)
					beta := float32(1)
					if r0 == 0 {
						beta = 0
					}
					convGemm(iw, false, false, og, L, r1-r0, w[j*og*kg+r0:], kg, col, L, beta, dst[j*og*L:], L)
				}
			}
			if bias != nil {
				// The sample's output is still in cache: add the bias
				// now rather than in a pass of its own.
				addBiasRows(dst, bias, L)
			}
		}
	})
}

// convImgs is the adjoint of convCols: for each sample, img += col2im(Wᵀ·cols)
// per group, with cols n blocks of o·cols() values. It is the input
// gradient of Conv2D and the forward pass of ConvTranspose2D. img must
// start at zero.
func convImgs(g *convGeom, n, o int, cols, w, img []float32) {
	gr := g.groups
	cg, og := g.c/gr, o/gr
	kg := cg * g.kh * g.kw
	L := g.cols()
	grain := convGrain(o * kg * L)
	iw := innerWorkers(n, grain)
	// The column matrix is computed a chunk of rows at a time and added
	// into the image while it is in cache (rows are independent, and
	// col2imRows adds them in the same order).
	chunk := convChunk(L)
	parallelFor(n, grain, func(lo, hi int) {
		var col []float32
		if !g.direct() {
			buf := getConvBuf(min(chunk, kg) * L)
			defer putConvBuf(buf)
			col = *buf
		}
		for i := lo; i < hi; i++ {
			x := img[i*g.imgSize() : (i+1)*g.imgSize()]
			src := cols[i*o*L : (i+1)*o*L]
			for j := 0; j < gr; j++ {
				if col == nil {
					convGemm(iw, true, false, kg, L, og, w[j*og*kg:], kg, src[j*og*L:], L, 0, x[j*kg*L:], L)
					continue
				}
				for r0 := 0; r0 < kg; r0 += chunk {
					r1 := min(r0+chunk, kg)
					convGemm(iw, true, false, r1-r0, L, og, w[j*og*kg+r0:], kg, src[j*og*L:], L, 0, col, L)
					col2imRows(g, col, x, j*kg+r0, j*kg+r1)
				}
			}
		}
	})
}

// Weight-gradient reduction over the batch: the samples are split into at
// most convGradBlocks fixed blocks (fewer when the weight is large, so the
// partial sums stay within convGradBudget values), each block's gradient is
// computed on its own and the blocks are summed in order. The split
// depends only on the shapes, so the result does not depend on GOMAXPROCS.
const (
	convGradBlocks = 16
	convGradBudget = 1 << 22
)

// convWeightGrad returns Σ over samples of cols·im2col(img)ᵀ per group, in
// w's layout (o, g.c/groups·kh·kw): the weight gradient of Conv2D (cols is
// the output gradient, img the input) and of ConvTranspose2D (cols the
// input, img the output gradient).
func convWeightGrad(g *convGeom, n, o int, img, cols []float32) []float32 {
	gr := g.groups
	cg, og := g.c/gr, o/gr
	kg := cg * g.kh * g.kw
	L := g.cols()
	size := o * kg
	gw := make([]float32, size)
	if n == 0 || size == 0 {
		return gw
	}
	nb := min(n, convGradBlocks, max(1, convGradBudget/size))
	per := (n + nb - 1) / nb
	nb = (n + per - 1) / per
	parts := make([][]float32, nb)
	parts[0] = gw
	iw := innerWorkers(nb, 1)
	// The whole column matrix at once: in chunks (columns of the gradient,
	// which are independent) gemm would pack gy again for each, which
	// costs more than the chunks' staying in the L2 cache saves (measured
	// on the MNIST model A's second convolution).
	chunk := kg
	parallelFor(nb, 1, func(lo, hi int) {
		var col []float32
		if !g.direct() {
			buf := getConvBuf(min(chunk, kg) * L)
			defer putConvBuf(buf)
			col = *buf
		}
		for b := lo; b < hi; b++ {
			part := parts[b]
			if part == nil {
				part = make([]float32, size)
				parts[b] = part
			}
			for i := b * per; i < min(n, (b+1)*per); i++ {
				x := img[i*g.imgSize() : (i+1)*g.imgSize()]
				gy := cols[i*o*L : (i+1)*o*L]
				for j := 0; j < gr; j++ {
					if col == nil {
						convGemm(iw, false, true, og, kg, L, gy[j*og*L:], L, x[j*kg*L:], L, 1, part[j*og*kg:], kg)
						continue
					}
					for r0 := 0; r0 < kg; r0 += chunk {
						r1 := min(r0+chunk, kg)
						im2colRows(g, x, col, j*kg+r0, j*kg+r1)
						convGemm(iw, false, true, og, r1-r0, L, gy[j*og*L:], L, col, L, 1, part[j*og*kg+r0:], kg)
					}
				}
			}
		}
	})
	if nb > 1 {
		parallelFor(size, grainElementwise/nb, func(lo, hi int) {
			for _, p := range parts[1:] {
				addTo(gw[lo:hi], p[lo:hi])
			}
		})
	}
	return gw
}

// channelSums returns, for data laid out as n blocks of c channels of l
// values, the sum of each channel over the blocks and positions (float64
// accumulation in a fixed order): the gradient of a per-channel bias.
func channelSums(data []float32, n, c, l int) []float32 {
	out := make([]float32, c)
	parallelFor(c, max(1, grainElementwise/max(1, n*l)), func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			// Four partial sums (by position mod 4) break the chain of
			// dependent additions; the order is fixed.
			var s0, s1, s2, s3 float64
			for i := 0; i < n; i++ {
				row := data[(i*c+ch)*l : (i*c+ch+1)*l]
				j := 0
				for ; j+4 <= len(row); j += 4 {
					q := row[j : j+4 : j+4]
					s0 += float64(q[0])
					s1 += float64(q[1])
					s2 += float64(q[2])
					s3 += float64(q[3])
				}
				for ; j < len(row); j++ {
					s0 += float64(row[j])
				}
			}
			out[ch] = float32((s0 + s1) + (s2 + s3))
		}
	})
	return out
}

// addBiasRows adds b[ch] to the ch-th row of l values of data.
func addBiasRows(data, b []float32, l int) {
	for ch, v := range b {
		row := data[ch*l : (ch+1)*l]
		for i := range row {
			row[i] += v
		}
	}
}

// addChannelBias adds b[ch] to every value of channel ch of n blocks of c
// channels of l values.
func addChannelBias(data, b []float32, n, c, l int) {
	parallelFor(n*c, max(1, grainElementwise/max(1, l)), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			v := b[p%c]
			row := data[p*l : (p+1)*l]
			for i := range row {
				row[i] += v
			}
		}
	})
}

// convSpec is a convolution's configuration after defaults, per spatial
// dimension (1 or 2 of them).
type convSpec struct {
	stride, pad, dil, outPad []int
	groups                   int
}

// checkConv validates the shapes of a convolution (or transposed
// convolution, with transpose) with nd spatial dimensions and panics with
// a message naming op and the shapes. x and w must have nd+2 dimensions.
func checkConv(op string, x, w, b *Tensor, s convSpec, nd int, transpose bool) {
	if len(x.shape) != nd+2 || len(w.shape) != nd+2 {
		what := fmt.Sprintf("want input (N, C%s) and weight (O, C/groups%s), shapes", spatialNames(nd), kernelNames(nd))
		if transpose {
			what = fmt.Sprintf("want input (N, C%s) and weight (C, O/groups%s), shapes", spatialNames(nd), kernelNames(nd))
		}
		panicShape(op, what, x.shape, w.shape)
	}
	g := s.groups
	if g < 1 {
		panic(fmt.Sprintf("tensor.%s: groups %d must be positive", op, g))
	}
	for d := 0; d < nd; d++ {
		if s.stride[d] < 1 || s.dil[d] < 1 || s.pad[d] < 0 || (s.outPad != nil && s.outPad[d] < 0) {
			panic(fmt.Sprintf("tensor.%s: bad options: stride %v, padding %v, dilation %v%s (stride and dilation must be positive, padding not negative)",
				op, s.stride, s.pad, s.dil, outPadText(s.outPad)))
		}
	}
	c := x.shape[1]
	if c%g != 0 {
		panicShape(op, fmt.Sprintf("%d input channels are not divisible by groups %d, shapes", c, g), x.shape, w.shape)
	}
	var o int
	if transpose {
		if w.shape[0] != c {
			panicShape(op, "weight's first dimension must equal the input channels, shapes", x.shape, w.shape)
		}
		o = w.shape[1] * g
	} else {
		o = w.shape[0]
		if o%g != 0 {
			panicShape(op, fmt.Sprintf("%d output channels are not divisible by groups %d, shapes", o, g), x.shape, w.shape)
		}
		if w.shape[1]*g != c {
			panicShape(op, fmt.Sprintf("weight expects %d input channels (%d per group × %d groups), input has %d, shapes", w.shape[1]*g, w.shape[1], g, c), x.shape, w.shape)
		}
	}
	if b != nil && (len(b.shape) != 1 || b.shape[0] != o) {
		panicShape(op, fmt.Sprintf("bias must have shape [%d], shapes (input, weight, bias)", o), x.shape, w.shape, b.shape)
	}
	for d := 0; d < nd; d++ {
		in, k := x.shape[2+d], w.shape[2+d]
		if k < 1 || in < 1 {
			panicShape(op, "empty spatial dimension in input or kernel, shapes", x.shape, w.shape)
		}
		if transpose {
			if s.outPad[d] >= s.stride[d] && s.outPad[d] >= s.dil[d] {
				panic(fmt.Sprintf("tensor.%s: output padding %v must be smaller than the stride %v or the dilation %v", op, s.outPad, s.stride, s.dil))
			}
			if convTransposeOut(in, k, s.stride[d], s.pad[d], s.dil[d], s.outPad[d]) < 1 {
				panicShape(op, fmt.Sprintf("padding %v leaves no output, shapes", s.pad), x.shape, w.shape)
			}
			continue
		}
		if eff := s.dil[d]*(k-1) + 1; eff > in+2*s.pad[d] {
			panicShape(op, fmt.Sprintf("kernel (dilated size %d) larger than the padded input (%d) in spatial dimension %d, shapes", eff, in+2*s.pad[d], d), x.shape, w.shape)
		}
	}
}

func spatialNames(nd int) string {
	if nd == 1 {
		return ", L"
	}
	return ", H, W"
}

func kernelNames(nd int) string {
	if nd == 1 {
		return ", k"
	}
	return ", kh, kw"
}

func outPadText(op []int) string {
	if op == nil {
		return ""
	}
	return fmt.Sprintf(", output padding %v", op)
}

// convOut is the output size of a convolution along one dimension.
func convOut(in, k, s, p, d int) int { return (in+2*p-d*(k-1)-1)/s + 1 }

// convTransposeOut is the output size of a transposed convolution along
// one dimension.
func convTransposeOut(in, k, s, p, d, op int) int { return (in-1)*s - 2*p + d*(k-1) + op + 1 }

func (o ConvOptions) spec() convSpec {
	return convSpec{
		stride: []int{one(o.Stride[0]), one(o.Stride[1])},
		pad:    []int{o.Padding[0], o.Padding[1]},
		dil:    []int{one(o.Dilation[0]), one(o.Dilation[1])},
		groups: one(o.Groups),
	}
}

// Conv2D returns the 2-D convolution (cross-correlation) of x with the
// filters w plus the bias b, PyTorch's F.conv2d(x, w, b, stride, padding,
// dilation, groups): x has shape (N, C, H, W) (or (C, H, W) for one
// sample), w (O, C/groups, kh, kw) and b (O) or nil; the result is
// (N, O, OH, OW) with OH = (H + 2·pad - dil·(kh-1) - 1)/stride + 1, and
// likewise OW. The zero ConvOptions gives PyTorch's defaults. The result is
// differentiable in x, w and b.
//
// It runs as im2col and a matrix product per sample, in parallel over the
// batch. It panics, naming the shapes, if the channels do not match the
// weight or the groups, or the dilated kernel is larger than the padded
// input.
func (x *Tensor) Conv2D(w, b *Tensor, o ConvOptions) *Tensor {
	if len(x.shape) == 3 {
		return x.Unsqueeze(0).Conv2D(w, b, o).Squeeze(0)
	}
	return conv2d("Conv2D", x, w, b, o.spec())
}

func conv2d(op string, x, w, b *Tensor, s convSpec) *Tensor {
	checkConv(op, x, w, b, s, 2, false)
	n, c, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	o, kh, kw := w.shape[0], w.shape[2], w.shape[3]
	g := &convGeom{
		c: c, h: h, w: wd, kh: kh, kw: kw,
		sh: s.stride[0], sw: s.stride[1], ph: s.pad[0], pw: s.pad[1], dh: s.dil[0], dw: s.dil[1],
		groups: s.groups,
	}
	g.oh, g.ow = convOut(h, kh, g.sh, g.ph, g.dh), convOut(wd, kw, g.sw, g.pw, g.dw)
	out := Zeros(n, o, g.oh, g.ow)
	var bias []float32
	if b != nil {
		bias = b.data
	}
	convColsBias(g, n, o, x.data, w.data, bias, out.data)
	if anyRequiresGrad(x, w, b) {
		out.setNode(func(gy *Tensor) []*Tensor {
			var gx, gw, gb *Tensor
			if x.requiresGrad {
				gx = Zeros(x.shape...)
				convImgs(g, n, o, gy.data, w.data, gx.data)
			}
			if w.requiresGrad {
				gw = New(convWeightGrad(g, n, o, x.data, gy.data), w.shape...)
			}
			if b != nil && b.requiresGrad {
				gb = New(channelSums(gy.data, n, o, g.cols()), o)
			}
			return []*Tensor{gx, gw, gb}
		}, x, w, b)
	}
	return out
}

// Conv1D returns the 1-D convolution of x (N, C, L) (or (C, L)) with the
// filters w (O, C/groups, k) plus the bias b (O) or nil, PyTorch's
// F.conv1d; the result is (N, O, OL) with OL = (L + 2·pad - dil·(k-1) -
// 1)/stride + 1. The zero Conv1DOptions gives PyTorch's defaults. It is
// Conv2D over a height of 1, differentiable in x, w and b.
func (x *Tensor) Conv1D(w, b *Tensor, o Conv1DOptions) *Tensor {
	if len(x.shape) == 2 {
		return x.Unsqueeze(0).Conv1D(w, b, o).Squeeze(0)
	}
	s := convSpec{
		stride: []int{one(o.Stride)}, pad: []int{o.Padding}, dil: []int{one(o.Dilation)}, groups: one(o.Groups),
	}
	checkConv("Conv1D", x, w, b, s, 1, false)
	s2 := convSpec{
		stride: []int{1, s.stride[0]}, pad: []int{0, s.pad[0]}, dil: []int{1, s.dil[0]}, groups: s.groups,
	}
	return conv2d("Conv1D", x.Unsqueeze(2), w.Unsqueeze(2), b, s2).Squeeze(2)
}

// ConvTranspose2D returns the transposed 2-D convolution of x with w plus
// the bias b, PyTorch's F.conv_transpose2d(x, w, b, stride, padding,
// output_padding, groups, dilation): x has shape (N, C, H, W) (or
// (C, H, W)), w (C, O/groups, kh, kw) and b (O) or nil; the result is
// (N, O, OH, OW) with OH = (H-1)·stride - 2·pad + dil·(kh-1) +
// output_pad + 1, and likewise OW. It is the adjoint (the input gradient)
// of Conv2D with the same weight and options, and is differentiable in x,
// w and b. The zero ConvTransposeOptions gives PyTorch's defaults.
func (x *Tensor) ConvTranspose2D(w, b *Tensor, o ConvTransposeOptions) *Tensor {
	if len(x.shape) == 3 {
		return x.Unsqueeze(0).ConvTranspose2D(w, b, o).Squeeze(0)
	}
	s := convSpec{
		stride: []int{one(o.Stride[0]), one(o.Stride[1])},
		pad:    []int{o.Padding[0], o.Padding[1]},
		dil:    []int{one(o.Dilation[0]), one(o.Dilation[1])},
		outPad: []int{o.OutputPadding[0], o.OutputPadding[1]},
		groups: one(o.Groups),
	}
	op := "ConvTranspose2D"
	checkConv(op, x, w, b, s, 2, true)
	n, c, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	kh, kw := w.shape[2], w.shape[3]
	co := w.shape[1] * s.groups
	// The geometry of the Conv2D this is the adjoint of: its image is our
	// output, its columns our input positions.
	g := &convGeom{
		c: co, kh: kh, kw: kw, oh: h, ow: wd,
		sh: s.stride[0], sw: s.stride[1], ph: s.pad[0], pw: s.pad[1], dh: s.dil[0], dw: s.dil[1],
		groups: s.groups,
	}
	g.h = convTransposeOut(h, kh, g.sh, g.ph, g.dh, s.outPad[0])
	g.w = convTransposeOut(wd, kw, g.sw, g.pw, g.dw, s.outPad[1])
	out := Zeros(n, co, g.h, g.w)
	convImgs(g, n, c, x.data, w.data, out.data)
	if b != nil {
		addChannelBias(out.data, b.data, n, co, g.h*g.w)
	}
	if anyRequiresGrad(x, w, b) {
		out.setNode(func(gy *Tensor) []*Tensor {
			var gx, gw, gb *Tensor
			if x.requiresGrad {
				gx = Zeros(x.shape...)
				convCols(g, n, c, gy.data, w.data, gx.data)
			}
			if w.requiresGrad {
				gw = New(convWeightGrad(g, n, c, gy.data, x.data), w.shape...)
			}
			if b != nil && b.requiresGrad {
				gb = New(channelSums(gy.data, n, co, g.h*g.w), co)
			}
			return []*Tensor{gx, gw, gb}
		}, x, w, b)
	}
	return out
}
