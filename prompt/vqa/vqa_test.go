package vqa

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/prompt/openai"
)

const questionsJSON = `{"questions": [
 {"image_id": 7, "question": "Is there a bell on the train?", "question_id": 7000, "split": "test"},
 {"image_id": 8, "question": "How many dogs?", "question_id": 8001, "split": "test"}]}`

const annotationsJSON = `{"annotations": [
 {"question_id": 8001, "image_id": 8, "question_type": "how many", "answer_type": "number", "multiple_choice_answer": "2",
  "answers": [{"answer": "2", "answer_confidence": "yes", "answer_id": 1}, {"answer": "3", "answer_confidence": "maybe", "answer_id": 2}]},
 {"question_id": 7000, "image_id": 7, "question_type": "is there a", "answer_type": "yes/no", "multiple_choice_answer": "yes",
  "answers": [{"answer": "yes", "answer_confidence": "yes", "answer_id": 1}]}]}`

func TestReadQuestions(t *testing.T) {
	dir := t.TempDir()
	qp, ap := filepath.Join(dir, "q.json"), filepath.Join(dir, "a.json.gz")
	if err := os.WriteFile(qp, []byte(questionsJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create(ap)
	gz := gzip.NewWriter(f)
	io.WriteString(gz, annotationsJSON)
	gz.Close()
	f.Close()
	qs, err := ReadQuestions(qp, ap)
	if err != nil {
		t.Fatal(err)
	}
	want := []Question{
		{ID: 7000, ImageID: 7, Question: "Is there a bell on the train?", QuestionType: "is there a", AnswerType: "yes/no", Answer: "yes", Answers: []string{"yes"}},
		{ID: 8001, ImageID: 8, Question: "How many dogs?", QuestionType: "how many", AnswerType: "number", Answer: "2", Answers: []string{"2", "3"}},
	}
	if len(qs) != 2 {
		t.Fatalf("%+v", qs)
	}
	for i := range want {
		if qs[i].ID != want[i].ID || qs[i].QuestionType != want[i].QuestionType || qs[i].Answer != want[i].Answer ||
			!slices.Equal(qs[i].Answers, want[i].Answers) || qs[i].Question != want[i].Question || qs[i].AnswerType != want[i].AnswerType {
			t.Errorf("%d: %+v, want %+v", i, qs[i], want[i])
		}
	}
	// A question without annotation is an error, as is a missing file.
	os.WriteFile(qp, []byte(`{"questions": [{"image_id": 1, "question": "?", "question_id": 1}]}`), 0o644)
	if _, err := ReadQuestions(qp, ap); err == nil {
		t.Error("unannotated question: no error")
	}
	if _, err := ReadQuestions(filepath.Join(dir, "none"), ap); err == nil {
		t.Error("missing file: no error")
	}
}

func TestPrior(t *testing.T) {
	t.Parallel()
	train := []Question{
		{Question: "How many dogs are there?", QuestionType: "how many", Answer: "2"},
		{Question: "How many cats?", QuestionType: "how many", Answer: "2"},
		{Question: "How many people are in the picture?", QuestionType: "how many people are in", Answer: "3"},
		{Question: "What color is the bus?", QuestionType: "what color is the", Answer: "white"},
		{Question: "What color is the car?", QuestionType: "what color is the", Answer: "red"},
		{Question: "What color is the sky?", QuestionType: "what color is the", Answer: "white"},
		{Question: "Is it raining?", QuestionType: "is it", Answer: "no"},
		{Question: "Is it sunny?", QuestionType: "is it", Answer: "yes"},
		{Question: "Why is he here?", QuestionType: "why", Answer: "work"},
	}
	p := NewPrior(train)
	for q, want := range map[string]string{
		"How many people are in the room?": "3",     // longest type wins
		"How many horses?":                 "2",     // "how many"
		"What color is the wall?":          "white", // majority 2:1
		"Is it cold?":                      "no",    // tie 1:1 → smaller string
		"Is itchy?":                        "no",    // no type is a word prefix: first word "is"
		"Where is it?":                     "2",     // nothing: overall most frequent (tie 2×"2", 2×"white"… → "2")
		"Why?":                             "work",  // type followed by punctuation
	} {
		if got := p.Answer(q); got != want {
			t.Errorf("Answer(%q) = %q, want %q (type %q)", q, got, want, p.Type(q))
		}
	}
}

// The prompt, byte for byte.
func TestPromptGolden(t *testing.T) {
	t.Parallel()
	ex := []Example{
		{Captions: []string{"a dog on a couch", " a brown dog sleeping. "}, Question: "What animal is this?", Answer: "dog"},
		{Captions: []string{"Is it a bus?"}, Question: "What color\nis it?", Answer: "red"},
	}
	got := Prompt(ex, []string{"two cats", ""}, "How many cats are there?")
	want := "Please answer the question according to the context. Answer with one or two words.\n" +
		"Context: a dog on a couch. a brown dog sleeping.\nQuestion: What animal is this?\nAnswer: dog\n\n" +
		"Context: Is it a bus?\nQuestion: What color is it?\nAnswer: red\n\n" +
		"Context: two cats.\nQuestion: How many cats are there?\nAnswer:"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	zero := Prompt(nil, nil, "Why?")
	if zero != Instruction+"\nContext: \nQuestion: Why?\nAnswer:" {
		t.Errorf("zero-shot: %q", zero)
	}
}

func TestExtractAnswer(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		" dog\nQuestion: x": "dog",
		"\n\n two \n":       "two",
		"Answer: red":       "red",
		`"yes"`:             "yes",
		"":                  "",
	} {
		if got := ExtractAnswer(in); got != want {
			t.Errorf("ExtractAnswer(%q) = %q, want %q", in, got, want)
		}
	}
}

type fakeLM struct {
	prompt.LM
	got  string
	opts prompt.GenOptions
}

func (f *fakeLM) Generate(_ context.Context, p string, o prompt.GenOptions) (string, error) {
	f.got, f.opts = p, o
	return " Two\n", nil
}

func TestAnswer(t *testing.T) {
	lm := &fakeLM{}
	a, reply, err := Answer(context.Background(), lm, "P")
	if err != nil || a != "Two" || reply != " Two\n" || lm.got != "P" {
		t.Fatalf("%q %q %v %q", a, reply, err, lm.got)
	}
	if lm.opts.MaxTokens != 10 || lm.opts.Temperature != 0 || !slices.Equal(lm.opts.Stop, []string{"\n"}) {
		t.Errorf("options %+v", lm.opts)
	}
}

func TestSelector(t *testing.T) {
	t.Parallel()
	pool := []Example{
		{Question: "What color is the bus?", Captions: []string{"a red bus on a street"}, Answer: "red"},
		{Question: "How many dogs are there?", Captions: []string{"two dogs in a park"}, Answer: "2"},
		{Question: "What is the man holding?", Captions: []string{"a man holding a kite"}, Answer: "kite"},
		{Question: "What color is the kite?", Captions: []string{"a dog in a park"}, Answer: "blue"},
	}
	s, err := NewSelector(pool, QuestionSimilarity, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Select("How many dogs are in the park?", nil, 1)
	if len(got) != 1 || got[0].Answer != "2" {
		t.Errorf("question similarity: %+v", got)
	}
	// Two best, most similar last: both "what color is the" questions.
	got = s.Select("What color is the kite?", nil, 2)
	if len(got) != 2 || got[1].Answer != "blue" || got[0].Answer != "red" {
		t.Errorf("question similarity k=2: %+v", got)
	}
	// Captions break the tie between the two colour questions.
	s2, _ := NewSelector(pool, QuestionCaptionSimilarity, nil)
	got = s2.Select("What color is it?", []string{"a red bus on a street"}, 1)
	if got[0].Answer != "red" {
		t.Errorf("question+caption: %+v", got)
	}
	got = s2.Select("What color is it?", []string{"a dog in a park"}, 1)
	if got[0].Answer != "blue" {
		t.Errorf("question+caption: %+v", got)
	}
	r1, _ := NewSelector(pool, Random, rand.New(rand.NewPCG(1, 2)))
	r2, _ := NewSelector(pool, Random, rand.New(rand.NewPCG(1, 2)))
	a, b := r1.Select("x", nil, 3), r2.Select("x", nil, 3)
	if len(a) != 3 || !slices.EqualFunc(a, b, func(x, y Example) bool { return x.Answer == y.Answer }) {
		t.Errorf("random: %v vs %v", a, b)
	}
	if got := s.Select("x", nil, 10); len(got) != 4 {
		t.Errorf("k beyond pool: %d", len(got))
	}
	if _, err := NewSelector(pool, Random, nil); err == nil {
		t.Error("random without rng: no error")
	}
	if _, err := NewSelector(pool, "nearest", nil); err == nil {
		t.Error("unknown method: no error")
	}
}

func TestCaptionFile(t *testing.T) {
	t.Parallel()
	in := `{"image_id": 7, "strategy": "greedy", "captions": ["a train"]}

{"image_id": 7, "strategy": "beam5", "captions": ["a red train", "a train"]}
{"image_id": 7, "strategy": "greedy", "captions": ["a train", "a bell"]}
{"image_id": 9, "captions": ["coco caption"]}
{"image_id": 7, "question_id": 7000, "strategy": "greedy", "captions": ["for the question"]}
`
	c, err := ReadCaptions(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Strategies(); !slices.Equal(got, []string{"", "beam5", "greedy"}) {
		t.Errorf("strategies %q", got)
	}
	ctx := context.Background()
	if got, _ := c.Caption(ctx, Image{ID: 7}, Decoding{}); !slices.Equal(got, []string{"a train", "a bell"}) {
		t.Errorf("greedy: %q", got)
	}
	if got, _ := c.Caption(ctx, Image{ID: 7}, Decoding{Strategy: Beam}); !slices.Equal(got, []string{"a red train", "a train"}) {
		t.Errorf("beam: %q", got)
	}
	if got, _ := c.Caption(ctx, Image{ID: 9}, Decoding{Strategy: Beam}); !slices.Equal(got, []string{"coco caption"}) {
		t.Errorf("fallback to no strategy: %q", got)
	}
	if got, ok := c.Lookup(7000, 7, "greedy"); !ok || got[0] != "for the question" {
		t.Errorf("per question: %q", got)
	}
	if _, err := c.Caption(ctx, Image{ID: 1}, Decoding{}); err == nil {
		t.Error("unknown image: no error")
	}
	if _, err := ReadCaptions(strings.NewReader("{\"captions\": []}\n")); err == nil {
		t.Error("no id: no error")
	}
	if _, err := ReadCaptions(strings.NewReader("{not json\n")); err == nil {
		t.Error("bad json: no error")
	}
}

func TestHTTPCaptioner(t *testing.T) {
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer k3y" {
			http.Error(w, "bad request k3y", 400)
			return
		}
		var b map[string]any
		json.NewDecoder(r.Body).Decode(&b)
		bodies = append(bodies, b)
		reply := "A dog."
		if len(bodies) == 3 {
			reply = "A cat." // the second top-p request
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": " " + reply + "\n"}}}})
	}))
	defer srv.Close()
	png := []byte("\x89PNG\r\n\x1a\n0000")
	client := func(key string) *openai.Client {
		cl, err := openai.New(openai.WithBaseURL(srv.URL+"/v1"), openai.WithModel("llava"), openai.WithAPIKey(key), openai.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	c := &HTTPCaptioner{Client: client("k3y"), Extra: map[string]any{"repeat_penalty": 1.0}}
	ctx := context.Background()
	got, err := c.Caption(ctx, Image{ID: 3, Data: png}, Decoding{})
	if err != nil || !slices.Equal(got, []string{"A dog."}) {
		t.Fatalf("greedy: %q %v", got, err)
	}
	b := bodies[0]
	if b["temperature"] != 0.0 || b["max_tokens"] != 30.0 || b["model"] != "llava" || b["repeat_penalty"] != 1.0 {
		t.Errorf("body %v", b)
	}
	content := b["messages"].([]any)[0].(map[string]any)["content"].([]any)
	img := content[1].(map[string]any)["image_url"].(map[string]any)["url"]
	if content[0].(map[string]any)["text"] != DefaultCaptionPrompt || img != "data:image/png;base64,iVBORw0KGgowMDAw" {
		t.Errorf("content %v", content)
	}
	got, err = c.Caption(ctx, Image{ID: 3, Data: png}, Decoding{Strategy: TopP, TopP: 0.8, Captions: 3, Seed: 5})
	if err != nil || !slices.Equal(got, []string{"A dog.", "A cat."}) {
		t.Fatalf("top-p: %q %v", got, err)
	}
	if len(bodies) != 4 || bodies[1]["top_p"] != 0.8 || bodies[1]["seed"] != 5.0 || bodies[3]["seed"] != 7.0 || bodies[1]["temperature"] != 1.0 {
		t.Errorf("top-p bodies %v", bodies[1:])
	}
	if _, err := c.Caption(ctx, Image{ID: 3, Data: png}, Decoding{Strategy: Beam}); !errors.Is(err, prompt.ErrUnsupported) {
		t.Errorf("beam: %v", err)
	}
	c.Client = client("wrong")
	_, err = c.Caption(ctx, Image{ID: 3, Data: png}, Decoding{})
	if err == nil || strings.Contains(err.Error(), "wrong") || !strings.Contains(err.Error(), "400") {
		t.Errorf("bad key: %v", err)
	}
}
