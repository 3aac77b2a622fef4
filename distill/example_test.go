package distill_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/tensor"
)

func ExampleParseCoT() {
	out := "The answer must be a place with trees. Of the above choices, only wooded areas have trees. " +
		"So the answer is (c) wooded area.\n\nQ: What do people eat?\nAnswer Choices:\n(a) food"
	r, y, err := distill.ParseCoT(distill.CQA, out)
	fmt.Printf("%q\n%q %v\n", r, y, err)
	// Output:
	// "The answer must be a place with trees. Of the above choices, only wooded areas have trees."
	// "wooded area" <nil>
}

func ExampleTaskPrefixPairs() {
	ex := distill.Example{
		Input:     distill.CQAInput("Where do beavers get wood?", []string{"zoo", "river", "wooded area", "shop", "sky"}),
		Label:     "wooded area",
		Rationale: "Beavers cut trees, which grow in wooded areas.",
	}
	p, e := distill.TaskPrefixPairs(ex, distill.GoldLabels)
	fmt.Printf("%q -> %q\n", p.Input, p.Target)
	fmt.Printf("%q -> %q\n", e.Input[:20], e.Target)
	// Output:
	// "predict: Where do beavers get wood?\nAnswer Choices:\n(a) zoo\n(b) river\n(c) wooded area\n(d) shop\n(e) sky" -> "wooded area"
	// "explain: Where do be" -> "Beavers cut trees, which grow in wooded areas."
}

// charTok is a character tokenizer for the example: ids 2.. for the
// letters it has seen, 0 pad, 1 end of sequence.
type charTok map[rune]int

func (c charTok) Encode(s string) []int {
	var ids []int
	for _, r := range s {
		if _, ok := c[r]; !ok {
			c[r] = len(c) + 2
		}
		ids = append(ids, c[r])
	}
	return ids
}

func (c charTok) Decode(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		for r, j := range c {
			if j == id {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

func ExampleMultiTaskLoss() {
	tok := charTok{}
	enc := distill.Encoding{PadID: 0, EOSID: 1, MaxInput: 1024, MaxTarget: 256}
	exs := []distill.Example{
		{Input: distill.NLIInput("a cat", "an animal"), Label: "entailment", Rationale: "a cat is an animal"},
		{Input: distill.NLIInput("a dog", "a cat"), Label: "contradiction", Rationale: "a dog is not a cat"},
	}
	var pred, expl []distill.Pair
	for _, ex := range exs {
		p, e := distill.TaskPrefixPairs(ex, distill.GoldLabels)
		pred, expl = append(pred, p), append(expl, e)
	}
	pb, eb := enc.Batch(tok, pred), enc.Batch(tok, expl)
	cfg := models.DefaultT5Config()
	cfg.VocabSize, cfg.Dropout = 64, 0
	m := models.NewT5(rand.New(rand.NewPCG(1, 2)), cfg)
	loss := distill.MultiTaskLoss(m, pb, eb, 0.5)
	fmt.Println(pb.N, pb.S, pb.T, eb.T, loss.Item() > 0)
	// Output: 2 25 14 19 true
}

func ExampleKD() {
	student := tensor.New([]float32{1, 2, 3, 0, 0, 0}, 2, 3)
	teacher := tensor.New([]float32{1, 2, 3, 3, 0, 0}, 2, 3)
	k := distill.KD{T: 2, Alpha: 1}
	// Row 0 agrees with the teacher: only row 1 costs (PyTorch's
	// kl_div(..., "batchmean")·T² gives 0.5336 too), and dropping it
	// (label -100) leaves nothing but row 0.
	fmt.Printf("%.4f\n", k.Loss(student, teacher, []int{2, 0}).Item())
	fmt.Printf("%.4f\n", k.Loss(student, teacher, []int{2, nn.DefaultIgnoreIndex}).Item())
	// Output:
	// 0.5336
	// 0.0000
}

func ExampleSubsample() {
	fmt.Println(distill.Subsample(16, 0.25, 1))
	fmt.Println(distill.Subsample(16, 0.5, 1)) // starts with the 25% subset
	// Output:
	// [9 5 10 7]
	// [9 5 10 7 13 12 6 4]
}

func ExampleReadPredictions() {
	jsonl := `{"id": "q1", "probs": [0.7, 0.2, 0.1]}
{"id": "q2", "logits": [2.5, -1, 0.3]}
{"id": "q3", "probs": [0.5, 0.5]}
`
	_, err := distill.ReadPredictions(strings.NewReader(jsonl))
	fmt.Println(err)
	// Output: distill: line 3: 2 class scores, line 1 has 3
}
