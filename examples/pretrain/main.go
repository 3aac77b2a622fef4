// Pretrain pre-trains small Transformer language models on the text shipped
// in ../shared/data and measures what pre-training buys on a downstream task,
// following "Pre-trained Models for Natural Language Processing: A Survey"
// (Qiu et al., 2020) with packages text, nn/models and pretrain:
//
//  1. it trains an uncased WordPiece vocabulary (8,000 tokens) on WikiText-2
//     (its validation and test files, the ones shipped), Tiny Shakespeare and,
//     with -domain (the default), the premises and hypotheses of the e-SNLI
//     pairs used for fine-tuning, without their labels;
//  2. it pre-trains a small BERT with dynamically masked language modelling
//     (RoBERTa's dynamic masking of BERT's 80/10/10 MLM) and, with -gpt, a GPT
//     of the same size with the causal LM objective, printing progress (steps,
//     loss, tokens/s, ETA), and reports the held-out MLM loss and the GPT's
//     held-out perplexity on the last 5% of each text file;
//  3. it saves the weights and the vocabulary in -out (bert.safetensors,
//     gpt.safetensors, vocab.txt, config.json), where the other method
//     packages can start from them, and reuses them on the next run unless
//     -retrain;
//  4. it fine-tunes a BERT classifier on e-SNLI premise/hypothesis pairs
//     (entailment, neutral, contradiction) from the pre-trained weights and
//     from scratch at the same fine-tuning budget, over -seeds seeds, and
//     prints the test accuracy of both with 95% intervals, the model size and
//     the wall times.
//
// The defaults are sized for about an hour to an hour and a half on two
// idle cores, an estimate from measured step times (see the README):
//
//	go run ./examples/pretrain
//	go run ./examples/pretrain -gpt                      # also a GPT with causal LM
//	go run ./examples/pretrain -steps 200 -train-pairs 2000 -test-pairs 1000 -seeds 2  # a few minutes
//	go run ./examples/pretrain -json                     # results as one JSON line at the end
//
// The e-SNLI copy in distill-sbs has no training split (see its SOURCE.md):
// the fine-tuning pairs are drawn from its validation split (9,842 pairs) and
// the model is tested on its test split (9,824 pairs).
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
	"strings"
	"time"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/internal/atomicfile"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/text"
)

type config struct {
	dataDir, out string
	vocab        int
	layers       int
	hidden       int
	heads        int
	seq, batch   int
	steps        int
	time         time.Duration
	lr           float64
	gpt          bool
	gptSteps     int
	gptTime      time.Duration
	domain       bool
	evalBlocks   int
	trainPairs   int
	testPairs    int
	ftEpochs     int
	ftBatch      int
	ftLR         float64
	ftSeq        int
	seeds        int
	seed         uint64
	retrain      bool
	json         bool
}

