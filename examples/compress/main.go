// Compress reproduces, at CPU scale, the vocabulary-reduced compression of
// "Extreme Language Model Compression with Optimal Subwords and Shared
// Projections" (Zhao, Gupta, Song, Zhou, 2019; arXiv 1909.11687 v1) with
// package distill:
//
//  1. it loads the BERT masked-LM teacher pre-trained by examples/pretrain
//     (-teacher, default pretrain_out/) or, without one, trains a teacher
//     WordPiece vocabulary and pre-trains the teacher here;
//  2. it trains a student WordPiece vocabulary several times smaller
//     (text.WordPieceTrainer on the same text) and reports the overlap;
//  3. for each of -seeds seeds it trains a student with the same number of
//     layers and narrower ones under each arm, at equal steps: from scratch;
//     + dual training (the teacher, trained alongside, reads
//     mixed-vocabulary input with the student's embeddings); + shared
//     projections; and the conventional hidden-state MSE baseline;
//  4. it reports each student's masked-LM accuracy on held-out text (in
//     the student vocabulary), its e-SNLI accuracy after fine-tuning, and
//     the compression ratio in bytes, as mean ± 95% interval over seeds.
//
// Progress with ETAs goes to stderr; -json puts the results on the last
// line of stdout; Ctrl-C prints the results of the finished runs.
//
//	go run ./examples/compress            # the whole experiment (see the README for the time)
//	go run ./examples/compress -quick     # about two minutes
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

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/internal/cli"
	"github.com/cairn-ml/cairn/internal/cputime"
	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/text"
)

type config struct {
	dataDir, teacherDir          string
	teacherVocab, studentVocab   int
	layers                       int
	teacherHidden, teacherHeads  int
	studentHidden, studentHeads  int
	seq, batch                   int
	teacherSteps, steps          int
	teacherLR, lr, dualTeacherLR float64
	pDT, alpha                   float64
	evalChunks                   int
	trainPairs, testPairs        int
	ftEpochs, ftBatch, ftSeq     int
	ftLR                         float64
	seeds                        int
	seed                         uint64
	arms                         []string
	maxLines                     int
	report                       string
	quick, json                  bool
}

// quickFlags are the values -quick gives the flags not set explicitly.
var quickFlags = cli.Preset{
	"teacher-steps": "50", "steps": "20", "seeds": "2", "eval-chunks": "200",
	"train-pairs": "320", "test-pairs": "500", "ft-epochs": "1", "max-lines": "4000",
}

