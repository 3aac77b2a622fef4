package local_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/prompt/local"
	"github.com/cairn-ml/cairn/text"
)

// A tiny untrained GPT with a byte-level BPE served as a prompt.LM.
func ExampleNew() {
	tok, err := text.BPETrainer{VocabSize: 280, MinFrequency: 1}.Train([]string{"show me flights from boston", "list all flights"})
	if err != nil {
		panic(err)
	}
	c := models.GPTConfig{VocabSize: tok.VocabSize(), Hidden: 16, Layers: 1, Heads: 2, MaxPositions: 32, LayerNormEps: 1e-5}
	var lm prompt.LM = local.New(models.NewGPT(rand.New(rand.NewPCG(1, 2)), c), tok)

	ctx := context.Background()
	s, err := lm.Score(ctx, "show me", " flights")
	fmt.Println(s.Tokens, s.Total < 0, err)
	_, err = lm.Score(ctx, "show me", " flights from boston to denver and back again, twice a day")
	fmt.Println(err)
	// Output:
	// [ flights] true <nil>
	// local: score: prefix of 2 tokens and continuation of 42 exceed the model's 32 positions
}
