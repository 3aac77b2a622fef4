package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

const attnRtol, attnAtol = 1e-4, 1e-5

// attnLoadState loads the "p.<name>" tensors of a fixture written by
// testdata/attn.py or testdata/transformer.py into m, checks that m's
// state_dict names are PyTorch's (meta "params", same order), and
// switches m to evaluation mode.
func attnLoadState(t *testing.T, f *torchfix.Fixture, m any) {
	t.Helper()
	var want []string
	f.MetaValue(t, "params", &want)
	var got []string
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

// attnCheckGrads compares every parameter gradient of m with the fixture's
// "g.<name>" tensors.
func attnCheckGrads(t *testing.T, f *torchfix.Fixture, m any) {
	t.Helper()
	for _, n := range nn.NamedParams(m) {
		torchfix.Close(t, "grad of "+n.Name, n.Tensor.Grad(), f.T(t, "g."+n.Name), attnRtol, attnAtol)
	}
}

// dot returns sum(a*b), a scalar to backpropagate an upstream gradient b.
func attnDot(a, b *tensor.Tensor) *tensor.Tensor { return a.Mul(b).SumAll() }

func TestMultiHeadAttentionSelfKeyPaddingTorch(t *testing.T) {
	f := torchfix.Load(t, "testdata/attn_self_kpm.json")
	m := nn.NewMultiHeadAttention(rand.New(rand.NewPCG(1, 1)), 8, 2, 0.5, true, true)
	attnLoadState(t, f, m)
	x := f.T(t, "x").SetRequiresGrad(true)
	out, w := m.Forward(x, x, x, nn.AttentionOptions{KeyPaddingMask: f.T(t, "kpm"), NeedWeights: true})
	torchfix.Close(t, "output", out, f.T(t, "out"), attnRtol, attnAtol)
	torchfix.Close(t, "weights", w, f.T(t, "weights"), attnRtol, attnAtol)
	attnDot(out, f.T(t, "gout")).Add(attnDot(w, f.T(t, "gw"))).Backward()
	torchfix.Close(t, "grad x", x.Grad(), f.T(t, "grad.x"), attnRtol, attnAtol)
	attnCheckGrads(t, f, m)

	// The same key padding given as a boolean attention mask of shape
	// (N·heads, L, S) gives the same output.
	kpm := f.T(t, "kpm")
	n, l := kpm.Dim(0), kpm.Dim(1)
	bm := tensor.Zeros(n*2, l, l)
	for b := range n * 2 {
		for i := range l {
			for j := range l {
				bm.Set(kpm.At(b/2, j), b, i, j)
			}
		}
	}
	out2, _ := m.Forward(x.Detach(), x.Detach(), x.Detach(), nn.AttentionOptions{AttnMask: bm, BoolMask: true})
	torchfix.Close(t, "output with a 3-D boolean mask", out2, f.T(t, "out"), attnRtol, attnAtol)
}

func TestMultiHeadAttentionCrossCausalTorch(t *testing.T) {
	f := torchfix.Load(t, "testdata/attn_cross_causal.json")
	m := nn.NewMultiHeadAttention(rand.New(rand.NewPCG(1, 1)), 8, 2, 0, true, false)
	attnLoadState(t, f, m)
	q, k, v := f.T(t, "q").SetRequiresGrad(true), f.T(t, "k").SetRequiresGrad(true), f.T(t, "v").SetRequiresGrad(true)
	out, w := m.Forward(q, k, v, nn.AttentionOptions{AttnMask: f.T(t, "mask"), NeedWeights: true})
	torchfix.Close(t, "output", out, f.T(t, "out"), attnRtol, attnAtol)
	torchfix.Close(t, "weights", w, f.T(t, "weights"), attnRtol, attnAtol)
	out.BackwardWith(f.T(t, "gout"))
	for name, x := range map[string]*tensor.Tensor{"q": q, "k": k, "v": v} {
		torchfix.Close(t, "grad "+name, x.Grad(), f.T(t, "grad."+name), attnRtol, attnAtol)
	}
	attnCheckGrads(t, f, m)

	// Causal plus the finite part of the mask is the same mask.
	q2, k2, v2 := q.Detach(), k.Detach(), v.Detach()
	out2, wh := m.Forward(q2, k2, v2, nn.AttentionOptions{AttnMask: f.T(t, "extra"), Causal: true, NeedWeights: true, PerHeadWeights: true})
	torchfix.Close(t, "output with Causal", out2, f.T(t, "out"), attnRtol, attnAtol)
	torchfix.Close(t, "per-head weights", wh, f.T(t, "weights_per_head"), attnRtol, attnAtol)
}

// A boolean mask, its AdditiveMask, and CausalMask agree, and an
// unbatched call equals one sequence of a batched call.
func TestMultiHeadAttentionMasksAndUnbatched(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	m := nn.NewMultiHeadAttention(r, 8, 4, 0, true, false)
	nn.SetTraining(m, false)
	const l, n = 5, 3
	x := tensor.Randn(r, l, n, 8)
	causal := nn.CausalMask(l)
	bm := tensor.Zeros(l, l)
	for i := range l {
		for j := i + 1; j < l; j++ {
			bm.Set(1, i, j)
		}
	}
	a, wa := m.Forward(x, x, x, nn.AttentionOptions{AttnMask: causal, NeedWeights: true})
	b, _ := m.Forward(x, x, x, nn.AttentionOptions{AttnMask: bm, BoolMask: true})
	c, _ := m.Forward(x, x, x, nn.AttentionOptions{AttnMask: nn.AdditiveMask(bm)})
	d, _ := m.Forward(x, x, x, nn.AttentionOptions{Causal: true})
	for name, y := range map[string]*tensor.Tensor{"bool": b, "additive": c, "causal": d} {
		torchfix.Close(t, name, y, a, 1e-6, 1e-6)
	}
	for i := range l {
		for j := range l {
			if got := wa.At(1, i, j); (j > i) != (got == 0) {
				t.Errorf("weight [%d %d] = %v; causal masking wrong", i, j, got)
			}
		}
	}
	// Sequence 1 alone, unbatched (L, E).
	x1 := x.Narrow(1, 1, 1).Reshape(l, 8)
	u, wu := m.Forward(x1, x1, x1, nn.AttentionOptions{Causal: true, NeedWeights: true})
	torchfix.Close(t, "unbatched output", u, a.Narrow(1, 1, 1).Reshape(l, 8), 1e-5, 1e-6)
	torchfix.Close(t, "unbatched weights", wu, wa.Narrow(0, 1, 1).Reshape(l, l), 1e-5, 1e-6)
}

// A query whose keys are all masked gets zero weights and out_proj's bias
// as output (PyTorch gives NaN), and finite gradients.
func TestMultiHeadAttentionFullyMaskedRow(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m := nn.NewMultiHeadAttention(r, 4, 2, 0, true, true)
	for _, v := range m.OutProj.Bias.Data() {
		if v != 0 {
			t.Fatal("out_proj.bias not initialised to zero")
		}
	}
	copy(m.OutProj.Bias.Data(), []float32{1, 2, 3, 4})
	x := tensor.Randn(r, 2, 3, 4).SetRequiresGrad(true)
	kpm := tensor.New([]float32{1, 1, 1, 0, 0, 1}, 2, 3)
	out, w := m.Forward(x, x, x, nn.AttentionOptions{KeyPaddingMask: kpm, NeedWeights: true})
	for i := range 3 {
		for j := range 3 {
			if w.At(0, i, j) != 0 {
				t.Fatalf("weights of a fully masked row: %v", w)
			}
		}
		for c := range 4 {
			if out.At(0, i, c) != float32(c+1) {
				t.Fatalf("output of a fully masked row %v, want out_proj.bias", out)
			}
		}
	}
	out.SumAll().Backward()
	for _, p := range append(nn.Params(m), x) {
		for _, g := range p.Grad().Data() {
			if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
				t.Fatal("non-finite gradient")
			}
		}
	}
}

func TestMultiHeadAttentionGradCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, self := range []bool{true, false} {
		t.Run(fmt.Sprintf("self=%v", self), func(t *testing.T) {
			mask := nn.CausalMask(3)
			kpm := tensor.New([]float32{0, 0, 1, 0, 0, 0}, 2, 3)
			f := func(in ...*tensor.Tensor) *tensor.Tensor {
				q, k, v, p := in[0], in[0], in[0], in[1:]
				if !self {
					k, v, p = in[1], in[2], in[3:]
				}
				m := &nn.MultiHeadAttention{InProjWeight: p[0], InProjBias: p[1],
					OutProj: &nn.Linear{Weight: p[2], Bias: p[3]}, EmbedDim: 4, NumHeads: 2, BatchFirst: true}
				out, w := m.Forward(q, k, v, nn.AttentionOptions{AttnMask: mask, KeyPaddingMask: kpm, NeedWeights: true})
				return tensor.Concat(-1, out, w)
			}
			in := []*tensor.Tensor{tensor.Randn(r, 2, 3, 4)}
			if !self {
				in = append(in, tensor.Randn(r, 2, 3, 4), tensor.Randn(r, 2, 3, 4))
			}
			in = append(in, tensor.Randn(r, 12, 4), tensor.Randn(r, 12), tensor.Randn(r, 4, 4), tensor.Randn(r, 4))
			tensortest.GradCheck(t, f, in...)
		})
	}
}

