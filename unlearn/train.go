package unlearn

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/cairn-ml/cairn/internal/atomicfile"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// TrainConfig configures Train, TrainShard and the retraining baselines.
// Zero values select the defaults in brackets.
type TrainConfig struct {
	// Model is the architecture of models trained from scratch.
	Model ModelConfig
	// Epochs over the data [1].
	Epochs int
	// BatchSize is the number of windows per step [32].
	BatchSize int
	// SeqLen is the number of predictions per window; longer sequences are
	// split [64].
	SeqLen int
	// LR is Adam's learning rate [1e-3].
	LR float64
	// ClipNorm clips the gradient norm if positive.
	ClipNorm float64
	// Seed fixes the initial weights, the order of the windows and dropout.
	Seed uint64
	// Progress, if not nil, is called after every step.
	Progress func(step int, loss float64)
}

func (c TrainConfig) withDefaults() TrainConfig {
	if c.Epochs == 0 {
		c.Epochs = 1
	}
	if c.BatchSize == 0 {
		c.BatchSize = 32
	}
	if c.SeqLen == 0 {
		c.SeqLen = 64
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	return c
}

// TrainResult reports what a training run did.
type TrainResult struct {
	Steps     int           // optimizer steps
	Tokens    int           // predicted tokens per epoch
	FinalLoss float64       // mean cross-entropy (nats) of the last epoch
	Elapsed   time.Duration // wall-clock time
}

// Train fits m to seqs with next-token cross-entropy (Adam), in windows of
// cfg.SeqLen predictions, shuffled every epoch with a generator seeded by
// cfg.Seed. It returns ctx's error if ctx is cancelled between steps, and
// an error for a configuration that is not usable. m is left in
// evaluation mode.
func Train(ctx context.Context, m LM, seqs [][]int, cfg TrainConfig) (TrainResult, error) {
	cfg = cfg.withDefaults()
	if cfg.Epochs < 0 || cfg.BatchSize < 0 || cfg.SeqLen < 0 || !(cfg.LR > 0) {
		return TrainResult{}, fmt.Errorf("unlearn.Train: bad configuration %+v", cfg)
	}
	start := time.Now()
	var wins [][]int
	var res TrainResult
	for _, s := range seqs {
		for _, w := range windows(s, cfg.SeqLen) {
			if len(w) >= 2 {
				wins = append(wins, w)
				res.Tokens += len(w) - 1
			}
		}
	}
	if len(wins) == 0 {
		return res, fmt.Errorf("unlearn.Train: no sequence of 2 or more tokens")
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7a1e))
	opt := optim.NewAdam(nn.Params(m), cfg.LR)
	nn.SetTraining(m, true)
	defer nn.SetTraining(m, false)
	for range cfg.Epochs {
		rng.Shuffle(len(wins), func(i, j int) { wins[i], wins[j] = wins[j], wins[i] })
		var sum float64
		for b := 0; b < len(wins); b += cfg.BatchSize {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			batch := wins[b:min(b+cfg.BatchSize, len(wins))]
			l, err := optim.Update(opt, lmLoss(m, batch), cfg.ClipNorm)
			if err != nil {
				return res, fmt.Errorf("unlearn: training step %d: %w", res.Steps+1, err)
			}
			res.Steps++
			sum += l * float64(len(batch))
			if cfg.Progress != nil {
				cfg.Progress(res.Steps, l)
			}
		}
		res.FinalLoss = sum / float64(len(wins))
	}
	if math.IsNaN(res.FinalLoss) {
		return res, fmt.Errorf("unlearn.Train: loss is NaN")
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// Shard is the input file of one teacher's training job.
type Shard struct {
	// Index is the shard's number, which also varies the job's seed.
	Index int `json:"index"`
	// Users are the users whose records the shard holds.
	Users []string `json:"users,omitempty"`
	// Sequences are the encoded training sequences.
	Sequences [][]int `json:"sequences"`
}

// Tokens returns the number of predicted tokens in the shard.
func (s Shard) Tokens() int {
	n := 0
	for _, q := range s.Sequences {
		n += max(len(q)-1, 0)
	}
	return n
}

// WriteShard writes s as JSON to path, atomically (a temporary file in the
// same directory renamed over path).
func WriteShard(path string, s Shard) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("unlearn.WriteShard: %w", err)
	}
	return writeAtomic(path, b)
}

// ReadShard reads a shard file written by WriteShard.
func ReadShard(path string) (Shard, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Shard{}, err
	}
	var s Shard
	if err := json.Unmarshal(b, &s); err != nil {
		return Shard{}, fmt.Errorf("unlearn.ReadShard %s: %w", path, err)
	}
	return s, nil
}

func writeAtomic(path string, b []byte) error { return atomicfile.WriteBytes(path, b) }

// shardSeed derives a job's seed from the configured one and the shard
// index.
func shardSeed(seed uint64, index int) uint64 {
	return seed ^ (uint64(index)+1)*0x9e3779b97f4a7c15
}

