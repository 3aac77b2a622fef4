package nn

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/cairn-ml/cairn/internal/atomicfile"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cairn-ml/cairn/tensor"
)

// This file reads and writes Hugging Face's safetensors format
// (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length N, N bytes of UTF-8 JSON describing the tensors, then the
// raw little-endian data.
//
// The header is an object mapping each tensor name to
// {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, with
// offsets relative to the start of the data section, plus an optional
// "__metadata__" object of string → string. Writers pad the header with
// spaces so that the data starts at a multiple of 8 bytes.
//
// The reader applies the reference implementation's validation: a bounded
// header length, a JSON object, a known dtype, a byte length equal to
// product(shape) × dtype size, and offsets that tile the data section
// exactly (no overlap, no gap, nothing left over). It is stricter in two
// places: tensor names must be non-empty, and a key repeated in the
// header or in the metadata is an error (the reference keeps one of them).
// Like the reference, it ignores unknown fields in a tensor entry and
// whitespace around the JSON object.

// MaxSafetensorsHeader is the largest header length, in bytes, that the
// readers accept: 100 MB, the limit of the reference implementation. A
// larger length is rejected before anything is allocated for it.
const MaxSafetensorsHeader = 100_000_000

// SafetensorsError reports what is wrong with a safetensors file: which
// tensor, which offsets, the expected and the actual byte counts.
type SafetensorsError struct {
	Path   string // the file, when read from a file
	Tensor string // the tensor concerned, if any
	Msg    string
}

func (e *SafetensorsError) Error() string {
	var b strings.Builder
	b.WriteString("nn: safetensors")
	if e.Path != "" {
		b.WriteString(" file ")
		b.WriteString(e.Path)
	}
	if e.Tensor != "" {
		b.WriteString(": tensor ")
		b.WriteString(strconv.Quote(e.Tensor))
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

func stErr(tensorName, format string, args ...any) error {
	return &SafetensorsError{Tensor: tensorName, Msg: fmt.Sprintf(format, args...)}
}

// stDtype is how one safetensors dtype is stored and converted to float32.
type stDtype struct {
	size   int
	decode func(dst []float32, src []byte) // len(src) == size*len(dst)
}

var stDtypes = map[string]stDtype{
	"F64": {8, func(d []float32, s []byte) {
		for i := range d {
			d[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(s[8*i:])))
		}
	}},
	"F32": {4, func(d []float32, s []byte) {
		for i := range d {
			d[i] = math.Float32frombits(binary.LittleEndian.Uint32(s[4*i:]))
		}
	}},
	"F16": {2, func(d []float32, s []byte) {
		for i := range d {
			d[i] = halfToFloat32(binary.LittleEndian.Uint16(s[2*i:]))
		}
	}},
	"BF16": {2, func(d []float32, s []byte) {
		for i := range d {
			d[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(s[2*i:])) << 16)
		}
	}},
	"F8_E5M2": {1, func(d []float32, s []byte) {
		for i := range d {
			d[i] = halfToFloat32(uint16(s[i]) << 8)
		}
	}},
	"F8_E4M3": {1, func(d []float32, s []byte) {
		for i := range d {
			d[i] = e4m3ToFloat32(s[i])
		}
	}},
	"I64": {8, func(d []float32, s []byte) {
		for i := range d {
			d[i] = float32(int64(binary.LittleEndian.Uint64(s[8*i:])))
		}
	}},
	"U64": {8, func(d []float32, s []byte) {
		for i := range d {
			d[i] = float32(binary.LittleEndian.Uint64(s[8*i:]))
		}
	}},
	"I32": {4, func(d []float32, s []byte) {
		for i := range d {
			d[i] = float32(int32(binary.LittleEndian.Uint32(s[4*i:])))
		}
	}},
	"U32": {4, func(d []float32, s []byte) {
		for i := range d {
			d[i] = float32(binary.LittleEndian.Uint32(s[4*i:]))
		}
	}},
	"I16": {2, func(d []float32, s []byte) {
		for i := range d {
			d[i] = float32(int16(binary.LittleEndian.Uint16(s[2*i:])))
		}
	}},
	"U16": {2, func(d []float32, s []byte) {
		for i := range d {
			d[i] = float32(binary.LittleEndian.Uint16(s[2*i:]))
		}
	}},
	"I8": {1, func(d []float32, s []byte) {
		for i := range d {
			d[i] = float32(int8(s[i]))
		}
	}},
	"U8": {1, func(d []float32, s []byte) {
		for i := range d {
			d[i] = float32(s[i])
		}
	}},
	"BOOL": {1, func(d []float32, s []byte) {
		for i := range d {
			if s[i] != 0 {
				d[i] = 1
			} else {
				d[i] = 0
			}
		}
	}},
}

