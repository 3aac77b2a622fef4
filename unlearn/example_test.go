package unlearn

import (
	"context"
	"fmt"
	"math"

	"github.com/cairn-ml/cairn/tensor"
)

// Leave-one-out unlearning of a bigram student on a 3-token vocabulary:
// the student learned "2 → 1" from the owner's shard (p = 0.90); the two
// other teachers, which never saw the sequence, put 0.20 and 0.40 on it, so
// the student is distilled toward their mean, 0.30.
func ExampleUnlearn() {
	teacher := func(after2 ...float64) LM {
		rows := [][]float64{{0, 0, 0}, {0, 0, 0}, make([]float64, 3)}
		for j, p := range after2 {
			rows[2][j] = math.Log(p)
		}
		return &tableLM{rows: rows}
	}
	ens := &Ensemble{Teachers: []LM{teacher(.05, .9, .05), teacher(.4, .2, .4), teacher(.3, .4, .3)}}
	student := &bigramLM{Table: tensor.New([]float32{
		0, 0, 0,
		0, 0, 0,
		-3, 0, -3, // after token 2: p(1) ≈ 0.91
	}, 3, 3).SetRequiresGrad(true)}
	seq := []int{0, 2, 1}
	before := TokenLogProbs(student, [][]int{seq})[0][1]
	res, err := Unlearn(context.Background(), student, ens, []Request{{Tokens: seq, Owner: 0, Start: 2}}, UnlearnConfig{Steps: 300, LR: 0.05})
	if err != nil {
		fmt.Println(err)
		return
	}
	after := TokenLogProbs(student, [][]int{seq})[0][1]
	fmt.Printf("p(1 | 2): %.2f -> %.2f after %d steps\n", math.Exp(before), math.Exp(after), res.Steps)
	// Output: p(1 | 2): 0.91 -> 0.30 after 300 steps
}
