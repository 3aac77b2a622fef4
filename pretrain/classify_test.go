package pretrain

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// bagModel is a bag-of-tokens pair classifier: the logits of a row are the
// sum of W's rows (vocab, classes) over its tokens, so hand-set weights
// give known predictions. It records the batches it is given.
type bagModel struct {
	W     *tensor.Tensor
	calls [][]int // ids of each Forward call
	types [][]int
}

func newBag(vocab, classes int) *bagModel {
	return &bagModel{W: tensor.Zeros(vocab, classes).SetRequiresGrad(true)}
}

func (b *bagModel) Forward(ids, typeIDs []int, n, t int) *tensor.Tensor {
	if len(ids) != n*t || len(typeIDs) != n*t {
		panic("bagModel: bad batch shape")
	}
	b.calls = append(b.calls, slices.Clone(ids))
	b.types = append(b.types, slices.Clone(typeIDs))
	v := b.W.Shape()[0]
	x := make([]float32, n*v)
	for i, id := range ids {
		x[i/t*v+id]++
	}
	return tensor.New(x, n, v).MatMul(b.W)
}

func (b *bagModel) Loss(ids, typeIDs, labels []int, n, t int) *tensor.Tensor {
	return nn.CrossEntropy(b.Forward(ids, typeIDs, n, t), labels)
}

// TestBatchPairs checks a hand-built batch: rows padded with pad in the
// ids and 0 in the segments to the longest pair, labels in order.
func TestBatchPairs(t *testing.T) {
	ps := []Pair{
		{Tokens: []int{1, 8, 2, 9, 2}, Segments: []int{0, 0, 0, 1, 1}, Label: 0},
		{Tokens: []int{1, 5, 6, 2, 7, 2}, Segments: []int{0, 0, 0, 0, 1, 1}, Label: 2},
		{Tokens: []int{1, 2, 3, 2}, Segments: []int{0, 0, 1, 1}, Label: 1},
	}
	ids, types, labels, n := BatchPairs(ps, 99)
	if n != 6 ||
		!slices.Equal(ids, []int{1, 8, 2, 9, 2, 99, 1, 5, 6, 2, 7, 2, 1, 2, 3, 2, 99, 99}) ||
		!slices.Equal(types, []int{0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0}) ||
		!slices.Equal(labels, []int{0, 2, 1}) {
		t.Errorf("got ids %v types %v labels %v t %d", ids, types, labels, n)
	}
	if ids, _, labels, n := BatchPairs(nil, 0); len(ids) != 0 || len(labels) != 0 || n != 0 {
		t.Errorf("no pairs: ids %v labels %v t %d", ids, labels, n)
	}
	defer func() {
		if recover() == nil {
			t.Error("segments shorter than tokens: no panic")
		}
	}()
	BatchPairs([]Pair{{Tokens: []int{1, 2}, Segments: []int{0}}}, 0)
}

// TestPairAccuracy sets the weights so that token 5 votes class 0, 6
// class 1 and 7 class 2 (padding, id 0, votes nothing): of the four pairs
// below three are right whatever the batch size, and the weights require
// grad again afterwards.
func TestPairAccuracy(t *testing.T) {
	m := newBag(10, 3)
	d := m.W.Data()
	d[5*3+0], d[6*3+1], d[7*3+2] = 1, 1, 1
	ps := []Pair{
		{Tokens: []int{1, 5, 2, 5, 2}, Segments: []int{0, 0, 0, 1, 1}, Label: 0},
		{Tokens: []int{1, 6, 2, 2}, Segments: []int{0, 0, 0, 1}, Label: 1},
		{Tokens: []int{1, 7, 7, 2, 6, 2}, Segments: []int{0, 0, 0, 0, 1, 1}, Label: 2},
		{Tokens: []int{1, 5, 2, 6, 6, 2}, Segments: []int{0, 0, 0, 1, 1, 1}, Label: 0}, // predicts 1
	}
	for _, batch := range []int{1, 2, 3, 128} {
		if got := PairAccuracy(m, ps, 0, batch); got != 0.75 {
			t.Errorf("batch %d: accuracy %v, want 0.75", batch, got)
		}
	}
	if !m.W.RequiresGrad() {
		t.Error("weights still frozen after PairAccuracy")
	}
	if got := PairAccuracy(m, nil, 0, 8); got != 0 {
		t.Errorf("no pairs: %v", got)
	}
}