// stDtypeNames lists the supported dtypes for error messages.
var stDtypeNames = func() string {
	names := make([]string, 0, len(stDtypes))
	for n := range stDtypes {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}()

// halfToFloat32 converts an IEEE 754 binary16 value to float32, exactly
// (every half is a float32; NaN payloads are kept).
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: mant × 2⁻²⁴, exact in float32
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	default: // rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}

// e4m3ToFloat32 converts an 8-bit float with 4 exponent bits (bias 7) and
// 3 mantissa bits, the "fn" variant PyTorch and safetensors call F8_E4M3:
// no infinities, and S.1111.111 is NaN.
func e4m3ToFloat32(b byte) float32 {
	exp := int(b>>3) & 0xf
	mant := int(b & 7)
	var f float32
	switch {
	case exp == 15 && mant == 7:
		f = float32(math.NaN())
	case exp == 0: // subnormal: mant/8 × 2⁻⁶
		f = float32(math.Ldexp(float64(mant), -9))
	default:
		f = float32(math.Ldexp(float64(8+mant), exp-7-3))
	}
	if b&0x80 != 0 {
		f = -f
	}
	return f
}

// stEntry is one tensor of a parsed header.
type stEntry struct {
	name       string
	dtype      string
	shape      []int
	begin, end uint64
	nbytes     uint64 // product(shape) × dtype size
}

// ReadSafetensors reads a safetensors file from r, the equivalent of
// safetensors.torch.load_file, and returns its tensors by name together
// with the "__metadata__" strings (nil if the file has none).
//
// Every dtype is converted to float32. F32, F16, BF16, F8_E5M2, F8_E4M3,
// BOOL (0 or 1) and integers up to 2²⁴ in magnitude (I8, U8, I16, U16,
// and small I32, U32, I64, U64 values) convert exactly. F64 rounds to the
// nearest float32 and overflows to ±Inf; larger integers round to the
// nearest float32 (int64 above 16,777,216 loses precision), which is fine
// for what integer tensors hold in checkpoints, such as BatchNorm's
// num_batches_tracked counter, but not for ids or hashes.
//
// The whole input is read; a malformed file gives a *SafetensorsError
// that names the tensor and the offsets or byte counts at fault. The
// header length is checked against [MaxSafetensorsHeader] before the
// header is read, and buffers grow only as data actually arrives.
func ReadSafetensors(r io.Reader) (map[string]*tensor.Tensor, map[string]string, error) {
	var prefix [8]byte
	if n, err := io.ReadFull(r, prefix[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, nil, stErr("", "file is %d bytes, too short for the 8-byte header length", n)
		}
		return nil, nil, fmt.Errorf("nn: reading safetensors: %w", err)
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if n > MaxSafetensorsHeader {
		return nil, nil, headerTooLarge(n)
	}
	header, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err != nil {
		return nil, nil, fmt.Errorf("nn: reading safetensors: %w", err)
	}
	if uint64(len(header)) < n {
		return nil, nil, headerPastEnd(n, uint64(len(header)))
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("nn: reading safetensors: %w", err)
	}
	return decodeSafetensors(header, data)
}

// ParseSafetensors is ReadSafetensors for a file already in memory.
func ParseSafetensors(b []byte) (map[string]*tensor.Tensor, map[string]string, error) {
	if len(b) < 8 {
		return nil, nil, stErr("", "file is %d bytes, too short for the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > MaxSafetensorsHeader {
		return nil, nil, headerTooLarge(n)
	}
	if n > uint64(len(b)-8) {
		return nil, nil, headerPastEnd(n, uint64(len(b)-8))
	}
	return decodeSafetensors(b[8:8+n], b[8+n:])
}

// ReadSafetensorsFile is ReadSafetensors for the file at path. Errors
// about the file's contents are a *SafetensorsError with Path set.
func ReadSafetensorsFile(path string) (map[string]*tensor.Tensor, map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("nn: reading safetensors: %w", err)
	}
	state, meta, err := ParseSafetensors(b)
	if se, ok := err.(*SafetensorsError); ok {
		se.Path = path
	}
	return state, meta, err
}

func headerTooLarge(n uint64) error {
	return stErr("", "header length %d exceeds the limit of %d bytes", n, MaxSafetensorsHeader)
}

func headerPastEnd(n, rest uint64) error {
	return stErr("", "header length %d runs past the end of the file (%d bytes follow the length)", n, rest)
}

// decodeSafetensors parses the header, validates the layout against the
// data section and converts every tensor.
func decodeSafetensors(header, data []byte) (map[string]*tensor.Tensor, map[string]string, error) {
	entries, meta, err := parseSafetensorsHeader(header)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSafetensorsLayout(entries, uint64(len(data))); err != nil {
		return nil, nil, err
	}
	out := make(map[string]*tensor.Tensor, len(entries))
	for _, e := range entries {
		dt := stDtypes[e.dtype]
		vals := make([]float32, e.nbytes/uint64(dt.size))
		dt.decode(vals, data[e.begin:e.end])
		out[e.name] = tensor.New(vals, e.shape...)
	}
	return out, meta, nil
}

// parseSafetensorsHeader decodes the JSON header token by token, so that
// duplicate keys, fields with the wrong case and non-integer numbers are
// caught rather than silently merged, as encoding/json's Unmarshal would.
func parseSafetensorsHeader(h []byte) ([]stEntry, map[string]string, error) {
	if !utf8.Valid(h) {
		return nil, nil, stErr("", "header is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(h))
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, nil, jsonErrOr("", "header", "header must be a JSON object", err)
	}
	var (
		entries []stEntry
		meta    map[string]string
		seen    = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, jsonErr("", "header", err)
		}
		name := tok.(string) // Token only returns strings for object keys
		if seen[name] {
			if name == "__metadata__" {
				return nil, nil, stErr("", "__metadata__ appears twice in the header")
			}
			return nil, nil, stErr("", "duplicate tensor name %q in the header", name)
		}
		seen[name] = true
		if name == "__metadata__" {
			if meta, err = parseSafetensorsMeta(dec); err != nil {
				return nil, nil, err
			}
			continue
		}
		if name == "" {
			return nil, nil, stErr("", "header has a tensor with an empty name")
		}
		e, err := parseSafetensorsEntry(dec, name)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, nil, jsonErr("", "header", err)
	}
	off := dec.InputOffset()
	if rest := bytes.TrimLeft(h[off:], " \t\r\n"); len(rest) > 0 {
		return nil, nil, stErr("", "header is not valid JSON: unexpected %q after the object at byte %d", firstRune(rest), len(h)-len(rest))
	}
	return entries, meta, nil
}

func firstRune(b []byte) string {
	_, n := utf8.DecodeRune(b)
	return string(b[:n])
}

// expectDelim reads the next token and checks that it is the delimiter d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		return fmt.Errorf("found %s where %q was expected", describeToken(tok), string(d))
	}
	return nil
}

