package ngram

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/atomicfile"
)

// maxLine bounds the length of an ARPA line ReadARPA accepts.
const maxLine = 1 << 20

// WriteARPA writes the model as an ARPA file in the layout KenLM's lmplz
// writes: the \data\ header with the n-gram counts, one \n-grams: section
// per order with "log10prob<TAB>w1 … wn[<TAB>log10backoff]" lines (a
// backoff weight of 0 is left out, as it is for the highest order), and
// \end\. <s> has log-probability -99. Values are written with the fewest
// digits that read back to the same float64, so a model read back scores
// exactly as the one written.
func (m *Model) WriteARPA(w io.Writer) error {
	bw := bufio.NewWriter(w)
	counts := m.Counts()
	fmt.Fprintf(bw, "\\data\\\n")
	for n, c := range counts {
		fmt.Fprintf(bw, "ngram %d=%d\n", n+1, c)
	}
	var line []byte
	ids := make([]int32, 0, m.order)
	for n := 1; n <= m.order; n++ {
		fmt.Fprintf(bw, "\n\\%d-grams:\n", n)
		for i := 1; i < len(m.nodes); i++ {
			nd := &m.nodes[i]
			if int(nd.order) != n || !nd.hasProb {
				continue
			}
			ids = ids[:0]
			for c := int32(i); c > 0; c = m.nodes[c].parent {
				ids = append(ids, m.nodes[c].word)
			}
			line = strconv.AppendFloat(line[:0], nd.logp, 'g', -1, 64)
			line = append(line, '\t')
			for j, id := range ids {
				if j > 0 {
					line = append(line, ' ')
				}
				line = append(line, m.words[id]...)
			}
			if n < m.order && nd.bo != 0 {
				line = append(line, '\t')
				line = strconv.AppendFloat(line, nd.bo, 'g', -1, 64)
			}
			line = append(line, '\n')
			bw.Write(line)
		}
	}
	fmt.Fprintf(bw, "\n\\end\\\n")
	return bw.Flush()
}

// Save writes the model as an ARPA file at path, through a temporary file
// in the same directory renamed at the end, so that a crash never leaves
// half a file.
func (m *Model) Save(path string) error {
	if err := atomicfile.Write(path, m.WriteARPA); err != nil {
		return fmt.Errorf("ngram: save %s: %w", path, err)
	}
	return nil
}

// Load reads the ARPA file at path (see ReadARPA).
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ngram: %w", err)
	}
	defer f.Close()
	m, err := ReadARPA(f)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return m, nil
}

