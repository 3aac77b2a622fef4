package active

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// CRFConfig configures a BiLSTM-CRF tagger.
type CRFConfig struct {
	// CharDim, CharFilters and CharKernel shape the character encoder,
	// the same as CNNTagger's.
	CharDim, CharFilters, CharKernel int
	// WordDim is the size of the word embeddings.
	WordDim int
	// Hidden is the size of each direction of the BiLSTM (100).
	Hidden int
	// Dropout is the probability of the dropout on the word features and
	// on the BiLSTM's output (0.5).
	Dropout float64
	// Train configures Fit.
	Train TrainConfig
}

// DefaultCRFConfig returns the default configuration: the character and
// word features of DefaultCNNConfig, a BiLSTM of 100 units per direction,
// dropout 0.5 and DefaultTrainConfig.
func DefaultCRFConfig() CRFConfig {
	return CRFConfig{CharDim: 25, CharFilters: 50, CharKernel: 5, WordDim: 100, Hidden: 100, Dropout: 0.5, Train: DefaultTrainConfig()}
}

// CRFTagger is the BiLSTM-CRF baseline (Lample et al., 2016, with a
// character CNN as in Ma and Hovy, 2016): the word features of CNNTagger
// ([word embedding; max-pooled character CNN]) go through a bidirectional
// LSTM, a Linear layer gives each word's tag scores and a linear-chain CRF
// scores whole tag paths. Predict is Viterbi decoding; the log-probability
// it gives each decoded tag is the log of that tag's marginal probability
// at its word, p(y_t = ŷ_t | x), from the forward-backward algorithm (the
// gradient of CRF.LogPartition). Their sum is not the log-probability of
// the path, which is CRF.Decode's score minus LogPartition.
//
// The exported fields are the modules, saved and loaded with nn.Save and
// nn.Load (CRF constraints are not saved: call Constrain again). A tagger
// is not safe for concurrent use (Predict uses the CRF's gradients).
type CRFTagger struct {
	CharEmb  *nn.Embedding // character embeddings; nil without characters
	CharConv *nn.Conv1D    // character CNN; nil without characters
	WordEmb  *nn.Embedding // word embeddings
	Encoder  *nn.LSTM      // bidirectional LSTM over the word features
	Out      *nn.Linear    // BiLSTM output → tag scores (emissions)
	CRF      *nn.CRF       // linear-chain CRF over the tags
	// Config is the configuration the tagger was made with.
	Config CRFConfig `cairn:"-"`

	tr trainer
}

var _ Tagger = (*CRFTagger)(nil)

// NewCRFTagger returns a BiLSTM-CRF tagger for words word ids, chars
// character ids (0: no character encoder) and tags tag ids, initialised
// from rng as NewCNNTagger initialises its layers. It panics on sizes that are not positive or an even kernel.
func NewCRFTagger(rng *rand.Rand, words, chars, tags int, cfg CRFConfig) *CRFTagger {
	if words < 2 || chars < 0 || tags < 1 || cfg.WordDim < 1 || cfg.Hidden < 1 ||
		(chars > 0 && (cfg.CharDim < 1 || cfg.CharFilters < 1 || cfg.CharKernel%2 != 1)) || !(cfg.Dropout >= 0 && cfg.Dropout < 1) {
		panic(fmt.Sprintf("active.NewCRFTagger: bad sizes: words %d, chars %d, tags %d, config %+v", words, chars, tags, cfg))
	}
	cfg.Train.check("NewCRFTagger")
	m := &CRFTagger{Config: cfg, tr: trainer{cfg: cfg.Train}}
	in := cfg.WordDim
	m.CharEmb, m.CharConv = newCharEncoder(rng, chars, cfg.CharDim, cfg.CharFilters, cfg.CharKernel)
	if chars > 0 {
		in += cfg.CharFilters
	}
	m.WordEmb = newEmbedding(rng, words, cfg.WordDim)
	m.Encoder = nn.NewLSTM(rng, nn.RNNConfig{InputSize: in, HiddenSize: cfg.Hidden, BatchFirst: true, Bidirectional: true})
	m.Out = nn.NewLinear(rng, 2*cfg.Hidden, tags)
	m.CRF = nn.NewCRF(rng, tags)
	return m
}

// Constrain forbids the CRF the tag transitions that the tagging scheme
// of tags (the tag strings by id: IOB2 or IOBES) does not allow, in
// training and decoding; see nn.BIOConstraints. It returns its error for
// a tag with an unknown prefix.
func (m *CRFTagger) Constrain(tags []string) error {
	if len(tags) != m.CRF.NumTags() {
		return fmt.Errorf("active.CRFTagger.Constrain: %d tags for a CRF over %d", len(tags), m.CRF.NumTags())
	}
	c, err := nn.BIOConstraints(tags)
	if err != nil {
		return err
	}
	m.CRF.Constraints = c
	return nil
}

// Fit implements Tagger, training with Config.Train.
func (m *CRFTagger) Fit(ctx context.Context, set *data.SeqSet, epochs int, rng *rand.Rand) error {
	return m.tr.fit(ctx, m, set, epochs, rng)
}

func (m *CRFTagger) parameters() []*tensor.Tensor { return nn.Params(m) }

// emissions returns the tag scores of b, (B, T, K); rng draws the dropout
// masks (nil: evaluation mode).
func (m *CRFTagger) emissions(b data.SeqBatch, rng *rand.Rand) *tensor.Tensor {
	x := dropout(wordFeatures(m.WordEmb, m.CharEmb, m.CharConv, b), m.Config.Dropout, rng)
	h, _, _ := m.Encoder.Forward(x, nil, nil, b.Lengths)
	return m.Out.Forward(dropout(h, m.Config.Dropout, rng))
}

// batchLoss returns the CRF's negative log-likelihood of b, summed over
// its sentences.
func (m *CRFTagger) batchLoss(b data.SeqBatch, rng *rand.Rand) *tensor.Tensor {
	if b.Tags == nil {
		panic("active.CRFTagger: a training batch without tags")
	}
	return m.CRF.NLL(m.emissions(b, rng), b.Tags, b.Lengths, nn.WithReduction(nn.ReduceSum))
}

// Predict implements Tagger: Viterbi paths with dropout off, and the log
// of each decoded tag's marginal probability. It leaves the CRF's
// parameters without gradients.
func (m *CRFTagger) Predict(b data.SeqBatch) (tags [][]int, logp [][]float64) {
	if b.T == 0 {
		return make([][]int, b.B), make([][]float64, b.B)
	}
	em := m.emissions(b, nil).Detach().Clone().SetRequiresGrad(true)
	tags, _ = m.CRF.Decode(em, b.Lengths)
	m.CRF.LogPartition(em, b.Lengths).SumAll().Backward()
	nn.ZeroGrad(m.CRF)
	marg := em.Grad().Data() // p(y_t = j), (B, T, K)
	K := m.CRF.NumTags()
	logp = make([][]float64, b.B)
	for k, path := range tags {
		logp[k] = make([]float64, len(path))
		for t, y := range path {
			logp[k][t] = math.Log(max(float64(marg[(k*b.T+t)*K+y]), math.SmallestNonzeroFloat64))
		}
	}
	return tags, logp
}

// Sample implements Tagger: Viterbi paths with the dropout masks drawn
// from rng.
func (m *CRFTagger) Sample(b data.SeqBatch, rng *rand.Rand) [][]int {
	if b.T == 0 {
		return make([][]int, b.B)
	}
	tags, _ := m.CRF.Decode(m.emissions(b, rng).Detach(), b.Lengths)
	return tags
}
