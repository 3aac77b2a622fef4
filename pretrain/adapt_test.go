package pretrain

import (
	"fmt"
	"math"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

type lrBox struct{ lr float64 }

func (b *lrBox) LR() float64      { return b.lr }
func (b *lrBox) SetLR(lr float64) { b.lr = lr }

func TestSTLR(t *testing.T) {
	t.Parallel()
	box := &lrBox{lr: 0.01}
	s := NewSTLR(box, 1000, 0.1, 32)
	for _, c := range []struct {
		t    int
		want float64
	}{{0, 0.0003125}, {50, 0.00515625}, {100, 0.01}, {550, 0.00515625}, {1000, 0.0003125}} {
		within(t, fmt.Sprintf("STLR(t=%d)", c.t), s.LRAt(0.01, c.t), c.want, 1e-12)
	}
	within(t, "rate set at t=0", box.lr, 0.0003125, 1e-12)
	for range 100 {
		s.Step()
	}
	within(t, "rate after 100 steps", box.lr, 0.01, 1e-12)
}

// stack is a toy model: an embedding, two layers and a head.
type stack struct {
	Embed  *nn.Linear
	Layers []*nn.Linear
	Head   *nn.Linear
}

func newStack() *stack {
	rng := newRNG(81)
	return &stack{
		Embed:  nn.NewLinear(rng, 2, 2),
		Layers: []*nn.Linear{nn.NewLinear(rng, 2, 2), nn.NewLinear(rng, 2, 2)},
		Head:   nn.NewLinear(rng, 2, 1),
	}
}

func TestFreezingAndUnfreezing(t *testing.T) {
	t.Parallel()
	m := newStack()
	if n := FreezePrefix(m, "embed.", "layers.0."); n != 4 {
		t.Fatalf("froze %d tensors, want 4", n)
	}
	if len(nn.Params(m)) != 4 || m.Embed.Weight.RequiresGrad() || !m.Layers[1].Weight.RequiresGrad() {
		t.Fatalf("%d trainable after freezing", len(nn.Params(m)))
	}
	UnfreezePrefix(m, "embed.")
	if len(nn.Params(m)) != 6 {
		t.Fatalf("%d trainable after unfreezing", len(nn.Params(m)))
	}
	g := GradualUnfreezing{Groups: [][]string{{"head."}, {"layers.1."}, {"layers.0."}, {"embed."}}}
	for epoch, want := range []int{2, 4, 6, 8, 8} {
		g.Apply(m, epoch)
		if got := len(nn.Params(m)); got != want {
			t.Errorf("epoch %d: %d trainable tensors, want %d", epoch, got, want)
		}
	}
}

// TestFeatureExtraction freezes the encoder by prefix: the backward pass
// reaches only the head.
func TestFeatureExtraction(t *testing.T) {
	t.Parallel()
	m := newStack()
	FreezePrefix(m, "embed.", "layers.")
	x := tensor.New([]float32{1, -1}, 1, 2)
	h := m.Layers[1].Forward(m.Layers[0].Forward(m.Embed.Forward(x)).Tanh()).Tanh()
	if h.RequiresGrad() {
		t.Fatal("frozen encoder recorded a graph")
	}
	m.Head.Forward(h).SumAll().Backward()
	if m.Embed.Weight.Grad() != nil || m.Layers[1].Weight.Grad() != nil || m.Head.Weight.Grad() == nil {
		t.Error("gradients reached the frozen encoder or missed the head")
	}
}

func TestDiscriminativeGroups(t *testing.T) {
	t.Parallel()
	m := newStack()
	gs := DiscriminativeGroups(m, []string{"embed.", "layers.0.", "layers.1."}, 0.01, 2.6)
	want := []float64{0.01 / 2.6 / 2.6, 0.01 / 2.6, 0.01, 0.01}
	if len(gs) != 4 || gs[3].Prefix != "" || len(gs[3].Params) != 2 {
		t.Fatalf("groups %+v", gs)
	}
	for i, g := range gs {
		within(t, "group lr "+g.Prefix, g.LR, want[i], 1e-15)
	}
	opt := NewGroups(gs, func(p []*tensor.Tensor, lr float64) optim.Optimizer { return optim.NewSGD(p, lr) })
	before := m.Embed.Bias.Clone().Data()
	topBefore := m.Layers[1].Bias.Clone().Data()
	// Gradient 1 on every bias: a step moves each by its group's rate.
	loss := m.Embed.Bias.SumAll().Add(m.Layers[1].Bias.SumAll())
	opt.ZeroGrad()
	loss.Backward()
	opt.Step()
	within(t, "embedding step", float64(before[0]-m.Embed.Bias.Data()[0]), want[0], 1e-7)
	within(t, "top layer step", float64(topBefore[0]-m.Layers[1].Bias.Data()[0]), want[2], 1e-7)
	// A schedule drives every group in proportion.
	NewSTLR(opt, 1000, 0.1, 32)
	within(t, "embedding rate under STLR", opt.Optimizers()[0].LR(), want[0]/32, 1e-12)
	within(t, "top rate under STLR", opt.Optimizers()[2].LR(), 0.01/32, 1e-12)
	if opt.Steps() != 1 || len(opt.Params()) != 8 {
		t.Errorf("steps %d, params %d", opt.Steps(), len(opt.Params()))
	}
	if err := opt.LoadState(opt.State()); err != nil {
		t.Errorf("state round trip: %v", err)
	}
}

func TestScalarMix(t *testing.T) {
	t.Parallel()
	rng := newRNG(91)
	h := []*tensor.Tensor{tensor.Randn(rng, 2, 3), tensor.Randn(rng, 2, 3), tensor.Randn(rng, 2, 3)}
	s := NewScalarMix(3)
	got := s.Forward(h...).Data()
	mean := h[0].Add(h[1]).Add(h[2]).MulScalar(1.0 / 3).Data()
	for i := range got {
		within(t, "equal weights = layer mean", float64(got[i]), float64(mean[i]), 1e-6)
	}
	copy(s.Weights.Data(), []float32{-1e4, 0, -1e4})
	got = s.Forward(h...).Data()
	for i := range got {
		within(t, "one-hot α = that layer", float64(got[i]), float64(h[1].Data()[i]), 1e-6)
	}
	copy(s.Weights.Data(), []float32{0.3, -0.2, 0.1})
	s.Gamma.Data()[0] = 1.5
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		m := &ScalarMix{Weights: in[0], Gamma: in[1]}
		return m.Forward(in[2], in[3], in[4])
	}, s.Weights, s.Gamma, h[0], h[1], h[2])
}

