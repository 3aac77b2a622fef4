// Advgan reproduces the MNIST experiments of "Generating Adversarial
// Examples with Adversarial Networks" (Xiao et al., IJCAI 2018) with package
// attack:
//
//  1. it trains the target models A, B and C (or loads them from -dir),
//     and adversarially trained copies of them (FGSM and PGD adversarial
//     training) for the comparison under defences;
//  2. it trains AdvGAN against each target (semi-whitebox: the generator
//     sees the target's gradients while it trains, then attacks with one
//     forward pass), and in the black-box setting with dynamic distillation
//     (only the target's output probabilities are used);
//  3. it attacks every target with AdvGAN, FGSM, PGD and C&W L2, and with
//     random ±ε noise as the control, and prints the attack success rates
//     and perturbation norms as a table;
//  4. it trains targeted generators, one per class, against one target;
//  5. it writes a PNG grid of clean and adversarial digits.
//
// Run it with no flags for the whole experiment (about two and a half
// hours on two cores, estimated from the measured stages in README.md; the
// trained targets are kept in -dir, so a second run skips their training):
//
//	go run ./examples/advgan
//	go run ./examples/advgan -target C -defences "" -targeted ""  # one target, a few minutes
//	go run ./examples/advgan -json                                # results as one JSON line at the end
//
// All perturbations are bounded by ε = 0.3 in L∞ (the MNIST challenge's
// rule) except C&W's, which minimises the L2 norm. Success rates count
// every test image (untargeted: the model's label differs from the true
// class); the JSON also has the rate among the images the model classifies
// correctly when clean.
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
	"slices"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/attack"
	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/nn"
)

type config struct {
	targets      []string
	targetEpochs int
	epochs       int
	rounds       int
	defences     []string
	defEpochs    int
	pgdSteps     int
	targeted     string
	targetedStep int
	evalN        int
	limit        int
	iterN        int
	cwN          int
	eps          float64
	seed         uint64
	dataDir      string
	dir          string
	grid         string
	retrain      bool
	json         bool
	attacks      map[string]bool
	bbKappa      float64
	plain        bool
}

func main() {
	var cfg config
	var targets, defences, attacks string
	flag.StringVar(&targets, "target", "A,B,C", "comma-separated target models: A, B, C")
	flag.IntVar(&cfg.targetEpochs, "target-epochs", 3, "training epochs of each target model")
	flag.IntVar(&cfg.epochs, "epochs", 1, "AdvGAN training epochs per target (and per black-box round)")
	flag.IntVar(&cfg.rounds, "rounds", 2, "black-box rounds of dynamic distillation (1: static distillation only; 0: no black-box attack)")
	flag.StringVar(&attacks, "attacks", "advgan,noise,fgsm,pgd,cw,blackbox", "attacks to run: advgan, noise, fgsm, pgd, cw, blackbox")
	flag.Float64Var(&cfg.bbKappa, "bb-kappa", 10, "confidence margin κ of the black-box generator's loss on the local model (high-confidence examples transfer better)")
	flag.BoolVar(&cfg.plain, "plain", true, "attack the plainly trained targets (false: only the adversarially trained ones)")
	flag.StringVar(&defences, "defences", "fgsm,pgd", "adversarial training defences to attack: fgsm, pgd (empty: none)")
	flag.IntVar(&cfg.defEpochs, "defence-epochs", 1, "epochs of adversarial training per defended target")
	flag.IntVar(&cfg.pgdSteps, "pgd-train-steps", 5, "PGD steps per batch in PGD adversarial training (Madry et al.: 40)")
	flag.StringVar(&cfg.targeted, "targeted", "C", "target model for the targeted attack, one generator per class (empty: skip)")
	flag.IntVar(&cfg.targetedStep, "targeted-steps", 150, "training batches of each targeted generator")
	flag.IntVar(&cfg.limit, "limit", 0, "train on only the first n training images (0: all 60,000)")
	flag.IntVar(&cfg.evalN, "eval", 10000, "test images attacked by AdvGAN, FGSM and the noise control")
	flag.IntVar(&cfg.iterN, "eval-pgd", 1000, "test images attacked by PGD-40 (slow)")
	flag.IntVar(&cfg.cwN, "eval-cw", 200, "test images attacked by C&W L2 (slower)")
	flag.Float64Var(&cfg.eps, "eps", 0.3, "L∞ bound of AdvGAN, FGSM, PGD and the noise")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of every random choice")
	flag.StringVar(&cfg.dataDir, "data", "", "directory with the MNIST idx files (default: the GoMNIST module's)")
	flag.StringVar(&cfg.dir, "dir", "advgan_out", "directory for trained weights (targets are reused from it when present)")
	flag.StringVar(&cfg.grid, "grid", "advgan_grid.png", "PNG of clean and adversarial digits (empty: none)")
	flag.BoolVar(&cfg.retrain, "retrain", false, "train the targets even when -dir has their weights")
	flag.BoolVar(&cfg.json, "json", false, "print the results as one JSON object on the last line of stdout")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "advgan: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	cfg.targets = splitList(targets)
	cfg.defences = splitList(defences)
	cfg.attacks = map[string]bool{}
	for _, a := range splitList(attacks) {
		cfg.attacks[a] = true
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "advgan:", err)
		os.Exit(1)
	}
}

