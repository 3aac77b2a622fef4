package xling

import (
	"fmt"

	"github.com/cairn-ml/cairn/nn"
)

// Tokenizer turns text into token ids; *text.BPE is one.
type Tokenizer interface {
	Encode(s string) []int
}

// Encoder turns records into supervised fine-tuning examples as x-LLM's
// train.py (Stanford Alpaca's) does: the ids of BOS, prompt + output, and
// EOS, truncated to MaxLen, with the loss on the response only.
type Encoder struct {
	// Tok tokenizes the text.
	Tok Tokenizer
	// BOS is put first (LLaMA's tokenizer adds it); -1 for none.
	BOS int
	// EOS ends every example (x-LLM appends the EOS token to the output).
	EOS int
	// MaxLen truncates examples and prompts to this many tokens (x-LLM:
	// 512); 0 for no limit.
	MaxLen int
}

// Example is one encoded record: its token ids and the labels of the
// language-model loss, the ids with every prompt position set to
// nn.DefaultIgnoreIndex (-100), as in Hugging Face's convention that labels
// are aligned with the inputs and the model shifts them.
type Example struct {
	IDs, Labels []int
}

// Encode encodes one record. The prompt length is measured by tokenizing
// the prompt alone, as the authors do, so the number of supervised tokens is
// len(ids of prompt+output+EOS) − len(ids of prompt), counting BOS in both.
// A tokenizer that merges tokens across the prompt/output boundary shifts
// the mask by the same amount as in the authors' code.
func (e Encoder) Encode(r Record) Example {
	if e.Tok == nil {
		panic("xling: Encoder.Encode: nil Tok")
	}
	p := r.Prompt()
	var ids []int
	if e.BOS >= 0 {
		ids = append(ids, e.BOS)
	}
	ids = append(ids, e.Tok.Encode(p+r.Output)...)
	ids = append(ids, e.EOS)
	np := len(e.Tok.Encode(p))
	if e.BOS >= 0 {
		np++
	}
	if e.MaxLen > 0 {
		ids = ids[:min(len(ids), e.MaxLen)]
		np = min(np, e.MaxLen)
	}
	labels := make([]int, len(ids))
	for i, id := range ids {
		if i < np {
			labels[i] = nn.DefaultIgnoreIndex
		} else {
			labels[i] = id
		}
	}
	return Example{IDs: ids, Labels: labels}
}

// Supervised returns the number of positions that count in the loss.
func (x Example) Supervised() int {
	n := 0
	for _, l := range x.Labels {
		if l != nn.DefaultIgnoreIndex {
			n++
		}
	}
	return n
}

// Shifted returns the inputs and next-token targets of a causal language
// model whose output at position j predicts token j+1: IDs without its last
// token and Labels without its first, so that nn.CrossEntropy skips the
// prompt's targets.
func (x Example) Shifted() (inputs, targets []int) {
	if len(x.IDs) == 0 {
		return nil, nil
	}
	return x.IDs[:len(x.IDs)-1], x.Labels[1:]
}

// Pad lays examples out as a right-padded batch of n rows of t tokens (t
// the longest example), ids padded with padID and labels with
// nn.DefaultIgnoreIndex, row-major, as x-LLM pads. It panics if an example's
// ids and labels differ in length.
func Pad(exs []Example, padID int) (ids, labels []int, n, t int) {
	for _, x := range exs {
		if len(x.IDs) != len(x.Labels) {
			panic(fmt.Sprintf("xling: Pad: example with %d ids and %d labels", len(x.IDs), len(x.Labels)))
		}
		t = max(t, len(x.IDs))
	}
	n = len(exs)
	ids = make([]int, n*t)
	labels = make([]int, n*t)
	for i, x := range exs {
		for j := 0; j < t; j++ {
			if j < len(x.IDs) {
				ids[i*t+j], labels[i*t+j] = x.IDs[j], x.Labels[j]
			} else {
				ids[i*t+j], labels[i*t+j] = padID, nn.DefaultIgnoreIndex
			}
		}
	}
	return ids, labels, n, t
}
