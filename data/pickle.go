package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/bits"
	"os"
	"strconv"
	"strings"
)

// This file is a minimal, safe reader for Python pickles (protocols 0 to
// 4): enough for the numpy arrays, scipy.sparse CSR matrices, lists and
// dicts of the Planetoid ind.* files. It is not an unpickler: it never
// calls anything. Only a fixed set of globals is recognised and each is
// rebuilt into a Go value by code here; any other global is an error.

// PickleTuple is a Python tuple read by [ReadPickle].
type PickleTuple []any

// PickleList is a Python list read by [ReadPickle]. It is a pointer type
// because a pickle may refer to the same list more than once.
type PickleList struct{ Items []any }

// PickleDict is a Python dict (or collections.defaultdict) read by
// [ReadPickle]. Keys keep their insertion order and must be scalars: nil
// (None), bool, int64, float64 or string.
type PickleDict struct {
	Keys   []any
	Values []any
	// DefaultFactory is "list" (or another builtin's name) for a
	// collections.defaultdict, "" for a plain dict.
	DefaultFactory string
	index          map[any]int
}

// Get returns the value stored under key k and whether it is present.
func (d *PickleDict) Get(k any) (any, bool) {
	i, ok := d.index[k]
	if !ok {
		return nil, false
	}
	return d.Values[i], true
}

// Len returns the number of entries.
func (d *PickleDict) Len() int { return len(d.Keys) }

func (d *PickleDict) set(k, v any) error {
	switch k.(type) {
	case nil, bool, int64, float64, string:
	default:
		return fmt.Errorf("dict key of type %s is not supported", pyTypeName(k))
	}
	if d.index == nil {
		d.index = map[any]int{}
	}
	if i, ok := d.index[k]; ok {
		d.Values[i] = v
		return nil
	}
	d.index[k] = len(d.Keys)
	d.Keys = append(d.Keys, k)
	d.Values = append(d.Values, v)
	return nil
}

// NDArray is a numpy.ndarray read by [ReadPickle]: the numpy equivalent of
// a tensor's storage. Data holds the elements in C (row-major) order in
// the byte order the dtype states; Fortran-ordered arrays are converted.
type NDArray struct {
	// Dtype is the numpy type string with an explicit byte order, as
	// numpy's dtype.str gives it: "<f4", ">i8", "|b1", "|u1".
	Dtype string
	Shape []int
	Data  []byte
}

// Len returns the number of elements, the product of Shape.
func (a *NDArray) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// Float64s returns the elements converted to float64, in row-major order.
// It returns an error for a dtype other than bool, signed or unsigned
// integers of 1, 2, 4 or 8 bytes, and floats of 4 or 8 bytes.
func (a *NDArray) Float64s() ([]float64, error) {
	kind, size, order, err := parseDtype(a.Dtype)
	if err != nil {
		return nil, err
	}
	n := a.Len()
	if len(a.Data) != n*size {
		return nil, fmt.Errorf("ndarray of %v %s holds %d bytes, want %d", a.Shape, a.Dtype, len(a.Data), n*size)
	}
	out := make([]float64, n)
	for i := range out {
		b := a.Data[i*size : (i+1)*size]
		var u uint64
		switch size {
		case 1:
			u = uint64(b[0])
		case 2:
			u = uint64(order.Uint16(b))
		case 4:
			u = uint64(order.Uint32(b))
		case 8:
			u = order.Uint64(b)
		}
		switch kind {
		case 'b', 'u':
			out[i] = float64(u)
		case 'i':
			out[i] = float64(int64(u<<(64-8*size)) >> (64 - 8*size))
		case 'f':
			if size == 4 {
				out[i] = float64(math.Float32frombits(uint32(u)))
			} else {
				out[i] = math.Float64frombits(u)
			}
		}
	}
	return out, nil
}

// parseDtype splits a dtype string such as "<f4" into kind, size and byte
// order.
func parseDtype(s string) (kind byte, size int, order binary.ByteOrder, err error) {
	if len(s) != 3 {
		return 0, 0, nil, fmt.Errorf("unsupported numpy dtype %q", s)
	}
	order = binary.LittleEndian
	if s[0] == '>' {
		order = binary.BigEndian
	}
	kind, size = s[1], int(s[2]-'0')
	ok := false
	switch kind {
	case 'b':
		ok = size == 1
	case 'i', 'u':
		ok = size == 1 || size == 2 || size == 4 || size == 8
	case 'f':
		ok = size == 4 || size == 8
	}
	if !ok || (s[0] != '<' && s[0] != '>' && s[0] != '|') {
		return 0, 0, nil, fmt.Errorf("unsupported numpy dtype %q", s)
	}
	return kind, size, order, nil
}

