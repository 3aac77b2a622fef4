package unlearn

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// tableLM is a fixed bigram model: the logits after token w are Rows[w].
// It counts the sequences it is run on.
type tableLM struct {
	rows  [][]float64
	calls int
}

func (m *tableLM) VocabSize() int { return len(m.rows[0]) }

func (m *tableLM) Logits(ids []int, n, t int) *tensor.Tensor {
	m.calls += n
	v := m.VocabSize()
	data := make([]float32, 0, n*t*v)
	for _, id := range ids {
		for _, x := range m.rows[id] {
			data = append(data, float32(x))
		}
	}
	return tensor.New(data, n, t, v)
}

// constLM returns a tableLM whose next-token distribution is p after every
// token of a vocabulary of len(p).
func constLM(p ...float64) *tableLM {
	rows := make([][]float64, len(p))
	for i := range rows {
		rows[i] = make([]float64, len(p))
		for j, x := range p {
			rows[i][j] = math.Log(x)
		}
	}
	return &tableLM{rows: rows}
}

func rowsOf(q *tensor.Tensor) [][]float64 {
	v := q.Dim(1)
	d := q.Data()
	out := make([][]float64, q.Dim(0))
	for i := range out {
		out[i] = make([]float64, v)
		for j := range v {
			out[i][j] = float64(d[i*v+j])
		}
	}
	return out
}

func near(a, b []float64, tol float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return len(a) == len(b)
}

// Spec oracle 3.
func TestLOOAggregator(t *testing.T) {
	p1, p2, p3 := []float64{.7, .2, .1}, []float64{.1, .6, .3}, []float64{.2, .2, .6}
	seqs := [][]int{{0, 1, 2}, {2, 2}, {1, 0, 0, 1}}
	for _, op := range []AggOp{Mean, SizeWeighted, Geometric} {
		// M = 2: the LOO label is the other teacher's distribution, and the
		// owner's teacher is never run.
		a, b := constLM(p1...), constLM(p2...)
		e := &Ensemble{Teachers: []LM{a, b}, Sizes: []float64{5, 1}, Op: op}
		for _, q := range e.SoftLabels(seqs, []int{0, 0, 0}) {
			for _, row := range rowsOf(q) {
				if !near(row, p2, 1e-6) {
					t.Errorf("op %d: LOO row %v, want the non-owner's %v", op, row, p2)
				}
			}
		}
		if a.calls != 0 || b.calls != 3 {
			t.Errorf("op %d: owner ran on %d sequences, other on %d; want 0 and 3", op, a.calls, b.calls)
		}
		// Identical teachers: the aggregate is their distribution.
		same := &Ensemble{Teachers: []LM{constLM(p3...), constLM(p3...), constLM(p3...)}, Sizes: []float64{1, 2, 3}, Op: op}
		for _, q := range same.SoftLabels(seqs, []int{1, -1, 2}) {
			for _, row := range rowsOf(q) {
				if !near(row, p3, 1e-6) {
					t.Errorf("op %d: identical teachers give %v, want %v", op, row, p3)
				}
			}
		}
	}
	// Hand-computed aggregates of p1, p2 (owner p3 excluded).
	sq := func(x, y float64) float64 { return math.Sqrt(x * y) }
	z := sq(.7, .1) + sq(.2, .6) + sq(.1, .3)
	tau2 := func(p []float64) []float64 { // softmax(log p / 2)
		s := math.Sqrt(p[0]) + math.Sqrt(p[1]) + math.Sqrt(p[2])
		return []float64{math.Sqrt(p[0]) / s, math.Sqrt(p[1]) / s, math.Sqrt(p[2]) / s}
	}
	t1, t2 := tau2(p1), tau2(p2)
	for _, c := range []struct {
		e    Ensemble
		want []float64
	}{
		{Ensemble{Op: Mean}, []float64{.4, .4, .2}},
		{Ensemble{Op: SizeWeighted, Sizes: []float64{3, 1, 100}}, []float64{.55, .3, .15}},
		{Ensemble{Op: Geometric}, []float64{sq(.7, .1) / z, sq(.2, .6) / z, sq(.1, .3) / z}},
		{Ensemble{Op: Mean, Temperature: 2}, []float64{(t1[0] + t2[0]) / 2, (t1[1] + t2[1]) / 2, (t1[2] + t2[2]) / 2}},
	} {
		c.e.Teachers = []LM{constLM(p1...), constLM(p2...), constLM(p3...)}
		q := rowsOf(c.e.SoftLabels([][]int{{0, 1}}, []int{2})[0])
		for _, row := range q {
			if !near(row, c.want, 1e-6) {
				t.Errorf("%+v: row %v, want %v", c.e.Op, row, c.want)
			}
			if s := row[0] + row[1] + row[2]; math.Abs(s-1) > 1e-6 {
				t.Errorf("row sums to %v", s)
			}
		}
		// The ensemble as an LM gives the same distribution.
		lm := c.e.LM(2)
		got := lm.Logits([]int{0, 1}, 1, 2).Softmax(2).Data()
		if !near([]float64{float64(got[0]), float64(got[1]), float64(got[2])}, c.want, 1e-6) {
			t.Errorf("%+v: Ensemble.LM gives %v, want %v", c.e.Op, got[:3], c.want)
		}
	}
}

