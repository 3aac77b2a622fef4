package active

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/data"
)

// DefaultInitialFraction is the share of the pool's words labelled at
// random before the first round unless told otherwise: the paper's 1 %.
const DefaultInitialFraction = 0.01

// Config configures the pool-based active-learning loop of [Run].
type Config struct {
	// Acquisition is the strategy that picks the sentences to label.
	Acquisition Acquisition
	// InitialFraction is the share of the pool's words labelled at random
	// before the first round (whole sentences, the last may overshoot);
	// 0 means DefaultInitialFraction. The initial set depends on Seed and
	// the pool only, so every strategy starts from the same sentences.
	InitialFraction float64
	// RoundBudget is the number of words labelled after each round but
	// the last (the paper's 20,000). Set it or RoundFraction, not both.
	RoundBudget int
	// RoundFraction is the round budget as a share of the pool's words
	// (Active-NLP's 0.02), rounded up to whole words.
	RoundFraction float64
	// Rounds is the number of rounds: each trains, evaluates and, but for
	// the last, labels RoundBudget more words. At least 1.
	Rounds int
	// EpochsPerRound is the number of epochs of Tagger.Fit per round (the
	// paper's 50). At least 1.
	EpochsPerRound int
	// Retrain makes every round train a new tagger from the factory on the
	// whole labelled set. By default (false, the paper's protocol) one
	// tagger is made and each round continues training it from the last
	// round's parameters and optimizer state.
	Retrain bool
	// MCSamples is the number of dropout samples of BALD and BALDSeq; 0
	// means DefaultMCSamples.
	MCSamples int
	// BatchSize is the number of sentences decoded at once for scoring and
	// evaluation; 0 means DefaultBatchSize.
	BatchSize int
	// Seed seeds every random choice of the loop: the initial set, the
	// rng handed to Tagger.Fit, the dropout samples and tie-breaking.
	Seed uint64
	// Eval scores the tagger after each round's training, typically test
	// F1. If nil, the score is the overall span F1 on Test (see Evaluate).
	Eval func(Tagger) (float64, error)
	// Test and Tags are the evaluation set (with gold tags) and its tag
	// vocabulary, used when Eval is nil.
	Test *data.SeqSet
	Tags *data.Vocab
	// Progress, if not nil, is called with each round's point once it is
	// evaluated.
	Progress func(Point)
}

// Point is one round of a learning curve: the labelled set the tagger was
// trained on and its score.
type Point struct {
	// Round counts from 1.
	Round int `json:"round"`
	// Sentences and Words are the labelled sentences and their words.
	Sentences int `json:"sentences"`
	Words     int `json:"words"`
	// Share is Words as a share of the pool's words.
	Share float64 `json:"share"`
	// F1 is the round's score: Config.Eval's, or span F1 on Config.Test.
	F1 float64 `json:"f1"`
}

// Curve is the learning curve of one run of [Run].
type Curve struct {
	Acquisition Acquisition `json:"acquisition"`
	Seed        uint64      `json:"seed"`
	// PoolSentences and PoolWords are the size of the pool.
	PoolSentences int `json:"pool_sentences"`
	PoolWords     int `json:"pool_words"`
	// Points holds one point per round.
	Points []Point `json:"points"`
	// Labelled holds the pool positions of the labelled sentences in the
	// order they were labelled: the first Points[r].Sentences of them
	// are the training set of round r+1.
	Labelled []int `json:"labelled"`
}

// Random streams of the loop, all seeded by Config.Seed.
const (
	streamInitial = 0x1a1
	streamFit     = 0x1a2
	streamAcquire = 0x1a3
)

