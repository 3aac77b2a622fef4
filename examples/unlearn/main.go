// Unlearn runs the privacy–utility comparison of "Forgetting Private Textual
// Sequences in Language Models via Leave-One-Out Ensemble" (Liu and
// Kalinli, ICASSP 2024) at CPU scale, with package unlearn:
//
//  1. it reads WikiText-2 (valid + test; every article is a user) or
//     tinyshakespeare (every speaker is a user), holds out a fixed 10% of
//     the users for perplexity, builds a word vocabulary, and inserts
//     canaries "my secret number is d d d d d d" (6 random digits, a
//     randomness space of 10^6): -canaries to forget and -controls that
//     stay, each owned by a different user and inserted -reps times;
//  2. it partitions the users into -shards disjoint shards and trains a
//     teacher LSTM LM on each (unlearn.TrainShards: each shard's job reads a
//     shard file and writes a model file, up to -workers at once), and the
//     base (deployed) model on everything;
//  3. it makes every method forget the forgotten canaries: LOO ensemble
//     unlearning (soft labels from the teachers that did not see the
//     canary), full-ensemble distillation (the negative control, owner
//     included), the alternating-teacher variant, gradient ascent, SISA
//     shard retraining (the deployed model is the teachers' ensemble) and
//     retraining from scratch without the canaries (the gold reference);
//  4. it measures, for the base model and every method, the forgotten
//     canaries' exposure (interpolated among -refs random secrets and by
//     skew-normal extrapolation) and extraction rate (top beam of a beam
//     search, or any of -samples samples, restricted to digits, equal to the
//     secret), the control canaries' exposure, held-out perplexity and the
//     compute the method took;
//  5. it prints every measure as mean ± 95% Student-t interval over -seeds
//     seeds and draws exposure against perplexity in a PNG.
//
// Progress (steps, loss, ETA) goes to stderr; -json prints all results as one
// JSON object on the last line of stdout. Ctrl-C stops at the next step and
// prints the finished measurements.
//
//	go run ./examples/unlearn -quick           # a slice, about two minutes
//	go run ./examples/unlearn                  # the whole comparison (see the README for its cost)
//	go run ./examples/unlearn -seeds 3 -resume a.txt,b.txt   # combine seeds run elsewhere
//	go run ./examples/unlearn -corpus shakespeare -methods loo,full,retrain -seeds 5
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
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
	"github.com/cairn-ml/cairn/internal/cli"
	"github.com/cairn-ml/cairn/internal/cputime"
	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/unlearn"
)

// allMethods are the unlearning methods, in report order.
var allMethods = []string{"loo", "full", "alternating", "ga", "sisa", "retrain"}

// methodInfo describes each row of the report.
var methodInfo = map[string]string{
	"base":        "deployed model, nothing forgotten",
	"loo":         "leave-one-out ensemble soft labels (the paper)",
	"full":        "full-ensemble soft labels, owner included (negative control)",
	"alternating": "one random non-owner teacher per position and step",
	"ga":          "gradient ascent on the canaries (Jang et al. 2022)",
	"sisa":        "retrain the owners' shards; deploy the teachers' ensemble",
	"retrain":     "retrain from scratch without the canaries (gold reference)",
}

// config holds the flags.
type config struct {
	corpus       string
	dataDir      string
	out          string
	plot         string
	records      int
	heldout      float64
	vocab        int
	shards       int
	canaries     int
	controls     int
	reps         int
	refs         int
	beam         int
	samples      int
	arch         string
	hidden       int
	embed        int
	layers       int
	dropout      float64
	epochs       int
	batch        int
	seqLen       int
	lr           float64
	clip         float64
	workers      int
	methods      []string
	agg          string
	temperature  float64
	steps        int
	unlearnLR    float64
	retainBatch  int
	retainWeight float64
	stopAtTarget bool
	seeds        int
	firstSeed    int
	resume       string
	json         bool
}

// defaults returns the configuration of the full comparison.
func defaults() config {
	return config{
		corpus: "wikitext2", out: "unlearn_out", plot: "exposure_ppl.png", records: 2000, heldout: 0.1, vocab: 5000,
		shards: 5, canaries: 10, controls: 5, reps: 20, refs: 10000, beam: 16, samples: 100,
		arch: "lstm", hidden: 128, embed: 64, layers: 1, dropout: 0.1, epochs: 8, batch: 32, seqLen: 64,
		lr: 2e-3, clip: 1, workers: 2, methods: allMethods, agg: "mean", temperature: 1,
		steps: 1000, unlearnLR: 1e-3, retainBatch: 32, retainWeight: 1, stopAtTarget: true, seeds: 3, firstSeed: 1,
	}
}

// quick holds the settings -quick changes (flags given explicitly win).
var quick = cli.Preset{
	"records": "1500", "vocab": "2000", "shards": "3", "canaries": "3", "controls": "2", "refs": "1000",
	"samples": "50", "hidden": "64", "embed": "32", "epochs": "1", "reps": "5", "steps": "40", "retain-batch": "8",
	"seeds": "2",
}

