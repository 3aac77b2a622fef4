package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// BERTConfig sizes a BERT encoder. The zero value is not usable; start
// from DefaultBERTConfig.
type BERTConfig struct {
	VocabSize     int     // token vocabulary
	Hidden        int     // hidden size
	Layers        int     // encoder layers
	Heads         int     // attention heads; must divide Hidden
	Intermediate  int     // feed-forward inner size
	MaxPositions  int     // learned positions
	TypeVocabSize int     // segment (token type) vocabulary
	Dropout       float64 // hidden and attention-weight dropout
	LayerNormEps  float64 // LayerNorm epsilon (1e-12 in BERT)
	PadID         int     // padding id: masked as a key, zero embedding row
}

// DefaultBERTConfig returns a small BERT: vocabulary 1000, hidden 128, 2
// layers of 2 heads, intermediate 512, 128 positions, 2 segments, dropout
// 0.1, LayerNorm eps 1e-12, padding id 0.
func DefaultBERTConfig() BERTConfig {
	return BERTConfig{VocabSize: 1000, Hidden: 128, Layers: 2, Heads: 2, Intermediate: 512,
		MaxPositions: 128, TypeVocabSize: 2, Dropout: 0.1, LayerNormEps: 1e-12, PadID: 0}
}

func (c BERTConfig) check(op string) {
	if c.VocabSize <= 0 || c.Hidden <= 0 || c.Layers < 0 || c.Heads <= 0 || c.Hidden%c.Heads != 0 ||
		c.Intermediate <= 0 || c.MaxPositions <= 0 || c.TypeVocabSize <= 0 ||
		!(c.Dropout >= 0 && c.Dropout < 1) || c.PadID < 0 || c.PadID >= c.VocabSize {
		panic(fmt.Sprintf("%s: invalid config %+v", op, c))
	}
}

// BERT is a BERT encoder (HF BertModel): token, learned position and
// segment embeddings summed, LayerNorm and dropout, post-LN encoder layers
// with GELU, and a pooler (dense + tanh on the first token).
type BERT struct {
	Embeddings *BERTEmbeddings `cairn:"embeddings"`
	Layers     []*BERTLayer    `cairn:"encoder.layer"`
	Pooler     *nn.Linear      `cairn:"pooler.dense"` // nil without pooler

	Config BERTConfig `cairn:"-"`
}

// BERTEmbeddings sums token, position and segment embeddings, then
// applies LayerNorm and dropout.
type BERTEmbeddings struct {
	Word      *nn.Embedding `cairn:"word_embeddings"`
	Position  *nn.Embedding `cairn:"position_embeddings"`
	TokenType *nn.Embedding `cairn:"token_type_embeddings"`
	LayerNorm *nn.LayerNorm `cairn:"LayerNorm"`
	Dropout   *nn.Dropout
}

// BERTLayer is one post-LN encoder layer (HF BertLayer): self-attention
// with separate query, key and value projections, then a GELU
// feed-forward network, each followed by dropout, a residual and
// LayerNorm.
type BERTLayer struct {
	Query        *nn.Linear    `cairn:"attention.self.query"`
	Key          *nn.Linear    `cairn:"attention.self.key"`
	Value        *nn.Linear    `cairn:"attention.self.value"`
	AttnOut      *nn.Linear    `cairn:"attention.output.dense"`
	AttnNorm     *nn.LayerNorm `cairn:"attention.output.LayerNorm"`
	Intermediate *nn.Linear    `cairn:"intermediate.dense"`
	Output       *nn.Linear    `cairn:"output.dense"`
	OutNorm      *nn.LayerNorm `cairn:"output.LayerNorm"`
	AttnDropout  *nn.Dropout   // on the attention weights
	Dropout      *nn.Dropout   // on each sublayer's output

	Heads int `cairn:"-"`
}

// NewBERT returns a BERT encoder with a pooler, initialised as HF does:
// linear and embedding weights from N(0, 0.02²), biases 0, LayerNorm 1 and
// 0, the padding row of the token embedding 0. It panics on an invalid
// config.
func NewBERT(rng *rand.Rand, c BERTConfig) *BERT {
	c.check("models.NewBERT")
	const std = 0.02
	h := c.Hidden
	m := &BERT{
		Embeddings: &BERTEmbeddings{
			Word:      newEmbedding(rng, c.VocabSize, h, std, c.PadID),
			Position:  newEmbedding(rng, c.MaxPositions, h, std, -1),
			TokenType: newEmbedding(rng, c.TypeVocabSize, h, std, -1),
			LayerNorm: newLayerNorm(h, c.LayerNormEps),
			Dropout:   nn.NewDropout(rng, c.Dropout),
		},
		Pooler: newLinear(rng, h, h, std, true),
		Config: c,
	}
	for range c.Layers {
		m.Layers = append(m.Layers, &BERTLayer{
			Query:        newLinear(rng, h, h, std, true),
			Key:          newLinear(rng, h, h, std, true),
			Value:        newLinear(rng, h, h, std, true),
			AttnOut:      newLinear(rng, h, h, std, true),
			AttnNorm:     newLayerNorm(h, c.LayerNormEps),
			Intermediate: newLinear(rng, h, c.Intermediate, std, true),
			Output:       newLinear(rng, c.Intermediate, h, std, true),
			OutNorm:      newLayerNorm(h, c.LayerNormEps),
			AttnDropout:  nn.NewDropout(rng, c.Dropout),
			Dropout:      nn.NewDropout(rng, c.Dropout),
			Heads:        c.Heads,
		})
	}
	return m
}

