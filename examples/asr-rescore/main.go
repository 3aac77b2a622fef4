// Command asr-rescore prints the word error rates of the methods of Yang et
// al., "Generative Speech Recognition Error Correction with Large Language
// Models and Task-Activating Prompting" (ASRU 2023), on the HyPoradise ATIS
// test N-best lists (809 utterances, 5-best from Whisper, with first-pass
// scores):
//
//   - the first pass (each utterance's top hypothesis) and the 5-best oracle;
//   - n-gram rescoring: a 4-gram interpolated Kneser-Ney model trained on
//     the references of train_atis (without a held-out dev part), combined
//     as am + λ·lm + β·|words| with λ and β tuned by grid search on the dev
//     part, never on the test set;
//   - generative correction with each prompting scheme of the paper
//     (zero-shot, domain hint, step-by-step reasoning, k-shot one by one,
//     k-shot in one running conversation, task-activating prompting) through
//     the chosen language model, with prompt/asr's hallucination guard
//     (a reply that parses to nothing or differs from the top hypothesis
//     by a WER above -maxwer falls back to the n-gram rescoring pick);
//   - a trained corrector: a small T5 encoder-decoder trained from scratch
//     on train_atis N-best lists rendered with the H2T template → their
//     references, with a byte-level BPE tokenizer trained on the same text,
//     decoded greedily, with the same guard.
//
// Without -llm the language model is the embedded n-gram model, whose Chat
// is a "rescoring responder": it finds the numbered N-best list in the
// prompt and answers with the hypothesis it scores best. That is rescoring
// in a chat costume: it runs every prompting pipeline offline, but every
// scheme gives the same answers, and none of the paper's LLM numbers. With
// -llm URL (an OpenAI-compatible server: llama.cpp, vLLM, Ollama) the
// schemes run on that model through Chat, and an extra row rescores with
// its log-probabilities when the server can Score.
//
//	go run ./examples/asr-rescore                         # everything, offline (13 minutes on one core, mostly the corrector)
//	go run ./examples/asr-rescore -corrector=false        # seconds
//	go run ./examples/asr-rescore -llm http://localhost:8080 -model qwen -limit 100
//
// Progress goes to stderr; the table to stdout; with -json the last line
// of stdout is one JSON object with every row. Ctrl-C stops the run and
// prints the rows finished so far.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/prompt/asr"
	"github.com/cairn-ml/cairn/prompt/ngram"
	"github.com/cairn-ml/cairn/prompt/openai"
	"github.com/cairn-ml/cairn/text"
)

// domain fills the {DOMAIN} of the domain-hint and TAP prompts.
const domain = "airline travel information (ATIS)"

type config struct {
	dir        string
	dev        int
	order      int
	shots      int
	convLen    int
	limit      int
	trainLimit int
	maxWER     float64
	llm        string
	model      string
	maxTokens  int
	corrector  bool
	cEpochs    int
	cDModel    int
	cHeads     int
	cFF        int
	cLayers    int
	cBatch     int
	cLR        float64
	cVocab     int
	seed       uint64
	json       bool
}

// row is one line of the WER table.
type row struct {
	System     string  `json:"system"`
	WER        float64 `json:"wer"`        // corpus WER, %
	UttWER     float64 `json:"utt_wer"`    // mean of the utterances' WERs, %
	RelChange  float64 `json:"rel_change"` // (WER − first pass)/first pass, %
	Sub        int     `json:"sub"`        // substitutions
	Del        int     `json:"del"`        // deletions
	Ins        int     `json:"ins"`        // insertions
	RefWords   int     `json:"ref_words"`  // reference words
	Generative bool    `json:"generative"` // writes text (can fall back)
	Fallbacks  int     `json:"fallbacks"`  // utterances that fell back to the rescoring pick
	Seconds    float64 `json:"seconds"`    // wall time of the row's method
	Note       string  `json:"note,omitempty"`
}

// result is the JSON object printed with -json.
type result struct {
	Test        string          `json:"test"`
	Utterances  int             `json:"utterances"`
	RefWords    int             `json:"ref_words"`
	TrainUtts   int             `json:"train_utterances"`
	DevUtts     int             `json:"dev_utterances"`
	Backend     string          `json:"backend"`
	NGram       ngramInfo       `json:"ngram"`
	Rows        []row           `json:"rows"`
	Corrector   *correctorInfo  `json:"corrector,omitempty"`
	LibriSpeech *librispeechRow `json:"librispeech_test_clean,omitempty"`
	Notes       []string        `json:"notes,omitempty"`
	Interrupted bool            `json:"interrupted,omitempty"`
	Seconds     float64         `json:"seconds"`
}

