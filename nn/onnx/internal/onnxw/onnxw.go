package onnxw

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
	"unicode/utf8"

	onnx "github.com/owulveryck/onnx-go"
	gtensor "gorgonia.org/tensor"
)

// Initializer is one initializer of an ONNX graph, converted to float32.
type Initializer struct {
	// Shape is the tensor's dims; empty for a scalar.
	Shape []int
	// Data holds the values in row-major order, len(Data) ==
	// product(Shape).
	Data []float32
	// DataType is how the file stored the values: "FLOAT", "DOUBLE" (rounded
	// to the nearest float32), "INT32" or "INT64" (exact up to 2^24 in
	// magnitude, rounded to the nearest float32 beyond).
	DataType string
	// Alias is set when the entry is the output of an Identity node applied
	// to an initializer (torch.onnx.export's deduplication of equal
	// parameters): the name of the initializer it repeats, whose Shape and
	// Data it shares.
	Alias string
}

// MaxRank is the largest number of dims an initializer may have.
const MaxRank = 64

// Field numbers of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
const (
	modelIRVersion   = 1
	modelGraph       = 7
	modelOpsetImport = 8

	graphNode        = 1
	graphInitializer = 5

	nodeInput  = 1
	nodeOutput = 2
	nodeOpType = 4

	tensorDims         = 1
	tensorDataType     = 2
	tensorSegment      = 3
	tensorFloatData    = 4
	tensorInt32Data    = 5
	tensorStringData   = 6
	tensorInt64Data    = 7
	tensorName         = 8
	tensorRawData      = 9
	tensorDoubleData   = 10
	tensorUint64Data   = 11
	tensorExternalData = 13
	tensorDataLocation = 14
)

// Field names of the messages walked, for errors.
var (
	modelFields = map[int]string{1: "ir_version", 2: "producer_name", 3: "producer_version", 4: "domain",
		5: "model_version", 6: "doc_string", 7: "graph", 8: "opset_import", 14: "metadata_props",
		20: "training_info", 25: "functions"}
	graphFields = map[int]string{1: "node", 2: "name", 5: "initializer", 10: "doc_string", 11: "input",
		12: "output", 13: "value_info", 14: "quantization_annotation", 15: "sparse_initializer"}
	nodeFields = map[int]string{1: "input", 2: "output", 3: "name", 4: "op_type", 5: "attribute",
		6: "doc_string", 7: "domain"}
	tensorFields = map[int]string{1: "dims", 2: "data_type", 3: "segment", 4: "float_data", 5: "int32_data",
		6: "string_data", 7: "int64_data", 8: "name", 9: "raw_data", 10: "double_data", 11: "uint64_data",
		12: "doc_string", 13: "external_data", 14: "data_location", 16: "metadata_props"}
)

// dataTypes names TensorProto.DataType values.
var dataTypes = [...]string{
	"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL",
	"FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
	"FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1",
}

func dataTypeName(t uint64) string {
	if t < uint64(len(dataTypes)) {
		return fmt.Sprintf("%d (%s)", t, dataTypes[t])
	}
	return fmt.Sprintf("%d (unknown)", t)
}

// supported lists the data types read, with the size of one value in
// raw_data and the typed field that may hold the values instead.
var supported = map[uint64]struct {
	size  int
	field int
}{
	1:  {4, tensorFloatData},  // FLOAT
	6:  {4, tensorInt32Data},  // INT32
	7:  {8, tensorInt64Data},  // INT64
	11: {8, tensorDoubleData}, // DOUBLE
}

var typedFieldNames = map[int]string{
	tensorFloatData:  "float_data",
	tensorInt32Data:  "int32_data",
	tensorStringData: "string_data",
	tensorInt64Data:  "int64_data",
	tensorDoubleData: "double_data",
	tensorUint64Data: "uint64_data",
}

// tensorInfo is what the wire walk learns about one TensorProto.
type tensorInfo struct {
	proto    []byte // the TensorProto's bytes, for onnx-go
	off      int    // its file offset
	msg      *msg   // the TensorProto's reader, for its name in errors
	name     string
	hasName  bool
	dims     []uint64
	dtype    uint64
	raw      []byte
	hasRaw   bool
	counts   [tensorUint64Data + 1]int // values stored in each typed data field, by field number
	segment  bool
	external bool
	location string
}

// identity is an Identity node: output = input.
type identity struct{ in, out string }

