package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/pretrain"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/text"
)

// The arms of the comparison (the spec's §6), all at the same number of
// student steps.
const (
	armScratch = "scratch"    // (a) student MLM alone
	armDual    = "dual"       // (b) + dual training of the teacher, shared student embeddings
	armProj    = "dual+proj"  // (c) (b) + shared projection losses
	armHidden  = "hidden-mse" // (d) student MLM + hidden-state MSE to a frozen teacher
)

var allArms = []string{armScratch, armDual, armProj, armHidden}

// loadText reads WikiText-2 (valid and test, the shipped splits) and Tiny
// Shakespeare (at most maxLines non-blank lines of each file; 0: all),
// undoes WikiText's "@-@" marks (text.CleanWikiText) and holds out the last 5% of
// the lines of each file.
func loadText(dir string, maxLines int) (train, heldOut []string, err error) {
	for _, name := range []string{"wikitext2/valid.txt.gz", "wikitext2/test.txt.gz", "tinyshakespeare/input.txt.gz"} {
		lines, err := data.ReadLines(filepath.Join(dir, name))
		if err != nil {
			return nil, nil, fmt.Errorf("MLM text: %w", err)
		}
		if maxLines > 0 {
			lines = lines[:min(maxLines, len(lines))]
		}
		for i, l := range lines {
			lines[i] = text.CleanWikiText(l)
		}
		cut := len(lines) - len(lines)/20
		train = append(train, lines[:cut]...)
		heldOut = append(heldOut, lines[cut:]...)
	}
	return train, heldOut, nil
}

// pack concatenates the words of lines (the teacher's basic tokenizer) and
// cuts them into chunks whose every segmentation, [CLS] and [SEP]
// included, fits in seq tokens: a word costs the larger of its teacher and
// student piece counts, so a mixed segmentation fits too.
func pack(lines []string, tt, st *text.WordPiece, seq int) []string {
	cost := map[string]int{}
	var chunks []string
	var cur []string
	used := 0
	flush := func() {
		if len(cur) > 0 {
			chunks = append(chunks, strings.Join(cur, " "))
		}
		cur, used = cur[:0], 0
	}
	for _, l := range lines {
		for _, w := range tt.Basic.Tokenize(l) {
			c, ok := cost[w]
			if !ok {
				c = max(len(tt.Encode(w)), len(st.Encode(w)))
				cost[w] = c
			}
			if c > seq-2 {
				continue
			}
			if used+c > seq-2 {
				flush()
			}
			cur = append(cur, w)
			used += c
		}
	}
	flush()
	return chunks
}

// mlmSpecial is the pretrain.Special of a BERT WordPiece vocabulary.
func mlmSpecial(tok *text.WordPiece) pretrain.Special {
	sp := tok.Special()
	return pretrain.Special{PAD: sp.PAD, CLS: sp.CLS, SEP: sp.SEP, MASK: sp.MASK, BOS: -1, EOS: -1, VocabSize: tok.VocabSize()}
}

// seqOf returns [CLS] tokens [SEP] of one vocabulary with its word starts.
func seqOf(sg *distill.MixedSegmenter, tok *text.WordPiece, s string, rng *rand.Rand) (ids []int, ws []bool) {
	m := sg.Segment(s, rng)
	sp := tok.Special()
	ids = append(append([]int{sp.CLS}, m.IDs...), sp.SEP)
	ws = append(append([]bool{true}, m.WordStart...), true)
	return ids, ws
}

// mlmBatch is a padded batch of masked sequences: the inputs (n·t) and the
// predictions at flat positions b·t+p.
type mlmBatch struct {
	inputs, positions, labels []int
	weights                   []float32
	wordStart                 [][]bool // of the unmasked sequences, for AlignWords
	n, t                      int
}