func main() {
	cfg, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "unlearn:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "unlearn:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line into a checked config.
func parseFlags(fs *flag.FlagSet, args []string) (config, error) {
	cfg := defaults()
	fs.StringVar(&cfg.corpus, "corpus", cfg.corpus, "corpus: wikitext2 (valid+test, users = articles) or shakespeare (users = speakers)")
	fs.StringVar(&cfg.dataDir, "data", "", "directory of cairn's data sets (default: data.Dir())")
	fs.StringVar(&cfg.out, "out", cfg.out, "directory for the shard files, the models and the plot")
	fs.StringVar(&cfg.plot, "plot", cfg.plot, "PNG of forgotten-canary exposure against held-out perplexity, in -out (empty: none)")
	fs.IntVar(&cfg.records, "records", cfg.records, "use only the first this many lines of the corpus (0: all)")
	fs.Float64Var(&cfg.heldout, "heldout", cfg.heldout, "share of the users held out for perplexity (fixed across seeds)")
	fs.IntVar(&cfg.vocab, "vocab", cfg.vocab, "vocabulary size, <eos>, <unk> and the canary words included")
	fs.IntVar(&cfg.shards, "shards", cfg.shards, "shards of users, one teacher each")
	fs.IntVar(&cfg.canaries, "canaries", cfg.canaries, "canaries to forget, each in a different user")
	fs.IntVar(&cfg.controls, "controls", cfg.controls, "control canaries, in other users, never forgotten")
	fs.IntVar(&cfg.reps, "reps", cfg.reps, "copies of every canary inserted")
	fs.IntVar(&cfg.refs, "refs", cfg.refs, "random reference secrets of the exposure metric")
	fs.IntVar(&cfg.beam, "beam", cfg.beam, "beam width of the extraction attack")
	fs.IntVar(&cfg.samples, "samples", cfg.samples, "samples of the sampling extraction attack")
	fs.StringVar(&cfg.arch, "arch", cfg.arch, "model: lstm or gpt")
	fs.IntVar(&cfg.hidden, "hidden", cfg.hidden, "LSTM state size or GPT width")
	fs.IntVar(&cfg.embed, "embed", cfg.embed, "LSTM embedding size (0: -hidden)")
	fs.IntVar(&cfg.layers, "layers", cfg.layers, "LSTM layers or GPT blocks")
	fs.Float64Var(&cfg.dropout, "dropout", cfg.dropout, "dropout")
	fs.IntVar(&cfg.epochs, "epochs", cfg.epochs, "training epochs of the base model, the teachers and the retrained models")
	fs.IntVar(&cfg.batch, "batch", cfg.batch, "windows per training step")
	fs.IntVar(&cfg.seqLen, "seq-len", cfg.seqLen, "predictions per training window")
	fs.Float64Var(&cfg.lr, "lr", cfg.lr, "Adam learning rate of training")
	fs.Float64Var(&cfg.clip, "clip", cfg.clip, "gradient norm clip of training and unlearning (0: none)")
	fs.IntVar(&cfg.workers, "workers", cfg.workers, "teacher (shard) jobs run at once")
	methods := fs.String("methods", strings.Join(allMethods, ","), "methods, comma-separated, of "+strings.Join(allMethods, ","))
	fs.StringVar(&cfg.agg, "agg", cfg.agg, "teacher aggregation: mean, weighted (by shard size) or geometric")
	fs.Float64Var(&cfg.temperature, "temperature", cfg.temperature, "temperature of the teachers' logits")
	fs.IntVar(&cfg.steps, "steps", cfg.steps, "unlearning steps (loo, full, alternating, ga)")
	fs.Float64Var(&cfg.unlearnLR, "unlearn-lr", cfg.unlearnLR, "Adam learning rate of unlearning")
	fs.IntVar(&cfg.retainBatch, "retain-batch", cfg.retainBatch, "retained sequences per unlearning step (the utility guard)")
	fs.Float64Var(&cfg.retainWeight, "retain-weight", cfg.retainWeight, "weight of the retain guard's cross-entropy (0: no guard)")
	fs.BoolVar(&cfg.stopAtTarget, "stop-at-target", cfg.stopAtTarget, "stop LOO-style unlearning once the canaries' log-perplexity reaches the LOO ensemble's")
	fs.IntVar(&cfg.seeds, "seeds", cfg.seeds, "seeds: canaries, partition, initialisation, references")
	fs.IntVar(&cfg.firstSeed, "first-seed", cfg.firstSeed, "the first seed: the run measures -first-seed … -first-seed + -seeds − 1 (to split seeds over processes)")
	fs.StringVar(&cfg.resume, "resume", "", "files, comma-separated, each ending with the -json output of an earlier run with the same settings (seeds and methods may differ): a seed measured there for the base and every -methods is reused, each method from the first file holding it (the files must agree on its base model), only the others run")
	fs.BoolVar(&cfg.json, "json", false, "print the results as one JSON object on the last line of stdout")
	q := fs.Bool("quick", false, "a slice with a smaller model, about two minutes: "+quick.String())
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
	if cfg.methods, err = parseMethods(*methods); err != nil {
		return cfg, err
	}
	return cfg, cfg.check()
}

func parseMethods(s string) ([]string, error) {
	var out []string
	for m := range strings.SplitSeq(s, ",") {
		m = strings.TrimSpace(m)
		if !slices.Contains(allMethods, m) {
			return nil, fmt.Errorf("-methods %q: %q is not one of %s", s, m, strings.Join(allMethods, ","))
		}
		if slices.Contains(out, m) {
			return nil, fmt.Errorf("-methods %q: %s repeated", s, m)
		}
		out = append(out, m)
	}
	return out, nil
}

func (cfg *config) check() error {
	switch {
	case cfg.corpus != "wikitext2" && cfg.corpus != "shakespeare":
		return fmt.Errorf("-corpus %q: want wikitext2 or shakespeare", cfg.corpus)
	case cfg.out == "":
		return errors.New("-out: name a directory for the shard and model files")
	case cfg.records < 0:
		return errors.New("-records must not be negative")
	case !(cfg.heldout > 0 && cfg.heldout < 1):
		return fmt.Errorf("-heldout %v: want a share in (0, 1)", cfg.heldout)
	case cfg.vocab < 20:
		return fmt.Errorf("-vocab %d: want at least 20 (the canary words are kept)", cfg.vocab)
	case cfg.shards < 2:
		return fmt.Errorf("-shards %d: leave-one-out needs at least 2", cfg.shards)
	case cfg.canaries < 1 || cfg.controls < 0 || cfg.reps < 1:
		return errors.New("-canaries and -reps must be at least 1, -controls not negative")
	case cfg.refs < 10 || cfg.refs > 900000:
		return fmt.Errorf("-refs %d: want 10 to 900000 (the randomness space is 10^6)", cfg.refs)
	case cfg.beam < 1 || cfg.samples < 1:
		return errors.New("-beam and -samples must be at least 1")
	case cfg.arch != "lstm" && cfg.arch != "gpt":
		return fmt.Errorf("-arch %q: want lstm or gpt", cfg.arch)
	case cfg.hidden < 1 || cfg.embed < 0 || cfg.layers < 1:
		return errors.New("-hidden and -layers must be at least 1, -embed not negative")
	case !(cfg.dropout >= 0 && cfg.dropout < 1):
		return fmt.Errorf("-dropout %v: want [0, 1)", cfg.dropout)
	case cfg.epochs < 1 || cfg.batch < 1 || cfg.seqLen < 1 || cfg.workers < 1 || cfg.steps < 1 || cfg.seeds < 1 || cfg.firstSeed < 1:
		return errors.New("-epochs, -batch, -seq-len, -workers, -steps, -seeds and -first-seed must be at least 1")
	case !(cfg.lr > 0) || math.IsInf(cfg.lr, 0) || !(cfg.unlearnLR > 0) || math.IsInf(cfg.unlearnLR, 0):
		return errors.New("-lr and -unlearn-lr must be positive")
	case !(cfg.clip >= 0) || !(cfg.retainWeight >= 0) || cfg.retainBatch < 1:
		return errors.New("-clip and -retain-weight must not be negative, -retain-batch at least 1")
	case aggOp(cfg.agg) < 0:
		return fmt.Errorf("-agg %q: want mean, weighted or geometric", cfg.agg)
	case !(cfg.temperature > 0) || math.IsInf(cfg.temperature, 0):
		return fmt.Errorf("-temperature %v: want a positive number", cfg.temperature)
	}
	return nil
}

// aggOp returns the unlearn.AggOp of an -agg name, -1 if unknown.
func aggOp(s string) unlearn.AggOp {
	switch s {
	case "mean":
		return unlearn.Mean
	case "weighted":
		return unlearn.SizeWeighted
	case "geometric":
		return unlearn.Geometric
	}
	return -1
}

// modelConfig is the architecture of every model, for a vocabulary of v ids.
func (cfg *config) modelConfig(v int) unlearn.ModelConfig {
	c := unlearn.ModelConfig{Arch: cfg.arch, Vocab: v, Hidden: cfg.hidden, Layers: cfg.layers, Dropout: cfg.dropout}
	if cfg.arch == "lstm" {
		c.Embed = cfg.embed
	} else {
		c.MaxPositions = cfg.seqLen + 1
	}
	return c
}

// trainConfig is the training of the base model, the teachers and the
// retrained models of one seed.
func (cfg *config) trainConfig(v int, seed uint64) unlearn.TrainConfig {
	return unlearn.TrainConfig{Model: cfg.modelConfig(v), Epochs: cfg.epochs, BatchSize: cfg.batch, SeqLen: cfg.seqLen,
		LR: cfg.lr, ClipNorm: cfg.clip, Seed: seed}
}

// num is a float64 that encodes NaN and infinities as JSON null.
type num float64

func (x num) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(x))
}