func TestMultiHeadAttentionInitAndNames(t *testing.T) {
	const e = 64
	m := nn.NewMultiHeadAttention(rand.New(rand.NewPCG(9, 9)), e, 4, 0.1, true, false)
	var names []string
	for _, n := range nn.StateDict(m) {
		names = append(names, fmt.Sprint(n.Name, n.Tensor.Shape()))
	}
	want := []string{"in_proj_weight[192 64]", "in_proj_bias[192]", "out_proj.weight[64 64]", "out_proj.bias[64]"}
	if !slices.Equal(names, want) {
		t.Errorf("state %q, want %q", names, want)
	}
	bound := func(x *tensor.Tensor) float64 {
		return float64(x.Abs().Max(-1, false).Max(0, false).Item())
	}
	if b, want := bound(m.InProjWeight), math.Sqrt(6.0/(e+3*e)); b > want || b < 0.95*want {
		t.Errorf("in_proj_weight within %v, want xavier_uniform bound %v", b, want)
	}
	if b, want := bound(m.OutProj.Weight), 1/math.Sqrt(e); b > want || b < 0.95*want {
		t.Errorf("out_proj.weight within %v, want Linear's bound %v", b, want)
	}
	if m.InProjBias.Abs().SumAll().Item() != 0 || m.OutProj.Bias.Abs().SumAll().Item() != 0 {
		t.Error("biases not zero")
	}
	nb := nn.NewMultiHeadAttention(rand.New(rand.NewPCG(9, 9)), e, 4, 0, false, false)
	if nb.InProjBias != nil || nb.OutProj.Bias != nil || len(nn.StateDict(nb)) != 2 {
		t.Error("bias=false still has biases")
	}
}

func TestMultiHeadAttentionDropout(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 11))
	m := nn.NewMultiHeadAttention(r, 8, 2, 0.5, true, true)
	x := tensor.Randn(r, 2, 5, 8)
	fwd := func() (*tensor.Tensor, *tensor.Tensor) {
		return m.Forward(x, x, x, nn.AttentionOptions{NeedWeights: true, PerHeadWeights: true})
	}
	a, wa := fwd()
	b, _ := fwd()
	if torchfix.Compare(a, b, 0, 0) == nil {
		t.Error("training mode: two calls gave the same output; dropout is not applied")
	}
	zeros := 0
	for _, v := range wa.Data() {
		if v == 0 {
			zeros++
		}
	}
	if zeros == 0 || zeros == wa.Size() {
		t.Errorf("%d of %d weights dropped with p = 0.5", zeros, wa.Size())
	}
	nn.SetTraining(m, false)
	if m.Training() {
		t.Fatal("nn.SetTraining(m, false) did not reach the layer")
	}
	c, _ := fwd()
	d, _ := fwd()
	if err := torchfix.Compare(c, d, 0, 0); err != nil {
		t.Errorf("eval mode is not deterministic: %v", err)
	}
}

func TestMultiHeadAttentionPanics(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	m := nn.NewMultiHeadAttention(r, 8, 2, 0, true, true)
	x := tensor.Zeros(2, 3, 8)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"heads do not divide", func() { nn.NewMultiHeadAttention(r, 6, 4, 0, true, true) }},
		{"embedding size", func() { m.Forward(tensor.Zeros(2, 3, 4), x, x, nn.AttentionOptions{}) }},
		{"key and value differ", func() { m.Forward(x, x, tensor.Zeros(2, 4, 8), nn.AttentionOptions{}) }},
		{"key padding shape", func() { m.Forward(x, x, x, nn.AttentionOptions{KeyPaddingMask: tensor.Zeros(3, 2)}) }},
		{"attention mask shape", func() { m.Forward(x, x, x, nn.AttentionOptions{AttnMask: tensor.Zeros(3, 4)}) }},
		{"batch sizes", func() { m.Forward(x, tensor.Zeros(1, 3, 8), tensor.Zeros(1, 3, 8), nn.AttentionOptions{}) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
}

func ExampleMultiHeadAttention() {
	rng := rand.New(rand.NewPCG(1, 2))
	attn := nn.NewMultiHeadAttention(rng, 16, 4, 0.1, true, true) // batch first
	nn.SetTraining(attn, false)
	x := tensor.Randn(rng, 2, 5, 16) // (batch, length, embedding)
	out, w := attn.Forward(x, x, x, nn.AttentionOptions{Causal: true, NeedWeights: true})
	fmt.Println(out.Shape(), w.Shape())
	fmt.Printf("first query attends only to itself: %.2f\n", w.At(0, 0, 0))
	// Output:
	// [2 5 16] [2 5 5]
	// first query attends only to itself: 1.00
}
