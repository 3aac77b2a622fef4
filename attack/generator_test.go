package attack

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// The spec's oracle 5: G maps 1×28×28 to 1×28×28, D gives one value per
// image.
func TestGeneratorShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	g := NewGenerator(rng, 1)
	d := NewDiscriminator(rng, 1)
	x := tensor.Uniform(rng, 0, 1, 3, 1, 28, 28)
	if got := g.Forward(x).Shape(); !slices.Equal(got, []int{3, 1, 28, 28}) {
		t.Errorf("G(x) shape %v, want [3 1 28 28]", got)
	}
	out := g.Forward(x).Data()
	for _, v := range out {
		if !(v > -1 && v < 1) {
			t.Fatalf("G(x) value %v outside tanh's range (-1, 1)", v)
		}
	}
	if got := d.Forward(x).Shape(); !slices.Equal(got, []int{3}) {
		t.Errorf("D(x) shape %v, want [3]", got)
	}
	// Three channels work as well.
	g3, d3 := NewGenerator(rng, 3), NewDiscriminator(rng, 3)
	x3 := tensor.Uniform(rng, 0, 1, 2, 3, 28, 28)
	if got := g3.Forward(x3).Shape(); !slices.Equal(got, []int{2, 3, 28, 28}) {
		t.Errorf("3-channel G(x) shape %v", got)
	}
	if got := d3.Forward(x3).Shape(); !slices.Equal(got, []int{2}) {
		t.Errorf("3-channel D(x) shape %v", got)
	}
	ganPanics(t, "attack.Generator.Forward: input shape [2 1 32 32]", func() { g.Forward(tensor.Zeros(2, 1, 32, 32)) })
	ganPanics(t, "attack.Discriminator.Forward: input shape [2 3 28 28]", func() { d.Forward(x3) })
}

// The state_dict names are mathcbc's, and the initialisation is
// weights_init's: conv weights N(0, 0.02²), BatchNorm weights N(1, 0.02²),
// BatchNorm biases 0.
func TestGeneratorStateAndInit(t *testing.T) {
	g := NewGenerator(rand.New(rand.NewPCG(6, 2)), 1)
	var names []string
	for _, n := range nn.StateDict(g) {
		names = append(names, n.Name)
	}
	for _, want := range []string{
		"encoder.0.weight", "encoder.0.bias", "encoder.3.weight", "encoder.6.bias",
		"bottle_neck.0.conv_block.1.weight", "bottle_neck.0.conv_block.2.running_var",
		"bottle_neck.3.conv_block.6.num_batches_tracked", "decoder.0.weight", "decoder.6.weight",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("state dict lacks %q", want)
		}
	}
	if len(names) != 6+4*12+3 {
		t.Errorf("%d state entries, want 57: %v", len(names), names)
	}
	if got := nn.NumParams(g); got != 8*9+8+16*72+16+32*144+32+4*2*(32*288+64)+32*16*9+16*8*9+8*36 {
		t.Errorf("%d parameters", got)
	}
	w := g.Blocks[2].Conv1.Weight.Data() // 9216 draws
	mean, std := ganMeanStd(w)
	if mean < -0.002 || mean > 0.002 || std < 0.019 || std > 0.021 {
		t.Errorf("conv weights mean %v std %v, want N(0, 0.02²)", mean, std)
	}
	var bnw []float32
	for _, b := range g.Blocks {
		bnw = append(bnw, b.BN1.Weight.Data()...)
		bnw = append(bnw, b.BN2.Weight.Data()...)
		for _, v := range append(b.BN1.Bias.Data(), b.BN2.Bias.Data()...) {
			if v != 0 {
				t.Fatalf("BatchNorm bias %v, want 0", v)
			}
		}
	}
	mean, std = ganMeanStd(bnw) // 256 draws
	if mean < 0.996 || mean > 1.004 || std < 0.015 || std > 0.025 {
		t.Errorf("BatchNorm weights mean %v std %v, want N(1, 0.02²)", mean, std)
	}
}