func main() {
	cfg, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "compress:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "compress:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line into a checked config.
func parseFlags(fs *flag.FlagSet, args []string) (config, error) {
	var cfg config
	var arms string
	fs.StringVar(&cfg.dataDir, "data", "", "directory with wikitext2, tinyshakespeare and distill-sbs (default: cairn's shared data)")
	fs.StringVar(&cfg.teacherDir, "teacher", "pretrain_out", "examples/pretrain output directory to load the teacher from (config.json, vocab.txt, bert.safetensors); without it the teacher is trained here")
	fs.IntVar(&cfg.teacherVocab, "teacher-vocab", 4000, "teacher WordPiece vocabulary when the teacher is trained here")
	fs.IntVar(&cfg.studentVocab, "student-vocab", 500, "student WordPiece vocabulary")
	fs.IntVar(&cfg.layers, "layers", 4, "layers of a teacher trained here (the student has the teacher's)")
	fs.IntVar(&cfg.teacherHidden, "teacher-hidden", 128, "hidden size of a teacher trained here (feed-forward 4×)")
	fs.IntVar(&cfg.teacherHeads, "teacher-heads", 4, "attention heads of a teacher trained here")
	fs.IntVar(&cfg.studentHidden, "student-hidden", 32, "student hidden size (feed-forward 4×)")
	fs.IntVar(&cfg.studentHeads, "student-heads", 2, "student attention heads")
	fs.IntVar(&cfg.seq, "seq", 64, "MLM sequence length (tokens, [CLS] and [SEP] included)")
	fs.IntVar(&cfg.batch, "batch", 32, "MLM batch size (sequences)")
	fs.IntVar(&cfg.teacherSteps, "teacher-steps", 2000, "teacher pre-training steps when it is trained here")
	fs.IntVar(&cfg.steps, "steps", 600, "student training steps, the same in every arm")
	fs.Float64Var(&cfg.teacherLR, "teacher-lr", 5e-4, "teacher pre-training peak learning rate")
	fs.Float64Var(&cfg.lr, "lr", 1e-3, "student peak learning rate (also the shared embeddings, projections and maps)")
	fs.Float64Var(&cfg.dualTeacherLR, "dual-teacher-lr", 1e-4, "peak learning rate of the teacher while it is dual-trained")
	fs.Float64Var(&cfg.pDT, "p", 0.3, "dual training: probability that a word of the teacher's input is segmented with the student vocabulary")
	fs.Float64Var(&cfg.alpha, "alpha", 1, "weight of the shared-projection losses")
	fs.IntVar(&cfg.evalChunks, "eval-chunks", 1000, "held-out sequences for the MLM accuracy")
	fs.IntVar(&cfg.trainPairs, "train-pairs", 4000, "e-SNLI fine-tuning pairs, a fixed subset of its validation split (0: all 9,842)")
	fs.IntVar(&cfg.testPairs, "test-pairs", 2000, "e-SNLI test pairs, a fixed subset of its test split (0: all 9,824)")
	fs.IntVar(&cfg.ftEpochs, "ft-epochs", 2, "fine-tuning epochs")
	fs.IntVar(&cfg.ftBatch, "ft-batch", 32, "fine-tuning batch size")
	fs.IntVar(&cfg.ftSeq, "ft-seq", 128, "longest fine-tuning input [CLS] premise [SEP] hypothesis [SEP]")
	fs.Float64Var(&cfg.ftLR, "ft-lr", 1e-3, "fine-tuning peak learning rate")
	fs.IntVar(&cfg.seeds, "seeds", 3, "seeds per arm")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the teacher's pre-training (the arms' seeds are 1..-seeds)")
	fs.StringVar(&arms, "arms", strings.Join(allArms, ","), "comma-separated arms to run")
	fs.IntVar(&cfg.maxLines, "max-lines", 0, "read at most this many lines of each text file (0: all)")
	fs.BoolVar(&cfg.quick, "quick", false, "a run of about two minutes (sets the flags not given: "+quickFlags.String()+")")
	fs.StringVar(&cfg.report, "report", "", "print the report (with paired differences) of a file ending with an earlier -json output, and train nothing")
	fs.BoolVar(&cfg.json, "json", false, "print the results as one JSON object on the last line of stdout")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.quick {
		if err := quickFlags.Apply(fs); err != nil {
			return cfg, err
		}
	}
	cfg.arms = strings.Split(arms, ",")
	return cfg, cfg.check()
}

