package models

import (
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// fixBERTConfig is BERT in testdata/models.py.
func fixBERTConfig() BERTConfig {
	return BERTConfig{VocabSize: 13, Hidden: 8, Layers: 2, Heads: 2, Intermediate: 16, MaxPositions: 10,
		TypeVocabSize: 2, LayerNormEps: 1e-12, PadID: 0}
}

func TestBERTMaskedLMTorch(t *testing.T) {
	f := torchfix.Load(t, "testdata/bert_mlm.json")
	m := NewBERTForMaskedLM(rng(1), fixBERTConfig())
	loadFixture(t, f, m)
	ids, types, labels := f.Ints(t, "ids"), f.Ints(t, "types"), f.Ints(t, "labels")
	logits := m.Forward(ids, types, 2, 6)
	loss := m.Loss(ids, types, labels, 2, 6)
	checkFixture(t, f, m, logits, loss)
}

func TestBERTSequenceClassificationTorch(t *testing.T) {
	f := torchfix.Load(t, "testdata/bert_cls.json")
	m := NewBERTForSequenceClassification(rng(1), fixBERTConfig(), 3)
	loadFixture(t, f, m)
	ids, types := f.Ints(t, "ids"), f.Ints(t, "types")
	logits := m.Forward(ids, types, 2, 6)
	loss := m.Loss(ids, types, f.Ints(t, "labels"), 2, 6)
	checkFixture(t, f, m, logits, loss)
}

func TestBERTShapesAndNames(t *testing.T) {
	c := DefaultBERTConfig()
	c.Layers = 1
	m := NewBERT(rng(1), c)
	nn.SetTraining(m, false)
	ids := randIDs(rng(2), 3*7, 1, c.VocabSize)
	h, p := m.Forward(ids, nil, 3, 7)
	if !slices.Equal(h.Shape(), []int{3, 7, c.Hidden}) || !slices.Equal(p.Shape(), []int{3, c.Hidden}) {
		t.Fatalf("shapes %v %v", h.Shape(), p.Shape())
	}
	var names []string
	for _, n := range nn.StateDict(m) {
		names = append(names, n.Name)
	}
	for _, want := range []string{"embeddings.word_embeddings.weight", "embeddings.LayerNorm.bias",
		"encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.output.LayerNorm.weight",
		"encoder.layer.0.intermediate.dense.bias", "encoder.layer.0.output.dense.weight", "pooler.dense.weight"} {
		if !slices.Contains(names, want) {
			t.Errorf("state has no %q: %q", want, names)
		}
	}
	// The MLM head's decoder is the word embedding: one tensor, not two.
	mlm := NewBERTForMaskedLM(rng(1), c)
	for _, n := range nn.StateDict(mlm) {
		if n.Name == "cls.predictions.decoder.weight" || n.Name == "bert.pooler.dense.weight" {
			t.Errorf("unexpected %q", n.Name)
		}
	}
	if got := mlm.Forward(ids, nil, 3, 7).Shape(); !slices.Equal(got, []int{3, 7, c.VocabSize}) {
		t.Fatalf("MLM logits shape %v", got)
	}
}

// A padded key changes nothing for the other positions: the logits of a
// sequence equal those of the same sequence padded to a longer length.
func TestBERTPaddingMask(t *testing.T) {
	c := fixBERTConfig()
	m := NewBERTForMaskedLM(rng(3), c)
	nn.SetTraining(m, false)
	short := m.Forward([]int{2, 5, 7, 3}, nil, 1, 4)
	long := m.Forward([]int{2, 5, 7, 3, 0, 0}, nil, 1, 6).Narrow(1, 0, 4)
	if d := maxAbsDiff(short, long); d > 1e-5 {
		t.Fatalf("padding changed the logits by %g", d)
	}
}

func TestBERTSaveLoad(t *testing.T) {
	c := fixBERTConfig()
	ids := []int{2, 5, 7, 12, 3, 0}
	fwd := func(m any) *tensor.Tensor { return m.(*BERTForMaskedLM).Forward(ids, nil, 1, 6) }
	saveLoadSame(t, NewBERTForMaskedLM(rng(1), c), NewBERTForMaskedLM(rng(2), c), fwd)
	fc := func(m any) *tensor.Tensor { return m.(*BERTForSequenceClassification).Forward(ids, nil, 1, 6) }
	saveLoadSame(t, NewBERTForSequenceClassification(rng(1), c, 3), NewBERTForSequenceClassification(rng(2), c, 3), fc)
}

func TestBERTGradCheck(t *testing.T) {
	c := BERTConfig{VocabSize: 5, Hidden: 4, Layers: 1, Heads: 2, Intermediate: 4, MaxPositions: 4, TypeVocabSize: 2, LayerNormEps: 1e-5}
	m := NewBERTForSequenceClassification(rng(5), c, 2)
	nn.SetTraining(m, false)
	// Larger weights than the 0.02 default so every path matters.
	for _, p := range nn.Params(m) {
		for i := range p.Data() {
			p.Data()[i] += 0.3 * float32(rng(uint64(i)).NormFloat64())
		}
	}
	l := m.BERT.Layers[0]
	ids, types := []int{1, 3, 4, 0}, []int{0, 0, 1, 1}
	tensortest.GradCheck(t, func(...*tensor.Tensor) *tensor.Tensor {
		return m.Forward(ids, types, 1, 4)
	}, l.Query.Weight, l.Value.Bias, l.Intermediate.Weight)
}

// Dropout is active in training mode only: two training passes differ,
// two evaluation passes agree.
func TestBERTDropoutModes(t *testing.T) {
	c := fixBERTConfig()
	c.Dropout = 0.3
	m := NewBERTForMaskedLM(rng(4), c)
	ids := []int{2, 5, 7, 12, 3, 4}
	if a, b := m.Forward(ids, nil, 1, 6), m.Forward(ids, nil, 1, 6); maxAbsDiff(a, b) == 0 {
		t.Fatal("training mode: two passes agree, dropout inactive")
	}
	nn.SetTraining(m, false)
	if a, b := m.Forward(ids, nil, 1, 6), m.Forward(ids, nil, 1, 6); maxAbsDiff(a, b) != 0 {
		t.Fatal("evaluation mode: two passes differ")
	}
}
