package unlearn

import (
	"fmt"
	"math"
	"slices"

	"github.com/cairn-ml/cairn/tensor"
)

// AggOp is how an Ensemble combines its teachers' next-token distributions.
type AggOp int

const (
	// Mean averages the probabilities: q = (1/k) Σ_m p_m.
	Mean AggOp = iota
	// SizeWeighted averages the probabilities weighted by the teachers'
	// training-set sizes: q = Σ_m w_m p_m, w_m ∝ Sizes[m].
	SizeWeighted
	// Geometric is the normalised weighted geometric mean (a log-linear
	// pool): q ∝ exp(Σ_m w_m log p_m), with the weights of Mean.
	Geometric
)

// Ensemble is a set of teacher models, each trained on one shard, and how
// to aggregate them. The teachers are only read.
type Ensemble struct {
	Teachers []LM
	// Sizes are the teachers' training-set sizes (tokens), for
	// SizeWeighted.
	Sizes []float64
	Op    AggOp
	// Temperature divides every teacher's logits before the softmax
	// (0 means 1).
	Temperature float64
}

// weights returns the normalised weight of each teacher, 0 for excluded
// ones. It panics on an unusable configuration.
func (e *Ensemble) weights(exclude int) []float64 {
	k := len(e.Teachers)
	if k == 0 || (k == 1 && exclude == 0) {
		panic(fmt.Sprintf("unlearn.Ensemble: %d teachers with teacher %d excluded leaves none", k, exclude))
	}
	if exclude < -1 || exclude >= k {
		panic(fmt.Sprintf("unlearn.Ensemble: excluded teacher %d out of range [-1, %d)", exclude, k))
	}
	w := make([]float64, k)
	var z float64
	for m := range w {
		if m == exclude {
			continue
		}
		w[m] = 1
		if e.Op == SizeWeighted {
			if len(e.Sizes) != k || !(e.Sizes[m] > 0) {
				panic(fmt.Sprintf("unlearn.Ensemble: SizeWeighted needs a positive size per teacher, have %v for %d teachers", e.Sizes, k))
			}
			w[m] = e.Sizes[m]
		}
		z += w[m]
	}
	for m := range w {
		w[m] /= z
	}
	return w
}

// teacherLogProbs returns log softmax(logits/τ) of teacher m on seqs, one
// flattened (len, V) slice per sequence.
func (e *Ensemble) teacherLogProbs(m int, seqs [][]int) [][]float64 {
	tau := e.Temperature
	if tau == 0 {
		tau = 1
	}
	if !(tau > 0) {
		panic(fmt.Sprintf("unlearn.Ensemble: temperature %v", e.Temperature))
	}
	t := e.Teachers[m]
	out := make([][]float64, len(seqs))
	restore := inference(t)
	defer restore()
	for s := 0; s < len(seqs); s += scoreBatch {
		batch := seqs[s:min(s+scoreBatch, len(seqs))]
		ids, n, l := pad(batch)
		lp := t.Logits(ids, n, l).MulScalar(float32(1 / tau)).LogSoftmax(2).Data()
		v := len(lp) / (n * l)
		for j, q := range batch {
			row := make([]float64, len(q)*v)
			for i := range row {
				row[i] = float64(lp[j*l*v+i])
			}
			out[s+j] = row
		}
	}
	return out
}

// aggregate combines the teachers other than exclude (-1: none) on seqs
// and returns one flattened (len, V) probability slice per sequence. The
// excluded teacher is not run.
func (e *Ensemble) aggregate(seqs [][]int, exclude int) [][]float64 {
	w := e.weights(exclude)
	out := make([][]float64, len(seqs))
	for m, wm := range w {
		if m == exclude {
			continue
		}
		lps := e.teacherLogProbs(m, seqs)
		for i, lp := range lps {
			if out[i] == nil {
				out[i] = make([]float64, len(lp))
			}
			for j, x := range lp {
				if e.Op == Geometric {
					out[i][j] += wm * x
				} else {
					out[i][j] += wm * math.Exp(x)
				}
			}
		}
	}
	if e.Op == Geometric {
		v := e.Teachers[0].VocabSize()
		for _, q := range out {
			for r := 0; r < len(q); r += v {
				row := q[r : r+v]
				mx := slices.Max(row)
				var z float64
				for j := range row {
					row[j] = math.Exp(row[j] - mx)
					z += row[j]
				}
				for j := range row {
					row[j] /= z
				}
			}
		}
	}
	return out
}

// SoftLabels returns, for each sequence, the aggregated next-token
// distribution at each of its positions, a (len, V) tensor whose row i is
// the distribution of token i+1: the aggregate over every teacher except
// owners[i], whose teacher is never run on the sequence. An owner of -1
// aggregates all teachers (the full ensemble). Sequences of the same owner
// are scored in one batch per teacher.
func (e *Ensemble) SoftLabels(seqs [][]int, owners []int) []*tensor.Tensor {
	if len(owners) != len(seqs) {
		panic(fmt.Sprintf("unlearn.Ensemble.SoftLabels: %d sequences, %d owners", len(seqs), len(owners)))
	}
	v := e.Teachers[0].VocabSize()
	out := make([]*tensor.Tensor, len(seqs))
	groups := map[int][]int{}
	var keys []int
	for i, o := range owners {
		if _, ok := groups[o]; !ok {
			keys = append(keys, o)
		}
		groups[o] = append(groups[o], i)
	}
	for _, o := range keys {
		idx := groups[o]
		batch := make([][]int, len(idx))
		for j, i := range idx {
			batch[j] = seqs[i]
		}
		for j, q := range e.aggregate(batch, o) {
			data := make([]float32, len(q))
			for k, x := range q {
				data[k] = float32(x)
			}
			out[idx[j]] = tensor.New(data, len(seqs[idx[j]]), v)
		}
	}
	return out
}

// LM returns the ensemble without teacher exclude (-1: with all) as a
// language model whose logits are the log of the aggregated
// probabilities: the deployed model of SISA, or the leave-one-out
// reference a forgotten sequence's student should approach. It records no
// graph.
func (e *Ensemble) LM(exclude int) LM {
	e.weights(exclude) // validate now
	return &ensembleLM{e: e, exclude: exclude}
}

type ensembleLM struct {
	e       *Ensemble
	exclude int
}

func (m *ensembleLM) VocabSize() int { return m.e.Teachers[0].VocabSize() }

// MaxLen is the shortest context of the teachers (0: all unlimited), so
// that scoring splits longer sequences into windows as for one model.
func (m *ensembleLM) MaxLen() int {
	n := 0
	for _, t := range m.e.Teachers {
		if l := maxLen(t); l > 0 && (n == 0 || l < n) {
			n = l
		}
	}
	return n
}

func (m *ensembleLM) Logits(ids []int, n, t int) *tensor.Tensor {
	seqs := make([][]int, n)
	for i := range seqs {
		seqs[i] = ids[i*t : (i+1)*t]
	}
	v := m.VocabSize()
	data := make([]float32, 0, n*t*v)
	for _, q := range m.e.aggregate(seqs, m.exclude) {
		for _, x := range q {
			data = append(data, float32(math.Log(x)))
		}
	}
	return tensor.New(data, n, t, v)
}