// Spec oracle 4: the loss is KL(q‖p), zero with a zero gradient at p = q,
// and its gradient passes the finite-difference check.
func TestSoftLabelLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	q := tensor.Uniform(rng, -2, 2, 4, 5).Softmax(1)
	logits := q.Log().AddScalar(3).SetRequiresGrad(true) // shift: same softmax
	loss := SoftLabelLoss(logits, q)
	loss.Backward()
	if v := loss.Item(); math.Abs(float64(v)) > 1e-6 {
		t.Errorf("KL at equality = %v", v)
	}
	for _, g := range logits.Grad().Data() {
		if math.Abs(float64(g)) > 1e-6 {
			t.Fatalf("gradient at equality %v", logits.Grad().Data())
		}
	}
	// Hand value: q = (.5, .5), p = (.9, .1): KL = .5 ln(.5/.9) + .5 ln(.5/.1).
	got := SoftLabelLoss(tensor.New([]float32{float32(math.Log(.9)), float32(math.Log(.1))}, 1, 2), tensor.New([]float32{.5, .5}, 1, 2)).Item()
	if want := .5*math.Log(.5/.9) + .5*math.Log(.5/.1); math.Abs(float64(got)-want) > 1e-6 {
		t.Errorf("KL = %v, want %v", got, want)
	}
	x := tensor.Uniform(rng, -1, 1, 3, 4)
	tgt := tensor.Uniform(rng, -1, 1, 3, 4).Softmax(1)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return SoftLabelLoss(in[0], tgt) }, x)
}

// Two teachers on a 3-token vocabulary; the leave-one-out labels for a
// sequence owned by teacher 0 come from teacher 1 alone.
func ExampleEnsemble_SoftLabels() {
	uniformAfter := func(p ...float64) *tableLM { return constLM(p...) }
	e := &Ensemble{Teachers: []LM{uniformAfter(.8, .1, .1), uniformAfter(.2, .3, .5), uniformAfter(.2, .5, .3)}}
	q := e.SoftLabels([][]int{{0, 2}}, []int{0})[0]
	fmt.Printf("%.2f\n", q.Data()[:3])
	full := e.SoftLabels([][]int{{0, 2}}, []int{-1})[0]
	fmt.Printf("%.2f\n", full.Data()[:3])
	// Output:
	// [0.20 0.40 0.40]
	// [0.40 0.30 0.30]
}

// Alternating teaching: a student taught at every position by a random
// teacher converges to the teachers' mean (the minimiser of the expected
// KL); excluding the owner, to the other teacher alone.
func TestTrainAlternating(t *testing.T) {
	p1, p2 := []float64{.6, .3, .1}, []float64{.2, .2, .6}
	ens := &Ensemble{Teachers: []LM{constLM(p1...), constLM(p2...)}}
	seqs := [][]int{{0, 1, 2, 0}, {2, 1, 0}}
	for _, c := range []struct {
		owners []int
		want   []float64
	}{
		{nil, []float64{.4, .25, .35}},
		{[]int{0, 0}, p2},
	} {
		student := &bigramLM{Table: tensor.Zeros(3, 3).SetRequiresGrad(true)}
		_, err := TrainAlternating(context.Background(), student, ens, seqs, c.owners, TrainConfig{Epochs: 1500, BatchSize: 2, LR: 0.01, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rowsOf(student.Table.Detach().Softmax(1)) {
			if !near(row, c.want, 0.03) {
				t.Errorf("owners %v: student row %v, want %v", c.owners, row, c.want)
			}
		}
	}
}