func maskBatch(cfg pretrain.MLM, seqs [][]int, ws [][]bool, rng *rand.Rand) mlmBatch {
	b := mlmBatch{n: len(seqs), wordStart: ws}
	for _, s := range seqs {
		b.t = max(b.t, len(s))
	}
	for i, s := range seqs {
		ex := cfg.Apply(s, ws[i], rng)
		b.inputs = append(b.inputs, ex.Inputs...)
		for range b.t - len(s) {
			b.inputs = append(b.inputs, cfg.Special.PAD)
		}
		for k, w := range ex.Weights {
			if w != 0 {
				b.positions = append(b.positions, i*b.t+ex.Positions[k])
				b.labels = append(b.labels, ex.Labels[k])
				b.weights = append(b.weights, w)
			}
		}
	}
	return b
}

// headLogits applies the MLM head of m to the flat hidden states (n·t, d)
// at positions.
func headLogits(m *models.BERTForMaskedLM, hidden *tensor.Tensor, positions []int) *tensor.Tensor {
	h := hidden.Reshape(-1, m.BERT.Config.Hidden).IndexSelect(0, positions)
	h = m.TransformNorm.Forward(m.TransformDense.Forward(h).GELU())
	return tensor.Linear(h, m.BERT.Embeddings.Word.Weight, m.Bias)
}

// setup holds what every run shares: tokenizers, chunks and configs.
type setup struct {
	cfg                config
	tTok, sTok         *text.WordPiece
	mix, stu, tea      *distill.MixedSegmenter
	train, held        []string // chunks
	tc, sc             models.BERTConfig
	teacherState       map[string]*tensor.Tensor
	studentEval        []mlmBatch // fixed held-out masks in the student vocabulary
	teacherEval        []mlmBatch // and in the teacher's
	studentMLM, tchMLM pretrain.MLM
}

// evalBatches masks the first cfg.evalChunks held-out chunks once, with a
// fixed seed, so every arm and seed is scored on the same predictions.
func (s *setup) evalBatches(sg *distill.MixedSegmenter, tok *text.WordPiece, mlm pretrain.MLM) []mlmBatch {
	rng := rand.New(rand.NewPCG(99, 1))
	chunks := s.held[:min(len(s.held), s.cfg.evalChunks)]
	var out []mlmBatch
	for i := 0; i < len(chunks); i += 64 {
		var seqs [][]int
		var wss [][]bool
		for _, c := range chunks[i:min(i+64, len(chunks))] {
			ids, ws := seqOf(sg, tok, c, rng)
			seqs, wss = append(seqs, ids), append(wss, ws)
		}
		out = append(out, maskBatch(mlm, seqs, wss, rng))
	}
	return out
}

// mlmAccuracy is the fraction of held-out masked tokens m predicts.
func mlmAccuracy(m *models.BERTForMaskedLM, batches []mlmBatch) float64 {
	nn.SetTraining(m, false)
	defer nn.SetTraining(m, true)
	defer nn.Freeze(m)()
	right, all := 0, 0
	for _, b := range batches {
		h, _ := m.BERT.Forward(b.inputs, nil, b.n, b.t)
		for k, p := range headLogits(m, h, b.positions).Argmax(1, false).Ints() {
			if p == b.labels[k] {
				right++
			}
			all++
		}
	}
	return float64(right) / float64(max(all, 1))
}

// progress prints a line every few seconds with the step, the loss and
// the ETA of the phase and of the whole program.
type progress struct {
	w       io.Writer
	start   time.Time // of the program's training work
	done    float64   // work units finished before this phase
	total   float64   // all work units
	phase   string
	pStart  time.Time
	last    time.Time
	every   time.Duration
	pSteps  int
	pWeight float64 // work units per step of this phase
}

func (p *progress) begin(phase string, steps int, weight float64) {
	p.phase, p.pSteps, p.pWeight = phase, steps, weight
	p.pStart, p.last = time.Now(), time.Now()
}

func (p *progress) step(step int, loss float64) {
	if time.Since(p.last) < p.every && step < p.pSteps && step != 1 {
		return
	}
	el := time.Since(p.pStart)
	eta := time.Duration(float64(el) / float64(step) * float64(p.pSteps-step))
	units := p.done + float64(step)*p.pWeight
	all := time.Since(p.start)
	total := time.Duration(float64(all) / max(units, 1e-9) * (p.total - units))
	fmt.Fprintf(p.w, "  %s: step %d/%d  loss %.4f  %.3f s/step  ETA %s  (all: %.0f%%, ETA %s)\n",
		p.phase, step, p.pSteps, loss, el.Seconds()/float64(step), eta.Round(time.Second),
		100*units/p.total, total.Round(time.Second))
	p.last = time.Now()
}