// tokenPairs returns n pairs [CLS] w [SEP] w [SEP] whose class is w mod k,
// with w = 3 + i (ids 0..2 are PAD, CLS, SEP).
func tokenPairs(n, k int) []Pair {
	ps := make([]Pair, n)
	for i := range ps {
		w := 3 + i
		ps[i] = Pair{Tokens: []int{1, w, 2, w, 2}, Segments: []int{0, 0, 0, 1, 1}, Label: w % k}
	}
	return ps
}

// TestPairTrainingRun checks the loop against its contract: the batches
// follow rng.Perm per epoch (7 pairs in batches of 3: 3, 3, 1), Progress
// sees steps 1..6 with the batch's loss and padded size, the scheduler
// steps once per step, the result is the mean loss of the last epoch, and
// training separates a learnable task.
func TestPairTrainingRun(t *testing.T) {
	train := tokenPairs(7, 7) // label = w mod 7: every pair its own class
	m := newBag(10, 7)
	opt := optim.NewAdamW(nn.Params(m), 0.05)
	sched := NewSTLR(opt, 6, 0.2, 32)
	var steps []int
	var losses []float64
	var tokens []int
	cfg := PairTraining{Epochs: 2, Batch: 3, Opt: opt, Sched: sched, MaxNorm: 1,
		Progress: func(step int, loss float64, n int) {
			steps, losses, tokens = append(steps, step), append(losses, loss), append(tokens, n)
		}}
	got, err := cfg.Run(context.Background(), m, train, 0, newRNG(3))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(steps, []int{1, 2, 3, 4, 5, 6}) || !slices.Equal(tokens, []int{15, 15, 5, 15, 15, 5}) {
		t.Fatalf("progress steps %v tokens %v", steps, tokens)
	}
	if want := (losses[3] + losses[4] + losses[5]) / 3; math.Abs(got-want) > 1e-12 {
		t.Errorf("returned loss %v, want the last epoch's mean %v", got, want)
	}
	if sched.Epoch() != 6 || opt.Steps() != 6 {
		t.Errorf("scheduler at %d, optimizer at %d steps; want 6", sched.Epoch(), opt.Steps())
	}
	rng := newRNG(3)
	var want []int // the middle token of each pair of each batch, in order
	for range 2 {
		for _, j := range rng.Perm(7) {
			want = append(want, train[j].Tokens[1])
		}
	}
	var seen []int
	for _, ids := range m.calls {
		for r := 0; r < len(ids); r += 5 {
			seen = append(seen, ids[r+1])
		}
	}
	if !slices.Equal(seen, want) {
		t.Errorf("batches saw %v, want rng.Perm order %v", seen, want)
	}

	// Learning: 60 epochs on the 7 one-token classes fit them all.
	m2 := newBag(10, 7)
	long := PairTraining{Epochs: 60, Batch: 4, Opt: optim.NewAdamW(nn.Params(m2), 0.1)}
	loss, err := long.Run(context.Background(), m2, train, 0, newRNG(4))
	if err != nil {
		t.Fatal(err)
	}
	if acc := PairAccuracy(m2, train, 0, 8); acc != 1 || loss > 0.5 {
		t.Errorf("after 60 epochs: accuracy %v, last-epoch loss %v", acc, loss)
	}
}

// TestPairTrainingStops checks the two early exits: a NaN weight makes
// the gradient norm NaN (ErrDiverged, no optimizer step), and a cancelled
// context stops before the first batch.
func TestPairTrainingStops(t *testing.T) {
	train := tokenPairs(4, 2)
	m := newBag(10, 2)
	m.W.Data()[3*2] = float32(math.NaN())
	opt := optim.NewAdamW(nn.Params(m), 0.1)
	_, err := PairTraining{Epochs: 1, Batch: 4, Opt: opt}.Run(context.Background(), m, train, 0, newRNG(1))
	if !errors.Is(err, ErrDiverged) || opt.Steps() != 0 {
		t.Errorf("NaN weight: err %v, %d optimizer steps", err, opt.Steps())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	m = newBag(10, 2)
	cfg := PairTraining{Epochs: 1, Batch: 2, Opt: optim.NewAdamW(nn.Params(m), 0.1), Progress: func(int, float64, int) { called = true }}
	if _, err := cfg.Run(ctx, m, train, 0, newRNG(1)); !errors.Is(err, context.Canceled) || called || len(m.calls) != 0 {
		t.Errorf("cancelled: err %v, progress called %v, %d forward calls", err, called, len(m.calls))
	}
}
