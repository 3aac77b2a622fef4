package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// TestRNNTorchParity compares LSTM and GRU with the fixtures written by
// testdata/rnn.py: outputs, final states, and the gradients of the input,
// the initial states and every weight under fixed upstream gradients.
func TestRNNTorchParity(t *testing.T) {
	for _, name := range []string{"lstm", "lstm_bi", "lstm_lengths", "lstm_nobias", "gru_bi", "gru_lengths"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := torchfix.Load(t, "testdata/rnn_"+name+".json")
			var (
				kind    string
				lengths []int
				names   []string
				cfg     nn.RNNConfig
				bias    bool
			)
			f.MetaValue(t, "kind", &kind)
			f.MetaValue(t, "lengths", &lengths)
			f.MetaValue(t, "names", &names)
			f.MetaValue(t, "input", &cfg.InputSize)
			f.MetaValue(t, "hidden", &cfg.HiddenSize)
			f.MetaValue(t, "layers", &cfg.NumLayers)
			f.MetaValue(t, "bidirectional", &cfg.Bidirectional)
			f.MetaValue(t, "batch_first", &cfg.BatchFirst)
			f.MetaValue(t, "bias", &bias)
			cfg.NoBias = !bias

			var model any
			if kind == "lstm" {
				model = nn.NewLSTM(rng(), cfg)
			} else {
				model = nn.NewGRU(rng(), cfg)
			}
			var gotNames []string
			state := map[string]*tensor.Tensor{}
			for _, n := range nn.StateDict(model) {
				gotNames = append(gotNames, n.Name)
				state[n.Name] = f.T(t, n.Name)
			}
			if !slices.Equal(gotNames, names) {
				t.Fatalf("state names %v, want PyTorch's %v", gotNames, names)
			}
			if err := nn.LoadState(model, state); err != nil {
				t.Fatal(err)
			}

			x := f.T(t, "x").SetRequiresGrad(true)
			var h0, c0 *tensor.Tensor
			if _, ok := f.Tensors["h0"]; ok {
				h0 = f.T(t, "h0").SetRequiresGrad(true)
			}
			if _, ok := f.Tensors["c0"]; ok {
				c0 = f.T(t, "c0").SetRequiresGrad(true)
			}
			var out, hn, cn *tensor.Tensor
			if kind == "lstm" {
				out, hn, cn = model.(*nn.LSTM).Forward(x, h0, c0, lengths)
			} else {
				out, hn = model.(*nn.GRU).Forward(x, h0, lengths)
			}
			loss := out.Mul(f.T(t, "gout")).SumAll().Add(hn.Mul(f.T(t, "ghn")).SumAll())
			if cn != nil {
				loss = loss.Add(cn.Mul(f.T(t, "gcn")).SumAll())
			}
			loss.Backward()

			const rtol, atol = 1e-4, 1e-5
			torchfix.Close(t, "out", out, f.T(t, "out"), rtol, atol)
			torchfix.Close(t, "hn", hn, f.T(t, "hn"), rtol, atol)
			if kind == "lstm" {
				torchfix.Close(t, "cn", cn, f.T(t, "cn"), rtol, atol)
			}
			torchfix.Close(t, "grad x", x.Grad(), f.T(t, "grad.x"), rtol, atol)
			if h0 != nil {
				torchfix.Close(t, "grad h0", h0.Grad(), f.T(t, "grad.h0"), rtol, atol)
			}
			if c0 != nil {
				torchfix.Close(t, "grad c0", c0.Grad(), f.T(t, "grad.c0"), rtol, atol)
			}
			for _, n := range nn.StateDict(model) {
				torchfix.Close(t, "grad "+n.Name, n.Tensor.Grad(), f.T(t, "grad."+n.Name), rtol, atol)
			}

			// Inference records no graph and projects whole sequences.
			nn.Freeze(model)
			if h0 != nil {
				h0 = h0.Detach()
			}
			if c0 != nil {
				c0 = c0.Detach()
			}
			if kind == "lstm" {
				out, hn, cn = model.(*nn.LSTM).Forward(x.Detach(), h0, c0, lengths)
			} else {
				out, hn = model.(*nn.GRU).Forward(x.Detach(), h0, lengths)
			}
			if out.RequiresGrad() {
				t.Error("frozen model recorded a graph")
			}
			torchfix.Close(t, "inference out", out, f.T(t, "out"), rtol, atol)
			torchfix.Close(t, "inference hn", hn, f.T(t, "hn"), rtol, atol)
			if kind == "lstm" {
				torchfix.Close(t, "inference cn", cn, f.T(t, "cn"), rtol, atol)
			}
		})
	}
}

