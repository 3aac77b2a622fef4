package onnx_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/onnx"
	"github.com/cairn-ml/cairn/tensor"
)

// onnxCNN is the model of testdata/onnx_cnn.py.
type onnxCNN struct {
	Conv1 *nn.Conv2D    `cairn:"conv1"`
	Pool  *nn.MaxPool2D `cairn:"pool"`
	Conv2 *nn.Conv2D    `cairn:"conv2"`
	FC1   *nn.Linear    `cairn:"fc1"`
	FC2   *nn.Linear    `cairn:"fc2"`
}

func newONNXCNN() *onnxCNN {
	rng := rand.New(rand.NewPCG(3, 4))
	return &onnxCNN{
		Conv1: nn.NewConv2D(rng, 1, 4, 3, nn.ConvPadding(1)),
		Pool:  nn.NewMaxPool2D(2),
		Conv2: nn.NewConv2D(rng, 4, 8, 3),
		FC1:   nn.NewLinear(rng, 8*4*4, 16),
		FC2:   nn.NewLinear(rng, 16, 10),
	}
}

func (m *onnxCNN) Forward(x *tensor.Tensor) *tensor.Tensor {
	x = m.Pool.Forward(m.Conv1.Forward(x).ReLU())
	x = m.Conv2.Forward(x).ReLU().Flatten(1)
	return m.FC2.Forward(m.FC1.Forward(x).ReLU())
}

// onnxMLP is the model of testdata/onnx_mlp.py.
type onnxMLP struct {
	FC1 *nn.Linear      `cairn:"fc1"`
	BN  *nn.BatchNorm1D `cairn:"bn"`
	FC2 *nn.Linear      `cairn:"fc2"`
	FC3 *nn.Linear      `cairn:"fc3"`
}

func newONNXMLP() *onnxMLP {
	rng := rand.New(rand.NewPCG(5, 6))
	return &onnxMLP{FC1: nn.NewLinear(rng, 6, 8), BN: nn.NewBatchNorm1D(8), FC2: nn.NewLinear(rng, 8, 8), FC3: nn.NewLinear(rng, 8, 3)}
}

func (m *onnxMLP) Forward(x *tensor.Tensor) *tensor.Tensor {
	x = m.BN.Forward(m.FC1.Forward(x)).ReLU()
	return m.FC3.Forward(m.FC2.Forward(x).ReLU())
}

// onnxCheckState compares a model's state with the fixture's "state/"
// tensors, which must match exactly.
func onnxCheckState(t *testing.T, fix *torchfix.Fixture, m any, skip ...string) {
	t.Helper()
	for _, n := range nn.StateDict(m) {
		if slices.Contains(skip, n.Name) {
			continue
		}
		torchfix.Close(t, n.Name, n.Tensor, fix.T(t, "state/"+n.Name), 0, 0)
	}
}

// TestLoadONNXCNN is the acceptance test: the CNN that torch.onnx.export
// wrote loads into the matching cairn model, which then gives PyTorch's
// logits.
func TestLoadONNXCNN(t *testing.T) {
	t.Parallel()
	fix := torchfix.Load(t, "testdata/onnx_cnn.json")
	m := newONNXCNN()
	if err := onnx.Load("testdata/onnx_cnn.onnx", m); err != nil {
		t.Fatal(err)
	}
	onnxCheckState(t, fix, m)
	nn.Freeze(m)
	got, want := m.Forward(fix.T(t, "x")), fix.T(t, "logits")
	torchfix.Close(t, "logits", got, want, 1e-4, 1e-5)
	maxDiff := 0.0
	for i, v := range want.Data() {
		maxDiff = max(maxDiff, math.Abs(float64(got.Data()[i]-v)))
	}
	t.Logf("logits %v, largest difference from PyTorch %.2g", got.Shape(), maxDiff)
}

