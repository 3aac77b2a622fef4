package data

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// show renders a value read by ReadPickle compactly for comparisons.
func show(v any) string {
	switch v := v.(type) {
	case *PickleList:
		parts := make([]string, len(v.Items))
		for i, x := range v.Items {
			parts[i] = show(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case PickleTuple:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = show(x)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case *PickleDict:
		parts := make([]string, len(v.Keys))
		for i, k := range v.Keys {
			parts[i] = show(k) + ": " + show(v.Values[i])
		}
		pre := ""
		if v.DefaultFactory != "" {
			pre = "defaultdict(" + v.DefaultFactory + ")"
		}
		return pre + "{" + strings.Join(parts, ", ") + "}"
	case string:
		return fmt.Sprintf("%q", v)
	case []byte:
		return fmt.Sprintf("b%q", v)
	case nil:
		return "None"
	case *NDArray:
		f, err := v.Float64s()
		return fmt.Sprintf("ndarray(%s, %v, %v, %v)", v.Dtype, v.Shape, f, err)
	case *CSRMatrix:
		return fmt.Sprintf("csr(%d×%d, %v, %v, %v)", v.Rows, v.Cols, v.Data, v.Indices, v.Indptr)
	}
	return fmt.Sprint(v)
}

func TestReadPickleValues(t *testing.T) {
	cases := []struct{ name, in, want string }{
		// protocol 0 text opcodes
		{"INT", "I42\n.", "42"},
		{"INT bool", "I01\n.", "true"},
		{"LONG", "L-123L\n.", "-123"},
		{"FLOAT", "F1.5\n.", "1.5"},
		{"STRING", "S'a\\x00\\'b'\n.", `"a\x00'b"`},
		{"UNICODE", "Vh\\u00e9\xe9\n.", `"héé"`},
		{"NONE", "N.", "None"},
		{"LIST memo", "(lp0\nI1\naI2\nag0\na.", "[1, 2, <cycle>]"},
		{"DICT", "(dp0\nS'k'\np1\nI7\ns.", `{"k": 7}`},
		{"TUPLE", "(I1\nS'x'\ntp0\n.", `(1, "x")`},
		// protocol 2 binary opcodes
		{"BININT1", "\x80\x02K\xff.", "255"},
		{"BININT2", "\x80\x02M\x01\x02.", "513"},
		{"BININT neg", "\x80\x02J\xfe\xff\xff\xff.", "-2"},
		{"LONG1 neg", "\x80\x02\x8a\x01\xff.", "-1"},
		{"LONG1 8 bytes", "\x80\x02\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80.", "-9223372036854775808"},
		{"LONG1 empty", "\x80\x02\x8a\x00.", "0"},
		{"BINFLOAT", "\x80\x02G\x3f\xf8\x00\x00\x00\x00\x00\x00.", "1.5"},
		{"bools", "\x80\x02\x88\x89\x86.", "(true, false)"},
		{"TUPLE3", "\x80\x02K\x01K\x02K\x03\x87.", "(1, 2, 3)"},
		{"EMPTY_TUPLE", "\x80\x02).", "()"},
		{"BINSTRING", "\x80\x02T\x02\x00\x00\x00\xff\x00.", `"\xff\x00"`},
		{"BINUNICODE", "\x80\x02X\x02\x00\x00\x00\xc3\xa9.", `"é"`},
		{"APPENDS BINGET", "\x80\x02]q\x00(K\x01K\x02e.", "[1, 2]"},
		{"SETITEMS", "\x80\x02}q\x00(K\x01]q\x01K\x02h\x01K\x01K\x05u.", "{1: 5, 2: []}"},
		{"DUP POP", "\x80\x02K\x01\x32\x30.", "1"},
		{"POP_MARK", "\x80\x02K\x05(K\x01K\x02\x31.", "5"},
		{"defaultdict", "\x80\x02ccollections\ndefaultdict\nc__builtin__\nlist\n\x85R(K\x00]K\x01au.", "defaultdict(list){0: [1]}"},
		{"codecs bytes", "\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00\xc3\xbfX\x06\x00\x00\x00latin1\x86R.", `b"\xff"`},
		// protocol 3 and 4
		{"SHORT_BINBYTES", "\x80\x03C\x02ab.", `b"ab"`},
		{"BINBYTES8 FRAME", "\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00\x8e\x01\x00\x00\x00\x00\x00\x00\x00z.", `b"z"`},
		{"SHORT_BINUNICODE MEMOIZE", "\x80\x04\x8c\x01a\x94h\x00\x86.", `("a", "a")`},
		{"STACK_GLOBAL list", "\x80\x04\x8c\x08builtins\x8c\x04list\x93)R.", "[]"},
	}
	for _, c := range cases {
		v, err := ReadPickle(strings.NewReader(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := ""
		if l, ok := v.(*PickleList); ok && len(l.Items) == 3 && l.Items[2] == any(l) {
			got = show(&PickleList{Items: append(l.Items[:2:2], "<cycle>")})
			got = strings.Replace(got, `"<cycle>"`, "<cycle>", 1)
		} else {
			got = show(v)
		}
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestReadPickleNumpy(t *testing.T) {
	// Real Planetoid-style objects from the fixtures in every protocol.
	for _, proto := range []string{"p0", "p2", "p4"} {
		dir := filepath.Join("testdata", "planetoid_"+proto)
		v, err := ReadPickleFile(filepath.Join(dir, "ind.tiny.ty"))
		if err != nil {
			t.Fatal(err)
		}
		if got := show(v); got != "ndarray(<i4, [3 3], [0 0 1 1 0 0 0 1 0], <nil>)" {
			t.Errorf("%s ty = %s", proto, got)
		}
		v, err = ReadPickleFile(filepath.Join(dir, "ind.tiny.tx"))
		if err != nil {
			t.Fatal(err)
		}
		m, ok := v.(*CSRMatrix)
		if !ok || m.Rows != 3 || m.Cols != 4 {
			t.Fatalf("%s tx = %s", proto, show(v))
		}
		d, err := m.Dense(100)
		if err != nil || fmt.Sprint(d) != "[1 1 0 1 0 0 1 1 1 1 1 1]" {
			t.Errorf("%s tx dense = %v, %v", proto, d, err)
		}
		if _, err := m.Dense(11); err == nil {
			t.Errorf("Dense beyond the limit: no error")
		}
	}
	// Fortran order is converted to C order (p4's ally is Fortran-ordered).
	v, err := ReadPickleFile("testdata/planetoid_p4/ind.tiny.ally")
	if err != nil {
		t.Fatal(err)
	}
	if got := show(v); got != "ndarray(<i4, [6 3], [1 0 0 0 1 0 0 0 1 0 1 0 1 0 0 0 0 0], <nil>)" {
		t.Errorf("Fortran ally = %s", got)
	}
}

func TestNDArrayFloat64s(t *testing.T) {
	cases := []struct {
		dtype string
		data  []byte
		want  string
	}{
		{"|b1", []byte{0, 1}, "[0 1]"},
		{"|i1", []byte{0xff, 3}, "[-1 3]"},
		{"|u1", []byte{0xff, 3}, "[255 3]"},
		{"<i2", []byte{0xfe, 0xff, 1, 0}, "[-2 1]"},
		{">u2", []byte{1, 0, 0, 2}, "[256 2]"},
		{"<i8", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0, 0, 0}, "[-1 2]"},
		{">f4", []byte{0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0}, "[1.5 -2]"},
		{"<f8", []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0}, "[1.5 0]"},
	}
	for _, c := range cases {
		a := &NDArray{Dtype: c.dtype, Shape: []int{2}, Data: c.data}
		f, err := a.Float64s()
		if err != nil || fmt.Sprint(f) != c.want {
			t.Errorf("%s: %v, %v; want %s", c.dtype, f, err, c.want)
		}
	}
	for _, a := range []*NDArray{{Dtype: "<c8", Shape: []int{1}, Data: make([]byte, 8)}, {Dtype: "<f4", Shape: []int{2}, Data: make([]byte, 4)}, {Dtype: "O", Shape: []int{1}}} {
		if _, err := a.Float64s(); err == nil {
			t.Errorf("%s %v with %d bytes: no error", a.Dtype, a.Shape, len(a.Data))
		}
	}
}

func TestBuildCSRErrors(t *testing.T) {
	arr := func(vals ...int32) *NDArray {
		b := make([]byte, 0, 4*len(vals))
		for _, v := range vals {
			b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
		}
		return &NDArray{Dtype: "<i4", Shape: []int{len(vals)}, Data: b}
	}
	base := func() map[string]any {
		return map[string]any{
			"_shape": PickleTuple{int64(2), int64(3)}, "format": "csr",
			"data": arr(1, 2), "indices": arr(0, 2), "indptr": arr(0, 1, 2),
		}
	}
	mk := func(m map[string]any) *PickleDict {
		d := &PickleDict{}
		for _, k := range []string{"_shape", "format", "data", "indices", "indptr"} {
			if v, ok := m[k]; ok {
				d.set(k, v)
			}
		}
		return d
	}
	m, err := buildCSR(mk(base()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := m.Dense(6); fmt.Sprint(d) != "[1 0 0 0 0 2]" {
		t.Errorf("dense %v", d)
	}
	cases := []struct {
		key  string
		val  any
		want string
	}{
		{"format", "csc", "format csc"},
		{"_shape", PickleTuple{int64(2)}, "_shape"},
		{"_shape", PickleTuple{int64(-1), int64(3)}, "_shape"},
		{"indptr", arr(0, 1), "indptr has 2 entries"},
		{"indptr", arr(0, 2, 1), "indptr[2]"},
		{"indptr", arr(1, 1, 2), "indptr[0]"},
		{"indptr", arr(0, 1, 1), "indptr ends at 1"},
		{"indices", arr(0, 3), "indices[1] = 3"},
		{"indices", arr(0, -1), "indices[1] = -1"},
		{"indices", arr(0), "1 indices but 2 values"},
		{"data", "x", "data is not a 1-D ndarray"},
		{"data", nil, "no \"data\""},
	}
	for _, c := range cases {
		m := base()
		if c.val == nil {
			delete(m, c.key)
		} else {
			m[c.key] = c.val
		}
		if _, err := buildCSR(mk(m), nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s = %v: error %v, want %q", c.key, c.val, err, c.want)
		}
	}
}

func TestReadPickleErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
		offset         int64
	}{
		{"empty", "", "empty input", 0},
		{"no STOP", "\x80\x02K\x01", "no STOP", 4},
		{"protocol 5", "\x80\x05N.", "protocol 5", 0},
		{"os.system", "\x80\x02cos\nsystem\n", "global os.system is not allowed", 2},
		{"builtins.eval", "\x80\x04\x8c\x08builtins\x8c\x04eval\x93.", "builtins.eval is not allowed", 18},
		{"INST", "(i__main__\nFoo\n.", "INST/OBJ", 1},
		{"OBJ", "(o.", "INST/OBJ", 1},
		{"persid", "P1\n.", "persistent", 0},
		{"ext", "\x80\x02\x82\x01.", "extension", 2},
		{"set", "\x80\x04\x8f.", "sets", 2},
		{"unknown", "\x80\x02\xff.", "unknown opcode 0xff", 2},
		{"underflow", "\x80\x02\x86.", "stack underflow", 2},
		{"mark underflow", "\x80\x02K\x01(\x85.", "stack underflow", 5},
		{"no mark", "\x80\x02t.", "no MARK", 2},
		{"bad memo", "\x80\x02h\x05.", "memo key 5", 2},
		{"huge string", "\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f.", "string of 9223372036854775807 bytes but 1 left", 2},
		{"huge frame", "\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\xff.", "frame of", 2},
		{"negative BINSTRING", "\x80\x02T\xff\xff\xff\xff.", "negative", 2},
		{"long too big", "\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.", "does not fit", 2},
		{"text int too big", "I99999999999999999999\n.", "out-of-range integer", 0},
		{"bad STRING", "Sabc\n.", "not quoted", 0},
		{"unfinished global", "\x80\x02cnumpy\ndtype\n.", "unfinished global", 15},
		{"unhashable key", "\x80\x02}]K\x01s.", "dict key of type list", 6},
		{"APPEND to int", "\x80\x02K\x01K\x02a.", "APPEND to a int", 6},
		{"REDUCE non-tuple", "\x80\x02c__builtin__\nlist\nK\x01R.", "not a tuple", 22},
		{"call a list", "\x80\x02])R.", "cannot call a list", 4},
		{"BUILD on int", "\x80\x02K\x01K\x00b.", "BUILD on a int", 6},
		{"NEWOBJ list", "\x80\x02c__builtin__\nlist\n)\x81.", "NEWOBJ of global list", 21},
		{"dtype complex", "\x80\x02cnumpy\ndtype\nX\x02\x00\x00\x00c8\x85R(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb.", "unsupported numpy dtype \"<c8\"", 49},
		{"ndarray state", "\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87RK\x01b.", "ndarray state", 0},
	}
	for _, c := range cases {
		_, err := ReadPickle(strings.NewReader(c.in))
		var pe *PickleError
		if !errors.As(err, &pe) {
			t.Errorf("%s: error %v, want a *PickleError", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || (c.offset != 0 && pe.Offset != c.offset) {
			t.Errorf("%s: error %q at %d, want %q at %d", c.name, err, pe.Offset, c.want, c.offset)
		}
		if pe.Name != "pickle input" {
			t.Errorf("%s: name %q", c.name, pe.Name)
		}
	}
	// Every truncation of a real file is an error, never a panic.
	b, err := os.ReadFile("testdata/planetoid_p2/ind.tiny.allx")
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(b) {
		_, err := ReadPickle(bytes.NewReader(b[:i]))
		var pe *PickleError
		if !errors.As(err, &pe) || pe.Offset > int64(i) {
			t.Fatalf("prefix of %d bytes: %v", i, err)
		}
		if i > 0 && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("prefix of %d bytes: %v does not wrap io.ErrUnexpectedEOF", i, err)
		}
	}
	// The size limit.
	_, err = ReadPickle(bytes.NewReader(b), MaxPickleBytes(100))
	if err == nil || !strings.Contains(err.Error(), "larger than the limit of 100 bytes") {
		t.Errorf("limit: %v", err)
	}
	if _, err := ReadPickleFile("testdata/no-such-file"); err == nil || !strings.Contains(err.Error(), "no-such-file") {
		t.Errorf("missing file: %v", err)
	}
}

func BenchmarkReadPickleCoraAllx(b *testing.B) {
	dir := sharedDataDir(b, "cora")
	buf, err := os.ReadFile(filepath.Join(dir, "cora", "raw", "ind.cora.allx"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := ReadPickle(bytes.NewReader(buf)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadPickleAllocationBudget rebuilds one memoized 64 KiB array
// thousands of times: the reader must refuse instead of allocating
// gigabytes.
func TestReadPickleAllocationBudget(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("\x80\x02cnumpy.core.multiarray\n_reconstruct\nq\x00cnumpy\nndarray\nq\x01")
	b.WriteString("cnumpy\ndtype\nX\x02\x00\x00\x00u1\x85R(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tbq\x02")
	const n = 1 << 16
	b.WriteString("T\x00\x00\x01\x00")
	b.Write(make([]byte, n))
	b.WriteString("q\x03](")
	build := "h\x00h\x01K\x00\x85U\x01b\x87R(K\x01J\x00\x00\x01\x00\x85h\x02\x89h\x03tb"
	for range 2000 {
		b.WriteString(build)
	}
	b.WriteString("e.")
	_, err := ReadPickle(bytes.NewReader(b.Bytes()))
	if err == nil || !strings.Contains(err.Error(), "refusing to allocate") {
		t.Errorf("error %v, want the allocation budget", err)
	}
	// A few rebuilds are fine.
	small := strings.Replace(b.String(), strings.Repeat(build, 2000), strings.Repeat(build, 3), 1)
	v, err := ReadPickle(strings.NewReader(small))
	if l, ok := v.(*PickleList); err != nil || !ok || len(l.Items) != 3 || l.Items[2].(*NDArray).Len() != n {
		t.Errorf("3 rebuilds: %v, %v", show(v)[:min(len(show(v)), 80)], err)
	}
}

func ExampleReadPickle() {
	// pickle.dumps({1: [2, 3]}, protocol=2)
	v, err := ReadPickle(strings.NewReader("\x80\x02}q\x00K\x01]q\x01(K\x02K\x03es."))
	if err != nil {
		fmt.Println(err)
		return
	}
	d := v.(*PickleDict)
	l, _ := d.Get(int64(1))
	fmt.Println(d.Len(), l.(*PickleList).Items)
	// An arbitrary global is refused, never called.
	_, err = ReadPickle(strings.NewReader("cos\nsystem\n(S'echo hi'\ntR."))
	fmt.Println(err)
	// Output:
	// 1 [2 3]
	// data: pickle input: byte 0: global os.system is not allowed: only numpy arrays, scipy CSR matrices, lists and dicts can be read
}
