// Ner-active runs the experiments of "Deep Active Learning for Named
// Entity Recognition" (Shen et al., ICLR 2018) with package active on a
// CoNLL-format NER data set, by default WNUT-17:
//
//  1. the learning curves: for each acquisition strategy (MNLP, LC, BALD,
//     random) and several seeds, pool-based active learning with the
//     CNN-CNN-LSTM tagger (active.Run): start from a random 2 % of the
//     training words, label a fixed budget of words per round, continue
//     training the same tagger after every round (incremental, as in the
//     paper) and score it on the test set. It prints test F1 against the
//     share of words labelled as a table (mean ± sd over seeds), writes it
//     to a JSON file and a PNG plot, and reports the smallest share at
//     which MNLP's mean F1 comes within 1 point of the full-data F1;
//  2. full-data training of the CNN-CNN-LSTM and of the BiLSTM-CRF
//     baseline with early stopping on the dev set (the test F1 of the
//     epoch with the best dev F1), and their training time per epoch,
//     the speed comparison of the paper.
//
// Run it from the repository:
//
//	go run ./examples/ner-active                  # the whole experiment (~70 min)
//	go run ./examples/ner-active -quick           # a few minutes on a slice of the data
//	go run ./examples/ner-active -strategies mnlp,random -seeds 5 -json
//	go run ./examples/ner-active -data ~/conll2003 -train eng.train -dev eng.testa -test eng.testb
//
// Tags are converted to IOBES before training (-scheme), as the paper and
// its Active-NLP re-implementation do; F1 is the span-level F1 of the
// conlleval script, which does not depend on the scheme. Vocabularies
// (words, characters, tag types) come from the training file only.
// Word embeddings are random: the paper's pretrained vectors are not used.
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
	"time"

	"github.com/cairn-ml/cairn/active"
	"github.com/cairn-ml/cairn/data"
)

// config holds the flags.
type config struct {
	dataDir                      string
	trainFile, devFile, testFile string
	scheme                       string
	strategies                   []string
	seeds                        int
	seed                         uint64
	initial                      float64
	roundWords                   int
	roundFrac                    float64
	rounds, epochs, minSteps     int
	batch                        int
	retrain                      bool
	mc                           int
	filters                      int
	lr                           float64
	optimizer                    string
	full                         []string
	fullEpochs, patience         int
	limit, evalLimit             int
	outJSON, plot                string
	json                         bool
}

// defaultConfig returns the flags' defaults: the full experiment.
func defaultConfig() config {
	return config{
		trainFile: "wnut17train.conll.gz", devFile: "emerging.dev.conll.gz", testFile: "emerging.test.annotated.gz",
		scheme: "iobes", strategies: []string{"mnlp", "lc", "bald", "random"}, seeds: 3, seed: 1,
		initial: 0.02, roundFrac: 0.04, rounds: 10, epochs: 4, minSteps: 300, batch: active.DefaultTrainConfig().BatchSize, mc: 5, filters: 200,
		full: []string{"cnn", "crf"}, fullEpochs: 20, patience: 4,
		outJSON: "ner_active.json", plot: "ner_active.png",
	}
}

// quickConfig is what -quick changes: a slice of the data and short runs.
func quickConfig(cfg *config, set map[string]bool) {
	q := map[string]func(){
		"limit":       func() { cfg.limit = 800 },
		"eval-limit":  func() { cfg.evalLimit = 400 },
		"seeds":       func() { cfg.seeds = 2 },
		"rounds":      func() { cfg.rounds = 4 },
		"round-frac":  func() { cfg.roundFrac = 0.08 },
		"initial":     func() { cfg.initial = 0.05 },
		"epochs":      func() { cfg.epochs = 3 },
		"min-steps":   func() { cfg.minSteps = 100 },
		"mc":          func() { cfg.mc = 4 },
		"full-epochs": func() { cfg.fullEpochs = 4 },
	}
	for name, f := range q {
		if !set[name] {
			f()
		}
	}
}

