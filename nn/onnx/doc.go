// Package onnx imports the weights of ONNX models into cairn models.
//
// Only the graph's initializers are read; the architecture is the cairn
// model they are loaded into, matched by PyTorch state_dict names (see
// nn.StateDict). [Load] documents how torch.onnx.export names weights and
// the export call that keeps the names. The file goes through one internal
// adapter over github.com/owulveryck/onnx-go, which first walks and
// validates the protobuf structure, so a malformed file gives an error that
// says what is wrong and where, never a panic or an unbounded allocation.
package onnx
