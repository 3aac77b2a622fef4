package distill

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// Prediction is one teacher output for one example, as stored in a JSON
// Lines file (one JSON object per line) by whatever produced it, such as
// an LLM run elsewhere:
//
//	{"id": "q1", "probs": [0.7, 0.2, 0.1]}
//	{"id": "q2", "logits": [2.5, -1, 0.3]}
//	{"id": "q3", "output": "The answer must be ... So the answer is (c) wooded area."}
//	{"id": "q4", "label": "neutral", "rationale": "A man is a person."}
//
// Class scores (Logits or Probs) feed a StoredTeacher; text (Output, or
// Label and Rationale) feeds distilling step-by-step (ApplyPredictions).
// Other keys are ignored.
type Prediction struct {
	ID        string    // optional example id (a JSON string or number)
	Logits    []float32 // class scores
	Probs     []float32 // class probabilities, summing to 1
	Label     string    // predicted label text
	Rationale string    // rationale text
	Output    string    // raw completion, to be parsed with ParseCoT
}

// probSumTol is how far the probabilities of one prediction may sum from 1.
const probSumTol = 1e-3

// UnmarshalJSON reads a prediction from one JSON object and checks it:
// at least one of logits, probs, label, output; not both logits and
// probs; probabilities in [0, 1] summing to 1 within 1e-3.
func (p *Prediction) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID        json.RawMessage `json:"id"`
		Logits    []float32       `json:"logits"`
		Probs     []float32       `json:"probs"`
		Label     *string         `json:"label"`
		Rationale *string         `json:"rationale"`
		Output    *string         `json:"output"`
	}
	if b = bytes.TrimSpace(b); len(b) == 0 || b[0] != '{' {
		return errors.New("not a JSON object")
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*p = Prediction{Logits: raw.Logits, Probs: raw.Probs}
	if len(raw.ID) > 0 && string(raw.ID) != "null" {
		var n json.Number
		if err := json.Unmarshal(raw.ID, &p.ID); err != nil {
			if json.Unmarshal(raw.ID, &n) != nil {
				return fmt.Errorf("id %s is neither a string nor a number", raw.ID)
			}
			p.ID = n.String()
		}
	}
	for _, s := range []struct {
		dst *string
		src *string
	}{{&p.Label, raw.Label}, {&p.Rationale, raw.Rationale}, {&p.Output, raw.Output}} {
		if s.src != nil {
			*s.dst = *s.src
		}
	}
	if raw.Logits != nil && raw.Probs != nil {
		return errors.New(`both "logits" and "probs"`)
	}
	if raw.Logits == nil && raw.Probs == nil && raw.Label == nil && raw.Output == nil {
		return errors.New(`none of "logits", "probs", "label", "output"`)
	}
	if raw.Logits != nil && len(raw.Logits) == 0 || raw.Probs != nil && len(raw.Probs) == 0 {
		return errors.New("empty class scores")
	}
	sum := 0.0
	for i, q := range raw.Probs {
		if !(q >= 0 && q <= 1) {
			return fmt.Errorf("probability %d is %v, outside [0, 1]", i, q)
		}
		sum += float64(q)
	}
	if raw.Probs != nil && math.Abs(sum-1) > probSumTol {
		return fmt.Errorf("probabilities sum to %v, not 1", sum)
	}
	return nil
}

// ReadPredictions reads teacher predictions from JSON Lines (see
// Prediction), one per non-blank line. A line that is not a valid
// prediction, a line whose number of class scores differs from the first
// scored line's, and a repeated id are errors: a *LineError naming the
// line.
func ReadPredictions(r io.Reader) ([]Prediction, error) { return readPredictions(r, "") }

// ReadPredictionsFile is ReadPredictions on a file, gzip-compressed if its
// name ends in .gz; errors name the file and the line.
func ReadPredictionsFile(path string) ([]Prediction, error) {
	f, name, err := openMaybeGz(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readPredictions(f, name)
}

func readPredictions(r io.Reader, file string) ([]Prediction, error) {
	var out []Prediction
	classes, first := -1, 0
	ids := map[string]int{}
	err := eachLine(r, file, func(n int, b []byte) error {
		var p Prediction
		if err := json.Unmarshal(b, &p); err != nil {
			return err
		}
		if c := max(len(p.Logits), len(p.Probs)); c > 0 {
			if classes < 0 {
				classes, first = c, n
			} else if c != classes {
				return fmt.Errorf("%d class scores, line %d has %d", c, first, classes)
			}
		}
		if p.ID != "" {
			if j, dup := ids[p.ID]; dup {
				return fmt.Errorf("id %q repeats line %d", p.ID, j)
			}
			ids[p.ID] = n
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ApplyPredictions makes stored teacher outputs the rationales and
// teacher labels of distilling step-by-step: example i gets prediction
// i's Output parsed by ParseCoT for task, or, without an output, its Label
// and Rationale. The counts must agree; an Output that ParseCoT rejects is
// an error naming the prediction.
func ApplyPredictions(task Task, exs []Example, preds []Prediction) error {
	if len(exs) != len(preds) {
		return fmt.Errorf("distill: ApplyPredictions: %d examples but %d predictions", len(exs), len(preds))
	}
	for i, p := range preds {
		r, l := p.Rationale, p.Label
		if p.Output != "" {
			var err error
			if r, l, err = ParseCoT(task, p.Output); err != nil {
				return fmt.Errorf("distill: ApplyPredictions: prediction %d: %w", i, err)
			}
		}
		exs[i].Rationale, exs[i].LLMLabel = r, l
	}
	return nil
}