// CSRMatrix is a scipy.sparse.csr_matrix read by [ReadPickle]: row i's
// non-zeros are Data[Indptr[i]:Indptr[i+1]] in the columns
// Indices[Indptr[i]:Indptr[i+1]], like torch.sparse_csr_tensor. The
// reader checks that the arrays are consistent with the shape.
type CSRMatrix struct {
	Rows, Cols int
	Data       []float64
	Indices    []int
	Indptr     []int

	built bool // whether its state has been set (a pickle can refer to it before)
}

// Dense returns the matrix as a row-major rows×cols float32 slice
// (duplicate entries are summed, as scipy's toarray does). It returns an
// error if rows×cols exceeds maxElems.
func (m *CSRMatrix) Dense(maxElems int) ([]float32, error) {
	hi, n := bits.Mul64(uint64(m.Rows), uint64(m.Cols))
	if hi != 0 || n > uint64(maxElems) {
		return nil, fmt.Errorf("dense %d×%d matrix exceeds the limit of %d elements", m.Rows, m.Cols, maxElems)
	}
	out := make([]float32, n)
	for i := 0; i < m.Rows; i++ {
		for k := m.Indptr[i]; k < m.Indptr[i+1]; k++ {
			out[i*m.Cols+m.Indices[k]] += float32(m.Data[k])
		}
	}
	return out, nil
}

// PickleError reports a malformed, unsupported or unsafe pickle: which
// input, the byte offset of the opcode at fault and what is wrong.
type PickleError struct {
	Name   string // the file path, or "pickle input" for a reader
	Offset int64  // byte offset of the opcode in the input
	Msg    string
	Err    error // io.ErrUnexpectedEOF for truncation, or a read error
}

