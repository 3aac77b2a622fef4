package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"strings"
)

// IDXType is the element type of an IDX file, the third byte of its magic
// number.
type IDXType byte

// The element types of the IDX format. Multi-byte values are big-endian.
const (
	IDXUint8   IDXType = 0x08 // unsigned byte (MNIST images and labels)
	IDXInt8    IDXType = 0x09 // signed byte
	IDXInt16   IDXType = 0x0B // 2-byte integer
	IDXInt32   IDXType = 0x0C // 4-byte integer
	IDXFloat32 IDXType = 0x0D // 4-byte IEEE 754 float
	IDXFloat64 IDXType = 0x0E // 8-byte IEEE 754 float
)

// Size returns the number of bytes of one element of type t, or 0 if t is
// not one of the IDX types.
func (t IDXType) Size() int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// String returns the name the IDX specification uses for t ("ubyte",
// "int", ...), or its hexadecimal code if t is not an IDX type.
func (t IDXType) String() string {
	switch t {
	case IDXUint8:
		return "ubyte"
	case IDXInt8:
		return "byte"
	case IDXInt16:
		return "short"
	case IDXInt32:
		return "int"
	case IDXFloat32:
		return "float"
	case IDXFloat64:
		return "double"
	}
	return fmt.Sprintf("0x%02X", byte(t))
}

// IDX is the content of an IDX file: an n-dimensional array of one element
// type, the format of the MNIST files.
type IDX struct {
	Type IDXType
	// Dims are the dimension sizes, outermost first: [60000 28 28] for the
	// MNIST training images.
	Dims []int
	// Data holds the elements in row-major order exactly as the file
	// stores them (big-endian); len(Data) is Len()*Type.Size().
	Data []byte
}

// Len returns the number of elements, the product of Dims.
func (x *IDX) Len() int {
	n := 1
	for _, d := range x.Dims {
		n *= d
	}
	return n
}

// Float32s converts the elements to float32 values, in row-major order.
// 4-byte integers beyond ±2^24 and float64 values lose precision, as in a
// float32 cast. It panics if Type is not an IDX type or Data does not hold
// Len() elements.
func (x *IDX) Float32s() []float32 {
	size := x.Type.Size()
	if size == 0 || len(x.Data) != x.Len()*size {
		panic(fmt.Sprintf("data.IDX.Float32s: %d bytes of type %v for dimensions %v", len(x.Data), x.Type, x.Dims))
	}
	out := make([]float32, len(x.Data)/size)
	b := x.Data
	switch x.Type {
	case IDXUint8:
		for i := range out {
			out[i] = float32(b[i])
		}
	case IDXInt8:
		for i := range out {
			out[i] = float32(int8(b[i]))
		}
	case IDXInt16:
		for i := range out {
			out[i] = float32(int16(binary.BigEndian.Uint16(b[2*i:])))
		}
	case IDXInt32:
		for i := range out {
			out[i] = float32(int32(binary.BigEndian.Uint32(b[4*i:])))
		}
	case IDXFloat32:
		for i := range out {
			out[i] = math.Float32frombits(binary.BigEndian.Uint32(b[4*i:]))
		}
	case IDXFloat64:
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.BigEndian.Uint64(b[8*i:])))
		}
	}
	return out
}

// IDXError reports a malformed or unreadable IDX input: which input, where
// in it and what is wrong. Offset counts bytes of the IDX content, after
// gzip decompression when the input is compressed.
type IDXError struct {
	Name   string // the file path, or "IDX input" for a reader
	Gzip   bool   // whether the input was gzip-compressed
	Offset int64  // byte offset of the problem in the (decompressed) content
	Msg    string // what is wrong
	// Err is the underlying error, if any: io.ErrUnexpectedEOF for every
	// truncation, or the error of the reader or of gzip.
	Err error
}