// rnnCase is a configuration for the gradient checks: tiny, so that finite
// differences over every weight stay fast.
type rnnCase struct {
	name    string
	cfg     nn.RNNConfig
	lengths []int
	h0      bool
	steps   int // 3 if 0
}

var rnnCases = []rnnCase{
	{name: "uni", cfg: nn.RNNConfig{InputSize: 2, HiddenSize: 2}, h0: true},
	{name: "zero state no bias", cfg: nn.RNNConfig{InputSize: 2, HiddenSize: 2, NoBias: true}},
	{name: "2 layers bi batch first lengths", cfg: nn.RNNConfig{InputSize: 2, HiddenSize: 2, NumLayers: 2, Bidirectional: true, BatchFirst: true}, lengths: []int{4, 2}, h0: true, steps: 5},
}

// rnnInputs returns x, h0 (or nil) and the weights of cfg for a gradient
// check, with small random values.
func rnnInputs(c rnnCase, gates int) (x, h0 *tensor.Tensor, ws []*tensor.Tensor) {
	r := rand.New(rand.NewPCG(3, 4))
	T, B := max(c.steps, 3), 2
	if c.cfg.BatchFirst {
		x = tensor.Randn(r, B, T, c.cfg.InputSize)
	} else {
		x = tensor.Randn(r, T, B, c.cfg.InputSize)
	}
	D := 1
	if c.cfg.Bidirectional {
		D = 2
	}
	if c.h0 {
		h0 = tensor.Randn(r, max(c.cfg.NumLayers, 1)*D, B, c.cfg.HiddenSize)
	}
	for _, n := range nn.StateDict(nn.NewLSTM(r, c.cfg)) {
		shape := n.Tensor.Shape()
		shape[0] = shape[0] / 4 * gates
		ws = append(ws, tensor.Uniform(r, -0.8, 0.8, shape...))
	}
	return x, h0, ws
}

// rnnWeights groups a flat list of weights (state_dict order) by layer and
// direction.
func rnnWeights(cfg nn.RNNConfig, ws []*tensor.Tensor) []nn.RNNWeights {
	per := 4
	if cfg.NoBias {
		per = 2
	}
	var out []nn.RNNWeights
	for i := 0; i < len(ws); i += per {
		w := nn.RNNWeights{WeightIH: ws[i], WeightHH: ws[i+1]}
		if !cfg.NoBias {
			w.BiasIH, w.BiasHH = ws[i+2], ws[i+3]
		}
		out = append(out, w)
	}
	return out
}

func rnnFlat(ts ...*tensor.Tensor) *tensor.Tensor {
	var fs []*tensor.Tensor
	for _, t := range ts {
		if t != nil {
			fs = append(fs, t.Reshape(-1))
		}
	}
	return tensor.Concat(0, fs...)
}

func TestLSTMGradCheck(t *testing.T) {
	for _, c := range rnnCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			x, h0, ws := rnnInputs(c, 4)
			inputs := []*tensor.Tensor{x}
			if h0 != nil {
				c0 := tensor.Randn(rand.New(rand.NewPCG(5, 6)), h0.Shape()...)
				inputs = append(inputs, h0, c0)
			}
			inputs = append(inputs, ws...)
			tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
				var h0, c0 *tensor.Tensor
				if c.h0 {
					h0, c0, in = in[1], in[2], append(in[:1:1], in[3:]...)
				}
				l := &nn.LSTM{RNNConfig: c.cfg, Weights: rnnWeights(c.cfg, in[1:])}
				out, hn, cn := l.Forward(in[0], h0, c0, c.lengths)
				return rnnFlat(out, hn, cn)
			}, inputs...)
		})
	}
}