func (p *progress) end() { p.done += float64(p.pSteps) * p.pWeight }

// newTeacher returns the teacher with the saved state.
func (s *setup) newTeacher() *models.BERTForMaskedLM {
	m := models.NewBERTForMaskedLM(rand.New(rand.NewPCG(0, 0)), s.tc)
	if err := nn.LoadState(m, s.teacherState); err != nil {
		panic("compress: teacher state does not fit its config: " + err.Error())
	}
	return m
}

// lrSchedule is BERT's: linear warm-up over the first 10% of steps, then
// linear decay (ULMFiT's slanted triangular schedule, pretrain.STLR).
func lrSchedule(opt optim.LRSetter, steps int) *pretrain.STLR {
	if steps < 2 {
		return nil
	}
	return pretrain.NewSTLR(opt, steps, max(0.1, 1.5/float64(steps)), 32)
}

// trainTeacher pre-trains the teacher with MLM on its own segmentation.
func (s *setup) trainTeacher(ctx context.Context, m *models.BERTForMaskedLM, prog *progress) (float64, error) {
	cfg := s.cfg
	rng := rand.New(rand.NewPCG(cfg.seed, 40))
	opt := optim.NewAdamW(nn.Params(m), cfg.teacherLR, optim.Eps(1e-6))
	sched := lrSchedule(opt, cfg.teacherSteps)
	nn.SetTraining(m, true)
	prog.begin("teacher MLM", cfg.teacherSteps, 1)
	var last float64
	for step := 1; step <= cfg.teacherSteps; step++ {
		if err := ctx.Err(); err != nil {
			return last, err
		}
		var seqs [][]int
		var wss [][]bool
		for range cfg.batch {
			ids, ws := seqOf(s.tea, s.tTok, s.train[rng.IntN(len(s.train))], rng)
			seqs, wss = append(seqs, ids), append(wss, ws)
		}
		b := maskBatch(s.tchMLM, seqs, wss, rng)
		h, _ := m.BERT.Forward(b.inputs, nil, b.n, b.t)
		l, err := optim.Update(opt, pretrain.MaskedLMLoss(headLogits(m, h, b.positions), b.labels, b.weights), 1)
		if err != nil {
			return last, fmt.Errorf("teacher pre-training diverged (%w); try a smaller -teacher-lr", err)
		}
		if sched != nil {
			sched.Step()
		}
		last = l
		prog.step(step, last)
	}
	prog.end()
	return last, nil
}

// armRun is the outcome of one student training run.
type armRun struct {
	Arm                string  `json:"arm"`
	Seed               uint64  `json:"seed"`
	Steps              int     `json:"steps"`
	FinalLoss          float64 `json:"final_loss"` // total loss of the last step
	MLMAccuracy        float64 `json:"mlm_accuracy"`
	DownstreamAccuracy float64 `json:"downstream_accuracy"`
	FineTuneLoss       float64 `json:"finetune_loss"`
	Seconds            float64 `json:"seconds"`
	CPUSeconds         float64 `json:"cpu_seconds"`
}

// armModels is everything one arm trains.
type armModels struct {
	student *models.BERTForMaskedLM
	teacher *models.BERTForMaskedLM
	dual    *distill.DualMLM
	proj    *distill.SharedProjections
	hidden  *nn.Linear // student width to teacher width, hidden-mse only
}