func describeToken(tok any) string {
	switch v := tok.(type) {
	case json.Delim:
		return strconv.Quote(string(v))
	case string:
		return "string " + strconv.Quote(v)
	case json.Number:
		return "number " + string(v)
	case bool:
		return fmt.Sprintf("%v", v)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

func jsonErr(tensorName, what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return stErr(tensorName, "%s is not valid JSON: unexpected end", what)
	}
	return stErr(tensorName, "%s is not valid JSON: %v", what, err)
}

// parseSafetensorsMeta reads the "__metadata__" value: null or an object
// of strings.
func parseSafetensorsMeta(dec *json.Decoder) (map[string]string, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonErr("", "__metadata__", err)
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, stErr("", "__metadata__ must be an object of strings, found %s", describeToken(tok))
	}
	meta := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonErr("", "__metadata__", err)
		}
		key := tok.(string)
		if _, dup := meta[key]; dup {
			return nil, stErr("", "duplicate key %q in __metadata__", key)
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, jsonErr("", "__metadata__", err)
		}
		v, ok := tok.(string)
		if !ok {
			return nil, stErr("", "__metadata__ must be an object of strings: %q is %s", key, describeToken(tok))
		}
		meta[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonErr("", "__metadata__", err)
	}
	return meta, nil
}

