package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/internal/atomicfile"
	"github.com/cairn-ml/cairn/text"
)

// vocabInfo describes the vocabulary of a run.
type vocabInfo struct {
	Kind    string  `json:"kind"` // bpe or wordpiece
	Size    int     `json:"size"`
	File    string  `json:"file"`
	Reused  bool    `json:"reused"`
	Texts   int     `json:"texts"`   // training texts (0 when reused)
	Seconds float64 `json:"seconds"` // training time (0 when reused)
	PadID   int     `json:"pad_id"`
	EOSID   int     `json:"eos_id"`
}

// bpeSpecials are the special tokens of the BPE vocabulary: T5's ids
// (pad 0, end of sequence 1) and an unknown token.
var bpeSpecials = []string{"<pad>", "</s>", "<unk>"}

// vocabFile is where the vocabulary for these settings lives in -out:
// one file per data set, tokenizer, size and training-pool size, so that
// -quick and the full run keep theirs.
func vocabFile(cfg config, pool int) string {
	return filepath.Join(cfg.out, fmt.Sprintf("%s-%s%d-n%d.tokenizer.json", task(cfg.dataset), cfg.tokenizer, cfg.vocab, pool))
}

// vocabulary loads the vocabulary from -out or trains it on the inputs,
// gold labels, teacher labels and rationales of the training pool and
// saves it there (a Hugging Face tokenizer.json).
func vocabulary(cfg config, pool []distill.Example, stderr io.Writer) (text.Tokenizer, vocabInfo, error) {
	path := vocabFile(cfg, len(pool))
	if cfg.tokFile != "" {
		path = cfg.tokFile
	}
	vi := vocabInfo{Kind: cfg.tokenizer, File: path}
	var tok text.Tokenizer
	if !cfg.retrain || cfg.tokFile != "" {
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			if tok, err = text.ReadTokenizerJSON(bytes.NewReader(b)); err != nil {
				if cfg.tokFile != "" {
					return nil, vi, fmt.Errorf("-tokenizer-file %s: %w", path, err)
				}
				return nil, vi, fmt.Errorf("%s: %w (use -retrain to train it again)", path, err)
			}
			vi.Reused = true
			fmt.Fprintf(stderr, "vocabulary: %s (%d tokens, reused; -retrain trains it again)\n", path, tok.VocabSize())
		case !errors.Is(err, fs.ErrNotExist) || cfg.tokFile != "":
			return nil, vi, err
		}
		switch tok.(type) {
		case *text.BPE:
			vi.Kind = "bpe"
		case *text.WordPiece:
			vi.Kind = "wordpiece"
		}
	}
	if tok == nil {
		texts := make([]string, 0, 4*len(pool))
		for _, e := range pool {
			texts = append(texts, e.Input, e.Label, e.LLMLabel, e.Rationale)
		}
		vi.Texts = len(texts)
		fmt.Fprintf(stderr, "vocabulary: training %s of %d tokens on %d texts...\n", cfg.tokenizer, cfg.vocab, len(texts))
		t0 := time.Now()
		var err error
		if cfg.tokenizer == "bpe" {
			tok, err = text.BPETrainer{VocabSize: cfg.vocab, SpecialTokens: bpeSpecials}.Train(texts)
		} else {
			tok, err = text.WordPieceTrainer{VocabSize: cfg.vocab}.Train(texts)
		}
		if err != nil {
			return nil, vi, fmt.Errorf("training the vocabulary: %w", err)
		}
		vi.Seconds = time.Since(t0).Seconds()
		var b bytes.Buffer
		if err := text.WriteTokenizerJSON(&b, tok); err != nil {
			return nil, vi, err
		}
		if err := os.MkdirAll(cfg.out, 0o755); err != nil {
			return nil, vi, err
		}
		if err := atomicfile.WriteBytes(path, b.Bytes()); err != nil {
			return nil, vi, err
		}
		fmt.Fprintf(stderr, "vocabulary: %d tokens in %.1f s, saved to %s\n", tok.VocabSize(), vi.Seconds, path)
	}
	vi.Size = tok.VocabSize()
	sp := tok.Special()
	vi.PadID, vi.EOSID = sp.PAD, sp.EOS
	if vi.EOSID < 0 {
		vi.EOSID = sp.SEP // BERT vocabularies: [SEP] ends a sequence
	}
	if vi.PadID < 0 || vi.EOSID < 0 || vi.PadID == vi.EOSID {
		return nil, vi, fmt.Errorf("%s: the vocabulary needs distinct padding and end-of-sequence tokens (has %+v)", path, sp)
	}
	return tok, vi, nil
}
