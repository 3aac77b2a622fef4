// Package models holds Transformer model families built from package nn:
// a BERT-style encoder ([BERT], with masked-LM and sequence-classification
// heads), a GPT-2-style causal decoder ([GPT]) with a key/value cache for
// generation, and a T5-style encoder-decoder ([T5]) with relative position
// bias, RMS normalisation and cached greedy generation.
//
// Generate, BeamSearch (with a length penalty) and ContrastiveSearch decode
// any Stepper (*GPT, T5.Decoding) with the samplers Greedy, Temperature,
// TopK, TopP and Sample (temperature, top-k and top-p together, in Hugging
// Face's order); T5.GenerateBatch decodes many sources at once.
//
// # State names
//
// Every model names its state as the matching Hugging Face transformers
// model does (embeddings.word_embeddings.weight,
// encoder.layer.0.attention.self.query.weight, h.0.attn.c_attn.weight,
// encoder.block.0.layer.0.SelfAttention.q.weight, ...), so the tensors of a
// checkpoint's safetensors file load by name with [nn.LoadPartial]. The
// differences are:
//
//   - Tied output weights are stored once: BERT's
//     cls.predictions.decoder.weight and .bias, GPT-2's lm_head.weight and
//     T5's lm_head.weight, encoder.embed_tokens.weight and
//     decoder.embed_tokens.weight are not in the state (LoadPartial reports
//     them as unexpected if the file has them).
//   - GPT-2 checkpoints may hold the causal-mask buffers h.N.attn.bias and
//     h.N.attn.masked_bias; the mask is computed here, so they are
//     unexpected too. GPT-2's Conv1D weights keep HF's (in, out) layout.
//   - BERT's embeddings.position_ids buffer is not stored.
//   - GPT's names are GPT2Model's (wte.weight, h.0.ln_1.weight), which is
//     how the hub's gpt2 checkpoint is stored; a file saved from
//     GPT2LMHeadModel prefixes them with "transformer.", which must be
//     stripped (nn.ReadSafetensorsFile, rename, nn.LoadState).
//   - T5 is the v1.0 layout (ReLU, tied and rescaled LM head); T5 v1.1's
//     gated GELU and untied head are not implemented.
//   - Masked positions get -Inf attention scores rather than HF's
//     large negative constant; the results agree unless every key of a
//     query is masked (then the attention output is zero here).
//
// # Modes and randomness
//
// Constructors take an explicit *rand.Rand for the weights and the dropout
// masks. Models start in training mode, as PyTorch modules do; call
// nn.SetTraining(model, false) before evaluation or generation.
//
// Token ids are passed as a flat []int in row-major (batch, length) order
// together with the batch size and length.
package models