// newArm builds the student (and, by arm, the teacher copy, the
// dual-training teacher, the shared projections or the hidden-state map)
// and the optimizers: the student's parameters, the shared embeddings, the
// projections and the maps at -lr, the teacher's at -dual-teacher-lr.
func (s *setup) newArm(arm string, seed uint64) (armModels, []*optim.AdamW) {
	rng := rand.New(rand.NewPCG(seed, 50))
	a := armModels{student: models.NewBERTForMaskedLM(rng, s.sc)}
	var studentSide []any
	studentSide = append(studentSide, a.student)
	switch arm {
	case armDual, armProj:
		a.teacher = s.newTeacher()
		a.proj = distill.NewBERTProjections(rng, s.tc, s.sc)
		var up *tensor.Tensor
		if p := a.proj.Pair(s.tc.Hidden, s.sc.Hidden); p != nil {
			up = p.V
		} else {
			eye := tensor.Zeros(s.sc.Hidden, s.sc.Hidden)
			for i := range s.sc.Hidden {
				eye.Data()[i*s.sc.Hidden+i] = 1
			}
			up = eye.SetRequiresGrad(true)
		}
		a.dual = distill.NewDualMLM(a.teacher, a.student.BERT.Embeddings.Word, up)
		studentSide = append(studentSide, a.dual.Up, a.dual.StudentBias)
		if arm == armProj {
			studentSide = append(studentSide, a.proj)
		}
	case armHidden:
		a.teacher = s.newTeacher()
		nn.Freeze(a.teacher)
		nn.SetTraining(a.teacher, false)
		a.hidden = nn.NewLinear(rng, s.sc.Hidden, s.tc.Hidden)
		studentSide = append(studentSide, a.hidden)
	}
	var sp []*tensor.Tensor
	seen := map[*tensor.Tensor]bool{}
	for _, m := range studentSide {
		ps := []*tensor.Tensor{}
		if t, ok := m.(*tensor.Tensor); ok {
			ps = append(ps, t)
		} else {
			ps = nn.Params(m)
		}
		for _, p := range ps {
			if !seen[p] {
				seen[p] = true
				sp = append(sp, p)
			}
		}
	}
	opts := []*optim.AdamW{optim.NewAdamW(sp, s.cfg.lr, optim.Eps(1e-6))}
	if a.dual != nil {
		opts = append(opts, optim.NewAdamW(nn.Params(a.teacher), s.cfg.dualTeacherLR, optim.Eps(1e-6)))
	}
	return a, opts
}

// trainArm trains one student under arm for cfg.steps steps.
func (s *setup) trainArm(ctx context.Context, arm string, seed uint64, prog *progress) (armModels, float64, error) {
	cfg := s.cfg
	a, opts := s.newArm(arm, seed)
	var scheds []*pretrain.STLR
	for _, o := range opts {
		if sc := lrSchedule(o, cfg.steps); sc != nil {
			scheds = append(scheds, sc)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 60))
	nn.SetTraining(a.student, true)
	if a.dual != nil {
		nn.SetTraining(a.teacher, true)
	}
	prog.begin(fmt.Sprintf("%s seed %d", arm, seed), cfg.steps, armWeight(arm))
	var last float64
	for step := 1; step <= cfg.steps; step++ {
		if err := ctx.Err(); err != nil {
			return a, last, err
		}
		l, err := s.step(a, opts, arm, rng)
		if err != nil {
			return a, last, fmt.Errorf("%s seed %d at step %d: %w", arm, seed, step, err)
		}
		last = l
		for _, sc := range scheds {
			sc.Step()
		}
		prog.step(step, last)
	}
	prog.end()
	return a, last, nil
}

// step trains arm's models for one step on a random batch and returns
// the loss.
func (s *setup) step(a armModels, opts []*optim.AdamW, arm string, rng *rand.Rand) (float64, error) {
	chunks := make([]string, s.cfg.batch)
	for i := range chunks {
		chunks[i] = s.train[rng.IntN(len(s.train))]
	}
	loss := s.armLoss(a, arm, chunks, rng)
	for _, o := range opts {
		o.ZeroGrad()
	}
	loss.Backward()
	for _, o := range opts {
		if n := optim.ClipGradNorm(o.Params(), 1); math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, errors.New("diverged; try a smaller -lr")
		}
		o.Step()
	}
	return float64(loss.Item()), nil
}

