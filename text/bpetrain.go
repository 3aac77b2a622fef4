package text

import (
	"fmt"
	"slices"
)

// BPETrainer learns a byte-level BPE vocabulary like Hugging Face
// tokenizers' BpeTrainer with the ByteLevel pre-tokenizer: the vocabulary
// starts with the special tokens and all 256 byte symbols (in code-point
// order), and the most frequent adjacent pair within GPT-2 pre-tokens is
// merged until VocabSize is reached or no pair occurs MinFrequency times.
// Ties go to the pair with the smaller (left id, right id), so training is
// deterministic.
type BPETrainer struct {
	VocabSize      int      // target size including special tokens and the 256 bytes; 30000 if 0
	MinFrequency   int      // 2 if 0
	SpecialTokens  []string // placed first; <|endoftext|> if nil
	AddPrefixSpace bool     // see BPE.AddPrefixSpace
}

// Train learns merges from texts and returns the tokenizer.
func (tr BPETrainer) Train(texts []string) (*BPE, error) {
	if tr.VocabSize == 0 {
		tr.VocabSize = 30000
	}
	if tr.MinFrequency == 0 {
		tr.MinFrequency = 2
	}
	if tr.SpecialTokens == nil {
		tr.SpecialTokens = []string{"<|endoftext|>"}
	}
	wc := map[string]int{}
	var buf []byte
	for _, s := range texts {
		if tr.AddPrefixSpace && s != "" && s[0] != ' ' {
			s = " " + s
		}
		for _, p := range gpt2Split(s) {
			buf = appendByteSymbols(buf[:0], p)
			wc[string(buf)]++
		}
	}
	words, counts := sortedWords(wc)
	m := newMerger()
	for _, t := range tr.SpecialTokens {
		if _, dup := m.ids[t]; dup {
			return nil, fmt.Errorf("text: BPETrainer: special token %q repeated", t)
		}
		m.add(t)
	}
	alpha := slices.Clone(byteToRune[:])
	slices.Sort(alpha)
	for _, r := range alpha {
		m.add(string(r))
	}
	seqs := make([][]int, len(words))
	for i, w := range words {
		for _, r := range w {
			seqs[i] = append(seqs[i], m.ids[string(r)])
		}
	}
	m.learn(seqs, counts, tr.VocabSize, tr.MinFrequency, func(a, b string) string { return a + b })
	v, err := NewVocab(m.tokens)
	if err != nil {
		return nil, err
	}
	merges := make([][2]string, len(m.merges))
	for i, p := range m.merges {
		merges[i] = [2]string{m.tokens[p[0]], m.tokens[p[1]]}
	}
	t, err := NewBPE(v, merges)
	if err != nil {
		return nil, err
	}
	t.AddPrefixSpace = tr.AddPrefixSpace
	return t, nil
}