func main() {
	cfg := defaultConfig()
	var strategies, full string
	var quick bool
	flag.StringVar(&cfg.dataDir, "data", "", "directory of the CoNLL files (default: data.Dir()/wnut17)")
	flag.StringVar(&cfg.trainFile, "train", cfg.trainFile, "training file (the pool), relative to -data unless absolute; plain or .gz")
	flag.StringVar(&cfg.devFile, "dev", cfg.devFile, "development file, for early stopping of the full-data training")
	flag.StringVar(&cfg.testFile, "test", cfg.testFile, "test file, scored after every round")
	flag.StringVar(&cfg.scheme, "scheme", cfg.scheme, "tag scheme the taggers learn: iobes (the paper's) or bio; F1 is scored on spans either way")
	flag.StringVar(&strategies, "strategies", strings.Join(cfg.strategies, ","), "comma-separated acquisition strategies: mnlp, lc, bald, bald-seq, random")
	flag.IntVar(&cfg.seeds, "seeds", cfg.seeds, "runs per strategy, with seeds -seed, -seed+1, ...")
	flag.Uint64Var(&cfg.seed, "seed", cfg.seed, "first seed (initial set, weights, dropout, shuffling)")
	flag.Float64Var(&cfg.initial, "initial", cfg.initial, "share of the training words labelled at random before the first round (the paper: 0.01)")
	flag.IntVar(&cfg.roundWords, "round-words", 0, "words labelled per round (the paper: 20,000 of 1.09M); 0: use -round-frac")
	flag.Float64Var(&cfg.roundFrac, "round-frac", cfg.roundFrac, "words labelled per round as a share of the training words, when -round-words is 0")
	flag.IntVar(&cfg.rounds, "rounds", cfg.rounds, "active-learning rounds (each trains, scores, then labels)")
	flag.IntVar(&cfg.epochs, "epochs", cfg.epochs, "training epochs per round on the labelled set (the paper: 50)")
	flag.IntVar(&cfg.minSteps, "min-steps", cfg.minSteps, "train at least this many steps (batches of -batch) per round: more epochs on a small labelled set (0: always -epochs)")
	flag.IntVar(&cfg.batch, "batch", cfg.batch, "training batch size of both taggers, sentences per step")
	flag.BoolVar(&cfg.retrain, "retrain", false, "train a new tagger from scratch every round instead of continuing (not the paper's protocol)")
	flag.IntVar(&cfg.mc, "mc", cfg.mc, "Monte Carlo dropout samples of BALD per sentence (the paper: 100)")
	flag.IntVar(&cfg.filters, "filters", cfg.filters, "filters of each word CNN layer of the CNN-CNN-LSTM (the paper: 800)")
	flag.Float64Var(&cfg.lr, "lr", 0, "learning rate of both taggers (0: active.DefaultTrainConfig's, 0.01 for SGD)")
	flag.StringVar(&cfg.optimizer, "optimizer", "", "optimizer of both taggers: sgd (momentum 0.9) or adam (empty: active.DefaultTrainConfig's, sgd)")
	flag.StringVar(&full, "full", strings.Join(cfg.full, ","), "taggers trained on all the training data: cnn (CNN-CNN-LSTM), crf (BiLSTM-CRF); empty: none")
	flag.IntVar(&cfg.fullEpochs, "full-epochs", cfg.fullEpochs, "maximum epochs of the full-data training")
	flag.IntVar(&cfg.patience, "patience", cfg.patience, "stop the full-data training after this many epochs without a better dev F1 (0: never)")
	flag.IntVar(&cfg.limit, "limit", 0, "use only the first n training sentences (0: all)")
	flag.IntVar(&cfg.evalLimit, "eval-limit", 0, "use only the first n dev and test sentences (0: all)")
	flag.StringVar(&cfg.outJSON, "out-json", cfg.outJSON, "JSON file of the results (empty: none)")
	flag.StringVar(&cfg.plot, "plot", cfg.plot, "PNG plot of test F1 against the share of words labelled (empty: none)")
	flag.BoolVar(&quick, "quick", false, "a few-minute run: 800 training sentences, 400 dev/test, 2 seeds, 4 rounds, short training (explicit flags win)")
	flag.BoolVar(&cfg.json, "json", false, "print the results as one JSON object on the last line of stdout")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "ner-active: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	cfg.strategies = splitList(strategies)
	cfg.full = splitList(full)
	if quick {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		quickConfig(&cfg, set)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ner-active:", err)
		os.Exit(1)
	}
}

// splitList splits a comma-separated list, lowercased, dropping empty items.
func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, strings.ToLower(f))
		}
	}
	return out
}

// fullTaggers names the taggers of -full.
var fullTaggers = map[string]string{"cnn": "CNN-CNN-LSTM", "crf": "BiLSTM-CRF"}

