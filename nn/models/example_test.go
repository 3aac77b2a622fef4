package models_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
)

// The default configurations are small; parameter counts include each
// tied weight once. By hand: BERT embeddings 1000·128 + 128·128 + 2·128 +
// 256 = 144896, each layer 4·16512 + 66048 + 65664 + 2·256 = 198272, the
// MLM head 16512 + 256 + 1000; GPT wte + wpe 144384, each block 198272,
// ln_f 256; T5 shared 128000, encoder blocks 196864 (+128 relative bias in
// the first) and final norm 128, decoder blocks 262528 (+128) and 128.
func Example_parameterCounts() {
	rng := rand.New(rand.NewPCG(1, 2))
	fmt.Println("BERT MLM:", nn.NumParams(models.NewBERTForMaskedLM(rng, models.DefaultBERTConfig())))
	fmt.Println("GPT:", nn.NumParams(models.NewGPT(rng, models.DefaultGPTConfig())))
	fmt.Println("T5:", nn.NumParams(models.NewT5(rng, models.DefaultT5Config())))
	// Output:
	// BERT MLM: 559208
	// GPT: 541184
	// T5: 1047296
}

// Generate continues a prompt greedily, reusing the keys and values of
// earlier positions.
func ExampleGPT_Generate() {
	rng := rand.New(rand.NewPCG(1, 2))
	c := models.DefaultGPTConfig()
	c.VocabSize = 10
	m := models.NewGPT(rng, c)
	nn.SetTraining(m, false)
	out := m.Generate([]int{1, 2, 3}, 5, models.Greedy, nil)
	fmt.Println(len(out))
	// Output: 5
}
