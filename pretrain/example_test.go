package pretrain_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/pretrain"
	"github.com/cairn-ml/cairn/tensor"
)

// Ids: 0 PAD, 1 CLS, 2 SEP, 3 MASK, 4 BOS, 5 EOS; words from 10.
var sp = pretrain.Special{PAD: 0, CLS: 1, SEP: 2, MASK: 3, BOS: 4, EOS: 5, VocabSize: 100}

func ExampleMLM_Apply() {
	rng := rand.New(rand.NewPCG(1, 2))
	tokens := []int{1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 2}
	m := pretrain.MLM{Special: sp, MaxPredictions: 4}
	ex := m.Apply(tokens, nil, rng)
	fmt.Println("inputs   ", ex.Inputs)
	fmt.Println("positions", ex.Positions)
	fmt.Println("labels   ", ex.Labels)
	fmt.Println("weights  ", ex.Weights)
	// Output:
	// inputs    [1 10 11 12 3 14 15 16 17 18 19 20 21 2]
	// positions [4 5 0 0]
	// labels    [13 14 0 0]
	// weights   [1 1 0 0]
}

func ExampleMasker() {
	k := pretrain.NewMasker(pretrain.MLM{Special: sp, MaxPredictions: 2}, rand.New(rand.NewPCG(1, 2)))
	tokens := []int{1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 2}
	for epoch := 0; epoch < 3; epoch++ {
		fmt.Println(k.Mask(tokens, nil).Inputs) // a new mask every time
	}
	// Output:
	// [1 10 11 3 13 3 15 16 17 18 19 2]
	// [1 10 3 12 13 14 15 16 3 18 19 2]
	// [1 10 11 12 13 14 15 16 17 18 3 2]
}

func ExampleTextInfilling() {
	rng := rand.New(rand.NewPCG(1, 2))
	tokens := []int{4, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 5}
	infilled := pretrain.TextInfilling(sp, 0.3, 3)(tokens, rng)
	fmt.Println(infilled) // spans replaced by one MASK each
	fmt.Println(pretrain.DocumentRotation(sp)(infilled, rng))
	// Output:
	// [4 10 11 12 13 3 19 5]
	// [4 12 13 3 19 10 11 5]
}

func ExampleReplace() {
	rng := rand.New(rand.NewPCG(1, 2))
	tokens := []int{1, 10, 11, 12, 13, 14, 15, 16, 2}
	ex := pretrain.ELECTRAMask(pretrain.MLM{Special: sp, MaxPredictions: 2}, tokens, nil, rng)
	// Generator logits over a vocabulary of 100, one row per prediction.
	logits := tensor.Zeros(2, 100)
	samples := pretrain.SampleLogits(logits, 1, rng)
	inputs, labels := pretrain.Replace(ex, samples)
	fmt.Println(inputs)
	fmt.Println(labels)
	// Output:
	// [1 10 33 12 13 14 15 16 2]
	// [0 0 1 0 0 0 0 0 0]
}

func ExampleScalarMix() {
	mix := pretrain.NewScalarMix(2)
	h1 := tensor.New([]float32{1, 2}, 1, 2)
	h2 := tensor.New([]float32{3, 6}, 1, 2)
	fmt.Println(mix.Forward(h1, h2)) // equal weights: the mean
	// Output:
	// Tensor[1 2] [[2 4]]
}

func ExampleSOP() {
	rng := rand.New(rand.NewPCG(1, 2))
	docs := [][][]int{{{10, 11}, {12, 13}, {14}}}
	for _, p := range pretrain.SOP(pretrain.PairConfig{Special: sp, MaxSeqLen: 16, ShortSeqProb: -1}, docs, 0, rng) {
		fmt.Println(p.Tokens, p.Segments, p.Label)
	}
	// Output:
	// [1 10 11 2 12 13 14 2] [0 0 0 0 1 1 1 1] 0
}