// check validates cfg and returns the strategies and the tag scheme.
func (cfg *config) check() ([]active.Acquisition, data.TagScheme, error) {
	switch {
	case cfg.seeds < 1:
		return nil, 0, fmt.Errorf("-seeds %d: want at least 1", cfg.seeds)
	case cfg.rounds < 1 || cfg.epochs < 1:
		return nil, 0, fmt.Errorf("-rounds %d, -epochs %d: want at least 1", cfg.rounds, cfg.epochs)
	case !(cfg.initial > 0 && cfg.initial <= 1):
		return nil, 0, fmt.Errorf("-initial %v: want a share in (0, 1]", cfg.initial)
	case cfg.roundWords < 0:
		return nil, 0, fmt.Errorf("-round-words %d: want 0 or more", cfg.roundWords)
	case cfg.roundWords == 0 && !(cfg.roundFrac > 0 && cfg.roundFrac <= 1):
		return nil, 0, fmt.Errorf("-round-frac %v: want a share in (0, 1] (or set -round-words)", cfg.roundFrac)
	case cfg.mc < 1:
		return nil, 0, fmt.Errorf("-mc %d: want at least 1", cfg.mc)
	case cfg.batch < 1:
		return nil, 0, fmt.Errorf("-batch %d: want at least 1", cfg.batch)
	case cfg.filters < 1:
		return nil, 0, fmt.Errorf("-filters %d: want at least 1", cfg.filters)
	case !(cfg.lr >= 0) || math.IsInf(cfg.lr, 0):
		return nil, 0, fmt.Errorf("-lr %v: want a positive rate (0: the default)", cfg.lr)
	case cfg.optimizer != "" && cfg.optimizer != "sgd" && cfg.optimizer != "adam":
		return nil, 0, fmt.Errorf("-optimizer %q: want sgd or adam", cfg.optimizer)
	case cfg.fullEpochs < 1 && len(cfg.full) > 0:
		return nil, 0, fmt.Errorf("-full-epochs %d: want at least 1", cfg.fullEpochs)
	case cfg.patience < 0 || cfg.limit < 0 || cfg.evalLimit < 0 || cfg.minSteps < 0:
		return nil, 0, errors.New("-patience, -min-steps, -limit and -eval-limit must not be negative")
	case len(cfg.strategies) == 0 && len(cfg.full) == 0:
		return nil, 0, errors.New("nothing to do: -strategies and -full are both empty")
	case cfg.trainFile == "" || cfg.testFile == "" || (cfg.devFile == "" && len(cfg.full) > 0):
		return nil, 0, errors.New("-train, -test (and -dev for the full-data training) must name files")
	}
	var acqs []active.Acquisition
	for _, s := range cfg.strategies {
		a, err := active.ParseAcquisition(s)
		if err != nil {
			return nil, 0, fmt.Errorf("-strategies: %q is not one of mnlp, lc, bald, bald-seq, random", s)
		}
		if slices.Contains(acqs, a) {
			return nil, 0, fmt.Errorf("-strategies: %q given twice", s)
		}
		acqs = append(acqs, a)
	}
	for _, t := range cfg.full {
		if fullTaggers[t] == "" {
			return nil, 0, fmt.Errorf("-full: %q is not cnn or crf", t)
		}
	}
	scheme, err := data.ParseTagScheme(cfg.scheme)
	if err != nil || scheme == data.IOB1 {
		return nil, 0, fmt.Errorf("-scheme %q: want iobes or bio (the spans, hence F1, are the same)", cfg.scheme)
	}
	return acqs, scheme, nil
}

// dataset is the encoded data and its vocabularies.
type dataset struct {
	train, dev, test *data.SeqSet
	words, chars     *data.Vocab
	tags             *data.Vocab
}

// dataInfo describes the data in the results.
type dataInfo struct {
	Dir            string   `json:"dir"`
	Train          string   `json:"train"`
	Dev            string   `json:"dev,omitempty"`
	Test           string   `json:"test"`
	Scheme         string   `json:"scheme"`
	Types          []string `json:"types"`
	TrainSentences int      `json:"train_sentences"`
	TrainWords     int      `json:"train_words"`
	DevSentences   int      `json:"dev_sentences"`
	TestSentences  int      `json:"test_sentences"`
	Words          int      `json:"vocab_words"`
	Chars          int      `json:"vocab_chars"`
}

// readSet reads the words (first column) and tags (last column) of a CoNLL
// file, the first limit sentences (all if 0), with the tags in scheme.
func readSet(path string, limit int, scheme data.TagScheme) (words, tags [][]string, err error) {
	c, err := data.ReadCoNLLFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(c.Sentences) == 0 {
		return nil, nil, fmt.Errorf("%s: no sentences", path)
	}
	if n := len(c.Sentences[0].Columns); n < 2 {
		return nil, nil, fmt.Errorf("%s: %d column; want the words first and the tags last", path, n)
	}
	words, tags = c.Column(0), c.Column(-1)
	if limit > 0 && limit < len(words) {
		words, tags = words[:limit], tags[:limit]
	}
	for i := range tags {
		tags[i] = data.ConvertTags(tags[i], scheme)
	}
	return words, tags, nil
}