// TestLoadONNXMLP loads the MLP with BatchNorm from three exports (float32,
// float64, keep_initializers_as_inputs) and checks the logits, the
// Identity alias, and that num_batches_tracked is left alone.
func TestLoadONNXMLP(t *testing.T) {
	t.Parallel()
	fix := torchfix.Load(t, "testdata/onnx_mlp.json")
	var alias string
	fix.MetaValue(t, "alias", &alias)
	for _, file := range []string{"onnx_mlp.onnx", "onnx_mlp_f64.onnx", "onnx_mlp_kia.onnx"} {
		t.Run(file, func(t *testing.T) {
			m := newONNXMLP()
			m.BN.NumBatchesTracked.Data()[0] = 7
			if err := onnx.Load("testdata/"+file, m); err != nil {
				t.Fatal(err)
			}
			if got := m.BN.NumBatchesTracked.Item(); got != 7 {
				t.Errorf("num_batches_tracked = %v after loading, want 7 (left as it was)", got)
			}
			onnxCheckState(t, fix, m, "bn.num_batches_tracked")
			nn.SetTraining(m, false)
			nn.Freeze(m)
			torchfix.Close(t, "logits", m.Forward(fix.T(t, "x")), fix.T(t, "logits"), 1e-4, 1e-5)
		})
	}
	f, err := os.Open("testdata/onnx_mlp.onnx")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := onnx.ReadWeights(f)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range w {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"bn.bias", "bn.running_mean", "bn.running_var", "bn.weight", "fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight", "fc3.bias", "fc3.weight"}
	if !slices.Equal(names, want) {
		t.Errorf("ReadONNXWeights names %v, want %v", names, want)
	}
	if a := w[alias]; a != nil {
		torchfix.Close(t, "alias "+alias, a, fix.T(t, "state/"+alias), 0, 0)
		shared := 0 // the tensor the alias repeats
		for name, o := range w {
			if name != alias && &o.Data()[0] == &a.Data()[0] {
				shared++
			}
		}
		if shared != 1 {
			t.Errorf("%s shares its values with %d other tensors, want 1", alias, shared)
		}
	}
}

// TestLoadONNXNames checks the errors for files whose names do not match
// the model, and that the model is then unchanged.
func TestLoadONNXNames(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		name  string
		file  string
		model any
		want  []string
	}{
		{"fused BatchNorm", "testdata/onnx_fused.onnx", []any{nn.NewConv2D(rng, 1, 2, 3), nn.NewBatchNorm2D(2)}, []string{
			"onnx: file testdata/onnx_fused.onnx: state does not match the model:",
			`missing "0.weight"`, `missing "1.running_var"`, `unexpected "onnx::Conv_11"`, `unexpected "onnx::Conv_12"`,
			`torch.onnx.export transformed and renamed "onnx::Conv_11", "onnx::Conv_12"`,
			"do_constant_folding=False", "training=torch.onnx.TrainingMode.PRESERVE",
		}},
		{"other model", "testdata/onnx_mlp.onnx", newONNXCNN(), []string{
			`missing "conv1.weight"`, `unexpected "bn.running_mean"`, `"fc1.weight" has shape [8 6], the model wants [16 128]`,
		}},
		{"wrong shape", "testdata/onnx_mlp.onnx", &onnxMLP{FC1: nn.NewLinear(rng, 6, 8), BN: nn.NewBatchNorm1D(8), FC2: nn.NewLinear(rng, 8, 8), FC3: nn.NewLinear(rng, 8, 4)}, []string{
			`"fc3.weight" has shape [3 8], the model wants [4 8]`, `"fc3.bias" has shape [3], the model wants [4]`,
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := nn.StateDict(c.model)
			var saved [][]float32
			for _, n := range before {
				saved = append(saved, slices.Clone(n.Tensor.Data()))
			}
			err := onnx.Load(c.file, c.model)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			if c.name != "fused BatchNorm" && strings.Contains(err.Error(), "renamed") {
				t.Errorf("error %q has the renaming hint", err)
			}
			for i, n := range before {
				if !slices.Equal(n.Tensor.Data(), saved[i]) {
					t.Errorf("%s changed although loading failed", n.Name)
				}
			}
		})
	}
	if err := onnx.Load("testdata/no-such.onnx", newONNXMLP()); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v, want one wrapping os.ErrNotExist", err)
	}
}

// Protocol-buffer encoding for hand-made ONNX files.

func onnxKey(num, typ int) []byte { return binary.AppendUvarint(nil, uint64(num<<3|typ)) }

