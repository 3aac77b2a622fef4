package asr

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
)

// Utterance is one utterance's N-best list from a first-pass recogniser
// and its reference transcript.
type Utterance struct {
	// ID names the utterance ("" if the file has no ids).
	ID string
	// Hyps are the hypotheses, best first.
	Hyps []string
	// Scores are the first-pass (acoustic model) scores of Hyps, higher
	// is better, or nil if the file has none.
	Scores []float64
	// Ref is the reference transcript.
	Ref string
}

// record is one object of a HyPoradise file.
type record struct {
	ID      string    `json:"id"`
	Input   []string  `json:"input"`
	Output  *string   `json:"output"`
	AMScore []float64 `json:"am_score"`
	Score   []float64 `json:"score"`
}

// ReadFile reads a HyPoradise N-best file, plain or gzip-compressed; see
// [Read].
func ReadFile(path string) ([]Utterance, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	u, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return u, nil
}

// Read reads N-best lists in the JSON format of HyPoradise (Chen et al.,
// NeurIPS 2023): one array of objects with the hypotheses in "input"
// (best first), the reference in "output", optionally an "id" and the
// first-pass scores in "am_score" (ATIS) or "score" (WSJ), one per
// hypothesis. Other fields ("instruction" in LibriSpeech) are ignored.
// Input that starts with the gzip magic number is decompressed.
//
// It returns an error naming the record (its index and id) for anything
// else: a file that is not one JSON array, a record without hypotheses or
// without "output", fields of the wrong type, or scores whose number
// differs from the hypotheses'.
func Read(r io.Reader) ([]Utterance, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("asr.Read: %w", err)
		}
		defer z.Close()
		r = z
	} else {
		r = br
	}
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = errors.New("empty input")
		}
		return nil, fmt.Errorf("asr.Read: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("asr.Read: want a JSON array of records, found %v", tok)
	}
	var utts []Utterance
	for dec.More() {
		i := len(utts)
		var rec record
		if err := dec.Decode(&rec); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("asr.Read: record %d: %w", i, err)
		}
		u, err := rec.utterance()
		if err != nil {
			return nil, fmt.Errorf("asr.Read: record %d (id %q): %w", i, rec.ID, err)
		}
		utts = append(utts, u)
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("asr.Read: after record %d: %w", len(utts), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("asr.Read: data after the array of %d records", len(utts))
	}
	return utts, nil
}

func (rec *record) utterance() (Utterance, error) {
	if len(rec.Input) == 0 {
		return Utterance{}, errors.New(`no hypotheses in "input"`)
	}
	if rec.Output == nil {
		return Utterance{}, errors.New(`no reference in "output"`)
	}
	scores := rec.AMScore
	if rec.Score != nil {
		if scores != nil {
			return Utterance{}, errors.New(`both "am_score" and "score"`)
		}
		scores = rec.Score
	}
	if scores != nil && len(scores) != len(rec.Input) {
		return Utterance{}, fmt.Errorf("%d scores for %d hypotheses", len(scores), len(rec.Input))
	}
	return Utterance{ID: rec.ID, Hyps: rec.Input, Scores: scores, Ref: *rec.Output}, nil
}

// DevSplit divides utterances into a development set of n and the rest,
// for tuning rescoring weights on training data (never on the test set).
// The utterances are drawn at random with rng (the first n with a nil
// rng); each part keeps the order of utts. The parts share the
// utterances' slices with utts. It panics if n is outside 0..len(utts).
func DevSplit(utts []Utterance, n int, rng *rand.Rand) (dev, rest []Utterance) {
	if n < 0 || n > len(utts) {
		panic(fmt.Sprintf("asr.DevSplit: n = %d outside 0..%d", n, len(utts)))
	}
	idx := make([]int, len(utts))
	for i := range idx {
		idx[i] = i
	}
	if rng != nil {
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	}
	first := idx[:n]
	slices.Sort(first)
	inDev := make([]bool, len(utts))
	for _, i := range first {
		inDev[i] = true
		dev = append(dev, utts[i])
	}
	for i, u := range utts {
		if !inDev[i] {
			rest = append(rest, u)
		}
	}
	return dev, rest
}
