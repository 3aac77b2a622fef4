// Package tensor provides n-dimensional float32 arrays with reverse-mode
// automatic differentiation, the foundation the rest of cairn is built on.
//
// # Overview
//
// A [Tensor] holds float32 values in row-major order and a shape. Tensors
// are made from data ([New], [Scalar], [Zeros], [Ones], [Full], [Arange]),
// drawn at random from an explicit *rand.Rand ([Uniform], [Normal],
// [Randn]), or converted from gonum matrices ([FromDense]).
//
// Operations are methods that return new tensors:
//
//   - elementwise, with NumPy broadcasting: Add, Sub, Mul, Div, Pow,
//     Maximum, Minimum, [Where], MaskedFill, and unary Neg, Exp, Log, Sqrt,
//     Abs, Clamp, ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Softplus;
//   - reductions along one axis, with or without keeping it: Sum, Mean,
//     Max, Min, Argmax, Var, LogSumExp, and Softmax and LogSoftmax; SumAll
//     and MeanAll over every element;
//   - shape: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Permute,
//     Narrow, BroadcastTo, [Concat], [Stack];
//   - MatMul with broadcast batch dimensions, and [Linear] (x·wᵀ + b in
//     PyTorch's weight layout); Gather, IndexSelect, ScatterAdd and
//     [OneHot] for lookups;
//   - convolution and pooling in NCHW layout: Conv1D, Conv2D,
//     ConvTranspose2D, MaxPool1D/2D, AvgPool1D/2D, and padding with Pad2D,
//     ReflectionPad2D and ReplicationPad2D;
//   - a sparse [CSR] matrix whose MatMul with a dense tensor is
//     differentiable in the dense operand.
//
// # Views and copies
//
// Reshape, Flatten, Squeeze, Unsqueeze and Detach return views: new
// tensors that share the backing array of their input. Every other
// operation writes a new, contiguous array. Data returns the backing array
// itself, so writing to it is visible through every view; do not write to
// the data of a tensor that a recorded graph still needs.
//
// # Automatic differentiation
//
// Mark the leaves to differentiate with SetRequiresGrad(true). Operations
// on tensors that require grad record how they were computed; operations on
// other tensors record nothing, so inference costs no memory for a graph.
// Calling Backward on a scalar result computes its gradient with respect to
// every leaf it depends on and adds it to that leaf's Grad: gradients
// accumulate until ZeroGrad. A value used more than once (a diamond in the
// graph) receives the sum of its gradients. Detach cuts a tensor from the
// graph. The graph is ordinary garbage-collected memory: it is kept while
// the result is reachable and freed with it; Backward starts no goroutines
// that outlive it. Gradients are not themselves differentiable (no
// higher-order derivatives).
//
// # Errors
//
// Operations panic on programmer errors: shapes that do not fit (the
// message names the operation and the shapes), axes and indices out of
// range. Functions that read user input, such as [NewCSR], return errors.
//
// # Parallelism and determinism
//
// Kernels split large work over at most GOMAXPROCS goroutines. Every
// output element is computed by one goroutine in a fixed order, and sums
// over many elements use fixed-size blocks combined in order, so results
// are bit-for-bit the same for the same inputs whatever GOMAXPROCS is.
package tensor