// TrainShard is one teacher's job: it reads the shard file, trains a new
// model of cfg.Model on its sequences (seeded by cfg.Seed and the shard's
// index) and saves it to outFile with SaveLM. Its inputs and outputs are
// files, so it can run in another process or on another machine.
func TrainShard(ctx context.Context, shardFile string, cfg TrainConfig, outFile string) (TrainResult, error) {
	sh, err := ReadShard(shardFile)
	if err != nil {
		return TrainResult{}, err
	}
	cfg.Seed = shardSeed(cfg.Seed, sh.Index)
	m, err := NewLM(rand.New(rand.NewPCG(cfg.Seed, 1)), cfg.Model)
	if err != nil {
		return TrainResult{}, err
	}
	res, err := Train(ctx, m, sh.Sequences, cfg)
	if err != nil {
		return res, fmt.Errorf("unlearn.TrainShard %s: %w", shardFile, err)
	}
	return res, SaveLM(outFile, m)
}

// TrainShards runs TrainShard for every shard file, writing the model of
// shardFiles[i] to outFiles[i], with at most workers jobs at once (0: 1).
// Results do not depend on workers. A panic in a job is returned as its
// error; the first error cancels the jobs not yet started and is returned.
func TrainShards(ctx context.Context, shardFiles, outFiles []string, cfg TrainConfig, workers int) ([]TrainResult, error) {
	if len(shardFiles) != len(outFiles) {
		return nil, fmt.Errorf("unlearn.TrainShards: %d shard files, %d output files", len(shardFiles), len(outFiles))
	}
	workers = max(workers, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]TrainResult, len(shardFiles))
	errs := make([]error, len(shardFiles))
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := range shardFiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			defer func() {
				if r := recover(); r != nil {
					errs[i] = fmt.Errorf("unlearn.TrainShards: shard %s: panic: %v\n%s", shardFiles[i], r, debug.Stack())
					cancel()
				}
			}()
			results[i], errs[i] = TrainShard(ctx, shardFiles[i], cfg, outFiles[i])
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && err != context.Canceled {
			return results, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

// TrainAlternating trains student on seqs by the alternating teaching of
// Liu, Zhang and Peng ("Mitigating unintended memorization in language
// models via alternating teaching", ICASSP 2023): at every position of
// every window the target is the next-token distribution of one teacher of
// ens drawn uniformly at random, anew for every batch, and the loss is
// SoftLabelLoss. owners[i], if owners is not nil and owners[i] >= 0, is the
// teacher that must not teach seqs[i] (its own shard's, which saw it);
// ens.Op is not used, ens.Temperature is. Batching, windows, optimizer and
// seeds are those of Train.
func TrainAlternating(ctx context.Context, student LM, ens *Ensemble, seqs [][]int, owners []int, cfg TrainConfig) (TrainResult, error) {
	cfg = cfg.withDefaults()
	k := len(ens.Teachers)
	if owners != nil && len(owners) != len(seqs) {
		return TrainResult{}, fmt.Errorf("unlearn.TrainAlternating: %d sequences, %d owners", len(seqs), len(owners))
	}
	if k < 2 {
		return TrainResult{}, fmt.Errorf("unlearn.TrainAlternating: %d teachers, need 2 or more", k)
	}
	start := time.Now()
	type win struct {
		seq   []int
		owner int
	}
	var wins []win
	var res TrainResult
	for i, s := range seqs {
		o := -1
		if owners != nil {
			o = owners[i]
		}
		if o >= k {
			return res, fmt.Errorf("unlearn.TrainAlternating: owner %d of sequence %d, %d teachers", o, i, k)
		}
		for _, w := range windows(s, cfg.SeqLen) {
			if len(w) >= 2 {
				wins = append(wins, win{w, o})
				res.Tokens += len(w) - 1
			}
		}
	}
	if len(wins) == 0 {
		return res, fmt.Errorf("unlearn.TrainAlternating: no sequence of 2 or more tokens")
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7a1e))
	opt := optim.NewAdam(nn.Params(student), cfg.LR)
	nn.SetTraining(student, true)
	defer nn.SetTraining(student, false)
	v := student.VocabSize()
	for range cfg.Epochs {
		rng.Shuffle(len(wins), func(i, j int) { wins[i], wins[j] = wins[j], wins[i] })
		var sum float64
		for b := 0; b < len(wins); b += cfg.BatchSize {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			batch := wins[b:min(b+cfg.BatchSize, len(wins))]
			bs := make([][]int, len(batch))
			for i, w := range batch {
				bs[i] = w.seq
			}
			per := make([][][]float64, k)
			for m := range k {
				per[m] = ens.teacherLogProbs(m, bs)
			}
			ids, n, t := pad(bs)
			var rows []int
			var target []float32
			for i, w := range batch {
				for p := 0; p+1 < len(w.seq); p++ {
					m := rng.IntN(k)
					if w.owner >= 0 {
						m = rng.IntN(k - 1)
						if m >= w.owner {
							m++
						}
					}
					rows = append(rows, i*t+p)
					for _, x := range per[m][i][p*v : (p+1)*v] {
						target = append(target, float32(math.Exp(x)))
					}
				}
			}
			logits := student.Logits(ids, n, t)
			sel := logits.Reshape(n*t, v).IndexSelect(0, rows)
			l, err := optim.Update(opt, SoftLabelLoss(sel, tensor.New(target, len(rows), v)), cfg.ClipNorm)
			if err != nil {
				return res, fmt.Errorf("unlearn: alternating-teacher step %d: %w", res.Steps+1, err)
			}
			res.Steps++
			sum += l * float64(len(batch))
			if cfg.Progress != nil {
				cfg.Progress(res.Steps, l)
			}
		}
		res.FinalLoss = sum / float64(len(wins))
	}
	res.Elapsed = time.Since(start)
	return res, nil
}