// allAttacks names the attacks -attacks chooses from.
var allAttacks = []string{"advgan", "noise", "fgsm", "pgd", "cw", "blackbox"}

func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (cfg *config) check() error {
	switch {
	case len(cfg.targets) == 0:
		return errors.New("-target: name at least one of A, B, C")
	case cfg.targetEpochs < 1 || cfg.epochs < 1 || cfg.defEpochs < 1:
		return errors.New("-target-epochs, -epochs and -defence-epochs must be at least 1")
	case cfg.rounds < 0 || cfg.pgdSteps < 1 || cfg.targetedStep < 1:
		return errors.New("-rounds must not be negative, -pgd-train-steps and -targeted-steps at least 1")
	case cfg.evalN < 1 || cfg.iterN < 0 || cfg.cwN < 0 || cfg.limit < 0:
		return errors.New("-eval must be at least 1, -eval-pgd, -eval-cw and -limit not negative")
	case !(cfg.eps > 0 && cfg.eps < 1):
		return fmt.Errorf("-eps %v: want a value in (0, 1)", cfg.eps)
	}
	for i, t := range cfg.targets {
		if _, err := attack.NewModel(t, rand.New(rand.NewPCG(0, 0))); err != nil {
			return fmt.Errorf("-target %q: want A, B or C", t)
		}
		cfg.targets[i] = strings.ToUpper(t)
	}
	if cfg.attacks == nil { // callers that build a config by hand get every attack
		cfg.attacks = map[string]bool{}
		for _, a := range allAttacks {
			cfg.attacks[a] = true
		}
	}
	for a := range cfg.attacks {
		if !slices.Contains(allAttacks, a) {
			return fmt.Errorf("-attacks: %q, want some of %s", a, strings.Join(allAttacks, ", "))
		}
	}
	if !(cfg.bbKappa >= 0) {
		return fmt.Errorf("-bb-kappa %v: want a value ≥ 0", cfg.bbKappa)
	}
	for _, d := range cfg.defences {
		if d != "fgsm" && d != "pgd" {
			return fmt.Errorf("-defences: %q, want fgsm or pgd", d)
		}
	}
	if cfg.targeted != "" {
		if _, err := attack.NewModel(cfg.targeted, rand.New(rand.NewPCG(0, 0))); err != nil {
			return fmt.Errorf("-targeted %q: want A, B, C or empty", cfg.targeted)
		}
		cfg.targeted = strings.ToUpper(cfg.targeted)
	}
	return nil
}