func TestGRUGradCheck(t *testing.T) {
	for _, c := range rnnCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			x, h0, ws := rnnInputs(c, 3)
			inputs := []*tensor.Tensor{x}
			if h0 != nil {
				inputs = append(inputs, h0)
			}
			inputs = append(inputs, ws...)
			tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
				var h0 *tensor.Tensor
				if c.h0 {
					h0, in = in[1], append(in[:1:1], in[2:]...)
				}
				g := &nn.GRU{RNNConfig: c.cfg, Weights: rnnWeights(c.cfg, in[1:])}
				out, hn := g.Forward(in[0], h0, c.lengths)
				return rnnFlat(out, hn)
			}, inputs...)
		})
	}
}

func TestRNNStateAndInit(t *testing.T) {
	cfg := nn.RNNConfig{InputSize: 5, HiddenSize: 16, NumLayers: 2, Bidirectional: true}
	for _, c := range []struct {
		model any
		gates int
	}{{nn.NewLSTM(rng(), cfg), 4}, {nn.NewGRU(rng(), cfg), 3}} {
		var names []string
		bound := float32(1 / math.Sqrt(16))
		for _, n := range nn.StateDict(c.model) {
			names = append(names, fmt.Sprint(n.Name, n.Tensor.Shape()))
			lo, hi := slices.Min(n.Tensor.Data()), slices.Max(n.Tensor.Data())
			if lo < -bound || hi > bound || hi < 0.5*bound || lo > -0.5*bound {
				t.Errorf("%s: values in [%v, %v], want to fill [-%v, %v]", n.Name, lo, hi, bound, bound)
			}
			if !n.Tensor.RequiresGrad() || n.Buffer {
				t.Errorf("%s is not a trainable parameter", n.Name)
			}
		}
		g := c.gates * 16
		want := fmt.Sprintf("weight_ih_l0[%d 5] weight_hh_l0[%d 16] bias_ih_l0[%d] bias_hh_l0[%d] "+
			"weight_ih_l0_reverse[%d 5] weight_hh_l0_reverse[%d 16] bias_ih_l0_reverse[%d] bias_hh_l0_reverse[%d] "+
			"weight_ih_l1[%d 32] weight_hh_l1[%d 16] bias_ih_l1[%d] bias_hh_l1[%d] "+
			"weight_ih_l1_reverse[%d 32] weight_hh_l1_reverse[%d 16] bias_ih_l1_reverse[%d] bias_hh_l1_reverse[%d]",
			g, g, g, g, g, g, g, g, g, g, g, g, g, g, g, g)
		if got := strings.Join(names, " "); got != want {
			t.Errorf("state\n got %s\nwant %s", got, want)
		}
	}
	noBias := nn.NewGRU(rng(), nn.RNNConfig{InputSize: 2, HiddenSize: 3, NoBias: true})
	if got := len(nn.StateDict(noBias)); got != 2 {
		t.Errorf("NoBias GRU has %d tensors, want weight_ih_l0 and weight_hh_l0", got)
	}
}