func main() {
	var cfg config
	flag.StringVar(&cfg.dataDir, "data", "", "directory with wikitext2, tinyshakespeare and distill-sbs (default: cairn's shared data)")
	flag.StringVar(&cfg.out, "out", "pretrain_out", "directory for the vocabulary and the pre-trained weights (reused when present)")
	flag.IntVar(&cfg.vocab, "vocab", 8000, "WordPiece vocabulary size")
	flag.IntVar(&cfg.layers, "layers", 4, "Transformer layers")
	flag.IntVar(&cfg.hidden, "hidden", 128, "hidden size (the feed-forward size is 4×)")
	flag.IntVar(&cfg.heads, "heads", 4, "attention heads")
	flag.IntVar(&cfg.seq, "seq", 64, "pre-training sequence length")
	flag.IntVar(&cfg.batch, "batch", 32, "pre-training batch size (sequences)")
	flag.IntVar(&cfg.steps, "steps", 6000, "BERT pre-training steps")
	flag.DurationVar(&cfg.time, "time", 0, "BERT pre-training time budget, e.g. 30m (overrides -steps: the step count is fixed from the rate of the first steps)")
	flag.Float64Var(&cfg.lr, "lr", 5e-4, "peak pre-training learning rate (AdamW, linear warm-up and decay)")
	flag.BoolVar(&cfg.gpt, "gpt", false, "also pre-train a GPT of the same size with causal LM and report its held-out perplexity")
	flag.IntVar(&cfg.gptSteps, "gpt-steps", 2000, "GPT pre-training steps")
	flag.DurationVar(&cfg.gptTime, "gpt-time", 0, "GPT pre-training time budget (overrides -gpt-steps)")
	flag.BoolVar(&cfg.domain, "domain", true, "add the unlabelled e-SNLI fine-tuning texts (premises and hypotheses, not the test split) to the pre-training corpus")
	flag.IntVar(&cfg.evalBlocks, "eval-blocks", 500, "held-out sequences for the held-out MLM loss and perplexity")
	flag.IntVar(&cfg.trainPairs, "train-pairs", 0, "e-SNLI fine-tuning pairs, drawn from its validation split (0: all 9,842)")
	flag.IntVar(&cfg.testPairs, "test-pairs", 0, "e-SNLI test pairs, a fixed subset of the test split (0: all 9,824)")
	flag.IntVar(&cfg.ftEpochs, "ft-epochs", 3, "fine-tuning epochs")
	flag.IntVar(&cfg.ftBatch, "ft-batch", 32, "fine-tuning batch size")
	flag.Float64Var(&cfg.ftLR, "ft-lr", 2e-4, "peak fine-tuning learning rate (AdamW, slanted triangular schedule)")
	flag.IntVar(&cfg.ftSeq, "ft-seq", 128, "longest fine-tuning input [CLS] premise [SEP] hypothesis [SEP] (batches are padded to their longest pair)")
	flag.IntVar(&cfg.seeds, "seeds", 3, "fine-tuning seeds per initialisation")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of pre-training (the fine-tuning seeds are 1..-seeds)")
	flag.BoolVar(&cfg.retrain, "retrain", false, "train the vocabulary and the models even when -out has them")
	flag.BoolVar(&cfg.json, "json", false, "print the results as one JSON object on the last line of stdout")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "pretrain: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pretrain:", err)
		os.Exit(1)
	}
}

func (cfg *config) check() error {
	switch {
	case cfg.vocab < 100:
		return fmt.Errorf("-vocab %d: want at least 100", cfg.vocab)
	case cfg.layers < 1 || cfg.hidden < 1 || cfg.heads < 1:
		return errors.New("-layers, -hidden and -heads must be at least 1")
	case cfg.hidden%cfg.heads != 0:
		return fmt.Errorf("-heads %d does not divide -hidden %d", cfg.heads, cfg.hidden)
	case cfg.seq < 8 || cfg.batch < 1:
		return errors.New("-seq must be at least 8 and -batch at least 1")
	case cfg.steps < 1 || cfg.time < 0 || cfg.gptSteps < 1 || cfg.gptTime < 0:
		return errors.New("-steps and -gpt-steps must be at least 1, -time and -gpt-time not negative")
	case !(cfg.lr > 0) || !(cfg.ftLR > 0):
		return errors.New("-lr and -ft-lr must be positive")
	case cfg.evalBlocks < 1:
		return errors.New("-eval-blocks must be at least 1")
	case cfg.trainPairs < 0 || cfg.testPairs < 0:
		return errors.New("-train-pairs and -test-pairs must not be negative")
	case cfg.ftEpochs < 1 || cfg.ftBatch < 1 || cfg.seeds < 1:
		return errors.New("-ft-epochs, -ft-batch and -seeds must be at least 1")
	case cfg.ftSeq < 8:
		return fmt.Errorf("-ft-seq %d: want at least 8", cfg.ftSeq)
	case cfg.out == "":
		return errors.New("-out: name a directory for the weights")
	}
	return nil
}