// ReadInitializers returns the initializers of the ONNX model in b by name,
// with Identity aliases of initializers (see the package doc). A model with
// no initializers (exported with export_params=False) gives an empty map.
//
// Every problem with the file gives an [*Error] saying what is wrong and
// where: a truncated or corrupted file, a file that is not an ONNX model,
// an initializer without a name or with a name used twice, an unsupported
// data type (only FLOAT, DOUBLE, INT32 and INT64 are read), data stored in
// an external file or in segments, negative dims, or dims whose product is
// not the number of values stored. ReadInitializers does not panic, whatever
// b holds; it allocates at most a small multiple of len(b).
// Sparse initializers (GraphProto.sparse_initializer) and the initializers
// of subgraphs (the bodies of If and Loop nodes) are not read.
func ReadInitializers(b []byte) (map[string]Initializer, error) {
	if len(b) == 0 {
		return nil, &Error{Offset: -1, Msg: "the file is empty"}
	}
	var inits []*tensorInfo
	var idents []identity
	model := &msg{b: b, what: "ModelProto", idx: -1, names: modelFields}
	graphs, opsets := 0, 0
	irVersion := uint64(0)
	for {
		f, ok, err := model.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		switch {
		case f.num == modelIRVersion && f.typ == wireVarint:
			irVersion = f.u
		case f.num == modelOpsetImport:
			opsets++
		}
		if f.num != modelGraph {
			continue
		}
		if err := model.want(f, wireBytes); err != nil {
			return nil, err
		}
		graphs++
		ti, id, err := walkGraph(model.sub(f, "ModelProto.graph", -1, graphFields), len(inits))
		if err != nil {
			return nil, err
		}
		inits = append(inits, ti...)
		idents = append(idents, id...)
	}
	if graphs == 0 {
		return nil, &Error{Offset: -1, Msg: fmt.Sprintf("the %d bytes hold no graph (ModelProto field 7); this is not an ONNX model", len(b))}
	}
	if opsets == 0 && irVersion >= 3 {
		// Exporters write the fields in order, so a file cut right after
		// its graph has lost opset_import (required since IR version 3).
		return nil, &Error{Offset: len(b), Msg: fmt.Sprintf("ModelProto has a graph but no opset_import (field 8), which IR version %d requires; the file is truncated after its graph or incomplete", irVersion)}
	}
	out := make(map[string]Initializer, len(inits))
	for _, ti := range inits {
		if _, dup := out[ti.name]; dup {
			return nil, &Error{Initializer: ti.name, Offset: ti.off, Msg: "the name is used by two initializers"}
		}
		in, err := convert(ti)
		if err != nil {
			return nil, err
		}
		out[ti.name] = in
	}
	// ONNX graphs are topologically sorted, so one pass in node order
	// resolves chains of Identity nodes.
	for _, id := range idents {
		src, ok := out[id.in]
		if _, taken := out[id.out]; !ok || taken {
			continue
		}
		alias := src.Alias
		if alias == "" {
			alias = id.in
		}
		// Share the values: copying them would let a file of many
		// Identity nodes over one large initializer allocate without bound.
		out[id.out] = Initializer{Shape: src.Shape, Data: src.Data, DataType: src.DataType, Alias: alias}
	}
	return out, nil
}

// walkGraph collects a GraphProto's initializers and Identity nodes; n is
// the number of initializers seen in earlier graph fields.
func walkGraph(g *msg, n int) ([]*tensorInfo, []identity, error) {
	var inits []*tensorInfo
	var idents []identity
	nodes := 0
	for {
		f, ok, err := g.next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return inits, idents, nil
		}
		switch f.num {
		case graphInitializer:
			if err := g.want(f, wireBytes); err != nil {
				return nil, nil, err
			}
			ti, err := walkTensor(g.sub(f, "graph.initializer", n+len(inits), tensorFields))
			if err != nil {
				return nil, nil, err
			}
			inits = append(inits, ti)
		case graphNode:
			if err := g.want(f, wireBytes); err != nil {
				return nil, nil, err
			}
			id, isID, err := walkNode(g.sub(f, "graph.node", nodes, nodeFields))
			if err != nil {
				return nil, nil, err
			}
			if isID {
				idents = append(idents, id)
			}
			nodes++
		}
	}
}

// walkNode reads a NodeProto and reports whether it is an Identity node
// with one input and one output.
func walkNode(m *msg) (identity, bool, error) {
	var in, out, op []byte
	nIn, nOut := 0, 0
	for {
		f, ok, err := m.next()
		if err != nil {
			return identity{}, false, err
		}
		if !ok {
			break
		}
		if f.num != nodeInput && f.num != nodeOutput && f.num != nodeOpType {
			continue
		}
		if err := m.want(f, wireBytes); err != nil {
			return identity{}, false, err
		}
		switch f.num {
		case nodeInput:
			in, nIn = f.b, nIn+1
		case nodeOutput:
			out, nOut = f.b, nOut+1
		case nodeOpType:
			op = f.b
		}
	}
	if string(op) != "Identity" || nIn != 1 || nOut != 1 || len(in) == 0 || len(out) == 0 ||
		!utf8.Valid(in) || !utf8.Valid(out) {
		return identity{}, false, nil
	}
	return identity{in: string(in), out: string(out)}, true, nil
}