// TestRNNLengthsAndUnbatched checks that full lengths change nothing, that
// a padded sequence gives what it gives alone, and that an unbatched input
// is a batch of one.
func TestRNNLengthsAndUnbatched(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	cfg := nn.RNNConfig{InputSize: 3, HiddenSize: 4, NumLayers: 2, Bidirectional: true}
	l := nn.NewLSTM(r, cfg)
	nn.Freeze(l)
	x := tensor.Randn(r, 5, 2, 3)
	out, hn, cn := l.Forward(x, nil, nil, nil)
	out2, hn2, cn2 := l.Forward(x, nil, nil, []int{5, 5})
	for i, p := range [][2]*tensor.Tensor{{out, out2}, {hn, hn2}, {cn, cn2}} {
		if !slices.Equal(p[0].Data(), p[1].Data()) {
			t.Errorf("full lengths change result %d", i)
		}
	}

	// Sequence 1 has length 3: its outputs must equal those of its first
	// three steps run alone (unbatched), then zeros.
	outP, hnP, _ := l.Forward(x, nil, nil, []int{5, 3})
	alone := x.Narrow(1, 1, 1).Squeeze(1).Narrow(0, 0, 3) // (3, 3)
	outA, hnA, _ := l.Forward(alone, nil, nil, nil)
	if got := outA.Shape(); !slices.Equal(got, []int{3, 8}) {
		t.Fatalf("unbatched output shape %v, want [3 8]", got)
	}
	if got := hnA.Shape(); !slices.Equal(got, []int{4, 4}) {
		t.Fatalf("unbatched h_n shape %v, want [4 4]", got)
	}
	want := tensor.Concat(0, outA, tensor.Zeros(2, 8))
	torchfix.Close(t, "padded output", outP.Narrow(1, 1, 1).Squeeze(1), want, 1e-6, 1e-6)
	torchfix.Close(t, "padded h_n", hnP.Narrow(1, 1, 1).Squeeze(1), hnA, 1e-6, 1e-6)

	// Length 0: zero output, final state h0.
	g := nn.NewGRU(r, nn.RNNConfig{InputSize: 3, HiddenSize: 4})
	h0 := tensor.Randn(r, 1, 2, 4)
	outZ, hnZ := g.Forward(x, h0, []int{0, 2})
	torchfix.Close(t, "length 0 output", outZ.Narrow(1, 0, 1), tensor.Zeros(5, 1, 4), 0, 0)
	torchfix.Close(t, "length 0 h_n", hnZ.Narrow(1, 0, 1), h0.Narrow(1, 0, 1), 0, 0)
}

func TestRNNDropout(t *testing.T) {
	x := tensor.Randn(rng(), 4, 2, 3)
	l := nn.NewLSTM(rng(), nn.RNNConfig{InputSize: 3, HiddenSize: 8, NumLayers: 2, Dropout: 0.5})
	train, _, _ := l.Forward(x, nil, nil, nil)
	train2, _, _ := l.Forward(x, nil, nil, nil)
	nn.SetTraining(l, false)
	eval, _, _ := l.Forward(x, nil, nil, nil)
	eval2, _, _ := l.Forward(x, nil, nil, nil)
	if slices.Equal(train.Data(), eval.Data()) || slices.Equal(train.Data(), train2.Data()) {
		t.Error("dropout in training mode changes nothing")
	}
	if !slices.Equal(eval.Data(), eval2.Data()) {
		t.Error("evaluation mode is not deterministic")
	}
	l.Dropout = 0
	nn.SetTraining(l, true)
	plain, _, _ := l.Forward(x, nil, nil, nil)
	if !slices.Equal(plain.Data(), eval.Data()) {
		t.Error("evaluation mode differs from no dropout")
	}

	// Without a graph (frozen weights) dropout still applies in training.
	l.Dropout = 0.5
	nn.Freeze(l)
	frozen, _, _ := l.Forward(x, nil, nil, nil)
	if slices.Equal(frozen.Data(), eval.Data()) {
		t.Error("dropout changes nothing without a graph")
	}
	bare := &nn.GRU{RNNConfig: nn.RNNConfig{InputSize: 3, HiddenSize: 2, NumLayers: 2, Dropout: 0.5},
		Weights: nn.NewGRU(rng(), nn.RNNConfig{InputSize: 3, HiddenSize: 2, NumLayers: 2}).Weights}
	bare.Forward(x, nil, nil) // a struct literal starts in evaluation mode: no rng needed
	nn.SetTraining(bare, true)
	msg := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		bare.Forward(x, nil, nil)
		return ""
	}()
	if !strings.Contains(msg, "needs the *rand.Rand") {
		t.Errorf("dropout without a rng: panic %q", msg)
	}
}