func onnxVarint(num int, v uint64) []byte { return binary.AppendUvarint(onnxKey(num, 0), v) }

func onnxLen(num int, parts ...[]byte) []byte {
	p := bytes.Join(parts, nil)
	return append(binary.AppendUvarint(onnxKey(num, 2), uint64(len(p))), p...)
}

// onnxModel is a ModelProto (ir_version 7, opset 14) holding one graph of
// the given fields, with a Relu node so that it is a plausible model.
func onnxModel(graph ...[]byte) []byte {
	node := onnxLen(1, onnxLen(1, []byte("x")), onnxLen(2, []byte("y")), onnxLen(4, []byte("Relu")))
	return slices.Concat(onnxVarint(1, 7), onnxLen(7, append([][]byte{node}, graph...)...), onnxLen(8, onnxVarint(2, 14)))
}

// onnxInit is a graph initializer (GraphProto field 5): a TensorProto with
// packed dims, a data type, a name and more fields.
func onnxInit(name string, dtype int, dims []int64, fields ...[]byte) []byte {
	var d []byte
	for _, v := range dims {
		d = binary.AppendUvarint(d, uint64(v))
	}
	parts := [][]byte{onnxLen(1, d), onnxVarint(2, uint64(dtype))}
	if name != "" {
		parts = append(parts, onnxLen(8, []byte(name)))
	}
	return onnxLen(5, append(parts, fields...)...)
}

func onnxRaw(vals ...float32) []byte { return onnxLen(9, f32Bytes(vals...)) }

func onnxIdentity(in, out string) []byte {
	return onnxLen(1, onnxLen(1, []byte(in)), onnxLen(2, []byte(out)), onnxLen(4, []byte("Identity")))
}