// Error returns "data: NAME: byte OFFSET: MSG".
func (e *PickleError) Error() string {
	s := fmt.Sprintf("data: %s: byte %d: %s", e.Name, e.Offset, e.Msg)
	if e.Err != nil && !errors.Is(e.Err, io.ErrUnexpectedEOF) {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *PickleError) Unwrap() error { return e.Err }

// DefaultMaxPickleBytes is the default limit on the size of a pickle,
// 1 GiB; see [MaxPickleBytes].
const DefaultMaxPickleBytes int64 = 1 << 30

// PickleOption configures [ReadPickle] and [ReadPickleFile].
type PickleOption func(*pickleConfig)

type pickleConfig struct{ maxBytes int64 }

// MaxPickleBytes sets the largest pickle, in bytes, that the reader
// accepts (default [DefaultMaxPickleBytes]). It panics if n is negative.
func MaxPickleBytes(n int64) PickleOption {
	if n < 0 {
		panic(fmt.Sprintf("data.MaxPickleBytes: negative limit %d", n))
	}
	return func(c *pickleConfig) { c.maxBytes = n }
}

// ReadPickle reads one pickled Python object from r, the safe subset of
// Python's pickle.load(f, encoding="latin1") that data files need. It
// returns nil (None), bool, int64, float64, string (str, and Python 2
// byte strings as their raw bytes), []byte (bytes), [PickleTuple],
// *[PickleList], *[PickleDict], *[NDArray] and *[CSRMatrix].
//
// Nothing is executed. The only globals accepted are the ones that rebuild
// those values: numpy.core.multiarray._reconstruct (also numpy._core),
// numpy.ndarray, numpy.dtype, scipy.sparse.csr.csr_matrix (also
// scipy.sparse._csr), collections.defaultdict, builtins.list (also
// __builtin__), builtins.object, copy_reg._reconstructor (also copyreg)
// and _codecs.encode (with 'latin1', how Python 3 pickles bytes in
// protocols 0 to 2); anything else, persistent ids, extension codes and protocol 5
// buffers are errors.
//
// The whole input is read into memory (up to the [MaxPickleBytes] limit)
// and no value is larger than the input, so a corrupt length cannot make
// the reader allocate more than about a small multiple of the input.
// Every problem is returned as a *[PickleError] with the byte offset.
func ReadPickle(r io.Reader, opts ...PickleOption) (any, error) {
	return readPickle(r, "pickle input", opts)
}

// ReadPickleFile reads the pickle file at path, like [ReadPickle].
func ReadPickleFile(path string, opts ...PickleOption) (any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return readPickle(f, path, opts)
}

func readPickle(r io.Reader, name string, opts []PickleOption) (any, error) {
	cfg := pickleConfig{maxBytes: DefaultMaxPickleBytes}
	for _, o := range opts {
		o(&cfg)
	}
	buf, err := io.ReadAll(io.LimitReader(r, cfg.maxBytes+1))
	if err != nil {
		return nil, &PickleError{Name: name, Offset: int64(len(buf)), Msg: "reading the input", Err: err}
	}
	if int64(len(buf)) > cfg.maxBytes {
		return nil, &PickleError{Name: name, Offset: cfg.maxBytes, Msg: fmt.Sprintf("input larger than the limit of %d bytes (see data.MaxPickleBytes)", cfg.maxBytes)}
	}
	p := &unpickler{b: buf, memo: map[int]any{}, budget: 16*int64(len(buf)) + 1<<20}
	v, err := p.run()
	if err != nil {
		return nil, &PickleError{Name: name, Offset: int64(p.op), Msg: err.Error(), Err: errors.Unwrap(err)}
	}
	return v, nil
}

// markT is the stack marker pushed by MARK.
type markT struct{}

// pyGlobal is one of the accepted globals.
type pyGlobal string

const (
	gReconstruct   pyGlobal = "numpy _reconstruct"
	gNDArray       pyGlobal = "numpy.ndarray"
	gDtype         pyGlobal = "numpy.dtype"
	gCSR           pyGlobal = "scipy.sparse.csr_matrix"
	gDefaultDict   pyGlobal = "collections.defaultdict"
	gList          pyGlobal = "list"
	gObject        pyGlobal = "object"
	gReconstructor pyGlobal = "copyreg._reconstructor"
	gEncode        pyGlobal = "_codecs.encode"
)

var pickleGlobals = map[string]pyGlobal{
	"numpy.core.multiarray._reconstruct":  gReconstruct,
	"numpy._core.multiarray._reconstruct": gReconstruct,
	"numpy.ndarray":                       gNDArray,
	"numpy.dtype":                         gDtype,
	"scipy.sparse.csr.csr_matrix":         gCSR,
	"scipy.sparse._csr.csr_matrix":        gCSR,
	"collections.defaultdict":             gDefaultDict,
	"builtins.list":                       gList,
	"__builtin__.list":                    gList,
	"builtins.object":                     gObject,
	"__builtin__.object":                  gObject,
	"copy_reg._reconstructor":             gReconstructor,
	"copyreg._reconstructor":              gReconstructor,
	"_codecs.encode":                      gEncode,
}

// pyDtype is a numpy.dtype under construction.
type pyDtype struct{ str string }

type unpickler struct {
	// budget is how many more bytes copies and conversions may allocate
	// (a memoized array can be rebuilt many times by a few opcodes).
	budget int64
	b      []byte
	pos    int
	op     int // offset of the current opcode
	stack  []any
	marks  []int
	memo   map[int]any
}

var errTrunc = fmt.Errorf("truncated pickle: %w", io.ErrUnexpectedEOF)

func (p *unpickler) read(n int) ([]byte, error) {
	if n < 0 || n > len(p.b)-p.pos {
		return nil, fmt.Errorf("truncated pickle: %d bytes wanted, %d left: %w", n, len(p.b)-p.pos, io.ErrUnexpectedEOF)
	}
	s := p.b[p.pos : p.pos+n]
	p.pos += n
	return s, nil
}

func (p *unpickler) readLine() (string, error) {
	i := bytes.IndexByte(p.b[p.pos:], '\n')
	if i < 0 {
		return "", errTrunc
	}
	s := string(p.b[p.pos : p.pos+i])
	p.pos += i + 1
	return s, nil
}

func (p *unpickler) readUint(n int) (uint64, error) {
	b, err := p.read(n)
	if err != nil {
		return 0, err
	}
	var u uint64
	for i := n - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	return u, nil
}

func (p *unpickler) push(v any) { p.stack = append(p.stack, v) }

// charge takes n bytes from the allocation budget.
func (p *unpickler) charge(n int) error {
	p.budget -= int64(n)
	if p.budget < 0 {
		return errors.New("the pickle rebuilds more data than 16 times its size: refusing to allocate more")
	}
	return nil
}

func (p *unpickler) pop() (any, error) {
	if len(p.stack) == 0 || (len(p.marks) > 0 && len(p.stack) == p.marks[len(p.marks)-1]) {
		return nil, errors.New("stack underflow")
	}
	v := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	return v, nil
}

func (p *unpickler) top() (any, error) {
	if len(p.stack) == 0 || (len(p.marks) > 0 && len(p.stack) == p.marks[len(p.marks)-1]) {
		return nil, errors.New("stack underflow")
	}
	return p.stack[len(p.stack)-1], nil
}

// popMark pops the items above the last mark and the mark itself.
func (p *unpickler) popMark() ([]any, error) {
	if len(p.marks) == 0 {
		return nil, errors.New("no MARK on the stack")
	}
	m := p.marks[len(p.marks)-1]
	p.marks = p.marks[:len(p.marks)-1]
	items := append([]any(nil), p.stack[m:]...)
	p.stack = p.stack[:m]
	return items, nil
}

func (p *unpickler) popN(n int) ([]any, error) {
	floor := 0
	if len(p.marks) > 0 {
		floor = p.marks[len(p.marks)-1]
	}
	if len(p.stack)-floor < n {
		return nil, errors.New("stack underflow")
	}
	items := append([]any(nil), p.stack[len(p.stack)-n:]...)
	p.stack = p.stack[:len(p.stack)-n]
	return items, nil
}

func (p *unpickler) get(i int) error {
	v, ok := p.memo[i]
	if !ok {
		return fmt.Errorf("memo key %d not defined", i)
	}
	p.push(v)
	return nil
}

func (p *unpickler) put(i int) error {
	v, err := p.top()
	if err != nil {
		return err
	}
	p.memo[i] = v
	return nil
}

func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case PickleTuple:
		return "tuple"
	case *PickleList:
		return "list"
	case *PickleDict:
		return "dict"
	case *NDArray:
		return "numpy.ndarray"
	case *CSRMatrix:
		return "csr_matrix"
	case pyGlobal:
		return "global " + string(v.(pyGlobal))
	case *pyDtype:
		return "numpy.dtype"
	case markT:
		return "MARK"
	}
	return fmt.Sprintf("%T", v)
}

