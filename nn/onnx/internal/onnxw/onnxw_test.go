package onnxw

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

func key(num, typ int) []byte { return binary.AppendUvarint(nil, uint64(num<<3|typ)) }

func lenField(num int, parts ...[]byte) []byte {
	p := bytes.Join(parts, nil)
	return append(binary.AppendUvarint(key(num, wireBytes), uint64(len(p))), p...)
}

func f32(vals ...float32) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// TestDecodeRecovers hands onnx-go TensorProtos that the validation in
// convert would have rejected: decode must turn onnx-go's errors and
// gorgonia's panics into errors.
func TestDecodeRecovers(t *testing.T) {
	dims := lenField(tensorDims, []byte{2, 3})
	for _, c := range []struct {
		name  string
		proto []byte
		want  string
	}{
		// 1 value for dims (2, 3): gorgonia's tensor.New panics.
		{"shape mismatch", bytes.Join([][]byte{dims, binary.AppendUvarint(key(tensorDataType, wireVarint), 1), lenField(tensorRawData, f32(1))}, nil),
			"onnx-go panicked decoding the tensor"},
		// Not a TensorProto at all.
		{"bad proto", []byte{0x0a, 0x05, 1}, "onnx-go cannot decode the tensor"},
		// FLOAT16 is not in onnx-go's Dtype table.
		{"float16", bytes.Join([][]byte{dims, binary.AppendUvarint(key(tensorDataType, wireVarint), 10), lenField(tensorRawData, make([]byte, 12))}, nil),
			"onnx-go cannot decode the tensor"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := decode(&tensorInfo{proto: c.proto, dims: []uint64{2, 3}, dtype: 1}, 6)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "malformed") {
				t.Errorf("error %v, want one saying %q and that the file is malformed", err, c.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	for _, c := range []struct {
		err  *Error
		want string
	}{
		{&Error{Offset: -1, Msg: "the file is empty"}, "onnx: the file is empty"},
		{&Error{Initializer: "fc.weight", Offset: 12, Msg: "bad"}, `onnx: initializer "fc.weight": at byte 12: bad`},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("%q, want %q", got, c.want)
		}
	}
}
