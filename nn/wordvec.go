package nn

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// WordVectors is a table of pretrained word vectors, as read by
// ReadWordVectors: Words[i] has the vector Vectors[i*Dim : (i+1)*Dim].
type WordVectors struct {
	Words   []string
	Dim     int
	Vectors []float32
	index   map[string]int // built by Lookup for the first indexed words
	indexed int
}

// WordVectorOptions tunes ReadWordVectors. The zero value reads every
// vector as it is.
type WordVectorOptions struct {
	// Vocab, if not nil, keeps only the words in it and their lower-case
	// forms (so that InitEmbedding's lower-case fallback finds them); real
	// files hold millions of words. The values of the other lines are not
	// parsed, only counted.
	Vocab []string
	// Lowercase lower-cases every word of the file; when two words then
	// coincide, the first in the file (the more frequent, in GloVe and
	// word2vec files) is kept.
	Lowercase bool
	// Dim, if positive, is the dimension the file must have.
	Dim int
	// MaxWords, if positive, stops after that many vector lines (kept or
	// not), like gensim's limit: the most frequent words of a sorted file.
	MaxWords int
	// MaxLineBytes bounds the length of a line (default 1 MiB).
	MaxLineBytes int
}

// DefaultMaxWordVectorLine is the longest line ReadWordVectors accepts
// unless WordVectorOptions.MaxLineBytes says otherwise.
const DefaultMaxWordVectorLine = 1 << 20

// ReadWordVectors reads word vectors in the common text format: one word
// per line followed by its values, separated by spaces or tabs (GloVe,
// fastText .vec, word2vec text). A first line of exactly two integers is
// the word2vec header "count dim"; then the file must hold count vectors.
// The dimension comes from the header, from opts.Dim or from the first
// line, and every line must have it. A line with more fields than 1+dim
// has a word with spaces in it (a few lines of GloVe 840B, such as ". . .")
// if none of its extra fields is a number; otherwise it is an error. Blank
// lines are skipped, a repeated word keeps its first vector, and the input
// may be gzip-compressed (recognised by its magic bytes). Errors name the
// line.
func ReadWordVectors(r io.Reader, opts WordVectorOptions) (*WordVectors, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("nn.ReadWordVectors: gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}
	maxLine := opts.MaxLineBytes
	if maxLine <= 0 {
		maxLine = DefaultMaxWordVectorLine
	}
	var keep map[string]bool
	if opts.Vocab != nil {
		keep = make(map[string]bool, 2*len(opts.Vocab))
		for _, w := range opts.Vocab {
			keep[w] = true
			keep[strings.ToLower(w)] = true
		}
	}
	wv := &WordVectors{Dim: opts.Dim, index: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, min(maxLine, 1<<16)), maxLine)
	lineNo, read, declared := 0, 0, -1
	var fields [][]byte
	for sc.Scan() {
		lineNo++
		line := bytes.TrimRight(sc.Bytes(), "\r")
		fields = splitFields(fields[:0], line)
		if len(fields) == 0 {
			continue
		}
		if declared < 0 && read == 0 && len(fields) == 2 {
			if n, d, ok := wordVecHeader(fields); ok {
				if d < 1 {
					return nil, fmt.Errorf("nn.ReadWordVectors: line %d: header announces dimension %d", lineNo, d)
				}
				if opts.Dim > 0 && d != opts.Dim {
					return nil, fmt.Errorf("nn.ReadWordVectors: line %d: header announces dimension %d, want %d", lineNo, d, opts.Dim)
				}
				declared, wv.Dim = n, d
				continue
			}
		}
		if declared < 0 {
			declared = -2 // no header: do not look for one again
		}
		if opts.MaxWords > 0 && read >= opts.MaxWords {
			break
		}
		if declared >= 0 && read >= declared {
			return nil, fmt.Errorf("nn.ReadWordVectors: line %d: more than the %d vectors the header announces", lineNo, declared)
		}
		read++
		if wv.Dim == 0 {
			wv.Dim = len(fields) - 1
			if wv.Dim < 1 {
				return nil, fmt.Errorf("nn.ReadWordVectors: line %d: a word without values", lineNo)
			}
		}
		n := len(fields) - wv.Dim // fields of the word
		if n < 1 {
			return nil, fmt.Errorf("nn.ReadWordVectors: line %d: %d values, want %d", lineNo, len(fields)-1, wv.Dim)
		}
		word := string(fields[0])
		if n > 1 {
			for _, f := range fields[1:n] {
				if _, err := strconv.ParseFloat(string(f), 32); err == nil {
					return nil, fmt.Errorf("nn.ReadWordVectors: line %d: %d values, want %d", lineNo, len(fields)-1, wv.Dim)
				}
			}
			word = string(bytes.Join(fields[:n], []byte(" ")))
		}
		if opts.Lowercase {
			word = strings.ToLower(word)
		}
		if _, dup := wv.index[word]; dup || (keep != nil && !keep[word]) {
			continue
		}
		for k, f := range fields[n:] {
			v, err := strconv.ParseFloat(string(f), 32)
			if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
				return nil, fmt.Errorf("nn.ReadWordVectors: line %d: value %d %q of %q is not a finite number", lineNo, k+1, truncate(f, 40), truncate([]byte(word), 40))
			}
			wv.Vectors = append(wv.Vectors, float32(v))
		}
		wv.index[word] = len(wv.Words)
		wv.Words = append(wv.Words, word)
		wv.indexed = len(wv.Words)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("nn.ReadWordVectors: line %d: longer than %d bytes", lineNo+1, maxLine)
		}
		return nil, fmt.Errorf("nn.ReadWordVectors: line %d: %w", lineNo+1, err)
	}
	if declared >= 0 && read < declared && !(opts.MaxWords > 0 && read >= opts.MaxWords) {
		return nil, fmt.Errorf("nn.ReadWordVectors: input ends after %d of the %d vectors the header announces", read, declared)
	}
	if wv.Dim == 0 {
		return nil, errors.New("nn.ReadWordVectors: no vectors in input")
	}
	return wv, nil
}

