package attack

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

var mnistOnce struct {
	sync.Once
	train, test *data.Dataset
	err         error
}

// loadMNIST returns the MNIST training and test sets of the GoMNIST module,
// loaded once per test binary, or skips the test if they are absent.
func loadMNIST(t testing.TB) (train, test *data.Dataset) {
	t.Helper()
	mnistOnce.Do(func() {
		dir, err := data.MNISTDir()
		if err != nil {
			mnistOnce.err = err
			return
		}
		mnistOnce.train, mnistOnce.test, mnistOnce.err = data.LoadMNIST(dir)
	})
	if mnistOnce.err != nil {
		t.Skipf("MNIST not available: %v", mnistOnce.err)
	}
	return mnistOnce.train, mnistOnce.test
}

// firstN returns the first n examples of ds.
func firstN(ds *data.Dataset, n int) *data.Dataset {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return ds.Subset(idx)
}

// mlp is a small classifier for fast tests: 784 → hidden → 10.
type mlp struct {
	FC1 *nn.Linear `cairn:"fc1"`
	FC2 *nn.Linear `cairn:"fc2"`
}

func newMLP(rng *rand.Rand, hidden int) *mlp {
	return &mlp{FC1: nn.NewLinear(rng, 784, hidden), FC2: nn.NewLinear(rng, hidden, 10)}
}

func (m *mlp) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC2.Forward(m.FC1.Forward(x.Flatten(1)).ReLU())
}

var smallOnce struct {
	sync.Once
	model *mlp
}

// smallModel is an MLP trained inline on 10,000 MNIST images (two epochs of
// batches of 32, 626 steps), shared by the attack tests, in evaluation mode. Tests must not
// change it.
func smallModel(t testing.TB) *mlp {
	t.Helper()
	train, _ := loadMNIST(t)
	smallOnce.Do(func() {
		rng := rand.New(rand.NewPCG(11, 12))
		m := newMLP(rng, 128)
		cfg := TrainConfig{Epochs: 2, BatchSize: 32, LR: 1e-3}
		if _, err := TrainClassifier(context.Background(), m, firstN(train, 10000), cfg, rng); err != nil {
			t.Error(err)
			return
		}
		smallOnce.model = m
	})
	if smallOnce.model == nil {
		t.Fatal("the shared small model failed to train")
	}
	return smallOnce.model
}

