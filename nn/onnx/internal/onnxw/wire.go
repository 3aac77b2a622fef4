package onnxw

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Error describes what is wrong with an ONNX file.
type Error struct {
	Initializer string // the initializer concerned, if any
	Offset      int    // byte offset in the file of the fault, or -1
	Msg         string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("onnx: ")
	if e.Initializer != "" {
		b.WriteString("initializer ")
		b.WriteString(strconv.Quote(e.Initializer))
		b.WriteString(": ")
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, "at byte %d: ", e.Offset)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Protocol-buffer wire types (3 and 4, groups, are not used by ONNX).
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

var wireNames = [...]string{"varint", "fixed64", "length-delimited", "start-group", "end-group", "fixed32"}

// field is one decoded field of a message.
type field struct {
	num int
	typ int
	u   uint64 // the value of a varint, fixed64 or fixed32 field
	b   []byte // the payload of a length-delimited field
	off int    // file offset of the field's tag
	pay int    // file offset of the payload
}

// msg reads the fields of one message, whose bytes start at file offset base.
type msg struct {
	b    []byte
	base int
	pos  int
	what string // the message, for errors: "ModelProto", "graph.initializer"
	idx  int    // the message's index among its kind ("#3"), or -1
	// names are the message's field names by number, for errors.
	names map[int]string
}

// field describes field number num for an error: "field 7 (graph)".
func (m *msg) field(num int) string {
	if name, ok := m.names[num]; ok {
		return fmt.Sprintf("field %d (%s)", num, name)
	}
	return fmt.Sprintf("field %d", num)
}

// name names the message for errors: "graph.initializer #3".
func (m *msg) name() string {
	if m.idx < 0 {
		return m.what
	}
	return fmt.Sprintf("%s #%d", m.what, m.idx)
}

func (m *msg) errf(off int, format string, args ...any) *Error {
	return &Error{Offset: off, Msg: m.name() + ": " + fmt.Sprintf(format, args...)}
}

// What a varint holds, for errors.
const (
	varTag = iota
	varValue
	varLength
	varPacked
)

// uvarint decodes the varint at m.b[m.pos:], which is the tag, the value,
// the length or a packed element of field num.
func (m *msg) uvarint(kind, num int) (uint64, error) {
	v, n := binary.Uvarint(m.b[m.pos:])
	if n > 0 {
		m.pos += n
		return v, nil
	}
	what := [...]string{"field tag", m.field(num), "length of " + m.field(num), "packed " + m.field(num)}[kind]
	if n == 0 {
		return 0, m.errf(m.base+m.pos, "%s: the file ends inside a varint; it is truncated or corrupt", what)
	}
	return 0, m.errf(m.base+m.pos, "%s: varint longer than 10 bytes or above 2^64; the file is corrupt", what)
}

// next returns the next field; ok is false at the end of the message.
func (m *msg) next() (f field, ok bool, err error) {
	if m.pos >= len(m.b) {
		return field{}, false, nil
	}
	f.off = m.base + m.pos
	tag, err := m.uvarint(varTag, 0)
	if err != nil {
		return f, false, err
	}
	f.num, f.typ = int(tag>>3), int(tag&7)
	if tag>>3 == 0 || tag>>3 > 1<<29-1 {
		return f, false, m.errf(f.off, "invalid field number %d (tag %#x); the file is corrupt or not an ONNX model", tag>>3, tag)
	}
	f.pay = m.base + m.pos
	switch f.typ {
	case wireVarint:
		f.u, err = m.uvarint(varValue, f.num)
	case wireFixed64, wireFixed32:
		size := 8
		if f.typ == wireFixed32 {
			size = 4
		}
		if len(m.b)-m.pos < size {
			return f, false, m.errf(f.off, "%s is a %s needing %d bytes, but only %d remain; the file is truncated or corrupt", m.field(f.num), wireNames[f.typ], size, len(m.b)-m.pos)
		}
		if size == 8 {
			f.u = binary.LittleEndian.Uint64(m.b[m.pos:])
		} else {
			f.u = uint64(binary.LittleEndian.Uint32(m.b[m.pos:]))
		}
		m.pos += size
	case wireBytes:
		var n uint64
		n, err = m.uvarint(varLength, f.num)
		if err != nil {
			return f, false, err
		}
		if rest := uint64(len(m.b) - m.pos); n > rest {
			return f, false, m.errf(f.off, "%s declares %d bytes but only %d remain; the file is truncated or corrupt", m.field(f.num), n, rest)
		}
		f.pay = m.base + m.pos
		f.b = m.b[m.pos : m.pos+int(n)]
		m.pos += int(n)
	default:
		return f, false, m.errf(f.off, "%s has wire type %d (%s), which ONNX does not use; the file is corrupt or not an ONNX model", m.field(f.num), f.typ, wireTypeName(f.typ))
	}
	if err != nil {
		return f, false, err
	}
	return f, true, nil
}

func wireTypeName(t int) string {
	if t < len(wireNames) {
		return wireNames[t]
	}
	return "invalid"
}

// sub returns a reader for the payload of a length-delimited field.
func (m *msg) sub(f field, what string, idx int, names map[int]string) *msg {
	return &msg{b: f.b, base: f.pay, what: what, idx: idx, names: names}
}

// want checks a field's wire type.
func (m *msg) want(f field, typ int) error {
	if f.typ != typ {
		return m.errf(f.off, "%s has wire type %s, want %s; the file is corrupt", m.field(f.num), wireTypeName(f.typ), wireNames[typ])
	}
	return nil
}

// countVarints counts and validates the varints of a packed field.
func countVarints(m *msg, f field) (int, error) {
	n := 0
	for i := 0; i < len(f.b); {
		_, k := binary.Uvarint(f.b[i:])
		if k <= 0 {
			return 0, m.errf(f.pay+i, "packed %s holds a broken varint; the file is corrupt", m.field(f.num))
		}
		i += k
		n++
	}
	return n, nil
}
