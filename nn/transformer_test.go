package nn_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// tfmConfig is the layer configuration a transformer fixture records.
type tfmConfig struct {
	dModel, nHead, ff     int
	activation            string
	eps                   float64
	batchFirst, normFirst bool
}

func tfmLoadConfig(t *testing.T, f *torchfix.Fixture) tfmConfig {
	var c tfmConfig
	f.MetaValue(t, "d_model", &c.dModel)
	f.MetaValue(t, "nhead", &c.nHead)
	f.MetaValue(t, "dim_feedforward", &c.ff)
	f.MetaValue(t, "activation", &c.activation)
	f.MetaValue(t, "eps", &c.eps)
	f.MetaValue(t, "batch_first", &c.batchFirst)
	f.MetaValue(t, "norm_first", &c.normFirst)
	return c
}

// tfmOptional returns the named fixture tensor, or nil if it has none.
func tfmOptional(t *testing.T, f *torchfix.Fixture, name string) *tensor.Tensor {
	if _, ok := f.Tensors[name]; !ok {
		return nil
	}
	return f.T(t, name)
}

func TestTransformerEncoderLayerTorch(t *testing.T) {
	for _, name := range []string{"transformer_enc_post_relu", "transformer_enc_pre_gelu_kpm"} {
		t.Run(name, func(t *testing.T) {
			f := torchfix.Load(t, "testdata/"+name+".json")
			c := tfmLoadConfig(t, f)
			layer := nn.NewTransformerEncoderLayer(rand.New(rand.NewPCG(1, 1)), c.dModel, c.nHead, c.ff, 0.1, c.activation, c.eps, c.batchFirst, c.normFirst)
			attnLoadState(t, f, layer)
			src := f.T(t, "src").SetRequiresGrad(true)
			out := layer.Forward(src, nil, tfmOptional(t, f, "kpm"))
			torchfix.Close(t, "output", out, f.T(t, "out"), attnRtol, attnAtol)
			out.BackwardWith(f.T(t, "gout"))
			torchfix.Close(t, "grad src", src.Grad(), f.T(t, "grad.src"), attnRtol, attnAtol)
			attnCheckGrads(t, f, layer)
		})
	}
}

func TestTransformerDecoderLayerTorch(t *testing.T) {
	for _, name := range []string{"transformer_dec_post", "transformer_dec_pre"} {
		t.Run(name, func(t *testing.T) {
			f := torchfix.Load(t, "testdata/"+name+".json")
			c := tfmLoadConfig(t, f)
			layer := nn.NewTransformerDecoderLayer(rand.New(rand.NewPCG(1, 1)), c.dModel, c.nHead, c.ff, 0.1, c.activation, c.eps, c.batchFirst, c.normFirst)
			attnLoadState(t, f, layer)
			tgt, mem := f.T(t, "tgt").SetRequiresGrad(true), f.T(t, "memory").SetRequiresGrad(true)
			out := layer.Forward(tgt, mem, f.T(t, "tgt_mask"), tfmOptional(t, f, "memory_mask"),
				tfmOptional(t, f, "tgt_kpm"), tfmOptional(t, f, "mem_kpm"))
			torchfix.Close(t, "output", out, f.T(t, "out"), attnRtol, attnAtol)
			out.BackwardWith(f.T(t, "gout"))
			torchfix.Close(t, "grad tgt", tgt.Grad(), f.T(t, "grad.tgt"), attnRtol, attnAtol)
			torchfix.Close(t, "grad memory", mem.Grad(), f.T(t, "grad.memory"), attnRtol, attnAtol)
			attnCheckGrads(t, f, layer)
		})
	}
}

func TestTransformerLayerNamesAndConfig(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 3))
	enc := nn.NewTransformerEncoderLayer(r, 8, 2, 16, 0.1, "gelu", 1e-6, false, true)
	var names []string
	for _, n := range nn.StateDict(enc) {
		names = append(names, n.Name)
	}
	want := []string{"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
		"linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("encoder state %q, want %q", names, want)
	}
	if enc.Norm1.Eps != 1e-6 || enc.Norm2.Eps != 1e-6 || !enc.NormFirst || enc.SelfAttn.BatchFirst {
		t.Error("configuration not stored")
	}
	dec := nn.NewTransformerDecoderLayer(r, 8, 2, 16, 0.1, "relu", 1e-5, true, false)
	if n := len(nn.StateDict(dec)); n != 4+4+4+6 {
		t.Errorf("decoder has %d tensors, want 18", n)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("unknown activation: no panic")
			}
		}()
		nn.NewTransformerEncoderLayer(r, 8, 2, 16, 0.1, "tanh", 1e-5, false, false)
	}()
}

