package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// idxBytes builds an IDX file by hand: magic, big-endian dims, payload.
func idxBytes(typ byte, dims []uint32, payload []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, payload...)
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// roundTripCases are small IDX files of every type, hand-encoded, with the
// values they hold.
var roundTripCases = []struct {
	name    string
	typ     IDXType
	dims    []uint32
	payload []byte
	values  []float32
}{
	{"ubyte 2x3", IDXUint8, []uint32{2, 3}, []byte{0, 1, 2, 127, 128, 255}, []float32{0, 1, 2, 127, 128, 255}},
	{"byte 4", IDXInt8, []uint32{4}, []byte{0, 1, 0x7f, 0xff}, []float32{0, 1, 127, -1}},
	{"short 2x1", IDXInt16, []uint32{2, 1}, []byte{0x01, 0x02, 0xff, 0xfe}, []float32{258, -2}},
	{"int 2", IDXInt32, []uint32{2}, []byte{0, 1, 0, 0, 0xff, 0xff, 0xff, 0xfd}, []float32{65536, -3}},
	{"float 1x1x2", IDXFloat32, []uint32{1, 1, 2}, binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, math.Float32bits(1.5)), math.Float32bits(-0.25)), []float32{1.5, -0.25}},
	{"double 1", IDXFloat64, []uint32{1}, binary.BigEndian.AppendUint64(nil, math.Float64bits(-3.75)), []float32{-3.75}},
	{"ubyte empty 0x5", IDXUint8, []uint32{0, 5}, nil, []float32{}},
	{"ubyte scalar", IDXUint8, nil, []byte{42}, []float32{42}},
}

func TestReadIDXRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i, c := range roundTripCases {
		file := idxBytes(byte(c.typ), c.dims, c.payload)
		for _, gz := range []bool{false, true} {
			in := file
			if gz {
				in = gzipBytes(t, file)
			}
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			if gz {
				path += ".gz"
			}
			if err := os.WriteFile(path, in, 0o644); err != nil {
				t.Fatal(err)
			}
			fromReader, err := ReadIDX(bytes.NewReader(in))
			if err != nil {
				t.Fatalf("%d %s gzip=%v: ReadIDX: %v", i, c.name, gz, err)
			}
			fromFile, err := ReadIDXFile(path)
			if err != nil {
				t.Fatalf("%d %s gzip=%v: ReadIDXFile: %v", i, c.name, gz, err)
			}
			for _, x := range []*IDX{fromReader, fromFile} {
				dims := make([]int, len(c.dims))
				for j, d := range c.dims {
					dims[j] = int(d)
				}
				if x.Type != c.typ || !slices.Equal(x.Dims, dims) || !bytes.Equal(x.Data, c.payload) {
					t.Errorf("%s gzip=%v: got type %v dims %v data %v; want %v %v %v", c.name, gz, x.Type, x.Dims, x.Data, c.typ, dims, c.payload)
				}
				if got := x.Float32s(); !slices.Equal(got, c.values) {
					t.Errorf("%s gzip=%v: Float32s %v; want %v", c.name, gz, got, c.values)
				}
				var out bytes.Buffer
				if err := WriteIDX(&out, x); err != nil {
					t.Fatalf("%s: WriteIDX: %v", c.name, err)
				}
				if !bytes.Equal(out.Bytes(), file) {
					t.Errorf("%s gzip=%v: WriteIDX wrote % X; want % X", c.name, gz, out.Bytes(), file)
				}
			}
		}
	}
}

var errBoom = errors.New("boom")

// streamReader hides the Len method of a bytes.Reader, so that the reader
// does not know the input's size.
type streamReader struct{ r io.Reader }

func (s streamReader) Read(p []byte) (int, error) { return s.r.Read(p) }

func stream(b []byte) io.Reader { return streamReader{bytes.NewReader(b)} }

