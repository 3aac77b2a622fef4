package asr

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/text"
)

// H2TMessages returns the H2T prompt of u as one user message: prompt.H2T
// of the first-pass best hypothesis and the other hypotheses, each other
// hypothesis once and none equal to the best (N-best lists repeat
// hypotheses that differ only in what the recogniser does not output, and
// a copy adds no word to revise with; the deduplication is ours). It is
// the prompt a [Corrector] is trained on, for [Correct].
func H2TMessages(u Utterance) ([]prompt.Message, error) {
	if len(u.Hyps) == 0 {
		return nil, errors.New("asr.H2TMessages: utterance without hypotheses")
	}
	var others []string
	for _, h := range u.Hyps[1:] {
		if h != u.Hyps[0] && !slices.Contains(others, h) {
			others = append(others, h)
		}
	}
	return []prompt.Message{{Role: prompt.User, Content: prompt.H2T(u.Hyps[0], others)}}, nil
}

// CorrectorConfig configures [TrainCorrector].
type CorrectorConfig struct {
	// Model sizes the encoder-decoder; its VocabSize, PadID, EOSID and
	// DecoderStartID are set from the tokenizer (the decoder starts
	// from the pad id, as in T5).
	Model models.T5Config
	// Epochs is the number of passes over the training pairs.
	Epochs int
	// Batch is the number of pairs per step.
	Batch int
	// LR is the peak AdamW learning rate, reached after a linear warm-up
	// over the first 5% of the steps and decayed linearly to 0.
	LR float64
	// WeightDecay is AdamW's decoupled weight decay.
	WeightDecay float64
	// MaxSource and MaxTarget bound the source (the H2T prompt and its
	// end token) and the target (the reference and its end token) in
	// tokens; longer ones are cut at the end.
	MaxSource, MaxTarget int
	// Seed seeds the initialisation, dropout and the order of the pairs.
	Seed uint64
	// Progress, if not nil, is called after every step.
	Progress func(p CorrectorProgress)
}

// CorrectorProgress reports one training step of [TrainCorrector].
type CorrectorProgress struct {
	Epoch, Step, Steps int     // epoch (from 1), step (from 1) and total steps
	Loss               float64 // the step's mean cross-entropy per target token
}

// DefaultCorrectorConfig returns a small corrector: models.DefaultT5Config
// (d_model 128, 2 encoder and 2 decoder blocks, 4 heads, d_ff 512, dropout
// 0.1) trained for 10 epochs in batches of 8 at a peak learning rate of
// 1.5e-3, weight decay 0.01, sources up to 256 tokens and targets up to 64.
// On the 3,564 training lists of HyPoradise ATIS that is about 13 minutes
// on one core.
func DefaultCorrectorConfig() CorrectorConfig {
	return CorrectorConfig{Model: models.DefaultT5Config(), Epochs: 10, Batch: 8, LR: 1.5e-3, WeightDecay: 0.01, MaxSource: 256, MaxTarget: 64, Seed: 1}
}

// Corrector is a trainable generative error corrector (the H2T method
// of Yang et al. and HyPoradise with a small encoder-decoder instead of a
// LoRA-adapted LLaMA): a T5 encoder-decoder that reads the H2T prompt of an
// N-best list and writes the transcription. It is a prompt.LM, so
// [Correct] runs it with [H2TMessages] and applies the hallucination
// guard:
//
//	c, err := asr.TrainCorrector(ctx, train, tok, asr.DefaultCorrectorConfig())
//	res, err := asr.Correct(ctx, c, test, asr.CorrectOptions{Messages: asr.H2TMessages, Parse: parse})
//
// Calls take turns on the model; it is in evaluation mode (no dropout)
// and runs without an autodiff graph.
type Corrector struct {
	// Model is the encoder-decoder.
	Model *models.T5
	// Tok turns text into the model's ids and back; its pad and end
	// tokens are the model's PadID and EOSID.
	Tok text.Tokenizer
	// MaxSource cuts longer sources (the prompt and the end token).
	MaxSource int
	// MaxNew bounds the generated tokens when GenOptions.MaxTokens is 0.
	MaxNew int
}