func TestAdapter(t *testing.T) {
	t.Parallel()
	rng := newRNG(92)
	a := NewAdapter(rng, 8, 2, 1e-2)
	for _, w := range append(a.Down.Weight.Data(), a.Up.Weight.Data()...) {
		if math.Abs(float64(w)) > 2e-2 {
			t.Fatalf("weight %v beyond two standard deviations", w)
		}
	}
	x := tensor.Randn(rng, 3, 8)
	y := a.Forward(x).Data()
	for i := range y {
		within(t, "near-identity adapter", float64(y[i]), float64(x.Data()[i]), 1e-3)
	}
	if n := nn.NumParams(a); n != 8*2+2+2*8+8 {
		t.Errorf("%d parameters", n)
	}
	b := NewAdapter(rng, 4, 2, 0.5)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		m := &Adapter{Down: &nn.Linear{Weight: in[1], Bias: in[2]}, Up: &nn.Linear{Weight: in[3], Bias: in[4]}}
		return m.Forward(in[0])
	}, tensor.Randn(rng, 2, 4), b.Down.Weight, b.Down.Bias, b.Up.Weight, b.Up.Bias)
}

func ExampleNewSTLR() {
	opt := optim.NewSGD([]*tensor.Tensor{tensor.Zeros(1).SetRequiresGrad(true)}, 0.01)
	s := NewSTLR(opt, 1000, 0.1, 32)
	for _, t := range []int{0, 50, 100, 550, 1000} {
		fmt.Printf("t=%d lr=%.8f\n", t, s.LRAt(0.01, t))
	}
	// Output:
	// t=0 lr=0.00031250
	// t=50 lr=0.00515625
	// t=100 lr=0.01000000
	// t=550 lr=0.00515625
	// t=1000 lr=0.00031250
}