// modelInfo describes one trained target.
type modelInfo struct {
	Model         string  `json:"model"`
	Defence       string  `json:"defence"`
	CleanAccuracy float64 `json:"clean_accuracy"`
	Epochs        int     `json:"epochs"`
	Loaded        bool    `json:"loaded"`
	TrainSeconds  float64 `json:"train_seconds"`
	Weights       string  `json:"weights"`
}

// row is one line of the results table: an attack on a model.
type row struct {
	Model   string `json:"model"`
	Defence string `json:"defence"`
	Attack  string `json:"attack"`
	attack.Report
	Seconds      float64 `json:"seconds"`
	TrainSeconds float64 `json:"train_seconds,omitempty"`
	Queries      int     `json:"queries,omitempty"`
	Local        string  `json:"local_model,omitempty"`
	Agreement    float64 `json:"local_agreement,omitempty"`
}

// targetedRow is the targeted attack towards one class.
type targetedRow struct {
	Class        int     `json:"class"`
	SuccessRate  float64 `json:"success_rate"`
	Images       int     `json:"images"`
	TrainSeconds float64 `json:"train_seconds"`
}

type results struct {
	Eps           float64       `json:"eps"`
	Models        []modelInfo   `json:"models"`
	Attacks       []row         `json:"attacks"`
	TargetedModel string        `json:"targeted_model,omitempty"`
	Targeted      []targetedRow `json:"targeted,omitempty"`
	Grid          string        `json:"grid,omitempty"`
	Seconds       float64       `json:"seconds"`
}