// load reads and encodes the train, test and (with -full) dev files.
func load(cfg config, scheme data.TagScheme) (*dataset, dataInfo, error) {
	dir := cfg.dataDir
	if dir == "" {
		dir = filepath.Join(data.Dir(), "wnut17")
	}
	path := func(f string) string {
		if filepath.IsAbs(f) {
			return f
		}
		return filepath.Join(dir, f)
	}
	info := dataInfo{Dir: dir, Train: path(cfg.trainFile), Test: path(cfg.testFile), Scheme: scheme.String()}
	tw, tt, err := readSet(info.Train, cfg.limit, scheme)
	if err != nil {
		return nil, info, err
	}
	d := &dataset{words: data.BuildVocab(tw), chars: data.BuildCharVocab(tw), tags: data.NewTagVocab(tt, scheme)}
	for _, tag := range d.tags.Tokens() {
		if _, typ := data.SplitTag(tag); typ != "" && !slices.Contains(info.Types, typ) {
			info.Types = append(info.Types, typ)
		}
	}
	if len(info.Types) == 0 {
		return nil, info, fmt.Errorf("%s: no entity in the training data", info.Train)
	}
	encode := func(name string, w, t [][]string) (*data.SeqSet, error) {
		s, err := data.NewSeqSet(w, t, d.words, d.chars, d.tags)
		if err != nil {
			return nil, fmt.Errorf("%s: %w (entity types must all occur in the training file %s)", name, err, info.Train)
		}
		return s, nil
	}
	if d.train, err = encode(info.Train, tw, tt); err != nil {
		return nil, info, err
	}
	sw, st, err := readSet(info.Test, cfg.evalLimit, scheme)
	if err != nil {
		return nil, info, err
	}
	if d.test, err = encode(info.Test, sw, st); err != nil {
		return nil, info, err
	}
	if len(cfg.full) > 0 {
		info.Dev = path(cfg.devFile)
		dw, dt, err := readSet(info.Dev, cfg.evalLimit, scheme)
		if err != nil {
			return nil, info, err
		}
		if d.dev, err = encode(info.Dev, dw, dt); err != nil {
			return nil, info, err
		}
		info.DevSentences = d.dev.Len()
	}
	info.TrainSentences, info.TestSentences = d.train.Len(), d.test.Len()
	for _, s := range tw {
		info.TrainWords += len(s)
	}
	info.Words, info.Chars = d.words.Len(), d.chars.Len()
	return d, info, nil
}

// protocol records the active-learning settings in the results.
type protocol struct {
	Tagger          string   `json:"tagger"`
	WordFilters     int      `json:"word_filters"`
	InitialFraction float64  `json:"initial_fraction"`
	RoundWords      int      `json:"round_words"`
	Rounds          int      `json:"rounds"`
	EpochsPerRound  int      `json:"epochs_per_round"`
	MinSteps        int      `json:"min_steps_per_round"`
	BatchSize       int      `json:"batch_size"`
	Incremental     bool     `json:"incremental"`
	MCSamples       int      `json:"mc_samples"`
	Seeds           []uint64 `json:"seeds"`
}

// curve is one run's learning curve (active.Curve without the labelled
// positions).
type curve struct {
	Strategy string         `json:"strategy"`
	Seed     uint64         `json:"seed"`
	Points   []active.Point `json:"points"`
	// Epochs are the training epochs of each round (see -min-steps).
	Epochs  []int   `json:"epochs"`
	Seconds float64 `json:"seconds"`
}

// stepTagger trains its tagger for at least minSteps optimizer steps per
// Fit call (round): a round on a small labelled set runs more epochs than
// -epochs, so that the first rounds leave the plateau where the tagger
// predicts only O. It records the epochs of every call.
type stepTagger struct {
	active.Tagger
	batch, minSteps int
	epochs          []int
}

// Fit implements active.Tagger.
func (t *stepTagger) Fit(ctx context.Context, set *data.SeqSet, epochs int, rng *rand.Rand) error {
	if b := (set.Len() + t.batch - 1) / t.batch; t.minSteps > 0 && b > 0 {
		epochs = max(epochs, (t.minSteps+b-1)/b)
	}
	t.epochs = append(t.epochs, epochs)
	return t.Tagger.Fit(ctx, set, epochs, rng)
}

// summaryPoint is a strategy's round averaged over seeds.
type summaryPoint struct {
	Strategy string  `json:"strategy"`
	Round    int     `json:"round"`
	Share    float64 `json:"share"`
	Words    float64 `json:"words"`
	F1Mean   float64 `json:"f1_mean"`
	F1SD     float64 `json:"f1_sd"`
	Runs     int     `json:"runs"`
}