// In training mode dropout makes two passes differ; after
// SetTraining(false) they are identical.
func TestTransformerLayerDropout(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 5))
	enc := nn.NewTransformerEncoderLayer(r, 8, 2, 16, 0.2, "relu", 1e-5, true, false)
	dec := nn.NewTransformerDecoderLayer(r, 8, 2, 16, 0.2, "relu", 1e-5, true, true)
	src, tgt := tensor.Randn(r, 2, 5, 8), tensor.Randn(r, 2, 4, 8)
	runs := map[string]func() *tensor.Tensor{
		"encoder": func() *tensor.Tensor { return enc.Forward(src, nil, nil) },
		"decoder": func() *tensor.Tensor { return dec.Forward(tgt, src, nn.CausalMask(4), nil, nil, nil) },
	}
	for name, run := range runs {
		if torchfix.Compare(run(), run(), 0, 0) == nil {
			t.Errorf("%s: training mode gave the same output twice", name)
		}
	}
	nn.SetTraining(enc, false)
	nn.SetTraining(dec, false)
	for name, run := range runs {
		if err := torchfix.Compare(run(), run(), 0, 0); err != nil {
			t.Errorf("%s: evaluation mode not deterministic: %v", name, err)
		}
	}
	// The same seed gives the same training-mode outputs.
	a := nn.NewTransformerEncoderLayer(rand.New(rand.NewPCG(6, 6)), 8, 2, 16, 0.2, "relu", 1e-5, true, false)
	b := nn.NewTransformerEncoderLayer(rand.New(rand.NewPCG(6, 6)), 8, 2, 16, 0.2, "relu", 1e-5, true, false)
	if err := torchfix.Compare(a.Forward(src, nil, nil), b.Forward(src, nil, nil), 0, 0); err != nil {
		t.Errorf("same seed, different outputs: %v", err)
	}
}

func ExampleTransformerEncoderLayer() {
	rng := rand.New(rand.NewPCG(1, 2))
	// d_model 16, 4 heads, feed-forward 32, dropout 0.1, batch first, post-norm.
	layer := nn.NewTransformerEncoderLayer(rng, 16, 4, 32, 0.1, "relu", 1e-5, true, false)
	nn.SetTraining(layer, false)
	src := tensor.Randn(rng, 2, 6, 16)                                     // (batch, length, d_model)
	pad := tensor.New([]float32{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0}, 2, 6) // last two tokens of sequence 0 are padding
	out := layer.Forward(src, nn.CausalMask(6), pad)
	fmt.Println(out.Shape())
	// Output: [2 6 16]
}

func ExampleTransformerDecoderLayer() {
	rng := rand.New(rand.NewPCG(1, 2))
	layer := nn.NewTransformerDecoderLayer(rng, 16, 4, 32, 0.1, "gelu", 1e-5, false, true) // sequence first, pre-norm
	nn.SetTraining(layer, false)
	memory := tensor.Randn(rng, 7, 2, 16) // encoder output (S, batch, d_model)
	tgt := tensor.Randn(rng, 5, 2, 16)    // (T, batch, d_model)
	out := layer.Forward(tgt, memory, nn.CausalMask(5), nil, nil, nil)
	fmt.Println(out.Shape())
	// Output: [5 2 16]
}

// BenchmarkTransformerEncoderLayer is the ../shared/bench workload
// transformer_enc_d128_h4_ff512_t64_b16 without the optimizer step: a
// post-norm ReLU encoder layer, d_model 128, 4 heads, feed-forward 512,
// dropout 0.1 in training mode, batch 16 of 64 tokens (batch first), MSE
// loss, forward and backward.
func BenchmarkTransformerEncoderLayer(b *testing.B) {
	const batch, seq, d, heads, ff = 16, 64, 128, 4, 512
	r := rand.New(rand.NewPCG(0, 1))
	layer := nn.NewTransformerEncoderLayer(r, d, heads, ff, 0.1, "relu", 1e-5, true, false)
	x := tensor.Randn(r, batch, seq, d)
	target := tensor.Randn(r, batch, seq, d)
	b.ReportAllocs()
	for b.Loop() {
		nn.ZeroGrad(layer)
		diff := layer.Forward(x, nil, nil).Sub(target)
		diff.Mul(diff).MeanAll().Backward()
	}
}
