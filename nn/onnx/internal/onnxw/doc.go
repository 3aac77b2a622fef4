// Package onnxw reads the weights of an ONNX model: the initializers of its
// graph, by name, as float32 arrays. It is the only code in cairn that
// imports github.com/owulveryck/onnx-go (and through it gorgonia.org/tensor),
// so that dependency can be replaced here without touching package nn.
//
// # How a file is read
//
// An ONNX file is a protocol-buffer ModelProto. The adapter walks its wire
// format itself, down to the three messages it needs (ModelProto.graph,
// GraphProto.initializer and GraphProto.node), and checks every length,
// tag and varint on the way, so a truncated or corrupted file gives an
// [*Error] that names the message, the field and the byte offset at fault.
// It then validates each initializer (a name, a supported data type, no
// external or segmented data, non-negative dims whose product is exactly the
// number of values stored) and only then hands the initializer's TensorProto
// bytes to onnx-go's NewTensor, which decodes the values; the adapter
// converts them to float32 at once. A panic inside onnx-go or gorgonia is
// recovered and reported as a malformed initializer.
//
// The rest of the model (operators, attributes, graph inputs and outputs,
// value_info) is skipped at the wire level: onnx-go's full-model decoder
// (Model.UnmarshalBinary with a Backend) would also decode every node, fail
// on attribute types it does not know (subgraphs of If and Loop, tensor
// lists) and allocate a placeholder tensor for every input, output and
// value_info shape declared in the file, which a crafted file can make
// arbitrarily large. Weight import needs none of it.
//
// # Identity aliases
//
// torch.onnx.export deduplicates initializers that hold identical values
// (for example two zero biases of the same length): it keeps one and
// replaces the other by an Identity node whose output carries the dropped
// parameter's name. ReadInitializers returns such outputs too, sharing the
// values of the initializer they repeat, which Alias names.
package onnxw
