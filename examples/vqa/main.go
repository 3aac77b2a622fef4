// Command vqa runs the VQA pipeline of Tan and Shen, "Tackling VQA with
// Pretrained Foundation Models without Further Training" (2023), on the
// shipped VQA v2 subset (../shared/data/vqav2-subset): a frozen language
// model answers each question from textual descriptions of the image
// (captions made under a decoding strategy), a few in-context examples and
// the question, scored with the official VQA accuracy.
//
// The subset ships questions and ten human answers, no images and no
// captions, so by default only the blind baseline runs: the most frequent
// answer of the question's type in the training pool (prompt/vqa.Prior),
// the floor every captioning method must beat. The training pool is the
// subset's valid split (8,977 questions; the course repository's train
// split is not copied); the scores are on its test split (2,962).
//
// With -llm URL (an OpenAI-compatible completion server) the language
// model answers too: without captions (a question-only LLM row), and with
// captions for each decoding strategy, from -captions FILE (JSON Lines,
// prompt/vqa.CaptionRecord: one row per strategy in the file) or from
// -captioner URL (a vision-capable OpenAI-compatible server, with the COCO
// train2014 images in -images DIR; one row per -strategies entry).
//
//	go run ./examples/vqa                                   # blind baseline, seconds
//	go run ./examples/vqa -llm http://localhost:8080 -captions caps.jsonl -shots 4 -select question
//	go run ./examples/vqa -llm http://localhost:8080 -captioner http://localhost:8081 -images coco/train2014 -limit 200
//
// Progress goes to stderr; the tables to stdout; with -json the last line
// of stdout is one JSON object with every row.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/prompt/openai"
	"github.com/cairn-ml/cairn/prompt/vqa"
)

type config struct {
	dir, llm, model, captions, captioner, capModel, images, strategies, selectM string
	limit, pool, shots, nCaptions                                               int
	seed                                                                        uint64
	json                                                                        bool
}

// row is one method's scores.
type row struct {
	Name           string             `json:"name"`
	N              int                `json:"n"`
	Missing        int                `json:"missing_captions,omitempty"`
	Overall        float64            `json:"overall"`
	ByAnswerType   map[string]float64 `json:"by_answer_type"`
	ByQuestionType map[string]float64 `json:"by_question_type"`
	QuestionTypeN  map[string]int     `json:"question_type_n"`
}