// ReadWordVectorsFile is ReadWordVectors on the named file (plain text or
// gzip).
func ReadWordVectorsFile(path string, opts WordVectorOptions) (*WordVectors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	wv, err := ReadWordVectors(f, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return wv, nil
}

// Len returns the number of words.
func (w *WordVectors) Len() int { return len(w.Words) }

// Lookup returns the vector of word (a slice of Vectors, not a copy) and
// whether there is one; for a repeated word, the first. A table built by
// hand is indexed on the first call and again when Words grows.
func (w *WordVectors) Lookup(word string) ([]float32, bool) {
	if w.index == nil || w.indexed != len(w.Words) {
		w.index = make(map[string]int, len(w.Words))
		for i, s := range w.Words {
			if _, dup := w.index[s]; !dup {
				w.index[s] = i
			}
		}
		w.indexed = len(w.Words)
	}
	i, ok := w.index[word]
	if !ok {
		return nil, false
	}
	return w.Vectors[i*w.Dim : (i+1)*w.Dim], true
}

// InitEmbedding copies into row i of e.Weight the vector of vocab[i],
// looked up as it is and then in lower case (GloVe 6B is lower-cased), and
// returns how many rows it set. Rows of words without a vector and the
// padding row keep their values. Call it before training: it writes the
// weight's data in place. It is an error if the dimensions differ or vocab
// has more words than e has rows.
func (w *WordVectors) InitEmbedding(e *Embedding, vocab []string) (found int, err error) {
	rows, dim := e.Weight.Dim(0), e.Weight.Dim(1)
	if dim != w.Dim {
		return 0, fmt.Errorf("nn.WordVectors.InitEmbedding: vectors of dimension %d for an embedding of dimension %d", w.Dim, dim)
	}
	if len(vocab) > rows {
		return 0, fmt.Errorf("nn.WordVectors.InitEmbedding: %d words for an embedding of %d rows", len(vocab), rows)
	}
	data := e.Weight.Data()
	for i, word := range vocab {
		if i == e.PaddingIdx {
			continue
		}
		v, ok := w.Lookup(word)
		if !ok {
			v, ok = w.Lookup(strings.ToLower(word))
		}
		if ok {
			copy(data[i*dim:(i+1)*dim], v)
			found++
		}
	}
	return found, nil
}

// splitFields appends the runs of line between spaces and tabs to dst.
// Other white space (a no-break space, say) belongs to the word.
func splitFields(dst [][]byte, line []byte) [][]byte {
	i := 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if j > i {
			dst = append(dst, line[i:j])
		}
		i = j
	}
	return dst
}

// wordVecHeader parses a word2vec header "count dim".
func wordVecHeader(f [][]byte) (count, dim int, ok bool) {
	c, err1 := strconv.Atoi(string(f[0]))
	d, err2 := strconv.Atoi(string(f[1]))
	if err1 != nil || err2 != nil || c < 0 || d < 0 {
		return 0, 0, false
	}
	return c, d, true
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