// Forward encodes ids, n sequences of length t in row-major order, with
// segment ids typeIDs (nil for all 0). Keys whose id is Config.PadID are
// masked. It returns the hidden states (n, t, Hidden) and the pooled
// first-token vectors (n, Hidden), nil without a pooler. It panics on ids
// or segment ids out of range or t > MaxPositions.
func (m *BERT) Forward(ids, typeIDs []int, n, t int) (hidden, pooled *tensor.Tensor) {
	const op = "models.BERT.Forward"
	checkIDs(op, ids, n, t, m.Config.VocabSize)
	return m.pool(m.encode(op, m.Embeddings.Word.Forward(ids, n, t), ids, typeIDs, n, t), n)
}

// Forward applies the layer to x (n, t, Hidden) with an additive
// attention mask broadcastable to (n, heads, t, t), or nil.
func (l *BERTLayer) Forward(x, mask *tensor.Tensor) *tensor.Tensor {
	h := l.Heads
	d := x.Dim(2) / h
	q := splitHeads(l.Query.Forward(x), h)
	k := splitHeads(l.Key.Forward(x), h)
	v := splitHeads(l.Value.Forward(x), h)
	a := attend(q, k, v, mask, float32(1/math.Sqrt(float64(d))), l.AttnDropout)
	x = l.AttnNorm.Forward(l.Dropout.Forward(l.AttnOut.Forward(a)).Add(x))
	f := l.Output.Forward(l.Intermediate.Forward(x).GELU())
	return l.OutNorm.Forward(l.Dropout.Forward(f).Add(x))
}

// BERTForMaskedLM is BERT with HF's masked-LM head (BertForMaskedLM, no
// pooler): dense, GELU and LayerNorm, then a decoder whose weight is the
// token embedding, plus a bias.
type BERTForMaskedLM struct {
	BERT           *BERT          `cairn:"bert"`
	Bias           *tensor.Tensor `cairn:"cls.predictions.bias"`
	TransformDense *nn.Linear     `cairn:"cls.predictions.transform.dense"`
	TransformNorm  *nn.LayerNorm  `cairn:"cls.predictions.transform.LayerNorm"`
}

// NewBERTForMaskedLM returns a masked-LM BERT initialised as NewBERT,
// without a pooler.
func NewBERTForMaskedLM(rng *rand.Rand, c BERTConfig) *BERTForMaskedLM {
	b := NewBERT(rng, c)
	b.Pooler = nil
	return &BERTForMaskedLM{
		BERT:           b,
		TransformDense: newLinear(rng, c.Hidden, c.Hidden, 0.02, true),
		TransformNorm:  newLayerNorm(c.Hidden, c.LayerNormEps),
		Bias:           tensor.Zeros(c.VocabSize).SetRequiresGrad(true),
	}
}

// Forward returns the vocabulary logits (n, t, VocabSize) of every
// position; arguments as BERT.Forward.
func (m *BERTForMaskedLM) Forward(ids, typeIDs []int, n, t int) *tensor.Tensor {
	x, _ := m.BERT.Forward(ids, typeIDs, n, t)
	x = m.TransformNorm.Forward(m.TransformDense.Forward(x).GELU())
	return tensor.Linear(x, m.BERT.Embeddings.Word.Weight, m.Bias)
}

// Loss returns the mean cross-entropy of the logits at the positions whose
// label (one per id) is not -100, the masked-LM loss.
func (m *BERTForMaskedLM) Loss(ids, typeIDs, labels []int, n, t int) *tensor.Tensor {
	if len(labels) != n*t {
		panic(fmt.Sprintf("models.BERTForMaskedLM.Loss: %d labels for batch %d × length %d", len(labels), n, t))
	}
	logits := m.Forward(ids, typeIDs, n, t)
	return nn.CrossEntropy(logits.Reshape(n*t, -1), labels, nn.WithIgnoreIndex(ignoreIndex))
}

// BERTForSequenceClassification is BERT with dropout and a linear
// classifier on the pooled first token (HF BertForSequenceClassification).
type BERTForSequenceClassification struct {
	BERT       *BERT `cairn:"bert"`
	Dropout    *nn.Dropout
	Classifier *nn.Linear `cairn:"classifier"`
}