// Error returns "data: NAME: byte OFFSET[ of the decompressed content]: MSG[: ERR]".
func (e *IDXError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "data: %s: byte %d", e.Name, e.Offset)
	if e.Gzip {
		b.WriteString(" of the decompressed content")
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil && !errors.Is(e.Err, io.ErrUnexpectedEOF) {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *IDXError) Unwrap() error { return e.Err }

// DefaultMaxIDXBytes is the default limit on the size of the data an IDX
// header may announce, 1 GiB; see [MaxIDXBytes].
const DefaultMaxIDXBytes int64 = 1 << 30

// IDXOption configures [ReadIDX] and [ReadIDXFile].
type IDXOption func(*idxConfig)

type idxConfig struct{ maxBytes int64 }

// MaxIDXBytes sets the largest data size, in bytes after decompression and
// excluding the header, that the reader accepts (default
// [DefaultMaxIDXBytes]). A header announcing more is rejected before any
// of the data is read. It panics if n is negative.
func MaxIDXBytes(n int64) IDXOption {
	if n < 0 {
		panic(fmt.Sprintf("data.MaxIDXBytes: negative limit %d", n))
	}
	return func(c *idxConfig) { c.maxBytes = n }
}

// ReadIDX reads one IDX array from r, which may be gzip-compressed (it is
// recognised by the gzip magic bytes 1F 8B; an IDX magic starts with two
// zero bytes). It reads r to its end: bytes after the announced data are
// an error, and so, for gzip, is a bad checksum.
//
// The reader never trusts the header with memory: a header announcing more
// than the limit (see [MaxIDXBytes]) is rejected, and the data buffer grows
// as bytes arrive, so a short input fails as truncated having allocated
// about as much as it holds. When r reports how many bytes it holds (a
// Len method, as *bytes.Reader has), a plain input too short for its
// header is rejected before the data is read. Every problem is returned as
// an *[IDXError].
func ReadIDX(r io.Reader, opts ...IDXOption) (*IDX, error) {
	size := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok { // bytes.Reader, strings.Reader, bytes.Buffer
		size = int64(l.Len())
	}
	return readIDX(r, "IDX input", size, opts)
}

// ReadIDXFile reads the IDX file at path, plain or gzip-compressed, like
// [ReadIDX]. For a plain file it checks the announced size against the
// file's size before allocating.
func ReadIDXFile(path string, opts ...IDXOption) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	return readIDX(f, path, size, opts)
}

// initialChunk is the first capacity of the data buffer when the input's
// size is unknown; it doubles as data arrives.
const initialChunk = 64 << 10