// TrainCorrector trains a Corrector from scratch on train: each
// utterance's H2T prompt (the source, with the tokenizer's end token
// appended) and its reference (the target, ended by the end token),
// teacher-forced cross-entropy, AdamW with warm-up and linear decay,
// gradients clipped at norm 1. The pairs are shuffled every epoch and
// padded to the longest of their batch. The loss is the first term of the
// paper's H2T loss; its MSE term on the first-pass scores is left out.
//
// tok must have pad and end-of-sequence tokens (text.Special's PAD and
// EOS), distinct, as a BPETrainer with SpecialTokens {"<pad>", "</s>"}
// gives. It returns an error for an invalid configuration, an empty
// training set, a diverging loss, or the cancellation of ctx.
func TrainCorrector(ctx context.Context, train []Utterance, tok text.Tokenizer, c CorrectorConfig) (*Corrector, error) {
	sp := tok.Special()
	switch {
	case len(train) == 0:
		return nil, errors.New("asr.TrainCorrector: no training utterances")
	case sp.PAD < 0 || sp.EOS < 0 || sp.PAD == sp.EOS:
		return nil, fmt.Errorf("asr.TrainCorrector: the tokenizer needs distinct pad and end tokens (pad %d, eos %d)", sp.PAD, sp.EOS)
	case c.Epochs < 1 || c.Batch < 1:
		return nil, fmt.Errorf("asr.TrainCorrector: epochs %d and batch %d must be at least 1", c.Epochs, c.Batch)
	case !(c.LR > 0) || c.WeightDecay < 0:
		return nil, fmt.Errorf("asr.TrainCorrector: learning rate %v must be positive and weight decay %v not negative", c.LR, c.WeightDecay)
	case c.MaxSource < 2 || c.MaxTarget < 2:
		return nil, fmt.Errorf("asr.TrainCorrector: MaxSource %d and MaxTarget %d must be at least 2", c.MaxSource, c.MaxTarget)
	}
	mc := c.Model
	mc.VocabSize, mc.PadID, mc.EOSID, mc.DecoderStartID = tok.VocabSize(), sp.PAD, sp.EOS, sp.PAD
	if mc.DModel < 1 || mc.DKV < 1 || mc.DFF < 1 || mc.Layers < 1 || mc.DecoderLayers < 1 || mc.Heads < 1 || mc.NumBuckets < 1 || mc.MaxDistance < 1 || mc.Dropout < 0 || mc.Dropout >= 1 {
		return nil, fmt.Errorf("asr.TrainCorrector: invalid model config %+v", mc)
	}
	cor := &Corrector{Tok: tok, MaxSource: c.MaxSource, MaxNew: c.MaxTarget}
	srcs := make([][]int, len(train))
	tgts := make([][]int, len(train))
	for i, u := range train {
		msgs, err := H2TMessages(u)
		if err != nil {
			return nil, fmt.Errorf("asr.TrainCorrector: utterance %d (id %q): %w", i, u.ID, err)
		}
		srcs[i] = cor.source(msgs[0].Content)
		tgts[i] = append(clip(tok.Encode(u.Ref), c.MaxTarget-1), sp.EOS)
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x4832544b))
	m := models.NewT5(rng, mc)
	cor.Model = m
	nn.SetTraining(m, true)
	defer nn.SetTraining(m, false)
	opt := optim.NewAdamW(nn.Params(m), c.LR, optim.WeightDecay(c.WeightDecay))
	perEpoch := (len(train) + c.Batch - 1) / c.Batch
	steps := perEpoch * c.Epochs
	warm := max(1, steps/20)
	step := 0
	for ep := 1; ep <= c.Epochs; ep++ {
		order := rng.Perm(len(train))
		for b := 0; b < len(order); b += c.Batch {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			idx := order[b:min(b+c.Batch, len(order))]
			src, s := pad(srcs, idx, sp.PAD)
			lab, t := pad(tgts, idx, -100)
			loss := m.Loss(src, len(idx), s, lab, t)
			lr := c.LR * float64(step+1) / float64(warm)
			if step >= warm {
				lr = c.LR * float64(steps-step) / float64(steps-warm+1)
			}
			opt.SetLR(lr)
			l, err := optim.Update(opt, loss, 1)
			if err != nil {
				return nil, fmt.Errorf("asr.TrainCorrector: step %d: %w; try a smaller learning rate", step+1, err)
			}
			step++
			if c.Progress != nil {
				c.Progress(CorrectorProgress{Epoch: ep, Step: step, Steps: steps, Loss: l})
			}
		}
	}
	return cor, nil
}