// walkTensor reads the fields of a TensorProto that matter for its data,
// checking their wire types and counting the values in each data field.
func walkTensor(m *msg) (*tensorInfo, error) {
	ti := &tensorInfo{proto: m.b, off: m.base, msg: m}
	for {
		f, ok, err := m.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return ti, nil
		}
		switch f.num {
		case tensorDims:
			switch f.typ {
			case wireVarint:
				ti.dims = append(ti.dims, f.u)
			case wireBytes:
				sub := m.sub(f, m.what, m.idx, tensorFields)
				for sub.pos < len(sub.b) {
					v, err := sub.uvarint(varPacked, tensorDims)
					if err != nil {
						return nil, err
					}
					ti.dims = append(ti.dims, v)
				}
			default:
				return nil, m.want(f, wireVarint)
			}
			if len(ti.dims) > MaxRank {
				return nil, m.errf(f.off, "more than %d dims; the file is corrupt", MaxRank)
			}
		case tensorDataType:
			if err := m.want(f, wireVarint); err != nil {
				return nil, err
			}
			ti.dtype = f.u
		case tensorSegment:
			ti.segment = true
		case tensorName:
			if err := m.want(f, wireBytes); err != nil {
				return nil, err
			}
			ti.name, ti.hasName = string(f.b), true
		case tensorRawData:
			if err := m.want(f, wireBytes); err != nil {
				return nil, err
			}
			ti.raw, ti.hasRaw = f.b, true
		case tensorFloatData, tensorDoubleData:
			size, fixed := 4, wireFixed32
			if f.num == tensorDoubleData {
				size, fixed = 8, wireFixed64
			}
			switch f.typ {
			case fixed:
				ti.counts[f.num]++
			case wireBytes:
				if len(f.b)%size != 0 {
					return nil, m.errf(f.off, "packed %s has %d bytes, not a multiple of %d; the file is corrupt", typedFieldNames[f.num], len(f.b), size)
				}
				ti.counts[f.num] += len(f.b) / size
			default:
				return nil, m.want(f, fixed)
			}
		case tensorInt32Data, tensorInt64Data, tensorUint64Data:
			switch f.typ {
			case wireVarint:
				ti.counts[f.num]++
			case wireBytes:
				k, err := countVarints(m, f)
				if err != nil {
					return nil, err
				}
				ti.counts[f.num] += k
			default:
				return nil, m.want(f, wireVarint)
			}
		case tensorStringData:
			ti.counts[f.num]++
		case tensorExternalData:
			ti.external = true
			if f.typ == wireBytes {
				ti.location = externalLocation(f.b)
			}
		case tensorDataLocation:
			if f.typ == wireVarint && f.u == 1 {
				ti.external = true
			}
		}
	}
}

// externalLocation returns the "location" value of a
// StringStringEntryProto, or "" if it has none or cannot be read.
func externalLocation(b []byte) string {
	m := &msg{b: b, what: "external_data", idx: -1}
	var key, value string
	for {
		f, ok, err := m.next()
		if err != nil || !ok {
			break
		}
		if f.typ == wireBytes && f.num == 1 {
			key = string(f.b)
		}
		if f.typ == wireBytes && f.num == 2 {
			value = string(f.b)
		}
	}
	if key == "location" {
		return value
	}
	return ""
}

// count returns the number of values dims describe, or an error.
func (ti *tensorInfo) count() (int, error) {
	n := uint64(1)
	overflow := false
	for i, d := range ti.dims {
		if d > math.MaxInt64 {
			return 0, ti.errf("dimension %d is negative (%d)", i, int64(d))
		}
		if d > math.MaxInt {
			return 0, ti.errf("dimension %d (%d) does not fit in an int", i, d)
		}
		hi, lo := bits.Mul64(n, d)
		if hi != 0 || lo > math.MaxInt {
			overflow = true
		}
		n = lo
	}
	for _, d := range ti.dims {
		if d == 0 {
			return 0, nil
		}
	}
	if overflow {
		return 0, ti.errf("dims %v describe more than 2^63 values; the file is corrupt", ti.dims)
	}
	return int(n), nil
}

func (ti *tensorInfo) errf(format string, args ...any) *Error {
	return &Error{Initializer: ti.name, Offset: ti.off, Msg: fmt.Sprintf(format, args...)}
}