// run executes the opcodes until STOP.
func (p *unpickler) run() (any, error) {
	for {
		p.op = p.pos
		if p.pos >= len(p.b) {
			if p.pos == 0 {
				return nil, fmt.Errorf("empty input: %w", io.ErrUnexpectedEOF)
			}
			return nil, fmt.Errorf("truncated pickle: no STOP opcode: %w", io.ErrUnexpectedEOF)
		}
		c := p.b[p.pos]
		p.pos++
		var err error
		switch c {
		case 0x80: // PROTO
			var v uint64
			if v, err = p.readUint(1); err == nil && v > 4 {
				err = fmt.Errorf("pickle protocol %d is not supported (want 0 to 4)", v)
			}
		case 0x95: // FRAME
			var n uint64
			if n, err = p.readUint(8); err == nil && n > uint64(len(p.b)-p.pos) {
				err = fmt.Errorf("frame of %d bytes but %d left: %w", n, len(p.b)-p.pos, io.ErrUnexpectedEOF)
			}
		case '.': // STOP
			v, err := p.pop()
			if err != nil {
				return nil, err
			}
			return finish(v)
		case '(': // MARK
			p.marks = append(p.marks, len(p.stack))
		case '0': // POP
			_, err = p.pop()
		case '1': // POP_MARK
			_, err = p.popMark()
		case '2': // DUP
			var v any
			if v, err = p.top(); err == nil {
				p.push(v)
			}
		case 'N':
			p.push(nil)
		case 0x88:
			p.push(true)
		case 0x89:
			p.push(false)
		case 'K': // BININT1
			var u uint64
			if u, err = p.readUint(1); err == nil {
				p.push(int64(u))
			}
		case 'M': // BININT2
			var u uint64
			if u, err = p.readUint(2); err == nil {
				p.push(int64(u))
			}
		case 'J': // BININT
			var u uint64
			if u, err = p.readUint(4); err == nil {
				p.push(int64(int32(uint32(u))))
			}
		case 0x8a, 0x8b: // LONG1, LONG4
			var n uint64
			if c == 0x8a {
				n, err = p.readUint(1)
			} else {
				n, err = p.readUint(4)
			}
			var b []byte
			if err == nil {
				b, err = p.read(int(min(n, math.MaxInt32)))
			}
			if err == nil {
				err = p.pushLong(b)
			}
		case 'I', 'L': // INT, LONG (text)
			var s string
			if s, err = p.readLine(); err == nil {
				err = p.pushTextInt(c, s)
			}
		case 'F': // FLOAT (text)
			var s string
			if s, err = p.readLine(); err == nil {
				var f float64
				if f, err = strconv.ParseFloat(s, 64); err == nil {
					p.push(f)
				} else {
					err = fmt.Errorf("bad FLOAT %q", s)
				}
			}
		case 'G': // BINFLOAT
			var b []byte
			if b, err = p.read(8); err == nil {
				p.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
			}
		case 'T', 'U', 'X', 'B', 'C', 0x8c, 0x8d, 0x8e: // length-prefixed strings
			err = p.lenString(c)
		case 'S', 'V': // STRING, UNICODE (text)
			var s string
			if s, err = p.readLine(); err == nil {
				s, err = unquoteText(c, s)
				if err == nil {
					p.push(s)
				}
			}
		case ')':
			p.push(PickleTuple{})
		case 0x85, 0x86, 0x87: // TUPLE1..3
			var items []any
			if items, err = p.popN(int(c - 0x84)); err == nil {
				p.push(PickleTuple(items))
			}
		case 't': // TUPLE
			var items []any
			if items, err = p.popMark(); err == nil {
				p.push(PickleTuple(items))
			}
		case ']':
			p.push(&PickleList{})
		case 'l': // LIST
			var items []any
			if items, err = p.popMark(); err == nil {
				p.push(&PickleList{Items: items})
			}
		case 'a', 'e': // APPEND, APPENDS
			var items []any
			if c == 'a' {
				items, err = p.popN(1)
			} else {
				items, err = p.popMark()
			}
			if err == nil {
				var l any
				if l, err = p.top(); err == nil {
					if pl, ok := l.(*PickleList); ok {
						pl.Items = append(pl.Items, items...)
					} else {
						err = fmt.Errorf("APPEND to a %s", pyTypeName(l))
					}
				}
			}
		case '}':
			p.push(&PickleDict{})
		case 'd': // DICT
			var items []any
			if items, err = p.popMark(); err == nil {
				d := &PickleDict{}
				err = setItems(d, items)
				p.push(d)
			}
		case 's', 'u': // SETITEM, SETITEMS
			var items []any
			if c == 's' {
				items, err = p.popN(2)
			} else {
				items, err = p.popMark()
			}
			if err == nil {
				var d any
				if d, err = p.top(); err == nil {
					if pd, ok := d.(*PickleDict); ok {
						err = setItems(pd, items)
					} else {
						err = fmt.Errorf("SETITEM on a %s", pyTypeName(d))
					}
				}
			}
		case 'g': // GET
			var s string
			if s, err = p.readLine(); err == nil {
				i, e := strconv.Atoi(s)
				if e != nil {
					err = fmt.Errorf("bad GET index %q", s)
				} else {
					err = p.get(i)
				}
			}
		case 'h', 'j': // BINGET, LONG_BINGET
			var u uint64
			if u, err = p.readUint(1 + 3*b2i(c == 'j')); err == nil {
				err = p.get(int(u))
			}
		case 'p': // PUT
			var s string
			if s, err = p.readLine(); err == nil {
				i, e := strconv.Atoi(s)
				if e != nil {
					err = fmt.Errorf("bad PUT index %q", s)
				} else {
					err = p.put(i)
				}
			}
		case 'q', 'r': // BINPUT, LONG_BINPUT
			var u uint64
			if u, err = p.readUint(1 + 3*b2i(c == 'r')); err == nil {
				err = p.put(int(u))
			}
		case 0x94: // MEMOIZE
			err = p.put(len(p.memo))
		case 'c': // GLOBAL
			var mod, name string
			if mod, err = p.readLine(); err == nil {
				if name, err = p.readLine(); err == nil {
					err = p.pushGlobal(mod, name)
				}
			}
		case 0x93: // STACK_GLOBAL
			var items []any
			if items, err = p.popN(2); err == nil {
				mod, ok1 := items[0].(string)
				name, ok2 := items[1].(string)
				if !ok1 || !ok2 {
					err = errors.New("STACK_GLOBAL needs two strings")
				} else {
					err = p.pushGlobal(mod, name)
				}
			}
		case 'R': // REDUCE
			var items []any
			if items, err = p.popN(2); err == nil {
				args, ok := items[1].(PickleTuple)
				if !ok {
					err = fmt.Errorf("REDUCE arguments are a %s, not a tuple", pyTypeName(items[1]))
				} else {
					var v any
					if v, err = p.call(items[0], args); err == nil {
						p.push(v)
					}
				}
			}
		case 0x81: // NEWOBJ
			var items []any
			if items, err = p.popN(2); err == nil {
				if items[0] != gCSR {
					err = fmt.Errorf("NEWOBJ of %s is not supported", pyTypeName(items[0]))
				} else {
					p.push(&CSRMatrix{})
				}
			}
		case 0x92: // NEWOBJ_EX
			var items []any
			if items, err = p.popN(3); err == nil {
				if items[0] != gCSR {
					err = fmt.Errorf("NEWOBJ_EX of %s is not supported", pyTypeName(items[0]))
				} else {
					p.push(&CSRMatrix{})
				}
			}
		case 'b': // BUILD
			var items []any
			if items, err = p.popN(1); err == nil {
				var obj any
				if obj, err = p.top(); err == nil {
					err = p.build(obj, items[0])
				}
			}
		case 'P', 'Q':
			err = errors.New("persistent ids are not supported")
		case 'i', 'o':
			err = fmt.Errorf("opcode %q (INST/OBJ) is not supported: it instantiates arbitrary classes", c)
		case 0x82, 0x83, 0x84:
			err = errors.New("extension registry codes are not supported")
		case 0x8f, 0x90, 0x91:
			err = errors.New("sets are not supported")
		case 0x96, 0x97, 0x98:
			err = errors.New("protocol 5 buffers are not supported")
		default:
			err = fmt.Errorf("unknown opcode 0x%02x", c)
		}
		if err != nil {
			return nil, err
		}
	}
}