func TestRNNPanics(t *testing.T) {
	l := nn.NewLSTM(rng(), nn.RNNConfig{InputSize: 3, HiddenSize: 4})
	g := nn.NewGRU(rng(), nn.RNNConfig{InputSize: 3, HiddenSize: 4, BatchFirst: true})
	x := tensor.Zeros(5, 2, 3)
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"input size", "LSTM.Forward: input of shape [5 2 4], want (seq, batch, 3)", func() { l.Forward(tensor.Zeros(5, 2, 4), nil, nil, nil) }},
		{"batch first", "GRU.Forward: input of shape [5 2], want (batch, seq, 3)", func() { g.Forward(tensor.Zeros(5, 2), nil, nil) }},
		{"h0", "LSTM.Forward: h0 of shape [1 3 4], want (1, 2, 4)", func() { l.Forward(x, tensor.Zeros(1, 3, 4), nil, nil) }},
		{"c0", "LSTM.Forward: c0 of shape [2 2 4], want (1, 2, 4)", func() { l.Forward(x, nil, tensor.Zeros(2, 2, 4), nil) }},
		{"lengths count", "LSTM.Forward: 1 lengths for a batch of 2", func() { l.Forward(x, nil, nil, []int{5}) }},
		{"length range", "GRU.Forward: length 6 outside [0, 2]", func() { g.Forward(x, nil, []int{1, 6, 2, 2, 2}) }},
		{"empty", "LSTM.Forward: empty sequence", func() { l.Forward(tensor.Zeros(0, 2, 3), nil, nil, nil) }},
		{"missing bias", "GRU.Forward: layer 0 direction 0 has no bias_hh", func() {
			w := g.Weights[0]
			w.BiasHH = nil
			(&nn.GRU{RNNConfig: g.RNNConfig, Weights: []nn.RNNWeights{w}}).Forward(tensor.Zeros(2, 5, 3), nil, nil)
		}},
		{"weight shape", "LSTM.Forward: layer 0 direction 0 weight_hh of shape [16 3], want [16 4]", func() {
			w := l.Weights[0]
			w.WeightHH = tensor.Zeros(16, 3)
			(&nn.LSTM{RNNConfig: l.RNNConfig, Weights: []nn.RNNWeights{w}}).Forward(x, nil, nil, nil)
		}},
		{"layers", "LSTM.Forward: 1 sets of weights for 2 layers and 1 directions", func() {
			cfg := l.RNNConfig
			cfg.NumLayers = 2
			(&nn.LSTM{RNNConfig: cfg, Weights: l.Weights}).Forward(x, nil, nil, nil)
		}},
		{"config", "nn.NewGRU: input size 0", func() { nn.NewGRU(rng(), nn.RNNConfig{HiddenSize: 2}) }},
		{"dropout", "nn.NewLSTM: dropout 2 outside [0, 1]", func() { nn.NewLSTM(rng(), nn.RNNConfig{InputSize: 1, HiddenSize: 1, Dropout: 2}) }},
	} {
		msg := func() (msg string) {
			defer func() { msg = fmt.Sprint(recover()) }()
			c.f()
			return ""
		}()
		if !strings.Contains(msg, c.want) {
			t.Errorf("%s: panic %q, want it to contain %q", c.name, msg, c.want)
		}
	}
}

func ExampleLSTM() {
	rng := rand.New(rand.NewPCG(1, 2))
	lstm := nn.NewLSTM(rng, nn.RNNConfig{InputSize: 8, HiddenSize: 16, NumLayers: 2, Bidirectional: true, BatchFirst: true})
	x := tensor.Randn(rng, 3, 5, 8) // 3 sequences of 5 steps, padded
	out, hn, cn := lstm.Forward(x, nil, nil, []int{5, 2, 4})
	fmt.Println(out.Shape(), hn.Shape(), cn.Shape())
	fmt.Println(out.At(1, 3, 0), out.At(1, 4, 31)) // past the end of sequence 1
	fmt.Println(nn.StateDict(lstm)[4].Name)
	// Output:
	// [3 5 32] [4 3 16] [4 3 16]
	// 0 0
	// weight_ih_l0_reverse
}

func ExampleGRU() {
	rng := rand.New(rand.NewPCG(1, 2))
	gru := nn.NewGRU(rng, nn.RNNConfig{InputSize: 8, HiddenSize: 16})
	out, hn := gru.Forward(tensor.Randn(rng, 5, 3, 8), nil, nil) // (seq, batch, input)
	fmt.Println(out.Shape(), hn.Shape())
	// Output:
	// [5 3 16] [1 3 16]
}

