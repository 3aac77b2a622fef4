package onnx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/onnx/internal/onnxw"
	"github.com/cairn-ml/cairn/tensor"
)

// ONNX weight import. Only the weights of an ONNX model are read, its
// graph initializers; the architecture is the cairn model they are loaded
// into, and the file's operators and attributes (strides, eps, ...) are
// not checked against it. The file goes through package nn/onnx/internal/onnxw,
// the one adapter over github.com/owulveryck/onnx-go, which validates its
// structure before onnx-go decodes the initializers.

// Error reports what is wrong with an ONNX file: which initializer,
// where in the file, and what.
type Error struct {
	Path        string // the file, when read from a file
	Initializer string // the initializer concerned, if any
	Offset      int    // the byte offset of the fault in the file, or -1
	Msg         string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("onnx: ")
	if e.Path != "" {
		b.WriteString("file ")
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
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

func onnxError(path string, err error) error {
	var oe *onnxw.Error
	if errors.As(err, &oe) {
		return &Error{Path: path, Initializer: oe.Initializer, Offset: oe.Offset, Msg: oe.Msg}
	}
	return err
}

// ReadWeights reads an ONNX model from r and returns its weights, the
// initializers of its graph, by name. With the export that [Load]
// recommends, the names are those of the PyTorch model's state_dict.
//
// Values are converted to float32: FLOAT exactly, DOUBLE rounded to the
// nearest float32, INT32 and INT64 exactly up to 2^24 in magnitude and
// rounded beyond. Other data types give an error, as do initializers whose
// data lives in an external file (models over 2 GB). When
// torch.onnx.export has replaced a parameter by an Identity node over
// another initializer with equal values, the map holds it too, under its
// own name: a tensor that shares its values with that initializer's, as the
// file stores them once.
//
// A model exported with export_params=False has no initializers and gives
// an empty map. The tensors do not require grad.
//
// The whole input is read. A malformed file gives an *Error that says
// what is wrong and at which byte: a truncated file, a corrupted length or
// tag, an unsupported data type, dims that do not match the data. Values
// themselves cannot be checked: ONNX files carry no checksum.
func ReadWeights(r io.Reader) (map[string]*tensor.Tensor, error) {
	var buf bytes.Buffer
	if n := readerSize(r); n > 0 {
		buf.Grow(n + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("onnx: reading: %w", err)
	}
	inits, err := onnxw.ReadInitializers(buf.Bytes())
	if err != nil {
		return nil, onnxError("", err)
	}
	out := make(map[string]*tensor.Tensor, len(inits))
	for name, in := range inits {
		out[name] = tensor.New(in.Data, in.Shape...)
	}
	return out, nil
}

// readerSize returns the number of bytes left in r when r knows it (a
// bytes.Reader, a strings.Reader, a regular file), else 0, and at most
// 1 GiB: it only sizes the first buffer.
func readerSize(r io.Reader) int {
	n := int64(0)
	switch v := r.(type) {
	case interface{ Len() int }:
		n = int64(v.Len())
	case *os.File:
		fi, err := v.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return 0
		}
		off, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return 0
		}
		n = fi.Size() - off
	}
	return int(max(0, min(n, 1<<30)))
}

// Load copies the weights of the ONNX model at path into model by
// name: every tensor of model's [nn.StateDict] must be an initializer of the
// file with the same shape, and every initializer must be a tensor of
// model, or Load returns an error listing what is missing, unexpected
// or of the wrong shape, and changes nothing ([nn.LoadState]'s strict check).
// Two exceptions: a BatchNorm's num_batches_tracked, which ONNX exports
// never hold, is left as it is, and an Identity alias (see
// [ReadWeights]) counts only if model has a tensor of that name.
//
// The model's architecture is not read from the file: build the cairn model
// that matches the PyTorch one, with the same state_dict names (see
// [nn.StateDict]) and options, then load the weights into it.
//
// # Exporting from PyTorch
//
// torch.onnx.export names each initializer after the state_dict entry it
// holds, unless it transforms the tensor, and then the name becomes
// "onnx::<Op>_<n>". Measured with torch 1.13 (opset 14):
//
//   - training=TrainingMode.EVAL, the default, fuses every BatchNorm into
//     the Conv before it: conv.weight and conv.bias become "onnx::Conv_<n>"
//     and the BatchNorm's tensors disappear, whatever do_constant_folding
//     says. TrainingMode.PRESERVE on a model in eval mode keeps the
//     BatchNormalization node and its weight, bias, running_mean and
//     running_var.
//   - do_constant_folding=True, the default, precomputes transformed
//     weights: a Linear applied to a 3-D input is a MatMul with the
//     transposed weight, stored as "onnx::MatMul_<n>" of shape (in, out).
//     With folding off the weight stays under its name, followed by a
//     Transpose node. (A Linear on a 2-D input is a Gemm with transB=1,
//     which keeps the (out, in) weight under its name either way.)
//   - Parameters with equal values (two zero biases of one length, a fresh
//     BatchNorm's running_var and weight) are stored once; the other names
//     become Identity nodes, which Load resolves. A parameter shared
//     between modules is stored once, under its first name, as StateDict
//     lists it.
//   - BatchNorm's num_batches_tracked is not exported.
//   - keep_initializers_as_inputs makes no difference here.
//
// So export with
//
//	model.eval()
//	torch.onnx.export(model, example_input, "model.onnx",
//	                  export_params=True,
//	                  do_constant_folding=False,
//	                  training=torch.onnx.TrainingMode.PRESERVE)
//
// When the names do not match and the file has "onnx::" initializers, the
// error says that the export transformed them.
func Load(path string, model any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("onnx: reading %s: %w", path, err)
	}
	inits, err := onnxw.ReadInitializers(b)
	if err != nil {
		return onnxError(path, err)
	}
	dict := nn.StateDict(model)
	if len(inits) == 0 && len(dict) > 0 {
		return &Error{Path: path, Offset: -1, Msg: "the file holds no initializers (was it exported with export_params=False?)"}
	}
	want := make(map[string]bool, len(dict))
	for _, n := range dict {
		want[n.Name] = true
	}
	state := make(map[string]*tensor.Tensor, len(inits))
	for name, in := range inits {
		if in.Alias != "" && !want[name] {
			continue
		}
		state[name] = tensor.New(in.Data, in.Shape...)
	}
	for _, n := range dict {
		if _, ok := state[n.Name]; !ok && n.Buffer && lastName(n.Name) == "num_batches_tracked" {
			state[n.Name] = n.Tensor.Detach()
		}
	}
	if err := nn.LoadState(model, state); err != nil {
		return &onnxLoadError{path: path, err: err, hint: renameHint(state, want)}
	}
	return nil
}

func lastName(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// renameHint explains initializers that torch.onnx.export renamed.
func renameHint(state map[string]*tensor.Tensor, want map[string]bool) string {
	var renamed []string
	for name := range state {
		if !want[name] && strings.HasPrefix(name, "onnx::") {
			renamed = append(renamed, strconv.Quote(name))
		}
	}
	if len(renamed) == 0 {
		return ""
	}
	slices.Sort(renamed)
	if len(renamed) > 4 {
		renamed = append(renamed[:4], "...")
	}
	return fmt.Sprintf(" (torch.onnx.export transformed and renamed %s: export the model in eval mode with do_constant_folding=False and training=torch.onnx.TrainingMode.PRESERVE, see nn.Load)", strings.Join(renamed, ", "))
}

// onnxLoadError is LoadState's error on an ONNX file's weights.
type onnxLoadError struct {
	path string
	err  error
	hint string
}

func (e *onnxLoadError) Error() string {
	return "onnx: file " + e.path + ": " + strings.TrimPrefix(e.err.Error(), "nn: ") + e.hint
}

func (e *onnxLoadError) Unwrap() error { return e.err }
