package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/internal/cputime"
	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/prompt/xling"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/text"
)

// experiment holds what every run shares.
type experiment struct {
	cfg      config
	tok      *text.BPE
	enc      xling.Encoder
	pad      int
	model    models.GPTConfig
	qa       []xling.Example // encoded QA records
	trans    []xling.Example // encoded translation records of the whole pool, in pool order
	evalEn   [][]int         // held-out English passages
	evalTg   [][]int         // their translations
	tPrompts [][]int         // test translation prompts (BOS + prompt)
	tRefs    []string        // their references
	stderr   io.Writer

	start               time.Time
	totalRuns, doneRuns int
	doneSec             float64
}

// runResult is one trained and evaluated model.
type runResult struct {
	Amount      float64   `json:"amount"` // share of the translation pool
	Pairs       int       `json:"translation_pairs"`
	Seed        uint64    `json:"seed"`
	Examples    int       `json:"train_examples"`
	FinalLoss   float64   `json:"final_loss"`       // mean over the last 10% of the steps
	Parallel    []float64 `json:"parallel_cos"`     // per depth: embeddings, blocks, ln_f
	NonParallel []float64 `json:"non_parallel_cos"` // per depth
	Gap         []float64 `json:"gap"`              // Parallel − NonParallel, per depth
	ChrF        float64   `json:"chrf"`
	Seconds     float64   `json:"seconds"`
	CPUSeconds  float64   `json:"cpu_seconds"`
	EvalSec     float64   `json:"eval_seconds"`
}

// schedule is linear warm-up over a share of the steps, then linear decay
// to zero.
func schedule(opt optim.LRSetter, total int, warmup float64) optim.Scheduler {
	warm := int(math.Round(warmup * float64(total)))
	return optim.NewWarmupLinear(opt, warm, max(total-warm, 1))
}

// train fine-tunes a fresh model of seed on the QA records and the first
// share amount of the translation pool (a seeded subset), for cfg.steps
// steps of the response-only loss, then evaluates it.
func (ex *experiment) train(ctx context.Context, amount float64, seed uint64) (runResult, error) {
	cfg := ex.cfg
	t0, c0 := time.Now(), cputime.Now()
	nPairs := int(math.Round(amount * float64(len(ex.trans))))
	r := runResult{Amount: amount, Pairs: nPairs, Seed: seed}
	data := append([]xling.Example(nil), ex.qa...)
	for _, i := range rand.New(rand.NewPCG(seed, 3)).Perm(len(ex.trans))[:nPairs] {
		data = append(data, ex.trans[i])
	}
	r.Examples = len(data)
	m := models.NewGPT(rand.New(rand.NewPCG(seed, 1)), ex.model)
	opt := optim.NewAdamW(nn.Params(m), cfg.lr, optim.WeightDecay(0))
	sched := schedule(opt, cfg.steps, cfg.warmup)
	order := rand.New(rand.NewPCG(seed, 2))
	nn.SetTraining(m, true)
	label := fmt.Sprintf("%s%% (%d pairs) seed %d", pct(amount), nPairs, seed)
	var perm []int
	pos := 0
	var tail float64
	tailFrom := cfg.steps - max(cfg.steps/10, 1)
	last := time.Now()
	for step := range cfg.steps {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		batch := make([]xling.Example, 0, cfg.batch)
		for len(batch) < min(cfg.batch, len(data)) {
			if pos == len(perm) {
				perm, pos = order.Perm(len(data)), 0
			}
			batch = append(batch, data[perm[pos]])
			pos++
		}
		l, err := optim.Update(opt, sftLoss(m, batch, ex.pad), 1)
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
	if err := ex.evaluate(ctx, m, &r); err != nil {
		return r, err
	}
	r.EvalSec = time.Since(e0).Seconds()
	r.Seconds = time.Since(t0).Seconds()
	r.CPUSeconds = (cputime.Now() - c0).Seconds()
	ex.doneRuns++
	ex.doneSec += r.Seconds
	return r, nil
}

// sftLoss is the response-only cross-entropy of a right-padded batch:
// prompt and padding targets are nn.DefaultIgnoreIndex.
func sftLoss(m *models.GPT, batch []xling.Example, pad int) *tensor.Tensor {
	shifted := make([]xling.Example, len(batch))
	for i, x := range batch {
		in, tg := x.Shifted()
		shifted[i] = xling.Example{IDs: in, Labels: tg}
	}
	ids, labels, n, t := xling.Pad(shifted, pad)
	logits := m.Forward(ids, n, t)
	return nn.CrossEntropy(logits.Reshape(n*t, -1), labels)
}

// evaluate measures alignment per depth on the held-out parallel passages
// and the chrF of greedy en→lang translations of the held-out pairs.
func (ex *experiment) evaluate(ctx context.Context, m *models.GPT, r *runResult) error {
	nn.SetTraining(m, false)
	defer nn.Freeze(m)()
	en, err := ex.pooled(ctx, m, ex.evalEn)
	if err != nil {
		return err
	}
	tg, err := ex.pooled(ctx, m, ex.evalTg)
	if err != nil {
		return err
	}
	if ex.cfg.center {
		for d := range en {
			center(en[d], tg[d])
		}
	}
	n := len(ex.evalEn)
	for d := range en {
		var par, non float64
		for i := range n {
			par += cosine(en[d][i], tg[d][i])
			// Non-parallel: the translation of the passage half the list
			// away (a fixed derangement for n ≥ 2; usually another paragraph).
			non += cosine(en[d][i], tg[d][(i+n/2)%n])
		}
		par, non = par/float64(n), non/float64(n)
		r.Parallel = append(r.Parallel, par)
		r.NonParallel = append(r.NonParallel, non)
		r.Gap = append(r.Gap, par-non)
	}
	hyps := make([]string, len(ex.tPrompts))
	refs := make([][]string, len(ex.tPrompts))
	eos := []int{ex.enc.EOS}
	const chunk = 16
	for i := 0; i < len(ex.tPrompts); i += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		j := min(i+chunk, len(ex.tPrompts))
		out := models.Generate(m, ex.tPrompts[i:j], models.GenConfig{MaxNew: ex.cfg.maxNew, EOS: eos}, nil)
		for k, hs := range out {
			toks := hs[0].Tokens
			if len(toks) > 0 && toks[len(toks)-1] == ex.enc.EOS {
				toks = toks[:len(toks)-1]
			}
			hyps[i+k] = strings.TrimSpace(ex.tok.Decode(toks))
			refs[i+k] = []string{ex.tRefs[i+k]}
		}
	}
	r.ChrF, err = metrics.CorpusChrF(hyps, refs)
	return err
}