// epochResult is one epoch of full-data training.
type epochResult struct {
	Epoch   int     `json:"epoch"`
	Loss    float64 `json:"loss"`
	DevF1   float64 `json:"dev_f1"`
	TestF1  float64 `json:"test_f1"`
	Seconds float64 `json:"seconds"`
}

// fullResult is a tagger trained on all the training data.
type fullResult struct {
	Tagger          string  `json:"tagger"`
	Name            string  `json:"name"`
	BestEpoch       int     `json:"best_epoch"`
	DevF1           float64 `json:"dev_f1"`
	TestF1          float64 `json:"test_f1"`
	SecondsPerEpoch float64 `json:"seconds_per_epoch"`
	// MinSecondsPerEpoch is the fastest epoch, less sensitive to the
	// load of a shared machine than the mean.
	MinSecondsPerEpoch float64       `json:"min_seconds_per_epoch"`
	Epochs             []epochResult `json:"epochs"`
}

// reach is when MNLP's mean curve comes within 1 point of the full-data F1.
type reach struct {
	Strategy  string  `json:"strategy"`
	Reference string  `json:"reference"`
	FullF1    float64 `json:"full_f1"`
	Target    float64 `json:"target"`
	Reached   bool    `json:"reached"`
	Round     int     `json:"round,omitempty"`
	Share     float64 `json:"share,omitempty"`
	F1        float64 `json:"f1,omitempty"`
}

// versusRandom compares MNLP's mean curve with random sampling's from the
// third round on (the acceptance test).
type versusRandom struct {
	FromRound   int   `json:"from_round"`
	AtOrAbove   bool  `json:"at_or_above"`
	RoundsBelow []int `json:"rounds_below,omitempty"`
}