func (cfg *config) check() error {
	switch {
	case cfg.teacherVocab < 100 || cfg.studentVocab < 100:
		return errors.New("-teacher-vocab and -student-vocab must be at least 100")
	case cfg.layers < 1 || cfg.teacherHidden < 1 || cfg.teacherHeads < 1 || cfg.studentHidden < 1 || cfg.studentHeads < 1:
		return errors.New("-layers, -teacher-hidden, -teacher-heads, -student-hidden and -student-heads must be at least 1")
	case cfg.teacherHidden%cfg.teacherHeads != 0 || cfg.studentHidden%cfg.studentHeads != 0:
		return errors.New("the heads must divide the hidden size")
	case cfg.seq < 8 || cfg.batch < 1:
		return errors.New("-seq must be at least 8 and -batch at least 1")
	case cfg.teacherSteps < 1 || cfg.steps < 1:
		return errors.New("-teacher-steps and -steps must be at least 1")
	case !(cfg.teacherLR > 0) || !(cfg.lr > 0) || !(cfg.dualTeacherLR > 0) || !(cfg.ftLR > 0):
		return errors.New("the learning rates must be positive")
	case !(cfg.pDT >= 0 && cfg.pDT <= 1):
		return fmt.Errorf("-p %v: want a probability", cfg.pDT)
	case !(cfg.alpha >= 0):
		return fmt.Errorf("-alpha %v: want at least 0", cfg.alpha)
	case cfg.evalChunks < 1:
		return errors.New("-eval-chunks must be at least 1")
	case cfg.trainPairs < 0 || cfg.testPairs < 0 || cfg.maxLines < 0:
		return errors.New("-train-pairs, -test-pairs and -max-lines must not be negative")
	case cfg.ftEpochs < 1 || cfg.ftBatch < 1 || cfg.seeds < 1:
		return errors.New("-ft-epochs, -ft-batch and -seeds must be at least 1")
	case cfg.ftSeq < 8:
		return fmt.Errorf("-ft-seq %d: want at least 8", cfg.ftSeq)
	}
	for _, a := range cfg.arms {
		if !slices.Contains(allArms, a) {
			return fmt.Errorf("-arms: unknown arm %q (want some of %s)", a, strings.Join(allArms, ","))
		}
	}
	return nil
}

// summary is a mean with the half-width of its 95% interval over seeds
// (metrics.MeanCI; 0 with one seed, where there is no interval).
type summary struct {
	Mean   float64   `json:"mean"`
	CI95   float64   `json:"ci95"`
	Values []float64 `json:"values"`
}

func summarize(v []float64) summary {
	s := summary{Values: v}
	if len(v) == 0 {
		return s
	}
	s.Mean, s.CI95 = metrics.MeanCI(v, 0.95)
	if math.IsNaN(s.CI95) {
		s.CI95 = 0
	}
	return s
}

// summarize sets the per-arm summaries of the runs, and each arm's
// paired differences from the first arm's runs of the same seed.
func (r *results) summarize(arms []string) {
	r.Arms, r.Differences = nil, nil
	base := map[uint64]armRun{} // the first arm's run of each seed
	for _, x := range r.Runs {
		if len(arms) > 0 && x.Arm == arms[0] {
			base[x.Seed] = x
		}
	}
	for i, a := range arms {
		var mlm, down, dMLM, dDown []float64
		for _, x := range r.Runs {
			if x.Arm != a {
				continue
			}
			mlm, down = append(mlm, x.MLMAccuracy), append(down, x.DownstreamAccuracy)
			if b, ok := base[x.Seed]; ok && i > 0 {
				dMLM, dDown = append(dMLM, x.MLMAccuracy-b.MLMAccuracy), append(dDown, x.DownstreamAccuracy-b.DownstreamAccuracy)
			}
		}
		if len(mlm) > 0 {
			r.Arms = append(r.Arms, armSummary{Arm: a, MLM: summarize(mlm), Downstream: summarize(down)})
		}
		if len(dMLM) > 0 {
			r.Differences = append(r.Differences, armSummary{Arm: a + " − " + arms[0], MLM: summarize(dMLM), Downstream: summarize(dDown)})
		}
	}
}

// modelSize is a configuration with its parameter count and fp32 bytes
// (distill.BERTSizeOf(...).BERT(): encoder and pooler, no MLM head).
type modelSize struct {
	Config models.BERTConfig `json:"config"`
	Params int               `json:"params"`
	Bytes  int64             `json:"bytes_fp32"`
}

func sizeOf(c models.BERTConfig) modelSize {
	p := distill.BERTSizeOf(c).BERT()
	return modelSize{Config: c, Params: p, Bytes: distill.Bytes(p, distill.FP32)}
}

// armSummary is the result of one arm over the seeds.
type armSummary struct {
	Arm        string  `json:"arm"`
	MLM        summary `json:"mlm_accuracy"`
	Downstream summary `json:"downstream_accuracy"`
}