// armWeight is the cost of a step of arm relative to a teacher step at
// the default sizes, for the overall ETA (BenchmarkStep, in the README);
// ftWeight likewise for a fine-tuning step.
func armWeight(arm string) float64 {
	switch arm {
	case armDual:
		return 1.3
	case armProj:
		return 1.35
	case armHidden:
		return 0.55
	}
	return 0.3
}

const ftWeight = 0.5

// armLoss is the loss of one step of arm on chunks.
func (s *setup) armLoss(a armModels, arm string, chunks []string, rng *rand.Rand) *tensor.Tensor {
	var seqs [][]int
	var wss [][]bool
	for _, c := range chunks {
		ids, ws := seqOf(s.stu, s.sTok, c, rng)
		seqs, wss = append(seqs, ids), append(wss, ws)
	}
	b := maskBatch(s.studentMLM, seqs, wss, rng)
	if arm != armHidden {
		h, _ := a.student.BERT.Forward(b.inputs, nil, b.n, b.t)
		loss := pretrain.MaskedLMLoss(headLogits(a.student, h, b.positions), b.labels, b.weights)
		if a.dual == nil {
			return loss
		}
		loss = loss.Add(s.dualLoss(a.dual, chunks, rng))
		if arm == armProj {
			down, up := a.proj.Loss(a.teacher, a.student)
			loss = loss.Add(down.Add(up).MulScalar(float32(s.cfg.alpha)))
		}
		return loss
	}
	// Hidden-state MSE: the student's states on its masked input against
	// the frozen teacher's on the same words, at the first token of each
	// word.
	hs := a.student.BERT.HiddenStates(b.inputs, nil, b.n, b.t)
	loss := pretrain.MaskedLMLoss(headLogits(a.student, hs[len(hs)-1], b.positions), b.labels, b.weights)
	var tseqs [][]int
	var twss [][]bool
	tt := 0
	for _, c := range chunks {
		ids, ws := seqOf(s.tea, s.tTok, c, rng)
		tseqs, twss = append(tseqs, ids), append(twss, ws)
		tt = max(tt, len(ids))
	}
	tids := make([]int, 0, len(chunks)*tt)
	var sRows, tRows []int
	pad := s.tTok.Special().PAD
	for i, ids := range tseqs {
		tids = append(tids, ids...)
		for range tt - len(ids) {
			tids = append(tids, pad)
		}
		tp, sp := distill.AlignWords(twss[i], wss[i])
		for k := range tp {
			tRows, sRows = append(tRows, i*tt+tp[k]), append(sRows, i*b.t+sp[k])
		}
	}
	ths := a.teacher.BERT.HiddenStates(tids, nil, len(chunks), tt)
	return loss.Add(distill.HiddenMSE(hs, ths, a.hidden, sRows, tRows))
}

// dualLoss is the dual-trained teacher's MLM loss on the chunks segmented
// with mixed vocabularies.
func (s *setup) dualLoss(d *distill.DualMLM, chunks []string, rng *rand.Rand) *tensor.Tensor {
	var ms []distill.MixedMLM
	t := 0
	for _, c := range chunks {
		m := s.mix.Mask(pretrain.MLM{}, s.mix.Wrap(s.mix.Segment(c, rng)), rng)
		ms = append(ms, m)
		t = max(t, len(m.Inputs))
	}
	pad := s.tTok.Special().PAD
	var ids, tl, sl []int
	for _, m := range ms {
		ids, tl, sl = append(ids, m.Inputs...), append(tl, m.TeacherLabels...), append(sl, m.StudentLabels...)
		for range t - len(m.Inputs) {
			ids, tl, sl = append(ids, pad), append(tl, -100), append(sl, -100)
		}
	}
	if !slices.ContainsFunc(tl, func(l int) bool { return l != -100 }) && !slices.ContainsFunc(sl, func(l int) bool { return l != -100 }) {
		return tensor.Scalar(0)
	}
	return d.Loss(ids, nil, tl, sl, len(ms), t)
}

// pretrainMLM is BERT's masked LM (15%, 80/10/10, at most 20 predictions)
// in the vocabulary of tok.
func pretrainMLM(tok *text.WordPiece) pretrain.MLM { return pretrain.MLM{Special: mlmSpecial(tok)} }