type result struct {
	Test  int   `json:"test_questions"`
	Pool  int   `json:"pool_questions"`
	Shots int   `json:"shots"`
	Rows  []row `json:"rows"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "vqa:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("vqa", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.dir, "data", filepath.Join(data.Dir(), "vqav2-subset"), "directory with vqa_{questions,annotatons}_{valid,test}.json.gz")
	fs.IntVar(&c.limit, "limit", 0, "score only the first n test questions (0: all)")
	fs.IntVar(&c.pool, "pool", 0, "use only the first n pool (valid) questions for the prior and the examples (0: all; with -captioner: 100)")
	fs.StringVar(&c.llm, "llm", "", "base URL of an OpenAI-compatible completion server that answers (empty: blind baseline only)")
	fs.StringVar(&c.model, "model", "", "model name sent to the -llm server")
	fs.StringVar(&c.captions, "captions", "", "JSON Lines captions file (image_id, strategy, captions)")
	fs.StringVar(&c.captioner, "captioner", "", "base URL of a vision-capable OpenAI-compatible server that captions")
	fs.StringVar(&c.capModel, "captioner-model", "", "model name sent to the -captioner server")
	fs.StringVar(&c.images, "images", "", "directory of COCO train2014 images (COCO_train2014_%012d.jpg) for -captioner")
	fs.StringVar(&c.strategies, "strategies", "greedy,top-p", "decoding strategies of -captioner, comma-separated (greedy, top-k, top-p; beam and contrastive need a cairn model)")
	fs.IntVar(&c.nCaptions, "n-captions", 3, "captions per image for the sampling strategies of -captioner")
	fs.IntVar(&c.shots, "shots", 4, "in-context examples per prompt")
	fs.StringVar(&c.selectM, "select", "question", "example selection: random, question or question+caption")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of random selection and sampling")
	fs.BoolVar(&c.json, "json", false, "print the rows as one JSON object on the last line")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.captions != "" && c.captioner != "" {
		return c, errors.New("give -captions or -captioner, not both")
	}
	if (c.captions != "" || c.captioner != "") && c.llm == "" {
		return c, errors.New("captions need an answering model: give -llm")
	}
	if c.captioner != "" && c.images == "" {
		return c, errors.New("-captioner needs -images")
	}
	if c.captioner != "" && c.pool == 0 {
		c.pool = 100
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	test, err := vqa.ReadQuestions(filepath.Join(c.dir, "vqa_questions_test.json.gz"), filepath.Join(c.dir, "vqa_annotatons_test.json.gz"))
	if err != nil {
		return err
	}
	pool, err := vqa.ReadQuestions(filepath.Join(c.dir, "vqa_questions_valid.json.gz"), filepath.Join(c.dir, "vqa_annotatons_valid.json.gz"))
	if err != nil {
		return err
	}
	if c.limit > 0 && c.limit < len(test) {
		test = test[:c.limit]
	}
	if c.pool > 0 && c.pool < len(pool) {
		pool = pool[:c.pool]
	}
	res := result{Test: len(test), Pool: len(pool), Shots: c.shots}

	prior := vqa.NewPrior(pool)
	preds := make([]string, len(test))
	for i, q := range test {
		preds[i] = prior.Answer(q.Question)
	}
	res.Rows = append(res.Rows, score("blind prior", test, preds, 0))

	if c.llm != "" {
		rows, err := llmRows(ctx, c, test, pool, stderr)
		res.Rows = append(res.Rows, rows...)
		if err != nil {
			printTables(stdout, res)
			return err
		}
	}
	printTables(stdout, res)
	if c.json {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

func score(name string, qs []vqa.Question, preds []string, missing int) row {
	items := make([]metrics.VQAItem, len(qs))
	for i, q := range qs {
		items[i] = metrics.VQAItem{Pred: preds[i], Answers: q.Answers, QuestionType: q.QuestionType, AnswerType: q.AnswerType}
	}
	e := metrics.EvalVQA(items, metrics.VQAOfficial)
	return row{Name: name, N: e.N, Missing: missing, Overall: e.Overall, ByAnswerType: e.ByAnswerType, ByQuestionType: e.ByQuestionType, QuestionTypeN: e.QuestionTypeN}
}

// captionSource gives the captions of a question under one strategy.
type captionSource func(ctx context.Context, q vqa.Question) ([]string, bool, error)

func llmRows(ctx context.Context, c config, test, pool []vqa.Question, stderr io.Writer) ([]row, error) {
	lm, err := openai.New(openai.WithBaseURL(c.llm), openai.WithModel(c.model))
	if err != nil {
		return nil, err
	}
	type strat struct {
		name string
		src  captionSource
	}
	strats := []strat{{"llm, no captions", func(context.Context, vqa.Question) ([]string, bool, error) { return nil, true, nil }}}
	switch {
	case c.captions != "":
		f, err := vqa.ReadCaptionFile(c.captions)
		if err != nil {
			return nil, err
		}
		for _, s := range f.Strategies() {
			name := "llm, captions " + s
			if s == "" {
				name = "llm, captions"
			}
			strats = append(strats, strat{name, func(_ context.Context, q vqa.Question) ([]string, bool, error) {
				t, ok := f.Lookup(q.ID, q.ImageID, s)
				return t, ok, nil
			}})
		}
	case c.captioner != "":
		cl, err := openai.New(openai.WithBaseURL(c.captioner), openai.WithModel(c.capModel))
		if err != nil {
			return nil, err
		}
		hc := &vqa.HTTPCaptioner{Client: cl}
		for _, s := range strings.Split(c.strategies, ",") {
			d := vqa.Decoding{Strategy: vqa.Strategy(strings.TrimSpace(s)), Captions: c.nCaptions, Seed: c.seed}
			cache := map[int64][]string{}
			strats = append(strats, strat{"llm, captions " + d.Name(), func(ctx context.Context, q vqa.Question) ([]string, bool, error) {
				if t, ok := cache[q.ImageID]; ok {
					return t, true, nil
				}
				b, err := os.ReadFile(filepath.Join(c.images, fmt.Sprintf("COCO_train2014_%012d.jpg", q.ImageID)))
				if err != nil {
					return nil, false, err
				}
				t, err := hc.Caption(ctx, vqa.Image{ID: q.ImageID, Data: b, MIME: "image/jpeg"}, d)
				if err != nil {
					return nil, false, err
				}
				cache[q.ImageID] = t
				return t, true, nil
			}})
		}
	}
	var rows []row
	for _, s := range strats {
		// The pool: questions whose captions exist under this strategy.
		var examples []vqa.Example
		for _, q := range pool {
			t, ok, err := s.src(ctx, q)
			if err != nil {
				return rows, err
			}
			if ok {
				examples = append(examples, vqa.Example{Captions: t, Question: q.Question, Answer: q.Answer})
			}
		}
		sel, err := vqa.NewSelector(examples, vqa.Method(c.selectM), rand.New(rand.NewPCG(c.seed, 0)))
		if err != nil {
			return rows, err
		}
		preds := make([]string, len(test))
		missing := 0
		for i, q := range test {
			t, ok, err := s.src(ctx, q)
			if err != nil {
				return rows, err
			}
			if !ok {
				missing++
			}
			p := vqa.Prompt(sel.Select(q.Question, t, c.shots), t, q.Question)
			a, _, err := vqa.Answer(ctx, lm, p)
			if err != nil {
				return rows, err
			}
			preds[i] = a
			if (i+1)%100 == 0 {
				fmt.Fprintf(stderr, "%s: %d/%d\n", s.name, i+1, len(test))
			}
		}
		rows = append(rows, score(s.name, test, preds, missing))
	}
	return rows, nil
}

var _ prompt.LM = (*openai.Client)(nil)

func printTables(w io.Writer, r result) {
	fmt.Fprintf(w, "VQA accuracy (official metric, %%) on %d test questions; pool %d questions; %d shots\n\n", r.Test, r.Pool, r.Shots)
	fmt.Fprintf(w, "| method | n | overall | yes/no | number | other |\n|---|---|---|---|---|---|\n")
	for _, x := range r.Rows {
		miss := ""
		if x.Missing > 0 {
			miss = fmt.Sprintf(" (%d without captions)", x.Missing)
		}
		fmt.Fprintf(w, "| %s%s | %d | %.2f | %.2f | %.2f | %.2f |\n", x.Name, miss, x.N, x.Overall,
			x.ByAnswerType["yes/no"], x.ByAnswerType["number"], x.ByAnswerType["other"])
	}
	if len(r.Rows) == 0 {
		return
	}
	types := make([]string, 0, len(r.Rows[0].ByQuestionType))
	for t := range r.Rows[0].ByQuestionType {
		types = append(types, t)
	}
	sort.Strings(types)
	fmt.Fprintf(w, "\nBy question type\n\n| question type | n |")
	for _, x := range r.Rows {
		fmt.Fprintf(w, " %s |", x.Name)
	}
	fmt.Fprintf(w, "\n|---|---|%s\n", strings.Repeat("---|", len(r.Rows)))
	for _, t := range types {
		fmt.Fprintf(w, "| %s | %d |", t, r.Rows[0].QuestionTypeN[t])
		for _, x := range r.Rows {
			fmt.Fprintf(w, " %.2f |", x.ByQuestionType[t])
		}
		fmt.Fprintln(w)
	}
}