// center subtracts the mean vector of all passages of both languages from
// each (-center): pooled states of a barely trained model share one large
// common direction that makes every cosine close to 1.
func center(a, b [][]float64) {
	mean := make([]float64, len(a[0]))
	for _, v := range append(slices.Clone(a), b...) {
		for k, x := range v {
			mean[k] += x
		}
	}
	for k := range mean {
		mean[k] /= float64(len(a) + len(b))
	}
	for _, v := range append(slices.Clone(a), b...) {
		for k := range v {
			v[k] -= mean[k]
		}
	}
}

// pooled returns the masked mean-pooled hidden states of the passages at
// every depth: [depth][passage][hidden].
func (ex *experiment) pooled(ctx context.Context, m *models.GPT, passages [][]int) ([][][]float64, error) {
	var out [][][]float64
	const chunk = 16
	for i := 0; i < len(passages); i += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part := passages[i:min(i+chunk, len(passages))]
		t := 0
		lens := make([]int, len(part))
		for k, p := range part {
			lens[k] = len(p)
			t = max(t, len(p))
		}
		ids := make([]int, len(part)*t)
		for k, p := range part {
			copy(ids[k*t:], p)
			for j := len(p); j < t; j++ {
				ids[k*t+j] = ex.pad
			}
		}
		hs := m.HiddenStates(ids, len(part), t)
		if out == nil {
			out = make([][][]float64, len(hs))
		}
		for d, h := range hs {
			out[d] = append(out[d], meanPool(h, lens)...)
		}
	}
	return out, nil
}

// progress prints the run's step, loss and ETA, and the experiment's ETA.
func (ex *experiment) progress(label string, step int, el time.Duration, loss float64) {
	perStep := el.Seconds() / float64(step)
	runLeft := perStep * float64(ex.cfg.steps-step)
	perRun := perStep * float64(ex.cfg.steps)
	if ex.doneRuns > 0 {
		perRun = ex.doneSec / float64(ex.doneRuns)
	}
	allLeft := runLeft + perRun*float64(ex.totalRuns-ex.doneRuns-1)
	fmt.Fprintf(ex.stderr, "  run %d/%d %s: step %d/%d  loss %.4f  %.2f s/step  run ETA %s  all ETA %s\n",
		ex.doneRuns+1, ex.totalRuns, label, step, ex.cfg.steps, loss, perStep, dur(runLeft), dur(allLeft))
}

func dur(sec float64) time.Duration {
	return time.Duration(sec * float64(time.Second)).Round(time.Second)
}
