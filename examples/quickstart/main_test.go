package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// loadOrSkip loads MNIST from the GoMNIST module, or skips the test.
func loadOrSkip(t *testing.T) (train, test dataset) {
	t.Helper()
	train, test, err := loadMNIST("")
	if err != nil {
		t.Skipf("MNIST not available, skipping: %v", err)
	}
	return train, test
}

// TestTrainSubset trains on 2,000 images for 320 steps and expects the
// network to classify most of the 10,000 test images correctly.
func TestTrainSubset(t *testing.T) {
	train, test := loadOrSkip(t)
	sub := dataset{x: train.x[:2000*pixels], y: train.y[:2000]}
	rng := rand.New(rand.NewPCG(1, 0))
	m := newMLP(rng)
	var first, last float64
	for epoch := range 10 {
		last = trainEpoch(m, sub, 64, 0.1, rng, nil)
		if epoch == 0 {
			first = last
		}
	}
	acc := accuracy(m, test)
	t.Logf("train loss %.4f (first epoch) -> %.4f (tenth); test accuracy %.4f", first, last, acc)
	if !(last < first) {
		t.Errorf("train loss did not fall: %.4f -> %.4f", first, last)
	}
	if acc < 0.80 {
		t.Errorf("test accuracy %.4f, want at least 0.80", acc)
	}
}

// TestRunJSON runs the whole program for one epoch and checks that the last
// line of its output is the JSON summary.
func TestRunJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a full epoch; skipped with -short")
	}
	loadOrSkip(t)
	var out bytes.Buffer
	if err := run(config{epochs: 1, batch: 64, lr: 0.1, seed: 1, json: true}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var got struct {
		Epochs       *int     `json:"epochs"`
		TrainLoss    *float64 `json:"train_loss"`
		TestAccuracy *float64 `json:"test_accuracy"`
		Seconds      *float64 `json:"seconds"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if got.Epochs == nil || got.TrainLoss == nil || got.TestAccuracy == nil || got.Seconds == nil {
		t.Fatalf("last line %q lacks a field", lines[len(lines)-1])
	}
	if *got.Epochs != 1 || *got.TestAccuracy < 0.9 || *got.TrainLoss > 0.6 {
		t.Errorf("after one epoch: %s; want test_accuracy >= 0.9 and train_loss <= 0.6", lines[len(lines)-1])
	}
}

func TestMissingData(t *testing.T) {
	dir := t.TempDir()
	err := run(config{epochs: 1, batch: 64, lr: 0.1, data: dir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("run with an empty -data directory: error %v, want one saying the files are not found", err)
	}
}