// parseSafetensorsEntry reads one tensor's {"dtype", "shape",
// "data_offsets"} object; other fields are skipped, as the reference does.
func parseSafetensorsEntry(dec *json.Decoder, name string) (stEntry, error) {
	e := stEntry{name: name}
	if err := expectDelim(dec, '{'); err != nil {
		return e, jsonErrOr(name, "entry", "entry must be an object {\"dtype\", \"shape\", \"data_offsets\"}", err)
	}
	var haveDtype, haveShape, haveOffsets bool
	var offsets []uint64
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return e, jsonErr(name, "entry", err)
		}
		field := tok.(string)
		dup := false
		switch field {
		case "dtype":
			dup, haveDtype = haveDtype, true
			if !dup {
				tok, err := dec.Token()
				if err != nil {
					return e, jsonErr(name, "dtype", err)
				}
				s, ok := tok.(string)
				if !ok {
					return e, stErr(name, "dtype must be a string, found %s", describeToken(tok))
				}
				if _, known := stDtypes[s]; !known {
					return e, stErr(name, "unknown or unsupported dtype %q (supported: %s)", s, stDtypeNames)
				}
				e.dtype = s
			}
		case "shape":
			dup, haveShape = haveShape, true
			if !dup {
				dims, err := parseUintArray(dec, name, "shape")
				if err != nil {
					return e, err
				}
				e.shape = make([]int, len(dims))
				for i, d := range dims {
					if d > math.MaxInt {
						return e, stErr(name, "shape dimension %d is too large", d)
					}
					e.shape[i] = int(d)
				}
			}
		case "data_offsets":
			dup, haveOffsets = haveOffsets, true
			if !dup {
				if offsets, err = parseUintArray(dec, name, "data_offsets"); err != nil {
					return e, err
				}
				if len(offsets) != 2 {
					return e, stErr(name, "data_offsets must be [begin, end], found %d numbers", len(offsets))
				}
				e.begin, e.end = offsets[0], offsets[1]
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return e, jsonErr(name, "entry", err)
			}
		}
		if dup {
			return e, stErr(name, "field %q appears twice", field)
		}
	}
	if _, err := dec.Token(); err != nil {
		return e, jsonErr(name, "entry", err)
	}
	switch {
	case !haveDtype:
		return e, stErr(name, "entry has no \"dtype\"")
	case !haveShape:
		return e, stErr(name, "entry has no \"shape\"")
	case !haveOffsets:
		return e, stErr(name, "entry has no \"data_offsets\"")
	}
	size := uint64(stDtypes[e.dtype].size)
	n := size
	for _, d := range e.shape {
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 {
			return e, stErr(name, "dtype %s and shape %v need more than 2⁶⁴ bytes", e.dtype, e.shape)
		}
		n = lo
	}
	e.nbytes = n
	return e, nil
}

