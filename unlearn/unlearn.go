package unlearn

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// Request is one sequence to forget.
type Request struct {
	// Tokens is the encoded sequence, as it was trained on (Vocab.Sequence).
	Tokens []int
	// Owner is the shard (teacher) that holds it (Partition.Owner).
	Owner int
	// Start is the first token whose prediction is unlearned (at least 1).
	// For a canary, 1+len(prefix) restricts the loss to the secret (and the
	// closing "<eos>"), so the student's predictions on the common prefix
	// are not pulled toward the weak teachers (spec pitfall 1); 0 or 1
	// unlearns the whole sequence.
	Start int
}

// positions returns the logit rows (of a sequence laid out alone) whose
// predictions the request unlearns: Start-1 .. len-2.
func (r Request) positions() []int {
	s := max(r.Start, 1)
	var out []int
	for i := s - 1; i+1 < len(r.Tokens); i++ {
		out = append(out, i)
	}
	return out
}

// Method selects the soft labels Unlearn distils.
type Method int

const (
	// LeaveOneOut aggregates every teacher except the owner's (the paper's
	// method).
	LeaveOneOut Method = iota
	// FullEnsemble aggregates all teachers, the owner's included: the
	// negative control, which keeps teaching the sequence.
	FullEnsemble
	// Alternating takes each position's label from one teacher drawn
	// uniformly among the non-owners, anew at every step (the alternating
	// teaching of Liu, Zhang and Peng, ICASSP 2023, applied to the
	// sequences to forget).
	Alternating
)

// UnlearnConfig configures Unlearn and GradientAscent. Zero values select
// the defaults in brackets.
type UnlearnConfig struct {
	Method Method
	// Steps is the step budget [100].
	Steps int
	// LR is Adam's learning rate [1e-3].
	LR float64
	// Retain, if not nil, guards utility: every step adds the hard-label
	// cross-entropy of RetainBatch sequences drawn from it, times
	// RetainWeight [1].
	Retain       [][]int
	RetainBatch  int // [8]
	RetainWeight float64
	// StopAtTarget stops (Unlearn only) as soon as every request's
	// log-perplexity under the student, over its unlearned positions,
	// reaches that under the leave-one-out aggregate.
	StopAtTarget bool
	// ClipNorm clips the gradient norm if positive.
	ClipNorm float64
	// Seed fixes the retain batches and the alternating teachers.
	Seed uint64
	// Progress, if not nil, is called after every step with the loss on
	// the requests (KL, or cross-entropy for GradientAscent).
	Progress func(step int, loss float64)
}