// bertConfig is the BERT both pre-training and fine-tuning use.
func (cfg *config) bertConfig(vocab, pad int) models.BERTConfig {
	c := models.DefaultBERTConfig()
	c.VocabSize, c.Hidden, c.Layers, c.Heads = vocab, cfg.hidden, cfg.layers, cfg.heads
	c.Intermediate = 4 * cfg.hidden
	c.MaxPositions = max(cfg.seq, cfg.ftSeq)
	c.PadID = pad
	return c
}

func (cfg *config) gptConfig(vocab int) models.GPTConfig {
	c := models.DefaultGPTConfig()
	c.VocabSize, c.Hidden, c.Layers, c.Heads = vocab, cfg.hidden, cfg.layers, cfg.heads
	c.MaxPositions = cfg.seq
	return c
}

// checkpoint is config.json in -out: what the saved models are, so that a
// later run (or another package) can rebuild them, and how they were made.
type checkpoint struct {
	Vocab    string            `json:"vocab"`
	Lower    bool              `json:"lower_case"`
	Domain   bool              `json:"domain_text"`
	BERT     models.BERTConfig `json:"bert"`
	BERTFile string            `json:"bert_weights"`
	BERTRun  pretrainStats     `json:"bert_pretraining"`
	GPT      *models.GPTConfig `json:"gpt,omitempty"`
	GPTFile  string            `json:"gpt_weights,omitempty"`
	GPTRun   *pretrainStats    `json:"gpt_pretraining,omitempty"`
	Sources  []string          `json:"sources"`
	// VocabTarget is the -vocab asked for; the trainer may stop short of
	// it when no pair is frequent enough.
	VocabTarget int `json:"vocab_target"`
}