// NewBERTForSequenceClassification returns a classifier over numLabels
// classes, initialised as NewBERT. It panics if numLabels < 1.
func NewBERTForSequenceClassification(rng *rand.Rand, c BERTConfig, numLabels int) *BERTForSequenceClassification {
	if numLabels < 1 {
		panic(fmt.Sprintf("models.NewBERTForSequenceClassification: %d labels", numLabels))
	}
	b := NewBERT(rng, c)
	return &BERTForSequenceClassification{
		BERT:       b,
		Dropout:    nn.NewDropout(rng, c.Dropout),
		Classifier: newLinear(rng, c.Hidden, numLabels, 0.02, true),
	}
}

// Forward returns the class logits (n, numLabels); arguments as
// BERT.Forward.
func (m *BERTForSequenceClassification) Forward(ids, typeIDs []int, n, t int) *tensor.Tensor {
	_, pooled := m.BERT.Forward(ids, typeIDs, n, t)
	return m.Classifier.Forward(m.Dropout.Forward(pooled))
}

// Loss returns the mean cross-entropy of the class logits against labels,
// one per sequence.
func (m *BERTForSequenceClassification) Loss(ids, typeIDs, labels []int, n, t int) *tensor.Tensor {
	return nn.CrossEntropy(m.Forward(ids, typeIDs, n, t), labels)
}

// ForwardEmbeds runs the encoder as Forward does, but on the given token
// vectors words (n, t, Hidden) in place of the looked-up token
// embeddings: position and segment embeddings are added to them, then
// LayerNorm, dropout and the layers. ids (n·t) serve only for the padding
// mask (keys equal to Config.PadID are masked), so they need not be ids
// of the model's vocabulary. With words = Embeddings.Word.Forward(ids, n,
// t) it is Forward. It panics on shapes that do not fit, segment ids out
// of range or t > MaxPositions.
func (m *BERT) ForwardEmbeds(words *tensor.Tensor, ids, typeIDs []int, n, t int) (hidden, pooled *tensor.Tensor) {
	return m.pool(m.encode("models.BERT.ForwardEmbeds", words, ids, typeIDs, n, t), n)
}

// pool returns the last of the hidden states hs and, with a pooler, the
// pooled first token.
func (m *BERT) pool(hs []*tensor.Tensor, n int) (hidden, pooled *tensor.Tensor) {
	x := hs[len(hs)-1]
	if m.Pooler != nil {
		pooled = m.Pooler.Forward(x.Narrow(1, 0, 1).Reshape(n, m.Config.Hidden)).Tanh()
	}
	return x, pooled
}

// HiddenStates runs the encoder on ids as Forward does and returns every
// hidden state: the embeddings' output, then each layer's output,
// len(Layers)+1 tensors of shape (n, t, Hidden); the last is Forward's
// hidden. Arguments and panics as Forward.
func (m *BERT) HiddenStates(ids, typeIDs []int, n, t int) []*tensor.Tensor {
	const op = "models.BERT.HiddenStates"
	checkIDs(op, ids, n, t, m.Config.VocabSize)
	return m.encode(op, m.Embeddings.Word.Forward(ids, n, t), ids, typeIDs, n, t)
}

// encode is the encoder from the token vectors words on, returning the
// embeddings' output and each layer's.
func (m *BERT) encode(op string, words *tensor.Tensor, ids, typeIDs []int, n, t int) []*tensor.Tensor {
	c := m.Config
	if n <= 0 || t <= 0 || len(ids) != n*t {
		panic(fmt.Sprintf("%s: %d ids for batch %d × length %d", op, len(ids), n, t))
	}
	if words.NDim() != 3 || words.Dim(0) != n || words.Dim(1) != t || words.Dim(2) != c.Hidden {
		panic(fmt.Sprintf("%s: token vectors %v for batch %d × length %d × hidden %d", op, words.Shape(), n, t, c.Hidden))
	}
	if t > c.MaxPositions {
		panic(fmt.Sprintf("%s: length %d exceeds MaxPositions %d", op, t, c.MaxPositions))
	}
	if typeIDs == nil {
		typeIDs = make([]int, n*t)
	}
	checkIDs(op+" (segment ids)", typeIDs, n, t, c.TypeVocabSize)
	pos := make([]int, n*t)
	for i := range pos {
		pos[i] = i % t
	}
	e := m.Embeddings
	x := words.Add(e.Position.Forward(pos, n, t)).Add(e.TokenType.Forward(typeIDs, n, t))
	x = e.Dropout.Forward(e.LayerNorm.Forward(x))
	mask := paddingBias(ids, n, t, c.PadID)
	out := make([]*tensor.Tensor, 0, len(m.Layers)+1)
	out = append(out, x)
	for _, l := range m.Layers {
		x = l.Forward(x, mask)
		out = append(out, x)
	}
	return out
}
