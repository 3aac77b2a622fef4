// Package nn provides neural-network layers, losses and model state
// handling on top of package tensor.
//
// # Models and their state
//
// A model is an ordinary Go struct whose exported fields hold layers,
// slices of layers and tensors. [StateDict] walks it the way encoding/json
// does and names every tensor as PyTorch's state_dict would name it in the
// same model (conv1.weight, layers.0.attn.out_proj.bias), so weights move
// between cairn and PyTorch by name. Struct tags override a field's name
// (`cairn:"fc"`), skip it (`cairn:"-"`) or mark it as a buffer
// (`cairn:"running_mean,buffer"`). A module that needs other names
// implements [Stater].
//
// [Params] lists the trainable parameters for an optimizer; [Freeze] stops
// gradients for a whole model, so inference records no graph; [SetTraining]
// switches Dropout and BatchNorm between training and evaluation mode;
// [LoadState] copies named tensors into a model, strictly.
//
// Hold modules by pointer (*Linear, not Linear) so that mode switches and
// shared weights reach them.
//
// # Layers
//
// Constructors take an explicit *rand.Rand and initialise weights the way
// PyTorch initialises the same layer, so that training behaves alike.
// Weights use PyTorch's layouts: Linear's weight is (out, in).
package nn