// ReadARPA reads a backoff model in the ARPA format, as KenLM, SRILM and
// IRSTLM write it: lines before \data\ are skipped; the header gives
// "ngram n=count" for each order 1…N; each \n-grams: section holds
// "log10prob w1 … wn [log10backoff]" lines, fields separated by any white
// space (tabs or spaces), the backoff column optional (0 when absent);
// blank lines are ignored anywhere; \end\ closes the model.
//
// Errors name the line: a section whose size differs from its header
// count, an n-gram listed twice, a word of a longer n-gram missing from
// the unigrams, a positive or NaN log-probability, a missing \end\.
// N-grams that longer ones imply but the file lacks (w2 … wn of a listed
// w1 … wn) are allowed, and take no part in scoring but as a path. A
// file without <unk> gets it with log10 probability -100, as KenLM does;
// a file without <s> or </s> is an error.
func ReadARPA(r io.Reader) (*Model, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	lineNo := 0
	next := func() (string, bool) {
		for sc.Scan() {
			lineNo++
			if s := strings.TrimSpace(sc.Text()); s != "" {
				return s, true
			}
		}
		return "", false
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("ngram: ARPA line %d: %s", lineNo, fmt.Sprintf(format, args...))
	}
	eof := func(what string) error {
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return fmt.Errorf("ngram: ARPA line %d: longer than %d bytes", lineNo+1, maxLine)
			}
			return fmt.Errorf("ngram: ARPA after line %d: %w", lineNo, err)
		}
		return fmt.Errorf("ngram: ARPA ends after line %d without %s", lineNo, what)
	}

	// Skip to \data\.
	var line string
	for {
		var ok bool
		if line, ok = next(); !ok {
			return nil, eof(`\data\`)
		}
		if line == `\data\` {
			break
		}
	}
	// Header.
	var counts []int
	for {
		var ok bool
		if line, ok = next(); !ok {
			return nil, eof(`\1-grams:`)
		}
		if strings.HasPrefix(line, `\`) {
			break
		}
		rest, ok := strings.CutPrefix(line, "ngram")
		if !ok {
			return nil, fail("want \"ngram n=count\" in the \\data\\ header, got %q", clip(line))
		}
		ns, cs, ok := strings.Cut(strings.Join(strings.Fields(rest), ""), "=")
		if !ok {
			return nil, fail("want \"ngram n=count\", got %q", clip(line))
		}
		n, err1 := strconv.Atoi(ns)
		c, err2 := strconv.Atoi(cs)
		if err1 != nil || err2 != nil || c < 0 {
			return nil, fail("bad n-gram count %q", clip(line))
		}
		if n != len(counts)+1 {
			return nil, fail("header gives order %d after order %d", n, len(counts))
		}
		if n > MaxOrder {
			return nil, fail("order %d above MaxOrder %d", n, MaxOrder)
		}
		counts = append(counts, c)
	}
	if len(counts) == 0 {
		return nil, fail(`\data\ header without "ngram 1=count"`)
	}

	m := newModel(len(counts))
	ids := make([]int32, 0, m.order)
	for n := 1; n <= m.order; n++ {
		if want := fmt.Sprintf(`\%d-grams:`, n); line != want {
			return nil, fail("want %s, got %q", want, clip(line))
		}
		got := 0
		for {
			var ok bool
			if line, ok = next(); !ok {
				return nil, eof(`\end\`)
			}
			if strings.HasPrefix(line, `\`) {
				break
			}
			f := strings.Fields(line)
			if len(f) != n+1 && len(f) != n+2 {
				return nil, fail("%d-gram line has %d fields, want %d or %d", n, len(f), n+1, n+2)
			}
			lp, err := strconv.ParseFloat(f[0], 64)
			if err != nil || math.IsNaN(lp) || lp > 0 {
				return nil, fail("bad log-probability %q (want a number ≤ 0)", clip(f[0]))
			}
			bo := 0.0
			if len(f) == n+2 {
				if bo, err = strconv.ParseFloat(f[n+1], 64); err != nil || math.IsNaN(bo) || math.IsInf(bo, 0) {
					return nil, fail("bad backoff weight %q", clip(f[n+1]))
				}
			}
			ids = ids[:0]
			for _, w := range f[1 : n+1] {
				id, ok := m.ids[w]
				if !ok {
					if n > 1 {
						return nil, fail("word %q is not among the unigrams", clip(w))
					}
					id = m.addWord(w)
				}
				ids = append(ids, id)
			}
			nd := &m.nodes[m.insert(ids)]
			if nd.hasProb {
				return nil, fail("%d-gram %q listed twice", n, clip(strings.Join(f[1:n+1], " ")))
			}
			nd.hasProb, nd.logp, nd.bo = true, lp, bo
			got++
		}
		if got != counts[n-1] {
			return nil, fail("\\%d-grams: has %d entries, the header says %d", n, got, counts[n-1])
		}
	}
	if line != `\end\` {
		return nil, fail(`want \end\, got %q`, clip(line))
	}
	var ok bool
	if m.bos, ok = m.ids[BOS]; !ok {
		return nil, errors.New("ngram: ARPA model has no <s> unigram")
	}
	if m.eos, ok = m.ids[EOS]; !ok {
		return nil, errors.New("ngram: ARPA model has no </s> unigram")
	}
	if m.unk, ok = m.ids[Unk]; !ok {
		m.unk = m.addWord(Unk)
		nd := &m.nodes[m.insert([]int32{m.unk})]
		nd.hasProb, nd.logp = true, -100
	}
	return m, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
