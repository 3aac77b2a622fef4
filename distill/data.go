package distill

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cairn-ml/cairn/data"
)

// DefaultDir returns the directory of the released distilling
// step-by-step data in cairn's shared data: data.Dir()/distill-sbs.
func DefaultDir() string { return filepath.Join(data.Dir(), "distill-sbs") }

// MaxLineBytes bounds one line of a JSON Lines file read by this package.
const MaxLineBytes = 64 << 20

// LineError is a problem on one line of a JSON Lines file (or one element
// of a JSON array file, numbered from 1).
type LineError struct {
	File string // file name, "" for a reader
	Line int    // 1-based line (or element) number
	Err  error
}

// Error returns "distill: file:line: problem" (without a file name for
// a reader).
func (e *LineError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("distill: line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("distill: %s:%d: %v", e.File, e.Line, e.Err)
}

// Unwrap returns the underlying problem.
func (e *LineError) Unwrap() error { return e.Err }

// openMaybeGz opens path, or path+".gz" if path does not exist, and
// decompresses a .gz file. The error wraps fs.ErrNotExist when neither
// exists.
func openMaybeGz(path string) (io.ReadCloser, string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !strings.HasSuffix(path, ".gz") {
		if g, gerr := os.Open(path + ".gz"); gerr == nil {
			f, err, path = g, nil, path+".gz"
		}
	}
	if err != nil {
		return nil, path, fmt.Errorf("distill: %w", err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return f, path, nil
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, path, fmt.Errorf("distill: %s: %w", path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{z, f}, path, nil
}

// eachLine calls fn with the 1-based number and the bytes of every
// non-blank line of r;
// an error from fn or a line over MaxLineBytes becomes a *LineError.
func eachLine(r io.Reader, file string, fn func(line int, b []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
	n := 0
	for sc.Scan() {
		n++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		if err := fn(n, b); err != nil {
			return &LineError{File: file, Line: n, Err: err}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &LineError{File: file, Line: n + 1, Err: fmt.Errorf("line longer than %d bytes", MaxLineBytes)}
		}
		return fmt.Errorf("distill: %s: %w", file, err)
	}
	return nil
}

// row is the union of the row schemas of the released files.
type row struct {
	Question   *string  `json:"question"`
	Choices    []string `json:"choices"`
	Answer     *string  `json:"answer"`
	Premise    *string  `json:"premise"`
	Hypothesis *string  `json:"hypothesis"`
	Label      any      `json:"label"`
	Input      *string  `json:"input"`
}

// example turns a row into the input and gold label of task.
func (r *row) example(task Task) (Example, error) {
	switch task {
	case CQA:
		if r.Question == nil || r.Answer == nil {
			return Example{}, errors.New(`cqa row without "question" or "answer"`)
		}
		if len(r.Choices) != 5 {
			return Example{}, fmt.Errorf("cqa row with %d choices, want 5", len(r.Choices))
		}
		return Example{Input: CQAInput(*r.Question, r.Choices), Label: *r.Answer, Choices: slices.Clone(r.Choices)}, nil
	case ANLI1, ESNLI:
		if r.Premise == nil || r.Hypothesis == nil {
			return Example{}, fmt.Errorf(`%s row without "premise" or "hypothesis"`, task)
		}
		id, ok := r.Label.(float64)
		if !ok || id != float64(int(id)) || id < 0 || id > 2 {
			return Example{}, fmt.Errorf("%s row with label %v, want 0, 1 or 2", task, r.Label)
		}
		return Example{Input: NLIInput(*r.Premise, *r.Hypothesis), Label: nliLabels[int(id)], Choices: slices.Clone(nliLabels[:])}, nil
	case SVAMP:
		l, ok := r.Label.(string)
		if r.Input == nil || !ok {
			return Example{}, errors.New(`svamp row without string "input" and "label"`)
		}
		return Example{Input: *r.Input, Label: l}, nil
	}
	return Example{}, fmt.Errorf("unknown task %q", task)
}

// LoadRows reads the examples of one split of task from the released
// JSON Lines file dir/task/task_split.json (or .json.gz): the model input
// formatted as the released code does (CQAInput, NLIInput, or SVAMP's
// "input") and the gold label text (NLI ids 0, 1, 2 become entailment,
// neutral, contradiction). Rationale and LLMLabel are left empty. A
// missing file gives an error wrapping fs.ErrNotExist; a bad line a
// *LineError.
func LoadRows(dir string, task Task, split string) ([]Example, error) {
	f, name, err := openMaybeGz(filepath.Join(dir, string(task), fmt.Sprintf("%s_%s.json", task, split)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Example
	err = eachLine(f, name, func(_ int, b []byte) error {
		var r row
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		ex, err := r.example(task)
		if err != nil {
			return err
		}
		out = append(out, ex)
		return nil
	})
	return out, err
}

// LoadCompletions reads the teacher LLM's raw completions for one split
// of task: the JSON arrays of strings dir/task/llm/split_CoT_k.json (or
// .json.gz) for k = 0, 1, ... until a file is missing, concatenated. No
// chunk 0 gives an error wrapping fs.ErrNotExist.
func LoadCompletions(dir string, task Task, split string) ([]string, error) {
	var out []string
	for k := 0; ; k++ {
		f, name, err := openMaybeGz(filepath.Join(dir, string(task), "llm", fmt.Sprintf("%s_CoT_%d.json", split, k)))
		if errors.Is(err, fs.ErrNotExist) && k > 0 {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var chunk []string
		err = json.NewDecoder(f).Decode(&chunk)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("distill: %s: %w", name, err)
		}
		out = append(out, chunk...)
	}
}

// Load reads one split of task with its teacher rationales: LoadRows and
// LoadCompletions, each completion parsed with ParseCoT into Rationale and
// LLMLabel. The numbers of rows and completions must agree; a completion
// that ParseCoT rejects is an error naming its position.
func Load(dir string, task Task, split string) ([]Example, error) {
	exs, err := LoadRows(dir, task, split)
	if err != nil {
		return nil, err
	}
	outs, err := LoadCompletions(dir, task, split)
	if err != nil {
		return nil, err
	}
	if len(outs) != len(exs) {
		return nil, fmt.Errorf("distill: %s %s: %d rows but %d teacher completions", task, split, len(exs), len(outs))
	}
	for i, o := range outs {
		r, l, err := ParseCoT(task, o)
		if err != nil {
			return nil, fmt.Errorf("distill: %s %s completion %d: %w", task, split, i, err)
		}
		exs[i].Rationale, exs[i].LLMLabel = r, l
	}
	return exs, nil
}

// NLIPair is one example of an NLI data set as a sentence pair: Label is
// 0 (entailment), 1 (neutral) or 2 (contradiction), the ids of the
// released files.
type NLIPair struct {
	Premise, Hypothesis string
	Label               int
}

// LoadNLIPairs reads one split of an NLI task (ESNLI or ANLI1) from the
// released JSON Lines file, as LoadRows does, but keeps premise,
// hypothesis and label id apart, for models that take sentence pairs
// (a BERT's [CLS] premise [SEP] hypothesis [SEP]). Errors as LoadRows; a
// task that is not NLI is an error.
func LoadNLIPairs(dir string, task Task, split string) ([]NLIPair, error) {
	if task != ESNLI && task != ANLI1 {
		return nil, fmt.Errorf("distill.LoadNLIPairs: %q is not an NLI task", task)
	}
	f, name, err := openMaybeGz(filepath.Join(dir, string(task), fmt.Sprintf("%s_%s.json", task, split)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []NLIPair
	err = eachLine(f, name, func(_ int, b []byte) error {
		var r row
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		if _, err := r.example(task); err != nil {
			return err
		}
		out = append(out, NLIPair{*r.Premise, *r.Hypothesis, int(r.Label.(float64))})
		return nil
	})
	return out, err
}