// convert validates an initializer and decodes its values with onnx-go.
func convert(ti *tensorInfo) (Initializer, error) {
	if !ti.hasName || ti.name == "" {
		return Initializer{}, &Error{Offset: ti.off, Msg: ti.msg.name() + " has no name"}
	}
	if !utf8.ValidString(ti.name) {
		return Initializer{}, &Error{Offset: ti.off, Msg: fmt.Sprintf("%s has a name that is not UTF-8: %q", ti.msg.name(), ti.name)}
	}
	if ti.external {
		where := ""
		if ti.location != "" {
			where = fmt.Sprintf(" (%q)", ti.location)
		}
		return Initializer{}, ti.errf("the values are stored in an external file%s, which is not supported; save the model as one file (onnx.save_model(model, path, save_as_external_data=False))", where)
	}
	if ti.segment {
		return Initializer{}, ti.errf("the tensor is segmented (TensorProto.segment), which is not supported")
	}
	dt, ok := supported[ti.dtype]
	if !ok {
		if ti.dtype == 0 {
			return Initializer{}, ti.errf("no data type (data_type is missing or UNDEFINED); the file is corrupt")
		}
		return Initializer{}, ti.errf("data type %s is not supported (FLOAT, DOUBLE, INT32 and INT64 are)", dataTypeName(ti.dtype))
	}
	typeName := dataTypes[ti.dtype]
	n, err := ti.count()
	if err != nil {
		return Initializer{}, err
	}
	for field, k := range ti.counts {
		if field != dt.field && k > 0 {
			return Initializer{}, ti.errf("a %s tensor with values in %s, the field for other data types; the file is corrupt", typeName, typedFieldNames[field])
		}
	}
	stored := ti.counts[dt.field]
	if ti.hasRaw {
		if stored > 0 {
			return Initializer{}, ti.errf("values in both raw_data and %s; the file is corrupt", typedFieldNames[dt.field])
		}
		if len(ti.raw)%dt.size != 0 {
			return Initializer{}, ti.errf("raw_data has %d bytes, not a whole number of %d-byte %s values; the file is corrupt", len(ti.raw), dt.size, typeName)
		}
		stored = len(ti.raw) / dt.size
	}
	if stored != n {
		return Initializer{}, ti.errf("dims %v need %d %s values but the tensor stores %d; the file is corrupt", ti.dims, n, typeName, stored)
	}
	shape := make([]int, len(ti.dims))
	for i, d := range ti.dims {
		shape[i] = int(d)
	}
	data, err := decode(ti, n)
	if err != nil {
		return Initializer{}, ti.errf("%v", err)
	}
	return Initializer{Shape: shape, Data: data, DataType: typeName}, nil
}

// decode has onnx-go decode the TensorProto and converts the values to
// float32, turning a panic inside onnx-go or gorgonia into an error.
func decode(ti *tensorInfo, n int) (data []float32, err error) {
	if n == 0 {
		return []float32{}, nil
	}
	defer func() {
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("onnx-go panicked decoding the tensor (%v); the file is malformed", strings.TrimSpace(fmt.Sprint(r)))
		}
	}()
	t, err := onnx.NewTensor(ti.proto)
	if err != nil {
		return nil, fmt.Errorf("onnx-go cannot decode the tensor: %v; the file is malformed", err)
	}
	if t == nil {
		return nil, fmt.Errorf("onnx-go decoded no tensor; the file is malformed")
	}
	var out []float32
	switch v := t.Data().(type) {
	case []float32:
		out = v // a fresh slice that onnx-go decoded for this call
	}
	if out == nil {
		out = make([]float32, 0, n)
	}
	switch v := t.Data().(type) {
	case []float32:
	case []float64:
		for _, x := range v {
			out = append(out, float32(x))
		}
	case []int64:
		for _, x := range v {
			out = append(out, float32(x))
		}
	case []int32:
		for _, x := range v {
			out = append(out, float32(x))
		}
	case float32:
		out = append(out, v)
	case float64:
		out = append(out, float32(v))
	case int64:
		out = append(out, float32(v))
	case int32:
		out = append(out, float32(v))
	default:
		return nil, fmt.Errorf("onnx-go decoded values of type %T; the file is malformed", v)
	}
	if want := wantDtype(ti.dtype); t.Dtype() != want {
		return nil, fmt.Errorf("onnx-go decoded %v values for a %s tensor", t.Dtype(), dataTypes[ti.dtype])
	}
	if len(out) != n {
		return nil, fmt.Errorf("onnx-go decoded %d values, dims %v need %d; the file is malformed", len(out), ti.dims, n)
	}
	return out, nil
}

func wantDtype(t uint64) gtensor.Dtype {
	switch t {
	case 1:
		return gtensor.Float32
	case 6:
		return gtensor.Int32
	case 7:
		return gtensor.Int64
	default:
		return gtensor.Float64
	}
}