// jsonErrOr reports a JSON syntax error in what as such, and any other
// error (valid JSON of the wrong kind) as msg.
func jsonErrOr(name, what, msg string, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return jsonErr(name, what, err)
	}
	return stErr(name, "%s, %v", msg, err)
}

// parseUintArray reads a JSON array of non-negative integers.
func parseUintArray(dec *json.Decoder, name, field string) ([]uint64, error) {
	if err := expectDelim(dec, '['); err != nil {
		return nil, jsonErrOr(name, field, field+" must be an array of non-negative integers", err)
	}
	var out []uint64
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonErr(name, field, err)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, stErr(name, "%s must hold non-negative integers, found %s", field, describeToken(tok))
		}
		v, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, stErr(name, "%s value %s does not fit in 64 bits", field, num)
			}
			return nil, stErr(name, "%s value %s is not a non-negative integer", field, num)
		}
		out = append(out, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonErr(name, field, err)
	}
	return out, nil
}

// checkSafetensorsLayout checks that the entries, sorted by offset, tile
// the data section of dataLen bytes exactly. It sorts entries in place.
func checkSafetensorsLayout(entries []stEntry, dataLen uint64) error {
	slices.SortFunc(entries, func(a, b stEntry) int {
		if c := cmpUint(a.begin, b.begin); c != 0 {
			return c
		}
		if c := cmpUint(a.end, b.end); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	var pos uint64 // end of the previous tensor
	prev := -1
	for i, e := range entries {
		switch {
		case e.end < e.begin:
			return stErr(e.name, "data_offsets [%d, %d] end before they begin", e.begin, e.end)
		case e.end > dataLen:
			return stErr(e.name, "data_offsets [%d, %d] are out of range: the data section has %d bytes", e.begin, e.end, dataLen)
		case e.end-e.begin != e.nbytes:
			return stErr(e.name, "dtype %s and shape %v need %d bytes, but data_offsets [%d, %d] hold %d",
				e.dtype, e.shape, e.nbytes, e.begin, e.end, e.end-e.begin)
		case e.begin < pos:
			p := entries[prev]
			return stErr(e.name, "data_offsets [%d, %d] overlap tensor %q at [%d, %d]", e.begin, e.end, p.name, p.begin, p.end)
		case e.begin > pos:
			return stErr(e.name, "gap in the data section: bytes [%d, %d) before this tensor belong to no tensor", pos, e.begin)
		}
		pos, prev = e.end, i
	}
	if pos != dataLen {
		return stErr("", "bytes [%d, %d) at the end of the data section belong to no tensor (the data section has %d bytes, the tensors cover %d)", pos, dataLen, dataLen, pos)
	}
	return nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// WriteSafetensors writes tensors to w in the safetensors format as F32,
// with metadata (if not empty) as the header's "__metadata__", the
// equivalent of safetensors.torch.save_file.
//
// The output is byte for byte what the reference writer produces for the
// same float32 tensors: tensors are laid out and listed in the header in
// byte order of their names (the reference sorts by dtype, then name, and
// every tensor here is F32), metadata comes first, the JSON is compact
// and escapes only what JSON requires, and the header is padded with
// spaces to a multiple of 8 bytes. Metadata keys are sorted; the reference
// writes them in hash-map order, so with more than one key the two agree
// up to that order. The same input always gives the same bytes.
//
// It returns an error, before writing anything, for a nil tensor, a name
// that is empty, invalid UTF-8, "__metadata__" or repeated, and metadata
// that is not valid UTF-8; otherwise only w's errors.
func WriteSafetensors(w io.Writer, tensors []Named, metadata map[string]string) error {
	header, order, err := safetensorsHeader(tensors, metadata)
	if err != nil {
		return err
	}
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(header)))
	if _, err := w.Write(prefix[:]); err != nil {
		return fmt.Errorf("nn: writing safetensors: %w", err)
	}
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("nn: writing safetensors: %w", err)
	}
	buf := make([]byte, 0, 64<<10)
	for _, t := range order {
		for _, v := range t.Tensor.Data() {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return fmt.Errorf("nn: writing safetensors: tensor %q: %w", t.Name, err)
				}
				buf = buf[:0]
			}
		}
	}
	if len(buf) > 0 {
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("nn: writing safetensors: %w", err)
		}
	}
	return nil
}