// Model C on 3,000 images for one epoch (94 steps; 0.887 measured with this
// seed) must already classify most of the test set; training mode is on
// during training and off at the end, and Progress sees every step.
func TestTrainClassifierModelC(t *testing.T) {
	train, test := loadMNIST(t)
	rng := rand.New(rand.NewPCG(1, 2))
	m := NewModelC(rng)
	var calls int
	var sawTraining bool
	cfg := TrainConfig{Epochs: 1, BatchSize: 32, LR: 2e-3, Progress: func(p TrainProgress) {
		calls++
		sawTraining = sawTraining || m.Drop.Training()
		if p.StepsPerEpoch != 94 || p.Step != calls || math.IsNaN(p.Loss) {
			t.Errorf("progress %+v after %d calls", p, calls)
		}
	}}
	start := time.Now()
	res, err := TrainClassifier(context.Background(), m, firstN(train, 3000), cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 94 || calls != 94 || len(res.EpochLoss) != 1 {
		t.Errorf("result %+v, %d progress calls; want 94 steps and calls, 1 epoch", res, calls)
	}
	if !sawTraining || m.Drop.Training() {
		t.Errorf("training mode during training %v, after %v; want true, false", sawTraining, m.Drop.Training())
	}
	acc := Accuracy(m, firstN(test, 2000), 500)
	t.Logf("Model C, 3k images, 1 epoch: test accuracy %.4f, train loss %.4f, %v", acc, res.EpochLoss[0], time.Since(start))
	if acc < 0.80 {
		t.Errorf("test accuracy %.4f, want > 0.80", acc)
	}
}

// TrainClassifier on 10,000 images for two epochs gives an MLP above 90%
// accuracy on the full test set (0.916 measured; PyTorch's same recipe on
// 5,000 images reaches 0.88 on the first 2,000 test images, as cairn does).
func TestTrainClassifierMLP(t *testing.T) {
	_, test := loadMNIST(t)
	m := smallModel(t)
	acc := Accuracy(m, test, 1000)
	t.Logf("MLP, 10k images, 2 epochs: test accuracy %.4f", acc)
	if acc < 0.90 {
		t.Errorf("test accuracy %.4f, want > 0.90", acc)
	}
}

func TestTrainClassifierErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := tensor.Uniform(rng, 0, 1, 64, 1, 28, 28)
	y := make([]int, 64)
	for i := range y {
		y[i] = i % 10
	}
	ds := data.NewDataset(x, y)
	ok := TrainConfig{Epochs: 1, BatchSize: 16, LR: 1e-3}
	bad := []TrainConfig{
		{Epochs: 0, BatchSize: 16, LR: 1e-3},
		{Epochs: 1, BatchSize: 0, LR: 1e-3},
		{Epochs: 1, BatchSize: 16},
		{Epochs: 1, BatchSize: 16, LR: math.NaN()},
		{Epochs: 1, BatchSize: 16, LR: 1e-3, Adversarial: AdvPGD},
		{Epochs: 1, BatchSize: 16, LR: 1e-3, Adversarial: AdvFGSM, Eps: 0.3, AdvWeight: 2},
		{Epochs: 1, BatchSize: 16, LR: 1e-3, Adversarial: 7, Eps: 0.3},
		{Epochs: 1, BatchSize: 16, LRAt: func(int) float64 { return -1 }},
	}
	for i, cfg := range bad {
		if _, err := TrainClassifier(context.Background(), newMLP(rng, 8), ds, cfg, rng); err == nil {
			t.Errorf("config %d (%+v): no error", i, cfg)
		}
	}
	if _, err := TrainClassifier(context.Background(), newMLP(rng, 8), data.NewDataset(x, nil), ok, rng); err == nil {
		t.Error("unlabelled data: no error")
	}

	// A NaN pixel poisons the loss of the first batch.
	poisoned := x.Clone()
	poisoned.Data()[5] = float32(math.NaN())
	m := newMLP(rng, 8)
	res, err := TrainClassifier(context.Background(), m, data.NewDataset(poisoned, y), TrainConfig{Epochs: 1, BatchSize: 64, LR: 1e-3}, rng)
	if err == nil || !strings.Contains(err.Error(), "loss is NaN") || res.Steps != 0 {
		t.Errorf("NaN input: steps %d, err %v; want a NaN-loss error before any step", res.Steps, err)
	}
	// A huge learning rate blows the loss up to NaN or Inf.
	res, err = TrainClassifier(context.Background(), newMLP(rng, 8), ds, TrainConfig{Epochs: 50, BatchSize: 16, LR: 1e30}, rng)
	if err == nil || !strings.Contains(err.Error(), "loss is") {
		t.Errorf("learning rate 1e30: steps %d, err %v; want a non-finite loss error", res.Steps, err)
	}
	t.Logf("learning rate 1e30: %v", err)

	// A cancelled context stops the training with its error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m = newMLP(rng, 8)
	nn.SetTraining(m, true)
	res, err = TrainClassifier(ctx, m, ds, ok, rng)
	if !errors.Is(err, context.Canceled) || res.Steps != 0 {
		t.Errorf("cancelled context: steps %d, err %v", res.Steps, err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cfg := ok
	cfg.Epochs = 3
	cfg.Progress = func(p TrainProgress) {
		if p.Epoch == 1 && p.Step == 2 {
			cancel()
		}
	}
	res, err = TrainClassifier(ctx, newMLP(rng, 8), ds, cfg, rng)
	if !errors.Is(err, context.Canceled) || res.Steps != 6 {
		t.Errorf("cancelled mid-epoch: steps %d, err %v; want 6 steps and context.Canceled", res.Steps, err)
	}
}

// Adversarial training must leave no parameter frozen and must train: the
// loss of one PGD-trained epoch on random data is finite, and the caller's
// own frozen parameters stay frozen (and untouched).
func TestTrainClassifierAdversarialKeepsFreeze(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := tensor.Uniform(rng, 0, 1, 32, 1, 28, 28)
	y := make([]int, 32)
	for i := range y {
		y[i] = i % 10
	}
	m := newMLP(rng, 8)
	m.FC1.Weight.SetRequiresGrad(false)
	before := append([]float32(nil), m.FC1.Weight.Data()...)
	for _, method := range []AdvMethod{AdvFGSM, AdvPGD} {
		cfg := TrainConfig{Epochs: 1, BatchSize: 8, LR: 1e-2, Adversarial: method, Eps: 0.1, PGDSteps: 3}
		res, err := TrainClassifier(context.Background(), m, data.NewDataset(x, y), cfg, rng)
		if err != nil || res.Steps != 4 {
			t.Fatalf("%v: steps %d, err %v", method, res.Steps, err)
		}
	}
	if m.FC1.Weight.RequiresGrad() || !m.FC1.Bias.RequiresGrad() || !m.FC2.Weight.RequiresGrad() {
		t.Error("requires-grad flags changed by adversarial training")
	}
	for i, v := range m.FC1.Weight.Data() {
		if v != before[i] {
			t.Fatal("a frozen parameter was updated")
		}
	}
}

// Adversarial training as a defence: on the same data, seed and budget,
// an MLP trained on PGD examples (ε = 0.1) resists PGD at ε = 0.1 much
// better than one trained plainly.
func TestAdversarialTrainingRobustness(t *testing.T) {
	train, test := loadMNIST(t)
	sub, eval := firstN(train, 3000), firstN(test, 500)
	const eps = 0.1
	asr := map[AdvMethod]float64{}
	for _, method := range []AdvMethod{NoAdversarial, AdvFGSM, AdvPGD} {
		rng := rand.New(rand.NewPCG(7, 8))
		m := newMLP(rng, 64)
		cfg := TrainConfig{Epochs: 2, BatchSize: 64, LR: 2e-3, Adversarial: method, Eps: eps, PGDSteps: 5, PGDStep: eps / 2}
		if _, err := TrainClassifier(context.Background(), m, sub, cfg, rng); err != nil {
			t.Fatal(err)
		}
		r := Evaluate(m, &PGD{Model: m, Eps: eps, Steps: 10, Step: eps / 4}, eval, 250, -1)
		asr[method] = r.SuccessRate
		t.Logf("%-5v training: clean accuracy %.3f, PGD(ε=%.1f) success %.3f", method, r.CleanAccuracy, eps, r.SuccessRate)
	}
	if asr[AdvPGD] > asr[NoAdversarial]-0.2 {
		t.Errorf("PGD success on the PGD-trained model %.3f, plain %.3f: want at least 0.2 lower", asr[AdvPGD], asr[NoAdversarial])
	}
	if asr[AdvFGSM] >= asr[NoAdversarial] {
		t.Errorf("PGD success on the FGSM-trained model %.3f, plain %.3f: want lower", asr[AdvFGSM], asr[NoAdversarial])
	}
}
