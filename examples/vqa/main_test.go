package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/prompt/vqa"
)

func dataDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(data.Dir(), "vqav2-subset")
	if _, err := os.Stat(filepath.Join(dir, "vqa_questions_test.json.gz")); err != nil {
		t.Skipf("VQA v2 subset not found (set CAIRN_DATA): %v", err)
	}
	return dir
}

func lastJSON(t *testing.T, out string) result {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var r result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatalf("last line %q is not JSON: %v", lines[len(lines)-1], err)
	}
	return r
}

// The default run is the blind baseline, and its score is the metric of
// the prior's answers.
func TestBlindBaseline(t *testing.T) {
	dir := dataDir(t)
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"-limit", "80", "-pool", "1000", "-json"}, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	r := lastJSON(t, out.String())
	if len(r.Rows) != 1 || r.Rows[0].Name != "blind prior" || r.Test != 80 || r.Pool != 1000 {
		t.Fatalf("%+v", r)
	}
	test, _ := vqa.ReadQuestions(filepath.Join(dir, "vqa_questions_test.json.gz"), filepath.Join(dir, "vqa_annotatons_test.json.gz"))
	pool, _ := vqa.ReadQuestions(filepath.Join(dir, "vqa_questions_valid.json.gz"), filepath.Join(dir, "vqa_annotatons_valid.json.gz"))
	p := vqa.NewPrior(pool[:1000])
	sum := 0.0
	for _, q := range test[:80] {
		sum += metrics.VQAAccuracy(p.Answer(q.Question), q.Answers, metrics.VQAOfficial)
	}
	if want := 100 * sum / 80; math.Abs(r.Rows[0].Overall-want) > 1e-9 {
		t.Errorf("overall %v, want %v", r.Rows[0].Overall, want)
	}
	if !strings.Contains(out.String(), "| how many |") {
		t.Errorf("no per-question-type table:\n%s", out.String())
	}
}

// With -llm and -captions, each strategy in the file gets a row; an
// answerer that always says "yes" scores what the metric gives "yes", so
// swapping the answerer changes only the answers (spec §7.7).
func TestLLMWithCaptions(t *testing.T) {
	dir := dataDir(t)
	test, _ := vqa.ReadQuestions(filepath.Join(dir, "vqa_questions_test.json.gz"), filepath.Join(dir, "vqa_annotatons_test.json.gz"))
	pool, _ := vqa.ReadQuestions(filepath.Join(dir, "vqa_questions_valid.json.gz"), filepath.Join(dir, "vqa_annotatons_valid.json.gz"))
	var caps bytes.Buffer
	for i, q := range append(append([]vqa.Question(nil), test[:10]...), pool[:30]...) {
		for _, s := range []string{"greedy", "beam5"} {
			fmt.Fprintf(&caps, `{"image_id": %d, "strategy": %q, "captions": ["image %d by %s"]}`+"\n", q.ImageID, s, i, s)
		}
	}
	capPath := filepath.Join(t.TempDir(), "caps.jsonl")
	os.WriteFile(capPath, caps.Bytes(), 0o644)
	var mu sync.Mutex
	var prompts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Prompt string `json:"prompt"`
		}
		json.NewDecoder(r.Body).Decode(&b)
		mu.Lock()
		prompts = append(prompts, b.Prompt)
		mu.Unlock()
		fmt.Fprint(w, `{"choices": [{"text": " Yes\nQuestion:"}]}`)
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"-limit", "20", "-pool", "30", "-shots", "2", "-llm", srv.URL, "-captions", capPath, "-json"}, &out, &errb)
	if err != nil {
		t.Fatal(err, errb.String())
	}
	r := lastJSON(t, out.String())
	names := []string{"blind prior", "llm, no captions", "llm, captions beam5", "llm, captions greedy"}
	if len(r.Rows) != len(names) {
		t.Fatalf("%+v", r.Rows)
	}
	sum := 0.0
	for _, q := range test[:20] {
		sum += metrics.VQAAccuracy("yes", q.Answers, metrics.VQAOfficial)
	}
	for i, x := range r.Rows {
		if x.Name != names[i] {
			t.Errorf("row %d: %q, want %q", i, x.Name, names[i])
		}
		if i > 0 && math.Abs(x.Overall-100*sum/20) > 1e-9 {
			t.Errorf("%s: %v, want %v", x.Name, x.Overall, 100*sum/20)
		}
	}
	if r.Rows[2].Missing != 10 || r.Rows[1].Missing != 0 {
		t.Errorf("missing %d %d", r.Rows[2].Missing, r.Rows[1].Missing)
	}
	if len(prompts) != 60 || !strings.Contains(prompts[20], "Context: image 0 by beam5.\nQuestion: "+test[0].Question+"\nAnswer:") ||
		strings.Count(prompts[20], "Answer:") != 3 {
		t.Errorf("%d prompts; prompts[20]:\n%s", len(prompts), prompts[20])
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"-captions", "x"}, {"-llm", "u", "-captioner", "v"}, {"extra"}} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, &out, &errb); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
