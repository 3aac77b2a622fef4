package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/pretrain"
	"github.com/cairn-ml/cairn/text"
)

// corpus is the pre-training text: each source split into a training part
// and a held-out tail.
type corpus struct {
	train, heldOut []string // lines
	sources        []string // file names, for the report
}

// loadCorpus reads WikiText-2 (valid and test) and Tiny Shakespeare from dir
// and holds out the last heldOut fraction of each file's lines.
func loadCorpus(dir string, heldOut float64) (*corpus, error) {
	c := &corpus{}
	for _, name := range []string{"wikitext2/valid.txt.gz", "wikitext2/test.txt.gz", "tinyshakespeare/input.txt.gz"} {
		lines, err := data.ReadLines(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("pre-training text: %w", err)
		}
		cut := len(lines) - int(heldOut*float64(len(lines)))
		c.train = append(c.train, lines[:cut]...)
		c.heldOut = append(c.heldOut, lines[cut:]...)
		c.sources = append(c.sources, name)
	}
	return c, nil
}

// readESNLI reads one split of e-SNLI from the distilling step-by-step data
// in dir (dir/esnli/esnli_split.json.gz, read by distill.LoadNLIPairs), in
// file order.
func readESNLI(dir, split string) ([]distill.NLIPair, error) {
	p, err := distill.LoadNLIPairs(dir, distill.ESNLI, split)
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, fmt.Errorf("%s split %s: no examples", dir, split)
	}
	return p, nil
}

// subset returns n pairs drawn without replacement by a fixed seed (all of
// them, shuffled, if n is 0 or at least len(p)).
func subset(p []distill.NLIPair, n int, seed uint64) []distill.NLIPair {
	out := append([]distill.NLIPair(nil), p...)
	rand.New(rand.NewPCG(seed, 0x5eed)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if n > 0 && n < len(out) {
		out = out[:n]
	}
	return out
}

// stream tokenizes lines into one id stream (the RoBERTa "full sentences"
// packing: documents are concatenated) with the word-start flags.
func stream(tok *text.WordPiece, lines []string) (ids []int, wordStart []bool) {
	for _, l := range lines {
		for _, id := range tok.Encode(l) {
			ids = append(ids, id)
			wordStart = append(wordStart, tok.IsWordStart(id))
		}
	}
	return ids, wordStart
}

// blocks cuts a stream into consecutive blocks of n tokens (the last partial
// block is dropped) and returns their start offsets.
func blocks(total, n int) []int {
	var starts []int
	for s := 0; s+n <= total; s += n {
		starts = append(starts, s)
	}
	return starts
}

// encodePairs encodes each pair as [CLS] premise [SEP] hypothesis [SEP]
// with its segment ids, at most maxLen tokens.
func encodePairs(tok *text.WordPiece, pairs []distill.NLIPair, maxLen int) []pretrain.Pair {
	out := make([]pretrain.Pair, len(pairs))
	for i, p := range pairs {
		e := tok.EncodePair(p.Premise, p.Hypothesis, maxLen)
		out[i] = pretrain.Pair{Tokens: e.IDs, Segments: e.TypeIDs, Label: p.Label}
	}
	return out
}
