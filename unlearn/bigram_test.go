package unlearn

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
)

// bigramLM is a trainable bigram model: the logits after token w are row w
// of Table.
type bigramLM struct {
	Table *tensor.Tensor
}

func (m *bigramLM) VocabSize() int { return m.Table.Dim(1) }

func (m *bigramLM) Logits(ids []int, n, t int) *tensor.Tensor {
	return m.Table.IndexSelect(0, ids).Reshape(n, t, m.VocabSize())
}

// countTable returns the add-k smoothed log-probabilities of the bigram
// counts of seqs.
func countTable(seqs [][]int, v int, k float64) [][]float64 {
	c := make([][]float64, v)
	for i := range c {
		c[i] = slices.Repeat([]float64{k}, v)
	}
	for _, s := range seqs {
		for i := 0; i+1 < len(s); i++ {
			c[s[i]][s[i+1]]++
		}
	}
	for _, row := range c {
		var z float64
		for _, x := range row {
			z += x
		}
		for j := range row {
			row[j] = math.Log(row[j] / z)
		}
	}
	return c
}

// Spec oracle 6: with bigram "LMs" from count tables, LOO unlearning run to
// convergence makes the student's next-token distributions at the
// canary's positions equal the LOO ensemble's, and the canary's exposure
// falls from the base model's to within 0.5 bits of a model retrained
// without it.
func TestBigramClosedForm(t *testing.T) {
	const (
		eos     = 0
		digit0  = 10 // digits are ids 10..19
		my      = 20 // "my secret number is" are 20..23
		is      = 23
		v       = 24
		nShards = 3
	)
	rng := rand.New(rand.NewPCG(11, 12))
	// A random true bigram process over "<eos>", 8 words and 10 digits.
	truth := make([][]float64, v)
	for i := range truth {
		truth[i] = make([]float64, v)
		for j := range 20 {
			if j != UNK {
				truth[i][j] = math.Pow(rng.ExpFloat64(), 2)
			}
		}
	}
	sample := func() []int {
		s := []int{eos}
		for len(s) < 12 {
			row := truth[s[len(s)-1]]
			var z float64
			for _, x := range row {
				z += x
			}
			u := rng.Float64() * z
			next := eos
			for j, x := range row {
				if u -= x; u < 0 {
					next = j
					break
				}
			}
			s = append(s, next)
			if next == eos {
				break
			}
		}
		if s[len(s)-1] != eos {
			s = append(s, eos)
		}
		return s
	}
	shardSeqs := make([][][]int, nShards)
	for m := range shardSeqs {
		for range 4000 {
			shardSeqs[m] = append(shardSeqs[m], sample())
		}
	}
	prefix := []int{eos, my, my + 1, my + 2, is}
	secret := []int{digit0 + 3, digit0 + 1, digit0 + 4, digit0 + 5}
	canary := append(append(slices.Clone(prefix), secret...), eos)
	for range 20 {
		shardSeqs[0] = append(shardSeqs[0], canary)
	}
	var all [][]int
	for _, s := range shardSeqs {
		all = append(all, s...)
	}
	const k = 0.1
	teachers := make([]LM, nShards)
	for m := range teachers {
		teachers[m] = &tableLM{rows: countTable(shardSeqs[m], v, k)}
	}
	base := countTable(all, v, k)
	retrained := &tableLM{rows: countTable(Without(all, [][]int{canary}), v, k)}
	flat := make([]float32, 0, v*v)
	for _, row := range base {
		for _, x := range row {
			flat = append(flat, float32(x))
		}
	}
	student := &bigramLM{Table: tensor.New(flat, v, v).SetRequiresGrad(true)}
	baseLM := &tableLM{rows: base}

	// Reference secrets for the exposure.
	var refs [][]int
	seen := map[[4]int]bool{{secret[0], secret[1], secret[2], secret[3]}: true}
	for len(refs) < 2000 {
		var s [4]int
		for i := range s {
			s[i] = digit0 + rng.IntN(10)
		}
		if !seen[s] {
			seen[s] = true
			refs = append(refs, s[:])
		}
	}
	exposure := func(m LM) float64 {
		e, _, err := Exposures(m, prefix, [][]int{secret}, refs)
		if err != nil {
			t.Fatal(err)
		}
		return e[0]
	}

	ens := &Ensemble{Teachers: teachers}
	req := Request{Tokens: canary, Owner: 0, Start: len(prefix)}
	res, err := Unlearn(context.Background(), student, ens, []Request{req}, UnlearnConfig{Steps: 600, LR: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if res.Loss > 1e-4 {
		t.Errorf("KL after %d steps = %v, not converged", res.Steps, res.Loss)
	}
	// Stopping at the LOO ensemble's log-perplexity ends early, with the
	// student's at or above it.
	early := &bigramLM{Table: tensor.New(slices.Clone(flat), v, v).SetRequiresGrad(true)}
	res2, err := Unlearn(context.Background(), early, ens, []Request{req}, UnlearnConfig{Steps: 600, LR: 0.05, StopAtTarget: true})
	if err != nil {
		t.Fatal(err)
	}
	goal := SecretLogPerplexities(ens.LM(0), prefix, [][]int{secret})[0]
	if reached := SecretLogPerplexities(early, prefix, [][]int{secret})[0]; res2.Steps >= 600 || reached < goal-0.5 {
		t.Errorf("StopAtTarget: %d steps, secret at %.2f bits, LOO ensemble %.2f", res2.Steps, reached, goal)
	}
	q := rowsOf(ens.SoftLabels([][]int{canary}, []int{0})[0])
	got := rowsOf(student.Logits(canary, 1, len(canary)).Softmax(2).Reshape(len(canary), v))
	for _, p := range req.positions() {
		if !near(got[p], q[p], 2e-3) {
			t.Errorf("position %d: student %v, LOO ensemble %v", p, got[p], q[p])
		}
	}
	eBase, eStudent, eRetrain, eLOO := exposure(baseLM), exposure(student), exposure(retrained), exposure(ens.LM(0))
	t.Logf("exposure (bits, max %.2f): base %.2f, after LOO %.2f, LOO ensemble %.2f, retrained without %.2f",
		math.Log2(float64(len(refs))), eBase, eStudent, eLOO, eRetrain)
	if eBase < eRetrain+2 {
		t.Errorf("base exposure %v, retrained %v: the canary is not memorised", eBase, eRetrain)
	}
	if math.Abs(eStudent-eRetrain) > 0.5 {
		t.Errorf("exposure after LOO unlearning %v, retrained without the canary %v: differ by more than 0.5 bits", eStudent, eRetrain)
	}
}