// results is everything the program reports.
type results struct {
	Corpus      string         `json:"corpus"`
	Data        dataInfo       `json:"data"`
	Model       any            `json:"model"`
	Params      int            `json:"params"`
	Methods     []string       `json:"methods"`
	Seeds       int            `json:"seeds"`
	Summary     []summary      `json:"summary"`
	Paired      []paired       `json:"paired"`
	Runs        []runResult    `json:"runs"`
	Setup       []setupResult  `json:"setup"` // base and teachers, per seed
	Interrupted bool           `json:"interrupted,omitempty"`
	Seconds     float64        `json:"seconds"`
	CPUSeconds  float64        `json:"cpu_seconds"`
	Config      map[string]any `json:"config"`
	Plot        string         `json:"plot,omitempty"`
}

// dataInfo describes the corpus as used.
type dataInfo struct {
	Records        int `json:"records"`
	Users          int `json:"users"`
	TrainRecords   int `json:"train_records"` // canaries included
	TrainTokens    int `json:"train_tokens"`
	HeldoutUsers   int `json:"heldout_users"`
	HeldoutRecords int `json:"heldout_records"`
	HeldoutTokens  int `json:"heldout_tokens"`
	Vocab          int `json:"vocab"`
	Space          num `json:"randomness_space"`
}

// runResult is the measurement of one model (a method's, or the base's) at
// one seed.
type runResult struct {
	Method string `json:"method"`
	Seed   int    `json:"seed"`
	// Exposure of the forgotten canaries, interpolated among the
	// references (capped at log2 refs) and extrapolated (skew-normal).
	ForgetExposure      num `json:"forget_exposure"`
	ForgetExposureExtra num `json:"forget_exposure_extrapolated"`
	// BeamRate and SampleRate are the shares of forgotten canaries
	// extracted by beam search (top beam) and by sampling (any sample).
	BeamRate             num     `json:"beam_extraction"`
	SampleRate           num     `json:"sample_extraction"`
	ControlExposure      num     `json:"control_exposure"`
	ControlExposureExtra num     `json:"control_exposure_extrapolated"`
	ControlBeamRate      num     `json:"control_beam_extraction"`
	Perplexity           num     `json:"heldout_perplexity"`
	Steps                int     `json:"steps"` // optimizer steps of the method (retrained shards for sisa)
	Seconds              float64 `json:"seconds"`
	CPUSeconds           float64 `json:"cpu_seconds"`
	ForgetValues         []num   `json:"forget_exposures"` // per forgotten canary, interpolated
}

// setupResult is the cost of the models every method starts from.
type setupResult struct {
	Seed              int       `json:"seed"`
	BaseSeconds       float64   `json:"base_seconds"`
	BaseCPUSeconds    float64   `json:"base_cpu_seconds"`
	BaseSteps         int       `json:"base_steps"`
	BaseLoss          float64   `json:"base_final_loss"`
	TeacherSeconds    float64   `json:"teachers_seconds"`
	TeacherCPUSeconds float64   `json:"teachers_cpu_seconds"`
	ShardTokens       []int     `json:"shard_tokens"`
	TeacherLoss       []float64 `json:"teacher_final_loss"`
	Owners            []int     `json:"owners"` // shard of each forgotten canary
}

// stat is a mean with the half-width of its 95% Student-t interval over
// seeds (0 with one seed).
type stat struct {
	Mean num `json:"mean"`
	CI95 num `json:"ci95"`
}

// summary is one row of the table.
type summary struct {
	Method          string `json:"method"`
	N               int    `json:"n"`
	ForgetExposure  stat   `json:"forget_exposure"`
	ForgetExtra     stat   `json:"forget_exposure_extrapolated"`
	BeamRate        stat   `json:"beam_extraction"`
	SampleRate      stat   `json:"sample_extraction"`
	ControlExposure stat   `json:"control_exposure"`
	Perplexity      stat   `json:"heldout_perplexity"`
	Seconds         stat   `json:"seconds"`
	CPUSeconds      stat   `json:"cpu_seconds"`
}

// paired is one method's differences from the reference models of the
// same seed (same canaries, partition and base model), mean ± 95%
// interval over the seeds that measured both: the acceptance is stated in
// these terms.
type paired struct {
	Method string `json:"method"`
	N      int    `json:"n"` // seeds with both this method and the base measured
	// ForgetVsRetrain is the forgotten canaries' exposure minus
	// retrain's (bits; NaN without retrain), ForgetVsFull minus full's.
	ForgetVsRetrain stat `json:"forget_minus_retrain"`
	ForgetVsFull    stat `json:"forget_minus_full"`
	// ControlVsBase is the control canaries' exposure minus the base's
	// (bits), PerplexityVsBase the relative change of held-out perplexity
	// from the base's (%).
	ControlVsBase    stat `json:"control_minus_base"`
	PerplexityVsBase stat `json:"perplexity_vs_base_percent"`
}