// BenchmarkLSTM is the workload lstm_i64_h128_t32_b32 of
// ../shared/bench/torch_bench.py (without the optimizer step):
// LSTM(64 → 128), 32 steps, batch 32, forward and backward of an MSE loss.
func BenchmarkLSTM(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	l := nn.NewLSTM(r, nn.RNNConfig{InputSize: 64, HiddenSize: 128})
	x := tensor.Randn(r, 32, 32, 64)
	target := tensor.Randn(r, 32, 32, 128)
	b.ReportAllocs()
	for b.Loop() {
		nn.ZeroGrad(l)
		out, _, _ := l.Forward(x, nil, nil, nil)
		d := out.Sub(target)
		d.Mul(d).MeanAll().Backward()
	}
}

// BenchmarkGRU is BenchmarkLSTM with a GRU.
func BenchmarkGRU(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	g := nn.NewGRU(r, nn.RNNConfig{InputSize: 64, HiddenSize: 128})
	x := tensor.Randn(r, 32, 32, 64)
	target := tensor.Randn(r, 32, 32, 128)
	b.ReportAllocs()
	for b.Loop() {
		nn.ZeroGrad(g)
		out, _ := g.Forward(x, nil, nil)
		d := out.Sub(target)
		d.Mul(d).MeanAll().Backward()
	}
}

// BenchmarkLSTMForward is BenchmarkLSTM's forward pass for inference
// (frozen weights, no graph).
func BenchmarkLSTMForward(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	l := nn.NewLSTM(r, nn.RNNConfig{InputSize: 64, HiddenSize: 128})
	nn.Freeze(l)
	x := tensor.Randn(r, 32, 32, 64)
	b.ReportAllocs()
	for b.Loop() {
		l.Forward(x, nil, nil, nil)
	}
}

// BenchmarkLSTMAdam is the whole training step of torch_bench.py's
// lstm_i64_h128_t32_b32_adam: BenchmarkLSTM followed by an Adam update.
func BenchmarkLSTMAdam(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	l := nn.NewLSTM(r, nn.RNNConfig{InputSize: 64, HiddenSize: 128})
	opt := optim.NewAdam(nn.Params(l), 1e-3)
	x := tensor.Randn(r, 32, 32, 64)
	target := tensor.Randn(r, 32, 32, 128)
	b.ReportAllocs()
	for b.Loop() {
		nn.ZeroGrad(l)
		out, _, _ := l.Forward(x, nil, nil, nil)
		d := out.Sub(target)
		d.Mul(d).MeanAll().Backward()
		opt.Step()
	}
}

// BenchmarkGRUForward is BenchmarkGRU's forward pass for inference.
func BenchmarkGRUForward(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	g := nn.NewGRU(r, nn.RNNConfig{InputSize: 64, HiddenSize: 128})
	nn.Freeze(g)
	x := tensor.Randn(r, 32, 32, 64)
	b.ReportAllocs()
	for b.Loop() {
		g.Forward(x, nil, nil)
	}
}