// TestReadONNXWeightsTypes reads hand-made files holding every supported
// data type in every encoding (raw_data, packed and unpacked typed fields),
// scalars, empty tensors and Identity aliases.
func TestReadONNXWeightsTypes(t *testing.T) {
	t.Parallel()
	packed := func(vals ...int64) []byte {
		var b []byte
		for _, v := range vals {
			b = binary.AppendUvarint(b, uint64(v))
		}
		return b
	}
	f64 := func(vals ...float64) []byte {
		var b []byte
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	i64 := func(vals ...int64) []byte {
		var b []byte
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
		return b
	}
	i32 := func(vals ...int32) []byte {
		var b []byte
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		}
		return b
	}
	file := onnxModel(
		onnxInit("f.raw", 1, []int64{2, 2}, onnxRaw(1, -2, 3.5, 4)),
		onnxInit("f.packed", 1, []int64{3}, onnxLen(4, f32Bytes(0.5, 1.5, -2.5))),
		onnxInit("f.unpacked", 1, []int64{2}, append(append(onnxKey(4, 5), f32Bytes(7)...), append(onnxKey(4, 5), f32Bytes(8)...)...)),
		onnxInit("f.scalar", 1, nil, onnxRaw(9)),
		onnxInit("f.one", 1, []int64{1}, onnxRaw(-1)),
		onnxInit("f.empty", 1, []int64{0, 3}),
		onnxInit("d.raw", 11, []int64{2}, onnxLen(9, f64(0.1, 1e300))),
		onnxInit("d.packed", 11, []int64{2}, onnxLen(10, f64(-0.25, 2))),
		onnxInit("l.raw", 7, []int64{3}, onnxLen(9, i64(-1, 16777217, 3))),
		onnxInit("l.packed", 7, []int64{2}, onnxLen(7, packed(5, -6))),
		onnxInit("l.unpacked", 7, []int64{2}, onnxVarint(7, 11), onnxVarint(7, 12)),
		onnxInit("i.raw", 6, []int64{2}, onnxLen(9, i32(-3, 4))),
		onnxInit("i.packed", 6, []int64{1, 2}, onnxLen(5, packed(-7, 8))),
		onnxIdentity("f.raw", "alias"),
		onnxIdentity("alias", "alias2"), // a chain
		onnxIdentity("x", "not.an.initializer"),
		onnxIdentity("f.packed", "f.raw"), // an initializer's own name: ignored
	)
	w, err := onnx.ReadWeights(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*tensor.Tensor{
		"f.raw":      tensor.New([]float32{1, -2, 3.5, 4}, 2, 2),
		"f.packed":   tensor.New([]float32{0.5, 1.5, -2.5}, 3),
		"f.unpacked": tensor.New([]float32{7, 8}, 2),
		"f.scalar":   tensor.Scalar(9),
		"f.one":      tensor.New([]float32{-1}, 1),
		"f.empty":    tensor.New([]float32{}, 0, 3),
		"d.raw":      tensor.New([]float32{0.1, float32(math.Inf(1))}, 2),
		"d.packed":   tensor.New([]float32{-0.25, 2}, 2),
		"l.raw":      tensor.New([]float32{-1, 16777216, 3}, 3), // 2^24+1 rounds to even
		"l.packed":   tensor.New([]float32{5, -6}, 2),
		"l.unpacked": tensor.New([]float32{11, 12}, 2),
		"i.raw":      tensor.New([]float32{-3, 4}, 2),
		"i.packed":   tensor.New([]float32{-7, 8}, 1, 2),
		"alias":      tensor.New([]float32{1, -2, 3.5, 4}, 2, 2),
		"alias2":     tensor.New([]float32{1, -2, 3.5, 4}, 2, 2),
	}
	for name, wt := range want {
		got, ok := w[name]
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		torchfix.Close(t, name, got, wt, 0, 0)
	}
	for name := range w {
		if want[name] == nil {
			t.Errorf("unexpected %s", name)
		}
	}
}

// onnxBad lists malformed files and what the error must say. It reads a
// fixture, so it runs inside tests, not at package initialisation.
func onnxBad() []struct {
	name string
	file []byte
	want []string
} {
	good, err := os.ReadFile("testdata/onnx_mlp.onnx")
	if err != nil {
		panic(err)
	}
	model := func(f ...[]byte) []byte { return onnxModel(f...) }
	fl := onnxRaw(1, 2, 3, 4, 5, 6)
	// The ModelProto of onnx_mlp.onnx: ir_version, producer name and
	// version, then the graph, whose length varint starts after its tag.
	graphLen := bytes.IndexByte(good, 7<<3|2) + 1
	bigGraph := slices.Clone(good)
	bigGraph[graphLen] |= 0x7f
	bigGraph[graphLen+1] |= 0x7f
	size, n := binary.Uvarint(good[graphLen:])
	graphEnd := graphLen + n + int(size)
	flipTag := slices.Clone(good)
	flipTag[graphLen+n] = 0x7b // "{": field 15, wire type 3, as the graph's first tag
	return []struct {
		name string
		file []byte
		want []string
	}{
		{"empty", nil, []string{"the file is empty"}},
		{"truncated to 1 byte", good[:1], []string{"ModelProto", "the file ends inside a varint; it is truncated or corrupt"}},
		{"truncated to half", good[:len(good)/2], []string{"ModelProto: field 7 (graph) declares", "bytes but only", "remain; the file is truncated or corrupt"}},
		{"truncated by 1 byte", good[:len(good)-1], []string{"truncated or corrupt"}},
		{"cut after the graph", good[:graphEnd], []string{"at byte 1715: ModelProto has a graph but no opset_import (field 8), which IR version 7 requires; the file is truncated after its graph or incomplete"}},
		{"graph length corrupted", bigGraph, []string{"at byte 19: ModelProto: field 7 (graph) declares 16383 bytes but only 1697 remain", "the file is truncated or corrupt"}},
		{"tag corrupted", flipTag, []string{"wire type 3 (start-group), which ONNX does not use; the file is corrupt or not an ONNX model"}},
		{"JSON", []byte(`{"weights": [1, 2, 3]}`), []string{"wire type 3", "not an ONNX model"}},
		{"no graph", onnxVarint(1, 7), []string{"the 2 bytes hold no graph (ModelProto field 7); this is not an ONNX model"}},
		{"graph as varint", onnxVarint(7, 1), []string{"field 7 (graph) has wire type varint, want length-delimited"}},
		{"field number 0", []byte{0x02, 0x00}, []string{"invalid field number 0"}},
		{"long varint", append(onnxKey(1, 0), bytes.Repeat([]byte{0xff}, 11)...), []string{"varint longer than 10 bytes"}},
		{"fixed32 cut", append(onnxKey(3, 5), 1, 2), []string{"field 3 (producer_version) is a fixed32 needing 4 bytes, but only 2 remain"}},
		{"raw_data too short", model(onnxInit("w", 1, []int64{2, 3}, onnxRaw(1, 2, 3, 4))), []string{`initializer "w"`, "dims [2 3] need 6 FLOAT values but the tensor stores 4"}},
		{"raw_data ragged", model(onnxInit("w", 1, []int64{5}, onnxLen(9, make([]byte, 18)))), []string{`initializer "w"`, "raw_data has 18 bytes, not a whole number of 4-byte FLOAT values"}},
		{"dims too large", model(onnxInit("w", 1, []int64{2, 4}, fl)), []string{"dims [2 4] need 8 FLOAT values but the tensor stores 6"}},
		{"negative dim", model(onnxInit("w", 1, []int64{-2, 3}, fl)), []string{"dimension 0 is negative (-2)"}},
		{"dims overflow", model(onnxInit("w", 1, []int64{1 << 40, 1 << 40}, fl)), []string{"describe more than 2^63 values"}},
		{"too many dims", model(onnxInit("w", 1, make([]int64, 65), fl)), []string{"more than 64 dims"}},
		{"FLOAT16", model(onnxInit("h", 10, []int64{2}, onnxLen(9, []byte{0, 60, 0, 60}))), []string{`initializer "h"`, "data type 10 (FLOAT16) is not supported (FLOAT, DOUBLE, INT32 and INT64 are)"}},
		{"BOOL", model(onnxInit("m", 9, []int64{2}, onnxLen(9, []byte{0, 1}))), []string{"data type 9 (BOOL) is not supported"}},
		{"unknown type", model(onnxInit("u", 99, []int64{1}, onnxRaw(1))), []string{"data type 99 (unknown) is not supported"}},
		{"no data type", model(onnxInit("u", 0, []int64{1}, onnxRaw(1))), []string{"no data type"}},
		{"no name", model(onnxInit("", 1, []int64{6}, fl)), []string{"graph.initializer #0 has no name"}},
		{"duplicate name", model(onnxInit("w", 1, []int64{6}, fl), onnxInit("w", 1, []int64{6}, fl)), []string{`initializer "w"`, "the name is used by two initializers"}},
		{"external data", model(onnxInit("w", 1, []int64{6}, onnxLen(13, onnxLen(1, []byte("location")), onnxLen(2, []byte("weights.bin"))), onnxVarint(14, 1))), []string{`initializer "w"`, `stored in an external file ("weights.bin")`, "save_as_external_data=False"}},
		{"segment", model(onnxInit("w", 1, []int64{6}, fl, onnxLen(3, onnxVarint(1, 0), onnxVarint(2, 6)))), []string{"segmented"}},
		{"raw and typed", model(onnxInit("w", 1, []int64{1}, onnxRaw(1), onnxLen(4, f32Bytes(1)))), []string{"values in both raw_data and float_data"}},
		{"typed field of another type", model(onnxInit("w", 1, []int64{2}, onnxLen(7, []byte{1, 2}))), []string{"a FLOAT tensor with values in int64_data"}},
		{"packed floats ragged", model(onnxInit("w", 1, []int64{1}, onnxLen(4, []byte{1, 2, 3}))), []string{"packed float_data has 3 bytes, not a multiple of 4"}},
		{"packed varint broken", model(onnxInit("w", 7, []int64{1}, onnxLen(7, []byte{0x80}))), []string{"packed field 7 (int64_data) holds a broken varint"}},
		{"dims as fixed32", model(onnxLen(5, onnxKey(1, 5), []byte{1, 0, 0, 0})), []string{"field 1 (dims) has wire type fixed32, want varint"}},
		{"initializer cut", model(onnxLen(5, onnxVarint(2, 1), onnxKey(9, 2), []byte{10, 1, 2})), []string{"graph.initializer #0: field 9 (raw_data) declares 10 bytes but only 2 remain"}},
		{"node cut", onnxModel(onnxLen(1, onnxKey(4, 2), []byte{5, 'I', 'd'})), []string{"graph.node #1: field 4 (op_type) declares 5 bytes but only 2 remain"}},
	}
}

// TestReadONNXWeightsMalformed checks that truncated, corrupted and
// unsupported files give an *ONNXError that says what is wrong.
func TestReadONNXWeightsMalformed(t *testing.T) {
	t.Parallel()
	for _, c := range onnxBad() {
		t.Run(c.name, func(t *testing.T) {
			w, err := onnx.ReadWeights(bytes.NewReader(c.file))
			if err == nil {
				t.Fatalf("no error; read %d tensors", len(w))
			}
			var oe *onnx.Error
			if !errors.As(err, &oe) {
				t.Fatalf("error %v (%T), want an *onnx.Error", err, err)
			}
			t.Log(err)
			if !strings.HasPrefix(err.Error(), "onnx: ") {
				t.Errorf("error %q does not start with \"onnx: \"", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

// TestLoadONNXMalformed checks that LoadONNX names the file in its errors.
func TestLoadONNXMalformed(t *testing.T) {
	t.Parallel()
	good, err := os.ReadFile("testdata/onnx_mlp.onnx")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"cut.onnx", good[:len(good)-100], "the file is truncated or corrupt"},
		{"noweights.onnx", onnxModel(), "the file holds no initializers (was it exported with export_params=False?)"},
	} {
		p := dir + "/" + c.name
		if err := os.WriteFile(p, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		err := onnx.Load(p, newONNXMLP())
		var oe *onnx.Error
		if !errors.As(err, &oe) || oe.Path != p || !strings.Contains(err.Error(), "onnx: file "+p+": ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want an *onnx.Error naming the file and saying %q", c.name, err, c.want)
		}
	}
}

// TestReadONNXWeightsConcurrent reads files from several goroutines (run
// with -race: onnx-go and gorgonia keep global state).
func TestReadONNXWeightsConcurrent(t *testing.T) {
	t.Parallel()
	var files [][]byte
	for _, p := range []string{"testdata/onnx_cnn.onnx", "testdata/onnx_mlp.onnx", "testdata/onnx_mlp_f64.onnx"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Go(func() {
			if _, err := onnx.ReadWeights(bytes.NewReader(files[i%len(files)])); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkReadONNXWeights(b *testing.B) {
	file, err := os.ReadFile("testdata/onnx_cnn.onnx")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		if _, err := onnx.ReadWeights(bytes.NewReader(file)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadONNXWeightsLarge reads a 4 MB weight (1024×1024 FLOAT).
func BenchmarkReadONNXWeightsLarge(b *testing.B) {
	vals := make([]float32, 1<<20)
	for i := range vals {
		vals[i] = float32(i)
	}
	file := onnxModel(onnxInit("w", 1, []int64{1024, 1024}, onnxRaw(vals...)))
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		if _, err := onnx.ReadWeights(bytes.NewReader(file)); err != nil {
			b.Fatal(err)
		}
	}
}

// A PyTorch MLP, exported with torch.onnx.export as LoadONNX recommends
// (testdata/onnx_mlp.py), loaded into the same model built in Go.
func ExampleLoad() {
	type MLP struct {
		FC1 *nn.Linear      `cairn:"fc1"`
		BN  *nn.BatchNorm1D `cairn:"bn"`
		FC2 *nn.Linear      `cairn:"fc2"`
		FC3 *nn.Linear      `cairn:"fc3"`
	}
	rng := rand.New(rand.NewPCG(1, 2))
	m := &MLP{FC1: nn.NewLinear(rng, 6, 8), BN: nn.NewBatchNorm1D(8), FC2: nn.NewLinear(rng, 8, 8), FC3: nn.NewLinear(rng, 8, 3)}
	if err := onnx.Load("testdata/onnx_mlp.onnx", m); err != nil {
		fmt.Println(err)
		return
	}
	nn.SetTraining(m, false)
	nn.Freeze(m)
	x := tensor.Ones(1, 6)
	h := m.BN.Forward(m.FC1.Forward(x)).ReLU()
	y := m.FC3.Forward(m.FC2.Forward(h).ReLU())
	fmt.Printf("%.3f\n", y.Data())
	// Output: [-0.084 0.206 0.232]
}

func f32Bytes(vals ...float32) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}
