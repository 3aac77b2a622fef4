package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/internal/cputime"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// arm is one training recipe: a distill.Arm with the labels it trains on.
type arm struct {
	name   string
	arm    distill.Arm
	labels distill.LabelSource
}

var allArms = []arm{
	{"finetune", distill.Standard, distill.GoldLabels},
	{"distill", distill.Standard, distill.LLMLabels},
	{"sbs", distill.MultiTask, distill.GoldLabels},
	{"sbs-llm", distill.MultiTask, distill.LLMLabels},
	{"single", distill.SingleTask, distill.GoldLabels},
	{"single-llm", distill.SingleTask, distill.LLMLabels},
}

func defaultArms() []arm { return allArms[:3] }

func armNames(as []arm) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.name
	}
	return strings.Join(names, ",")
}

func parseArms(s string) ([]arm, error) {
	var out []arm
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		i := -1
		for k, a := range allArms {
			if a.name == name {
				i = k
			}
		}
		if i < 0 {
			return nil, fmt.Errorf("-arms %q: unknown arm %q (want some of %s)", s, name, armNames(allArms))
		}
		for _, a := range out {
			if a.name == name {
				return nil, fmt.Errorf("-arms %q: %s repeated", s, name)
			}
		}
		out = append(out, allArms[i])
	}
	return out, nil
}

// encPair is one training pair as ids (end token included, truncated).
type encPair struct{ src, tgt []int }

// experiment holds what every run shares.
type experiment struct {
	cfg     config
	task    distill.Task
	tok     distill.Tokenizer
	enc     distill.Encoding
	model   models.T5Config
	pool    []distill.Example
	test    []distill.Example
	inputs  []string // test inputs
	golds   []string // test labels after the tokenizer round trip
	encoded map[string][][]encPair
	stderr  io.Writer

	start               time.Time // of the first run, for the experiment's ETA
	totalRuns, doneRuns int
	doneSec             float64
}

