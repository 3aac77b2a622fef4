// Package nn provides neural-network layers, losses and model state
// handling on top of package tensor.
//
// # Models and their state
//
// A model is an ordinary Go struct whose exported fields hold layers,
// slices of layers and tensors. [StateDict] walks it the way encoding/json
// does and names every tensor as PyTorch's state_dict would name it in the
// same model (conv1.weight, layers.0.self_attn.out_proj.bias), so weights
// move between cairn and PyTorch by name. Struct tags override a field's
// name (`cairn:"fc"`), skip it (`cairn:"-"`) or mark it as a buffer
// (`cairn:"running_mean,buffer"`). A module that needs other names
// implements [Stater], as [LSTM] and [GRU] do.
//
// [Params] lists the trainable parameters for an optimizer; [Freeze] stops
// gradients for a whole model, so inference records no graph; [SetTraining]
// switches Dropout, BatchNorm and the recurrent and attention layers between
// training and evaluation mode; [LoadState] copies named tensors into a
// model, strictly.
//
// Hold modules by pointer (*Linear, not Linear) so that mode switches and
// shared weights reach them.
//
// # Saving and loading
//
// [Save] writes a model's state as a safetensors file (the Hugging Face
// layout, loadable by PyTorch under the same names), atomically; [Load]
// reads one back strictly and [LoadPartial] leniently, for fine-tuning with
// a new head. [ReadSafetensors] accepts the dtypes PyTorch and Hugging Face
// write (F32, F16, BF16, F64, integers), converting to float32. Package
// nn/onnx imports the weights of an ONNX file exported by
// torch.onnx.export; it is a separate package so that only programs that
// read ONNX link its protobuf decoder.
//
// # Layers
//
// Constructors take an explicit *rand.Rand and initialise weights the way
// PyTorch initialises the same layer, so that training behaves alike.
// Weights use PyTorch's layouts: Linear's weight is (out, in), Conv2D's
// (out, in/groups, kh, kw). The layers are [Linear], [Embedding],
// [Conv1D], [Conv2D], [ConvTranspose2D], the pooling modules, [BatchNorm1D],
// [BatchNorm2D], [InstanceNorm2D], [LayerNorm], [Dropout], [LSTM], [GRU],
// [MultiHeadAttention], [TransformerEncoderLayer],
// [TransformerDecoderLayer], and [CRF], a linear-chain conditional random
// field for sequence tagging (forward algorithm and Viterbi, with
// [BIOConstraints] to forbid transitions such as O → I-PER). Pretrained word
// vectors in the GloVe or word2vec text format load with [ReadWordVectors]
// and fill an Embedding with [WordVectors.InitEmbedding].
//
// # Losses
//
// Losses are functions returning a scalar tensor with PyTorch's mean
// reduction by default; options change it, as in
//
//	loss := nn.CrossEntropy(logits, targets, nn.WithLabelSmoothing(0.1), nn.WithIgnoreIndex(0))
//
// [CrossEntropy] and [NLLLoss] (class weights, ignore index, label
// smoothing), [KLDiv] (the distillation loss with temperature), [KLDivLoss],
// [MSE], [L1] and [BCEWithLogits]. An option a loss does not take panics.
package nn
