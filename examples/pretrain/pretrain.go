package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/cairn-ml/cairn/internal/cputime"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/pretrain"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/text"
)

// lrAt is BERT's schedule: linear warm-up over the first warm steps, then
// linear decay to zero at total.
func lrAt(base float64, step, warm, total int) float64 {
	if step < warm {
		return base * float64(step+1) / float64(warm)
	}
	if total <= warm {
		return base
	}
	return base * max(0, float64(total-step)/float64(total-warm))
}

// budget decides how many steps a pre-training run takes: a fixed count,
// or, with a time limit, as many as fit at the rate of the first steps.
type budget struct {
	steps int
	limit time.Duration
	start time.Time
}

// total returns the planned number of steps after done steps.
func (b *budget) total(done int) int {
	if b.limit <= 0 || done < 5 {
		return b.steps
	}
	per := time.Since(b.start) / time.Duration(done)
	return done + int((b.limit-time.Since(b.start))/max(per, time.Microsecond))
}

// reporter prints a progress line (step, loss, tokens/s, ETA) every few
// seconds and at the end.
type reporter struct {
	w        io.Writer
	label    string
	start    time.Time
	last     time.Time
	every    time.Duration
	loss     float64 // running mean of the recent losses
	nLoss    int
	tokens   int
	lastStep int
}

func newReporter(w io.Writer, label string) *reporter {
	now := time.Now()
	return &reporter{w: w, label: label, start: now, last: now, every: 10 * time.Second}
}

func (r *reporter) add(step, total, tokens int, loss float64) {
	r.tokens += tokens
	r.loss += loss
	r.nLoss++
	if time.Since(r.last) < r.every && step < total && step != 1 {
		return
	}
	el := time.Since(r.start)
	rate := float64(r.tokens) / max(el.Seconds(), 1e-9)
	eta := time.Duration(float64(el) / float64(step) * float64(total-step))
	fmt.Fprintf(r.w, "  %s: step %d/%d  loss %.4f  %.0f tok/s  %.2f s/step  elapsed %s  ETA %s\n",
		r.label, step, total, r.loss/float64(r.nLoss), rate, el.Seconds()/float64(step),
		el.Round(time.Second), eta.Round(time.Second))
	r.last = time.Now()
	r.loss, r.nLoss = 0, 0
}

// mlmBatch builds n dynamically masked sequences [CLS] block [SEP] of
// length seq from the blocks at starts.
func mlmBatch(masker *pretrain.Masker, ids []int, ws []bool, starts []int, seq int, sp text.Special) (inputs, positions, labels []int, weights []float32) {
	body := seq - 2
	toks := make([]int, seq)
	starts2 := make([]bool, seq)
	for b, s := range starts {
		toks[0], toks[seq-1] = sp.CLS, sp.SEP
		starts2[0], starts2[seq-1] = true, true
		copy(toks[1:], ids[s:s+body])
		copy(starts2[1:], ws[s:s+body])
		ex := masker.Mask(toks, starts2)
		inputs = append(inputs, ex.Inputs...)
		for k, w := range ex.Weights {
			if w != 0 {
				positions = append(positions, b*seq+ex.Positions[k])
				labels = append(labels, ex.Labels[k])
				weights = append(weights, w)
			}
		}
	}
	return inputs, positions, labels, weights
}

// mlmLoss is the masked-LM loss with the prediction head applied only at
// the masked positions (BERT's gather_indexes), which saves the (n·t, V)
// output layer of BERTForMaskedLM.Forward.
func mlmLoss(m *models.BERTForMaskedLM, inputs, positions, labels []int, weights []float32, n, t int) *tensor.Tensor {
	hidden, _ := m.BERT.Forward(inputs, nil, n, t)
	h := hidden.Reshape(n*t, m.BERT.Config.Hidden).IndexSelect(0, positions)
	h = m.TransformNorm.Forward(m.TransformDense.Forward(h).GELU())
	logits := tensor.Linear(h, m.BERT.Embeddings.Word.Weight, m.Bias)
	return pretrain.MaskedLMLoss(logits, labels, weights)
}

