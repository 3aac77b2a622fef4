package attack

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// The spec's oracle 5: every model maps (N, 1, 28, 28) to (N, 10), through
// a flatten of 25,600 / 128 / 1,024 features for A / B / C.
func TestModelShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.Uniform(rng, 0, 1, 2, 1, 28, 28)
	cases := []struct {
		name    string
		flatten int
		in      func(Classifier) int
	}{
		{"A", 25600, func(m Classifier) int { return m.(*ModelA).FC1.Weight.Dim(1) }},
		{"B", 128, func(m Classifier) int { return m.(*ModelB).FC.Weight.Dim(1) }},
		{"C", 1024, func(m Classifier) int { return m.(*ModelC).FC1.Weight.Dim(1) }},
	}
	for _, c := range cases {
		m, err := NewModel("model"+c.name, rng)
		if err != nil {
			t.Fatal(err)
		}
		nn.SetTraining(m, false)
		if got := m.Forward(x).Shape(); !slices.Equal(got, []int{2, 10}) {
			t.Errorf("model %s: logits of shape %v, want [2 10]", c.name, got)
		}
		if got := c.in(m); got != c.flatten {
			t.Errorf("model %s: flatten size %d, want %d", c.name, got, c.flatten)
		}
	}
	// The intermediate sizes of B: 28 → 14 ('same') → 5 → 1.
	b := NewModelB(rng)
	h := b.Conv1.Forward(x)
	if got := h.Shape(); !slices.Equal(got, []int{2, 64, 14, 14}) {
		t.Errorf("model B conv1: %v, want [2 64 14 14]", got)
	}
	h = b.Conv2.Forward(h)
	if got := h.Shape(); !slices.Equal(got, []int{2, 128, 5, 5}) {
		t.Errorf("model B conv2: %v, want [2 128 5 5]", got)
	}
	if _, err := NewModel("D", rng); err == nil {
		t.Error("NewModel(\"D\"): no error")
	}
}

// Dropout must be off in evaluation mode (the spec's bug 7): two forward
// passes agree, and in training mode they do not.
func TestModelDropoutOnlyInTraining(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := tensor.Uniform(rng, 0, 1, 4, 1, 28, 28)
	for _, name := range []string{"A", "B", "C"} {
		m, _ := NewModel(name, rng)
		a, b := m.Forward(x).Data(), m.Forward(x).Data()
		if slices.Equal(a, b) {
			t.Errorf("model %s in training mode: two passes agree, dropout inactive", name)
		}
		nn.SetTraining(m, false)
		a, b = m.Forward(x).Data(), m.Forward(x).Data()
		if !slices.Equal(a, b) {
			t.Errorf("model %s in evaluation mode: two passes differ", name)
		}
	}
}

// fillParams is the weight formula of testdata/targets_torch.py.
func fillParams(k int, shape []int) *tensor.Tensor {
	n := 1
	for _, s := range shape {
		n *= s
	}
	fanIn := 10
	if len(shape) > 1 {
		fanIn = n / shape[0]
	}
	d := make([]float32, n)
	for j := range d {
		m := (int64(j)*40503 + int64(k)*7919) % 1999
		d[j] = float32((float64(m)/999.0 - 1.0) / math.Sqrt(float64(fanIn)))
	}
	return tensor.New(d, shape...)
}

// PyTorch parity: the same weights, loaded by their state_dict names, give
// the same eval-mode logits as the torch.nn models of
// testdata/targets_torch.py.
func TestModelTorchParity(t *testing.T) {
	f := torchfix.Load(t, "testdata/targets_torch.json")
	x := f.T(t, "x")
	rng := rand.New(rand.NewPCG(5, 6))
	for _, name := range []string{"A", "B", "C"} {
		var meta struct {
			Names  []string `json:"names"`
			Shapes [][]int  `json:"shapes"`
		}
		f.MetaValue(t, name, &meta)
		m, _ := NewModel(name, rng)
		var goNames []string
		for _, n := range nn.StateDict(m) {
			goNames = append(goNames, n.Name)
		}
		if !slices.Equal(goNames, meta.Names) {
			t.Errorf("model %s: state_dict names %v, torch has %v", name, goNames, meta.Names)
		}
		state := map[string]*tensor.Tensor{}
		for k, n := range meta.Names {
			state[n] = fillParams(k, meta.Shapes[k])
		}
		if err := nn.LoadState(m, state); err != nil {
			t.Fatalf("model %s: %v", name, err)
		}
		nn.SetTraining(m, false)
		want := f.T(t, "logits"+name)
		torchfix.Close(t, "model "+name+" logits", m.Forward(x), want, 1e-4, 1e-4)
	}
}

// A saved model loads into a fresh one under the same names and gives the
// same logits.
func TestModelSaveLoad(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	path := t.TempDir() + "/b.safetensors"
	a := NewModelB(rng)
	if err := nn.Save(path, a); err != nil {
		t.Fatal(err)
	}
	b := NewModelB(rng)
	if err := nn.Load(path, b); err != nil {
		t.Fatal(err)
	}
	nn.SetTraining(a, false)
	nn.SetTraining(b, false)
	x := tensor.Uniform(rng, 0, 1, 2, 1, 28, 28)
	if !slices.Equal(a.Forward(x).Data(), b.Forward(x).Data()) {
		t.Error("logits differ after a save and load")
	}
}