// finish checks that v is a finished value, not an internal one.
func finish(v any) (any, error) {
	switch v.(type) {
	case pyGlobal, *pyDtype, markT:
		return nil, fmt.Errorf("pickle ends with an unfinished %s", pyTypeName(v))
	case *CSRMatrix:
		if !v.(*CSRMatrix).built {
			return nil, errors.New("pickle ends with a csr_matrix without state")
		}
	case *NDArray:
		if v.(*NDArray).Dtype == "" {
			return nil, errors.New("pickle ends with an ndarray without state")
		}
	}
	return v, nil
}

func setItems(d *PickleDict, items []any) error {
	if len(items)%2 != 0 {
		return errors.New("odd number of items for a dict")
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func (p *unpickler) pushLong(b []byte) error {
	if len(b) > 8 {
		return fmt.Errorf("integer of %d bytes does not fit in 64 bits", len(b))
	}
	var u uint64
	for i := len(b) - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	if len(b) > 0 && len(b) < 8 {
		shift := 64 - 8*len(b)
		u = uint64(int64(u<<shift) >> shift)
	}
	p.push(int64(u))
	return nil
}

func (p *unpickler) pushTextInt(c byte, s string) error {
	if c == 'I' {
		switch s {
		case "00":
			p.push(false)
			return nil
		case "01":
			p.push(true)
			return nil
		}
	} else {
		s = strings.TrimSuffix(s, "L")
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("bad or out-of-range integer %q", s)
	}
	p.push(v)
	return nil
}

// lenString handles the length-prefixed string and bytes opcodes.
func (p *unpickler) lenString(c byte) error {
	var lenBytes int
	switch c {
	case 'U', 'C', 0x8c:
		lenBytes = 1
	case 'T', 'X', 'B':
		lenBytes = 4
	default:
		lenBytes = 8
	}
	n, err := p.readUint(lenBytes)
	if err != nil {
		return err
	}
	if c == 'T' && int32(uint32(n)) < 0 {
		return fmt.Errorf("negative BINSTRING length %d", int32(uint32(n)))
	}
	if n > uint64(len(p.b)-p.pos) {
		return fmt.Errorf("string of %d bytes but %d left: %w", n, len(p.b)-p.pos, io.ErrUnexpectedEOF)
	}
	b, _ := p.read(int(n))
	switch c {
	case 'B', 'C', 0x8e: // bytes
		p.push(append([]byte(nil), b...))
	default: // str; Python 2 byte strings are kept as their raw bytes (latin1)
		p.push(string(b))
	}
	return nil
}

// unquoteText decodes the argument of the text STRING and UNICODE opcodes.
func unquoteText(c byte, s string) (string, error) {
	if c == 'V' {
		// raw-unicode-escape: only \uXXXX and \UXXXXXXXX are escapes.
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '\\' && i+1 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
				w := 4
				if s[i+1] == 'U' {
					w = 8
				}
				if i+2+w <= len(s) {
					if r, err := strconv.ParseUint(s[i+2:i+2+w], 16, 32); err == nil {
						b.WriteRune(rune(r))
						i += 1 + w
						continue
					}
				}
			}
			b.WriteRune(rune(s[i])) // raw-unicode-escape: other bytes are latin1
		}
		return b.String(), nil
	}
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') || s[len(s)-1] != s[0] {
		return "", fmt.Errorf("STRING argument %q is not quoted", s)
	}
	body := s[1 : len(s)-1]
	var b strings.Builder
	for len(body) > 0 {
		r, mb, tail, err := strconv.UnquoteChar(body, s[0])
		if err != nil {
			return "", fmt.Errorf("bad escape in STRING %q", s)
		}
		if !mb && r < 0x100 {
			b.WriteByte(byte(r)) // a Python 2 str is bytes
		} else {
			b.WriteRune(r)
		}
		body = tail
	}
	return b.String(), nil
}

