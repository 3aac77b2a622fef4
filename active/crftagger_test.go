package active

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

func smallCRFConfig() CRFConfig {
	cfg := DefaultCRFConfig()
	cfg.CharDim, cfg.CharFilters, cfg.CharKernel = 4, 3, 3
	cfg.WordDim, cfg.Hidden = 5, 3
	return cfg
}

// TestCRFTaggerGradCheck checks the gradient of the training loss
// (dropout off) with respect to a tensor of every part.
func TestCRFTaggerGradCheck(t *testing.T) {
	d := newToyData(t)
	m := NewCRFTagger(rand.New(rand.NewPCG(31, 32)), d.wv.Len(), d.cv.Len(), d.tv.Len(), smallCRFConfig())
	b := d.set.Batch([]int{0, 1, 3})
	err := tensortest.Check(func(in ...*tensor.Tensor) *tensor.Tensor {
		return m.batchLoss(b, nil)
	}, []*tensor.Tensor{m.CharConv.Weight, m.WordEmb.Weight, m.Encoder.Weights[1].WeightIH, m.Out.Weight, m.CRF.Transitions}, tensortest.Options{Eps: 1e-3})
	if err != nil {
		t.Error(err)
	}
}

// TestCRFBatchEqualsSingle is spec oracle 4 for the baseline.
func TestCRFBatchEqualsSingle(t *testing.T) {
	d := newToyData(t)
	m := NewCRFTagger(rand.New(rand.NewPCG(33, 34)), d.wv.Len(), d.cv.Len(), d.tv.Len(), DefaultCRFConfig())
	checkBatchInvariance(t, m, d.set)
}

// TestCRFPredictMarginals checks Predict against brute force: the path is
// the highest-scoring of all K^n, and exp(logp) of each word is the sum
// of exp(score) over the paths through its decoded tag, divided by Z.
func TestCRFPredictMarginals(t *testing.T) {
	d := newToyData(t)
	m := NewCRFTagger(rand.New(rand.NewPCG(35, 36)), d.wv.Len(), d.cv.Len(), d.tv.Len(), smallCRFConfig())
	for _, i := range []int{1, 4} { // 2 and 3 words
		b := d.set.Batch([]int{i})
		tags, logp := m.Predict(b)
		em := m.emissions(b, nil).Data()
		K, n := m.CRF.NumTags(), b.Lengths[0]
		st, en, tr := m.CRF.StartTransitions.Data(), m.CRF.EndTransitions.Data(), m.CRF.Transitions.Data()
		y := make([]int, n)
		var z float64
		marg := make([]float64, n*K)
		best, bestScore := []int(nil), math.Inf(-1)
		var walk func(t int)
		walk = func(t int) {
			if t == n {
				s := float64(st[y[0]]) + float64(en[y[n-1]])
				for j := range n {
					s += float64(em[j*K+y[j]])
					if j > 0 {
						s += float64(tr[y[j-1]*K+y[j]])
					}
				}
				z += math.Exp(s)
				for j := range n {
					marg[j*K+y[j]] += math.Exp(s)
				}
				if s > bestScore {
					best, bestScore = append([]int(nil), y...), s
				}
				return
			}
			for k := range K {
				y[t] = k
				walk(t + 1)
			}
		}
		walk(0)
		for j := range n {
			if tags[0][j] != best[j] {
				t.Fatalf("sentence %d: Viterbi %v, brute force %v", i, tags[0], best)
			}
			want := marg[j*K+best[j]] / z
			if math.Abs(math.Exp(logp[0][j])-want) > 1e-5 {
				t.Errorf("sentence %d word %d: marginal %v; want %v", i, j, math.Exp(logp[0][j]), want)
			}
		}
	}
	if m.CRF.Transitions.Grad() != nil {
		t.Error("Predict left a gradient on the CRF")
	}
}

// TestCRFSample checks that Sample uses dropout while Predict is
// deterministic.
func TestCRFSample(t *testing.T) {
	d := newToyData(t)
	m := NewCRFTagger(rand.New(rand.NewPCG(37, 38)), d.wv.Len(), d.cv.Len(), d.tv.Len(), DefaultCRFConfig())
	checkSample(t, m, d.set)
}

// TestCRFConstrain checks that a constrained tagger only predicts valid
// IOB2 sequences and that a bad tag list is an error.
func TestCRFConstrain(t *testing.T) {
	d := newToyData(t)
	m := NewCRFTagger(rand.New(rand.NewPCG(39, 40)), d.wv.Len(), d.cv.Len(), d.tv.Len(), DefaultCRFConfig())
	if err := m.Constrain(d.tv.Tokens()); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(41, 42))
	b := d.set.Batch(allIndex(d.set.Len()))
	p, _ := m.Predict(b)
	p = append(p, m.Sample(b, rng)...)
	for _, ts := range p {
		s := make([]string, len(ts))
		for j, id := range ts {
			s[j] = d.tv.Token(id)
		}
		if err := data.CheckTags(s, data.IOB2); err != nil {
			t.Errorf("%v: %v", s, err)
		}
	}
	if err := m.Constrain([]string{"O"}); err == nil {
		t.Error("Constrain with the wrong number of tags: no error")
	}
}

// TestCRFSaveLoad checks that nn.Save and nn.Load round-trip predictions.
func TestCRFSaveLoad(t *testing.T) {
	d := newToyData(t)
	cfg := smallCRFConfig()
	m := NewCRFTagger(rand.New(rand.NewPCG(43, 44)), d.wv.Len(), d.cv.Len(), d.tv.Len(), cfg)
	if err := m.Fit(context.Background(), d.set, 2, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "crf.safetensors")
	if err := nn.Save(path, m); err != nil {
		t.Fatal(err)
	}
	m2 := NewCRFTagger(rand.New(rand.NewPCG(98, 98)), d.wv.Len(), d.cv.Len(), d.tv.Len(), cfg)
	if err := nn.Load(path, m2); err != nil {
		t.Fatal(err)
	}
	checkSamePredictions(t, m, m2, d.set)
}

// TestCRFTrainWNUT trains the BiLSTM-CRF briefly on 400 WNUT-17
// sentences.
func TestCRFTrainWNUT(t *testing.T) {
	d := loadWNUT(t, 150, true)
	var losses []float64
	cfg := DefaultCRFConfig()
	cfg.Hidden = 32
	cfg.Train.BatchSize = 8
	cfg.Dropout, cfg.Train.WordDropout = 0.1, 0
	cfg.Train.OnEpoch = func(_ int, l float64) { losses = append(losses, l) }
	m := NewCRFTagger(rand.New(rand.NewPCG(45, 46)), d.wv.Len(), d.cv.Len(), d.tv.Len(), cfg)
	trainShort(t, m, d, 10, &losses)
}
