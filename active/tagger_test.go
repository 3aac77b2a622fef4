package active

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// smallCNNConfig is a tiny CNN-CNN-LSTM for gradient checks and
// invariance tests.
func smallCNNConfig() CNNConfig {
	cfg := DefaultCNNConfig()
	cfg.CharDim, cfg.CharFilters, cfg.CharKernel = 4, 3, 3
	cfg.WordDim, cfg.WordFilters, cfg.WordLayers, cfg.WordKernel = 5, 4, 2, 3
	cfg.DecoderHidden = 3
	return cfg
}

func allIndex(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// TestCharFeaturesOracle computes a word's character features by hand
// (convolution with zero padding outside the word, maximum over its
// characters) and checks charFeatures against it in a batch whose longer
// words pad it, with padding rows zero.
func TestCharFeaturesOracle(t *testing.T) {
	d := newToyData(t)
	rng := rand.New(rand.NewPCG(7, 8))
	emb, conv := newCharEncoder(rng, d.cv.Len(), 4, 3, 3)
	b := d.set.Batch([]int{1, 2}) // "Mary works" padded to 7 words
	got := charFeatures(emb, conv, b).Data()
	F, D, K := 3, 4, 3
	E, W, bias := emb.Weight.Data(), conv.Weight.Data(), conv.Bias.Data()
	for k := range b.B {
		for j := range b.T {
			p := k*b.T + j
			if j >= b.Lengths[k] {
				for f := range F {
					if got[p*F+f] != 0 {
						t.Fatalf("padding word %d,%d has features %v", k, j, got[p*F:(p+1)*F])
					}
				}
				continue
			}
			chars := d.set.Chars[b.Index[k]][j]
			for f := range F {
				best := math.Inf(-1)
				for i := range chars {
					s := float64(bias[f])
					for q := range K {
						ci := i + q - K/2
						if ci < 0 || ci >= len(chars) {
							continue
						}
						for dd := range D {
							s += float64(W[(f*D+dd)*K+q]) * float64(E[chars[ci]*D+dd])
						}
					}
					best = max(best, s)
				}
				if math.Abs(best-float64(got[p*F+f])) > 1e-5 {
					t.Errorf("word %d,%d filter %d: %v; want %v", k, j, f, got[p*F+f], best)
				}
			}
		}
	}
}

// TestCharFeaturesGradCheck checks the gradient of the character CNN and
// its masked max-pool with respect to the embeddings and the filters.
func TestCharFeaturesGradCheck(t *testing.T) {
	d := newToyData(t)
	rng := rand.New(rand.NewPCG(9, 10))
	emb, conv := newCharEncoder(rng, d.cv.Len(), 3, 2, 3)
	b := d.set.Batch([]int{1, 3})
	// The padding row stays zero (it gets no gradient), so the check
	// varies the other rows only.
	rows := emb.Weight.Detach().Narrow(0, 1, emb.Weight.Dim(0)-1)
	err := tensortest.Check(func(in ...*tensor.Tensor) *tensor.Tensor {
		e := &nn.Embedding{Weight: tensor.Concat(0, tensor.Zeros(1, 3), in[0]), PaddingIdx: data.PadID}
		return charFeatures(e, conv, b)
	}, []*tensor.Tensor{rows, conv.Weight, conv.Bias}, tensortest.Options{Eps: 1e-3}) // small steps: max-pool kinks
	if err != nil {
		t.Error(err)
	}
}

// TestCNNTaggerGradCheck checks the gradient of the training loss (dropout
// off) with respect to a tensor of every part: character CNN, both word
// CNN layers, the decoder LSTM and the output layer, with teacher forcing
// and with the decoder fed its own argmax.
func TestCNNTaggerGradCheck(t *testing.T) {
	d := newToyData(t)
	for _, own := range []bool{false, true} {
		cfg := smallCNNConfig()
		cfg.OwnFeedback = own
		m := NewCNNTagger(rand.New(rand.NewPCG(11, 12)), d.wv.Len(), d.cv.Len(), d.tv.Len(), cfg)
		b := d.set.Batch([]int{0, 1, 3})
		err := tensortest.Check(func(in ...*tensor.Tensor) *tensor.Tensor {
			return m.batchLoss(b, nil)
		}, []*tensor.Tensor{m.CharConv.Weight, m.WordConv[0].Weight, m.WordConv[1].Bias,
			m.Decoder.Weights[0].WeightIH, m.Decoder.Weights[0].WeightHH, m.Out.Weight, m.WordEmb.Weight}, tensortest.Options{Eps: 1e-3})
		if err != nil {
			t.Errorf("own feedback %v: %v", own, err)
		}
	}
}

// checkBatchInvariance checks spec oracle 4 for a tagger: decoding all
// sentences of set in one batch (padded to the longest) gives each the
// tags and log-probabilities it gets alone, and adding the longest
// sentence to a batch changes nothing for the others.
func checkBatchInvariance(t *testing.T, tg Tagger, set *data.SeqSet) {
	t.Helper()
	all := allIndex(set.Len())
	tags, logp := tg.Predict(set.Batch(all))
	for i := range all {
		st, sl := tg.Predict(set.Batch([]int{i}))
		if !slices.Equal(st[0], tags[i]) {
			t.Errorf("sentence %d: batch tags %v, alone %v", i, tags[i], st[0])
		}
		for j := range sl[0] {
			if math.Abs(sl[0][j]-logp[i][j]) > 1e-5 {
				t.Errorf("sentence %d word %d: batch logp %v, alone %v", i, j, logp[i][j], sl[0][j])
			}
		}
	}
	// sentences 1 and 3 with and without the longest one (2).
	t1, l1 := tg.Predict(set.Batch([]int{1, 3}))
	t2, l2 := tg.Predict(set.Batch([]int{1, 3, 2}))
	for k := range 2 {
		if !slices.Equal(t1[k], t2[k]) {
			t.Errorf("padding changed sentence %d's tags", k)
		}
		for j := range l1[k] {
			if math.Abs(l1[k][j]-l2[k][j]) > 1e-5 {
				t.Errorf("padding changed sentence %d's logp: %v vs %v", k, l1[k][j], l2[k][j])
			}
		}
	}
}

// TestCNNBatchEqualsSingle is spec oracle 4 on an untrained tagger.
func TestCNNBatchEqualsSingle(t *testing.T) {
	d := newToyData(t)
	cfg := DefaultCNNConfig()
	cfg.WordFilters = 16
	m := NewCNNTagger(rand.New(rand.NewPCG(13, 14)), d.wv.Len(), d.cv.Len(), d.tv.Len(), cfg)
	checkBatchInvariance(t, m, d.set)
}

// TestCNNPredictLogp is the LC oracle: Predict's logp are the decoder's
// log-softmax at the tags it decoded. The teacher-forced decoder (the
// fused LSTM over the whole batch) fed the predicted tags must give the
// same log-probabilities as the greedy step loop, so that P(ŷ) =
// exp(Σ logp); and the graph-recording step-by-step decoder used for
// own-feedback training must decode the same tags.
func TestCNNPredictLogp(t *testing.T) {
	d := newToyData(t)
	cfg := smallCNNConfig()
	m := NewCNNTagger(rand.New(rand.NewPCG(15, 16)), d.wv.Len(), d.cv.Len(), d.tv.Len(), cfg)
	b := d.set.Batch(allIndex(d.set.Len()))
	tags, logp := m.Predict(b)
	pred := make([]int, b.B*b.T)
	for k := range pred {
		pred[k] = data.PadTag
	}
	for k, ts := range tags {
		copy(pred[k*b.T:], ts)
	}
	enc := m.encode(b, nil)
	lp := m.forcedLogits(enc, previousTags(pred, b.B, b.T, m.tags), b).LogSoftmax(2).Data()
	fb := m.feedbackLogits(enc, b).Data()
	K := m.tags
	for k, ts := range tags {
		var sum, want float64
		for j, y := range ts {
			p := k*b.T + j
			sum += logp[k][j]
			want += float64(lp[p*K+y])
			if math.Abs(logp[k][j]-float64(lp[p*K+y])) > 1e-5 {
				t.Errorf("sentence %d word %d: logp %v, decoder log-softmax %v", k, j, logp[k][j], lp[p*K+y])
			}
			if a := argmax(fb[p*K : (p+1)*K]); a != y {
				t.Errorf("sentence %d word %d: step decoder tag %d, greedy %d", k, j, a, y)
			}
			if logp[k][j] > 0 {
				t.Errorf("positive logp %v", logp[k][j])
			}
		}
		if math.Abs(math.Exp(sum)-math.Exp(want)) > 1e-6 {
			t.Errorf("sentence %d: P(ŷ) %v; want %v", k, math.Exp(sum), math.Exp(want))
		}
	}
}

// TestCNNSample checks that Sample uses dropout (two samples of an
// untrained tagger differ somewhere) while Predict is deterministic.
func TestCNNSample(t *testing.T) {
	d := newToyData(t)
	m := NewCNNTagger(rand.New(rand.NewPCG(17, 18)), d.wv.Len(), d.cv.Len(), d.tv.Len(), DefaultCNNConfig())
	checkSample(t, m, d.set)
}

func checkSample(t *testing.T, tg Tagger, set *data.SeqSet) {
	t.Helper()
	b := set.Batch(allIndex(set.Len()))
	p1, l1 := tg.Predict(b)
	p2, l2 := tg.Predict(b)
	for k := range p1 {
		if !slices.Equal(p1[k], p2[k]) || !slices.Equal(l1[k], l2[k]) {
			t.Fatal("Predict is not deterministic")
		}
	}
	rng := rand.New(rand.NewPCG(19, 20))
	differ := false
	for range 5 {
		s1, s2 := tg.Sample(b, rng), tg.Sample(b, rng)
		for k := range s1 {
			if len(s1[k]) != b.Lengths[k] {
				t.Fatalf("sample of sentence %d has %d tags; want %d", k, len(s1[k]), b.Lengths[k])
			}
			differ = differ || !slices.Equal(s1[k], s2[k])
		}
	}
	if !differ {
		t.Error("10 dropout samples all equal")
	}
}

// TestCNNSaveLoad checks that nn.Save and nn.Load round-trip a trained
// tagger's predictions into a tagger made with another seed.
func TestCNNSaveLoad(t *testing.T) {
	d := newToyData(t)
	cfg := smallCNNConfig()
	m := NewCNNTagger(rand.New(rand.NewPCG(21, 22)), d.wv.Len(), d.cv.Len(), d.tv.Len(), cfg)
	if err := m.Fit(context.Background(), d.set, 2, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tagger.safetensors")
	if err := nn.Save(path, m); err != nil {
		t.Fatal(err)
	}
	m2 := NewCNNTagger(rand.New(rand.NewPCG(99, 99)), d.wv.Len(), d.cv.Len(), d.tv.Len(), cfg)
	if err := nn.Load(path, m2); err != nil {
		t.Fatal(err)
	}
	checkSamePredictions(t, m, m2, d.set)
}

func checkSamePredictions(t *testing.T, a, b Tagger, set *data.SeqSet) {
	t.Helper()
	batch := set.Batch(allIndex(set.Len()))
	ta, la := a.Predict(batch)
	tb, lb := b.Predict(batch)
	for k := range ta {
		if !slices.Equal(ta[k], tb[k]) || !slices.Equal(la[k], lb[k]) {
			t.Errorf("sentence %d: %v %v after loading, %v %v before", k, tb[k], lb[k], ta[k], la[k])
		}
	}
}

// trainShort trains tg on the first sentences of WNUT-17 and checks that
// the loss falls and the span F1 on those sentences is above 0.
func trainShort(t *testing.T, tg Tagger, d wnutData, epochs int, losses *[]float64) {
	t.Helper()
	start := time.Now()
	if err := tg.Fit(context.Background(), d.train, epochs, rand.New(rand.NewPCG(23, 24))); err != nil {
		t.Fatal(err)
	}
	ls := *losses
	if len(ls) != epochs || !(ls[len(ls)-1] < 0.7*ls[0]) {
		t.Errorf("losses per epoch %v; want the last below 0.7 × the first", ls)
	}
	e, err := Evaluate(tg, d.train, d.tv, 64)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d epochs in %v, losses %.3f, train F1 %.3f", epochs, time.Since(start), ls, e.Overall.F1())
	if !(e.Overall.F1() > 0) {
		t.Errorf("train F1 %v; want > 0", e.Overall.F1())
	}
}

// TestCNNTrainWNUT trains the CNN-CNN-LSTM briefly on 400 WNUT-17
// sentences.
func TestCNNTrainWNUT(t *testing.T) {
	d := loadWNUT(t, 150, true)
	var losses []float64
	cfg := DefaultCNNConfig()
	cfg.WordFilters = 64
	cfg.Train.BatchSize = 8
	cfg.Dropout, cfg.Train.WordDropout = 0.1, 0
	cfg.Train.OnEpoch = func(_ int, l float64) { losses = append(losses, l) }
	m := NewCNNTagger(rand.New(rand.NewPCG(25, 26)), d.wv.Len(), d.cv.Len(), d.tv.Len(), cfg)
	trainShort(t, m, d, 10, &losses)
}

// TestCNNTaggerParity compares the tagger with a PyTorch reference
// (testdata/tagger_parity.py) that runs every sentence alone and every
// word's characters alone: the teacher-forced cross-entropy summed over
// the words of a padded batch, the gradient of every weight, and the
// greedy decoding's tags and log-probabilities.
func TestCNNTaggerParity(t *testing.T) {
	f := torchfix.Load(t, "testdata/tagger_parity.json")
	var words, tags, greedy [][]int
	var chars [][][]int
	var nw, nc, nt int
	f.MetaValue(t, "words", &words)
	f.MetaValue(t, "chars", &chars)
	f.MetaValue(t, "tags", &tags)
	f.MetaValue(t, "greedy_tags", &greedy)
	f.MetaValue(t, "num_words", &nw)
	f.MetaValue(t, "num_chars", &nc)
	f.MetaValue(t, "num_tags", &nt)
	m := NewCNNTagger(rand.New(rand.NewPCG(1, 1)), nw, nc, nt, smallCNNConfig())
	state := map[string]*tensor.Tensor{}
	for _, n := range nn.StateDict(m) {
		state[n.Name] = f.T(t, n.Name)
	}
	if err := nn.LoadState(m, state); err != nil {
		t.Fatal(err)
	}
	set := &data.SeqSet{Words: words, Chars: chars, Tags: tags}
	b := set.Batch([]int{0, 1, 2})
	loss := m.batchLoss(b, nil)
	torchfix.Close(t, "loss", loss, f.T(t, "loss"), 1e-5, 1e-5)
	loss.Backward()
	for _, n := range nn.StateDict(m) {
		torchfix.Close(t, "grad of "+n.Name, n.Tensor.Grad(), f.T(t, "grad."+n.Name), 1e-4, 1e-5)
	}
	gt, gl := m.Predict(b)
	var flat []float32
	for k := range gt {
		if !slices.Equal(gt[k], greedy[k]) {
			t.Errorf("sentence %d: greedy tags %v; PyTorch %v", k, gt[k], greedy[k])
		}
		for _, v := range gl[k] {
			flat = append(flat, float32(v))
		}
	}
	torchfix.Close(t, "greedy logp", tensor.New(flat, len(flat)), f.T(t, "greedy_logp"), 1e-5, 1e-5)
}