// clip returns ids cut to at most n.
func clip(ids []int, n int) []int {
	if len(ids) > n {
		return ids[:n]
	}
	return ids
}

// pad lays out the sequences seqs[idx] as one row-major batch padded with
// fill to the longest of them, and returns it with that length.
func pad(seqs [][]int, idx []int, fill int) ([]int, int) {
	n := 0
	for _, i := range idx {
		n = max(n, len(seqs[i]))
	}
	out := make([]int, len(idx)*n)
	for r, i := range idx {
		row := out[r*n : (r+1)*n]
		copy(row, seqs[i])
		for j := len(seqs[i]); j < n; j++ {
			row[j] = fill
		}
	}
	return out, n
}

// source returns the encoder ids of a prompt: its tokens, cut to leave room
// for the end token, and the end token.
func (c *Corrector) source(p string) []int {
	n := c.MaxSource
	if n < 2 {
		n = math.MaxInt
	}
	return append(clip(c.Tok.Encode(p), n-1), c.Tok.Special().EOS)
}

// check panics if c is not usable.
func (c *Corrector) check(op string) {
	if c == nil || c.Model == nil || c.Tok == nil {
		panic("asr.Corrector." + op + ": nil corrector, model or tokenizer")
	}
}

// Generate returns the transcription the model writes for the prompt
// (the source): greedy decoding up to o.MaxTokens tokens (c.MaxNew if 0)
// or the end token, decoded and trimmed of spaces. Temperature, TopP, TopK
// and Stop are ignored: decoding is always greedy.
func (c *Corrector) Generate(ctx context.Context, p string, o prompt.GenOptions) (string, error) {
	c.check("Generate")
	if err := ctx.Err(); err != nil {
		return "", err
	}
	n := o.MaxTokens
	if n <= 0 {
		n = c.MaxNew
	}
	if n <= 0 {
		n = 64
	}
	nn.SetTraining(c.Model, false)
	defer nn.Freeze(c.Model)()
	out := c.Model.Generate(c.source(p), n)
	if len(out) > 0 && out[len(out)-1] == c.Model.Config.EOSID {
		out = out[:len(out)-1]
	}
	return strings.TrimSpace(c.Tok.Decode(out)), nil
}

// Chat answers with Generate on the content of the last user message,
// the H2T prompt of [H2TMessages]; earlier turns are ignored.
func (c *Corrector) Chat(ctx context.Context, msgs []prompt.Message, o prompt.GenOptions) (string, error) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == prompt.User {
			return c.Generate(ctx, msgs[i].Content, o)
		}
	}
	return "", fmt.Errorf("asr.Corrector.Chat: no user message: %w", prompt.ErrUnsupported)
}

// Score returns log p(continuation | prefix) under the encoder-decoder:
// the prefix is the source, and the continuation's tokens (with spaces
// trimmed at both ends; not the end token) are scored teacher-forced as
// the start of the target.
func (c *Corrector) Score(ctx context.Context, prefix, continuation string) (prompt.Score, error) {
	c.check("Score")
	if err := ctx.Err(); err != nil {
		return prompt.Score{}, err
	}
	ids := c.Tok.Encode(strings.TrimSpace(continuation))
	if len(ids) == 0 {
		return prompt.Score{}, nil
	}
	nn.SetTraining(c.Model, false)
	defer nn.Freeze(c.Model)()
	src := c.source(prefix)
	dec := append([]int{c.Model.Config.DecoderStartID}, ids[:len(ids)-1]...)
	logp := c.Model.Forward(src, 1, len(src), dec, len(dec)).LogSoftmax(-1).Data()
	v := c.Model.Config.VocabSize
	s := prompt.Score{Tokens: make([]string, len(ids)), LogProbs: make([]float64, len(ids))}
	for i, id := range ids {
		s.Tokens[i] = c.Tok.Token(id)
		s.LogProbs[i] = float64(logp[i*v+id])
		s.Total += s.LogProbs[i]
	}
	return s, nil
}

var _ prompt.LM = (*Corrector)(nil)