func (c UnlearnConfig) withDefaults() UnlearnConfig {
	if c.Steps == 0 {
		c.Steps = 100
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.RetainBatch == 0 {
		c.RetainBatch = 8
	}
	if c.RetainWeight == 0 {
		c.RetainWeight = 1
	}
	return c
}

// UnlearnResult reports what an unlearning run did.
type UnlearnResult struct {
	Steps   int           // optimizer steps taken
	Loss    float64       // loss on the requests at the last step
	Elapsed time.Duration // wall-clock time, soft labels included
}

// SoftLabelLoss is the distillation loss of Unlearn: the mean over rows of
// KL(q ‖ softmax(logits)) = Σ_v q_v (log q_v - log p_v), for logits and
// probabilities q of shape (P, V). It is 0, with a zero gradient, when
// softmax(logits) = q; classes with q_v = 0 add nothing.
func SoftLabelLoss(logits, q *tensor.Tensor) *tensor.Tensor {
	return nn.KLDiv(logits, q.Detach().Log(), 1)
}

// Unlearn fine-tunes the deployed model student so that it forgets the
// requests: at every step, the loss is the mean over the requests'
// unlearned positions of KL(q_t ‖ p_θ(·|w_<t)), with q_t the soft labels
// of cfg.Method from ens (for LeaveOneOut, the aggregate of the teachers
// other than the owner's, which is never queried), plus the retain guard
// if cfg.Retain is set. Teachers are queried once, before the first step.
// It returns ctx's error if ctx is cancelled between steps. student is
// left in evaluation mode.
func Unlearn(ctx context.Context, student LM, ens *Ensemble, reqs []Request, cfg UnlearnConfig) (UnlearnResult, error) {
	start := time.Now()
	cfg = cfg.withDefaults()
	if len(reqs) == 0 {
		return UnlearnResult{}, fmt.Errorf("unlearn.Unlearn: no requests")
	}
	seqs := make([][]int, len(reqs))
	owners := make([]int, len(reqs))
	for i, r := range reqs {
		if r.Owner < 0 || r.Owner >= len(ens.Teachers) {
			return UnlearnResult{}, fmt.Errorf("unlearn.Unlearn: request %d has owner %d, ensemble has %d teachers", i, r.Owner, len(ens.Teachers))
		}
		if len(r.positions()) == 0 {
			return UnlearnResult{}, fmt.Errorf("unlearn.Unlearn: request %d has nothing to unlearn (%d tokens, start %d)", i, len(r.Tokens), r.Start)
		}
		seqs[i], owners[i] = r.Tokens, r.Owner
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xa17e))
	var target func() *tensor.Tensor
	var looTarget *tensor.Tensor // for StopAtTarget
	switch cfg.Method {
	case LeaveOneOut, FullEnsemble:
		o := owners
		if cfg.Method == FullEnsemble {
			o = slices.Repeat([]int{-1}, len(reqs))
		}
		q := selectRows(ens.SoftLabels(seqs, o), reqs)
		target = func() *tensor.Tensor { return q }
		if cfg.Method == LeaveOneOut {
			looTarget = q
		}
	case Alternating:
		// Each teacher's distributions on every request it may teach.
		k := len(ens.Teachers)
		per := make([][][]float64, k) // teacher -> request -> flattened (len, V)
		for m := range k {
			per[m] = make([][]float64, len(reqs))
			var idx []int
			var batch [][]int
			for i, r := range reqs {
				if r.Owner != m {
					idx = append(idx, i)
					batch = append(batch, r.Tokens)
				}
			}
			if len(batch) == 0 {
				continue
			}
			for j, lp := range ens.teacherLogProbs(m, batch) {
				per[m][idx[j]] = lp
			}
		}
		v := student.VocabSize()
		target = func() *tensor.Tensor {
			var data []float32
			for i, r := range reqs {
				for _, p := range r.positions() {
					m := rng.IntN(k - 1)
					if m >= r.Owner {
						m++
					}
					for _, x := range per[m][i][p*v : (p+1)*v] {
						data = append(data, float32(math.Exp(x)))
					}
				}
			}
			return tensor.New(data, len(data)/v, v)
		}
		if k < 2 {
			return UnlearnResult{}, fmt.Errorf("unlearn.Unlearn: alternating teaching needs 2 or more teachers")
		}
	default:
		return UnlearnResult{}, fmt.Errorf("unlearn.Unlearn: unknown method %d", cfg.Method)
	}
	var stop func(logits *tensor.Tensor) bool
	if cfg.StopAtTarget && looTarget != nil {
		goal := requestBits(reqs, looTarget)
		stop = func(logits *tensor.Tensor) bool {
			got := requestBits(reqs, logits.Detach().Softmax(1))
			for i := range got {
				if got[i] < goal[i] {
					return false
				}
			}
			return true
		}
	}
	loss := func(logits *tensor.Tensor) *tensor.Tensor { return SoftLabelLoss(logits, target()) }
	return fineTune(ctx, student, reqs, cfg, rng, loss, stop, start)
}

// GradientAscent is the baseline of Jang et al. (2022): it maximises the
// requests' next-token cross-entropy over their unlearned positions,
// θ ← θ + η∇ Σ_t -log p_θ(w_t|w_<t) (with Adam), for cfg.Steps steps,
// with the retain guard if cfg.Retain is set. Owners are not used.
func GradientAscent(ctx context.Context, student LM, reqs []Request, cfg UnlearnConfig) (UnlearnResult, error) {
	start := time.Now()
	cfg = cfg.withDefaults()
	if len(reqs) == 0 {
		return UnlearnResult{}, fmt.Errorf("unlearn.GradientAscent: no requests")
	}
	var targets []int
	for _, r := range reqs {
		for _, p := range r.positions() {
			targets = append(targets, r.Tokens[p+1])
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xa17e))
	loss := func(logits *tensor.Tensor) *tensor.Tensor { return nn.CrossEntropy(logits, targets).Neg() }
	res, err := fineTune(ctx, student, reqs, cfg, rng, loss, nil, start)
	res.Loss = -res.Loss
	return res, err
}

