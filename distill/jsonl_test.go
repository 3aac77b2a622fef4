package distill

import (
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadPredictions(t *testing.T) {
	in := `{"id": "q1", "probs": [0.7, 0.2, 0.1], "model": "palm"}

{"id": 2, "logits": [2.5, -1, 0.3]}
{"output": "R. So the answer is (c) wooded area.\n\nQ: next"}
{"label": "neutral", "rationale": "A man is a person."}
`
	preds, err := ReadPredictions(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(preds) != 4 || preds[0].ID != "q1" || preds[1].ID != "2" || !slices.Equal(preds[1].Logits, []float32{2.5, -1, 0.3}) ||
		preds[3].Label != "neutral" || preds[3].Rationale != "A man is a person." {
		t.Fatalf("ReadPredictions = %+v", preds)
	}
	exs := make([]Example, 2)
	if err := ApplyPredictions(CQA, exs, preds[2:]); err != nil {
		t.Fatal(err)
	}
	if exs[0].Rationale != "R." || exs[0].LLMLabel != "wooded area" || exs[1].LLMLabel != "neutral" || exs[1].Rationale != "A man is a person." {
		t.Errorf("ApplyPredictions = %+v", exs)
	}
	if err := ApplyPredictions(CQA, exs, preds); err == nil {
		t.Error("count mismatch: no error")
	}
	if err := ApplyPredictions(CQA, exs[:1], []Prediction{{Output: "no answer"}}); !errors.Is(err, ErrUnparsable) {
		t.Errorf("unparsable output: %v", err)
	}
}

// A malformed line gives a *LineError naming that line (blank lines
// count).
func TestReadPredictionsErrors(t *testing.T) {
	good := `{"logits": [1, 2]}` + "\n"
	for _, c := range []struct {
		bad  string
		line int
		msg  string
	}{
		{`{"logits": [1, 2}`, 3, ""},
		{`[1, 2]`, 3, "not a JSON object"},
		{`{"logits": [1, 2]} {"x": 1}`, 3, ""},
		{`{"logits": [1, 2], "probs": [0.5, 0.5]}`, 3, "both"},
		{`{"id": "a"}`, 3, "none of"},
		{`{"probs": [0.5, 0.6]}`, 3, "sum to"},
		{`{"probs": [1.5, -0.5]}`, 3, "outside [0, 1]"},
		{`{"logits": []}`, 3, "empty"},
		{`{"logits": [1, 2, 3]}`, 3, "line 1 has 2"},
		{`{"logits": [1e50, 2]}`, 3, ""},
		{`{"id": true, "label": "x"}`, 3, "neither a string nor a number"},
		{`{"id": "dup", "label": "x"}` + "\n" + `{"id": "dup", "label": "y"}`, 4, "repeats line 3"},
		{`{"label": 3}`, 3, ""},
	} {
		_, err := ReadPredictions(strings.NewReader(good + "\n" + c.bad + "\n" + good))
		var le *LineError
		if !errors.As(err, &le) || le.Line != c.line || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want line %d containing %q", c.bad, err, c.line, c.msg)
		}
	}
	path := filepath.Join(t.TempDir(), "preds.jsonl.gz")
	f, _ := os.Create(path)
	z := gzip.NewWriter(f)
	z.Write([]byte(good + good + `{"logits": [1, "x"]}` + "\n"))
	z.Close()
	f.Close()
	_, err := ReadPredictionsFile(path)
	if err == nil || !strings.Contains(err.Error(), "preds.jsonl.gz:3:") {
		t.Errorf("file error %v, want it to name preds.jsonl.gz:3", err)
	}
	if _, err := ReadPredictionsFile(filepath.Join(t.TempDir(), "absent.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: %v", err)
	}
}

// ReadPredictions never panics; what it accepts has consistent class
// counts, valid probabilities and something to learn from.
func FuzzReadPredictions(f *testing.F) {
	for _, s := range []string{
		`{"id": "q1", "probs": [0.7, 0.2, 0.1]}`,
		`{"logits": [1, 2]}` + "\n" + `{"logits": [1, 2, 3]}`,
		`{"output": "x So the answer is (a) y"}` + "\n\n" + `{"label": "l", "rationale": "r"}`,
		`{"id": 1e3, "label": ""}`, `[]`, `{"probs": [1]}`, "\n \n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		preds, err := ReadPredictions(strings.NewReader(s))
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) || le.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		c := -1
		for _, p := range preds {
			if n := max(len(p.Logits), len(p.Probs)); n > 0 {
				if c >= 0 && n != c {
					t.Fatalf("ragged class counts accepted")
				}
				c = n
			}
		}
		if c > 0 {
			if _, err := NewStoredTeacher(onlyScored(preds)); err != nil {
				t.Fatalf("accepted predictions rejected by NewStoredTeacher: %v", err)
			}
		}
	})
}

func onlyScored(preds []Prediction) []Prediction {
	var out []Prediction
	for _, p := range preds {
		if p.Logits != nil || p.Probs != nil {
			out = append(out, p)
		}
	}
	return out
}

// ParseCoT never panics, on any task, and fails only where the released
// code raises (CQA).
func FuzzParseCoT(f *testing.F) {
	for _, s := range []string{"R. So the answer is (a) x.\n\nQ: y", "R\nAnswer: neutral\nPremise", "a The answer is (1 + 2)", "(\u00e9)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, task := range []Task{CQA, ANLI1, ESNLI, SVAMP} {
			if _, _, err := ParseCoT(task, s); err != nil && task != CQA {
				t.Fatalf("%s: %v", task, err)
			}
		}
	})
}
