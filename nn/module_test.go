package nn_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

func rng() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

type norm struct {
	Weight      *tensor.Tensor
	RunningMean *tensor.Tensor `cairn:"running_mean,buffer"`
}

type block struct {
	Attn    *nn.Linear `cairn:"attn"`
	Norm    *norm
	Dropout *nn.Dropout
}

type custom struct{ a, b *tensor.Tensor }

func (c *custom) State() []nn.Named {
	return []nn.Named{{Name: "weight_ih_l0", Tensor: c.a}, {Name: "weight_hh_l0", Tensor: c.b}}
}

type model struct {
	Conv1    *nn.Linear
	WeightIH *tensor.Tensor
	Layers   []*block
	LSTM     *custom    `cairn:"lstm"`
	Skip     *nn.Linear `cairn:"-"`
	Tied     *tensor.Tensor
	Missing  *nn.Linear
	private  *nn.Linear //nolint:unused // must be ignored
	Scale    float64
}

func newModel() *model {
	r := rng()
	m := &model{
		Conv1:    nn.NewLinear(r, 2, 3),
		WeightIH: tensor.Ones(2).SetRequiresGrad(true),
		LSTM:     &custom{tensor.Zeros(1).SetRequiresGrad(true), tensor.Zeros(1).SetRequiresGrad(true)},
		Skip:     nn.NewLinear(r, 1, 1),
	}
	for range 2 {
		m.Layers = append(m.Layers, &block{
			Attn:    nn.NewLinear(r, 3, 3),
			Norm:    &norm{Weight: tensor.Ones(3).SetRequiresGrad(true), RunningMean: tensor.Zeros(3)},
			Dropout: nn.NewDropout(r, 0.5),
		})
	}
	m.Tied = m.Conv1.Weight // shared: listed once, under its first name
	return m
}

func TestStateDictNames(t *testing.T) {
	var names []string
	for _, n := range nn.StateDict(newModel()) {
		tag := ""
		if n.Buffer {
			tag = " (buffer)"
		}
		names = append(names, n.Name+tag)
	}
	want := []string{
		"conv1.weight", "conv1.bias", "weight_ih",
		"layers.0.attn.weight", "layers.0.attn.bias", "layers.0.norm.weight", "layers.0.norm.running_mean (buffer)",
		"layers.1.attn.weight", "layers.1.attn.bias", "layers.1.norm.weight", "layers.1.norm.running_mean (buffer)",
		"lstm.weight_ih_l0", "lstm.weight_hh_l0",
	}
	if !slices.Equal(names, want) {
		t.Errorf("names:\n got %q\nwant %q", names, want)
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"Conv1": "conv1", "WeightIH": "weight_ih", "QKVProj": "qkv_proj", "InProjWeight": "in_proj_weight",
		"FC": "fc", "Bias": "bias", "Layer2Norm": "layer2_norm", "BN1": "bn1",
	} {
		if got := nn.SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParamsFreezeAndCount(t *testing.T) {
	m := newModel()
	if got := len(nn.Params(m)); got != 11 {
		t.Errorf("%d params, want 11 (13 tensors less 2 buffers)", got)
	}
	// 6+3 + 2 + 2*(9+3+3) + 1+1 = 43
	if got := nn.NumParams(m); got != 43 {
		t.Errorf("NumParams = %d, want 43", got)
	}
	nn.Freeze(m.Layers[0])
	if got := len(nn.Params(m)); got != 8 {
		t.Errorf("after freezing a block: %d params, want 8", got)
	}
	y := m.Layers[0].Attn.Forward(tensor.Ones(1, 3))
	if y.RequiresGrad() {
		t.Error("a frozen layer recorded a graph")
	}
	nn.Unfreeze(m)
	if got := len(nn.Params(m)); got != 11 {
		t.Errorf("after Unfreeze: %d params, want 11", got)
	}
	for _, n := range nn.StateDict(m) {
		if n.Buffer && n.Tensor.RequiresGrad() {
			t.Errorf("Unfreeze made buffer %s trainable", n.Name)
		}
	}
}

func TestSetTraining(t *testing.T) {
	m := newModel()
	nn.SetTraining(m, false)
	for i, b := range m.Layers {
		if b.Dropout.Training() {
			t.Errorf("layer %d dropout still training", i)
		}
	}
	x := tensor.Ones(4, 3)
	if y := m.Layers[0].Dropout.Forward(x); y != x {
		t.Error("dropout in eval mode changed its input")
	}
	nn.SetTraining(m, true)
	if !m.Layers[1].Dropout.Training() {
		t.Error("SetTraining(true) did not reach the dropout")
	}
}

func TestLoadState(t *testing.T) {
	src, dst := newModel(), newModel()
	for _, n := range nn.StateDict(src) {
		for i := range n.Tensor.Data() {
			n.Tensor.Data()[i] = float32(i) + 0.5
		}
	}
	state := map[string]*tensor.Tensor{}
	for _, n := range nn.StateDict(src) {
		state[n.Name] = n.Tensor
	}
	if err := nn.LoadState(dst, state); err != nil {
		t.Fatal(err)
	}
	if dst.Layers[1].Norm.RunningMean.Data()[2] != 2.5 || dst.Conv1.Bias.Data()[1] != 1.5 {
		t.Error("values not copied")
	}
	state["extra"] = tensor.Zeros(1)
	state["conv1.bias"] = tensor.Zeros(4)
	delete(state, "weight_ih")
	before := dst.Conv1.Weight.Data()[0]
	dst.Conv1.Weight.Data()[0] = -9
	err := nn.LoadState(dst, state)
	if err == nil {
		t.Fatal("a mismatched state loaded")
	}
	for _, want := range []string{`missing "weight_ih"`, `unexpected "extra"`, `"conv1.bias" has shape [4], the model wants [3]`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if dst.Conv1.Weight.Data()[0] != -9 {
		t.Errorf("a failed load changed the model (%v -> %v)", before, dst.Conv1.Weight.Data()[0])
	}
}

// Freeze's restore function re-enables exactly what Freeze turned off: a
// layer frozen before stays frozen.
func TestFreezeRestoresOnlyWhatItFroze(t *testing.T) {
	r := rng()
	m := struct {
		A *nn.Linear
		B *nn.Linear
	}{nn.NewLinear(r, 3, 2), nn.NewLinear(r, 2, 1)}
	restoreB := nn.Freeze(m.B)
	restore := nn.Freeze(m)
	if n := len(nn.Params(m)); n != 0 {
		t.Fatalf("after Freeze: %d trainable parameters, want 0", n)
	}
	restore()
	if got := nn.Params(m); len(got) != 2 || got[0] != m.A.Weight || got[1] != m.A.Bias {
		t.Fatalf("after restore: %d trainable parameters, want A's weight and bias only", len(got))
	}
	restoreB()
	if n := len(nn.Params(m)); n != 4 {
		t.Fatalf("after restoring B: %d trainable parameters, want 4", n)
	}
}