// pretrainStats describes one pre-training run.
type pretrainStats struct {
	Steps        int     `json:"steps"`
	Batch        int     `json:"batch"`
	SeqLen       int     `json:"seq_len"`
	Tokens       int     `json:"tokens"`
	TrainTokens  int     `json:"corpus_tokens"`
	Epochs       float64 `json:"epochs"`
	FinalLoss    float64 `json:"final_loss"`
	HeldOutLoss  float64 `json:"heldout_loss"`
	HeldOutPPL   float64 `json:"heldout_perplexity,omitempty"`
	Params       int     `json:"params"`
	Seconds      float64 `json:"seconds"`
	CPUSeconds   float64 `json:"cpu_seconds"` // processor time, all threads
	SecPerStep   float64 `json:"seconds_per_step"`
	TokensPerSec float64 `json:"tokens_per_second"`
	Loaded       bool    `json:"loaded"`
	Weights      string  `json:"weights"`
}

// trainMLM pre-trains m with dynamically masked MLM on the train stream and
// measures the loss on held-out blocks with a fixed mask.
func trainMLM(ctx context.Context, m *models.BERTForMaskedLM, tr, ho tokStream, cfg config, sp text.Special, stderr io.Writer) (pretrainStats, error) {
	masker := pretrain.NewMasker(pretrain.MLM{Special: pretrainSpecial(sp, m.BERT.Config.VocabSize)}, rand.New(rand.NewPCG(cfg.seed, 12)))
	loop := pretrainLoop{name: "BERT MLM", model: m, stream: tr, block: cfg.seq - 2, steps: cfg.steps, limit: cfg.time, seed: 11,
		loss: func(starts []int) *tensor.Tensor {
			inputs, pos, labels, w := mlmBatch(masker, tr.ids, tr.wordStart, starts, cfg.seq, sp)
			return mlmLoss(m, inputs, pos, labels, w, len(starts), cfg.seq)
		}}
	st, err := loop.run(ctx, cfg, stderr)
	if err != nil {
		return st, err
	}
	st.HeldOutLoss = heldOutMLM(m, ho, cfg, sp)
	return st, nil
}

// heldOutMLM returns the masked-LM loss on up to cfg.evalBlocks held-out
// blocks, masked with a fixed seed.
func heldOutMLM(m *models.BERTForMaskedLM, ho tokStream, cfg config, sp text.Special) float64 {
	seq := cfg.seq
	starts := blocks(len(ho.ids), seq-2)
	if len(starts) == 0 {
		return math.NaN()
	}
	starts = starts[:min(len(starts), cfg.evalBlocks)]
	nn.SetTraining(m, false)
	restore := nn.Freeze(m)
	defer func() { restore(); nn.SetTraining(m, true) }()
	masker := pretrain.NewMasker(pretrain.MLM{Special: pretrainSpecial(sp, m.BERT.Config.VocabSize)}, rand.New(rand.NewPCG(7, 7)))
	var sum float64
	var count int
	for i := 0; i < len(starts); i += 32 {
		bs := starts[i:min(i+32, len(starts))]
		inputs, pos, labels, w := mlmBatch(masker, ho.ids, ho.wordStart, bs, seq, sp)
		loss := mlmLoss(m, inputs, pos, labels, w, len(bs), seq)
		sum += float64(loss.Item()) * float64(len(labels))
		count += len(labels)
	}
	return sum / float64(count)
}

// trainGPT pre-trains a GPT with the causal-LM loss on blocks of the train
// stream and returns its held-out loss and perplexity (per WordPiece token).
func trainGPT(ctx context.Context, m *models.GPT, tr, ho tokStream, cfg config, stderr io.Writer) (pretrainStats, error) {
	seq := cfg.seq
	ids := make([]int, cfg.batch*seq)
	loop := pretrainLoop{name: "GPT causal LM", model: m, stream: tr, block: seq, steps: cfg.gptSteps, limit: cfg.gptTime, seed: 21,
		loss: func(starts []int) *tensor.Tensor {
			for i, s := range starts {
				copy(ids[i*seq:], tr.ids[s:s+seq])
			}
			return m.Loss(ids, len(starts), seq)
		}}
	st, err := loop.run(ctx, cfg, stderr)
	if err != nil {
		return st, err
	}
	st.HeldOutLoss = heldOutLM(m, ho, cfg)
	st.HeldOutPPL = math.Exp(st.HeldOutLoss)
	return st, nil
}

// pretrainLoop is the training loop the two pre-training objectives share:
// AdamW with weight decay 0.01, warm-up then linear decay (lrAt), gradient
// clipping at 1, batches of cfg.batch blocks of the stream drawn in a
// shuffled order, a step or time budget, and progress on stderr.
type pretrainLoop struct {
	name   string
	model  any
	stream tokStream
	block  int // tokens per block; blocks start every block tokens
	steps  int
	limit  time.Duration
	seed   uint64 // stream of the block order
	loss   func(starts []int) *tensor.Tensor
}

