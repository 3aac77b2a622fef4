package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
)

func loadOrSkip(t *testing.T) (train, test *data.Dataset) {
	t.Helper()
	train, test, err := loadMNIST("")
	if err != nil {
		t.Skipf("MNIST not available, skipping: %v", err)
	}
	return train, test
}

// Both models learn: the loss falls and the test accuracy is far above
// chance after a short run on a subset.
func TestModelsLearn(t *testing.T) {
	train, test := loadOrSkip(t)
	test = test.Subset(rangeOf(2000))
	for _, c := range []struct {
		name   string
		m      model
		images int
		epochs int
		want   float64
	}{
		{"mlp", newMLP(rand.New(rand.NewPCG(1, 0)), 128), 3000, 3, 0.85},
		{"cnn", newCNN(rand.New(rand.NewPCG(1, 0))), 1000, 2, 0.75},
	} {
		t.Run(c.name, func(t *testing.T) {
			sub := train.Subset(rangeOf(c.images))
			rng := rand.New(rand.NewPCG(2, 0))
			opt := optim.NewAdam(nn.Params(c.m), 1e-3)
			var first, last float64
			for e := range c.epochs {
				last = trainEpoch(c.m, opt, sub, 64, rng, newProgress(io.Discard, "", sub.Len()))
				if e == 0 {
					first = last
				}
			}
			acc := accuracy(c.m, test)
			t.Logf("loss %.4f -> %.4f, test accuracy %.4f", first, last, acc)
			if !(last < first) || acc < c.want {
				t.Errorf("loss %.4f -> %.4f, accuracy %.4f; want a falling loss and accuracy >= %.2f", first, last, acc, c.want)
			}
		})
	}
}

// The program's JSON line is its last line of output, and the weights it
// saves load back into a fresh model that scores the same.
func TestRunJSONAndWeights(t *testing.T) {
	_, test := loadOrSkip(t)
	out := filepath.Join(t.TempDir(), "w.safetensors")
	var stdout bytes.Buffer
	cfg := config{model: "mlp", hidden: 128, epochs: 1, batch: 64, lr: 1e-3, seed: 1, limit: 2000, out: out, json: true}
	if err := run(cfg, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var res result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if res.Model != "mlp" || res.TrainImages != 2000 || res.Weights != out || res.TestAccuracy < 0.7 || res.Params != 784*128+128+128*10+10 {
		t.Errorf("result %+v", res)
	}
	m := newMLP(rand.New(rand.NewPCG(99, 0)), 128)
	if err := nn.Load(out, m); err != nil {
		t.Fatal(err)
	}
	if acc := accuracy(m, test); acc != res.TestAccuracy {
		t.Errorf("reloaded weights score %.4f, the run reported %.4f", acc, res.TestAccuracy)
	}
}

func TestBadInput(t *testing.T) {
	err := run(config{model: "cnn", hidden: 128, epochs: 1, batch: 64, lr: 1e-3, data: t.TempDir()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte") {
		t.Errorf("empty -data directory: error %v, want one naming the missing file", err)
	}
	loadOrSkip(t)
	if err := run(config{model: "resnet", hidden: 128, epochs: 1, batch: 64, lr: 1e-3}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "resnet") {
		t.Errorf("unknown model: %v", err)
	}
	if err := run(config{model: "mlp", hidden: 128, epochs: 0, batch: 64, lr: 1e-3}, io.Discard, io.Discard); err == nil {
		t.Error("zero epochs accepted")
	}
}
