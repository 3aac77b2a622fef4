// Xling is a CPU-scale test of the alignment claim of "Extrapolating Large
// Language Models to Non-English by Aligning Languages" (x-LLaMA, Zhu et
// al., 2023) with package prompt/xling and the GPT of nn/models:
//
//  1. it reads XQuAD in English and a target language (-lang, Chinese by
//     default) and splits the 240 parallel paragraphs with a fixed seed into
//     held-out evaluation paragraphs (-eval-paragraphs) and training ones;
//     nothing of a held-out paragraph is trained on;
//  2. instruction data: x-LLM's XQuAD records (xling.QARecord inside the
//     Alpaca prompt) of the training paragraphs in both languages, with the
//     sentence holding the answer as context (whole paragraphs are too long
//     for a CPU model); translation data: en→lang pairs of the training
//     paragraphs (their questions, and their context sentences where both
//     languages have as many sentences) as xling.TranslationRecords with the
//     33 rotating instructions;
//  3. it trains a byte-level BPE on the training text and, for each share of
//     the translation pool (-amounts) and each seed, trains a small GPT from
//     scratch on the QA records plus that many translation records, for the
//     same number of steps, with the response-only loss (xling.Encoder);
//  4. it measures cross-lingual alignment at every depth (embeddings, each
//     block, ln_f): the mean cosine similarity of mean-pooled hidden states
//     of parallel held-out passages minus that of non-parallel ones (the gap),
//     and the corpus chrF of greedy en→lang translations of held-out pairs;
//  5. it prints the table (mean ± 95% Student-t interval over seeds), fits a
//     log-linear and a saturating power law of the gap and of chrF against
//     the number of translation pairs (xling.FitLogLinear, FitPowerLaw), and
//     draws them into two PNG plots.
//
// Progress with ETAs goes to stderr; -json prints the results as one JSON
// object on the last line of stdout. Ctrl-C stops at the next step and
// prints the finished runs.
//
//	go run ./examples/xling -quick          # about two minutes
//	go run ./examples/xling                 # the default experiment (see the README for its cost)
//	go run ./examples/xling -lang vi -amounts 0,50,100 -seeds 5
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
	"strconv"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/internal/cli"
	"github.com/cairn-ml/cairn/internal/cputime"
	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/prompt/xling"
	"github.com/cairn-ml/cairn/text"
)

// config holds the flags.
type config struct {
	dataDir   string
	lang      string
	evalParas int
	amounts   []float64 // shares of the translation pool in [0, 1]
	seeds     int
	vocab     int
	layers    int
	hidden    int
	heads     int
	dropout   float64
	steps     int
	batch     int
	lr        float64
	warmup    float64
	maxLen    int
	maxNew    int
	evalPairs int
	center    bool
	plot      string
	resume    string
	json      bool
}

// defaults returns the configuration of the full experiment.
func defaults() config {
	return config{
		lang: "zh", evalParas: 40, amounts: []float64{0, 0.25, 0.5, 1}, seeds: 3,
		vocab: 2000, layers: 4, hidden: 128, heads: 4, dropout: 0.1,
		steps: 200, batch: 16, lr: 1e-3, warmup: 0.05,
		maxLen: 192, maxNew: 48, evalPairs: 100, plot: "xling.png",
	}
}

// quick holds the settings -quick changes (flags given explicitly win).
var quick = cli.Preset{
	"amounts": "0,50,100", "seeds": "2", "steps": "60", "batch": "8", "layers": "2", "hidden": "64",
	"eval-pairs": "32", "max-new": "24",
}