func (p *unpickler) pushGlobal(mod, name string) error {
	g, ok := pickleGlobals[mod+"."+name]
	if !ok {
		return fmt.Errorf("global %s.%s is not allowed: only numpy arrays, scipy CSR matrices, lists and dicts can be read", mod, name)
	}
	p.push(g)
	return nil
}

// call rebuilds the result of REDUCE for the accepted callables.
func (p *unpickler) call(f any, args PickleTuple) (any, error) {
	switch f {
	case gReconstruct: // numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')
		if len(args) != 3 || args[0] != gNDArray {
			return nil, errors.New("numpy _reconstruct: want (numpy.ndarray, shape, dtype char)")
		}
		return &NDArray{}, nil
	case gDtype: // numpy.dtype('f4', False, True)
		if len(args) < 1 {
			return nil, errors.New("numpy.dtype: no type string")
		}
		s, ok := args[0].(string)
		if !ok || len(s) < 2 || len(s) > 3 {
			return nil, fmt.Errorf("numpy.dtype: unsupported argument %.40q", fmt.Sprint(args[0]))
		}
		return &pyDtype{str: s}, nil
	case gDefaultDict:
		d := &PickleDict{DefaultFactory: "None"}
		if len(args) > 0 {
			switch args[0] {
			case gList:
				d.DefaultFactory = "list"
			case nil:
			default:
				return nil, fmt.Errorf("collections.defaultdict: unsupported factory %s", pyTypeName(args[0]))
			}
		}
		return d, nil
	case gReconstructor: // copy_reg._reconstructor(csr_matrix, object, None)
		if len(args) == 3 && args[0] == gCSR && args[1] == gObject && args[2] == nil {
			return &CSRMatrix{}, nil
		}
		return nil, errors.New("copy_reg._reconstructor: only csr_matrix objects are supported")
	case gEncode: // Python 3 pickles bytes for protocols < 3 as _codecs.encode(str, 'latin1')
		if len(args) != 2 {
			return nil, errors.New("_codecs.encode: want (str, 'latin1')")
		}
		s, ok1 := args[0].(string)
		enc, ok2 := args[1].(string)
		if !ok1 || !ok2 || (enc != "latin1" && enc != "latin-1") {
			return nil, errors.New("_codecs.encode: only (str, 'latin1') is supported")
		}
		if err := p.charge(len(s)); err != nil {
			return nil, err
		}
		b := make([]byte, 0, len(s))
		for _, r := range s {
			if r > 0xff {
				return nil, errors.New("_codecs.encode: character outside latin1")
			}
			b = append(b, byte(r))
		}
		return b, nil
	case gList:
		if len(args) == 0 {
			return &PickleList{}, nil
		}
		return nil, errors.New("list(): only list() without arguments is supported")
	}
	return nil, fmt.Errorf("cannot call a %s", pyTypeName(f))
}