// failingReader returns its bytes, then errBoom.
type failingReader struct{ b []byte }

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, errBoom
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func TestReadIDXErrors(t *testing.T) {
	t.Parallel()
	valid := idxBytes(0x08, []uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	gz := gzipBytes(t, valid)
	badCRC := slices.Clone(gz)
	badCRC[len(badCRC)-8] ^= 0xff // the CRC-32 is the trailer's first 4 bytes
	short := gzipBytes(t, valid[:14])
	const max32 = math.MaxUint32

	for i, test := range []struct {
		name   string
		in     io.Reader
		opts   []IDXOption
		want   string // the whole message, or its start if prefix is set
		prefix bool
		is     error // errors.Is must hold, if set
	}{
		{"empty", bytes.NewReader(nil), nil,
			"data: IDX input: byte 0: truncated header: got 0 of 4 bytes (empty input)", false, io.ErrUnexpectedEOF},
		{"short magic", bytes.NewReader([]byte{0, 0}), nil,
			"data: IDX input: byte 2: truncated header: got 2 of 4 bytes", false, io.ErrUnexpectedEOF},
		{"bad magic", bytes.NewReader([]byte{0x50, 0x4b, 3, 4, 0, 0}), nil,
			"data: IDX input: byte 0: bad magic 50 4B 03 04: an IDX file starts with two zero bytes, a type byte and a dimension count", false, nil},
		{"unsupported type", bytes.NewReader(idxBytes(0x0A, []uint32{1}, []byte{0})), nil,
			"data: IDX input: byte 2: unsupported data type 0x0A: want 0x08 (ubyte), 0x09 (byte), 0x0B (short), 0x0C (int), 0x0D (float) or 0x0E (double)", false, nil},
		{"truncated dims", bytes.NewReader(idxBytes(0x08, []uint32{2, 3, 4}, nil)[:10]), nil,
			"data: IDX input: byte 10: truncated header: got 10 of 16 bytes", false, io.ErrUnexpectedEOF},
		{"count overflow", bytes.NewReader(idxBytes(0x08, []uint32{max32, max32, max32}, nil)), nil,
			"data: IDX input: byte 4: dimensions [4294967295 4294967295 4294967295]: their product overflows 64-bit integers", false, nil},
		{"size overflow", bytes.NewReader(idxBytes(0x0E, []uint32{1 << 30, 1 << 30}, nil)), nil,
			"data: IDX input: byte 4: dimensions [1073741824 1073741824] of 8-byte double: the data size overflows 64-bit integers", false, nil},
		{"over default limit", bytes.NewReader(idxBytes(0x0C, []uint32{1 << 15, 1 << 15}, nil)), nil,
			"data: IDX input: byte 4: dimensions [32768 32768] of 4-byte int need 4294967296 bytes of data, more than the limit of 1073741824 (see data.MaxIDXBytes)", false, nil},
		{"over set limit", bytes.NewReader(valid), []IDXOption{MaxIDXBytes(5)},
			"data: IDX input: byte 4: dimensions [2 3] of 1-byte ubyte need 6 bytes of data, more than the limit of 5 (see data.MaxIDXBytes)", false, nil},
		{"truncated data", stream(valid[:15]), nil,
			"data: IDX input: byte 15: truncated data: got 3 of 6 bytes for dimensions [2 3] of ubyte", false, io.ErrUnexpectedEOF},
		{"truncated data, known size", bytes.NewReader(valid[:15]), nil,
			"data: IDX input: byte 15: truncated data: got 3 of 6 bytes for dimensions [2 3] of ubyte (the input has 15 bytes)", false, io.ErrUnexpectedEOF},
		{"huge claim, short input", stream(idxBytes(0x08, []uint32{1 << 15, 1 << 15}, []byte{1, 2, 3})), nil,
			"data: IDX input: byte 15: truncated data: got 3 of 1073741824 bytes for dimensions [32768 32768] of ubyte", false, io.ErrUnexpectedEOF},
		{"trailing data", stream(append(slices.Clone(valid), 7)), nil,
			"data: IDX input: byte 18: unexpected data after the 6 bytes that dimensions [2 3] of ubyte announce", false, nil},
		{"trailing data, known size", bytes.NewReader(append(slices.Clone(valid), 7)), nil,
			"data: IDX input: byte 18: unexpected data after the 6 bytes that dimensions [2 3] of ubyte announce", false, nil},
		{"gzip truncated header", bytes.NewReader(gz[:5]), nil,
			"data: IDX input: byte 0 of the decompressed content: truncated gzip header", false, io.ErrUnexpectedEOF},
		{"gzip bad header", bytes.NewReader([]byte{0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 0, 0}), nil,
			"data: IDX input: byte 0 of the decompressed content: bad gzip header: gzip: invalid header", false, gzip.ErrHeader},
		{"gzip truncated stream", bytes.NewReader(gz[:len(gz)-12]), nil,
			"data: IDX input: byte ", true, io.ErrUnexpectedEOF},
		{"gzip truncated content", bytes.NewReader(short), nil,
			"data: IDX input: byte 14 of the decompressed content: truncated data: got 2 of 6 bytes for dimensions [2 3] of ubyte", false, io.ErrUnexpectedEOF},
		{"gzip bad checksum", bytes.NewReader(badCRC), nil,
			"data: IDX input: byte 18 of the decompressed content: corrupt gzip stream while reading the end of the input: gzip: invalid checksum", false, gzip.ErrChecksum},
		{"gzip trailing garbage", bytes.NewReader(append(slices.Clone(gz), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)), nil,
			"data: IDX input: byte 18 of the decompressed content: corrupt gzip stream while reading the end of the input: gzip: invalid header", false, gzip.ErrHeader},
		{"reader error", &failingReader{valid[:14]}, nil,
			"data: IDX input: byte 14: reading the data: boom", false, errBoom},
	} {
		x, err := ReadIDX(test.in, test.opts...)
		if err == nil {
			t.Errorf("%d %s: no error, got %+v", i, test.name, x)
			continue
		}
		var ie *IDXError
		if !errors.As(err, &ie) {
			t.Errorf("%d %s: error %T, want *IDXError", i, test.name, err)
		}
		msg := err.Error()
		if test.prefix && !strings.HasPrefix(msg, test.want) || !test.prefix && msg != test.want {
			t.Errorf("%d %s:\n got %q\nwant %q", i, test.name, msg, test.want)
		}
		if test.is != nil && !errors.Is(err, test.is) {
			t.Errorf("%d %s: errors.Is(%v, %v) is false", i, test.name, err, test.is)
		}
	}
}

// TestReadIDXFileErrors covers what only a file has: a missing path, and a
// size known before reading.
func TestReadIDXFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := ReadIDXFile(filepath.Join(dir, "missing"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "data: open ") {
		t.Errorf("missing file: %v", err)
	}
	path := filepath.Join(dir, "short")
	if err := os.WriteFile(path, idxBytes(0x08, []uint32{1 << 15, 1 << 15}, []byte{1, 2, 3}), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadIDXFile(path)
	want := "data: " + path + ": byte 15: truncated data: got 3 of 1073741824 bytes for dimensions [32768 32768] of ubyte (the input has 15 bytes)"
	if err == nil || err.Error() != want || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short file:\n got %v\nwant %s", err, want)
	}
}

// TestReadIDXBoundedAllocation checks that a header claiming 1 GiB on a
// short input fails without allocating anything like 1 GiB, plain and
// gzip-compressed.
func TestReadIDXBoundedAllocation(t *testing.T) {
	// Not parallel: it measures this goroutine's allocations.
	huge := idxBytes(0x08, []uint32{1 << 15, 1 << 15}, make([]byte, 100_000))
	gz := gzipBytes(t, huge)
	for _, in := range []io.Reader{bytes.NewReader(huge), stream(huge), bytes.NewReader(gz)} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadIDX(in)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("want a truncation error, got %v", err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
			t.Errorf("%T: allocated %d bytes reading a short input", in, alloc)
		}
	}
}

