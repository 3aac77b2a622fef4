package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

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

// nliLabels are the e-SNLI label texts of distill.LoadRows, in id order.
var nliLabels = []string{"entailment", "neutral", "contradiction"}

// nliPair is one e-SNLI example; Label is 0 entailment, 1 neutral,
// 2 contradiction.
type nliPair struct {
	Premise, Hypothesis string
	Label               int
}

// readESNLI reads one split of e-SNLI from the distilling step-by-step data
// in dir (dir/esnli/esnli_split.json.gz, read by distill.LoadRows), in file
// order, and splits each model input back into premise and hypothesis.
func readESNLI(dir, split string) ([]nliPair, error) {
	exs, err := distill.LoadRows(dir, distill.ESNLI, split)
	if err != nil {
		return nil, err
	}
	if len(exs) == 0 {
		return nil, fmt.Errorf("%s split %s: no examples", dir, split)
	}
	out := make([]nliPair, len(exs))
	for i, ex := range exs {
		p, h, ok := strings.Cut(ex.Input, distill.EOSToken)
		lab := slices.Index(nliLabels, ex.Label)
		if !ok || p == "" || h == "" || lab < 0 {
			return nil, fmt.Errorf("e-SNLI %s example %d: input %q, label %q", split, i, ex.Input, ex.Label)
		}
		out[i] = nliPair{p, h, lab}
	}
	return out, nil
}

// subset returns n pairs drawn without replacement by a fixed seed (all of
// them, shuffled, if n is 0 or at least len(p)).
func subset(p []nliPair, n int, seed uint64) []nliPair {
	out := append([]nliPair(nil), p...)
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
func encodePairs(tok *text.WordPiece, pairs []nliPair, maxLen int) []pretrain.Pair {
	out := make([]pretrain.Pair, len(pairs))
	for i, p := range pairs {
		e := tok.EncodePair(p.Premise, p.Hypothesis, maxLen)
		out[i] = pretrain.Pair{Tokens: e.IDs, Segments: e.TypeIDs, Label: p.Label}
	}
	return out
}