// build applies BUILD's state to obj in place (the memo may hold it).
func (p *unpickler) build(obj, state any) error {
	switch o := obj.(type) {
	case *pyDtype:
		t, ok := state.(PickleTuple)
		if !ok || len(t) < 2 {
			return errors.New("numpy.dtype state: want a tuple (version, byteorder, ...)")
		}
		bo, ok := t[1].(string)
		if !ok || len(bo) != 1 {
			return errors.New("numpy.dtype state: bad byte order")
		}
		s, err := buildDtype(o.str, bo)
		if err != nil {
			return err
		}
		o.str = s
		return nil
	case *NDArray:
		if o.Dtype != "" {
			return errors.New("ndarray state set twice")
		}
		a, err := buildNDArray(state, p.charge)
		if err != nil {
			return err
		}
		*o = *a
		return nil
	case *CSRMatrix:
		if o.built {
			return errors.New("csr_matrix state set twice")
		}
		d, ok := state.(*PickleDict)
		if !ok {
			return fmt.Errorf("csr_matrix state is a %s, not a dict", pyTypeName(state))
		}
		m, err := buildCSR(d, p.charge)
		if err != nil {
			return err
		}
		*o = *m
		o.built = true
		return nil
	}
	return fmt.Errorf("BUILD on a %s is not supported", pyTypeName(obj))
}

// buildDtype turns numpy's ('f4', byteorder) into "<f4".
func buildDtype(s, bo string) (string, error) {
	if len(s) == 3 && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=') {
		if bo == "|" || bo == "=" {
			bo = string(s[0])
		}
		s = s[1:]
	}
	switch bo {
	case "=":
		bo = "<" // the byte order of the machine that wrote it; Planetoid was little-endian x86
	case "<", ">", "|":
	default:
		return "", fmt.Errorf("numpy.dtype: bad byte order %q", bo)
	}
	if len(s) == 2 && s[0] == 'b' && s[1] == '1' || len(s) == 2 && s[1] == '1' {
		bo = "|"
	}
	ds := bo + s
	if _, _, _, err := parseDtype(ds); err != nil {
		return "", err
	}
	return ds, nil
}

// buildNDArray reads ndarray.__setstate__'s (version, shape, dtype,
// is_fortran, data).
func buildNDArray(state any, charge func(int) error) (*NDArray, error) {
	t, ok := state.(PickleTuple)
	if ok && len(t) == 5 {
		t = t[1:]
	}
	if !ok || len(t) != 4 {
		return nil, errors.New("ndarray state: want (version, shape, dtype, fortran, data)")
	}
	shapeT, ok := t[0].(PickleTuple)
	if !ok {
		return nil, errors.New("ndarray state: shape is not a tuple")
	}
	dt, ok := t[1].(*pyDtype)
	if !ok || len(dt.str) != 3 {
		return nil, fmt.Errorf("ndarray state: dtype is a %s", pyTypeName(t[1]))
	}
	fortran, ok := t[2].(bool)
	if !ok {
		if i, isInt := t[2].(int64); isInt && (i == 0 || i == 1) {
			fortran = i == 1
		} else {
			return nil, errors.New("ndarray state: fortran flag is not a bool")
		}
	}
	var data []byte
	switch d := t[3].(type) {
	case string: // a Python 2 str: copied, so charged
		if err := charge(len(d)); err != nil {
			return nil, err
		}
		data = []byte(d)
	case []byte:
		data = d
	default:
		return nil, fmt.Errorf("ndarray state: data is a %s (object arrays are not supported)", pyTypeName(t[3]))
	}
	_, size, _, err := parseDtype(dt.str)
	if err != nil {
		return nil, err
	}
	shape := make([]int, len(shapeT))
	count, overflow := uint64(1), false
	for i, s := range shapeT {
		v, ok := s.(int64)
		if !ok || v < 0 || v > math.MaxInt32 {
			return nil, fmt.Errorf("ndarray state: bad dimension %v", s)
		}
		shape[i] = int(v)
		hi, lo := bits.Mul64(count, uint64(v))
		overflow = overflow || hi != 0
		count = lo
	}
	hi, need := bits.Mul64(count, uint64(size))
	if overflow || hi != 0 || need != uint64(len(data)) {
		return nil, fmt.Errorf("ndarray state: %d bytes of data for shape %v of %s", len(data), shape, dt.str)
	}
	if fortran && len(shape) > 1 {
		if err := charge(len(data)); err != nil {
			return nil, err
		}
	}
	a := &NDArray{Dtype: dt.str, Shape: shape, Data: data}
	if fortran && len(shape) > 1 {
		a.Data = fortranToC(data, shape, size)
	}
	return a, nil
}

