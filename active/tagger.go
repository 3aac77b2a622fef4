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

// CNNConfig configures a CNN-CNN-LSTM tagger. DefaultCNNConfig gives the
// sizes of the paper and of Active-NLP, except the word CNN's width.
type CNNConfig struct {
	// CharDim is the size of the character embeddings (Active-NLP: 25).
	CharDim int
	// CharFilters and CharKernel are the filters and the (odd) window of
	// the one-layer character CNN (the paper: 50 and 5; Active-NLP uses 3).
	CharFilters, CharKernel int
	// WordDim is the size of the word embeddings (100); fill them from
	// pretrained vectors with nn.WordVectors.InitEmbedding on WordEmb.
	WordDim int
	// WordFilters, WordLayers and WordKernel shape the word CNN. The paper
	// has 2 layers of 800 filters of width 3; the default of 200 filters
	// (Active-NLP's count) is 16 times cheaper on a CPU.
	WordFilters, WordLayers, WordKernel int
	// DecoderHidden is the size of the LSTM tag decoder (Active-NLP: 50).
	DecoderHidden int
	// Dropout is the probability of the dropout on the word features and
	// after every word CNN layer (the paper: 0.5 everywhere).
	Dropout float64
	// OwnFeedback makes training feed the decoder its own previous argmax
	// tag, as Active-NLP does, instead of the gold one (teacher forcing,
	// the default). It is slower: the decoder then runs step by step.
	OwnFeedback bool
	// Train configures Fit.
	Train TrainConfig
}

// DefaultCNNConfig returns the default configuration: characters 25-d
// through 50 filters of width 5, words 100-d, a word CNN of 2 layers of
// 200 filters of width 3, a decoder of 50 units, dropout 0.5, teacher
// forcing, and DefaultTrainConfig.
func DefaultCNNConfig() CNNConfig {
	return CNNConfig{
		CharDim: 25, CharFilters: 50, CharKernel: 5,
		WordDim: 100, WordFilters: 200, WordLayers: 2, WordKernel: 3,
		DecoderHidden: 50, Dropout: 0.5, Train: DefaultTrainConfig(),
	}
}

// CNNTagger is the CNN-CNN-LSTM tagger of Shen et al. (2018):
//
//   - character encoder: each word's characters are embedded and
//     convolved (one layer, zero padding, no nonlinearity) and the
//     filters max-pooled over the word's real characters, w_char;
//   - word encoder: w_full = [w_emb; w_char] goes through WordLayers
//     convolutions over the sentence, each followed by ReLU, a residual
//     connection when its input and output widths match, and dropout;
//     h_enc = [top layer; w_full];
//   - tag decoder: an LSTM whose input at word i is [h_enc_i; one-hot of
//     tag i-1], with a GO tag (id = number of tags) before the first word,
//     then Linear(hidden → tags) and a softmax. Decoding is greedy, left to
//     right, feeding each decoded tag to the next step.
//
// Training minimises the cross-entropy of the gold tags with the gold
// previous tags fed in (teacher forcing) unless Config.OwnFeedback is
// set. Padding never changes a sentence's features: the features of
// padding words are zeroed before and after every convolution, so a
// sentence decodes the same alone or in any batch.
//
// The exported fields are the modules, saved and loaded with nn.Save and
// nn.Load; the optimizer state lives in the tagger and is kept across
// Fit calls, not saved. A tagger is not safe for concurrent use.
type CNNTagger struct {
	CharEmb  *nn.Embedding // character embeddings; nil without characters
	CharConv *nn.Conv1D    // character CNN; nil without characters
	WordEmb  *nn.Embedding // word embeddings
	WordConv []*nn.Conv1D  // word CNN layers
	Decoder  *nn.LSTM      // tag decoder, input [h_enc; one-hot previous tag]
	Out      *nn.Linear    // decoder state → tag scores
	// Config is the configuration the tagger was made with.
	Config CNNConfig `cairn:"-"`

	tags int
	tr   trainer
}

var _ Tagger = (*CNNTagger)(nil)