// results is what the program reports.
type results struct {
	Partial          bool            `json:"partial"`
	TeacherFrom      string          `json:"teacher_from"` // the -teacher directory, or "trained here"
	TeacherSteps     int             `json:"teacher_steps"`
	TeacherLoss      float64         `json:"teacher_final_loss,omitempty"`
	TeacherMLM       float64         `json:"teacher_mlm_accuracy"` // held out, teacher vocabulary
	Teacher          modelSize       `json:"teacher"`
	Student          modelSize       `json:"student"`
	CompressionRatio float64         `json:"compression_ratio"` // teacher bytes / student bytes
	Overlap          distill.Overlap `json:"vocab_overlap"`
	OverlapShare     float64         `json:"vocab_overlap_share"`
	TrainChunks      int             `json:"train_sequences"`
	EvalChunks       int             `json:"eval_sequences"`
	Steps            int             `json:"steps"`
	Batch            int             `json:"batch"`
	Seq              int             `json:"seq"`
	PDT              float64         `json:"p_dt"`
	Alpha            float64         `json:"alpha"`
	TrainPairs       int             `json:"train_pairs"`
	TestPairs        int             `json:"test_pairs"`
	FineTuneEpochs   int             `json:"finetune_epochs"`
	Arms             []armSummary    `json:"arms"`
	// Differences are each arm's accuracies minus the first arm's (scratch
	// by default), paired by seed: the same initial student weights.
	Differences []armSummary `json:"differences"`
	Runs        []armRun     `json:"runs"`
	Seconds     float64      `json:"seconds"`
	CPUSeconds  float64      `json:"cpu_seconds"`
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer) (err error) {
	if err := cfg.check(); err != nil {
		return err
	}
	if cfg.report != "" {
		var res results
		if err := cli.LastJSON(cfg.report, &res); err != nil {
			return fmt.Errorf("-report: %w", err)
		}
		var arms []string
		for _, r := range res.Runs {
			if !slices.Contains(arms, r.Arm) {
				arms = append(arms, r.Arm)
			}
		}
		res.summarize(arms)
		printReport(stdout, &res)
		return nil
	}
	start, cpu0 := time.Now(), cputime.Now()
	dir := cfg.dataDir
	if dir == "" {
		dir = data.Dir()
	}
	trainLines, heldLines, err := loadText(dir, cfg.maxLines)
	if err != nil {
		return err
	}
	esnli := filepath.Join(dir, "distill-sbs")
	trainSet, err := loadESNLI(esnli, "valid", cfg.trainPairs, 1)
	if err != nil {
		return err
	}
	testSet, err := loadESNLI(esnli, "test", cfg.testPairs, 2)
	if err != nil {
		return err
	}
	s := &setup{cfg: cfg}
	res := &results{Steps: cfg.steps, Batch: cfg.batch, Seq: cfg.seq, PDT: cfg.pDT, Alpha: cfg.alpha, FineTuneEpochs: cfg.ftEpochs}

	// The teacher: loaded, or vocabulary and model trained here.
	teacher, tTok, lower, err := loadTeacher(cfg.teacherDir)
	if err != nil {
		return err
	}
	s.tTok = tTok
	if teacher != nil {
		s.tc = teacher.BERT.Config
		res.TeacherFrom = cfg.teacherDir
		fmt.Fprintf(stderr, "teacher: loaded from %s (%d layers, hidden %d, vocabulary %d)\n", cfg.teacherDir, s.tc.Layers, s.tc.Hidden, s.tc.VocabSize)
	} else {
		res.TeacherFrom = "trained here"
		fmt.Fprintf(stderr, "no teacher in %q: training one. Teacher vocabulary of %d on %d lines...\n", cfg.teacherDir, cfg.teacherVocab, len(trainLines))
		s.tTok, err = text.WordPieceTrainer{VocabSize: cfg.teacherVocab, Lower: true}.Train(trainLines)
		if err != nil {
			return fmt.Errorf("teacher vocabulary: %w", err)
		}
		s.tc = cfg.teacherConfig(s.tTok)
	}
	if cfg.seq > s.tc.MaxPositions || cfg.ftSeq > s.tc.MaxPositions {
		return fmt.Errorf("-seq %d or -ft-seq %d exceeds the teacher's %d positions", cfg.seq, cfg.ftSeq, s.tc.MaxPositions)
	}
	fmt.Fprintf(stderr, "student vocabulary of %d...\n", cfg.studentVocab)
	if err := s.prepare(trainLines, heldLines, lower); err != nil {
		return err
	}
	res.Teacher, res.Student = sizeOf(s.tc), sizeOf(s.sc)
	res.CompressionRatio = float64(res.Teacher.Bytes) / float64(res.Student.Bytes)
	res.Overlap = distill.VocabOverlap(s.sTok.Vocab(), s.tTok.Vocab())
	res.OverlapShare = res.Overlap.Share()
	res.TrainChunks, res.EvalChunks = len(s.train), min(len(s.held), cfg.evalChunks)
	fmt.Fprintf(stderr, "vocabularies: teacher %d, student %d (%.1f%% of the student's tokens in the teacher's); %d training and %d held-out sequences of ≤ %d tokens\n",
		s.tTok.VocabSize(), s.sTok.VocabSize(), 100*res.OverlapShare, len(s.train), res.EvalChunks, cfg.seq)
	fmt.Fprintf(stderr, "teacher %d parameters (%d bytes fp32), student %d (%d bytes): %.1f× smaller\n",
		res.Teacher.Params, res.Teacher.Bytes, res.Student.Params, res.Student.Bytes, res.CompressionRatio)

	train := encodePairs(s.sTok, trainSet, cfg.ftSeq)
	test := encodePairs(s.sTok, testSet, cfg.ftSeq)
	res.TrainPairs, res.TestPairs = len(train), len(test)
	ftSteps := cfg.ftEpochs * ((len(train) + cfg.ftBatch - 1) / cfg.ftBatch)

	prog := &progress{w: stderr, start: time.Now(), every: 15 * time.Second}
	for _, a := range cfg.arms {
		prog.total += float64(cfg.seeds) * (float64(cfg.steps)*armWeight(a) + float64(ftSteps)*ftWeight)
	}
	if teacher == nil {
		prog.total += float64(cfg.teacherSteps)
	}
	// Whatever happens from here, print what is finished.
	defer func() {
		res.Seconds, res.CPUSeconds = time.Since(start).Seconds(), (cputime.Now() - cpu0).Seconds()
		res.Partial = err != nil
		res.summarize(cfg.arms)
		if res.Partial {
			fmt.Fprintf(stdout, "stopped early (%v): results of the finished runs\n", err)
		}
		printReport(stdout, res)
		if cfg.json {
			if b, jerr := json.Marshal(res); jerr == nil {
				fmt.Fprintln(stdout, string(b))
			} else if err == nil {
				err = jerr
			}
		}
	}()

	if teacher == nil {
		teacher = models.NewBERTForMaskedLM(rand.New(rand.NewPCG(cfg.seed, 10)), s.tc)
		fmt.Fprintf(stderr, "teacher: %d layers, hidden %d, %d parameters; MLM for %d steps of %d × %d\n", s.tc.Layers, s.tc.Hidden, nn.NumParams(teacher), cfg.teacherSteps, cfg.batch, cfg.seq)
		res.TeacherSteps = cfg.teacherSteps
		if res.TeacherLoss, err = s.trainTeacher(ctx, teacher, prog); err != nil {
			return err
		}
	}
	res.TeacherMLM = mlmAccuracy(teacher, s.teacherEval)
	fmt.Fprintf(stderr, "teacher held-out MLM accuracy %.2f%% (teacher vocabulary)\n", 100*res.TeacherMLM)
	s.teacherState = map[string]*tensor.Tensor{}
	for _, nt := range nn.StateDict(teacher) {
		s.teacherState[nt.Name] = nt.Tensor.Clone().Detach()
	}

	for seed := uint64(1); seed <= uint64(cfg.seeds); seed++ {
		for _, arm := range cfg.arms {
			t0, c0 := time.Now(), cputime.Now()
			a, last, err := s.trainArm(ctx, arm, seed, prog)
			if err != nil {
				return err
			}
			r := armRun{Arm: arm, Seed: seed, Steps: cfg.steps, FinalLoss: last, MLMAccuracy: mlmAccuracy(a.student, s.studentEval)}
			r.DownstreamAccuracy, r.FineTuneLoss, err = fineTune(ctx, a.student, train, test, s.sTok.Special().PAD, seed, cfg, prog)
			if err != nil {
				return err
			}
			r.Seconds, r.CPUSeconds = time.Since(t0).Seconds(), (cputime.Now() - c0).Seconds()
			res.Runs = append(res.Runs, r)
			fmt.Fprintf(stderr, "%-10s seed %d: held-out MLM accuracy %.2f%%, e-SNLI %.2f%% (%.0f s)\n", arm, seed, 100*r.MLMAccuracy, 100*r.DownstreamAccuracy, r.Seconds)
		}
	}
	return nil
}