// results is what the program reports.
type results struct {
	VocabSize      int               `json:"vocab_size"`
	VocabSeconds   float64           `json:"vocab_seconds"`
	CorpusTokens   int               `json:"corpus_tokens"`
	HeldOutTokens  int               `json:"heldout_tokens"`
	BERT           models.BERTConfig `json:"bert_config"`
	Pretrain       pretrainStats     `json:"bert_pretraining"`
	GPT            *pretrainStats    `json:"gpt_pretraining,omitempty"`
	ClassifierSize int               `json:"classifier_params"`
	TrainPairs     int               `json:"train_pairs"`
	TestPairs      int               `json:"test_pairs"`
	FineTuneEpochs int               `json:"finetune_epochs"`
	FineTuneSteps  int               `json:"finetune_steps"`
	Runs           []fineTuneRun     `json:"runs"`
	Pretrained     summary           `json:"pretrained_accuracy"`
	Scratch        summary           `json:"scratch_accuracy"`
	Difference     summary           `json:"difference"` // pretrained − scratch, paired by seed
	FineTuneSec    summary           `json:"finetune_seconds"`
	Dir            string            `json:"out"`
	Seconds        float64           `json:"seconds"`
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	start := time.Now()
	dir := cfg.dataDir
	if dir == "" {
		dir = data.Dir()
	}
	corp, err := loadCorpus(dir, 0.05)
	if err != nil {
		return err
	}
	esnliDir := filepath.Join(dir, "distill-sbs")
	pool, err := readESNLI(esnliDir, "valid")
	if err != nil {
		return fmt.Errorf("e-SNLI: %w", err)
	}
	testAll, err := readESNLI(esnliDir, "test")
	if err != nil {
		return fmt.Errorf("e-SNLI: %w", err)
	}
	trainSet := subset(pool, cfg.trainPairs, 1)
	testSet := subset(testAll, cfg.testPairs, 2)
	pretrainLines := cleanWiki(corp.train)
	if cfg.domain {
		// The whole fine-tuning pool, unlabelled: independent of -train-pairs,
		// so one checkpoint serves every subset. The test split is never used.
		for _, p := range pool {
			pretrainLines = append(pretrainLines, p.Premise, p.Hypothesis)
		}
		corp.sources = append(corp.sources, "distill-sbs/esnli/esnli_valid.json.gz (premise and hypothesis only)")
	}
	heldLines := cleanWiki(corp.heldOut)
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	res := &results{Dir: cfg.out}

	ck, tok, loaded, err := loadCheckpoint(cfg)
	if err != nil {
		return err
	}
	if tok == nil {
		t0 := time.Now()
		fmt.Fprintf(stderr, "training a WordPiece vocabulary of %d tokens on %d lines...\n", cfg.vocab, len(pretrainLines))
		tok, err = text.WordPieceTrainer{VocabSize: cfg.vocab, Lower: true}.Train(pretrainLines)
		if err != nil {
			return fmt.Errorf("training the vocabulary: %w", err)
		}
		res.VocabSeconds = time.Since(t0).Seconds()
		if err := writeVocab(filepath.Join(cfg.out, "vocab.txt"), tok.Vocab()); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "vocabulary: %d tokens in %.0f s, written to %s\n", tok.VocabSize(), res.VocabSeconds, filepath.Join(cfg.out, "vocab.txt"))
	}
	sp := tok.Special()
	res.VocabSize = tok.VocabSize()
	tr := tokenize(tok, pretrainLines)
	ho := tokenize(tok, heldLines)
	res.CorpusTokens, res.HeldOutTokens = len(tr.ids), len(ho.ids)
	fmt.Fprintf(stderr, "pre-training text: %d WordPiece tokens (%d held out) from %s\n", len(tr.ids), len(ho.ids), strings.Join(corp.sources, ", "))

	bc := cfg.bertConfig(tok.VocabSize(), sp.PAD)
	res.BERT = bc
	bertPath := filepath.Join(cfg.out, "bert.safetensors")
	if loaded {
		res.Pretrain = ck.BERTRun
		res.Pretrain.Loaded = true
		fmt.Fprintf(stderr, "BERT: loaded %s (pre-trained for %d steps, held-out MLM loss %.4f); -retrain trains it again\n", bertPath, ck.BERTRun.Steps, ck.BERTRun.HeldOutLoss)
	} else {
		m := models.NewBERTForMaskedLM(rand.New(rand.NewPCG(cfg.seed, 10)), bc)
		fmt.Fprintf(stderr, "BERT: %d layers, hidden %d, %d heads, %d parameters; MLM on sequences of %d, batch %d\n",
			bc.Layers, bc.Hidden, bc.Heads, nn.NumParams(m), cfg.seq, cfg.batch)
		st, err := trainMLM(ctx, m, tr, ho, cfg, sp, stderr)
		if err != nil {
			return err
		}
		st.Weights = bertPath
		if err := nn.Save(bertPath, m); err != nil {
			return err
		}
		res.Pretrain = st
		ck = &checkpoint{Vocab: "vocab.txt", VocabTarget: cfg.vocab, Lower: true, Domain: cfg.domain, BERT: bc, BERTFile: "bert.safetensors", BERTRun: st, Sources: corp.sources}
		if err := writeCheckpoint(cfg.out, ck); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "BERT: %d steps in %.0f s (%.2f s/step), final loss %.4f, held-out MLM loss %.4f; saved %s\n",
			st.Steps, st.Seconds, st.SecPerStep, st.FinalLoss, st.HeldOutLoss, bertPath)
	}

	if cfg.gpt {
		gpath := filepath.Join(cfg.out, "gpt.safetensors")
		gc := cfg.gptConfig(tok.VocabSize())
		if loaded && !cfg.retrain && ck.GPTRun != nil && ck.GPT != nil && *ck.GPT == gc {
			st := *ck.GPTRun
			st.Loaded = true
			res.GPT = &st
			fmt.Fprintf(stderr, "GPT: loaded %s (held-out perplexity %.1f)\n", gpath, st.HeldOutPPL)
		} else {
			g := models.NewGPT(rand.New(rand.NewPCG(cfg.seed, 20)), gc)
			fmt.Fprintf(stderr, "GPT: %d layers, hidden %d, %d parameters; causal LM on sequences of %d, batch %d\n",
				gc.Layers, gc.Hidden, nn.NumParams(g), cfg.seq, cfg.batch)
			st, err := trainGPT(ctx, g, tr, ho, cfg, stderr)
			if err != nil {
				return err
			}
			st.Weights = gpath
			if err := nn.Save(gpath, g); err != nil {
				return err
			}
			res.GPT = &st
			ck.GPT, ck.GPTFile, ck.GPTRun = &gc, "gpt.safetensors", &st
			if err := writeCheckpoint(cfg.out, ck); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "GPT: %d steps in %.0f s, held-out loss %.4f, perplexity %.1f per WordPiece token; saved %s\n",
				st.Steps, st.Seconds, st.HeldOutLoss, st.HeldOutPPL, gpath)
		}
	}

	train := encodePairs(tok, trainSet, cfg.ftSeq)
	test := encodePairs(tok, testSet, cfg.ftSeq)
	res.TrainPairs, res.TestPairs, res.FineTuneEpochs = len(train), len(test), cfg.ftEpochs
	res.FineTuneSteps = cfg.ftEpochs * ((len(train) + cfg.ftBatch - 1) / cfg.ftBatch)
	res.ClassifierSize = nn.NumParams(models.NewBERTForSequenceClassification(rand.New(rand.NewPCG(0, 0)), bc, 3))
	fmt.Fprintf(stderr, "e-SNLI: fine-tuning on %d pairs for %d epochs (%d steps of %d), testing on %d pairs, %d seeds\n",
		len(train), cfg.ftEpochs, res.FineTuneSteps, cfg.ftBatch, len(test), cfg.seeds)
	var pre, scr, diff, secs []float64
	for s := 1; s <= cfg.seeds; s++ {
		for _, from := range []string{bertPath, ""} {
			r, err := fineTune(ctx, bc, from, train, test, sp.PAD, uint64(s), cfg, stderr)
			if err != nil {
				return err
			}
			res.Runs = append(res.Runs, r)
			secs = append(secs, r.Seconds)
			if from != "" {
				pre = append(pre, r.TestAccuracy)
			} else {
				scr = append(scr, r.TestAccuracy)
				diff = append(diff, pre[len(pre)-1]-r.TestAccuracy)
			}
			fmt.Fprintf(stderr, "e-SNLI %-10s seed %d: test accuracy %.2f%% (train loss %.4f, %.0f s)\n", r.Init, s, 100*r.TestAccuracy, r.TrainLoss, r.Seconds)
		}
	}
	res.Pretrained, res.Scratch, res.Difference, res.FineTuneSec = summarize(pre), summarize(scr), summarize(diff), summarize(secs)
	res.Seconds = time.Since(start).Seconds()
	printReport(stdout, res)
	if cfg.json {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

func printReport(w io.Writer, r *results) {
	fmt.Fprintf(w, "BERT %d layers, hidden %d, %d heads, vocabulary %d: %d parameters with the classifier\n",
		r.BERT.Layers, r.BERT.Hidden, r.BERT.Heads, r.VocabSize, r.ClassifierSize)
	p := r.Pretrain
	loaded := ""
	if p.Loaded {
		loaded = " (loaded from " + p.Weights + ")"
	}
	fmt.Fprintf(w, "MLM pre-training: %d steps × %d × %d tokens (%.2f passes over %d tokens), %.0f s; held-out MLM loss %.4f%s\n",
		p.Steps, p.Batch, p.SeqLen, p.Epochs, p.TrainTokens, p.Seconds, p.HeldOutLoss, loaded)
	if g := r.GPT; g != nil {
		fmt.Fprintf(w, "GPT causal LM: %d steps, %.0f s; held-out perplexity %.1f per WordPiece token (%d parameters)\n", g.Steps, g.Seconds, g.HeldOutPPL, g.Params)
	}
	fmt.Fprintf(w, "e-SNLI, %d training pairs, %d epochs (%d steps), %d test pairs, %d seeds:\n", r.TrainPairs, r.FineTuneEpochs, r.FineTuneSteps, r.TestPairs, len(r.Pretrained.Values))
	fmt.Fprintf(w, "  from pre-trained BERT  %6.2f%% ± %.2f\n", 100*r.Pretrained.Mean, 100*r.Pretrained.CI95)
	fmt.Fprintf(w, "  from scratch           %6.2f%% ± %.2f\n", 100*r.Scratch.Mean, 100*r.Scratch.CI95)
	fmt.Fprintf(w, "  difference (paired)    %+6.2f points ± %.2f (95%% intervals over seeds)\n", 100*r.Difference.Mean, 100*r.Difference.CI95)
	fmt.Fprintf(w, "fine-tuning %.0f s per run; total time %.0f s\n", r.FineTuneSec.Mean, r.Seconds)
}

// cleanWiki undoes WikiText's tokenisation marks: "@-@", "@,@" and "@.@"
// join their neighbours, and the rare-word placeholder "<unk>" becomes the
// plain word "unk" (text.CleanWikiText).
func cleanWiki(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = text.CleanWikiText(l)
	}
	return out
}

