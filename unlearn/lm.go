package unlearn

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/tensor"
)

// LM is a causal language model over token ids.
type LM interface {
	// Logits returns the next-token logits, of shape (n, t, VocabSize),
	// of n sequences of length t given in row-major order: position i
	// scores the token at i+1 and depends only on the ids at 0..i, so
	// right padding never changes the logits of real positions.
	Logits(ids []int, n, t int) *tensor.Tensor
	// VocabSize returns the number of token ids.
	VocabSize() int
}

// ModelConfig describes a model NewLM can build and SaveLM stores with the
// weights.
type ModelConfig struct {
	// Arch is "lstm" (the default when empty) or "gpt".
	Arch string `json:"arch"`
	// Vocab is the number of token ids.
	Vocab int `json:"vocab"`
	// Embed is the LSTM's embedding size (0: Hidden); GPT ties it to Hidden.
	Embed int `json:"embed,omitempty"`
	// Hidden is the LSTM state size or the GPT width.
	Hidden int `json:"hidden"`
	// Layers is the number of LSTM layers or GPT blocks (0: 1).
	Layers int `json:"layers,omitempty"`
	// Heads is the number of GPT attention heads (0: 2).
	Heads int `json:"heads,omitempty"`
	// MaxPositions is the GPT context length (0: 128).
	MaxPositions int `json:"max_positions,omitempty"`
	// Dropout is applied to embeddings and hidden states in training mode.
	Dropout float64 `json:"dropout,omitempty"`
}

// NewLM builds an untrained model with weights drawn from rng. It returns
// an error for an unknown architecture or a size that is not positive.
func NewLM(rng *rand.Rand, c ModelConfig) (LM, error) {
	if c.Vocab < 2 || c.Hidden < 1 || c.Embed < 0 || c.Layers < 0 || c.Dropout < 0 || c.Dropout >= 1 {
		return nil, fmt.Errorf("unlearn.NewLM: bad sizes %+v", c)
	}
	layers := max(c.Layers, 1)
	switch c.Arch {
	case "", "lstm":
		c.Arch = "lstm"
		if c.Embed == 0 {
			c.Embed = c.Hidden
		}
		m := &LSTMLM{
			Embed: nn.NewEmbedding(rng, c.Vocab, c.Embed, -1),
			RNN:   nn.NewLSTM(rng, nn.RNNConfig{InputSize: c.Embed, HiddenSize: c.Hidden, NumLayers: layers, BatchFirst: true, Dropout: c.Dropout}),
			Drop:  nn.NewDropout(rng, c.Dropout),
			Out:   nn.NewLinear(rng, c.Hidden, c.Vocab),
			Cfg:   c,
		}
		return m, nil
	case "gpt":
		g := models.DefaultGPTConfig()
		g.VocabSize, g.Hidden, g.Layers, g.Dropout = c.Vocab, c.Hidden, layers, c.Dropout
		if c.Heads > 0 {
			g.Heads = c.Heads
		}
		if c.MaxPositions > 0 {
			g.MaxPositions = c.MaxPositions
		}
		if g.Hidden%g.Heads != 0 {
			return nil, fmt.Errorf("unlearn.NewLM: %d heads do not divide hidden size %d", g.Heads, g.Hidden)
		}
		return NewGPTLM(models.NewGPT(rng, g)), nil
	}
	return nil, fmt.Errorf("unlearn.NewLM: unknown architecture %q", c.Arch)
}

// LSTMLM is a word-level LSTM language model: embedding, LSTM layers,
// dropout and a linear output layer.
type LSTMLM struct {
	Embed *nn.Embedding `cairn:"embed"`
	RNN   *nn.LSTM      `cairn:"rnn"`
	Drop  *nn.Dropout
	Out   *nn.Linear  `cairn:"out"`
	Cfg   ModelConfig `cairn:"-"`
}

// Logits implements LM.
func (m *LSTMLM) Logits(ids []int, n, t int) *tensor.Tensor {
	x := m.Drop.Forward(m.Embed.Forward(ids, n, t))
	h, _, _ := m.RNN.Forward(x, nil, nil, nil)
	return m.Out.Forward(m.Drop.Forward(h))
}

// VocabSize implements LM.
func (m *LSTMLM) VocabSize() int { return m.Cfg.Vocab }

// Config returns the model's configuration.
func (m *LSTMLM) Config() ModelConfig { return m.Cfg }

// GPTLM adapts a models.GPT to LM. Its state names are the GPT's under
// "gpt.".
type GPTLM struct {
	GPT *models.GPT `cairn:"gpt"`
}

// NewGPTLM wraps g.
func NewGPTLM(g *models.GPT) *GPTLM { return &GPTLM{GPT: g} }