func main() {
	cfg, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "xling:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "xling:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line into a checked config.
func parseFlags(fs *flag.FlagSet, args []string) (config, error) {
	cfg := defaults()
	fs.StringVar(&cfg.dataDir, "data", "", "directory of xquad.<lang>.json.gz (default: the xquad directory of cairn's shared data, data.Dir())")
	fs.StringVar(&cfg.lang, "lang", cfg.lang, "target language: ar, el, hi, tr, vi or zh (those x-LLM has XQuAD prompts for)")
	fs.IntVar(&cfg.evalParas, "eval-paragraphs", cfg.evalParas, "paragraphs held out for evaluation (of 240)")
	amounts := fs.String("amounts", "0,25,50,100", "percentages of the translation pool to train on, comma-separated")
	fs.IntVar(&cfg.seeds, "seeds", cfg.seeds, "seeds per amount: translation subset, initialisation and batch order")
	fs.IntVar(&cfg.vocab, "vocab", cfg.vocab, "byte-level BPE vocabulary size (including the 256 bytes)")
	fs.IntVar(&cfg.layers, "layers", cfg.layers, "GPT blocks")
	fs.IntVar(&cfg.hidden, "hidden", cfg.hidden, "GPT hidden size")
	fs.IntVar(&cfg.heads, "heads", cfg.heads, "attention heads (must divide -hidden)")
	fs.Float64Var(&cfg.dropout, "dropout", cfg.dropout, "dropout")
	fs.IntVar(&cfg.steps, "steps", cfg.steps, "training steps per run, the same for every amount")
	fs.IntVar(&cfg.batch, "batch", cfg.batch, "examples per step")
	fs.Float64Var(&cfg.lr, "lr", cfg.lr, "peak learning rate (AdamW, no weight decay, linear warm-up and decay, gradient norm clipped at 1)")
	fs.Float64Var(&cfg.warmup, "warmup", cfg.warmup, "share of the steps spent warming up (x-LLM: 0.03)")
	fs.IntVar(&cfg.maxLen, "max-len", cfg.maxLen, "tokens per example (x-LLM: 512); also the model's positions")
	fs.IntVar(&cfg.maxNew, "max-new", cfg.maxNew, "tokens decoded per held-out translation")
	fs.IntVar(&cfg.evalPairs, "eval-pairs", cfg.evalPairs, "held-out pairs translated for chrF and used for alignment (0: all)")
	fs.BoolVar(&cfg.center, "center", false, "subtract the mean pooled state of all held-out passages before the cosines")
	fs.StringVar(&cfg.plot, "plot", cfg.plot, "PNG path: <name>-align.png and <name>-chrf.png are written (empty: no plot)")
	fs.StringVar(&cfg.resume, "resume", "", "files, comma-separated, each ending with the -json output of an earlier run with the same settings (amounts and seeds may differ): their runs are reused (the first of duplicates) and only the missing ones trained")
	fs.BoolVar(&cfg.json, "json", false, "print the results as one JSON object on the last line of stdout")
	q := fs.Bool("quick", false, "a smaller experiment, about two minutes: "+quick.String())
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
	if cfg.amounts, err = parseAmounts(*amounts); err != nil {
		return cfg, err
	}
	return cfg, cfg.check()
}

func parseAmounts(s string) ([]float64, error) {
	var out []float64
	for f := range strings.SplitSeq(s, ",") {
		p, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(p >= 0 && p <= 100) {
			return nil, fmt.Errorf("-amounts %q: want percentages in [0, 100], comma-separated", s)
		}
		if slices.Contains(out, p/100) {
			return nil, fmt.Errorf("-amounts %q: %v repeated", s, p)
		}
		out = append(out, p/100)
	}
	slices.Sort(out)
	return out, nil
}

var langs = []string{"ar", "el", "hi", "tr", "vi", "zh"}

func (cfg *config) check() error {
	switch {
	case !slices.Contains(langs, cfg.lang):
		return fmt.Errorf("-lang %q: want one of %s", cfg.lang, strings.Join(langs, ", "))
	case cfg.evalParas < 2:
		return fmt.Errorf("-eval-paragraphs %d: want at least 2", cfg.evalParas)
	case cfg.vocab < 300:
		return fmt.Errorf("-vocab %d: want at least 300 (256 bytes and merges)", cfg.vocab)
	case cfg.seeds < 1 || cfg.steps < 1 || cfg.batch < 1:
		return errors.New("-seeds, -steps and -batch must be at least 1")
	case cfg.layers < 1 || cfg.hidden < 1 || cfg.heads < 1:
		return errors.New("-layers, -hidden and -heads must be at least 1")
	case cfg.hidden%cfg.heads != 0:
		return fmt.Errorf("-heads %d does not divide -hidden %d", cfg.heads, cfg.hidden)
	case !(cfg.dropout >= 0 && cfg.dropout < 1):
		return fmt.Errorf("-dropout %v: want [0, 1)", cfg.dropout)
	case !(cfg.lr > 0) || math.IsInf(cfg.lr, 0):
		return fmt.Errorf("-lr %v: want a positive rate", cfg.lr)
	case !(cfg.warmup >= 0 && cfg.warmup < 1):
		return fmt.Errorf("-warmup %v: want a share in [0, 1)", cfg.warmup)
	case cfg.maxNew < 1 || cfg.maxLen < cfg.maxNew+32:
		return fmt.Errorf("-max-new %d, -max-len %d: want -max-new ≥ 1 and -max-len ≥ -max-new + 32", cfg.maxNew, cfg.maxLen)
	case cfg.evalPairs < 0 || cfg.evalPairs == 1:
		return fmt.Errorf("-eval-pairs %d: want 0 (all) or at least 2", cfg.evalPairs)
	}
	return nil
}

// results is everything the program reports.
type results struct {
	Lang            string           `json:"lang"`
	TrainParagraphs int              `json:"train_paragraphs"`
	EvalParagraphs  int              `json:"eval_paragraphs"`
	QARecords       int              `json:"qa_records"`
	TranslationPool int              `json:"translation_pool"`
	Dropped         int              `json:"dropped_records"` // prompt filled -max-len
	EvalPairs       int              `json:"eval_pairs"`      // held-out pairs for alignment and chrF
	Vocab           int              `json:"vocab"`
	Model           models.GPTConfig `json:"model"`
	Params          int              `json:"params"`
	Steps           int              `json:"steps"`
	Batch           int              `json:"batch"`
	LR              float64          `json:"lr"`
	Amounts         []float64        `json:"amounts"`
	Seeds           int              `json:"seeds"`
	Depths          []string         `json:"depths"` // names of the hidden-state depths
	Centered        bool             `json:"centered"`
	Table           []cell           `json:"table"`
	Fits            []fit            `json:"fits"`
	Runs            []runResult      `json:"runs"`
	Interrupted     bool             `json:"interrupted,omitempty"`
	Plots           []string         `json:"plots,omitempty"`
	Seconds         float64          `json:"seconds"`
	CPUSeconds      float64          `json:"cpu_seconds"`
	// Config holds the settings that shape every run, for -resume.
	Config map[string]any `json:"config"`
}

// stat is a mean with the half-width of its 95% Student-t interval over
// seeds (0 with one seed).
type stat struct {
	Mean float64 `json:"mean"`
	CI95 float64 `json:"ci95"`
}

// cell is one row of the table: an amount of translation data over seeds.
type cell struct {
	Amount float64 `json:"amount"`
	Pairs  int     `json:"translation_pairs"`
	Runs   int     `json:"runs"`
	Gap    []stat  `json:"gap"` // per depth
	ChrF   stat    `json:"chrf"`
	// GapVsNone and ChrFVsNone are the differences from the runs without
	// translation data of the same seed (same initial weights), per depth:
	// whether translation data moved the metric, with the seed-to-seed
	// variation paired out. Empty without a 0% amount.
	GapVsNone  []stat `json:"gap_minus_none,omitempty"`
	ChrFVsNone *stat  `json:"chrf_minus_none,omitempty"`
}

// fit is a fitted scaling curve of a metric against translation pairs.
type fit struct {
	Metric string           `json:"metric"` // "chrf" or "gap_<depth>"
	Form   string           `json:"form"`   // "loglinear" or "powerlaw", fitted on the amounts with pairs > 0
	LogLin *xling.LogLinear `json:"loglinear,omitempty"`
	Power  *xling.PowerLaw  `json:"powerlaw,omitempty"`
	R2     float64          `json:"r2"`
	Error  string           `json:"error,omitempty"`
	xs, ys []float64
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	start, cpu0 := time.Now(), cputime.Now()
	dir := cfg.dataDir
	if dir == "" {
		dir = filepath.Join(data.Dir(), "xquad")
	}
	c, err := loadCorpus(dir, cfg.lang, cfg.evalParas)
	if err != nil {
		return err
	}
	src, _ := xling.LanguageName("en")
	tgt, _ := xling.LanguageName(cfg.lang)
	transRecs, err := xling.TranslationRecords(c.pool, "en", cfg.lang, true)
	if err != nil {
		return err
	}
	// The vocabulary is trained on the training text only.
	var texts []string
	for _, r := range append(slices.Clone(c.qa), transRecs...) {
		texts = append(texts, r.Prompt()+r.Output)
	}
	fmt.Fprintf(stderr, "en-%s: %d training paragraphs (%d QA records, %d translation pairs), %d held out (%d pairs); training BPE of %d\n",
		cfg.lang, c.trainParas, len(c.qa), len(c.pool), c.evalParas, len(c.heldOut), cfg.vocab)
	tok, err := text.BPETrainer{VocabSize: cfg.vocab, SpecialTokens: []string{"<|endoftext|>", "<pad>"}}.Train(texts)
	if err != nil {
		return err
	}
	eos, _ := tok.TokenID("<|endoftext|>")
	pad, _ := tok.TokenID("<pad>")
	enc := xling.Encoder{Tok: tok, BOS: eos, EOS: eos, MaxLen: cfg.maxLen}
	mc := models.DefaultGPTConfig()
	mc.VocabSize, mc.Hidden, mc.Layers, mc.Heads, mc.MaxPositions, mc.Dropout = tok.VocabSize(), cfg.hidden, cfg.layers, cfg.heads, cfg.maxLen, cfg.dropout
	ex := &experiment{cfg: cfg, tok: tok, enc: enc, pad: pad, model: mc, stderr: stderr}
	// Records whose prompt fills -max-len have no response left to learn:
	// they are dropped (and counted).
	dropped := 0
	keep := func(dst []xling.Example, r xling.Record) []xling.Example {
		e := enc.Encode(r)
		if e.Supervised() == 0 {
			dropped++
			return dst
		}
		return append(dst, e)
	}
	for _, r := range c.qa {
		ex.qa = keep(ex.qa, r)
	}
	for _, r := range transRecs {
		ex.trans = keep(ex.trans, r)
	}
	if len(ex.qa) == 0 {
		return fmt.Errorf("no QA record fits -max-len %d", cfg.maxLen)
	}
	fmt.Fprintf(stderr, "tokens per example: QA %s; translation %s (-max-len %d; %d records with no response left dropped)\n",
		lenStats(ex.qa, cfg.maxLen), lenStats(ex.trans, cfg.maxLen), cfg.maxLen, dropped)
	// Held-out pairs: those whose test prompt leaves room for -max-new tokens.
	testRecs, err := xling.TranslationRecords(c.heldOut, "en", cfg.lang, false)
	if err != nil {
		return err
	}
	for i, r := range testRecs {
		if cfg.evalPairs > 0 && len(ex.tRefs) == cfg.evalPairs {
			break
		}
		p := append([]int{eos}, tok.Encode(r.Prompt())...)
		if len(p)+cfg.maxNew > cfg.maxLen {
			continue
		}
		e, t := tok.Encode(c.heldOut[i].Source), tok.Encode(c.heldOut[i].Target)
		if len(e) == 0 || len(t) == 0 {
			continue
		}
		ex.tPrompts = append(ex.tPrompts, p)
		ex.tRefs = append(ex.tRefs, r.Output)
		ex.evalEn = append(ex.evalEn, e[:min(len(e), cfg.maxLen)])
		ex.evalTg = append(ex.evalTg, t[:min(len(t), cfg.maxLen)])
	}
	if len(ex.tRefs) < 2 {
		return fmt.Errorf("only %d held-out pairs fit -max-len %d; raise -max-len or -eval-paragraphs", len(ex.tRefs), cfg.maxLen)
	}
	res := &results{Lang: cfg.lang, TrainParagraphs: c.trainParas, EvalParagraphs: c.evalParas, QARecords: len(ex.qa),
		TranslationPool: len(ex.trans), Dropped: dropped, EvalPairs: len(ex.tRefs), Vocab: tok.VocabSize(), Model: mc,
		Params: nn.NumParams(models.NewGPT(rand.New(rand.NewPCG(0, 0)), mc)), Steps: cfg.steps, Batch: cfg.batch,
		LR: cfg.lr, Amounts: cfg.amounts, Seeds: cfg.seeds, Depths: depthNames(cfg.layers), Centered: cfg.center,
		Config: map[string]any{"lang": cfg.lang, "eval_paragraphs": cfg.evalParas, "vocab": cfg.vocab, "warmup": cfg.warmup,
			"max_len": cfg.maxLen, "max_new": cfg.maxNew, "eval_pairs": cfg.evalPairs, "center": cfg.center}}
	fmt.Fprintf(stderr, "GPT: %d layers, hidden %d, %d heads, %d positions, vocabulary %d: %d parameters; %s→%s, %d eval pairs\n",
		mc.Layers, mc.Hidden, mc.Heads, mc.MaxPositions, mc.VocabSize, res.Params, src, tgt, res.EvalPairs)

	done, err := resumed(cfg.resume, res)
	if err != nil {
		return err
	}
	ex.totalRuns = len(cfg.amounts) * cfg.seeds
	ex.start = time.Now()
	var runErr error
loop:
	for _, a := range cfg.amounts {
		for seed := 1; seed <= cfg.seeds; seed++ {
			r, ok := done[runKey{a, uint64(seed)}]
			if ok {
				ex.totalRuns--
				fmt.Fprintf(stderr, "%5s%% seed %d: resumed from %s\n", pct(a), seed, cfg.resume)
			} else if r, err = ex.train(ctx, a, uint64(seed)); err != nil {
				runErr = err
				break loop
			}
			res.Runs = append(res.Runs, r)
			fmt.Fprintf(stderr, "%5s%% (%d pairs) seed %d: gap ln_f %.4f, best %.4f; chrF %.2f; final loss %.4f; %.0f s\n",
				pct(a), r.Pairs, seed, r.Gap[len(r.Gap)-1], slices.Max(r.Gap), r.ChrF, r.FinalLoss, r.Seconds)
		}
	}
	if runErr != nil {
		if ctx.Err() == nil {
			return runErr
		}
		res.Interrupted = true
		fmt.Fprintln(stderr, "interrupted: the table holds the finished runs")
	}
	res.summarize()
	if cfg.plot != "" && len(res.Table) > 0 {
		paths, err := plotResults(res, cfg.plot)
		if err != nil {
			return err
		}
		res.Plots = paths
	}
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
	amount float64
	seed   uint64
}

// resumed returns the runs of the earlier outputs named in path
// (comma-separated; none if path is empty), refusing any whose settings
// that shape a run (data split, vocabulary, model, training and evaluation settings) differ from res's.
func resumed(path string, res *results) (map[runKey]runResult, error) {
	settings := func(r *results) map[string]any {
		return map[string]any{"training paragraphs": r.TrainParagraphs, "held-out paragraphs": r.EvalParagraphs,
			"QA records": r.QARecords, "translation pool": r.TranslationPool, "eval pairs": r.EvalPairs,
			"vocabulary": r.Vocab, "model": r.Model, "steps": r.Steps, "batch": r.Batch, "lr": r.LR, "settings": r.Config}
	}
	return cli.ResumeRuns(path, res, settings, func(r *results) []runResult { return r.Runs },
		func(r runResult) runKey { return runKey{r.Amount, r.Seed} })
}

// lenStats describes the lengths of encoded examples: mean, maximum and
// how many were cut at maxLen.
func lenStats(exs []xling.Example, maxLen int) string {
	if len(exs) == 0 {
		return "none"
	}
	sum, most, cut := 0, 0, 0
	for _, x := range exs {
		sum += len(x.IDs)
		most = max(most, len(x.IDs))
		if len(x.IDs) >= maxLen {
			cut++
		}
	}
	return fmt.Sprintf("mean %.0f, max %d, %d of %d cut", float64(sum)/float64(len(exs)), most, cut, len(exs))
}

// depthNames names the hidden-state depths models.GPT.HiddenStates returns.
func depthNames(layers int) []string {
	out := []string{"emb"}
	for i := range layers {
		out = append(out, fmt.Sprintf("h%d", i+1))
	}
	return append(out, "ln_f")
}

// pct formats a share as a percentage: 0.25 → "25".
func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', -1, 64) }

func newStat(xs []float64) stat {
	m, h := metrics.MeanCI(xs, 0.95)
	if math.IsNaN(h) {
		h = 0
	}
	return stat{m, h}
}

// summarize fills the table and the fits from the runs.
func (r *results) summarize() {
	r.Table, r.Fits = nil, nil
	for _, a := range r.Amounts {
		var runs []runResult
		for _, x := range r.Runs {
			if x.Amount == a {
				runs = append(runs, x)
			}
		}
		if len(runs) == 0 {
			continue
		}
		c := cell{Amount: a, Pairs: runs[0].Pairs, Runs: len(runs)}
		for d := range r.Depths {
			var v []float64
			for _, x := range runs {
				v = append(v, x.Gap[d])
			}
			c.Gap = append(c.Gap, newStat(v))
		}
		var v []float64
		for _, x := range runs {
			v = append(v, x.ChrF)
		}
		c.ChrF = newStat(v)
		r.Table = append(r.Table, c)
	}
	none := map[uint64]runResult{}
	for _, x := range r.Runs {
		if x.Amount == 0 {
			none[x.Seed] = x
		}
	}
	for i, c := range r.Table {
		if c.Amount == 0 || len(none) == 0 {
			continue
		}
		gaps := make([][]float64, len(r.Depths))
		var chrf []float64
		for _, x := range r.Runs {
			if b, ok := none[x.Seed]; ok && x.Amount == c.Amount {
				for d := range gaps {
					gaps[d] = append(gaps[d], x.Gap[d]-b.Gap[d])
				}
				chrf = append(chrf, x.ChrF-b.ChrF)
			}
		}
		if len(chrf) == 0 {
			continue
		}
		for _, g := range gaps {
			r.Table[i].GapVsNone = append(r.Table[i].GapVsNone, newStat(g))
		}
		st := newStat(chrf)
		r.Table[i].ChrFVsNone = &st
	}
	if len(r.Table) < 2 {
		return
	}
	// Fit on the per-amount means: chrF, the gap at the last depth, and the
	// gap after the block with the largest mean gap over the amounts (the
	// embeddings are left out: their gap is lexical overlap such as names
	// and numbers, present before any training).
	best, bestV := len(r.Depths)-1, math.Inf(-1)
	for d := 1; d < len(r.Depths)-1; d++ {
		var s float64
		for _, c := range r.Table {
			s += c.Gap[d].Mean
		}
		if s > bestV {
			best, bestV = d, s
		}
	}
	metricsToFit := []struct {
		name string
		smax float64
		y    func(c cell) float64
	}{
		{"chrf", 100, func(c cell) float64 { return c.ChrF.Mean }},
		{"gap_" + r.Depths[len(r.Depths)-1], 1, func(c cell) float64 { return c.Gap[len(r.Depths)-1].Mean }},
	}
	if best != len(r.Depths)-1 {
		metricsToFit = append(metricsToFit, struct {
			name string
			smax float64
			y    func(c cell) float64
		}{"gap_" + r.Depths[best], 1, func(c cell) float64 { return c.Gap[best].Mean }})
	}
	for _, m := range metricsToFit {
		// Both laws are fitted on the amounts with translation data (x > 0).
		var xs, ys []float64
		for _, c := range r.Table {
			if c.Pairs > 0 {
				xs, ys = append(xs, float64(c.Pairs)), append(ys, m.y(c))
			}
		}
		if len(xs) == 0 {
			continue
		}
		f := fit{Metric: m.name, Form: "loglinear", xs: xs, ys: ys}
		if slices.Min(ys) == slices.Max(ys) {
			f.Error = "all values equal"
		} else if l, err := xling.FitLogLinear(xs, ys, 1); err != nil {
			f.Error = err.Error()
		} else {
			f.LogLin, f.R2 = &l, xling.RSquared(l, xs, ys)
		}
		r.Fits = append(r.Fits, f.finite())
		f = fit{Metric: m.name, Form: "powerlaw", xs: xs, ys: ys}
		if len(xs) < 3 {
			f.Error = fmt.Sprintf("%d amounts with translation data: the power law (A, B, x0) needs at least 3", len(xs))
		} else if slices.Min(ys) == slices.Max(ys) {
			f.Error = "all values equal"
		} else if p, err := xling.FitPowerLaw(xs, ys, m.smax, 1); err != nil {
			f.Error = err.Error()
		} else {
			f.Power, f.R2 = &p, xling.RSquared(p, xs, ys)
		}
		r.Fits = append(r.Fits, f.finite())
	}
}

// finite turns a fit with a NaN or infinite parameter or R² (which JSON
// cannot hold) into an error.
func (f fit) finite() fit {
	vals := []float64{f.R2}
	if f.LogLin != nil {
		vals = append(vals, f.LogLin.A, f.LogLin.B)
	}
	if f.Power != nil {
		vals = append(vals, f.Power.Smax, f.Power.A, f.Power.B, f.Power.X0)
	}
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fit{Metric: f.Metric, Form: f.Form, Error: "the fit is not finite", xs: f.xs, ys: f.ys}
		}
	}
	return f
}

