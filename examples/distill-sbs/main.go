// Distill-sbs reproduces the data-size experiment of "Distilling
// Step-by-Step! Outperforming Larger Language Models with Less Training
// Data and Smaller Model Sizes" (Hsieh et al., Findings of ACL 2023) at CPU
// scale, with package distill and the T5 of nn/models:
//
//  1. it reads a data set of the paper with the PaLM-540B chain-of-thought
//     completions the authors released (CommonsenseQA by default, e-SNLI or
//     ANLI round 1), each completion parsed into a rationale and a label by
//     the released parsers (distill.Load);
//  2. it trains a byte-level BPE vocabulary (or WordPiece, -tokenizer) on the
//     training inputs, labels and rationales, saves it in -out and reuses it
//     on the next run;
//  3. for each data fraction (12.5, 25, 50 and 100% by default), each seed
//     and each arm it trains a small T5 from scratch (or from -init):
//     standard fine-tuning on the gold labels ("finetune"), standard
//     distillation on the LLM's labels ("distill"), distilling step-by-step
//     ("sbs": "predict: "+x → label and "explain: "+x → rationale, loss
//     α·L_label + (1−α)·L_rationale), and optionally sbs with the LLM's labels
//     ("sbs-llm") and the single-task ablation x → rationale then label
//     ("single", "single-llm");
//  4. it decodes the label of every test input greedily and scores it with
//     the released metric (exact match after the tokenizer round trip), and
//     prints the accuracy of each (fraction, arm) as mean ± 95% Student-t
//     interval over the seeds, the model's parameter count and the teacher
//     LLM's own label accuracy on the same test examples (CQA 943/1221).
//
// Progress (steps, loss, ETA of the run and of the experiment) goes to
// stderr; -json prints all results as one JSON object on the last line of
// stdout. Ctrl-C stops at the next step and prints the finished runs.
//
//	go run ./examples/distill-sbs -quick                # a slice of CQA, about two minutes
//	go run ./examples/distill-sbs                       # the whole CQA experiment (see the README for its cost)
//	go run ./examples/distill-sbs -dataset esnli -arms finetune,sbs -fractions 12.5,100
//
// The shipped copy of the data has no e-SNLI or ANLI training split (see
// distill-sbs/SOURCE.md): for those the validation split, which has its PaLM
// completions, is the training pool, and the test split is the test set.
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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/internal/cli"
	"github.com/cairn-ml/cairn/internal/cputime"
	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
)

// config holds the flags.
type config struct {
	dataset   string
	dataDir   string
	out       string
	tokenizer string
	vocab     int
	retrain   bool
	fractions []float64 // in (0, 1]
	arms      []arm
	alpha     float64
	seeds     int
	layers    int
	dModel    int
	heads     int
	dFF       int
	dropout   float64
	steps     int
	batch     int
	lr        float64
	warmup    float64
	maxInput  int
	maxTarget int
	maxNew    int
	trainN    int
	testN     int
	init      string
	tokFile   string
	resume    string
	json      bool
}

// defaults returns the configuration of the full experiment.
func defaults() config {
	return config{
		dataset: "cqa", out: "distill_sbs_out", tokenizer: "bpe", vocab: 4000,
		fractions: []float64{0.125, 0.25, 0.5, 1}, arms: defaultArms(), alpha: 0.5, seeds: 3,
		layers: 2, dModel: 128, heads: 4, dFF: 512, dropout: 0.1,
		steps: 500, batch: 32, lr: 1e-3, warmup: 0.05,
		maxInput: 512, maxTarget: 256, maxNew: 64,
	}
}

// quick holds the settings -quick changes (flags given explicitly win).
var quick = cli.Preset{
	"train": "800", "test": "200", "fractions": "25,100", "seeds": "2", "steps": "60", "batch": "16",
	"layers": "1", "d-model": "64", "heads": "4", "d-ff": "256", "vocab": "1000", "max-target": "64",
}