// Logits implements LM; it panics if t exceeds the GPT's MaxPositions.
func (m *GPTLM) Logits(ids []int, n, t int) *tensor.Tensor { return m.GPT.Forward(ids, n, t) }

// VocabSize implements LM.
func (m *GPTLM) VocabSize() int { return m.GPT.Config.VocabSize }

// MaxLen returns the longest sequence the model takes (MaxPositions);
// scoring splits longer sequences into windows.
func (m *GPTLM) MaxLen() int { return m.GPT.Config.MaxPositions }

// Config returns the model's configuration.
func (m *GPTLM) Config() ModelConfig {
	c := m.GPT.Config
	return ModelConfig{Arch: "gpt", Vocab: c.VocabSize, Hidden: c.Hidden, Layers: c.Layers, Heads: c.Heads, MaxPositions: c.MaxPositions, Dropout: c.Dropout}
}

// configurer is implemented by the models SaveLM can store.
type configurer interface{ Config() ModelConfig }

const configKey = "cairn.unlearn.config"

// SaveLM writes m's weights and configuration to a safetensors file at
// path, atomically. m must be a model NewLM builds (an *LSTMLM or a
// *GPTLM); anything else is an error.
func SaveLM(path string, m LM) error {
	c, ok := m.(configurer)
	if !ok {
		return fmt.Errorf("unlearn.SaveLM: cannot save a %T", m)
	}
	b, err := json.Marshal(c.Config())
	if err != nil {
		return fmt.Errorf("unlearn.SaveLM: %w", err)
	}
	return nn.WriteSafetensorsFile(path, nn.StateDict(m), map[string]string{configKey: string(b)})
}

// LoadLM reads a model written by SaveLM, in evaluation mode.
func LoadLM(path string) (LM, error) {
	state, meta, err := nn.ReadSafetensorsFile(path)
	if err != nil {
		return nil, fmt.Errorf("unlearn.LoadLM: %w", err)
	}
	var c ModelConfig
	if err := json.Unmarshal([]byte(meta[configKey]), &c); err != nil {
		return nil, fmt.Errorf("unlearn.LoadLM %s: no model configuration: %w", path, err)
	}
	m, err := NewLM(rand.New(rand.NewPCG(0, 0)), c)
	if err != nil {
		return nil, fmt.Errorf("unlearn.LoadLM %s: %w", path, err)
	}
	if err := nn.LoadState(m, state); err != nil {
		return nil, fmt.Errorf("unlearn.LoadLM %s: %w", path, err)
	}
	nn.SetTraining(m, false)
	return m, nil
}

// CloneLM returns an independent copy of a model NewLM can build (same
// configuration and weights), in evaluation mode.
func CloneLM(m LM) (LM, error) {
	c, ok := m.(configurer)
	if !ok {
		return nil, fmt.Errorf("unlearn.CloneLM: cannot clone a %T", m)
	}
	out, err := NewLM(rand.New(rand.NewPCG(0, 0)), c.Config())
	if err != nil {
		return nil, err
	}
	state := map[string]*tensor.Tensor{}
	for _, nt := range nn.StateDict(m) {
		state[nt.Name] = nt.Tensor.Detach().Clone()
	}
	if err := nn.LoadState(out, state); err != nil {
		return nil, err
	}
	nn.SetTraining(out, false)
	return out, nil
}

// inference switches m to evaluation mode and stops its parameters from
// recording a graph; the returned function restores requires-grad.
func inference(m LM) (restore func()) {
	nn.SetTraining(m, false)
	return nn.Freeze(m)
}

// maxLen returns the longest sequence m accepts (0: unlimited).
func maxLen(m LM) int {
	if ml, ok := m.(interface{ MaxLen() int }); ok {
		return ml.MaxLen()
	}
	return 0
}

// windows splits seq into pieces of at most n+1 tokens that overlap by one
// token, so that every prediction of seq is made exactly once.
func windows(seq []int, n int) [][]int {
	if n <= 0 || len(seq) <= n+1 {
		return [][]int{seq}
	}
	var out [][]int
	for s := 0; s < len(seq)-1; s += n {
		out = append(out, seq[s:min(s+n+1, len(seq))])
	}
	return out
}

// pad lays seqs out as a (len(seqs), t) row-major batch, t the longest
// length, padded with EOS.
func pad(seqs [][]int) (ids []int, n, t int) {
	for _, s := range seqs {
		t = max(t, len(s))
	}
	ids = make([]int, len(seqs)*t)
	for i, s := range seqs {
		copy(ids[i*t:], s)
	}
	return ids, len(seqs), t
}

// scoreBatch is the number of sequences scored per forward pass.
const scoreBatch = 64