// fortranToC reorders column-major data into row-major order.
func fortranToC(data []byte, shape []int, size int) []byte {
	out := make([]byte, len(data))
	n := len(data) / max(size, 1)
	idx := make([]int, len(shape))
	for c := 0; c < n; c++ { // c walks the C order; compute the F offset
		f, stride := 0, 1
		for d := 0; d < len(shape); d++ {
			f += idx[d] * stride
			stride *= shape[d]
		}
		copy(out[c*size:(c+1)*size], data[f*size:(f+1)*size])
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// buildCSR checks and converts a csr_matrix's __dict__.
func buildCSR(d *PickleDict, charge func(int) error) (*CSRMatrix, error) {
	get := func(k string) (any, error) {
		v, ok := d.Get(k)
		if !ok {
			return nil, fmt.Errorf("csr_matrix state has no %q", k)
		}
		return v, nil
	}
	if f, ok := d.Get("format"); ok && f != "csr" {
		return nil, fmt.Errorf("sparse matrix format %v, want csr", f)
	}
	sv, err := get("_shape")
	if err != nil {
		return nil, err
	}
	st, ok := sv.(PickleTuple)
	if !ok || len(st) != 2 {
		return nil, errors.New("csr_matrix _shape is not a pair")
	}
	rows, ok1 := st[0].(int64)
	cols, ok2 := st[1].(int64)
	if !ok1 || !ok2 || rows < 0 || cols < 0 || rows > math.MaxInt32 || cols > math.MaxInt32 {
		return nil, fmt.Errorf("csr_matrix _shape %v is not a pair of sizes", st)
	}
	arr := func(k string) ([]float64, error) {
		v, err := get(k)
		if err != nil {
			return nil, err
		}
		a, ok := v.(*NDArray)
		if !ok || len(a.Shape) != 1 {
			return nil, fmt.Errorf("csr_matrix %s is not a 1-D ndarray", k)
		}
		if charge != nil {
			if err := charge(16 * a.Len()); err != nil { // float64s, then ints
				return nil, err
			}
		}
		f, err := a.Float64s()
		if err != nil {
			return nil, fmt.Errorf("csr_matrix %s: %w", k, err)
		}
		return f, nil
	}
	data, err := arr("data")
	if err != nil {
		return nil, err
	}
	indicesF, err := arr("indices")
	if err != nil {
		return nil, err
	}
	indptrF, err := arr("indptr")
	if err != nil {
		return nil, err
	}
	m := &CSRMatrix{Rows: int(rows), Cols: int(cols), Data: data}
	if len(indptrF) != m.Rows+1 {
		return nil, fmt.Errorf("csr_matrix indptr has %d entries for %d rows", len(indptrF), m.Rows)
	}
	if len(indicesF) != len(data) {
		return nil, fmt.Errorf("csr_matrix has %d indices but %d values", len(indicesF), len(data))
	}
	m.Indptr = make([]int, len(indptrF))
	for i, v := range indptrF {
		prev := 0
		if i > 0 {
			prev = m.Indptr[i-1]
		}
		if v != math.Trunc(v) || v < float64(prev) || v > float64(len(data)) || (i == 0 && v != 0) {
			return nil, fmt.Errorf("csr_matrix indptr[%d] = %v is out of order or range", i, v)
		}
		m.Indptr[i] = int(v)
	}
	if m.Indptr[m.Rows] != len(data) {
		return nil, fmt.Errorf("csr_matrix indptr ends at %d but there are %d values", m.Indptr[m.Rows], len(data))
	}
	m.Indices = make([]int, len(indicesF))
	for i, v := range indicesF {
		if v != math.Trunc(v) || v < 0 || v >= float64(m.Cols) {
			return nil, fmt.Errorf("csr_matrix indices[%d] = %v is out of range [0, %d)", i, v, m.Cols)
		}
		m.Indices[i] = int(v)
	}
	return m, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