// runResult is one trained and evaluated model.
type runResult struct {
	Fraction  float64 `json:"fraction"`
	Arm       string  `json:"arm"`
	Seed      uint64  `json:"seed"`
	Examples  int     `json:"train_examples"`
	Steps     int     `json:"steps"`
	FinalLoss float64 `json:"final_loss"` // mean over the last 10% of the steps
	Accuracy  float64 `json:"accuracy"`
	Correct   int     `json:"correct"`
	// RankAccuracy is the share of test inputs whose gold label the model
	// finds the likeliest of the candidates (distill.RankChoices); Ranked
	// is false for the single-task arms, which put a rationale first.
	Ranked       bool    `json:"ranked"`
	RankAccuracy float64 `json:"rank_accuracy"`
	RankCorrect  int     `json:"rank_correct"`
	Seconds      float64 `json:"seconds"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	EvalSec      float64 `json:"eval_seconds"` // part of Seconds spent decoding and ranking the test set
}

// pairs returns the encoded training pairs of arm a for every pool example
// (one pair, or the predict and explain pairs), encoding them once.
func (ex *experiment) pairs(a arm) [][]encPair {
	if p, ok := ex.encoded[a.name]; ok {
		return p
	}
	out := make([][]encPair, len(ex.pool))
	for i, e := range ex.pool {
		for _, p := range a.arm.Pairs(e, a.labels) {
			out[i] = append(out[i], encPair{ex.enc.Encode(ex.tok, p.Input, ex.cfg.maxInput), ex.enc.Encode(ex.tok, p.Target, ex.cfg.maxTarget)})
		}
	}
	ex.encoded[a.name] = out
	return out
}

// newModel returns the student for seed: the same initialisation for every
// arm and fraction of a seed, from -init when given.
func (ex *experiment) newModel(seed uint64) (*models.T5, error) {
	m := models.NewT5(rand.New(rand.NewPCG(seed, 1)), ex.model)
	if ex.cfg.init != "" {
		if _, _, err := nn.LoadPartial(ex.cfg.init, m); err != nil {
			return nil, fmt.Errorf("-init: %w", err)
		}
	}
	return m, nil
}

// checkInit loads the -init checkpoint once into a model of config mc and
// refuses a file that shares no tensor with it.
func checkInit(path string, mc models.T5Config) (*initInfo, error) {
	m := models.NewT5(rand.New(rand.NewPCG(0, 0)), mc)
	missing, unexpected, err := nn.LoadPartial(path, m)
	if err != nil {
		return nil, fmt.Errorf("-init: %w", err)
	}
	if len(missing) == len(nn.StateDict(m)) {
		return nil, fmt.Errorf("-init %s: no tensor of the T5 is in the file (%d unexpected tensors); is it a T5 of cairn or Hugging Face?", path, len(unexpected))
	}
	return &initInfo{Path: path, Missing: missing, Unexpected: unexpected}, nil
}

// schedule is linear warm-up over warm steps, then linear decay to zero
// at total.
func schedule(opt optim.LRSetter, total int, warmup float64) optim.Scheduler {
	warm := int(math.Round(warmup * float64(total)))
	return optim.NewWarmupLinear(opt, warm, max(total-warm, 1))
}

// train trains one model of arm a on the pool examples idx for cfg.steps
// steps and evaluates it on the test examples.
func (ex *experiment) train(ctx context.Context, a arm, frac float64, seed uint64, idx []int) (runResult, error) {
	cfg := ex.cfg
	r := runResult{Fraction: frac, Arm: a.name, Seed: seed, Examples: len(idx), Steps: cfg.steps}
	if len(idx) == 0 {
		return r, fmt.Errorf("%s%% of %d examples is none", pct(frac), len(ex.pool))
	}
	t0, c0 := time.Now(), cputime.Now()
	m, err := ex.newModel(seed)
	if err != nil {
		return r, err
	}
	all := ex.pairs(a)
	opt := optim.NewAdamW(nn.Params(m), cfg.lr, optim.WeightDecay(0))
	sched := schedule(opt, cfg.steps, cfg.warmup)
	order := rand.New(rand.NewPCG(seed, 2))
	nn.SetTraining(m, true)
	label := fmt.Sprintf("%s%% %s seed %d", pct(frac), a.name, seed)
	var perm []int
	pos := 0
	var tail float64
	tailFrom := cfg.steps - max(cfg.steps/10, 1)
	last := time.Now()
	for step := range cfg.steps {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		// Batches walk through shuffled passes over the subset.
		batch := make([]int, 0, cfg.batch)
		for len(batch) < min(cfg.batch, len(idx)) {
			if pos == len(perm) {
				perm, pos = order.Perm(len(idx)), 0
			}
			batch = append(batch, idx[perm[pos]])
			pos++
		}
		l, err := optim.Update(opt, ex.loss(m, a, all, batch), 1)
		if err != nil {
			return r, fmt.Errorf("training diverged at step %d (%w); try a smaller -lr", step+1, err)
		}
		sched.Step()
		if step >= tailFrom {
			tail += l
		}
		if time.Since(last) >= 10*time.Second || step == 0 {
			ex.progress(label, step+1, time.Since(t0), l)
			last = time.Now()
		}
	}
	r.FinalLoss = tail / float64(cfg.steps-tailFrom)
	e0 := time.Now()
	preds, err := ex.predict(ctx, m, a)
	if err != nil {
		return r, err
	}
	r.Correct = distill.Correct(ex.task, preds, ex.golds)
	r.Accuracy = float64(r.Correct) / float64(len(preds))
	if a.arm != distill.SingleTask {
		if r.RankCorrect, err = ex.rank(ctx, m, a); err != nil {
			return r, err
		}
		r.Ranked, r.RankAccuracy = true, float64(r.RankCorrect)/float64(len(preds))
	}
	r.EvalSec = time.Since(e0).Seconds()
	r.Seconds = time.Since(t0).Seconds()
	r.CPUSeconds = (cputime.Now() - c0).Seconds()
	ex.doneRuns++
	ex.doneSec += r.Seconds
	return r, nil
}

// loss is the training loss of arm a on the pool examples batch.
func (ex *experiment) loss(m *models.T5, a arm, all [][]encPair, batch []int) *tensor.Tensor {
	build := func(k int) distill.Batch {
		src, tgt := make([][]int, len(batch)), make([][]int, len(batch))
		for i, j := range batch {
			src[i], tgt[i] = all[j][k].src, all[j][k].tgt
		}
		return distill.NewBatch(src, tgt, ex.enc.PadID)
	}
	if a.arm == distill.MultiTask {
		return distill.MultiTaskLoss(m, build(0), build(1), ex.cfg.alpha)
	}
	return build(0).Loss(m)
}

// predict decodes the label of every test input greedily (single-task arms
// decode the rationale first, up to -max-target tokens).
func (ex *experiment) predict(ctx context.Context, m *models.T5, a arm) ([]string, error) {
	nn.SetTraining(m, false)
	defer nn.Freeze(m)()
	maxNew := ex.cfg.maxNew
	if a.arm == distill.SingleTask {
		maxNew = max(maxNew, ex.cfg.maxTarget)
	}
	preds := make([]string, 0, len(ex.inputs))
	const chunk = 32
	for i := 0; i < len(ex.inputs); i += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		preds = append(preds, distill.Predict(m, ex.tok, ex.enc, a.arm, ex.inputs[i:min(i+chunk, len(ex.inputs))], maxNew)...)
	}
	return preds, nil
}

// rank counts the test inputs whose gold label m ranks first among their
// candidates (distill.RankChoices).
func (ex *experiment) rank(ctx context.Context, m *models.T5, a arm) (int, error) {
	nn.SetTraining(m, false)
	defer nn.Freeze(m)()
	correct := 0
	const chunk = 64
	for i := 0; i < len(ex.test); i += chunk {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		part := ex.test[i:min(i+chunk, len(ex.test))]
		xs, cs := make([]string, len(part)), make([][]string, len(part))
		for j, e := range part {
			xs[j], cs[j] = e.Input, e.Choices
		}
		got, err := distill.RankChoices(m, ex.tok, ex.enc, a.arm, xs, cs, 0)
		if err != nil {
			return 0, err
		}
		for j, g := range got {
			if g == part[j].Label {
				correct++
			}
		}
	}
	return correct, nil
}

// progress prints one line: the run's step, loss and ETA, and the ETA of
// the whole experiment from the finished runs (or this one's rate).
func (ex *experiment) progress(label string, step int, el time.Duration, loss float64) {
	perStep := el.Seconds() / float64(step)
	runLeft := perStep * float64(ex.cfg.steps-step)
	perRun := perStep * float64(ex.cfg.steps)
	if ex.doneRuns > 0 {
		perRun = ex.doneSec / float64(ex.doneRuns)
	}
	allLeft := runLeft + perRun*float64(ex.totalRuns-ex.doneRuns-1)
	fmt.Fprintf(ex.stderr, "  run %d/%d %s: step %d/%d  loss %.4f  %.2f s/step  run ETA %s  all ETA %s\n",
		ex.doneRuns+1, ex.totalRuns, label, step, ex.cfg.steps, loss, perStep,
		dur(runLeft), dur(allLeft))
}

func dur(sec float64) time.Duration {
	return time.Duration(sec * float64(time.Second)).Round(time.Second)
}