func (l pretrainLoop) run(ctx context.Context, cfg config, stderr io.Writer) (pretrainStats, error) {
	n := cfg.batch
	st := pretrainStats{Batch: n, SeqLen: cfg.seq, TrainTokens: len(l.stream.ids), Params: nn.NumParams(l.model)}
	starts := blocks(len(l.stream.ids), l.block)
	if len(starts) == 0 {
		return st, fmt.Errorf("pre-training text has %d tokens, fewer than one sequence of %d", len(l.stream.ids), cfg.seq)
	}
	rng := rand.New(rand.NewPCG(cfg.seed, l.seed))
	opt := optim.NewAdamW(nn.Params(l.model), cfg.lr, optim.WeightDecay(0.01))
	nn.SetTraining(l.model, true)
	b := budget{steps: l.steps, limit: l.limit, start: time.Now()}
	rep := newReporter(stderr, l.name)
	order := rng.Perm(len(starts))
	next := 0
	recent := newWindow(100)
	c0 := cputime.Now()
	total := b.total(0)
	batch := make([]int, n)
	for step := 0; step < total; step++ {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		for i := range batch {
			if next == len(order) {
				order, next = rng.Perm(len(starts)), 0
			}
			batch[i] = starts[order[next]]
			next++
		}
		opt.SetLR(lrAt(cfg.lr, step, max(1, total/20), total))
		v, err := optim.Update(opt, l.loss(batch), 1)
		if err != nil {
			return st, fmt.Errorf("%s pre-training diverged at step %d (%w); try a smaller -lr", l.name, step+1, err)
		}
		recent.add(v)
		st.Steps++
		st.Tokens += n * cfg.seq
		if step < 5 || l.limit > 0 && step == 5 {
			total = b.total(step + 1)
		}
		rep.add(step+1, total, n*cfg.seq, v)
	}
	st.Seconds = time.Since(b.start).Seconds()
	st.FinalLoss = recent.mean()
	st.CPUSeconds = (cputime.Now() - c0).Seconds()
	st.SecPerStep = st.Seconds / float64(max(st.Steps, 1))
	st.TokensPerSec = float64(st.Tokens) / max(st.Seconds, 1e-9)
	st.Epochs = float64(st.Tokens) / float64(len(l.stream.ids))
	return st, nil
}

// heldOutLM returns the mean next-token loss on up to cfg.evalBlocks
// held-out blocks.
func heldOutLM(m *models.GPT, ho tokStream, cfg config) float64 {
	seq := cfg.seq
	starts := blocks(len(ho.ids), seq)
	if len(starts) == 0 {
		return math.NaN()
	}
	starts = starts[:min(len(starts), cfg.evalBlocks)]
	nn.SetTraining(m, false)
	restore := nn.Freeze(m)
	defer func() { restore(); nn.SetTraining(m, true) }()
	var sum float64
	for i := 0; i < len(starts); i += 32 {
		bs := starts[i:min(i+32, len(starts))]
		ids := make([]int, 0, len(bs)*seq)
		for _, s := range bs {
			ids = append(ids, ho.ids[s:s+seq]...)
		}
		sum += float64(m.Loss(ids, len(bs), seq).Item()) * float64(len(bs))
	}
	return sum / float64(len(starts))
}

// pretrainSpecial converts the tokenizer's special ids for package pretrain.
func pretrainSpecial(sp text.Special, vocab int) pretrain.Special {
	return pretrain.Special{PAD: sp.PAD, CLS: sp.CLS, SEP: sp.SEP, MASK: sp.MASK, BOS: sp.BOS, EOS: sp.EOS, VocabSize: vocab}
}

// tokStream is a tokenized text with its word-start flags.
type tokStream struct {
	ids       []int
	wordStart []bool
}

// window is the mean of the last n values.
type window struct {
	v    []float64
	next int
}

func newWindow(n int) *window { return &window{v: make([]float64, 0, n)} }

func (w *window) add(x float64) {
	if len(w.v) < cap(w.v) {
		w.v = append(w.v, x)
		return
	}
	w.v[w.next] = x
	w.next = (w.next + 1) % len(w.v)
}

func (w *window) mean() float64 {
	var s float64
	for _, x := range w.v {
		s += x
	}
	return s / float64(max(len(w.v), 1))
}
