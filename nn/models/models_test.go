package models

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

const fixRtol, fixAtol = 1e-4, 1e-5

// loadFixture loads the "p.<name>" tensors of a fixture written by
// testdata/models.py into m, checking that m's state_dict names are the
// script's (HF's) in the same order, and switches m to evaluation mode.
func loadFixture(t *testing.T, f *torchfix.Fixture, m any) {
	t.Helper()
	var want, got []string
	f.MetaValue(t, "params", &want)
	state := map[string]*tensor.Tensor{}
	for _, n := range nn.StateDict(m) {
		got = append(got, n.Name)
	}
	for _, name := range want {
		state[name] = f.T(t, "p."+name)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("state_dict names\n got %q\nwant %q", got, want)
	}
	if err := nn.LoadState(m, state); err != nil {
		t.Fatal(err)
	}
	nn.SetTraining(m, false)
}

// checkFixture compares logits, the loss and the gradient of the loss
// w.r.t. every parameter with the fixture.
func checkFixture(t *testing.T, f *torchfix.Fixture, m any, logits, loss *tensor.Tensor) {
	t.Helper()
	torchfix.Close(t, "logits", logits, f.T(t, "logits"), fixRtol, fixAtol)
	torchfix.Close(t, "loss", loss, f.T(t, "loss"), fixRtol, fixAtol)
	nn.ZeroGrad(m)
	loss.Backward()
	for _, n := range nn.NamedParams(m) {
		torchfix.Close(t, "grad of "+n.Name, n.Tensor.Grad(), f.T(t, "g."+n.Name), fixRtol, fixAtol)
	}
}

// saveLoadSame saves m, loads the file into fresh (built with another
// seed) and reports whether forward gives identical values on both.
func saveLoadSame(t *testing.T, m, fresh any, forward func(any) *tensor.Tensor) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := nn.Save(path, m); err != nil {
		t.Fatal(err)
	}
	nn.SetTraining(m, false)
	nn.SetTraining(fresh, false)
	before := forward(fresh).Data()
	if err := nn.Load(path, fresh); err != nil {
		t.Fatal(err)
	}
	want, got := forward(m).Data(), forward(fresh).Data()
	if !slices.Equal(got, want) {
		t.Fatalf("logits after save/load differ from the original")
	}
	if slices.Equal(before, want) {
		t.Fatalf("the fresh model already gave the original's logits: the test proves nothing")
	}
}

// maxAbsDiff returns max |a-b| over two equally shaped tensors.
func maxAbsDiff(a, b *tensor.Tensor) float64 {
	var m float64
	for i, v := range a.Data() {
		m = math.Max(m, math.Abs(float64(v-b.Data()[i])))
	}
	return m
}

func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed+1)) }

// randIDs returns n ids in [lo, hi).
func randIDs(r *rand.Rand, n, lo, hi int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = lo + r.IntN(hi-lo)
	}
	return ids
}