func ganMeanStd(v []float32) (mean, std float64) {
	for _, x := range v {
		mean += float64(x)
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (float64(x) - mean) * (float64(x) - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)))
}

// PyTorch parity (testdata/advgan_nets.py): the same weights give the same
// G(x) in training and evaluation mode, the same running statistics, the
// same D(x), and the same gradients w.r.t. the input and some weights.
func TestGANNetsParity(t *testing.T) {
	f := torchfix.Load(t, "testdata/advgan_nets.json")
	w, _, err := nn.ReadSafetensorsFile("testdata/advgan_nets.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(6, 3))
	g, d := NewGenerator(rng, 1), NewDiscriminator(rng, 1)
	ganLoadPrefixed(t, g, w, "g.")
	ganLoadPrefixed(t, d, w, "d.")

	x := f.T(t, "x").SetRequiresGrad(true)
	nn.SetTraining(g, true)
	out := g.Forward(x)
	torchfix.Close(t, "G(x)", out, f.T(t, "g_out"), 1e-4, 1e-5)
	out.BackwardWith(f.T(t, "gy"))
	ganClose(t, "dL/dx through G", x.Grad(), f.T(t, "g_gx"))
	params := map[string]*tensor.Tensor{}
	for _, n := range nn.StateDict(g) {
		params[n.Name] = n.Tensor
	}
	var gnames []string
	f.MetaValue(t, "g_grads", &gnames)
	for _, n := range gnames {
		ganClose(t, "grad of G's "+n, params[n].Grad(), f.T(t, "g_grad."+n))
	}
	for name := range f.Tensors {
		if k, ok := strings.CutPrefix(name, "g_rm."); ok {
			torchfix.Close(t, k, params[k], f.T(t, name), 1e-4, 1e-6)
		}
	}
	nn.SetTraining(g, false)
	torchfix.Close(t, "G(x2) in evaluation mode", g.Forward(f.T(t, "x2")), f.T(t, "g_eval"), 1e-4, 1e-5)

	xd := f.T(t, "x").SetRequiresGrad(true)
	s := d.Forward(xd)
	torchfix.Close(t, "D(x)", s, f.T(t, "d_out"), 1e-4, 1e-5)
	s.BackwardWith(f.T(t, "dy"))
	ganClose(t, "dL/dx through D", xd.Grad(), f.T(t, "d_gx"))
	dparams := map[string]*tensor.Tensor{}
	for _, n := range nn.StateDict(d) {
		dparams[n.Name] = n.Tensor
	}
	var dnames []string
	f.MetaValue(t, "d_grads", &dnames)
	for _, n := range dnames {
		ganClose(t, "grad of D's "+n, dparams[n].Grad(), f.T(t, "d_grad."+n))
	}
}

// ganClose compares gradients with a relative tolerance of 1e-4 and an
// absolute one of 1e-5 of the largest |want|: through InstanceNorm and
// BatchNorm, float32 rounding leaves absolute errors of that order of the
// gradient's scale on its small elements.
func ganClose(t *testing.T, what string, got, want *tensor.Tensor) {
	t.Helper()
	var scale float64
	for _, v := range want.Data() {
		scale = max(scale, math.Abs(float64(v)))
	}
	torchfix.Close(t, what, got, want, 1e-4, 1e-5*scale)
}

// ganLoadPrefixed loads the tensors of w named prefix+<state name> into m.
func ganLoadPrefixed(t *testing.T, m any, w map[string]*tensor.Tensor, prefix string) {
	t.Helper()
	state := map[string]*tensor.Tensor{}
	for k, v := range w {
		if name, ok := strings.CutPrefix(k, prefix); ok {
			state[name] = v
		}
	}
	if err := nn.LoadState(m, state); err != nil {
		t.Fatal(err)
	}
}

func ganPanics(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Errorf("no panic, want one containing %q", want)
			return
		}
		if msg, _ := r.(string); !strings.Contains(msg, want) {
			t.Errorf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}
