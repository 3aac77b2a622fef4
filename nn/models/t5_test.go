package models

import (
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// fixT5Config is T5C in testdata/models.py.
func fixT5Config() T5Config {
	return T5Config{VocabSize: 13, DModel: 8, DKV: 4, DFF: 16, Heads: 2, Layers: 2, DecoderLayers: 2,
		NumBuckets: 8, MaxDistance: 16, LayerNormEps: 1e-6, PadID: 0, EOSID: 1, DecoderStartID: 0}
}

func TestT5Torch(t *testing.T) {
	f := torchfix.Load(t, "testdata/t5.json")
	m := NewT5(rng(1), fixT5Config())
	loadFixture(t, f, m)
	src, labels := f.Ints(t, "src"), f.Ints(t, "labels")
	if got, want := m.ShiftRight(labels, 2, 5), f.Ints(t, "dec"); !slices.Equal(got, want) {
		t.Fatalf("ShiftRight %v, want %v", got, want)
	}
	logits := m.Forward(src, 2, 8, m.ShiftRight(labels, 2, 5), 5)
	checkFixture(t, f, m, logits, m.Loss(src, 2, 8, labels, 5))
}

// The bucket function agrees with HF's on relative positions -140..140
// for the fixture's (8, 16) and T5's (32, 128) settings.
func TestT5RelativeBucketTorch(t *testing.T) {
	f := torchfix.Load(t, "testdata/t5.json")
	rel, want := f.Ints(t, "rel"), f.Ints(t, "buckets")
	cases := []struct {
		bidir     bool
		nb, md, k int
	}{{true, 8, 16, 1}, {false, 8, 16, 1}, {true, 32, 128, 1}, {true, 32, 128, 7}, {false, 32, 128, 7}}
	for ci, c := range cases {
		for i, r := range rel {
			if got, w := relativeBucket(r*c.k, c.bidir, c.nb, c.md), want[ci*len(rel)+i]; got != w {
				t.Errorf("bucket(%d, bidirectional %v, %d, %d) = %d, want %d", r*c.k, c.bidir, c.nb, c.md, got, w)
			}
		}
	}
}

func TestT5ShapesAndNames(t *testing.T) {
	c := DefaultT5Config()
	m := NewT5(rng(1), c)
	nn.SetTraining(m, false)
	src := randIDs(rng(2), 2*7, 2, c.VocabSize)
	if got := m.Encode(src, 2, 7).Shape(); !slices.Equal(got, []int{2, 7, c.DModel}) {
		t.Fatalf("encoder output shape %v", got)
	}
	if got := m.Forward(src, 2, 7, randIDs(rng(3), 2*4, 0, c.VocabSize), 4).Shape(); !slices.Equal(got, []int{2, 4, c.VocabSize}) {
		t.Fatalf("logits shape %v", got)
	}
	var names []string
	for _, n := range nn.StateDict(m) {
		names = append(names, n.Name)
	}
	for _, w := range []string{"shared.weight", "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
		"encoder.block.1.layer.1.DenseReluDense.wo.weight", "encoder.final_layer_norm.weight",
		"decoder.block.1.layer.1.EncDecAttention.k.weight", "decoder.block.0.layer.2.layer_norm.weight"} {
		if !slices.Contains(names, w) {
			t.Errorf("state has no %q", w)
		}
	}
	if slices.Contains(names, "encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight") {
		t.Errorf("relative bias outside the first block")
	}
}

// Decoding through the cache gives the logits of full recomputation, and
// cached greedy generation the same tokens as uncached.
func TestT5GenerateCache(t *testing.T) {
	c := fixT5Config()
	c.VocabSize, c.DModel, c.DFF = 40, 16, 32
	m := NewT5(rng(11), c)
	nn.SetTraining(m, false)
	src := []int{5, 17, 30, 3, 9, 22, 1}
	dec := []int{0, 7, 19, 33, 4, 8, 26, 2}
	enc := m.Encode(src, 1, len(src))
	full := m.decode(dec, 1, len(dec), enc, src, nil)
	nb := len(m.Decoder.Blocks)
	cache := &t5Cache{k: make([]*tensor.Tensor, nb), v: make([]*tensor.Tensor, nb), ck: make([]*tensor.Tensor, nb), cv: make([]*tensor.Tensor, nb)}
	var parts []*tensor.Tensor
	for _, sp := range [][2]int{{0, 3}, {3, 4}, {4, 8}} {
		parts = append(parts, m.decode(dec[sp[0]:sp[1]], 1, sp[1]-sp[0], enc, src, cache))
	}
	if d := maxAbsDiff(tensor.Concat(1, parts...), full); d > 1e-5 {
		t.Fatalf("cached decoder logits differ from full recomputation by %g", d)
	}
	a := m.Generate(src, 20)
	b := m.generate(src, 20, false)
	if !slices.Equal(a, b) || len(a) < 5 {
		t.Fatalf("greedy with cache %v\nwithout cache %v", a, b)
	}
}

func TestT5SaveLoad(t *testing.T) {
	c := fixT5Config()
	fwd := func(m any) *tensor.Tensor { return m.(*T5).Forward([]int{5, 7, 2, 1}, 1, 4, []int{0, 4, 9}, 3) }
	saveLoadSame(t, NewT5(rng(1), c), NewT5(rng(2), c), fwd)
}

func TestT5GradCheck(t *testing.T) {
	c := T5Config{VocabSize: 5, DModel: 4, DKV: 2, DFF: 4, Heads: 2, Layers: 1, DecoderLayers: 1,
		NumBuckets: 4, MaxDistance: 8, LayerNormEps: 1e-6, EOSID: 1}
	m := NewT5(rng(5), c)
	nn.SetTraining(m, false)
	e, d := m.Encoder.Blocks[0], m.Decoder.Blocks[0]
	tensortest.GradCheck(t, func(...*tensor.Tensor) *tensor.Tensor {
		return m.Forward([]int{2, 3, 4, 1}, 1, 4, []int{0, 2, 4}, 3)
	}, e.SelfAttn.SelfAttention.RelativeAttentionBias.Weight, d.SelfAttn.SelfAttention.RelativeAttentionBias.Weight,
		d.CrossAttn.EncDecAttention.Q.Weight, e.FF.LayerNorm.Weight)
}