// NewCNNTagger returns a CNN-CNN-LSTM tagger for words word ids, chars
// character ids (0: no character encoder) and tags tag ids, initialised
// from rng: the embeddings from U(±sqrt(3/dim)) with the zero padding row
// data.PadID, the other layers as PyTorch initialises them. It panics on
// sizes that are not positive or an even kernel.
func NewCNNTagger(rng *rand.Rand, words, chars, tags int, cfg CNNConfig) *CNNTagger {
	if words < 2 || chars < 0 || tags < 1 || cfg.WordDim < 1 || cfg.WordFilters < 1 || cfg.WordLayers < 1 ||
		cfg.DecoderHidden < 1 || cfg.WordKernel%2 != 1 || (chars > 0 && (cfg.CharDim < 1 || cfg.CharFilters < 1 || cfg.CharKernel%2 != 1)) ||
		!(cfg.Dropout >= 0 && cfg.Dropout < 1) {
		panic(fmt.Sprintf("active.NewCNNTagger: bad sizes: words %d, chars %d, tags %d, config %+v", words, chars, tags, cfg))
	}
	cfg.Train.check("NewCNNTagger")
	m := &CNNTagger{Config: cfg, tags: tags, tr: trainer{cfg: cfg.Train}}
	in := cfg.WordDim
	m.CharEmb, m.CharConv = newCharEncoder(rng, chars, cfg.CharDim, cfg.CharFilters, cfg.CharKernel)
	if chars > 0 {
		in += cfg.CharFilters
	}
	m.WordEmb = newEmbedding(rng, words, cfg.WordDim)
	w := in
	for range cfg.WordLayers {
		m.WordConv = append(m.WordConv, nn.NewConv1D(rng, w, cfg.WordFilters, cfg.WordKernel, nn.ConvPadding(cfg.WordKernel/2)))
		w = cfg.WordFilters
	}
	m.Decoder = nn.NewLSTM(rng, nn.RNNConfig{InputSize: w + in + tags + 1, HiddenSize: cfg.DecoderHidden, BatchFirst: true})
	m.Out = nn.NewLinear(rng, cfg.DecoderHidden, tags)
	return m
}

// newCharEncoder returns the character embedding and CNN, or nils for
// chars = 0.
func newCharEncoder(rng *rand.Rand, chars, dim, filters, kernel int) (*nn.Embedding, *nn.Conv1D) {
	if chars == 0 {
		return nil, nil
	}
	return newEmbedding(rng, chars, dim), nn.NewConv1D(rng, dim, filters, kernel, nn.ConvPadding(kernel/2))
}

// newEmbedding returns an embedding table of n vectors of size dim drawn
// from U(±sqrt(3/dim)), as Lample et al.'s tagger and Active-NLP
// initialise theirs (variance 1/dim rather than PyTorch's 1, so that
// Adam's steps of about LR move the vectors of rare words in a few
// updates), with the zero padding row data.PadID.
func newEmbedding(rng *rand.Rand, n, dim int) *nn.Embedding {
	e := nn.NewEmbedding(rng, n, dim, data.PadID)
	w := e.Weight.Data()
	copy(w[dim:], nn.UniformInit(rng, math.Sqrt(3/float64(dim)), n-1, dim).Data())
	return e
}

// Fit implements Tagger, training with Config.Train.
func (m *CNNTagger) Fit(ctx context.Context, set *data.SeqSet, epochs int, rng *rand.Rand) error {
	return m.tr.fit(ctx, m, set, epochs, rng)
}

// Predict implements Tagger: greedy decoding with dropout off.
func (m *CNNTagger) Predict(b data.SeqBatch) (tags [][]int, logp [][]float64) {
	if b.T == 0 {
		return make([][]int, b.B), make([][]float64, b.B)
	}
	return m.greedy(m.encode(b, nil), b)
}

// Sample implements Tagger: greedy decoding with the encoder's dropout
// masks drawn from rng.
func (m *CNNTagger) Sample(b data.SeqBatch, rng *rand.Rand) [][]int {
	if b.T == 0 {
		return make([][]int, b.B)
	}
	tags, _ := m.greedy(m.encode(b, rng), b)
	return tags
}

func (m *CNNTagger) parameters() []*tensor.Tensor { return nn.Params(m) }

// batchLoss returns the cross-entropy summed over the real words of b.
func (m *CNNTagger) batchLoss(b data.SeqBatch, rng *rand.Rand) *tensor.Tensor {
	if b.Tags == nil {
		panic("active.CNNTagger: a training batch without tags")
	}
	enc := m.encode(b, rng)
	var logits *tensor.Tensor
	if m.Config.OwnFeedback {
		logits = m.feedbackLogits(enc, b)
	} else {
		logits = m.forcedLogits(enc, previousTags(b.Tags, b.B, b.T, m.tags), b)
	}
	return nn.CrossEntropy(logits.Reshape(b.B*b.T, m.tags), b.Tags, nn.WithReduction(nn.ReduceSum))
}