func main() {
	cfg, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "distill-sbs:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "distill-sbs:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line into a checked config.
func parseFlags(fs *flag.FlagSet, args []string) (config, error) {
	cfg := defaults()
	fs.StringVar(&cfg.dataset, "dataset", cfg.dataset, "data set: cqa, esnli or anli (ANLI round 1)")
	fs.StringVar(&cfg.dataDir, "data", "", "directory of the distilling step-by-step data (default: distill.DefaultDir(), cairn's shared data)")
	fs.StringVar(&cfg.out, "out", cfg.out, "directory for the trained vocabularies (reused when present)")
	fs.StringVar(&cfg.tokenizer, "tokenizer", cfg.tokenizer, "vocabulary: bpe (byte-level BPE) or wordpiece (cased)")
	fs.IntVar(&cfg.vocab, "vocab", cfg.vocab, "vocabulary size (BPE: including the 256 bytes)")
	fs.BoolVar(&cfg.retrain, "retrain", false, "train the vocabulary again even when -out has it")
	fracs := fs.String("fractions", "12.5,25,50,100", "percentages of the training pool to train on, comma-separated")
	arms := fs.String("arms", armNames(defaultArms()), "arms, comma-separated, of "+armNames(allArms))
	fs.Float64Var(&cfg.alpha, "alpha", cfg.alpha, "weight α of the label loss in the step-by-step loss α·L_label + (1−α)·L_rationale")
	fs.IntVar(&cfg.seeds, "seeds", cfg.seeds, "seeds per (fraction, arm): subset, initialisation and batch order")
	fs.IntVar(&cfg.layers, "layers", cfg.layers, "T5 encoder blocks (and as many decoder blocks)")
	fs.IntVar(&cfg.dModel, "d-model", cfg.dModel, "T5 model size")
	fs.IntVar(&cfg.heads, "heads", cfg.heads, "attention heads (must divide -d-model)")
	fs.IntVar(&cfg.dFF, "d-ff", cfg.dFF, "feed-forward inner size")
	fs.Float64Var(&cfg.dropout, "dropout", cfg.dropout, "dropout")
	fs.IntVar(&cfg.steps, "steps", cfg.steps, "training steps per run, the same for every fraction and arm (as the paper's max_steps)")
	fs.IntVar(&cfg.batch, "batch", cfg.batch, "examples per step (step-by-step: as many predict and explain pairs)")
	fs.Float64Var(&cfg.lr, "lr", cfg.lr, "peak learning rate (AdamW, no weight decay, linear warm-up and decay, gradient norm clipped at 1)")
	fs.Float64Var(&cfg.warmup, "warmup", cfg.warmup, "share of the steps spent warming up")
	fs.IntVar(&cfg.maxInput, "max-input", cfg.maxInput, "input tokens kept (the paper: 1024)")
	fs.IntVar(&cfg.maxTarget, "max-target", cfg.maxTarget, "label and rationale tokens kept (the paper: 256)")
	fs.IntVar(&cfg.maxNew, "max-new", cfg.maxNew, "tokens decoded per test label (the paper: 64; single-task arms decode up to -max-target)")
	fs.IntVar(&cfg.trainN, "train", 0, "training pool: a fixed random subset of this many examples (0: the whole split)")
	fs.IntVar(&cfg.testN, "test", 0, "test examples: a fixed random subset of this many (0: the whole test split)")
	fs.StringVar(&cfg.init, "init", "", "T5 checkpoint (.safetensors, this program's vocabulary and sizes) to start every run from, loaded with nn.LoadPartial")
	fs.StringVar(&cfg.tokFile, "tokenizer-file", "", "use this Hugging Face tokenizer.json (BPE or WordPiece, e.g. the one of an -init checkpoint) instead of training a vocabulary")
	fs.StringVar(&cfg.resume, "resume", "", "files, comma-separated, each ending with the -json output of an earlier run with the same settings (fractions, arms and seeds may differ): their runs are reused (the first of duplicates) and only the missing ones trained")
	fs.BoolVar(&cfg.json, "json", false, "print the results as one JSON object on the last line of stdout")
	q := fs.Bool("quick", false, "a slice of the experiment with a smaller model, about two minutes: "+quick.String())
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *q {
		if err := quick.Apply(fs); err != nil {
			return cfg, err
		}
	}
	var err error
	if cfg.fractions, err = parseFractions(*fracs); err != nil {
		return cfg, err
	}
	if cfg.arms, err = parseArms(*arms); err != nil {
		return cfg, err
	}
	return cfg, cfg.check()
}

func parseFractions(s string) ([]float64, error) {
	var out []float64
	for f := range strings.SplitSeq(s, ",") {
		p, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(p > 0 && p <= 100) {
			return nil, fmt.Errorf("-fractions %q: want percentages in (0, 100], comma-separated", s)
		}
		if slices.Contains(out, p/100) {
			return nil, fmt.Errorf("-fractions %q: %v repeated", s, p)
		}
		out = append(out, p/100)
	}
	return out, nil
}

func (cfg *config) check() error {
	switch {
	case task(cfg.dataset) == "":
		return fmt.Errorf("-dataset %q: want cqa, esnli or anli", cfg.dataset)
	case cfg.tokenizer != "bpe" && cfg.tokenizer != "wordpiece":
		return fmt.Errorf("-tokenizer %q: want bpe or wordpiece", cfg.tokenizer)
	case cfg.tokenizer == "bpe" && cfg.vocab < 300 || cfg.vocab < 100:
		return fmt.Errorf("-vocab %d: want at least 300 for bpe (256 bytes and merges), 100 for wordpiece", cfg.vocab)
	case !(cfg.alpha >= 0 && cfg.alpha <= 1):
		return fmt.Errorf("-alpha %v: want a weight in [0, 1]", cfg.alpha)
	case cfg.seeds < 1 || cfg.steps < 1 || cfg.batch < 1:
		return errors.New("-seeds, -steps and -batch must be at least 1")
	case cfg.layers < 1 || cfg.dModel < 1 || cfg.heads < 1 || cfg.dFF < 1:
		return errors.New("-layers, -d-model, -heads and -d-ff must be at least 1")
	case cfg.dModel%cfg.heads != 0:
		return fmt.Errorf("-heads %d does not divide -d-model %d", cfg.heads, cfg.dModel)
	case !(cfg.dropout >= 0 && cfg.dropout < 1):
		return fmt.Errorf("-dropout %v: want [0, 1)", cfg.dropout)
	case !(cfg.lr > 0) || math.IsInf(cfg.lr, 0):
		return fmt.Errorf("-lr %v: want a positive rate", cfg.lr)
	case !(cfg.warmup >= 0 && cfg.warmup < 1):
		return fmt.Errorf("-warmup %v: want a share in [0, 1)", cfg.warmup)
	case cfg.maxInput < 8 || cfg.maxTarget < 4 || cfg.maxNew < 1:
		return errors.New("-max-input must be at least 8, -max-target at least 4, -max-new at least 1")
	case cfg.trainN < 0 || cfg.testN < 0:
		return errors.New("-train and -test must not be negative")
	case cfg.out == "":
		return errors.New("-out: name a directory for the vocabulary")
	}
	return nil
}

// task returns the distill task of a -dataset name, "" if unknown.
func task(name string) distill.Task {
	switch name {
	case "cqa":
		return distill.CQA
	case "esnli":
		return distill.ESNLI
	case "anli", "anli1":
		return distill.ANLI1
	}
	return ""
}

// t5Config is the student model of every run.
func (cfg *config) t5Config(vocab, pad, eos int) models.T5Config {
	c := models.DefaultT5Config()
	c.VocabSize, c.DModel, c.DFF, c.Heads, c.DKV = vocab, cfg.dModel, cfg.dFF, cfg.heads, cfg.dModel/cfg.heads
	c.Layers, c.DecoderLayers, c.Dropout = cfg.layers, cfg.layers, cfg.dropout
	c.PadID, c.EOSID, c.DecoderStartID = pad, eos, pad
	return c
}

// results is everything the program reports.
type results struct {
	Dataset      string          `json:"dataset"`
	TrainSplit   string          `json:"train_split"`
	TrainPool    int             `json:"train_pool"`
	TestExamples int             `json:"test_examples"`
	Teacher      teacher         `json:"teacher"`
	Vocab        vocabInfo       `json:"vocabulary"`
	Model        models.T5Config `json:"model"`
	Params       int             `json:"params"`
	Init         *initInfo       `json:"init,omitempty"`
	Alpha        float64         `json:"alpha"`
	Steps        int             `json:"steps"`
	Batch        int             `json:"batch"`
	LR           float64         `json:"lr"`
	Fractions    []float64       `json:"fractions"`
	Arms         []string        `json:"arms"`
	Seeds        int             `json:"seeds"`
	Table        []cell          `json:"table"`
	Differences  []cell          `json:"differences"` // arm − first arm, paired by seed
	// RankTable and RankDifferences are the same for the rank-classification
	// accuracy (runs with Ranked only).
	RankTable       []cell            `json:"rank_table"`
	RankDifferences []cell            `json:"rank_differences"`
	Runs            []runResult       `json:"runs"`
	Interrupted     bool              `json:"interrupted,omitempty"`
	Seconds         float64           `json:"seconds"`
	CPUSeconds      float64           `json:"cpu_seconds"`
	TrainExamples   map[string]int    `json:"train_examples"` // per fraction (percent as text)
	Config          map[string]any    `json:"config"`
	armIndex        map[string]int    // unexported: arm name → column
	byCell          map[cellKey][]int // runs of each cell
}

// teacher is the LLM's own label accuracy (released completions parsed by
// distill.ParseCoT, compared with the gold labels).
type teacher struct {
	TestCorrect  int     `json:"test_correct"` // on the whole test split
	TestTotal    int     `json:"test_total"`
	TestAccuracy float64 `json:"test_accuracy"`
	// EvalCorrect and EvalAccuracy are on the test examples evaluated here
	// (-test may take a subset).
	EvalCorrect  int     `json:"eval_correct"`
	EvalAccuracy float64 `json:"eval_accuracy"`
	// PoolAccuracy is the accuracy of the labels the distill arms train on.
	PoolCorrect  int     `json:"train_pool_correct"`
	PoolAccuracy float64 `json:"train_pool_accuracy"`
}

type initInfo struct {
	Path       string   `json:"path"`
	Missing    []string `json:"missing"`
	Unexpected []string `json:"unexpected"`
}

// cell is one entry of the table: the accuracy of an arm at a fraction
// over the seeds, or (in Differences) its difference from the first arm's,
// paired by seed (same training subset and initialisation).
type cell struct {
	Fraction float64   `json:"fraction"`
	Arm      string    `json:"arm"`
	Minus    string    `json:"minus,omitempty"` // the arm subtracted, in Differences`
	Mean     float64   `json:"mean"`
	CI95     float64   `json:"ci95"` // half-width t(0.975, n−1)·s/√n; 0 with one seed
	Values   []float64 `json:"values"`
}

type cellKey struct {
	frac float64
	arm  string
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	start, cpu0 := time.Now(), cputime.Now()
	tk := task(cfg.dataset)
	dir := cfg.dataDir
	if dir == "" {
		dir = distill.DefaultDir()
	}
	trainSplit := "train"
	if tk != distill.CQA {
		trainSplit = "valid" // no training split in the shipped copy (SOURCE.md)
	}
	pool, err := distill.Load(dir, tk, trainSplit)
	if err != nil {
		return err
	}
	testAll, err := distill.Load(dir, tk, "test")
	if err != nil {
		return err
	}
	res := &results{Dataset: string(tk), TrainSplit: trainSplit, Alpha: cfg.alpha, Steps: cfg.steps, Batch: cfg.batch,
		LR: cfg.lr, Fractions: cfg.fractions, Seeds: cfg.seeds, TrainExamples: map[string]int{},
		armIndex: map[string]int{}, byCell: map[cellKey][]int{}}
	for i, a := range cfg.arms {
		res.Arms = append(res.Arms, a.name)
		res.armIndex[a.name] = i
	}
	res.Config = cfg.describe()
	res.Teacher.TestTotal = len(testAll)
	res.Teacher.TestCorrect = teacherCorrect(tk, testAll)
	res.Teacher.TestAccuracy = float64(res.Teacher.TestCorrect) / float64(len(testAll))
	pool = fixedSubset(pool, cfg.trainN, 1)
	test := fixedSubset(testAll, cfg.testN, 2)
	res.TrainPool, res.TestExamples = len(pool), len(test)
	res.Teacher.EvalCorrect = teacherCorrect(tk, test)
	res.Teacher.EvalAccuracy = float64(res.Teacher.EvalCorrect) / float64(len(test))
	res.Teacher.PoolCorrect = teacherCorrect(tk, pool)
	res.Teacher.PoolAccuracy = float64(res.Teacher.PoolCorrect) / float64(len(pool))
	fmt.Fprintf(stderr, "%s: training pool %d examples (%s split), %d test examples; teacher LLM label accuracy %d/%d on the test split, %d/%d on the training pool\n",
		tk, len(pool), trainSplit, len(test), res.Teacher.TestCorrect, len(testAll), res.Teacher.PoolCorrect, len(pool))

	tok, vi, err := vocabulary(cfg, pool, stderr)
	if err != nil {
		return err
	}
	res.Vocab = vi
	enc := distill.Encoding{PadID: vi.PadID, EOSID: vi.EOSID, MaxInput: cfg.maxInput, MaxTarget: cfg.maxTarget}
	mc := cfg.t5Config(tok.VocabSize(), vi.PadID, vi.EOSID)
	res.Model = mc
	res.Params = nn.NumParams(models.NewT5(rand.New(rand.NewPCG(0, 0)), mc))
	if cfg.init != "" {
		ii, err := checkInit(cfg.init, mc)
		if err != nil {
			return err
		}
		res.Init = ii
		fmt.Fprintf(stderr, "init: %s (%d tensors missing, %d unexpected)\n", cfg.init, len(ii.Missing), len(ii.Unexpected))
	}
	fmt.Fprintf(stderr, "T5: %d+%d layers, d_model %d, %d heads, d_ff %d, vocabulary %d: %d parameters\n",
		mc.Layers, mc.DecoderLayers, mc.DModel, mc.Heads, mc.DFF, mc.VocabSize, res.Params)

	ex := &experiment{cfg: cfg, task: tk, tok: tok, enc: enc, model: mc, pool: pool, test: test, stderr: stderr,
		encoded: map[string][][]encPair{}, start: time.Now()}
	ex.golds = make([]string, len(test))
	ex.inputs = make([]string, len(test))
	for i, e := range test {
		ex.golds[i] = enc.Decode(tok, enc.Encode(tok, e.Label, cfg.maxTarget))
		ex.inputs[i] = e.Input
	}
	done, err := resumed(cfg.resume, res)
	if err != nil {
		return err
	}
	ex.totalRuns = len(cfg.fractions) * cfg.seeds * len(cfg.arms)
	var runErr error
loop:
	for _, f := range cfg.fractions {
		for seed := 1; seed <= cfg.seeds; seed++ {
			idx := distill.Subsample(len(pool), f, uint64(seed))
			res.TrainExamples[pct(f)] = len(idx)
			for _, a := range cfg.arms {
				r, ok := done[runKey{f, a.name, uint64(seed)}]
				if ok {
					ex.totalRuns--
					fmt.Fprintf(stderr, "%s %5s%% %-10s seed %d: resumed from %s\n", tk, pct(f), a.name, seed, cfg.resume)
				} else if r, err = ex.train(ctx, a, f, uint64(seed), idx); err != nil {
					runErr = err
					break loop
				}
				res.byCell[cellKey{f, a.name}] = append(res.byCell[cellKey{f, a.name}], len(res.Runs))
				res.Runs = append(res.Runs, r)
				rank := ""
				if r.Ranked {
					rank = fmt.Sprintf(", ranked %.2f%% (%d/%d)", 100*r.RankAccuracy, r.RankCorrect, len(test))
				}
				fmt.Fprintf(stderr, "%s %5s%% %-10s seed %d: accuracy %.2f%% (%d/%d)%s, final loss %.4f, %.0f s\n",
					tk, pct(f), a.name, seed, 100*r.Accuracy, r.Correct, len(test), rank, r.FinalLoss, r.Seconds)
			}
		}
	}
	if runErr != nil {
		if ctx.Err() == nil {
			return runErr
		}
		res.Interrupted = true
		fmt.Fprintln(stderr, "interrupted: the table holds the finished runs")
	}
	res.summarize(cfg)
	res.Seconds = time.Since(start).Seconds()
	res.CPUSeconds = (cputime.Now() - cpu0).Seconds()
	printReport(stdout, res)
	if cfg.json {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return runErr
}

// runKey names one run.
type runKey struct {
	frac float64
	arm  string
	seed uint64
}

// resumed returns the runs of the earlier outputs named in path
// (comma-separated; none if path is empty), refusing any whose settings
// that shape a run (data set, test examples, vocabulary, model, training settings) differ from res's.
func resumed(path string, res *results) (map[runKey]runResult, error) {
	settings := func(r *results) map[string]any {
		return map[string]any{"dataset": r.Dataset, "train split": r.TrainSplit, "training pool": r.TrainPool,
			"test examples": r.TestExamples, "vocabulary": r.Vocab.File, "vocabulary size": r.Vocab.Size,
			"model": r.Model, "init": r.Init, "alpha": r.Alpha, "steps": r.Steps, "batch": r.Batch, "lr": r.LR, "settings": r.Config}
	}
	return cli.ResumeRuns(path, res, settings, func(r *results) []runResult { return r.Runs },
		func(r runResult) runKey { return runKey{r.Fraction, r.Arm, r.Seed} })
}

// describe lists the settings for the JSON output.
func (cfg *config) describe() map[string]any {
	return map[string]any{
		"tokenizer": cfg.tokenizer, "vocab": cfg.vocab, "layers": cfg.layers, "d_model": cfg.dModel,
		"heads": cfg.heads, "d_ff": cfg.dFF, "dropout": cfg.dropout, "warmup": cfg.warmup,
		"max_input": cfg.maxInput, "max_target": cfg.maxTarget, "max_new": cfg.maxNew,
		"train": cfg.trainN, "test": cfg.testN, "init": cfg.init, "tokenizer_file": cfg.tokFile,
	}
}

func teacherCorrect(tk distill.Task, exs []distill.Example) int {
	preds, golds := make([]string, len(exs)), make([]string, len(exs))
	for i, e := range exs {
		preds[i], golds[i] = e.LLMLabel, e.Label
	}
	return distill.Correct(tk, preds, golds)
}

// fixedSubset returns n examples of exs drawn with a fixed seed (all of
// them, in order, if n is 0 or at least len(exs)).
func fixedSubset(exs []distill.Example, n int, stream uint64) []distill.Example {
	if n == 0 || n >= len(exs) {
		return exs
	}
	out := make([]distill.Example, n)
	for i, j := range rand.New(rand.NewPCG(0, stream)).Perm(len(exs))[:n] {
		out[i] = exs[j]
	}
	return out
}

// pct formats a fraction as a percentage: 0.125 → "12.5".
func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', -1, 64) }

// summarize fills the tables from the runs.
func (r *results) summarize(cfg config) {
	r.Table, r.Differences = r.tabulate(cfg, func(x runResult) (float64, bool) { return x.Accuracy, true })
	r.RankTable, r.RankDifferences = r.tabulate(cfg, func(x runResult) (float64, bool) { return x.RankAccuracy, x.Ranked })
}

// tabulate returns the cells of the measure get (skipping runs where it
// reports false) and each arm's difference from the first arm, paired by
// seed.
func (r *results) tabulate(cfg config, get func(runResult) (float64, bool)) (table, diffs []cell) {
	values := func(f float64, arm string) map[uint64]float64 {
		out := map[uint64]float64{}
		for _, i := range r.byCell[cellKey{f, arm}] {
			if v, ok := get(r.Runs[i]); ok {
				out[r.Runs[i].Seed] = v
			}
		}
		return out
	}
	for _, f := range cfg.fractions {
		for _, a := range cfg.arms {
			c := cell{Fraction: f, Arm: a.name}
			for _, i := range r.byCell[cellKey{f, a.name}] {
				if v, ok := get(r.Runs[i]); ok {
					c.Values = append(c.Values, v)
				}
			}
			if len(c.Values) == 0 {
				continue
			}
			c.stats()
			table = append(table, c)
		}
		base := values(f, cfg.arms[0].name)
		for _, a := range cfg.arms[1:] {
			d := cell{Fraction: f, Arm: a.name, Minus: cfg.arms[0].name}
			for _, i := range r.byCell[cellKey{f, a.name}] {
				v, ok := get(r.Runs[i])
				b, okb := base[r.Runs[i].Seed]
				if ok && okb {
					d.Values = append(d.Values, v-b)
				}
			}
			if len(d.Values) > 0 {
				d.stats()
				diffs = append(diffs, d)
			}
		}
	}
	return table, diffs
}

// stats sets the mean and the 95% interval of c's values (0 for one value).
func (c *cell) stats() {
	var half float64
	c.Mean, half = metrics.MeanCI(c.Values, 0.95)
	c.CI95 = 0
	if !math.IsNaN(half) {
		c.CI95 = half
	}
}

func printReport(w io.Writer, r *results) {
	m := r.Model
	fmt.Fprintf(w, "%s: %d training examples (%s split) at 100%%, %d test examples\n", r.Dataset, r.TrainPool, r.TrainSplit, r.TestExamples)
	fmt.Fprintf(w, "student: T5 %d+%d layers, d_model %d, %d heads, d_ff %d, %s vocabulary of %d: %d parameters",
		m.Layers, m.DecoderLayers, m.DModel, m.Heads, m.DFF, r.Vocab.Kind, m.VocabSize, r.Params)
	if r.Init != nil {
		fmt.Fprintf(w, ", from %s", r.Init.Path)
	} else {
		fmt.Fprint(w, ", from scratch")
	}
	fmt.Fprintf(w, "; %d steps of %d, α = %g\n", r.Steps, r.Batch, r.Alpha)
	t := r.Teacher
	fmt.Fprintf(w, "teacher (PaLM 540B, few-shot CoT, released outputs): label accuracy %.2f%% (%d/%d) on these test examples",
		100*t.EvalAccuracy, t.EvalCorrect, r.TestExamples)
	if r.TestExamples != t.TestTotal {
		fmt.Fprintf(w, ", %.2f%% (%d/%d) on the whole test split", 100*t.TestAccuracy, t.TestCorrect, t.TestTotal)
	}
	fmt.Fprintf(w, "; its training-pool labels %.2f%% correct\n", 100*t.PoolAccuracy)
	printTable(w, r, "test label accuracy (greedy decoding, exact match), %, mean ± 95% interval over seeds:", r.Table, r.Differences)
	if len(r.RankTable) > 0 {
		printTable(w, r, "rank-classification accuracy (the likeliest candidate label), %, mean ± 95% interval over seeds:", r.RankTable, r.RankDifferences)
	}
	if r.Interrupted {
		fmt.Fprintln(w, "(interrupted: cells hold the finished runs only)")
	}
	var runSec, runCPU float64 // the runs' own times, resumed runs included
	for _, x := range r.Runs {
		runSec, runCPU = runSec+x.Seconds, runCPU+x.CPUSeconds
	}
	fmt.Fprintf(w, "%d runs: %.0f s of training and evaluation (%.0f cpu-s); this process %.0f s (%.0f cpu-s)\n",
		len(r.Runs), runSec, runCPU, r.Seconds, r.CPUSeconds)
}

// printTable prints one table of cells (fractions by arms) and the paired
// differences under title.
func printTable(w io.Writer, r *results, title string, table, diffs []cell) {
	fmt.Fprintln(w, title)
	fmt.Fprintf(w, "%-9s %-8s", "fraction", "train")
	for _, a := range r.Arms {
		fmt.Fprintf(w, " %-15s", a)
	}
	fmt.Fprintln(w)
	for _, f := range r.Fractions {
		row := false
		for _, c := range table {
			row = row || c.Fraction == f
		}
		if !row {
			continue
		}
		fmt.Fprintf(w, "%-9s %-8d", pct(f)+"%", r.TrainExamples[pct(f)])
		for _, a := range r.Arms {
			s := "-"
			for _, c := range table {
				if c.Fraction == f && c.Arm == a {
					s = fmt.Sprintf("%.2f ± %.2f", 100*c.Mean, 100*c.CI95)
					if len(c.Values) < 2 {
						s = fmt.Sprintf("%.2f (1 seed)", 100*c.Mean)
					}
				}
			}
			fmt.Fprintf(w, " %-15s", s)
		}
		fmt.Fprintln(w)
	}
	if len(diffs) > 0 {
		fmt.Fprintf(w, "difference from %s, points, paired by seed (same subset and initialisation):\n", diffs[0].Minus)
		for _, d := range diffs {
			fmt.Fprintf(w, "  %-6s %-10s %+6.2f ± %.2f\n", pct(d.Fraction)+"%", d.Arm, 100*d.Mean, 100*d.CI95)
		}
	}
}