// teacherConfig is the configuration of a teacher trained here.
func (cfg *config) teacherConfig(tok *text.WordPiece) models.BERTConfig {
	c := models.DefaultBERTConfig()
	c.VocabSize, c.Hidden, c.Layers, c.Heads = tok.VocabSize(), cfg.teacherHidden, cfg.layers, cfg.teacherHeads
	c.Intermediate, c.MaxPositions, c.PadID = 4*cfg.teacherHidden, max(cfg.seq, cfg.ftSeq), tok.Special().PAD
	return c
}

// prepare trains the student vocabulary on trainLines (lower-cased if
// lower, as the teacher's) and sets up the student configuration, the
// segmenters, the training and held-out sequences and the held-out masks;
// s.cfg, s.tTok and s.tc must be set.
func (s *setup) prepare(trainLines, heldLines []string, lower bool) error {
	cfg := s.cfg
	var err error
	s.sTok, err = text.WordPieceTrainer{VocabSize: cfg.studentVocab, Lower: lower}.Train(trainLines)
	if err != nil {
		return fmt.Errorf("student vocabulary: %w", err)
	}
	s.sc = s.tc
	s.sc.VocabSize, s.sc.Hidden, s.sc.Heads = s.sTok.VocabSize(), cfg.studentHidden, cfg.studentHeads
	s.sc.Intermediate, s.sc.PadID = 4*cfg.studentHidden, s.sTok.Special().PAD
	if s.mix, err = distill.NewMixedSegmenter(s.tTok, s.sTok, cfg.pDT); err != nil {
		return err
	}
	s.stu, _ = distill.NewMixedSegmenter(s.tTok, s.sTok, 1)
	s.tea, _ = distill.NewMixedSegmenter(s.tTok, s.sTok, 0)
	s.studentMLM, s.tchMLM = pretrainMLM(s.sTok), pretrainMLM(s.tTok)
	s.train, s.held = pack(trainLines, s.tTok, s.sTok, cfg.seq), pack(heldLines, s.tTok, s.sTok, cfg.seq)
	if len(s.train) == 0 || len(s.held) == 0 {
		return errors.New("no text to train or evaluate on")
	}
	s.studentEval = s.evalBatches(s.stu, s.sTok, s.studentMLM)
	s.teacherEval = s.evalBatches(s.tea, s.tTok, s.tchMLM)
	return nil
}