func tokenize(tok *text.WordPiece, lines []string) tokStream {
	ids, ws := stream(tok, lines)
	return tokStream{ids: ids, wordStart: ws}
}

func writeVocab(path string, v *text.Vocab) error {
	var b strings.Builder
	if err := text.WriteVocabTxt(&b, v); err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, []byte(b.String()))
}

func writeCheckpoint(dir string, ck *checkpoint) error {
	b, err := json.MarshalIndent(ck, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(dir, "config.json"), append(b, '\n'))
}

// loadCheckpoint returns the saved vocabulary and BERT description from
// cfg.out when they exist and match the requested model (loaded true);
// a checkpoint made with other settings is an error that names -retrain.
func loadCheckpoint(cfg config) (ck *checkpoint, tok *text.WordPiece, loaded bool, err error) {
	if cfg.retrain {
		return nil, nil, false, nil
	}
	b, err := os.ReadFile(filepath.Join(cfg.out, "config.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	ck = &checkpoint{}
	if err := json.Unmarshal(b, ck); err != nil {
		return nil, nil, false, fmt.Errorf("%s: %w (use -retrain to start again)", filepath.Join(cfg.out, "config.json"), err)
	}
	f, err := os.Open(filepath.Join(cfg.out, ck.Vocab))
	if err != nil {
		return nil, nil, false, fmt.Errorf("checkpoint in %s: %w (use -retrain to start again)", cfg.out, err)
	}
	defer f.Close()
	tok, err = text.LoadWordPiece(f, ck.Lower)
	if err != nil {
		return nil, nil, false, fmt.Errorf("checkpoint in %s: %w", cfg.out, err)
	}
	want := cfg.bertConfig(tok.VocabSize(), tok.Special().PAD)
	if ck.BERT != want || ck.Domain != cfg.domain || cfg.vocab != ck.VocabTarget {
		return nil, nil, false, fmt.Errorf("the checkpoint in %s was made with other settings (%+v, domain text %v); use -retrain or another -out", cfg.out, ck.BERT, ck.Domain)
	}
	if _, err := os.Stat(filepath.Join(cfg.out, ck.BERTFile)); err != nil {
		return nil, nil, false, fmt.Errorf("checkpoint in %s: %w (use -retrain to start again)", cfg.out, err)
	}
	return ck, tok, true, nil
}