// fineTune runs the shared loop: forward the requests, take the rows of
// their unlearned positions, add the retain guard, step.
func fineTune(ctx context.Context, student LM, reqs []Request, cfg UnlearnConfig, rng *rand.Rand,
	lossOf func(rows *tensor.Tensor) *tensor.Tensor, stop func(rows *tensor.Tensor) bool, start time.Time) (UnlearnResult, error) {
	seqs := make([][]int, len(reqs))
	for i, r := range reqs {
		seqs[i] = r.Tokens
	}
	ids, n, t := pad(seqs)
	var rows []int
	for i, r := range reqs {
		for _, p := range r.positions() {
			rows = append(rows, i*t+p)
		}
	}
	opt := optim.NewAdam(nn.Params(student), cfg.LR)
	nn.SetTraining(student, true)
	defer nn.SetTraining(student, false)
	var res UnlearnResult
	for res.Steps < cfg.Steps {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		logits := student.Logits(ids, n, t)
		sel := logits.Reshape(n*t, logits.Dim(2)).IndexSelect(0, rows)
		if stop != nil && stop(sel) {
			break
		}
		loss := lossOf(sel)
		res.Loss = float64(loss.Item())
		total := loss
		if len(cfg.Retain) > 0 {
			batch := make([][]int, cfg.RetainBatch)
			for i := range batch {
				w := windows(cfg.Retain[rng.IntN(len(cfg.Retain))], 64)
				batch[i] = w[rng.IntN(len(w))]
			}
			total = total.Add(lmLoss(student, batch).MulScalar(float32(cfg.RetainWeight)))
		}
		if _, err := optim.Update(opt, total, cfg.ClipNorm); err != nil {
			return res, fmt.Errorf("unlearn: step %d: %w", res.Steps+1, err)
		}
		res.Steps++
		if cfg.Progress != nil {
			cfg.Progress(res.Steps, res.Loss)
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// selectRows stacks the rows of the requests' unlearned positions from
// per-sequence (len, V) tensors.
func selectRows(per []*tensor.Tensor, reqs []Request) *tensor.Tensor {
	parts := make([]*tensor.Tensor, len(reqs))
	for i, r := range reqs {
		parts[i] = per[i].IndexSelect(0, r.positions())
	}
	return tensor.Concat(0, parts...)
}

// requestBits returns each request's log-perplexity (bits) over its
// unlearned positions, from probability rows laid out as selectRows does.
func requestBits(reqs []Request, probs *tensor.Tensor) []float64 {
	d := probs.Data()
	v := probs.Dim(1)
	out := make([]float64, len(reqs))
	row := 0
	for i, r := range reqs {
		for _, p := range r.positions() {
			out[i] -= math.Log2(float64(d[row*v+r.Tokens[p+1]]))
			row++
		}
	}
	return out
}

// RetrainWithout is the gold reference: a new model of cfg.Model, trained
// with Train on seqs minus every copy of the sequences in forget.
func RetrainWithout(ctx context.Context, seqs, forget [][]int, cfg TrainConfig) (LM, TrainResult, error) {
	m, err := NewLM(rand.New(rand.NewPCG(cfg.Seed, 1)), cfg.Model)
	if err != nil {
		return nil, TrainResult{}, err
	}
	res, err := Train(ctx, m, Without(seqs, forget), cfg)
	return m, res, err
}

// Without returns seqs minus every sequence equal to one in forget (all
// its copies), the training data of the retrain-without reference and the
// retain set of the fine-tuning methods.
func Without(seqs, forget [][]int) [][]int {
	var out [][]int
	for _, s := range seqs {
		if !slices.ContainsFunc(forget, func(f []int) bool { return slices.Equal(f, s) }) {
			out = append(out, s)
		}
	}
	return out
}

// SISARetrain is sharded (SISA-style) exact unlearning: every shard file
// that holds a sequence of forget is rewritten without it in outDir and
// its model retrained there with TrainShard (up to workers at once); the
// other shards keep their model in teacherFiles. It returns the model file
// of every shard and the indices of the retrained ones. The deployed model
// is the ensemble of the returned files (Ensemble.LM(-1)).
func SISARetrain(ctx context.Context, shardFiles, teacherFiles []string, forget [][]int, cfg TrainConfig, outDir string, workers int) (files []string, retrained []int, err error) {
	if len(shardFiles) != len(teacherFiles) {
		return nil, nil, fmt.Errorf("unlearn.SISARetrain: %d shard files, %d teacher files", len(shardFiles), len(teacherFiles))
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, nil, err
	}
	files = slices.Clone(teacherFiles)
	var in, out []string
	for i, f := range shardFiles {
		sh, err := ReadShard(f)
		if err != nil {
			return nil, nil, err
		}
		kept := Without(sh.Sequences, forget)
		if len(kept) == len(sh.Sequences) {
			continue
		}
		sh.Sequences = kept
		sf := filepath.Join(outDir, fmt.Sprintf("shard-%d.json", sh.Index))
		if err := WriteShard(sf, sh); err != nil {
			return nil, nil, err
		}
		files[i] = filepath.Join(outDir, fmt.Sprintf("teacher-%d.safetensors", sh.Index))
		in, out = append(in, sf), append(out, files[i])
		retrained = append(retrained, i)
	}
	if len(in) > 0 {
		if _, err := TrainShards(ctx, in, out, cfg, workers); err != nil {
			return nil, nil, err
		}
	}
	return files, retrained, nil
}

// LoadTeachers loads the model files of an ensemble with LoadLM.
func LoadTeachers(files []string) ([]LM, error) {
	out := make([]LM, len(files))
	for i, f := range files {
		m, err := LoadLM(f)
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}