// safetensorsHeader validates the input and returns the padded header and
// the tensors in the order their data is written.
func safetensorsHeader(tensors []Named, metadata map[string]string) ([]byte, []Named, error) {
	seen := make(map[string]bool, len(tensors))
	for i, t := range tensors {
		switch {
		case t.Name == "":
			return nil, nil, fmt.Errorf("nn: writing safetensors: tensor %d has an empty name", i)
		case !utf8.ValidString(t.Name):
			return nil, nil, fmt.Errorf("nn: writing safetensors: tensor name %q is not valid UTF-8", t.Name)
		case t.Name == "__metadata__":
			return nil, nil, fmt.Errorf("nn: writing safetensors: a tensor may not be named __metadata__")
		case seen[t.Name]:
			return nil, nil, fmt.Errorf("nn: writing safetensors: duplicate tensor name %q", t.Name)
		case t.Tensor == nil:
			return nil, nil, fmt.Errorf("nn: writing safetensors: tensor %q is nil", t.Name)
		}
		seen[t.Name] = true
	}
	order := slices.Clone(tensors)
	slices.SortFunc(order, func(a, b Named) int { return strings.Compare(a.Name, b.Name) })

	h := []byte{'{'}
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k, v := range metadata {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, nil, fmt.Errorf("nn: writing safetensors: metadata %q: %q is not valid UTF-8", k, v)
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		h = append(h, `"__metadata__":{`...)
		for i, k := range keys {
			if i > 0 {
				h = append(h, ',')
			}
			h = appendJSONString(h, k)
			h = append(h, ':')
			h = appendJSONString(h, metadata[k])
		}
		h = append(h, '}')
	}
	var off uint64
	for i, t := range order {
		if i > 0 || len(metadata) > 0 {
			h = append(h, ',')
		}
		h = appendJSONString(h, t.Name)
		h = append(h, `:{"dtype":"F32","shape":[`...)
		for j, d := range t.Tensor.Shape() {
			if j > 0 {
				h = append(h, ',')
			}
			h = strconv.AppendInt(h, int64(d), 10)
		}
		n := 4 * uint64(t.Tensor.Size())
		h = append(h, `],"data_offsets":[`...)
		h = strconv.AppendUint(h, off, 10)
		h = append(h, ',')
		h = strconv.AppendUint(h, off+n, 10)
		h = append(h, "]}"...)
		off += n
	}
	h = append(h, '}')
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	return h, order, nil
}

// appendJSONString appends s, valid UTF-8, as a JSON string escaped the
// way serde_json and Python's json.dumps(ensure_ascii=False) escape it:
// only the quote, the backslash and control characters, with \b \f \n \r
// \t where they exist and \u00xx otherwise.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

// WriteSafetensorsFile writes tensors to the file at path as
// WriteSafetensors does, atomically: the data goes to a temporary file in
// the same directory, which is synced to disk and then renamed over path.
// A failure at any point removes the temporary file and leaves whatever
// was at path untouched; a crash can leave a stray temporary file
// (.name.tmp-*) but never a half-written path. A new file gets mode 0644;
// a file that is replaced keeps its mode.
func WriteSafetensorsFile(path string, tensors []Named, metadata map[string]string) error {
	// Validate first, so that bad names do not even create a temporary file.
	if _, _, err := safetensorsHeader(tensors, metadata); err != nil {
		return err
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		return WriteSafetensors(w, tensors, metadata)
	})
}

