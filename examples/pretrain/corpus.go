package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-ml/cairn/text"
)

// readGzipLines returns the non-blank lines of a gzipped text file.
func readGzipLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var lines []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return lines, nil
}

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
		lines, err := readGzipLines(filepath.Join(dir, name))
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

// nliPair is one e-SNLI example; Label is 0 entailment, 1 neutral,
// 2 contradiction.
type nliPair struct {
	Premise    string `json:"premise"`
	Hypothesis string `json:"hypothesis"`
	Label      int    `json:"label"`
}

// readESNLI reads a JSON Lines file of e-SNLI examples (gzipped, as in
// distill-sbs/esnli). Only premise, hypothesis and label are kept.
func readESNLI(path string) ([]nliPair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = zr
	}
	var pairs []nliPair
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var p nliPair
		p.Label = -1
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if p.Label < 0 || p.Label > 2 || p.Premise == "" || p.Hypothesis == "" {
			return nil, fmt.Errorf("%s:%d: want a premise, a hypothesis and a label in 0..2", path, line)
		}
		pairs = append(pairs, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("%s: no examples", path)
	}
	return pairs, nil
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

// encodedPair is an e-SNLI pair as model input.
type encodedPair struct {
	ids, types []int
	label      int
}

func encodePairs(tok *text.WordPiece, pairs []nliPair, maxLen int) []encodedPair {
	out := make([]encodedPair, len(pairs))
	for i, p := range pairs {
		e := tok.EncodePair(p.Premise, p.Hypothesis, maxLen)
		out[i] = encodedPair{ids: e.IDs, types: e.TypeIDs, label: p.Label}
	}
	return out
}

// batchPairs pads the pairs to the longest one and flattens them.
func batchPairs(ps []encodedPair, pad int) (ids, types, labels []int, t int) {
	for _, p := range ps {
		t = max(t, len(p.ids))
	}
	ids = make([]int, 0, len(ps)*t)
	types = make([]int, 0, len(ps)*t)
	for _, p := range ps {
		ids = append(ids, p.ids...)
		types = append(types, p.types...)
		for range t - len(p.ids) {
			ids = append(ids, pad)
			types = append(types, 0)
		}
		labels = append(labels, p.label)
	}
	return ids, types, labels, t
}