// encode returns h_enc, (B, T, WordFilters+features), zero at padding
// words; rng draws the dropout masks (nil: evaluation mode).
func (m *CNNTagger) encode(b data.SeqBatch, rng *rand.Rand) *tensor.Tensor {
	x := dropout(wordFeatures(m.WordEmb, m.CharEmb, m.CharConv, b), m.Config.Dropout, rng)
	mask := b.Mask.Reshape(b.B, 1, b.T)
	h := x.Transpose(1, 2) // (B, features, T)
	for _, conv := range m.WordConv {
		y := conv.Forward(h).ReLU()
		if y.Dim(1) == h.Dim(1) {
			y = y.Add(h)
		}
		h = dropout(y, m.Config.Dropout, rng).Mul(mask)
	}
	return tensor.Concat(2, h.Transpose(1, 2), x)
}

// previousTags returns the decoder's previous-tag input of every position
// of a (B, T) batch of gold tags: go (the GO tag) at the first word, the
// gold tag before it elsewhere, and 0 at padding.
func previousTags(tags []int, B, T, goTag int) []int {
	prev := make([]int, B*T)
	for k := range B {
		for j := range T {
			switch p := k*T + j; {
			case j == 0:
				prev[p] = goTag
			case tags[p] == data.PadTag:
				prev[p] = 0
			default:
				prev[p] = tags[p-1]
			}
		}
	}
	return prev
}

// forcedLogits runs the decoder over the whole batch with the given
// previous tags (teacher forcing) and returns the tag logits, (B, T, K).
func (m *CNNTagger) forcedLogits(enc *tensor.Tensor, prev []int, b data.SeqBatch) *tensor.Tensor {
	oh := tensor.OneHot(prev, m.tags+1).Reshape(b.B, b.T, m.tags+1)
	out, _, _ := m.Decoder.Forward(tensor.Concat(2, enc, oh), nil, nil, b.Lengths)
	return m.Out.Forward(out)
}