// writeFileAtomic writes a file through write with atomicfile.Write,
// its errors prefixed with the path.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("nn: saving %s: %w", path, err)
	}
	return nil
}

// Save writes every tensor of model, parameters and buffers, to path in
// the safetensors format, under the names of [StateDict] (the keys
// PyTorch's state_dict gives the same model), with the metadata
// {"format": "pt"} that Hugging Face transformers expects. The file loads
// in PyTorch with model.load_state_dict(safetensors.torch.load_file(path));
// every tensor is stored as F32, which load_state_dict converts into
// integer buffers such as BatchNorm's num_batches_tracked.
//
// The file is written atomically, as [WriteSafetensorsFile] describes.
func Save(path string, model any) error {
	return WriteSafetensorsFile(path, StateDict(model), map[string]string{"format": "pt"})
}

// Load reads a safetensors file written by Save or by PyTorch
// (safetensors.torch.save_file(model.state_dict(), path)) into model,
// strictly, as load_state_dict(strict=True): every tensor of model must be
// in the file with the same shape and the file may hold nothing else.
// Otherwise it returns an error listing what is missing, unexpected or of
// the wrong shape, and model is unchanged. Values of other dtypes are
// converted to float32 as [ReadSafetensors] describes.
func Load(path string, model any) error {
	state, _, err := ReadSafetensorsFile(path)
	if err != nil {
		return err
	}
	if err := LoadState(model, state); err != nil {
		return fmt.Errorf("nn: loading %s: %w", path, err)
	}
	return nil
}

// LoadPartial is Load with PyTorch's load_state_dict(strict=False), for
// fine-tuning: it copies the tensors that the file and model share and
// returns the names of model's tensors it did not load (missing, which
// keep their values) and of the file's tensors the model has no place for
// (unexpected), both sorted. Names matching an entry of ignore, exactly
// or as a dotted prefix ("fc" matches "fc.weight" but not "fc2.weight"),
// are not loaded, which is how to skip a classifier head whose shape has
// changed; they are reported as missing. A shared tensor whose shape
// differs is an error, as in PyTorch, and then nothing is changed.
func LoadPartial(path string, model any, ignore ...string) (missing, unexpected []string, err error) {
	state, _, err := ReadSafetensorsFile(path)
	if err != nil {
		return nil, nil, err
	}
	ignored := func(name string) bool {
		for _, p := range ignore {
			if name == p || strings.HasPrefix(name, p+".") {
				return true
			}
		}
		return false
	}
	dict := StateDict(model)
	known := make(map[string]bool, len(dict))
	var wrong []string
	var load []Named
	for _, n := range dict {
		known[n.Name] = true
		src, ok := state[n.Name]
		if !ok || ignored(n.Name) {
			missing = append(missing, n.Name)
			continue
		}
		if !slices.Equal(src.Shape(), n.Tensor.Shape()) {
			wrong = append(wrong, fmt.Sprintf("%q has shape %v, the model wants %v", n.Name, src.Shape(), n.Tensor.Shape()))
			continue
		}
		load = append(load, Named{Name: n.Name, Tensor: n.Tensor})
	}
	if len(wrong) > 0 {
		slices.Sort(wrong)
		return nil, nil, fmt.Errorf("nn: loading %s: state does not match the model: %s", path, strings.Join(wrong, "; "))
	}
	for name := range state {
		if !known[name] && !ignored(name) {
			unexpected = append(unexpected, name)
		}
	}
	slices.Sort(missing)
	slices.Sort(unexpected)
	for _, n := range load {
		copy(n.Tensor.Data(), state[n.Name].Data())
	}
	return missing, unexpected, nil
}
