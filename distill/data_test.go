package distill

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// loadOrSkip loads a released split, skipping the test when the data is
// absent.
func loadOrSkip(t *testing.T, task Task, split string) []Example {
	t.Helper()
	exs, err := Load(DefaultDir(), task, split)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("distill-sbs data absent (%v); set CAIRN_DATA", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

// The teacher's label accuracy on the released files, recomputed with the
// released parsers (spec §5 and §7.3).
func TestLLMAccuracyReleased(t *testing.T) {
	for _, c := range []struct {
		task         Task
		split        string
		correct, all int
	}{
		{CQA, "test", 943, 1221},
		{CQA, "train", 7234, 9741},
		{ANLI1, "test", 656, 1000},
		{ESNLI, "test", 7171, 9824},
	} {
		t.Run(string(c.task)+"_"+c.split, func(t *testing.T) {
			exs := loadOrSkip(t, c.task, c.split)
			preds, golds := make([]string, len(exs)), make([]string, len(exs))
			for i, ex := range exs {
				preds[i], golds[i] = ex.LLMLabel, ex.Label
			}
			if len(exs) != c.all || Correct(c.task, preds, golds) != c.correct {
				t.Fatalf("%d/%d correct, want %d/%d", Correct(c.task, preds, golds), len(exs), c.correct, c.all)
			}
		})
	}
}

// Parser outputs on the records the spec names (§7.2) and the input
// format of the first CQA test row (§7.8).
func TestReleasedRecords(t *testing.T) {
	cqaTrain := loadOrSkip(t, CQA, "train")
	if got := cqaTrain[0].LLMLabel; got != "math problem" {
		t.Errorf("cqa train_CoT_0[0] label %q, want %q", got, "math problem")
	}
	if got, want := cqaTrain[0].Rationale, "The answer must be something that has to do with the above problem. Of the above choices, only math problem has to do with the above problem."; got != want {
		t.Errorf("cqa train_CoT_0[0] rationale %q, want %q", got, want)
	}
	cqaTest := loadOrSkip(t, CQA, "test")
	want := "A beaver is know for building prowess, their supplies come from where?\nAnswer Choices:\n(a) british columbia\n(b) body of water\n(c) wooded area\n(d) pay debts\n(e) zoo"
	if cqaTest[0].Input != want || cqaTest[0].Label != "wooded area" || cqaTest[0].LLMLabel != "wooded area" {
		t.Errorf("cqa test[0] = %+v", cqaTest[0])
	}
	anli := loadOrSkip(t, ANLI1, "test")
	if anli[0].LLMLabel != "contradiction" || anli[0].Label != "entailment" {
		t.Errorf("anli1 test[0] LLM %q gold %q, want contradiction, entailment", anli[0].LLMLabel, anli[0].Label)
	}
	if !strings.HasPrefix(anli[0].Input, "Ernest Jones is a British jeweller") || !strings.Contains(anli[0].Input, "</s>The first Ernest Jones store") {
		t.Errorf("anli1 test[0] input %q", anli[0].Input)
	}
	esnli := loadOrSkip(t, ESNLI, "test")
	if esnli[0].LLMLabel != "neutral" || esnli[0].Label != "neutral" {
		t.Errorf("esnli test[0] LLM %q gold %q, want neutral", esnli[0].LLMLabel, esnli[0].Label)
	}
	if got, want := esnli[0].Input, "This church choir sings to the masses as they sing joyous songs from the book at a church.</s>The church has cracks in the ceiling."; got != want {
		t.Errorf("esnli test[0] input %q, want %q", got, want)
	}
	if got, want := esnli[0].Rationale, "The church choir singing to the masses does not necessarily mean that the church has cracks in the ceiling."; got != want {
		t.Errorf("esnli test[0] rationale %q, want %q", got, want)
	}
	// The spec's pitfall: one e-SNLI test label keeps a newline and "Pre".
	n := 0
	for _, ex := range esnli {
		if ex.LLMLabel == "entailment\n\nPre" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d e-SNLI test labels equal %q, want 1", n, "entailment\n\nPre")
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Loader errors: missing files wrap fs.ErrNotExist, bad rows name their
// line, count mismatches and unparsable CQA completions are errors.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir, CQA, "test"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	writeFile(t, filepath.Join(dir, "anli1", "anli1_test.json"),
		`{"premise":"p","hypothesis":"h","label":1}`+"\n\n"+`{"premise":"p","hypothesis":"h","label":7}`+"\n")
	_, err := LoadRows(dir, ANLI1, "test")
	var le *LineError
	if !errors.As(err, &le) || le.Line != 3 || !strings.Contains(err.Error(), "anli1_test.json:3") {
		t.Fatalf("bad label: %v", err)
	}
	writeFile(t, filepath.Join(dir, "cqa", "cqa_test.json"),
		`{"question":"q","choices":["a","b","c","d","e"],"answer":"b"}`+"\n"+`{"question":"q","choices":["a"],"answer":"b"}`)
	if _, err := LoadRows(dir, CQA, "test"); !errors.As(err, &le) || le.Line != 2 {
		t.Fatalf("4 choices missing: %v", err)
	}
	writeFile(t, filepath.Join(dir, "cqa", "cqa_test.json"), `{"question":"q","choices":["a","b","c","d","e"],"answer":"b"}`+"\n")
	if _, err := Load(dir, CQA, "test"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing completions: %v", err)
	}
	writeFile(t, filepath.Join(dir, "cqa", "llm", "test_CoT_0.json"), `["r. So the answer is (b) b.", "extra"]`)
	if _, err := Load(dir, CQA, "test"); err == nil || !strings.Contains(err.Error(), "1 rows but 2") {
		t.Fatalf("count mismatch: %v", err)
	}
	writeFile(t, filepath.Join(dir, "cqa", "llm", "test_CoT_0.json"), `["no answer here"]`)
	if _, err := Load(dir, CQA, "test"); !errors.Is(err, ErrUnparsable) {
		t.Fatalf("unparsable: %v", err)
	}
	writeFile(t, filepath.Join(dir, "cqa", "llm", "test_CoT_0.json"), `["r. So the answer is (b) b."]`)
	writeFile(t, filepath.Join(dir, "cqa", "llm", "test_CoT_1.json"), `not json`)
	if _, err := Load(dir, CQA, "test"); err == nil || !strings.Contains(err.Error(), "test_CoT_1.json") {
		t.Fatalf("bad chunk: %v", err)
	}
	os.Remove(filepath.Join(dir, "cqa", "llm", "test_CoT_1.json"))
	exs, err := Load(dir, CQA, "test")
	if err != nil || len(exs) != 1 || exs[0].LLMLabel != "b" || exs[0].Rationale != "r." || exs[0].Label != "b" {
		t.Fatalf("Load = %+v, %v", exs, err)
	}
}

// LoadNLIPairs keeps premise, hypothesis and label id as the file has
// them, agrees with LoadRows on the real e-SNLI test split, and fails as
// LoadRows does.
func TestLoadNLIPairs(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "anli1", "anli1_test.json"),
		`{"premise":"A man.","hypothesis":"A person.","label":0}`+"\n"+`{"premise":"p","hypothesis":"h","label":2}`+"\n")
	ps, err := LoadNLIPairs(dir, ANLI1, "test")
	if err != nil || len(ps) != 2 || ps[0] != (NLIPair{"A man.", "A person.", 0}) || ps[1].Label != 2 {
		t.Fatalf("got %+v, %v", ps, err)
	}
	writeFile(t, filepath.Join(dir, "anli1", "anli1_test.json"), `{"premise":"p","label":1}`+"\n")
	var le *LineError
	if _, err := LoadNLIPairs(dir, ANLI1, "test"); !errors.As(err, &le) || le.Line != 1 {
		t.Fatalf("no hypothesis: %v", err)
	}
	if _, err := LoadNLIPairs(dir, CQA, "test"); err == nil {
		t.Fatal("CQA accepted as NLI")
	}
	ps, err = LoadNLIPairs(DefaultDir(), ESNLI, "test")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("distill-sbs data absent (%v)", err)
	}
	rows, err2 := LoadRows(DefaultDir(), ESNLI, "test")
	if err != nil || err2 != nil || len(ps) != 9824 || len(rows) != len(ps) {
		t.Fatalf("e-SNLI test: %d pairs (%v), %d rows (%v)", len(ps), err, len(rows), err2)
	}
	for i, p := range ps {
		if rows[i].Input != NLIInput(p.Premise, p.Hypothesis) || rows[i].Label != nliLabels[p.Label] {
			t.Fatalf("pair %d %+v, row %+v", i, p, rows[i])
		}
	}
}

// Every loaded example's candidate labels contain its gold label: the five
// CQA answers, the three NLI labels.
func TestChoicesContainLabel(t *testing.T) {
	for _, c := range []struct {
		task Task
		n    int
	}{{CQA, 5}, {ESNLI, 3}, {ANLI1, 3}} {
		exs := loadOrSkip(t, c.task, "test")
		for i, ex := range exs {
			if len(ex.Choices) != c.n || !slices.Contains(ex.Choices, ex.Label) {
				t.Fatalf("%s test %d: label %q, choices %q", c.task, i, ex.Label, ex.Choices)
			}
		}
	}
}