type ngramInfo struct {
	Order       int     `json:"order"`
	Counts      []int   `json:"counts"`
	Lambda      float64 `json:"lambda"`
	Beta        float64 `json:"beta"`
	DevWER      float64 `json:"dev_wer"`
	DevTop1WER  float64 `json:"dev_top1_wer"`
	RankPenalty float64 `json:"responder_rank_penalty"`
}

type correctorInfo struct {
	Params       int     `json:"params"`
	Vocab        int     `json:"vocab"`
	DModel       int     `json:"d_model"`
	Heads        int     `json:"heads"`
	DFF          int     `json:"d_ff"`
	Layers       int     `json:"layers"`
	Epochs       int     `json:"epochs"`
	Batch        int     `json:"batch"`
	LR           float64 `json:"lr"`
	Steps        int     `json:"steps"`
	FinalLoss    float64 `json:"final_loss"`
	DevGuard     float64 `json:"dev_guard"`
	DevWER       float64 `json:"dev_wer"`
	TrainSeconds float64 `json:"train_seconds"`
}

type librispeechRow struct {
	Utterances int     `json:"utterances"`
	RefWords   int     `json:"ref_words"`
	Top1WER    float64 `json:"top1_wer"`
	OracleWER  float64 `json:"oracle_wer"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "asr-rescore:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("asr-rescore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.dir, "data", filepath.Join(data.Dir(), "hyporadise"), "directory with train_atis.json.gz, test_atis.json.gz and test_ls_clean.json.gz")
	fs.IntVar(&c.dev, "dev", 400, "train_atis utterances held out to tune λ, β and the responder (never trained on)")
	fs.IntVar(&c.order, "order", 4, "n-gram order")
	fs.IntVar(&c.shots, "shots", 3, "demonstrations (from the training part) of the k-shot and TAP prompts")
	fs.IntVar(&c.convLen, "conversation", 10, "test utterances per running conversation of the in-context scheme (then it starts again from the demonstrations)")
	fs.IntVar(&c.limit, "limit", 0, "use only the first n test utterances (0: all 809)")
	fs.IntVar(&c.trainLimit, "train-limit", 0, "use only the first n train_atis utterances, dev part included (0: all 3,964)")
	fs.Float64Var(&c.maxWER, "maxwer", asr.DefaultMaxWER, "hallucination guard: a correction whose WER against the top hypothesis is above this falls back")
	fs.StringVar(&c.llm, "llm", "", "base URL of an OpenAI-compatible server for the prompting rows (empty: the embedded n-gram responder)")
	fs.StringVar(&c.model, "model", "", "model name sent to the -llm server")
	fs.IntVar(&c.maxTokens, "max-tokens", 128, "tokens the -llm server may generate per reply")
	fs.BoolVar(&c.corrector, "corrector", true, "train and run the T5 corrector")
	fs.IntVar(&c.cEpochs, "c-epochs", 10, "corrector training epochs")
	fs.IntVar(&c.cDModel, "c-dmodel", 128, "corrector model size d_model")
	fs.IntVar(&c.cHeads, "c-heads", 4, "corrector attention heads (d_model must be a multiple)")
	fs.IntVar(&c.cFF, "c-ff", 512, "corrector feed-forward size")
	fs.IntVar(&c.cLayers, "c-layers", 2, "corrector encoder blocks and decoder blocks (each)")
	fs.IntVar(&c.cBatch, "c-batch", 8, "corrector batch size")
	fs.Float64Var(&c.cLR, "c-lr", 1.5e-3, "corrector peak learning rate")
	fs.IntVar(&c.cVocab, "c-vocab", 2000, "corrector BPE vocabulary size")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the dev split, the demonstrations and the corrector")
	fs.BoolVar(&c.json, "json", false, "print one JSON object as the last line of stdout")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	case c.dev < 1:
		return c, fmt.Errorf("-dev %d: want at least 1", c.dev)
	case c.order < 1 || c.order > ngram.MaxOrder:
		return c, fmt.Errorf("-order %d: want 1…%d", c.order, ngram.MaxOrder)
	case c.shots < 0 || c.convLen < 1:
		return c, fmt.Errorf("-shots %d must not be negative and -conversation %d must be at least 1", c.shots, c.convLen)
	case c.limit < 0 || c.trainLimit < 0:
		return c, errors.New("-limit and -train-limit must not be negative")
	case !(c.maxWER > 0):
		return c, fmt.Errorf("-maxwer %v: want a positive value", c.maxWER)
	case c.maxTokens < 1:
		return c, fmt.Errorf("-max-tokens %d: want at least 1", c.maxTokens)
	}
	switch {
	case c.cEpochs < 1 || c.cBatch < 1 || c.cLayers < 1 || c.cHeads < 1 || c.cFF < 1:
		return c, errors.New("-c-epochs, -c-batch, -c-layers, -c-heads and -c-ff must be at least 1")
	case c.cDModel < 1 || c.cDModel%c.cHeads != 0:
		return c, fmt.Errorf("-c-dmodel %d must be a positive multiple of -c-heads %d", c.cDModel, c.cHeads)
	case !(c.cLR > 0):
		return c, fmt.Errorf("-c-lr %v: want a positive value", c.cLR)
	case c.cVocab < 260:
		return c, fmt.Errorf("-c-vocab %d: want at least 260 (the 256 bytes and the special tokens)", c.cVocab)
	}
	return c, nil
}

// experiment holds what the rows share.
type experiment struct {
	ctx             context.Context
	cfg             config
	train, dev      []asr.Utterance
	test            []asr.Utterance
	refs            []string
	top1            *metrics.WEREval
	lm              *ngram.Model
	rescorePicks    []int // test picks of n-gram rescoring: the fallback of the generative rows
	devPicks        []int // the same on dev, with the weights tuned there
	stderr          io.Writer
	res             *result
	demos           []prompt.Demo
	tapReplies      [3]string
	chat            prompt.LM // the backend of the prompting rows
	parse           func(string) string
	gen             prompt.GenOptions
	schemesNoteOnce sync.Once
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	e := &experiment{ctx: ctx, cfg: cfg, stderr: stderr, res: &result{Test: "test_atis"}}
	err = e.load()
	if err == nil {
		err = e.runAll()
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	e.res.Interrupted = err != nil
	e.res.Seconds = time.Since(start).Seconds()
	e.print(stdout)
	if cfg.json {
		b, jerr := json.Marshal(e.res)
		if jerr != nil {
			return jerr
		}
		fmt.Fprintln(stdout, string(b))
	}
	if err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	return nil
}

// load reads the N-best lists and splits train_atis into the training and
// dev parts.
func (e *experiment) load() error {
	cfg := e.cfg
	all, err := asr.ReadFile(filepath.Join(cfg.dir, "train_atis.json.gz"))
	if err != nil {
		return err
	}
	test, err := asr.ReadFile(filepath.Join(cfg.dir, "test_atis.json.gz"))
	if err != nil {
		return err
	}
	if cfg.trainLimit > 0 && cfg.trainLimit < len(all) {
		all = all[:cfg.trainLimit]
	}
	if cfg.limit > 0 && cfg.limit < len(test) {
		test = test[:cfg.limit]
	}
	if cfg.dev >= len(all) {
		return fmt.Errorf("-dev %d: only %d training utterances", cfg.dev, len(all))
	}
	if cfg.shots > len(all)-cfg.dev {
		return fmt.Errorf("-shots %d: only %d training utterances", cfg.shots, len(all)-cfg.dev)
	}
	e.dev, e.train = asr.DevSplit(all, cfg.dev, rand.New(rand.NewPCG(cfg.seed, 0xde5)))
	e.test, e.refs = test, asr.Refs(test)
	// A reply that is one of the hypotheses word for word is taken as it
	// is, so that picking a hypothesis scores as it does in the rescoring
	// rows; any other reply goes through ParseTranscription.
	hyps := map[string]bool{}
	for _, u := range append(slices.Clip(test), e.dev...) {
		for _, h := range u.Hyps {
			hyps[h] = true
		}
	}
	e.parse = func(s string) string {
		if t := strings.TrimSpace(s); hyps[t] {
			return t
		}
		t, _ := prompt.ParseTranscription(s)
		return t
	}
	e.res.Utterances, e.res.TrainUtts, e.res.DevUtts = len(test), len(e.train), len(e.dev)
	fmt.Fprintf(e.stderr, "ATIS: %d test utterances; train_atis %d for training, %d held out as dev\n", len(test), len(e.train), len(e.dev))
	return nil
}

// add scores outputs as a row of the table and reports it on stderr.
func (e *experiment) add(system string, outputs []string, fallbacks int, generative bool, secs float64, note string) (*metrics.WEREval, error) {
	w, err := metrics.EvalWER(e.refs, outputs, nil)
	if err != nil {
		return nil, err
	}
	r := row{System: system, WER: 100 * w.WER(), UttWER: 100 * w.UtteranceWER(), Sub: w.Total.Sub, Del: w.Total.Del, Ins: w.Total.Ins,
		RefWords: w.Total.Ref, Generative: generative, Fallbacks: fallbacks, Seconds: secs, Note: note}
	if e.top1 != nil {
		r.RelChange = 100 * (w.WER() - e.top1.WER()) / e.top1.WER()
	}
	e.res.Rows = append(e.res.Rows, r)
	fmt.Fprintf(e.stderr, "%s: WER %.2f%% (%.1fs)\n", system, r.WER, secs)
	return w, nil
}

func (e *experiment) runAll() error {
	// First pass and oracle.
	top1 := asr.Picked(e.test, make([]int, len(e.test)))
	w, err := e.add("first pass (top-1)", top1, 0, false, 0, "")
	if err != nil {
		return err
	}
	e.top1 = w
	e.res.RefWords = w.Total.Ref
	nb := make([][]string, len(e.test))
	for i, u := range e.test {
		nb[i] = u.Hyps
	}
	o, err := metrics.EvalOracle(e.refs, nb, nil)
	if err != nil {
		return err
	}
	// Generated text passes through ParseTranscription, which also
	// normalises (hyphens to spaces, no "$"); say what that alone does.
	parsed := make([]string, len(top1))
	for i, h := range top1 {
		parsed[i], _ = prompt.ParseTranscription(h)
	}
	if p, err := metrics.EvalWER(e.refs, parsed, nil); err == nil && p.Total != w.Total {
		e.res.Notes = append(e.res.Notes, fmt.Sprintf("generative outputs that are not one of the hypotheses word for word are normalised by prompt.ParseTranscription (lower case, punctuation removed, hyphens to spaces), which would take the first pass from %.2f%% to %.2f%%", 100*w.WER(), 100*p.WER()))
	}
	e.res.Rows = append(e.res.Rows, row{System: "5-best oracle", WER: 100 * o.WER(), UttWER: 100 * o.UtteranceWER(),
		RelChange: 100 * (o.WER() - w.WER()) / w.WER(), Sub: o.Total.Sub, Del: o.Total.Del, Ins: o.Total.Ins, RefWords: o.Total.Ref,
		Note: "lower bound of any rescoring"})
	if err := e.rescoring(); err != nil {
		return err
	}
	if err := e.backend(); err != nil {
		return err
	}
	if err := e.schemes(); err != nil {
		return err
	}
	if e.cfg.corrector {
		if err := e.trainedCorrector(); err != nil {
			return err
		}
	}
	return e.librispeech()
}

// rescoring trains the n-gram model on the training part's references,
// tunes λ and β on the dev part and rescores the test set.
func (e *experiment) rescoring() error {
	t0 := time.Now()
	sents := make([][]string, len(e.train))
	for i, u := range e.train {
		sents[i] = strings.Fields(u.Ref)
	}
	lm, err := ngram.Train(sents, e.cfg.order, ngram.Options{})
	if err != nil {
		return err
	}
	lm.EndOfSentence = true // score whole sentences: p(</s>) counts
	e.lm = lm
	e.res.NGram.Order, e.res.NGram.Counts = lm.Order(), lm.Counts()
	devLM, err := asr.ScoreLM(e.ctx, lm, e.dev, asr.LMOptions{})
	if err != nil {
		return err
	}
	// am scores are length-normalised log-probabilities (−0.08…−1.4),
	// lm scores sentence log-probabilities in nats (tens), so λ is small.
	var lambdas, betas []float64
	for i := 0; i <= 40; i++ {
		lambdas = append(lambdas, 0.0025*float64(i))
	}
	for i := 5; i <= 20; i++ {
		lambdas = append(lambdas, 0.025*float64(i))
	}
	for i := -20; i <= 40; i++ {
		betas = append(betas, 0.005*float64(i))
	}
	wts, devWER := asr.GridSearch(e.dev, devLM, lambdas, betas, nil)
	dev0, err := metrics.EvalWER(asr.Refs(e.dev), asr.Picked(e.dev, make([]int, len(e.dev))), nil)
	if err != nil {
		return err
	}
	e.res.NGram.Lambda, e.res.NGram.Beta, e.res.NGram.DevWER, e.res.NGram.DevTop1WER = wts.LM, wts.Length, 100*devWER, 100*dev0.WER()
	fmt.Fprintf(e.stderr, "%d-gram KN on %d references (%v n-grams); dev: top-1 %.2f%%, rescored %.2f%% at λ=%g β=%g\n",
		lm.Order(), len(sents), lm.Counts(), 100*dev0.WER(), 100*devWER, wts.LM, wts.Length)
	if wts.LM == lambdas[len(lambdas)-1] || wts.Length == betas[0] || wts.Length == betas[len(betas)-1] {
		e.res.Notes = append(e.res.Notes, fmt.Sprintf("n-gram weights at the edge of the grid (λ=%g, β=%g)", wts.LM, wts.Length))
	}
	e.devPicks = asr.Rescore(e.dev, devLM, wts)
	testLM, err := asr.ScoreLM(e.ctx, lm, e.test, asr.LMOptions{})
	if err != nil {
		return err
	}
	e.rescorePicks = asr.Rescore(e.test, testLM, wts)
	_, err = e.add(fmt.Sprintf("%d-gram rescoring", lm.Order()), asr.Picked(e.test, e.rescorePicks), 0, false, time.Since(t0).Seconds(),
		fmt.Sprintf("λ=%g β=%g tuned on dev", wts.LM, wts.Length))
	return err
}

// backend sets up the language model of the prompting rows: the -llm
// server, or the n-gram responder with its rank penalty tuned on dev.
func (e *experiment) backend() error {
	rng := rand.New(rand.NewPCG(e.cfg.seed, 0xd3a0))
	for _, i := range rng.Perm(len(e.train))[:e.cfg.shots] {
		e.demos = append(e.demos, prompt.Demo{NBest: e.train[i].Hyps, Ref: e.train[i].Ref})
	}
	if e.cfg.llm == "" {
		// The responder sees only the list, not the first-pass scores:
		// RankPenalty·(rank−1) stands in for them (the spec's am = −rank).
		best, bestWER := 0.0, math.Inf(1)
		for _, rp := range []float64{0, 0.5, 1, 2, 3, 4, 6, 8, 12, 16} {
			lm := *e.lm
			lm.RankPenalty = rp
			c, err := asr.Correct(e.ctx, &lm, e.dev, asr.CorrectOptions{Messages: msgs(prompt.ZeroShot), Parse: e.parse, MaxWER: e.cfg.maxWER})
			if err != nil {
				return err
			}
			w, err := metrics.EvalWER(asr.Refs(e.dev), c.Outputs, nil)
			if err != nil {
				return err
			}
			if w.WER() < bestWER {
				best, bestWER = rp, w.WER()
			}
		}
		lm := *e.lm
		lm.RankPenalty = best
		e.chat = &lm
		e.res.NGram.RankPenalty = best
		e.tapReplies = prompt.CannedTAPReplies()
		e.res.Backend = fmt.Sprintf("n-gram rescoring responder (%d-gram, rank penalty %g tuned on dev: dev WER %.2f%%)", e.lm.Order(), best, 100*bestWER)
		e.res.Notes = append(e.res.Notes, "the n-gram responder is a rescorer in a chat costume: it answers every prompt with the hypothesis of the prompt's last numbered list that it scores best, so all prompting schemes give the same output; the paper's LLM numbers need a real LLM (-llm)")
		fmt.Fprintln(e.stderr, "backend:", e.res.Backend)
		return nil
	}
	c, err := openai.New(openai.WithBaseURL(e.cfg.llm), openai.WithModel(e.cfg.model))
	if err != nil {
		return err
	}
	e.chat = c
	e.gen = prompt.GenOptions{MaxTokens: e.cfg.maxTokens}
	e.res.Backend = "OpenAI-compatible server " + e.cfg.llm
	if c.Model() != "" {
		e.res.Backend += " model " + c.Model()
	}
	fmt.Fprintln(e.stderr, "backend:", e.res.Backend)
	e.tapReplies, err = prompt.TAPReplies(e.ctx, c, e.gen)
	if err != nil {
		return fmt.Errorf("TAP's first three questions: %w", err)
	}
	return e.llmRescoring(c)
}

// llmRescoring rescores with the server's log-probabilities, λ and β tuned
// on dev, if the server can Score.
func (e *experiment) llmRescoring(c *openai.Client) error {
	t0 := time.Now()
	progress := func(what string) func(int, int) {
		return func(done, total int) {
			if done%50 == 0 || done == total {
				fmt.Fprintf(e.stderr, "\rLLM scoring %s %d/%d", what, done, total)
				if done == total {
					fmt.Fprintln(e.stderr)
				}
			}
		}
	}
	devLM, err := asr.ScoreLM(e.ctx, c, e.dev, asr.LMOptions{Prefix: "\n", Progress: progress("dev")})
	if errors.Is(err, prompt.ErrUnsupported) {
		note := "LLM rescoring skipped: the server gives no prompt log-probabilities (" + err.Error() + ")"
		e.res.Notes = append(e.res.Notes, note)
		fmt.Fprintln(e.stderr, note)
		return nil
	}
	if err != nil {
		return err
	}
	var lambdas, betas []float64
	for i := 0; i <= 40; i++ {
		lambdas = append(lambdas, 0.0025*float64(i))
	}
	for i := -10; i <= 10; i++ {
		betas = append(betas, 0.005*float64(i))
	}
	wts, _ := asr.GridSearch(e.dev, devLM, lambdas, betas, nil)
	testLM, err := asr.ScoreLM(e.ctx, c, e.test, asr.LMOptions{Prefix: "\n", Progress: progress("test")})
	if err != nil {
		return err
	}
	_, err = e.add("LLM rescoring", asr.Picked(e.test, asr.Rescore(e.test, testLM, wts)), 0, false, time.Since(t0).Seconds(),
		fmt.Sprintf("λ=%g β=%g tuned on dev", wts.LM, wts.Length))
	return err
}

// msgs adapts a prompt builder of an N-best list to CorrectOptions.Messages.
func msgs(f func([]string) []prompt.Message) func(asr.Utterance) ([]prompt.Message, error) {
	return func(u asr.Utterance) ([]prompt.Message, error) { return f(u.Hyps), nil }
}

// conversation is the backend of the in-context scheme: each reply is
// recorded in the running conversation, which starts again from the
// demonstrations every n utterances.
type conversation struct {
	prompt.LM
	demos []prompt.Demo
	n     int
	asked int
	ic    *prompt.InContext
}

func (c *conversation) messages(u asr.Utterance) ([]prompt.Message, error) {
	if c.asked%c.n == 0 {
		c.ic = prompt.NewInContext(c.demos)
	}
	c.asked++
	return c.ic.Ask(u.Hyps), nil
}

func (c *conversation) Chat(ctx context.Context, m []prompt.Message, o prompt.GenOptions) (string, error) {
	r, err := c.LM.Chat(ctx, m, o)
	if err == nil {
		c.ic.Answer(r)
	}
	return r, err
}

// schemes runs generative correction with every prompting scheme.
func (e *experiment) schemes() error {
	conv := &conversation{LM: e.chat, demos: e.demos, n: e.cfg.convLen}
	k := len(e.demos)
	type scheme struct {
		name string
		lm   prompt.LM
		msgs func(asr.Utterance) ([]prompt.Message, error)
	}
	list := []scheme{
		{"zero-shot", e.chat, msgs(prompt.ZeroShot)},
		{"zero-shot + domain hint", e.chat, msgs(func(h []string) []prompt.Message { return prompt.ZeroShotDomain(domain, h) })},
		{"zero-shot + reasoning", e.chat, msgs(prompt.ZeroShotReasoning)},
		{fmt.Sprintf("%d-shot one by one", k), e.chat, msgs(func(h []string) []prompt.Message { return prompt.FewShot(e.demos, h) })},
		{fmt.Sprintf("%d-shot in context", k), conv, conv.messages},
		{fmt.Sprintf("TAP (%d demos)", k), e.chat, msgs(func(h []string) []prompt.Message { return prompt.TAP(e.tapReplies, domain, e.demos, h) })},
	}
	suffix := " [n-gram responder]"
	if e.cfg.llm != "" {
		suffix = " [LLM]"
	}
	for _, s := range list {
		t0 := time.Now()
		c, err := asr.Correct(e.ctx, s.lm, e.test, asr.CorrectOptions{Messages: s.msgs, Parse: e.parse, Gen: e.gen, Fallback: e.rescorePicks,
			MaxWER: e.cfg.maxWER, Progress: e.progress(s.name)})
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if _, err := e.add(s.name+suffix, c.Outputs, c.Fallbacks, true, time.Since(t0).Seconds(), ""); err != nil {
			return err
		}
	}
	return nil
}

// progress reports every 100 utterances of a slow backend on stderr.
func (e *experiment) progress(name string) func(int, int) {
	if e.cfg.llm == "" {
		return nil
	}
	return func(done, total int) {
		if done%20 == 0 || done == total {
			fmt.Fprintf(e.stderr, "\r%s %d/%d", name, done, total)
			if done == total {
				fmt.Fprintln(e.stderr)
			}
		}
	}
}

// trainedCorrector trains the BPE tokenizer and the T5 corrector on the
// training part and corrects the test set with it.
func (e *experiment) trainedCorrector() error {
	cfg := e.cfg
	t0 := time.Now()
	var texts []string
	for _, u := range e.train {
		m, err := asr.H2TMessages(u)
		if err != nil {
			return err
		}
		texts = append(texts, m[0].Content, u.Ref)
	}
	tok, err := text.BPETrainer{VocabSize: cfg.cVocab, SpecialTokens: []string{"<pad>", "</s>"}, AddPrefixSpace: true}.Train(texts)
	if err != nil {
		return err
	}
	cc := asr.DefaultCorrectorConfig()
	cc.Model.DModel, cc.Model.Heads, cc.Model.DKV, cc.Model.DFF = cfg.cDModel, cfg.cHeads, cfg.cDModel/cfg.cHeads, cfg.cFF
	cc.Model.Layers, cc.Model.DecoderLayers = cfg.cLayers, cfg.cLayers
	cc.Epochs, cc.Batch, cc.LR, cc.Seed = cfg.cEpochs, cfg.cBatch, cfg.cLR, cfg.seed
	info := &correctorInfo{Vocab: tok.VocabSize(), DModel: cfg.cDModel, Heads: cfg.cHeads, DFF: cfg.cFF, Layers: cfg.cLayers,
		Epochs: cfg.cEpochs, Batch: cfg.cBatch, LR: cfg.cLR}
	var recent []float64
	last := time.Now()
	cc.Progress = func(p asr.CorrectorProgress) {
		recent = append(recent, p.Loss)
		if len(recent) > 50 {
			recent = recent[1:]
		}
		info.Steps = p.Step
		if p.Step == p.Steps || time.Since(last) > 10*time.Second {
			last = time.Now()
			el := time.Since(t0).Seconds()
			fmt.Fprintf(e.stderr, "corrector: epoch %d step %d/%d loss %.3f (%.0fs, ~%.0fs left)\n", p.Epoch, p.Step, p.Steps, mean(recent),
				el, el/float64(p.Step)*float64(p.Steps-p.Step))
		}
	}
	fmt.Fprintf(e.stderr, "corrector: BPE vocabulary %d; training a T5 (d_model %d, %d+%d blocks, d_ff %d) for %d epochs on %d pairs\n",
		tok.VocabSize(), cfg.cDModel, cfg.cLayers, cfg.cLayers, cfg.cFF, cfg.cEpochs, len(e.train))
	cor, err := asr.TrainCorrector(e.ctx, e.train, tok, cc)
	if err != nil {
		return err
	}
	info.Params, info.FinalLoss, info.TrainSeconds = nn.NumParams(cor.Model), mean(recent), time.Since(t0).Seconds()
	e.res.Corrector = info
	// The guard: -maxwer, and the one of guardGrid with the lowest WER on
	// dev (falling back there to the rescoring picks of dev, whose weights
	// were tuned on dev itself). Replies are cached, so each utterance is
	// decoded once.
	lm := &cached{LM: cor, replies: map[string]string{}}
	t1 := time.Now()
	bestGuard, bestWER := 0.0, math.Inf(1)
	for _, g := range guardGrid {
		c, err := asr.Correct(e.ctx, lm, e.dev, asr.CorrectOptions{Messages: asr.H2TMessages, Parse: e.parse, Fallback: e.devPicks, MaxWER: g})
		if err != nil {
			return fmt.Errorf("corrector on dev: %w", err)
		}
		w, err := metrics.EvalWER(asr.Refs(e.dev), c.Outputs, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "corrector on dev, guard %g: WER %.2f%% (%d fallbacks)\n", g, 100*w.WER(), c.Fallbacks)
		if w.WER() < bestWER {
			bestGuard, bestWER = g, w.WER()
		}
	}
	info.DevGuard, info.DevWER = bestGuard, 100*bestWER
	for _, g := range []float64{cfg.maxWER, bestGuard} {
		c, err := asr.Correct(e.ctx, lm, e.test, asr.CorrectOptions{Messages: asr.H2TMessages, Parse: e.parse, Fallback: e.rescorePicks, MaxWER: g})
		if err != nil {
			return fmt.Errorf("corrector: %w", err)
		}
		name := fmt.Sprintf("H2T corrector, guard %g", g)
		if g == bestGuard {
			name += " (tuned on dev)"
		}
		if _, err = e.add(name, c.Outputs, c.Fallbacks, true, time.Since(t0).Seconds(),
			fmt.Sprintf("T5 from scratch, %d params, %d epochs, train %.0fs, decode dev+test %.0fs", info.Params, cfg.cEpochs, info.TrainSeconds, time.Since(t1).Seconds())); err != nil {
			return err
		}
		if g == bestGuard {
			break
		}
	}
	return nil
}

// guardGrid are the hallucination guards (the largest WER of a correction
// against the top hypothesis) tried for the corrector on dev.
var guardGrid = []float64{0.05, 0.1, 0.15, 0.2, 0.3, 0.5}

// cached is a prompt.LM whose Chat replies are remembered by the last
// message's content, so that several guards cost one decoding.
type cached struct {
	prompt.LM
	replies map[string]string
}

func (c *cached) Chat(ctx context.Context, m []prompt.Message, o prompt.GenOptions) (string, error) {
	key := m[len(m)-1].Content
	if r, ok := c.replies[key]; ok {
		return r, nil
	}
	r, err := c.LM.Chat(ctx, m, o)
	if err == nil {
		c.replies[key] = r
	}
	return r, err
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(max(len(v), 1))
}

// librispeech scores the first pass and the oracle of LibriSpeech
// test-clean, which has no first-pass scores to rescore with.
func (e *experiment) librispeech() error {
	path := filepath.Join(e.cfg.dir, "test_ls_clean.json.gz")
	if _, err := os.Stat(path); err != nil {
		e.res.Notes = append(e.res.Notes, "LibriSpeech test-clean not found: "+path)
		return nil
	}
	ls, err := asr.ReadFile(path)
	if err != nil {
		return err
	}
	nb := make([][]string, len(ls))
	for i, u := range ls {
		nb[i] = u.Hyps
	}
	refs := asr.Refs(ls)
	t, err := metrics.EvalWER(refs, asr.Picked(ls, make([]int, len(ls))), nil)
	if err != nil {
		return err
	}
	o, err := metrics.EvalOracle(refs, nb, nil)
	if err != nil {
		return err
	}
	e.res.LibriSpeech = &librispeechRow{Utterances: len(ls), RefWords: t.Total.Ref, Top1WER: 100 * t.WER(), OracleWER: 100 * o.WER()}
	return nil
}

// print writes the table.
func (e *experiment) print(w io.Writer) {
	r := e.res
	fmt.Fprintf(w, "HyPoradise ATIS test: %d utterances, %d reference words; backend: %s\n", r.Utterances, r.RefWords, r.Backend)
	fmt.Fprintf(w, "%-44s %7s %6s %5s %5s %5s %8s %9s %8s\n", "system", "WER %", "S", "D", "I", "utt %", "rel %", "fallback", "seconds")
	for _, x := range r.Rows {
		fb := "-"
		if x.Generative {
			fb = fmt.Sprint(x.Fallbacks)
		}
		fmt.Fprintf(w, "%-44s %7.2f %6d %5d %5d %5.2f %+8.1f %9s %8.1f\n", x.System, x.WER, x.Sub, x.Del, x.Ins, x.UttWER, x.RelChange, fb, x.Seconds)
	}
	for _, x := range r.Rows {
		if x.Note != "" {
			fmt.Fprintf(w, "  %s: %s\n", x.System, x.Note)
		}
	}
	if ls := r.LibriSpeech; ls != nil {
		fmt.Fprintf(w, "LibriSpeech test-clean (%d utterances, %d words, no first-pass scores): top-1 %.2f%%, 5-best oracle %.2f%%\n",
			ls.Utterances, ls.RefWords, ls.Top1WER, ls.OracleWER)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	if r.Interrupted {
		fmt.Fprintln(w, "interrupted: only the rows finished before are shown")
	}
}