// logSoftmaxRows runs m on seqs (in batches of similar length) and calls
// visit with each sequence's index and its (len, V) log-probabilities.
func logSoftmaxRows(m LM, seqs [][]int, visit func(i int, lp []float32, v int)) {
	restore := inference(m)
	defer restore()
	order := make([]int, len(seqs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(seqs[a]) - len(seqs[b]) })
	for s := 0; s < len(order); s += scoreBatch {
		idx := order[s:min(s+scoreBatch, len(order))]
		batch := make([][]int, len(idx))
		for j, i := range idx {
			batch[j] = seqs[i]
		}
		ids, n, t := pad(batch)
		lp := m.Logits(ids, n, t).LogSoftmax(2).Data()
		v := len(lp) / (n * t)
		for j, i := range idx {
			visit(i, lp[j*t*v:(j*t+len(seqs[i]))*v], v)
		}
	}
}

// TokenLogProbs returns, for each sequence of length L, the natural-log
// probabilities ln p(w_i | w_<i) of its tokens 1..L-1 under m. Sequences
// longer than the model's context are scored in windows.
func TokenLogProbs(m LM, seqs [][]int) [][]float64 {
	type piece struct{ seq, off int }
	var flat [][]int
	var where []piece
	out := make([][]float64, len(seqs))
	for i, s := range seqs {
		if len(s) > 0 {
			out[i] = make([]float64, len(s)-1)
		}
		off := 0
		for _, w := range windows(s, maxLen(m)-1) {
			if len(w) >= 2 {
				flat = append(flat, w)
				where = append(where, piece{i, off})
			}
			off += len(w) - 1
		}
	}
	logSoftmaxRows(m, flat, func(k int, lp []float32, v int) {
		w, p := flat[k], where[k]
		for i := 0; i+1 < len(w); i++ {
			out[p.seq][p.off+i] = float64(lp[i*v+w[i+1]])
		}
	})
	return out
}

// Perplexity returns m's perplexity on seqs, exp of the mean negative
// log-likelihood of every predicted token.
func Perplexity(m LM, seqs [][]int) float64 {
	var all []float64
	for _, lp := range TokenLogProbs(m, seqs) {
		all = append(all, lp...)
	}
	return metrics.Perplexity(all)
}

// NextLogProbs returns m as the next-token function of the extraction
// metrics (metrics.BeamSearch, metrics.SampleContinuations).
func NextLogProbs(m LM) metrics.NextLogProbs {
	return func(prefixes [][]int) [][]float64 {
		out := make([][]float64, len(prefixes))
		logSoftmaxRows(m, prefixes, func(i int, lp []float32, v int) {
			row := lp[len(lp)-v:]
			out[i] = make([]float64, v)
			for j, x := range row {
				out[i][j] = float64(x)
			}
		})
		return out
	}
}

// SecretLogPerplexities returns the log-perplexity in bits of each secret
// after prefix, -Σ log2 p(secret_j | prefix, secret_<j): the score the
// exposure metric ranks.
func SecretLogPerplexities(m LM, prefix []int, secrets [][]int) []float64 {
	seqs := make([][]int, len(secrets))
	for i, s := range secrets {
		seqs[i] = append(slices.Clone(prefix), s...)
	}
	lps := TokenLogProbs(m, seqs)
	out := make([]float64, len(secrets))
	for i, lp := range lps {
		out[i] = metrics.LogPerplexity(lp[len(prefix)-1:])
	}
	return out
}

// Exposures returns the exposure of each secret after prefix under m, by
// interpolation among the references (random secrets not in the training
// data) and by skew-normal extrapolation (see package metrics). It returns
// an error if the skew-normal cannot be fitted.
func Exposures(m LM, prefix []int, secrets, references [][]int) (interpolated, extrapolated []float64, err error) {
	all := SecretLogPerplexities(m, prefix, append(slices.Clone(secrets), references...))
	s, r := all[:len(secrets)], all[len(secrets):]
	interpolated = metrics.ExposureInterpolation(s, r)
	extrapolated, _, err = metrics.ExposureExtrapolation(s, r)
	return interpolated, extrapolated, err
}

// lmLoss is the mean next-token cross-entropy of a batch of sequences,
// padding ignored.
func lmLoss(m LM, batch [][]int) *tensor.Tensor {
	ids, n, t := pad(batch)
	targets := make([]int, n*t)
	for i, s := range batch {
		for j := range t {
			targets[i*t+j] = nn.DefaultIgnoreIndex
			if j+1 < len(s) {
				targets[i*t+j] = s[j+1]
			}
		}
	}
	logits := m.Logits(ids, n, t)
	return nn.CrossEntropy(logits.Reshape(n*t, logits.Dim(2)), targets)
}
