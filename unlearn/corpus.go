package unlearn

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode"
)

// Record is one training sequence, a tokenized line of text, and the user
// who wrote it.
type Record struct {
	User   string
	Tokens []string
}

// ReadWikiText reads a tokenized WikiText file (wiki.*.tokens): every
// top-level heading " = Title = " starts an article, whose number (from 1)
// and title, "7 Title", are the User of its lines (titles alone repeat:
// several are "<unk> <unk>"). Every non-blank line, headings included, is one Record
// whose tokens are split on spaces. Lines before the first heading belong
// to the user "". It returns an error if reading fails or there is no text.
func ReadWikiText(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	var out []Record
	user, articles := "", 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		toks := strings.Fields(line)
		if len(toks) >= 3 && toks[0] == "=" && toks[len(toks)-1] == "=" && toks[1] != "=" {
			articles++
			user = fmt.Sprintf("%d %s", articles, strings.Join(toks[1:len(toks)-1], " "))
		}
		out = append(out, Record{User: user, Tokens: toks})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("unlearn.ReadWikiText: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("unlearn.ReadWikiText: no text")
	}
	return out, nil
}

// ReadShakespeare reads the tinyshakespeare text (karpathy/char-rnn): blocks
// separated by blank lines, each starting with "SPEAKER:". The speaker is
// the User of the block's lines; every line is one Record, lower-cased,
// with punctuation split off as tokens. It returns an error if reading
// fails or there is no text.
func ReadShakespeare(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	var out []Record
	user, start := "", true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			start = true
			continue
		}
		if start && strings.HasSuffix(line, ":") {
			user = strings.TrimSuffix(line, ":")
			start = false
			continue
		}
		start = false
		if toks := SplitWords(line); len(toks) > 0 {
			out = append(out, Record{User: user, Tokens: toks})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("unlearn.ReadShakespeare: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("unlearn.ReadShakespeare: no text")
	}
	return out, nil
}

// SplitWords lower-cases s and splits it into words (letters, digits and
// apostrophes) and single punctuation characters.
func SplitWords(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'':
			cur = append(cur, r)
		case unicode.IsSpace(r):
			flush()
		default:
			flush()
			out = append(out, string(r))
		}
	}
	flush()
	return out
}

// ReadFile opens path (gunzipping it if the name ends in .gz) and reads it
// with read, for example ReadFile(p, ReadWikiText).
func ReadFile(path string, read func(io.Reader) ([]Record, error)) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("unlearn.ReadFile %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	recs, err := read(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return recs, nil
}

// Special token ids of every Vocab.
const (
	EOS = 0 // "<eos>": starts and ends every sequence, and pads batches
	UNK = 1 // "<unk>": any word outside the vocabulary
)

// Vocab maps words to ids: "<eos>" is 0, "<unk>" is 1, and the other words
// follow in order of decreasing frequency (ties alphabetical).
type Vocab struct {
	words []string
	ids   map[string]int
}

// BuildVocab counts the words of records and keeps the maxSize most
// frequent ones, the two special tokens included (maxSize <= 0 keeps all).
// Words in keep are always included (a canary alphabet, say), taking the
// place of the least frequent others.
func BuildVocab(records []Record, maxSize int, keep ...string) *Vocab {
	counts := map[string]int{}
	for _, r := range records {
		for _, w := range r.Tokens {
			counts[w]++
		}
	}
	delete(counts, "<eos>")
	delete(counts, "<unk>")
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	slices.SortFunc(words, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	forced := map[string]bool{}
	for _, w := range keep {
		if w != "<eos>" && w != "<unk>" {
			forced[w] = true
		}
	}
	var kept []string
	for _, w := range keep {
		if forced[w] && !slices.Contains(kept, w) {
			kept = append(kept, w)
		}
	}
	for _, w := range words {
		if maxSize > 0 && len(kept)+2 >= maxSize {
			break
		}
		if !forced[w] {
			kept = append(kept, w)
		}
	}
	return NewVocab(kept)
}

// NewVocab returns the vocabulary "<eos>", "<unk>", words... (duplicates
// and the special tokens in words are dropped).
func NewVocab(words []string) *Vocab {
	v := &Vocab{words: []string{"<eos>", "<unk>"}, ids: map[string]int{"<eos>": EOS, "<unk>": UNK}}
	for _, w := range words {
		if _, ok := v.ids[w]; !ok {
			v.ids[w] = len(v.words)
			v.words = append(v.words, w)
		}
	}
	return v
}

// Size returns the number of ids.
func (v *Vocab) Size() int { return len(v.words) }

// Words returns the words in id order (a copy).
func (v *Vocab) Words() []string { return slices.Clone(v.words) }

// ID returns the id of w, UNK if it is not in the vocabulary.
func (v *Vocab) ID(w string) int {
	if id, ok := v.ids[w]; ok {
		return id
	}
	return UNK
}

// Encode maps tokens to ids.
func (v *Vocab) Encode(tokens []string) []int {
	out := make([]int, len(tokens))
	for i, w := range tokens {
		out[i] = v.ID(w)
	}
	return out
}

// Decode maps ids to words; it panics on an id out of range.
func (v *Vocab) Decode(ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if id < 0 || id >= len(v.words) {
			panic(fmt.Sprintf("unlearn.Vocab.Decode: id %d out of range [0, %d)", id, len(v.words)))
		}
		out[i] = v.words[id]
	}
	return out
}

// Sequence returns the training sequence of a record's tokens: "<eos>",
// the ids, "<eos>".
func (v *Vocab) Sequence(tokens []string) []int {
	out := make([]int, 0, len(tokens)+2)
	out = append(out, EOS)
	out = append(out, v.Encode(tokens)...)
	return append(out, EOS)
}

// Sequences returns the training sequence of every record.
func (v *Vocab) Sequences(records []Record) [][]int {
	out := make([][]int, len(records))
	for i, r := range records {
		out[i] = v.Sequence(r.Tokens)
	}
	return out
}