// readIDX reads an IDX array from r. size is the number of bytes r holds,
// or -1 if unknown; it is ignored for gzip input.
func readIDX(r io.Reader, name string, size int64, opts []IDXOption) (*IDX, error) {
	cfg := idxConfig{maxBytes: DefaultMaxIDXBytes}
	for _, o := range opts {
		o(&cfg)
	}
	e := &IDXError{Name: name}
	fail := func(off int64, err error, format string, args ...any) (*IDX, error) {
		e.Offset, e.Err, e.Msg = off, err, fmt.Sprintf(format, args...)
		return nil, e
	}
	readErr := func(off int64, err error, what string, got, want int64) (*IDX, error) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			msg := fmt.Sprintf("truncated %s: got %d of %d bytes", what, got, want)
			if off == 0 && got == 0 {
				msg += " (empty input)"
			}
			return fail(off+got, io.ErrUnexpectedEOF, "%s", msg)
		}
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
			return fail(off+got, err, "corrupt gzip stream while reading the %s", what)
		}
		return fail(off+got, err, "reading the %s", what)
	}

	br := bufio.NewReader(r)
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		e.Gzip = true
		size = -1
		zr, err := gzip.NewReader(br)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fail(0, io.ErrUnexpectedEOF, "truncated gzip header")
			}
			return fail(0, err, "bad gzip header")
		}
		defer zr.Close()
		in = zr
	}

	// The magic: two zero bytes, the element type and the number of dimensions.
	var magic [4]byte
	if n, err := io.ReadFull(in, magic[:]); err != nil {
		return readErr(0, err, "header", int64(n), 4)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return fail(0, nil, "bad magic % X: an IDX file starts with two zero bytes, a type byte and a dimension count", magic[:])
	}
	typ := IDXType(magic[2])
	esize := typ.Size()
	if esize == 0 {
		return fail(2, nil, "unsupported data type 0x%02X: want 0x08 (ubyte), 0x09 (byte), 0x0B (short), 0x0C (int), 0x0D (float) or 0x0E (double)", magic[2])
	}
	ndim := int(magic[3])
	headerLen := int64(4 + 4*ndim)

	// The dimension sizes, 4-byte big-endian each.
	dimBytes := make([]byte, 4*ndim)
	if n, err := io.ReadFull(in, dimBytes); err != nil {
		return readErr(0, err, "header", 4+int64(n), headerLen)
	}
	udims := make([]uint64, ndim)
	zero := false
	for i := range udims {
		udims[i] = uint64(binary.BigEndian.Uint32(dimBytes[4*i:]))
		zero = zero || udims[i] == 0
	}
	// The element count and byte size, checked for overflow and the limit
	// before anything is allocated.
	count := uint64(0)
	if !zero {
		count = 1
		for _, u := range udims {
			hi, lo := bits.Mul64(count, u)
			if hi != 0 || lo > math.MaxInt64 {
				return fail(4, nil, "dimensions %v: their product overflows 64-bit integers", udims)
			}
			count = lo
		}
	}
	hi, need := bits.Mul64(count, uint64(esize))
	if hi != 0 || need > math.MaxInt64 {
		return fail(4, nil, "dimensions %v of %d-byte %v: the data size overflows 64-bit integers", udims, esize, typ)
	}
	limit := uint64(min(cfg.maxBytes, int64(math.MaxInt)))
	if need > limit {
		return fail(4, nil, "dimensions %v of %d-byte %v need %d bytes of data, more than the limit of %d (see data.MaxIDXBytes)", udims, esize, typ, need, limit)
	}
	dims := make([]int, ndim)
	for i, u := range udims {
		if u > math.MaxInt { // only on 32-bit platforms, beside a zero dimension
			return fail(4+4*int64(i), nil, "dimension %d is too large for this platform", u)
		}
		dims[i] = int(u)
	}

	// The data.
	want := int64(need)
	if size >= 0 && size-headerLen < want {
		got := max(size-headerLen, 0)
		return fail(headerLen+got, io.ErrUnexpectedEOF, "truncated data: got %d of %d bytes for dimensions %v of %v (the input has %d bytes)", got, want, dims, typ, size)
	}
	var buf []byte
	if size >= 0 {
		buf = make([]byte, 0, want) // the file holds at least this much
	} else {
		buf = make([]byte, 0, min(want, initialChunk))
	}
	for int64(len(buf)) < want {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(want, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		n, err := io.ReadFull(in, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fail(headerLen+int64(len(buf)), io.ErrUnexpectedEOF, "truncated data: got %d of %d bytes for dimensions %v of %v", len(buf), want, dims, typ)
			}
			return readErr(headerLen, err, "data", int64(len(buf)), want)
		}
	}

	// The end: nothing may follow, and a gzip stream must end with a good
	// checksum, which the gzip reader verifies at its end.
	var extra [1]byte
	n, err := io.ReadFull(in, extra[:])
	switch {
	case n > 0:
		return fail(headerLen+want, nil, "unexpected data after the %d bytes that dimensions %v of %v announce", want, dims, typ)
	case errors.Is(err, io.EOF):
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fail(headerLen+want, io.ErrUnexpectedEOF, "truncated gzip stream after the data")
	case err != nil:
		return readErr(headerLen+want, err, "end of the input", 0, 0)
	}
	return &IDX{Type: typ, Dims: dims, Data: buf}, nil
}

// WriteIDX writes x to w in the IDX format, uncompressed (wrap w in a
// gzip.Writer to compress). It returns an error if x has more than 255
// dimensions, a dimension outside 0..2^32-1, an unknown type, or Data of
// the wrong length, and any error of w.
func WriteIDX(w io.Writer, x *IDX) error {
	size := x.Type.Size()
	if size == 0 {
		return fmt.Errorf("data.WriteIDX: unsupported data type %v", x.Type)
	}
	if len(x.Dims) > 255 {
		return fmt.Errorf("data.WriteIDX: %d dimensions, more than 255", len(x.Dims))
	}
	header := []byte{0, 0, byte(x.Type), byte(len(x.Dims))}
	count := uint64(1)
	for _, d := range x.Dims {
		if d < 0 || uint64(d) > math.MaxUint32 {
			return fmt.Errorf("data.WriteIDX: dimension %d out of range in %v", d, x.Dims)
		}
		header = binary.BigEndian.AppendUint32(header, uint32(d))
		hi, lo := bits.Mul64(count, uint64(d))
		if hi != 0 {
			count = math.MaxUint64
		} else {
			count = lo
		}
	}
	if hi, lo := bits.Mul64(count, uint64(size)); hi != 0 || lo != uint64(len(x.Data)) {
		return fmt.Errorf("data.WriteIDX: %d bytes of data for dimensions %v of %v; want %d elements of %d bytes", len(x.Data), x.Dims, x.Type, count, size)
	}
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("data.WriteIDX: %w", err)
	}
	if _, err := w.Write(x.Data); err != nil {
		return fmt.Errorf("data.WriteIDX: %w", err)
	}
	return nil
}