// experiment holds what every step needs.
type experiment struct {
	ctx         context.Context
	cfg         config
	train, test *data.Dataset
	evalSet     *data.Dataset // the first -eval test images
	iterSet     *data.Dataset // the first -eval-pgd test images
	cwSet       *data.Dataset // the first -eval-cw test images
	stderr      io.Writer
	res         *results
	grid        []gridRow
	gridIdx     []int // one test image per class, for the grid
	plain       map[string]attack.Classifier
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	start := time.Now()
	dir := cfg.dataDir
	if dir == "" {
		d, err := data.MNISTDir()
		if err != nil {
			return err
		}
		dir = d
	}
	train, test, err := data.LoadMNIST(dir)
	if err != nil {
		return err
	}
	if cfg.limit > 0 && cfg.limit < train.Len() {
		train = train.Subset(rangeOf(cfg.limit))
	}
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return err
	}
	e := &experiment{ctx: ctx, cfg: cfg, train: train, test: test, stderr: stderr,
		res: &results{Eps: cfg.eps, TargetedModel: cfg.targeted}, plain: map[string]attack.Classifier{}}
	e.evalSet = test.Subset(rangeOf(min(cfg.evalN, test.Len())))
	e.iterSet = test.Subset(rangeOf(min(cfg.iterN, test.Len())))
	e.cwSet = test.Subset(rangeOf(min(cfg.cwN, test.Len())))
	e.gridIdx = firstOfEachClass(test)
	fmt.Fprintf(stderr, "MNIST: %d training, %d test images; attacking %d (%d with PGD, %d with C&W), ε = %g\n",
		train.Len(), test.Len(), e.evalSet.Len(), e.iterSet.Len(), e.cwSet.Len(), cfg.eps)

	for ti, name := range cfg.targets {
		target, err := e.target(name, attack.NoAdversarial, uint64(slices.Index([]string{"A", "B", "C"}, name)))
		if err != nil {
			return err
		}
		e.plain[name] = target
		if cfg.plain {
			if err := e.attackAll(name, "none", target, ti == 0); err != nil {
				return err
			}
			if cfg.rounds > 0 && cfg.attacks["blackbox"] {
				if err := e.blackBox(name, target, ti == 0); err != nil {
					return err
				}
			}
		}
		for di, d := range cfg.defences {
			method := attack.AdvFGSM
			if d == "pgd" {
				method = attack.AdvPGD
			}
			defended, err := e.target(name, method, uint64(10*(ti+1)+di))
			if err != nil {
				return err
			}
			if err := e.attackAll(name, d, defended, false); err != nil {
				return err
			}
		}
	}
	if cfg.targeted != "" {
		if err := e.targetedAttack(); err != nil {
			return err
		}
	}
	printTable(stdout, e.res)
	if cfg.grid != "" && len(e.grid) > 0 {
		if err := writeGrid(cfg.grid, 28, e.grid); err != nil {
			return fmt.Errorf("writing the grid: %w", err)
		}
		e.res.Grid = cfg.grid
		fmt.Fprintf(stdout, "\nclean and adversarial digits: %s\n", cfg.grid)
	}
	e.res.Seconds = time.Since(start).Seconds()
	fmt.Fprintf(stdout, "total time %.0f s\n", e.res.Seconds)
	if cfg.json {
		b, err := json.Marshal(e.res)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

// target loads the target model name, trained plainly or adversarially, from
// -dir, or trains and saves it.
func (e *experiment) target(name string, method attack.AdvMethod, seed uint64) (attack.Classifier, error) {
	cfg := e.cfg
	defence := method.String()
	rng := rand.New(rand.NewPCG(cfg.seed, 100+seed))
	m, err := attack.NewModel(name, rng)
	if err != nil {
		return nil, err
	}
	file := "model" + name
	if method != attack.NoAdversarial {
		file += "-" + defence
	}
	path := filepath.Join(cfg.dir, file+".safetensors")
	info := modelInfo{Model: name, Defence: defence, Weights: path}
	if !cfg.retrain {
		if err := nn.Load(path, m); err == nil {
			info.Loaded = true
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("loading %s: %w (use -retrain to train it again)", path, err)
		}
	}
	if !info.Loaded {
		tc := attack.TrainConfig{Epochs: cfg.targetEpochs, BatchSize: 128, LR: 1e-3}
		if method != attack.NoAdversarial {
			tc.Epochs = cfg.defEpochs
			tc.Adversarial = method
			tc.Eps = float32(cfg.eps)
			tc.PGDSteps = cfg.pgdSteps
			tc.PGDStep = float32(2.5 * cfg.eps / float64(cfg.pgdSteps))
		}
		// Halve the learning rate in the last epoch: a cheap schedule that
		// gains a few tenths of a point of accuracy.
		epochs := tc.Epochs
		tc.LRAt = func(ep int) float64 {
			if ep == epochs-1 && epochs > 1 {
				return 3e-4
			}
			return 1e-3
		}
		tc.Progress = e.progress(fmt.Sprintf("train model %s (%s)", name, defence))
		t0 := time.Now()
		if _, err := attack.TrainClassifier(e.ctx, m, e.train, tc, rng); err != nil {
			return nil, fmt.Errorf("training model %s (%s): %w", name, defence, err)
		}
		info.Epochs = tc.Epochs
		info.TrainSeconds = time.Since(t0).Seconds()
		if err := nn.Save(path, m); err != nil {
			return nil, err
		}
	}
	nn.SetTraining(m, false)
	info.CleanAccuracy = attack.Accuracy(m, e.evalSet, 500)
	how := fmt.Sprintf("trained in %.0f s", info.TrainSeconds)
	if info.Loaded {
		how = "loaded from " + path
	}
	fmt.Fprintf(e.stderr, "model %s (%s): clean test accuracy %.2f%% (%s)\n", name, defence, 100*info.CleanAccuracy, how)
	e.res.Models = append(e.res.Models, info)
	return m, nil
}

// progress returns a callback that prints a line every 100 steps and at
// the end of every epoch.
func (e *experiment) progress(what string) func(attack.TrainProgress) {
	t0 := time.Now()
	return func(p attack.TrainProgress) {
		if p.Step%100 == 0 || p.Step == p.StepsPerEpoch {
			fmt.Fprintf(e.stderr, "  %s: epoch %d step %d/%d loss %.4f (%.0f s)\n", what, p.Epoch+1, p.Step, p.StepsPerEpoch, p.EpochLoss, time.Since(t0).Seconds())
		}
	}
}

func (e *experiment) ganProgress(what string, steps int) func(attack.AdvGANProgress) {
	t0 := time.Now()
	return func(p attack.AdvGANProgress) {
		if p.Step%100 == 0 || p.Step == steps {
			fmt.Fprintf(e.stderr, "  %s: step %d/%d loss_D %.3f loss_G %.3f (adv %.2f, pert %.3f) batch success %.2f (%.0f s)\n",
				what, p.Step, steps, p.LossD, p.LossG, p.LossAdv, p.LossPert, p.Success, time.Since(t0).Seconds())
		}
	}
}

// attackAll trains AdvGAN against target and runs every attack on it.
func (e *experiment) attackAll(name, defence string, target attack.Classifier, grid bool) error {
	cfg := e.cfg
	eps := float32(cfg.eps)
	rng := rand.New(rand.NewPCG(cfg.seed, 200+uint64(len(e.res.Attacks))))
	add := func(a string, set *data.Dataset, atk attack.Attack, trainSeconds float64) {
		t0 := time.Now()
		rep := attack.Evaluate(target, atk, set, 250, -1)
		r := row{Model: name, Defence: defence, Attack: a, Report: rep, Seconds: time.Since(t0).Seconds(), TrainSeconds: trainSeconds}
		e.res.Attacks = append(e.res.Attacks, r)
		fmt.Fprintf(e.stderr, "model %s (%s) %-14s success %.2f%% (on correct %.2f%%) L2 %.2f L∞ %.3f [%d images, %.0f s]\n",
			name, defence, a, 100*rep.SuccessRate, 100*rep.SuccessRateOnCorrect, rep.MeanL2, rep.MeanLinf, rep.Images, r.Seconds)
		if grid {
			e.addGridRow(a, target, atk)
		}
	}
	if grid {
		e.addGridRow("clean", target, nil)
	}

	if cfg.attacks["advgan"] {
		gcfg := attack.DefaultAdvGANConfig()
		gcfg.Eps = eps
		gcfg.Epochs = cfg.epochs
		steps := cfg.epochs * ((e.train.Len() + gcfg.Batch - 1) / gcfg.Batch)
		gcfg.Progress = e.ganProgress(fmt.Sprintf("AdvGAN vs %s (%s)", name, defence), steps)
		gan := attack.NewAdvGAN(rng, 1, gcfg)
		t0 := time.Now()
		if err := gan.Train(e.ctx, target, e.train, rng); err != nil {
			return fmt.Errorf("AdvGAN against model %s (%s): %w", name, defence, err)
		}
		trainSec := time.Since(t0).Seconds()
		if err := nn.Save(filepath.Join(cfg.dir, fmt.Sprintf("advgan-%s-%s.safetensors", name, defence)), gan.G); err != nil {
			return err
		}
		add("AdvGAN", e.evalSet, gan, trainSec)
	}
	if cfg.attacks["noise"] {
		add("noise ±ε", e.evalSet, &attack.RandomSign{Eps: eps, Rng: rand.New(rand.NewPCG(cfg.seed, 7))}, 0)
	}
	if cfg.attacks["fgsm"] {
		add("FGSM", e.evalSet, &attack.FGSM{Model: target, Eps: eps}, 0)
	}
	if cfg.iterN > 0 && cfg.attacks["pgd"] {
		add("PGD-40", e.iterSet, &attack.PGD{Model: target, Eps: eps, Steps: 40, Step: 0.01, RandomStart: true,
			Rng: rand.New(rand.NewPCG(cfg.seed, 8))}, 0)
	}
	if cfg.cwN > 0 && cfg.attacks["cw"] {
		add("C&W L2", e.cwSet, &attack.CWL2{Model: target}, 0)
	}
	return nil
}

// localFor is the architecture of the distilled model for a black box: a
// different one from the black box's, as the attacker does not know it.
func localFor(name string) string {
	if name == "C" {
		return "B"
	}
	return "C"
}

// blackBox runs the black-box AdvGAN with dynamic distillation against
// target, which it uses only through its output probabilities.
func (e *experiment) blackBox(name string, target attack.Classifier, grid bool) error {
	cfg := e.cfg
	rng := rand.New(rand.NewPCG(cfg.seed, 300+uint64(len(e.res.Attacks))))
	localName := localFor(name)
	local, err := attack.NewModel(localName, rng)
	if err != nil {
		return err
	}
	box := &attack.ModelBox{Model: target}
	gcfg := attack.DefaultAdvGANConfig()
	gcfg.Eps = float32(cfg.eps)
	gcfg.Epochs = cfg.epochs
	// The generator's step count runs on over the rounds.
	steps := cfg.rounds * cfg.epochs * ((e.train.Len() + gcfg.Batch - 1) / gcfg.Batch)
	gcfg.Progress = e.ganProgress(fmt.Sprintf("black-box AdvGAN vs %s", name), steps)
	gcfg.Kappa = float32(cfg.bbKappa)
	gan := attack.NewAdvGAN(rng, 1, gcfg)
	bcfg := attack.DefaultBlackBoxConfig()
	bcfg.Distill.Epochs = 1
	bcfg.Rounds = cfg.rounds
	var agreement float64
	bcfg.Test = e.evalSet.Subset(rangeOf(min(1000, e.evalSet.Len())))
	bcfg.Progress = func(p attack.BlackBoxProgress) {
		fmt.Fprintf(e.stderr, "  black-box vs %s: round %d: local model agrees with the black box on %.2f%% of %d test images, attack success on the black box %.2f%%, %d training queries\n",
			name, p.Round, 100*p.Agreement, bcfg.Test.Len(), 100*p.OnBox.SuccessRate, p.Queries)
	}
	t0 := time.Now()
	if err := gan.TrainBlackBox(e.ctx, box, local, e.train, bcfg, rng); err != nil {
		return fmt.Errorf("black-box AdvGAN against model %s: %w", name, err)
	}
	trainSec := time.Since(t0).Seconds()
	queries := box.Queries // training and per-round evaluation queries
	agreement = attack.Agreement(local, &attack.ModelBox{Model: target}, e.evalSet, 500)
	t1 := time.Now()
	rep := attack.Evaluate(target, gan, e.evalSet, 250, -1)
	r := row{Model: name, Defence: "none", Attack: "AdvGAN black-box", Report: rep, Seconds: time.Since(t1).Seconds(),
		TrainSeconds: trainSec, Queries: queries, Local: localName, Agreement: agreement}
	e.res.Attacks = append(e.res.Attacks, r)
	fmt.Fprintf(e.stderr, "model %s black-box AdvGAN (local model %s, agreement %.2f%%, %d queries): success %.2f%% L2 %.2f\n",
		name, localName, 100*agreement, queries, 100*rep.SuccessRate, rep.MeanL2)
	if grid {
		e.addGridRow("AdvGAN black-box", target, gan)
	}
	return nil
}

// targetedAttack trains one targeted generator per class against the
// -targeted model.
func (e *experiment) targetedAttack() error {
	cfg := e.cfg
	name := cfg.targeted
	target := e.plain[name]
	if target == nil {
		var err error
		if target, err = e.target(name, attack.NoAdversarial, uint64(slices.Index([]string{"A", "B", "C"}, name))); err != nil {
			return err
		}
	}
	for class := range 10 {
		rng := rand.New(rand.NewPCG(cfg.seed, 400+uint64(class)))
		gcfg := attack.DefaultAdvGANConfig()
		gcfg.Eps = float32(cfg.eps)
		gcfg.Targeted, gcfg.Target = true, class
		gcfg.MaxSteps = cfg.targetedStep
		gcfg.Epochs = 1 + cfg.targetedStep*gcfg.Batch/e.train.Len()
		gcfg.Progress = e.ganProgress(fmt.Sprintf("targeted AdvGAN → %d vs %s", class, name), cfg.targetedStep)
		gan := attack.NewAdvGAN(rng, 1, gcfg)
		t0 := time.Now()
		if err := gan.Train(e.ctx, target, e.train, rng); err != nil {
			return fmt.Errorf("targeted AdvGAN (class %d) against model %s: %w", class, name, err)
		}
		rep := attack.Evaluate(target, gan, e.evalSet, 250, class)
		e.res.Targeted = append(e.res.Targeted, targetedRow{Class: class, SuccessRate: rep.SuccessRate, Images: rep.Images, TrainSeconds: time.Since(t0).Seconds()})
		fmt.Fprintf(e.stderr, "targeted AdvGAN → %d against model %s: success %.2f%% of %d images\n", class, name, 100*rep.SuccessRate, rep.Images)
	}
	return nil
}

// addGridRow adds the grid's images for one attack (nil: the clean images)
// with the model's predictions as captions.
func (e *experiment) addGridRow(label string, model attack.Classifier, atk attack.Attack) {
	ds := e.test.Subset(e.gridIdx)
	x := ds.X
	if atk != nil {
		x = atk.Perturb(ds.X, ds.Y)
	}
	pred := attack.Predict(model, x)
	// The grid's font has ASCII only.
	r := gridRow{label: strings.NewReplacer("±", "+-", "ε", "eps").Replace(label)}
	d := x.Data()
	for i := range ds.Y {
		r.images = append(r.images, d[i*784:(i+1)*784])
		r.captions = append(r.captions, fmt.Sprint(pred[i]))
	}
	e.grid = append(e.grid, r)
}

func printTable(w io.Writer, r *results) {
	fmt.Fprintf(w, "\ntarget models (clean MNIST test accuracy):\n")
	for _, m := range r.Models {
		fmt.Fprintf(w, "  model %s, %-5s %.2f%%\n", m.Model, m.Defence+":", 100*m.CleanAccuracy)
	}
	fmt.Fprintf(w, "\nattack success rate (all test images) and mean perturbation, ε = %g:\n", r.Eps)
	fmt.Fprintf(w, "%-6s %-8s %-17s %9s %10s %8s %8s %7s\n", "model", "defence", "attack", "success", "on-correct", "mean L2", "mean L∞", "images")
	for _, a := range r.Attacks {
		fmt.Fprintf(w, "%-6s %-8s %-17s %8.2f%% %9.2f%% %8.2f %8.3f %7d\n", a.Model, a.Defence, a.Attack,
			100*a.SuccessRate, 100*a.SuccessRateOnCorrect, a.MeanL2, a.MeanLinf, a.Images)
	}
	if len(r.Targeted) > 0 {
		fmt.Fprintf(w, "\ntargeted AdvGAN against model %s (success: predicted = target class):\n", r.TargetedModel)
		for _, t := range r.Targeted {
			fmt.Fprintf(w, "  → %d: %6.2f%% of %d images\n", t.Class, 100*t.SuccessRate, t.Images)
		}
	}
}

func rangeOf(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// firstOfEachClass returns the index of the first test image of each class.
func firstOfEachClass(ds *data.Dataset) []int {
	idx := make([]int, 0, 10)
	for c := range 10 {
		for i, y := range ds.Y {
			if y == c {
				idx = append(idx, i)
				break
			}
		}
	}
	return idx
}