// feedbackLogits runs the decoder step by step, feeding each step its
// own argmax tag of the step before, recording the graph, and returns the
// tag logits, (B, T, K).
func (m *CNNTagger) feedbackLogits(enc *tensor.Tensor, b data.SeqBatch) *tensor.Tensor {
	K := m.tags
	prev := make([]int, b.B)
	for k := range prev {
		prev[k] = K
	}
	var h, c *tensor.Tensor
	steps := make([]*tensor.Tensor, b.T)
	for t := range b.T {
		x := tensor.Concat(2, enc.Narrow(1, t, 1), tensor.OneHot(prev, K+1).Reshape(b.B, 1, K+1))
		var out *tensor.Tensor
		out, h, c = m.Decoder.Forward(x, h, c, nil)
		steps[t] = m.Out.Forward(out)
		ld := steps[t].Data()
		for k := range prev {
			prev[k] = argmax(ld[k*K : (k+1)*K])
		}
	}
	return tensor.Concat(1, steps...)
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// greedy decodes every sentence of b from its encoding, without
// recording a graph: the encoder part of the decoder's input projection
// is one matrix product for the whole batch, the rest (previous tag,
// recurrence, gates, output layer and softmax) a loop per sentence in
// float64, so a sentence's result does not depend on the others.
func (m *CNNTagger) greedy(enc *tensor.Tensor, b data.SeqBatch) (tags [][]int, logp [][]float64) {
	B, T, E := enc.Dim(0), enc.Dim(1), enc.Dim(2)
	K, H := m.tags, m.Config.DecoderHidden
	G := 4 * H
	w := m.Decoder.Weights[0]
	in := w.WeightIH.Dim(1)
	bias := make([]float32, G)
	for _, bt := range []*tensor.Tensor{w.BiasIH, w.BiasHH} {
		if bt != nil {
			for i, v := range bt.Data() {
				bias[i] += v
			}
		}
	}
	xp := tensor.Linear(enc.Detach().Reshape(B*T, E), w.WeightIH.Detach().Narrow(1, 0, E), tensor.New(bias, G)).Data()
	wih, whh := w.WeightIH.Data(), w.WeightHH.Data()
	wout := m.Out.Weight.Data()
	var bout []float32
	if m.Out.Bias != nil {
		bout = m.Out.Bias.Data()
	}
	tags, logp = make([][]int, B), make([][]float64, B)
	h, c, g := make([]float64, H), make([]float64, H), make([]float64, G)
	z := make([]float64, K)
	for k := range B {
		n := b.Lengths[k]
		tags[k], logp[k] = make([]int, n), make([]float64, n)
		clear(h)
		clear(c)
		prev := K
		for t := range n {
			x := xp[(k*T+t)*G : (k*T+t+1)*G]
			for r := range G {
				s := float64(x[r]) + float64(wih[r*in+E+prev])
				row := whh[r*H : (r+1)*H]
				for j, hj := range h {
					s += float64(row[j]) * hj
				}
				g[r] = s
			}
			for j := range H {
				ig, fg := sigmoid(g[j]), sigmoid(g[H+j])
				gg, og := math.Tanh(g[2*H+j]), sigmoid(g[3*H+j])
				c[j] = fg*c[j] + ig*gg
				h[j] = og * math.Tanh(c[j])
			}
			best := 0
			for q := range K {
				s := 0.0
				if bout != nil {
					s = float64(bout[q])
				}
				row := wout[q*H : (q+1)*H]
				for j, hj := range h {
					s += float64(row[j]) * hj
				}
				z[q] = s
				if s > z[best] {
					best = q
				}
			}
			lse := 0.0
			for _, v := range z {
				lse += math.Exp(v - z[best])
			}
			tags[k][t] = best
			logp[k][t] = -math.Log(lse)
			prev = best
		}
	}
	return tags, logp
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// wordFeatures returns w_full = [word embedding; character features] of
// every position of b, (B, T, features), zero at padding positions.
func wordFeatures(wordEmb, charEmb *nn.Embedding, charConv *nn.Conv1D, b data.SeqBatch) *tensor.Tensor {
	x := wordEmb.Forward(b.Words, b.B, b.T)
	if charEmb != nil {
		if b.Chars == nil {
			panic("active: the tagger has a character encoder but the batch has no characters")
		}
		F := charConv.Weight.Dim(0)
		x = tensor.Concat(2, x, charFeatures(charEmb, charConv, b).Reshape(b.B, b.T, F))
	}
	return x.Mul(b.Mask.Reshape(b.B, b.T, 1))
}

// charFeatures returns the character CNN features of every position of
// b, (B·T, filters): the convolution of the word's character embeddings
// max-pooled over its real characters, zero at padding positions and
// words without characters. Only real words are convolved, in buckets of
// similar length (up to 4, 8, 16, ... characters) padded to the bucket's
// longest word, so that one long token (a URL) does not make every word
// of the batch that long; padding characters are zero embeddings, as the
// convolution's zero padding, and are excluded from the maximum, so the
// bucketing does not change the result.
func charFeatures(emb *nn.Embedding, conv *nn.Conv1D, b data.SeqBatch) *tensor.Tensor {
	F, C := conv.Weight.Dim(0), b.C
	type word struct{ p, l int }
	var buckets [][]word
	for k := range b.B {
		for j := range b.Lengths[k] {
			p := k*b.T + j
			w := b.Chars[p*C : (p+1)*C]
			l := 0
			for l < C && w[l] != data.PadID {
				l++
			}
			if l == 0 {
				continue
			}
			q := 0
			for 4<<q < l {
				q++
			}
			for len(buckets) <= q {
				buckets = append(buckets, nil)
			}
			buckets[q] = append(buckets[q], word{p, l})
		}
	}
	pos := make([]int, b.B*b.T) // row of each position in the features
	for p := range pos {
		pos[p] = -1
	}
	var parts []*tensor.Tensor
	n := 0
	for _, ws := range buckets {
		if len(ws) == 0 {
			continue
		}
		L := 0
		for _, w := range ws {
			L = max(L, w.l)
		}
		ids := make([]int, len(ws)*L)
		pad := make([]float32, len(ws)*L)
		for i, w := range ws {
			copy(ids[i*L:], b.Chars[w.p*C:w.p*C+w.l])
			for c := w.l; c < L; c++ {
				pad[i*L+c] = 1
			}
			pos[w.p] = n + i
		}
		x := emb.Forward(ids, len(ws), L).Transpose(1, 2)                      // (n, dim, L)
		y := conv.Forward(x).MaskedFill(tensor.New(pad, len(ws), 1, L), -1e30) // (n, F, L)
		parts = append(parts, y.Max(2, false))
		n += len(ws)
	}
	if n == 0 {
		return tensor.Zeros(b.B*b.T, F)
	}
	parts = append(parts, tensor.Zeros(1, F)) // row n: zeros
	for p, r := range pos {
		if r < 0 {
			pos[p] = n
		}
	}
	return tensor.Concat(0, parts...).IndexSelect(0, pos)
}