// loadTeacher loads the masked-LM BERT, its vocabulary and its casing that
// examples/pretrain saved in dir; nil without dir/config.json.
func loadTeacher(dir string) (*models.BERTForMaskedLM, *text.WordPiece, bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if errors.Is(err, os.ErrNotExist) || dir == "" {
		return nil, nil, true, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	var ck struct {
		Vocab    string            `json:"vocab"`
		Lower    bool              `json:"lower_case"`
		BERT     models.BERTConfig `json:"bert"`
		BERTFile string            `json:"bert_weights"`
	}
	if err := json.Unmarshal(b, &ck); err != nil {
		return nil, nil, false, fmt.Errorf("teacher %s: %w", filepath.Join(dir, "config.json"), err)
	}
	f, err := os.Open(filepath.Join(dir, ck.Vocab))
	if err != nil {
		return nil, nil, false, fmt.Errorf("teacher vocabulary: %w", err)
	}
	defer f.Close()
	tok, err := text.LoadWordPiece(f, ck.Lower)
	if err != nil {
		return nil, nil, false, fmt.Errorf("teacher vocabulary: %w", err)
	}
	if ck.BERT.VocabSize != tok.VocabSize() || ck.BERT.Hidden < 1 || ck.BERT.Heads < 1 || ck.BERT.Hidden%ck.BERT.Heads != 0 {
		return nil, nil, false, fmt.Errorf("teacher %s: config %+v does not fit its vocabulary of %d", dir, ck.BERT, tok.VocabSize())
	}
	m := models.NewBERTForMaskedLM(rand.New(rand.NewPCG(0, 0)), ck.BERT)
	if err := nn.Load(filepath.Join(dir, ck.BERTFile), m); err != nil {
		return nil, nil, false, fmt.Errorf("teacher weights: %w", err)
	}
	return m, tok, ck.Lower, nil
}

func printReport(w io.Writer, r *results) {
	fmt.Fprintf(w, "teacher (%s): %d layers, hidden %d, vocabulary %d: %d parameters, %d bytes fp32; held-out MLM accuracy %.2f%%\n",
		r.TeacherFrom, r.Teacher.Config.Layers, r.Teacher.Config.Hidden, r.Teacher.Config.VocabSize, r.Teacher.Params, r.Teacher.Bytes, 100*r.TeacherMLM)
	fmt.Fprintf(w, "student: %d layers, hidden %d, vocabulary %d: %d parameters, %d bytes fp32; compression %.1f× in bytes\n",
		r.Student.Config.Layers, r.Student.Config.Hidden, r.Student.Config.VocabSize, r.Student.Params, r.Student.Bytes, r.CompressionRatio)
	fmt.Fprintf(w, "vocabulary overlap: %d of the student's %d tokens in the teacher's %d (%.1f%%)\n", r.Overlap.Shared, r.Overlap.Student, r.Overlap.Teacher, 100*r.OverlapShare)
	fmt.Fprintf(w, "%d steps × %d sequences of ≤ %d tokens per arm (p_DT %.2f, α %g); e-SNLI %d pairs × %d epochs, %d test pairs\n",
		r.Steps, r.Batch, r.Seq, r.PDT, r.Alpha, r.TrainPairs, r.FineTuneEpochs, r.TestPairs)
	fmt.Fprintf(w, "%-12s %-22s %-22s\n", "arm", "held-out MLM acc. %", "e-SNLI acc. %")
	for _, a := range r.Arms {
		fmt.Fprintf(w, "%-12s %6.2f ± %-5.2f (n=%d)   %6.2f ± %-5.2f\n", a.Arm, 100*a.MLM.Mean, 100*a.MLM.CI95, len(a.MLM.Values), 100*a.Downstream.Mean, 100*a.Downstream.CI95)
	}
	if len(r.Differences) > 0 {
		fmt.Fprintln(w, "paired by seed (same initial student weights), points:")
		for _, d := range r.Differences {
			fmt.Fprintf(w, "%-20s %+6.2f ± %-5.2f (n=%d)   %+6.2f ± %-5.2f\n", d.Arm, 100*d.MLM.Mean, 100*d.MLM.CI95, len(d.MLM.Values), 100*d.Downstream.Mean, 100*d.Downstream.CI95)
		}
	}
	fmt.Fprintf(w, "(mean ± 95%% interval over seeds) total %.0f s, %.0f cpu s\n", r.Seconds, r.CPUSeconds)
}
