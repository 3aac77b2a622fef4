package main

import (
	"math"

	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/tensor"
)

// hiddenStates returns the hidden states (n, t, Hidden) of a GPT at every
// depth: the embeddings, the output of each block, and the last block's
// output after ln_f (the state the LM head reads), Layers+2 tensors.
//
// nn/models.GPT exposes only logits, so this repeats its forward pass
// (models/gpt.go, GPTBlock.forward) from the exported fields, without a
// cache and without dropout (call it in evaluation mode). TestHiddenStates
// checks that the last state through the tied head gives GPT.Forward's
// logits. It is a stop-gap until nn/models offers the per-layer states.
func hiddenStates(m *models.GPT, ids []int, n, t int) []*tensor.Tensor {
	pos := make([]int, n*t)
	for i := range pos {
		pos[i] = i % t
	}
	x := m.Wte.Forward(ids, n, t).Add(m.Wpe.Forward(pos, n, t))
	out := []*tensor.Tensor{x}
	mask := tensor.Zeros(1, 1, t, t)
	md := mask.Data()
	for i := range t {
		for j := i + 1; j < t; j++ {
			md[i*t+j] = float32(math.Inf(-1))
		}
	}
	for _, b := range m.Blocks {
		a := b.Attn
		h, e := a.Heads, x.Dim(2)
		qkv := a.CAttn.Forward(b.Ln1.Forward(x)).Split(-1, e, e, e)
		split := func(y *tensor.Tensor) *tensor.Tensor { return y.Reshape(n, t, h, e/h).Permute(0, 2, 1, 3) }
		q, k, v := split(qkv[0]), split(qkv[1]), split(qkv[2])
		s := q.MatMul(k.Transpose(2, 3)).MulScalar(float32(1 / math.Sqrt(float64(e/h)))).Add(mask)
		y := s.Softmax(-1).MatMul(v).Permute(0, 2, 1, 3).Reshape(n, t, e)
		x = x.Add(a.CProj.Forward(y))
		f := b.MLP.CFc.Forward(b.Ln2.Forward(x))
		inner := f.Add(f.Mul(f).Mul(f).MulScalar(0.044715)).MulScalar(float32(math.Sqrt(2 / math.Pi)))
		x = x.Add(b.MLP.CProj.Forward(f.Mul(inner.Tanh().AddScalar(1)).MulScalar(0.5)))
		out = append(out, x)
	}
	return append(out, m.LnF.Forward(x))
}

// meanPool returns the mean of h (n, t, d) over the first lens[i] positions
// of each row (right padding is not counted: the masked mean the spec asks
// for, not x-LLM's division by the padded length).
func meanPool(h *tensor.Tensor, lens []int) [][]float64 {
	n, t, d := h.Dim(0), h.Dim(1), h.Dim(2)
	hd := h.Data()
	out := make([][]float64, n)
	for i := range n {
		v := make([]float64, d)
		for j := range lens[i] {
			row := hd[(i*t+j)*d : (i*t+j+1)*d]
			for k, x := range row {
				v[k] += float64(x)
			}
		}
		for k := range v {
			v[k] /= float64(lens[i])
		}
		out[i] = v
	}
	return out
}

func cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