// TestRNNFloat64Reference runs LSTM and GRU against a float64
// implementation of PyTorch's equations, with weights large enough to
// push many gates towards saturation: the fused steps and their
// approximations of σ and tanh must agree to float32 rounding. (Errors are
// measured relative to |value| + 0.01.)
func TestRNNFloat64Reference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const T, B, I, H = 6, 5, 3, 7
	cfg := nn.RNNConfig{InputSize: I, HiddenSize: H}
	x := tensor.Randn(r, T, B, I)
	h0, c0 := tensor.Randn(r, 1, B, H), tensor.Randn(r, 1, B, H)
	for _, kind := range []string{"lstm", "gru"} {
		gates := 4
		if kind == "gru" {
			gates = 3
		}
		ws := nn.RNNWeights{
			WeightIH: tensor.Uniform(r, -2, 2, gates*H, I), WeightHH: tensor.Uniform(r, -1, 1, gates*H, H),
			BiasIH: tensor.Uniform(r, -2, 2, gates*H), BiasHH: tensor.Uniform(r, -2, 2, gates*H),
		}
		var out, hn, cn *tensor.Tensor
		if kind == "lstm" {
			out, hn, cn = (&nn.LSTM{RNNConfig: cfg, Weights: []nn.RNNWeights{ws}}).Forward(x, h0, c0, nil)
		} else {
			out, hn = (&nn.GRU{RNNConfig: cfg, Weights: []nn.RNNWeights{ws}}).Forward(x, h0, nil)
		}
		f64 := func(t *tensor.Tensor) []float64 {
			v := make([]float64, t.Size())
			for i, e := range t.Data() {
				v[i] = float64(e)
			}
			return v
		}
		wih, whh, bih, bhh := f64(ws.WeightIH), f64(ws.WeightHH), f64(ws.BiasIH), f64(ws.BiasHH)
		xs, h, c := f64(x), f64(h0), f64(c0)
		sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
		var want []float64
		for s := range T {
			h2 := make([]float64, B*H)
			for b := range B {
				xp := make([]float64, gates*H) // x·W_ihᵀ + b_ih
				hp := make([]float64, gates*H) // h·W_hhᵀ + b_hh
				for g := range xp {
					xp[g], hp[g] = bih[g], bhh[g]
					for i := range I {
						xp[g] += wih[g*I+i] * xs[(s*B+b)*I+i]
					}
					for i := range H {
						hp[g] += whh[g*H+i] * h[b*H+i]
					}
				}
				for j := range H {
					if kind == "lstm" {
						in, fg := sig(xp[j]+hp[j]), sig(xp[H+j]+hp[H+j])
						gg, og := math.Tanh(xp[2*H+j]+hp[2*H+j]), sig(xp[3*H+j]+hp[3*H+j])
						c[b*H+j] = fg*c[b*H+j] + in*gg
						h2[b*H+j] = og * math.Tanh(c[b*H+j])
					} else {
						rg, zg := sig(xp[j]+hp[j]), sig(xp[H+j]+hp[H+j])
						n := math.Tanh(xp[2*H+j] + rg*hp[2*H+j])
						h2[b*H+j] = (1-zg)*n + zg*h[b*H+j]
					}
				}
			}
			h = h2
			want = append(want, h...)
		}
		check := func(name string, got *tensor.Tensor, want []float64) {
			worst := 0.0
			for i, g := range got.Data() {
				worst = max(worst, math.Abs(float64(g)-want[i])/(math.Abs(want[i])+1e-2))
			}
			// A few float32 roundings carried through the steps: the unfused
			// implementation this replaced measured up to 8.7e-6 here, the
			// fused one up to 3.6e-6.
			if worst > 1e-5 {
				t.Errorf("%s %s: relative error %g against float64, want float32 rounding (< 1e-5)", kind, name, worst)
			}
		}
		check("out", out, want)
		check("h_n", hn, h)
		if cn != nil {
			check("c_n", cn, c)
		}
	}
}

// TestRNNParallelRows checks that splitting the rows of each step between
// goroutines (batch × hidden large enough, GOMAXPROCS > 1) changes nothing.
func TestRNNParallelRows(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	cfg := nn.RNNConfig{InputSize: 3, HiddenSize: 128, Bidirectional: true}
	l, g := nn.NewLSTM(r, cfg), nn.NewGRU(r, cfg)
	x := tensor.Randn(r, 3, 40, 3)
	lengths := make([]int, 40)
	for i := range lengths {
		lengths[i] = i % 4
	}
	run := func(procs int) []*tensor.Tensor {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		nn.ZeroGrad(l)
		nn.ZeroGrad(g)
		xg := x.Clone().SetRequiresGrad(true)
		out, hn, cn := l.Forward(xg, nil, nil, lengths)
		out2, hn2 := g.Forward(xg, nil, lengths)
		y := rnnFlat(out, hn, cn, out2, hn2)
		y.Mul(y).SumAll().Backward()
		res := []*tensor.Tensor{out, hn, cn, out2, hn2, xg.Grad()}
		for _, n := range append(nn.StateDict(l), nn.StateDict(g)...) {
			res = append(res, n.Tensor.Grad())
		}
		return res
	}
	one, two := run(1), run(2)
	for i := range one {
		torchfix.Close(t, fmt.Sprint("result ", i), two[i], one[i], 1e-6, 1e-7)
	}
}