// Run runs pool-based active learning: it labels a random InitialFraction
// of the words of pool (whose gold tags play the annotator), then for each
// round trains a tagger on the labelled sentences for EpochsPerRound
// epochs, evaluates it, records a Point and, but after the last round,
// labels the most informative unlabelled sentences for the round's word
// budget with cfg.Acquisition. The loop uses the tagger only through the
// Tagger interface; newTagger is called once, or once per round with
// Retrain. The run stops early when the pool is all labelled. Everything
// random is drawn from streams seeded by cfg.Seed, so the same seed, pool
// and taggers give the same curve.
//
// Run returns an error for an invalid configuration, an error from Fit or
// Eval, a tagger returning the wrong number of tags, or a cancelled ctx;
// the curve then holds the rounds completed so far.
func Run(ctx context.Context, newTagger func() Tagger, pool *data.SeqSet, cfg Config) (Curve, error) {
	curve := Curve{Acquisition: cfg.Acquisition, Seed: cfg.Seed, PoolSentences: pool.Len()}
	lengths := make([]int, pool.Len())
	for i, w := range pool.Words {
		lengths[i] = len(w)
		curve.PoolWords += len(w)
	}
	budget, err := cfg.check(pool, curve.PoolWords)
	if err != nil {
		return curve, err
	}
	eval := cfg.Eval
	if eval == nil {
		bs := cfg.BatchSize
		if bs <= 0 {
			bs = DefaultBatchSize
		}
		eval = func(t Tagger) (float64, error) {
			e, err := Evaluate(t, cfg.Test, cfg.Tags, bs)
			if err != nil {
				return 0, err
			}
			return e.Overall.F1(), nil
		}
	}
	frac := cfg.InitialFraction
	if frac == 0 {
		frac = DefaultInitialFraction
	}
	initial := int(math.Ceil(frac * float64(curve.PoolWords)))
	labelled := make([]bool, pool.Len())
	curve.Labelled = Select(make([]float64, pool.Len()), lengths, initial, nil,
		rand.New(rand.NewPCG(cfg.Seed, streamInitial)))
	words := 0
	for _, i := range curve.Labelled {
		labelled[i] = true
		words += lengths[i]
	}
	fitRNG := rand.New(rand.NewPCG(cfg.Seed, streamFit))
	acqRNG := rand.New(rand.NewPCG(cfg.Seed, streamAcquire))
	scorer := Scorer{Acquisition: cfg.Acquisition, MCSamples: cfg.MCSamples, BatchSize: cfg.BatchSize}
	var tagger Tagger
	for r := 1; r <= cfg.Rounds; r++ {
		if err := ctx.Err(); err != nil {
			return curve, err
		}
		if tagger == nil || cfg.Retrain {
			tagger = newTagger()
			if tagger == nil {
				return curve, errors.New("active.Run: newTagger returned nil")
			}
		}
		if err := tagger.Fit(ctx, pool.Subset(curve.Labelled), cfg.EpochsPerRound, fitRNG); err != nil {
			return curve, fmt.Errorf("active.Run: round %d: %w", r, err)
		}
		f1, err := eval(tagger)
		if err != nil {
			return curve, fmt.Errorf("active.Run: round %d: evaluation: %w", r, err)
		}
		p := Point{Round: r, Sentences: len(curve.Labelled), Words: words, F1: f1}
		if curve.PoolWords > 0 {
			p.Share = float64(words) / float64(curve.PoolWords)
		}
		curve.Points = append(curve.Points, p)
		if cfg.Progress != nil {
			cfg.Progress(p)
		}
		if r == cfg.Rounds || len(curve.Labelled) == pool.Len() {
			break
		}
		var unl []int
		for i, l := range labelled {
			if !l {
				unl = append(unl, i)
			}
		}
		s, err := scorer.Score(ctx, tagger, pool, unl, acqRNG)
		if err != nil {
			return curve, fmt.Errorf("active.Run: round %d: acquisition: %w", r, err)
		}
		scores := make([]float64, pool.Len())
		for k, i := range unl {
			scores[i] = s[k]
		}
		for _, i := range Select(scores, lengths, budget, labelled, acqRNG) {
			labelled[i] = true
			words += lengths[i]
			curve.Labelled = append(curve.Labelled, i)
		}
	}
	return curve, nil
}

// check validates cfg for a pool of the given number of words and returns
// the round budget in words.
func (cfg *Config) check(pool *data.SeqSet, poolWords int) (int, error) {
	switch {
	case !cfg.Acquisition.valid():
		return 0, fmt.Errorf("active.Run: invalid acquisition %d", int(cfg.Acquisition))
	case cfg.Rounds < 1:
		return 0, fmt.Errorf("active.Run: %d rounds; want at least 1", cfg.Rounds)
	case cfg.EpochsPerRound < 1:
		return 0, fmt.Errorf("active.Run: %d epochs per round; want at least 1", cfg.EpochsPerRound)
	case !(cfg.InitialFraction >= 0 && cfg.InitialFraction <= 1):
		return 0, fmt.Errorf("active.Run: initial fraction %v; want it in [0, 1]", cfg.InitialFraction)
	case cfg.RoundBudget < 0 || !(cfg.RoundFraction >= 0 && cfg.RoundFraction <= 1):
		return 0, fmt.Errorf("active.Run: round budget %d words, fraction %v; want them non-negative, the fraction at most 1", cfg.RoundBudget, cfg.RoundFraction)
	case cfg.RoundBudget > 0 && cfg.RoundFraction > 0:
		return 0, errors.New("active.Run: both RoundBudget and RoundFraction are set; set one")
	case cfg.RoundBudget == 0 && cfg.RoundFraction == 0 && cfg.Rounds > 1:
		return 0, errors.New("active.Run: no round budget: set RoundBudget or RoundFraction")
	case cfg.Eval == nil && (cfg.Test == nil || cfg.Tags == nil):
		return 0, errors.New("active.Run: no evaluation: set Eval, or Test and Tags")
	case pool.Tags == nil:
		return 0, errors.New("active.Run: the pool has no gold tags")
	case pool.Len() == 0:
		return 0, errors.New("active.Run: empty pool")
	}
	if cfg.RoundBudget > 0 {
		return cfg.RoundBudget, nil
	}
	return int(math.Ceil(cfg.RoundFraction * float64(poolWords))), nil
}