func TestWriteIDXErrors(t *testing.T) {
	t.Parallel()
	for i, test := range []struct {
		x    *IDX
		want string
	}{
		{&IDX{Type: 0x01, Dims: []int{1}, Data: []byte{0}}, "data.WriteIDX: unsupported data type 0x01"},
		{&IDX{Type: IDXUint8, Dims: make([]int, 256)}, "data.WriteIDX: 256 dimensions, more than 255"},
		{&IDX{Type: IDXUint8, Dims: []int{-1}}, "data.WriteIDX: dimension -1 out of range in [-1]"},
		{&IDX{Type: IDXInt16, Dims: []int{2}, Data: []byte{1, 2, 3}}, "data.WriteIDX: 3 bytes of data for dimensions [2] of short; want 2 elements of 2 bytes"},
	} {
		if err := WriteIDX(io.Discard, test.x); err == nil || err.Error() != test.want {
			t.Errorf("%d: got %v; want %s", i, err, test.want)
		}
	}
}

// FuzzIDX feeds arbitrary bytes to ReadIDX: it must return an error or a
// well-formed array that WriteIDX writes back as the same content, and
// never panic.
func FuzzIDX(f *testing.F) {
	for _, c := range roundTripCases {
		file := idxBytes(byte(c.typ), c.dims, c.payload)
		gz := gzipBytes(f, file)
		f.Add(file)
		f.Add(gz)
		f.Add(file[:len(file)/2])               // truncated
		f.Add(gz[:len(gz)-3])                   // truncated gzip trailer
		f.Add(append(slices.Clone(file), 0))    // trailing byte
		corrupt := slices.Clone(file)           // a corrupted dimension
		corrupt[min(len(corrupt)-1, 5)] ^= 0x40 //
		f.Add(corrupt)                          //
		badCRC := slices.Clone(gz)              // corrupted gzip checksum
		badCRC[len(badCRC)-8] ^= 1              //
		f.Add(badCRC)                           //
	}
	f.Add(idxBytes(0x08, []uint32{1 << 15, 1 << 15}, []byte{1, 2, 3}))
	f.Add(idxBytes(0x0E, []uint32{math.MaxUint32, math.MaxUint32, 2}, nil))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := ReadIDX(bytes.NewReader(in), MaxIDXBytes(1<<20))
		if err != nil {
			var ie *IDXError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T %v, want *IDXError", err, err)
			}
			return
		}
		if len(x.Data) != x.Len()*x.Type.Size() {
			t.Fatalf("%d bytes for dims %v of %v", len(x.Data), x.Dims, x.Type)
		}
		if got := x.Float32s(); len(got) != x.Len() {
			t.Fatalf("Float32s gave %d values for %d elements", len(got), x.Len())
		}
		var out bytes.Buffer
		if err := WriteIDX(&out, x); err != nil {
			t.Fatalf("WriteIDX: %v", err)
		}
		if len(in) >= 2 && in[0] == 0x1f && in[1] == 0x8b {
			y, err := ReadIDX(&out)
			if err != nil || y.Type != x.Type || !slices.Equal(y.Dims, x.Dims) || !bytes.Equal(y.Data, x.Data) {
				t.Fatalf("rereading the decompressed content: %v", err)
			}
		} else if !bytes.Equal(out.Bytes(), in) {
			t.Fatalf("WriteIDX wrote % X for input % X", out.Bytes(), in)
		}
	})
}

func BenchmarkReadIDX(b *testing.B) {
	payload := make([]byte, 1000*784)
	for i := range payload {
		payload[i] = byte(i * 7 % 251)
	}
	file := idxBytes(0x08, []uint32{1000, 28, 28}, payload)
	for _, bench := range []struct {
		name   string
		in     []byte
		stream bool
	}{{"plain", file, false}, {"plain-stream", file, true}, {"gzip", gzipBytes(b, file), false}} {
		b.Run(bench.name, func(b *testing.B) {
			b.SetBytes(int64(len(file)))
			for b.Loop() {
				var r io.Reader = bytes.NewReader(bench.in)
				if bench.stream {
					r = streamReader{r}
				}
				if _, err := ReadIDX(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