func printReport(w io.Writer, r *results) {
	m := r.Model
	fmt.Fprintf(w, "XQuAD en-%s: %d training paragraphs (%d QA records, %d translation pairs), %d held-out paragraphs (%d eval pairs)\n",
		r.Lang, r.TrainParagraphs, r.QARecords, r.TranslationPool, r.EvalParagraphs, r.EvalPairs)
	fmt.Fprintf(w, "GPT from scratch: %d layers, hidden %d, %d heads, BPE vocabulary %d: %d parameters; %d steps of %d, lr %g\n",
		m.Layers, m.Hidden, m.Heads, m.VocabSize, r.Params, r.Steps, r.Batch, r.LR)
	how := "mean-pooled"
	if r.Centered {
		how = "mean-pooled, centred"
	}
	fmt.Fprintf(w, "alignment gap = mean cos(parallel) − mean cos(non-parallel) of %s hidden states, per depth; chrF of greedy en→%s; mean ± 95%% interval over seeds:\n", how, r.Lang)
	fmt.Fprintf(w, "%-7s %-6s", "amount", "pairs")
	for _, d := range r.Depths {
		fmt.Fprintf(w, " %-17s", "gap "+d)
	}
	fmt.Fprintf(w, " %-15s\n", "chrF")
	for _, c := range r.Table {
		fmt.Fprintf(w, "%-7s %-6d", pct(c.Amount)+"%", c.Pairs)
		for _, g := range c.Gap {
			fmt.Fprintf(w, " %-17s", fmt.Sprintf("%+.4f ± %.4f", g.Mean, g.CI95))
		}
		fmt.Fprintf(w, " %-15s", fmt.Sprintf("%.2f ± %.2f", c.ChrF.Mean, c.ChrF.CI95))
		if c.Runs < 2 {
			fmt.Fprint(w, " (1 seed)")
		}
		fmt.Fprintln(w)
	}
	header := true
	for _, c := range r.Table {
		if c.ChrFVsNone == nil {
			continue
		}
		if header {
			fmt.Fprintln(w, "minus the run without translation data of the same seed (same initial weights), mean ± 95% interval:")
			header = false
		}
		fmt.Fprintf(w, "%-7s %-6d", pct(c.Amount)+"%", c.Pairs)
		for _, g := range c.GapVsNone {
			fmt.Fprintf(w, " %-17s", fmt.Sprintf("%+.4f ± %.4f", g.Mean, g.CI95))
		}
		fmt.Fprintf(w, " %-15s\n", fmt.Sprintf("%+.2f ± %.2f", c.ChrFVsNone.Mean, c.ChrFVsNone.CI95))
	}
	if len(r.Fits) > 0 {
		fmt.Fprintln(w, "scaling fits on the means (x = translation pairs):")
	}
	for _, f := range r.Fits {
		switch {
		case f.Error != "":
			fmt.Fprintf(w, "  %-10s %-9s: not fitted (%s)\n", f.Metric, f.Form, f.Error)
		case f.LogLin != nil:
			fmt.Fprintf(w, "  %-10s %-9s: S = %.4g + %.4g·ln x, R² %.3f\n", f.Metric, f.Form, f.LogLin.A, f.LogLin.B, f.R2)
		default:
			p := f.Power
			fmt.Fprintf(w, "  %-10s %-9s: S = %.4g − %.4g·(x + %.4g)^−%.4g, R² %.3f\n", f.Metric, f.Form, p.Smax, p.A, p.X0, p.B, f.R2)
		}
	}
	for _, p := range r.Plots {
		fmt.Fprintln(w, "plot:", p)
	}
	if r.Interrupted {
		fmt.Fprintln(w, "(interrupted: the table holds the finished runs only)")
	}
	fmt.Fprintf(w, "%d runs, %.0f s (%.0f cpu-s)\n", len(r.Runs), r.Seconds, r.CPUSeconds)
}