// results is everything the program reports; -json prints it.
type results struct {
	Data     dataInfo       `json:"data"`
	Protocol protocol       `json:"protocol"`
	Curves   []curve        `json:"curves"`
	Summary  []summaryPoint `json:"summary"`
	Full     []fullResult   `json:"full,omitempty"`
	// SpeedRatio is the BiLSTM-CRF's fastest epoch over the
	// CNN-CNN-LSTM's.
	SpeedRatio   float64       `json:"crf_over_cnn_min_seconds_per_epoch,omitempty"`
	Reach        *reach        `json:"mnlp_reach,omitempty"`
	MNLPvsRandom *versusRandom `json:"mnlp_vs_random,omitempty"`
	Plot         string        `json:"plot,omitempty"`
	// Interrupted is set when the run was cancelled: the results hold
	// the full-data trainings and the learning curves completed before.
	Interrupted bool    `json:"interrupted,omitempty"`
	Seconds     float64 `json:"seconds"`
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	acqs, scheme, err := cfg.check()
	if err != nil {
		return err
	}
	start := time.Now()
	d, info, err := load(cfg, scheme)
	if err != nil {
		return err
	}
	res := &results{Data: info}
	fmt.Fprintf(stderr, "train %d sentences (%d words), dev %d, test %d; %d types, %d words, %d characters; tags %s\n",
		info.TrainSentences, info.TrainWords, info.DevSentences, info.TestSentences, len(info.Types), info.Words, info.Chars, info.Scheme)

	err = experiments(ctx, cfg, d, acqs, res, stderr)
	if err != nil && ctx.Err() == nil {
		return err
	}
	interrupted := err
	if interrupted != nil {
		res.Interrupted = true
		fmt.Fprintln(stderr, "interrupted: the results below hold the runs completed so far")
	}
	res.analyse()
	if cfg.plot != "" && len(res.Summary) > 0 {
		if err := plotCurves(res, cfg.plot); err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		res.Plot = cfg.plot
	}
	res.Seconds = time.Since(start).Seconds()
	printTables(stdout, res)
	if cfg.outJSON != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.outJSON, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if cfg.json {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return interrupted
}

// experiments trains the full-data taggers, then runs the learning curves,
// adding their results to res as they complete.
func experiments(ctx context.Context, cfg config, d *dataset, acqs []active.Acquisition, res *results, stderr io.Writer) error {
	// Full-data training first: it gives the reference F1 of the curves.
	for _, name := range cfg.full {
		r, err := trainFull(ctx, cfg, d, name, stderr)
		if err != nil {
			return err
		}
		res.Full = append(res.Full, r)
	}
	if len(acqs) > 0 {
		return learningCurves(ctx, cfg, d, acqs, res, stderr)
	}
	return nil
}

// trainConfig is both taggers' training configuration.
func trainConfig(cfg config) active.TrainConfig {
	t := active.DefaultTrainConfig()
	t.BatchSize = cfg.batch
	if cfg.optimizer != "" {
		t.Optimizer = cfg.optimizer
	}
	if cfg.lr > 0 {
		t.LR = cfg.lr
	}
	return t
}

// cnnConfig is the CNN-CNN-LSTM's configuration.
func cnnConfig(cfg config) active.CNNConfig {
	c := active.DefaultCNNConfig()
	c.WordFilters = cfg.filters
	c.Train = trainConfig(cfg)
	return c
}

// newTagger makes a tagger of the named kind with its weights from seed;
// onEpoch, if not nil, is its training callback.
func newTagger(name string, cfg config, d *dataset, seed uint64, onEpoch func(int, float64)) (active.Tagger, error) {
	rng := rand.New(rand.NewPCG(seed, 0x7a66e7))
	switch name {
	case "cnn":
		c := cnnConfig(cfg)
		c.Train.OnEpoch = onEpoch
		return active.NewCNNTagger(rng, d.words.Len(), d.chars.Len(), d.tags.Len(), c), nil
	case "crf":
		c := active.DefaultCRFConfig()
		c.Train = trainConfig(cfg)
		c.Train.OnEpoch = onEpoch
		m := active.NewCRFTagger(rng, d.words.Len(), d.chars.Len(), d.tags.Len(), c)
		if err := m.Constrain(d.tags.Tokens()); err != nil {
			return nil, err
		}
		return m, nil
	}
	return nil, fmt.Errorf("unknown tagger %q", name)
}

// errStop stops a full-data training early.
var errStop = errors.New("early stop")

// trainFull trains the named tagger on the whole training set for at most
// cfg.fullEpochs epochs, scoring dev and test after every epoch, and keeps
// the test F1 of the epoch with the best dev F1.
func trainFull(ctx context.Context, cfg config, d *dataset, name string, stderr io.Writer) (fullResult, error) {
	r := fullResult{Tagger: name, Name: fullTaggers[name], BestEpoch: -1}
	fctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var tg active.Tagger
	var evalErr error
	mark := time.Now()
	var train float64
	onEpoch := func(epoch int, loss float64) {
		sec := time.Since(mark).Seconds()
		train += sec
		dev, err := active.Evaluate(tg, d.dev, d.tags, active.DefaultBatchSize)
		if err != nil {
			evalErr = err
			cancel(err)
			return
		}
		test, err := active.Evaluate(tg, d.test, d.tags, active.DefaultBatchSize)
		if err != nil {
			evalErr = err
			cancel(err)
			return
		}
		e := epochResult{Epoch: epoch, Loss: loss, DevF1: dev.Overall.F1(), TestF1: test.Overall.F1(), Seconds: sec}
		r.Epochs = append(r.Epochs, e)
		best := ""
		if r.BestEpoch < 0 || e.DevF1 > r.DevF1 {
			r.BestEpoch, r.DevF1, r.TestF1 = epoch, e.DevF1, e.TestF1
			best = " *"
		}
		fmt.Fprintf(stderr, "%s epoch %d: loss %.4f, dev F1 %.2f, test F1 %.2f (%.1fs)%s\n",
			r.Name, epoch, loss, 100*e.DevF1, 100*e.TestF1, sec, best)
		if cfg.patience > 0 && epoch-r.BestEpoch >= cfg.patience {
			cancel(errStop)
		}
		mark = time.Now()
	}
	tg, err := newTagger(name, cfg, d, cfg.seed, onEpoch)
	if err != nil {
		return r, err
	}
	mark = time.Now()
	err = tg.Fit(fctx, d.train, cfg.fullEpochs, rand.New(rand.NewPCG(cfg.seed, 0xf17)))
	switch {
	case evalErr != nil:
		return r, evalErr
	case err != nil && !(errors.Is(context.Cause(fctx), errStop) && ctx.Err() == nil):
		return r, fmt.Errorf("%s: %w", r.Name, err)
	}
	if n := len(r.Epochs); n > 0 {
		r.SecondsPerEpoch = train / float64(n)
		r.MinSecondsPerEpoch = r.Epochs[0].Seconds
		for _, e := range r.Epochs {
			r.MinSecondsPerEpoch = min(r.MinSecondsPerEpoch, e.Seconds)
		}
	}
	return r, nil
}

// learningCurves runs active.Run for every strategy and seed.
func learningCurves(ctx context.Context, cfg config, d *dataset, acqs []active.Acquisition, res *results, stderr io.Writer) error {
	res.Protocol = protocol{Tagger: fullTaggers["cnn"], WordFilters: cfg.filters, InitialFraction: cfg.initial,
		RoundWords: cfg.roundWords, Rounds: cfg.rounds, EpochsPerRound: cfg.epochs, MinSteps: cfg.minSteps, BatchSize: cfg.batch, Incremental: !cfg.retrain, MCSamples: cfg.mc}
	if cfg.roundWords == 0 {
		res.Protocol.RoundWords = int(math.Ceil(cfg.roundFrac * float64(res.Data.TrainWords)))
	}
	for s := range cfg.seeds {
		res.Protocol.Seeds = append(res.Protocol.Seeds, cfg.seed+uint64(s))
	}
	fmt.Fprintf(stderr, "active learning: %d rounds, %.1f%% initial, %d words per round, %d epochs (at least %d steps) per round, %s\n",
		cfg.rounds, 100*cfg.initial, res.Protocol.RoundWords, cfg.epochs, cfg.minSteps, map[bool]string{true: "retrained", false: "incremental"}[cfg.retrain])
	// Seeds outermost, so that an interrupted run has every strategy for
	// the first seeds.
	for _, seed := range res.Protocol.Seeds {
		for _, a := range acqs {
			t0 := time.Now()
			last := t0
			var st *stepTagger
			c, err := active.Run(ctx, func() active.Tagger {
				tg, _ := newTagger("cnn", cfg, d, seed, nil)
				st = &stepTagger{Tagger: tg, batch: cnnConfig(cfg).Train.BatchSize, minSteps: cfg.minSteps}
				return st
			}, d.train, active.Config{
				Acquisition: a, InitialFraction: cfg.initial, RoundBudget: res.Protocol.RoundWords,
				Rounds: cfg.rounds, EpochsPerRound: cfg.epochs, Retrain: cfg.retrain, MCSamples: cfg.mc,
				Seed: seed, Test: d.test, Tags: d.tags,
				Progress: func(p active.Point) {
					fmt.Fprintf(stderr, "%-6s seed %d round %2d: %5.1f%% of the words (%d), %d epochs, test F1 %5.2f (%.0fs)\n",
						a, seed, p.Round, 100*p.Share, p.Words, st.epochs[len(st.epochs)-1], 100*p.F1, time.Since(last).Seconds())
					last = time.Now()
				},
			})
			if err != nil {
				return fmt.Errorf("%v, seed %d: %w", a, seed, err)
			}
			res.Curves = append(res.Curves, curve{Strategy: a.String(), Seed: seed, Points: c.Points, Epochs: st.epochs,
				Seconds: time.Since(t0).Seconds()})
		}
	}
	return nil
}

// analyse fills the summary, MNLP's reach and the comparison with random.
func (res *results) analyse() {
	var order []string
	by := map[string][]curve{}
	for _, c := range res.Curves {
		if by[c.Strategy] == nil {
			order = append(order, c.Strategy)
		}
		by[c.Strategy] = append(by[c.Strategy], c)
	}
	res.Summary = nil
	for _, s := range order {
		for r := 0; ; r++ {
			var share, words, f1s []float64
			for _, c := range by[s] {
				if r < len(c.Points) {
					p := c.Points[r]
					share, words, f1s = append(share, p.Share), append(words, float64(p.Words)), append(f1s, p.F1)
				}
			}
			if len(f1s) == 0 {
				break
			}
			m, sd := meanSD(f1s)
			ms, _ := meanSD(share)
			mw, _ := meanSD(words)
			res.Summary = append(res.Summary, summaryPoint{Strategy: s, Round: r + 1, Share: ms, Words: mw, F1Mean: m, F1SD: sd, Runs: len(f1s)})
		}
	}
	mnlp := res.strategy("mnlp")
	var ref *fullResult
	for i := range res.Full {
		if res.Full[i].Tagger == "cnn" {
			ref = &res.Full[i]
		}
	}
	if len(mnlp) > 0 && ref != nil {
		rc := &reach{Strategy: "mnlp", Reference: ref.Name, FullF1: ref.TestF1, Target: ref.TestF1 - 0.01}
		for _, p := range mnlp {
			if p.F1Mean >= rc.Target {
				rc.Reached, rc.Round, rc.Share, rc.F1 = true, p.Round, p.Share, p.F1Mean
				break
			}
		}
		res.Reach = rc
	}
	if rnd := res.strategy("random"); len(mnlp) > 0 && len(rnd) > 0 {
		v := &versusRandom{FromRound: 3, AtOrAbove: true}
		for i := v.FromRound - 1; i < min(len(mnlp), len(rnd)); i++ {
			if mnlp[i].F1Mean < rnd[i].F1Mean {
				v.AtOrAbove = false
				v.RoundsBelow = append(v.RoundsBelow, i+1)
			}
		}
		res.MNLPvsRandom = v
	}
	if len(res.Full) == 2 && res.Full[0].MinSecondsPerEpoch > 0 && res.Full[1].MinSecondsPerEpoch > 0 {
		cnn, crf := res.Full[0], res.Full[1]
		if cnn.Tagger == "crf" {
			cnn, crf = crf, cnn
		}
		res.SpeedRatio = crf.MinSecondsPerEpoch / cnn.MinSecondsPerEpoch
	}
}

// strategy returns the summary points of strategy s by round.
func (res *results) strategy(s string) []summaryPoint {
	var out []summaryPoint
	for _, p := range res.Summary {
		if p.Strategy == s {
			out = append(out, p)
		}
	}
	return out
}

// meanSD returns the mean and the sample standard deviation (0 for one
// value).
func meanSD(x []float64) (float64, float64) {
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	if len(x) < 2 {
		return m, 0
	}
	var ss float64
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return m, math.Sqrt(ss / float64(len(x)-1))
}

// printTables writes the learning-curve table, the full-data table and the
// conclusions to w.
func printTables(w io.Writer, res *results) {
	var strategies []string
	rounds := 0
	for _, p := range res.Summary {
		if !slices.Contains(strategies, p.Strategy) {
			strategies = append(strategies, p.Strategy)
		}
		rounds = max(rounds, p.Round)
	}
	if len(strategies) > 0 {
		seeds := len(res.Protocol.Seeds)
		fmt.Fprintf(w, "Test span F1 (%%) against the share of training words labelled, mean ± sd over %d seed(s):\n", seeds)
		fmt.Fprintf(w, "%5s %7s %7s", "round", "share", "words")
		for _, s := range strategies {
			fmt.Fprintf(w, " %13s", s)
		}
		fmt.Fprintln(w)
		for r := 1; r <= rounds; r++ {
			var share, words []float64
			cells := make([]string, len(strategies))
			for i, s := range strategies {
				cells[i] = "-"
				for _, p := range res.Summary {
					if p.Strategy == s && p.Round == r {
						share, words = append(share, p.Share), append(words, p.Words)
						cells[i] = fmt.Sprintf("%5.2f ± %5.2f", 100*p.F1Mean, 100*p.F1SD)
					}
				}
			}
			ms, _ := meanSD(share)
			mw, _ := meanSD(words)
			fmt.Fprintf(w, "%5d %6.1f%% %7.0f", r, 100*ms, mw)
			for _, c := range cells {
				fmt.Fprintf(w, " %13s", c)
			}
			fmt.Fprintln(w)
		}
	}
	if len(res.Full) > 0 {
		fmt.Fprintf(w, "\nFull-data training (%d sentences), test F1 at the epoch with the best dev F1:\n", res.Data.TrainSentences)
		fmt.Fprintf(w, "%-14s %6s %7s %8s %8s %8s\n", "tagger", "epoch", "dev F1", "test F1", "s/epoch", "fastest")
		for _, f := range res.Full {
			fmt.Fprintf(w, "%-14s %3d/%-2d %7.2f %8.2f %8.1f %8.1f\n", f.Name, f.BestEpoch, len(f.Epochs), 100*f.DevF1, 100*f.TestF1,
				f.SecondsPerEpoch, f.MinSecondsPerEpoch)
		}
		if res.SpeedRatio > 0 {
			fmt.Fprintf(w, "BiLSTM-CRF takes %.2f× the CNN-CNN-LSTM's time per epoch (fastest epochs)\n", res.SpeedRatio)
		}
	}
	if rc := res.Reach; rc != nil {
		if rc.Reached {
			fmt.Fprintf(w, "MNLP's mean F1 reaches the full-data %s F1 − 1 (%.2f − 1) at %.1f%% of the words (round %d: %.2f)\n",
				rc.Reference, 100*rc.FullF1, 100*rc.Share, rc.Round, 100*rc.F1)
		} else {
			fmt.Fprintf(w, "MNLP's mean F1 does not reach the full-data %s F1 − 1 (%.2f − 1) within the rounds run\n", rc.Reference, 100*rc.FullF1)
		}
	}
	if v := res.MNLPvsRandom; v != nil {
		if v.AtOrAbove {
			fmt.Fprintf(w, "MNLP's mean F1 is at or above random sampling's at every round from round %d on\n", v.FromRound)
		} else {
			fmt.Fprintf(w, "MNLP's mean F1 is below random sampling's at rounds %v\n", v.RoundsBelow)
		}
	}
	if res.Interrupted {
		fmt.Fprintln(w, "interrupted: only the runs completed before are included")
	}
	fmt.Fprintf(w, "total %.0fs\n", res.Seconds)
}