func meanCI(xs []float64) stat {
	m, h := metrics.MeanCI(xs, 0.95)
	if math.IsNaN(h) {
		h = 0
	}
	return stat{num(m), num(h)}
}

// summarize fills the table from the runs.
func (r *results) summarize() {
	r.Summary = nil
	for _, m := range append([]string{"base"}, r.Methods...) {
		var fe, fx, br, sr, ce, pp, sec, cpu []float64
		for _, run := range r.Runs {
			if run.Method != m {
				continue
			}
			fe, fx = append(fe, float64(run.ForgetExposure)), append(fx, float64(run.ForgetExposureExtra))
			br, sr = append(br, float64(run.BeamRate)), append(sr, float64(run.SampleRate))
			ce, pp = append(ce, float64(run.ControlExposure)), append(pp, float64(run.Perplexity))
			sec, cpu = append(sec, run.Seconds), append(cpu, run.CPUSeconds)
		}
		if len(fe) == 0 {
			continue
		}
		r.Summary = append(r.Summary, summary{Method: m, N: len(fe), ForgetExposure: meanCI(fe), ForgetExtra: meanCI(fx),
			BeamRate: meanCI(br), SampleRate: meanCI(sr), ControlExposure: meanCI(ce), Perplexity: meanCI(pp),
			Seconds: meanCI(sec), CPUSeconds: meanCI(cpu)})
	}
	r.Paired = nil
	bySeed := map[string]map[int]runResult{}
	for _, run := range r.Runs {
		if bySeed[run.Method] == nil {
			bySeed[run.Method] = map[int]runResult{}
		}
		bySeed[run.Method][run.Seed] = run
	}
	// diff pairs method m's runs with ref's by seed (NaN without ref, or
	// when m is ref).
	diff := func(m, ref string, f func(a, b runResult) float64) stat {
		var xs []float64
		if m == ref {
			return stat{num(math.NaN()), num(math.NaN())}
		}
		for _, run := range r.Runs {
			if b, ok := bySeed[ref][run.Seed]; ok && run.Method == m {
				xs = append(xs, f(run, b))
			}
		}
		if len(xs) == 0 {
			return stat{num(math.NaN()), num(math.NaN())}
		}
		return meanCI(xs)
	}
	forget := func(a, b runResult) float64 { return float64(a.ForgetExposure - b.ForgetExposure) }
	for _, m := range r.Methods {
		n := 0
		for seed := range bySeed[m] {
			if _, ok := bySeed["base"][seed]; ok {
				n++
			}
		}
		if n == 0 {
			continue
		}
		r.Paired = append(r.Paired, paired{Method: m, N: n,
			ForgetVsRetrain: diff(m, "retrain", forget), ForgetVsFull: diff(m, "full", forget),
			ControlVsBase:    diff(m, "base", func(a, b runResult) float64 { return float64(a.ControlExposure - b.ControlExposure) }),
			PerplexityVsBase: diff(m, "base", func(a, b runResult) float64 { return 100 * float64(a.Perplexity/b.Perplexity-1) }),
		})
	}
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	start, cpu0 := time.Now(), cputime.Now()
	dir := cfg.dataDir
	if dir == "" {
		dir = data.Dir()
	}
	records, err := readCorpus(dir, cfg.corpus)
	if err != nil {
		return err
	}
	if cfg.records > 0 && cfg.records < len(records) {
		records = records[:cfg.records]
	}
	train, held, info := splitUsers(records, cfg.heldout)
	f := unlearn.DefaultCanaryFormat()
	vocab := unlearn.BuildVocab(train, cfg.vocab, append(slices.Clone(f.Prefix), f.Alphabet...)...)
	info.Vocab, info.Space = vocab.Size(), num(f.SpaceSize())
	heldSeqs := vocab.Sequences(held)
	for _, s := range heldSeqs {
		info.HeldoutTokens += len(s) - 1
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	res := &results{Corpus: cfg.corpus, Data: info, Model: cfg.modelConfig(vocab.Size()), Methods: cfg.methods,
		Seeds: cfg.seeds, Config: cfg.describe()}
	if m, err := unlearn.NewLM(rand.New(rand.NewPCG(0, 0)), cfg.modelConfig(vocab.Size())); err == nil {
		res.Params = nn.NumParams(m)
	} else {
		return err
	}
	fmt.Fprintf(stderr, "%s: %d lines of %d users; training %d users, held out %d users (%d lines, %d tokens); vocabulary %d\n",
		cfg.corpus, info.Records, info.Users, info.Users-info.HeldoutUsers, info.HeldoutUsers, info.HeldoutRecords,
		info.HeldoutTokens, vocab.Size())

	done, err := resumedSeeds(cfg, res)
	if err != nil {
		return err
	}
	ex := &experiment{cfg: cfg, f: f, vocab: vocab, train: train, held: heldSeqs, stderr: stderr, res: res, start: time.Now()}
	ex.plan(cfg.seeds - len(done))
	var runErr error
	for seed := cfg.firstSeed; seed < cfg.firstSeed+cfg.seeds && runErr == nil; seed++ {
		if d, ok := done[seed]; ok {
			res.Setup = append(res.Setup, d.setup)
			res.Runs = append(res.Runs, d.runs...)
			res.Data.TrainRecords, res.Data.TrainTokens = d.data.TrainRecords, d.data.TrainTokens
			fmt.Fprintf(stderr, "seed %d: resumed from %s\n", seed, strings.Join(d.files, ", "))
			continue
		}
		runErr = ex.seed(ctx, seed)
	}
	if runErr != nil {
		if ctx.Err() == nil {
			return runErr
		}
		res.Interrupted = true
		fmt.Fprintln(stderr, "interrupted: the table holds the finished measurements")
	}
	res.summarize()
	if cfg.plot != "" && len(res.Summary) > 0 {
		p := filepath.Join(cfg.out, cfg.plot)
		if err := plotTradeoff(res, p); err != nil {
			return err
		}
		res.Plot = p
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

// resumedSeed is a seed measured by earlier runs: its setup and its runs
// (the base's and those of the current -methods, in report order), and
// the files they came from.
type resumedSeed struct {
	files []string
	data  dataInfo
	setup setupResult
	runs  []runResult
}

// resumedSeeds reads the earlier outputs named by -resume and returns, by
// seed, the seeds (at most -seeds) measured for the base and every current
// method, each method's run taken from the first file holding it, so a
// seed's methods may come from several runs (e.g. loo and full from one,
// ga and retrain from another). The settings must match, -workers aside
// (it changes the speed, not the results), and so must the base model of a
// seed found in several files: training is deterministic given the seed,
// so a different base means the files are not the same experiment.
func resumedSeeds(cfg config, now *results) (map[int]resumedSeed, error) {
	settings := func(r *results) map[string]any {
		s := maps.Clone(r.Config)
		delete(s, "workers")
		s["corpus"], s["model"] = r.Corpus, r.Model
		return s
	}
	prevs, err := cli.Resume(cfg.resume, now, settings)
	if err != nil {
		return nil, err
	}
	paths := strings.Split(cfg.resume, ",")
	found := map[int]*resumedSeed{}
	byMethod := map[int]map[string]runResult{}
	baseFile := map[int]string{}
	for i, p := range prevs {
		for _, st := range p.Setup {
			if st.Seed < cfg.firstSeed || st.Seed >= cfg.firstSeed+cfg.seeds {
				continue
			}
			d := found[st.Seed]
			if d == nil {
				d = &resumedSeed{data: p.Data, setup: st}
				found[st.Seed], byMethod[st.Seed] = d, map[string]runResult{}
			} else if len(d.setup.TeacherLoss) == 0 && len(st.TeacherLoss) > 0 {
				// The first file ran no teachers (e.g. -methods ga,retrain): take
				// their cost from one that did.
				d.setup.TeacherSeconds, d.setup.TeacherCPUSeconds = st.TeacherSeconds, st.TeacherCPUSeconds
				d.setup.TeacherLoss, d.setup.ShardTokens = st.TeacherLoss, st.ShardTokens
			}
			used := false
			for _, r := range p.Runs {
				if r.Seed != st.Seed {
					continue
				}
				prev, dup := byMethod[st.Seed][r.Method]
				switch {
				case !dup:
					byMethod[st.Seed][r.Method], used = r, true
					if r.Method == "base" {
						baseFile[st.Seed] = paths[i]
					}
				case r.Method == "base" && !sameMeasure(prev, r):
					return nil, fmt.Errorf("-resume: seed %d's base model differs between %s (exposure %.4f, perplexity %.4f) and %s (%.4f, %.4f): not the same experiment",
						st.Seed, baseFile[st.Seed], prev.ForgetExposure, prev.Perplexity, paths[i], r.ForgetExposure, r.Perplexity)
				}
			}
			if used {
				d.files = append(d.files, paths[i])
			}
		}
	}
	out := map[int]resumedSeed{}
	for seed, d := range found {
		for _, m := range append([]string{"base"}, cfg.methods...) {
			if r, ok := byMethod[seed][m]; ok {
				d.runs = append(d.runs, r)
			}
		}
		if len(d.runs) == 1+len(cfg.methods) {
			out[seed] = *d
		}
	}
	return out, nil
}

// sameMeasure reports whether two runs measured the same model: the same
// forgotten canaries' exposures and held-out perplexity.
func sameMeasure(a, b runResult) bool {
	return a.ForgetExposure == b.ForgetExposure && a.Perplexity == b.Perplexity && slices.Equal(a.ForgetValues, b.ForgetValues)
}

// describe lists the settings for the JSON output.
func (cfg *config) describe() map[string]any {
	return map[string]any{
		"records": cfg.records, "heldout": cfg.heldout, "vocab": cfg.vocab, "shards": cfg.shards,
		"canaries": cfg.canaries, "controls": cfg.controls, "reps": cfg.reps, "refs": cfg.refs, "beam": cfg.beam,
		"samples": cfg.samples, "epochs": cfg.epochs, "batch": cfg.batch, "seq_len": cfg.seqLen, "lr": cfg.lr,
		"clip": cfg.clip, "workers": cfg.workers, "agg": cfg.agg, "temperature": cfg.temperature, "steps": cfg.steps,
		"unlearn_lr": cfg.unlearnLR, "retain_batch": cfg.retainBatch, "retain_weight": cfg.retainWeight,
		"stop_at_target": cfg.stopAtTarget,
	}
}

// readCorpus reads the records of a corpus; WikiText's users are prefixed
// with the file name, since both files number their articles from 1.
func readCorpus(dir, corpus string) ([]unlearn.Record, error) {
	if corpus == "shakespeare" {
		return unlearn.ReadFile(filepath.Join(dir, "tinyshakespeare", "input.txt.gz"), unlearn.ReadShakespeare)
	}
	var all []unlearn.Record
	for _, split := range []string{"valid", "test"} {
		rs, err := unlearn.ReadFile(filepath.Join(dir, "wikitext2", split+".txt.gz"), unlearn.ReadWikiText)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			r.User = split + "/" + r.User
			all = append(all, r)
		}
	}
	return all, nil
}

// splitUsers holds out a fixed share of the users (drawn with a fixed
// seed, in order of first appearance), all their records with them.
func splitUsers(records []unlearn.Record, share float64) (train, held []unlearn.Record, info dataInfo) {
	var users []string
	seen := map[string]bool{}
	for _, r := range records {
		if !seen[r.User] {
			seen[r.User] = true
			users = append(users, r.User)
		}
	}
	nHeld := max(1, int(math.Round(share*float64(len(users)))))
	heldSet := map[string]bool{}
	for _, i := range rand.New(rand.NewPCG(0, 7)).Perm(len(users))[:min(nHeld, len(users)-1)] {
		heldSet[users[i]] = true
	}
	for _, r := range records {
		if heldSet[r.User] {
			held = append(held, r)
		} else {
			train = append(train, r)
		}
	}
	info = dataInfo{Records: len(records), Users: len(users), HeldoutUsers: len(heldSet), HeldoutRecords: len(held)}
	return train, held, info
}

// experiment holds what every seed shares.
type experiment struct {
	cfg    config
	f      unlearn.CanaryFormat
	vocab  *unlearn.Vocab
	train  []unlearn.Record
	held   [][]int
	stderr io.Writer
	res    *results
	prog   progress
	start  time.Time
}

// progress counts training and unlearning steps against the plan, for the
// ETA; Progress callbacks of concurrent shard jobs share it.
type progress struct {
	mu    sync.Mutex
	total int // planned steps of the whole run
	done  int
	last  time.Time
	what  string
}

// plan estimates the steps of the seeds to run: per seed, the base model, the
// teachers (together one pass over the data), the retrained model, the
// owners' shards for SISA (at most -canaries shards) and the unlearning runs.
func (ex *experiment) plan(seeds int) {
	epoch := epochSteps(ex)
	perSeed := epoch * ex.cfg.epochs // base
	if needsTeachers(ex.cfg.methods) {
		perSeed += epoch * ex.cfg.epochs
	}
	for _, m := range ex.cfg.methods {
		switch m {
		case "retrain":
			perSeed += epoch * ex.cfg.epochs
		case "sisa":
			perSeed += epoch * ex.cfg.epochs * min(ex.cfg.canaries, ex.cfg.shards) / ex.cfg.shards
		default:
			perSeed += ex.cfg.steps
		}
	}
	ex.prog.total = perSeed * seeds
	ex.prog.last = time.Now() // the first line after progressEvery, with a meaningful rate
}

// progressEvery is the least time between two progress lines.
var progressEvery = 5 * time.Second

// epochSteps is the number of training steps of one epoch over the
// training users: a record of n tokens is a sequence of n+1 predictions,
// split into windows of -seq-len.
func epochSteps(ex *experiment) int {
	w := 0
	for _, r := range ex.train {
		w += max(1, (len(r.Tokens)+1+ex.cfg.seqLen-1)/ex.cfg.seqLen)
	}
	return (w + ex.cfg.batch - 1) / ex.cfg.batch
}

// step records a finished step and prints progress at most every
// progressEvery.
func (ex *experiment) step(loss float64) {
	p := &ex.prog
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if time.Since(p.last) < progressEvery {
		return
	}
	p.last = time.Now()
	el := time.Since(ex.start)
	eta := "?"
	if p.done > 0 && p.done < p.total {
		eta = (time.Duration(float64(el) * float64(p.total-p.done) / float64(p.done))).Round(time.Second).String()
	}
	fmt.Fprintf(ex.stderr, "  %s: loss %.3f; %d/%d planned steps, %s elapsed, ETA %s\n",
		p.what, loss, p.done, p.total, el.Round(time.Second), eta)
}

func (ex *experiment) setWhat(s string) {
	ex.prog.mu.Lock()
	ex.prog.what = s
	ex.prog.mu.Unlock()
}

// seed runs one seed: canaries, partition, base and teachers, then every
// method and its measurements.
func (ex *experiment) seed(ctx context.Context, seed int) error {
	cfg := ex.cfg
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	cans, err := unlearn.NewCanaries(ex.train, ex.f, cfg.canaries+cfg.controls, cfg.reps, rng)
	if err != nil {
		return err
	}
	forget, control := cans[:cfg.canaries], cans[cfg.canaries:]
	recs, err := unlearn.InsertCanaries(ex.train, ex.f, cans, rng)
	if err != nil {
		return err
	}
	part, err := unlearn.PartitionByUser(recs, cfg.shards, rng)
	if err != nil {
		return err
	}
	if err := part.Check(recs); err != nil {
		return err
	}
	st := setupResult{Seed: seed, ShardTokens: part.Tokens()}
	var reqs []unlearn.Request
	var forgetSeqs [][]int
	for _, c := range forget {
		owner, err := part.Owner(ex.f.Tokens(c.Secret))
		if err != nil {
			return fmt.Errorf("seed %d: canary %v: %w", seed, c.Secret, err)
		}
		s := ex.vocab.Sequence(ex.f.Tokens(c.Secret))
		reqs = append(reqs, unlearn.Request{Tokens: s, Owner: owner, Start: 1 + len(ex.f.Prefix)})
		forgetSeqs = append(forgetSeqs, s)
		st.Owners = append(st.Owners, owner)
	}
	var exclude [][]string
	for _, c := range cans {
		exclude = append(exclude, c.Secret)
	}
	refs := encodeAll(ex.vocab, ex.f.RandomSecrets(rng, cfg.refs, exclude...))
	ev := &evaluator{ex: ex, prefix: append([]int{unlearn.EOS}, ex.vocab.Encode(ex.f.Prefix)...),
		forget: secretsOf(ex.vocab, forget), control: secretsOf(ex.vocab, control), refs: refs,
		allowed: ex.vocab.Encode(ex.f.Alphabet), rng: rand.New(rand.NewPCG(uint64(seed), 2))}
	all := ex.vocab.Sequences(recs)
	tc := cfg.trainConfig(ex.vocab.Size(), uint64(seed))
	tc.Progress = func(_ int, l float64) { ex.step(l) }
	dir := filepath.Join(cfg.out, fmt.Sprintf("seed%d", seed))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	retain := unlearn.Without(all, forgetSeqs) // the guard must not teach the canaries again
	ex.res.Data.TrainRecords = len(recs)
	ex.res.Data.TrainTokens = 0
	for _, s := range all {
		ex.res.Data.TrainTokens += len(s) - 1
	}

	// The base (deployed) model, on everything.
	fmt.Fprintf(ex.stderr, "seed %d: %d training lines (%d tokens), %d shards of %v tokens; forgotten canaries in shards %v\n",
		seed, len(recs), ex.res.Data.TrainTokens, cfg.shards, st.ShardTokens, st.Owners)
	ex.setWhat(fmt.Sprintf("seed %d base", seed))
	t0, c0 := time.Now(), cputime.Now()
	base, err := unlearn.NewLM(rand.New(rand.NewPCG(uint64(seed), 3)), tc.Model)
	if err != nil {
		return err
	}
	tr, err := unlearn.Train(ctx, base, all, tc)
	if err != nil {
		return err
	}
	st.BaseSeconds, st.BaseCPUSeconds, st.BaseSteps, st.BaseLoss = time.Since(t0).Seconds(), (cputime.Now() - c0).Seconds(), tr.Steps, tr.FinalLoss

	// The teachers: one file-based job per shard, when a method uses them.
	var ts teacherSet
	if needsTeachers(cfg.methods) {
		if ts, err = ex.teachers(ctx, dir, part, tc, &st); err != nil {
			return err
		}
	}
	ens := ts.ens
	ex.res.Setup = append(ex.res.Setup, st)
	teach := "no teachers (no method of -methods uses them)"
	if ens != nil {
		teach = fmt.Sprintf("teachers %.0f s", st.TeacherSeconds)
	}
	fmt.Fprintf(ex.stderr, "seed %d: base %d steps, loss %.3f, %.0f s; %s\n", seed, tr.Steps, tr.FinalLoss, st.BaseSeconds, teach)

	r, err := ev.measure(ctx, "base", seed, base)
	if err != nil {
		return err
	}
	r.Steps, r.Seconds, r.CPUSeconds = tr.Steps, st.BaseSeconds, st.BaseCPUSeconds
	ex.add(r)

	for _, m := range cfg.methods {
		ex.setWhat(fmt.Sprintf("seed %d %s", seed, m))
		t0, c0 = time.Now(), cputime.Now()
		var model unlearn.LM
		var steps int
		uc := unlearn.UnlearnConfig{Steps: cfg.steps, LR: cfg.unlearnLR, ClipNorm: cfg.clip, Seed: uint64(seed),
			StopAtTarget: cfg.stopAtTarget, Progress: func(_ int, l float64) { ex.step(l) }}
		if cfg.retainWeight > 0 {
			uc.Retain, uc.RetainBatch, uc.RetainWeight = retain, cfg.retainBatch, cfg.retainWeight
		}
		switch m {
		case "loo", "full", "alternating", "ga":
			if model, err = unlearn.CloneLM(base); err != nil {
				return err
			}
			var ur unlearn.UnlearnResult
			if m == "ga" {
				uc.StopAtTarget = false
				ur, err = unlearn.GradientAscent(ctx, model, reqs, uc)
			} else {
				uc.Method = map[string]unlearn.Method{"loo": unlearn.LeaveOneOut, "full": unlearn.FullEnsemble, "alternating": unlearn.Alternating}[m]
				ur, err = unlearn.Unlearn(ctx, model, ens, reqs, uc)
			}
			steps = ur.Steps
		case "sisa":
			var files []string
			var retrained []int
			files, retrained, err = unlearn.SISARetrain(ctx, ts.shardFiles, ts.teacherFiles, forgetSeqs, tc, filepath.Join(dir, "sisa"), cfg.workers)
			if err == nil {
				var ts []unlearn.LM
				if ts, err = unlearn.LoadTeachers(files); err == nil {
					model = (&unlearn.Ensemble{Teachers: ts, Sizes: ens.Sizes, Op: ens.Op, Temperature: ens.Temperature}).LM(-1)
				}
			}
			steps = len(retrained)
		case "retrain":
			var rr unlearn.TrainResult
			model, rr, err = unlearn.RetrainWithout(ctx, all, forgetSeqs, tc)
			steps = rr.Steps
		}
		if err != nil {
			return err
		}
		sec, cpu := time.Since(t0).Seconds(), (cputime.Now() - c0).Seconds()
		r, err := ev.measure(ctx, m, seed, model)
		if err != nil {
			return err
		}
		r.Steps, r.Seconds, r.CPUSeconds = steps, sec, cpu
		ex.add(r)
	}
	return nil
}

// needsTeachers reports whether a method of ms uses the shard teachers
// (ga and retrain do not, so a run of those alone trains none).
func needsTeachers(ms []string) bool {
	return slices.ContainsFunc(ms, func(m string) bool { return m != "ga" && m != "retrain" })
}

// teacherSet is one seed's shard and teacher files and the teachers'
// ensemble (the shards' sizes in its Sizes).
type teacherSet struct {
	shardFiles, teacherFiles []string
	ens                      *unlearn.Ensemble
}

// teachers writes every shard of part to a file in dir and trains one
// teacher per shard from it (a file-based job each, -workers at once),
// recording their cost in st.
func (ex *experiment) teachers(ctx context.Context, dir string, part *unlearn.Partition, tc unlearn.TrainConfig, st *setupResult) (teacherSet, error) {
	cfg := ex.cfg
	shardFiles, teacherFiles := make([]string, cfg.shards), make([]string, cfg.shards)
	sizes := make([]float64, cfg.shards)
	ex.setWhat(fmt.Sprintf("seed %d teachers", tc.Seed))
	t0, c0 := time.Now(), cputime.Now()
	for i, recs := range part.Shards {
		sh := unlearn.Shard{Index: i, Sequences: ex.vocab.Sequences(recs)}
		for _, r := range recs {
			if len(sh.Users) == 0 || sh.Users[len(sh.Users)-1] != r.User {
				sh.Users = append(sh.Users, r.User)
			}
		}
		sizes[i] = float64(sh.Tokens())
		shardFiles[i] = filepath.Join(dir, fmt.Sprintf("shard%d.json", i))
		teacherFiles[i] = filepath.Join(dir, fmt.Sprintf("teacher%d.safetensors", i))
		if err := unlearn.WriteShard(shardFiles[i], sh); err != nil {
			return teacherSet{}, err
		}
	}
	trs, err := unlearn.TrainShards(ctx, shardFiles, teacherFiles, tc, cfg.workers)
	if err != nil {
		return teacherSet{}, err
	}
	st.TeacherSeconds, st.TeacherCPUSeconds = time.Since(t0).Seconds(), (cputime.Now() - c0).Seconds()
	for _, r := range trs {
		st.TeacherLoss = append(st.TeacherLoss, r.FinalLoss)
	}
	lms, err := unlearn.LoadTeachers(teacherFiles)
	if err != nil {
		return teacherSet{}, err
	}
	return teacherSet{shardFiles, teacherFiles, &unlearn.Ensemble{Teachers: lms, Sizes: sizes, Op: aggOp(cfg.agg), Temperature: cfg.temperature}}, nil
}

// add records a measurement and prints it.
func (ex *experiment) add(r runResult) {
	ex.res.Runs = append(ex.res.Runs, r)
	fmt.Fprintf(ex.stderr, "seed %d %-11s forgotten exposure %5.2f (extrap. %5.2f), extracted beam %3.0f%% sample %3.0f%%; control exposure %5.2f; perplexity %.2f; %d steps, %.1f s (%.1f cpu-s)\n",
		r.Seed, r.Method, r.ForgetExposure, r.ForgetExposureExtra, 100*r.BeamRate, 100*r.SampleRate, r.ControlExposure,
		r.Perplexity, r.Steps, r.Seconds, r.CPUSeconds)
}

func encodeAll(v *unlearn.Vocab, ss [][]string) [][]int {
	out := make([][]int, len(ss))
	for i, s := range ss {
		out[i] = v.Encode(s)
	}
	return out
}

func secretsOf(v *unlearn.Vocab, cs []unlearn.Canary) [][]int {
	out := make([][]int, len(cs))
	for i, c := range cs {
		out[i] = v.Encode(c.Secret)
	}
	return out
}

// evaluator measures a model's privacy and utility at one seed.
type evaluator struct {
	ex              *experiment
	prefix          []int
	forget, control [][]int
	refs            [][]int
	allowed         []int
	rng             *rand.Rand
}

// measure scores m: exposures, extraction, held-out perplexity. A
// cancelled ctx stops it between these parts (each is seconds for one
// model, about a minute for SISA's five-teacher ensemble).
func (ev *evaluator) measure(ctx context.Context, method string, seed int, m unlearn.LM) (runResult, error) {
	secrets := append(slices.Clone(ev.forget), ev.control...)
	in, exn, err := unlearn.Exposures(m, ev.prefix, secrets, ev.refs)
	if err != nil {
		return runResult{}, fmt.Errorf("%s, seed %d: exposure: %w", method, seed, err)
	}
	if err := ctx.Err(); err != nil {
		return runResult{}, err
	}
	nf := len(ev.forget)
	r := runResult{Method: method, Seed: seed, ForgetExposure: mean(in[:nf]), ForgetExposureExtra: mean(exn[:nf]),
		ControlExposure: mean(in[nf:]), ControlExposureExtra: mean(exn[nf:])}
	for _, x := range in[:nf] {
		r.ForgetValues = append(r.ForgetValues, num(x))
	}
	next := unlearn.NextLogProbs(m)
	length := len(ev.forget[0])
	beam, sample, ctrl := 0, 0, 0
	// The beam search depends on the prefix only: one search, whose top
	// beam is checked against every secret.
	top := metrics.BeamSearch(next, ev.prefix, length, ev.ex.cfg.beam, ev.allowed)[0].Tokens
	for i, s := range secrets {
		hit := metrics.CountMatches(s, [][]int{top}) > 0
		if i >= nf {
			if hit {
				ctrl++
			}
			continue
		}
		if hit {
			beam++
		}
		if err := ctx.Err(); err != nil {
			return runResult{}, err
		}
		cands := metrics.SampleContinuations(next, ev.prefix, length, ev.ex.cfg.samples, ev.allowed, 1, ev.rng)
		if metrics.CountMatches(s, cands) > 0 {
			sample++
		}
	}
	r.BeamRate, r.SampleRate = num(float64(beam)/float64(nf)), num(float64(sample)/float64(nf))
	r.ControlBeamRate = num(math.NaN())
	if len(ev.control) > 0 {
		r.ControlBeamRate = num(float64(ctrl) / float64(len(ev.control)))
	}
	r.Perplexity = num(unlearn.Perplexity(m, ev.ex.held))
	return r, nil
}

// mean is the mean of xs, NaN for none.
func mean(xs []float64) num {
	if len(xs) == 0 {
		return num(math.NaN())
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return num(s / float64(len(xs)))
}

func printReport(w io.Writer, r *results) {
	d := r.Data
	fmt.Fprintf(w, "%s: %d training lines (%d tokens, canaries included), held out %d lines (%d tokens) of %d users; vocabulary %d; randomness space %.0f\n",
		r.Corpus, d.TrainRecords, d.TrainTokens, d.HeldoutRecords, d.HeldoutTokens, d.HeldoutUsers, d.Vocab, float64(d.Space))
	fmt.Fprintf(w, "model %+v, %d parameters; %v\n", r.Model, r.Params, r.Config)
	fmt.Fprintf(w, "mean ± 95%% interval over seeds; exposure in bits (interpolated, capped at log2 refs; extrapolated in brackets); extraction = share of forgotten canaries\n")
	fmt.Fprintf(w, "%-12s %-26s %-12s %-12s %-13s %-15s %-10s %s\n", "method", "forgotten exposure", "beam", "sample", "control exp.", "perplexity", "wall s", "cpu-s")
	pm := func(s stat, scale float64, prec int) string {
		if math.IsNaN(float64(s.Mean)) {
			return "–"
		}
		return fmt.Sprintf("%.*f±%.*f", prec, scale*float64(s.Mean), prec, scale*float64(s.CI95))
	}
	for _, s := range r.Summary {
		fmt.Fprintf(w, "%-12s %-26s %-12s %-12s %-13s %-15s %-10s %s\n", s.Method,
			pm(s.ForgetExposure, 1, 2)+" ("+pm(s.ForgetExtra, 1, 1)+")", pm(s.BeamRate, 100, 0)+"%", pm(s.SampleRate, 100, 0)+"%",
			pm(s.ControlExposure, 1, 2), pm(s.Perplexity, 1, 2), pm(s.Seconds, 1, 1), pm(s.CPUSeconds, 1, 1))
	}
	if len(r.Paired) > 0 {
		fmt.Fprintln(w, "paired by seed (same canaries, partition and base model), mean ± 95% interval:")
		fmt.Fprintf(w, "%-12s %-20s %-20s %-20s %s\n", "method", "forgotten − retrain", "forgotten − full", "control − base", "perplexity vs base")
		for _, p := range r.Paired {
			fmt.Fprintf(w, "%-12s %-20s %-20s %-20s %s\n", p.Method, pm(p.ForgetVsRetrain, 1, 2), pm(p.ForgetVsFull, 1, 2),
				pm(p.ControlVsBase, 1, 2), pm(p.PerplexityVsBase, 1, 2)+"%")
		}
	}
	for _, m := range append([]string{"base"}, r.Methods...) {
		fmt.Fprintf(w, "  %-12s %s\n", m, methodInfo[m])
	}
	for _, s := range r.Setup {
		teach := "no teachers"
		if len(s.TeacherLoss) > 0 {
			teach = fmt.Sprintf("teachers %.1f s (%.1f cpu-s)", s.TeacherSeconds, s.TeacherCPUSeconds)
		}
		fmt.Fprintf(w, "seed %d: %s, shard tokens %v, forgotten canaries' owners %v\n", s.Seed, teach, s.ShardTokens, s.Owners)
	}
	if r.Plot != "" {
		fmt.Fprintf(w, "plot: %s\n", r.Plot)
	}
	if r.Interrupted {
		fmt.Fprintln(w, "(interrupted: rows hold the finished measurements only)")
	}
	var sec, cpu float64 // the models' own training and unlearning, resumed seeds included
	for _, run := range r.Runs {
		sec, cpu = sec+run.Seconds, cpu+run.CPUSeconds
	}
	for _, s := range r.Setup {
		sec, cpu = sec+s.TeacherSeconds, cpu+s.TeacherCPUSeconds
	}
	fmt.Fprintf(w, "%d measurements; training and unlearning (base, teachers, methods; measurement excluded) %.0f s (%.0f cpu-s); this process %.0f s (%.0f cpu-s)\n",
		len(r.Runs), sec, cpu, r.Seconds, r.CPUSeconds)
}
