// Package local serves a cairn causal language model, such as
// *models.GPT with a *text.BPE tokenizer, through prompt.LM, so that the
// prompting methods run on a model held in memory, without a server.
//
// # Overview
//
//	lm := local.New(gpt, bpe)                         // puts gpt in evaluation mode
//	s, err := lm.Score(ctx, "show me", " flights")    // log p(" flights" | "show me")
//	out, err := lm.Generate(ctx, "show me", prompt.GenOptions{MaxTokens: 8})
//
// Score tokenises the prefix and the continuation separately and scores
// the continuation's tokens after the prefix's in one forward pass (see
// LM.Score for the boundary rule). Generate decodes greedily at
// Temperature 0 and otherwise samples with nn/models' Temperature sampler
// after the top-k and top-p cuts; it stops at MaxTokens, the end-of-text
// token, a stop string or the model's last position. Chat flattens the
// messages with prompt.Flatten and generates the assistant's turn.
//
// Calls are safe for concurrent use; they take turns on the model. Every
// call checks its context before each forward pass.
package local
