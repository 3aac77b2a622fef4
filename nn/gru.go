package nn

import (
	"math/rand/v2"
	"slices"

	"github.com/cairn-ml/cairn/tensor"
)

// GRU is a multi-layer gated recurrent unit network, as torch.nn.GRU. For
// each step and layer it computes
//
//	r = σ(W_ir x + b_ir + W_hr h + b_hr)
//	z = σ(W_iz x + b_iz + W_hz h + b_hz)
//	n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//	h' = (1 - z) ⊙ n + z ⊙ h
//
// with the reset gate applied after the hidden projection, as PyTorch (and
// cuDNN) do. Its state lists under PyTorch's state_dict names
// (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0,
// weight_ih_l0_reverse, ...). The configuration fields are promoted from
// RNNConfig.
//
// A GRU made by NewGRU starts in training mode, as PyTorch modules do
// (a struct literal starts in evaluation mode); the mode only matters when
// Dropout is set.
type GRU struct {
	RNNConfig
	// Weights holds each layer's parameters, index layer*directions +
	// direction, forward direction first. Their rows stack the gates r, z,
	// n.
	Weights []RNNWeights

	rng      *rand.Rand
	training bool
}

var (
	_ Stater  = (*GRU)(nil)
	_ Trainer = (*GRU)(nil)
)

// NewGRU returns a GRU with the given configuration, its weights drawn
// from U(-1/sqrt(hidden), 1/sqrt(hidden)) as PyTorch does. rng is kept to
// draw the inter-layer dropout masks when cfg.Dropout is set. It panics on
// sizes that are not positive or a dropout outside [0, 1].
func NewGRU(rng *rand.Rand, cfg RNNConfig) *GRU {
	cfg.check("NewGRU")
	return &GRU{RNNConfig: cfg, Weights: newRNNWeights(rng, cfg, 3), rng: rng, training: true}
}

// State implements Stater with PyTorch's names for the weights.
func (g *GRU) State() []Named { return rnnState(g.RNNConfig, g.Weights) }

// SetTraining implements Trainer: inter-layer dropout applies only in
// training mode.
func (g *GRU) SetTraining(on bool) { g.training = on }

// Forward runs the GRU over x, of shape (seq, batch, input), or (batch,
// seq, input) with BatchFirst, or (seq, input) for a single unbatched
// sequence. h0 is the initial hidden state, (layers*directions, batch,
// hidden) (without the batch dimension for an unbatched input); nil means
// zeros.
//
// lengths, if not nil, gives the length of each sequence of a padded batch
// and makes the GRU behave as PyTorch does on a packed sequence
// (pack_padded_sequence with enforce_sorted=False, then
// pad_packed_sequence): see LSTM.Forward.
//
// It returns the output of the last layer, (seq, batch,
// directions*hidden) (batch first with BatchFirst), forward direction
// first on the last axis, and the final hidden state of every layer and
// direction, (layers*directions, batch, hidden), PyTorch's h_n.
func (g *GRU) Forward(x, h0 *tensor.Tensor, lengths []int) (out, hn *tensor.Tensor) {
	r := rnnRun{
		op: "GRU.Forward", cfg: g.RNNConfig, ws: g.Weights, gates: 3,
		seq:     gruSeq,
		dropout: rnnDropout("GRU.Forward", g.RNNConfig, g.rng, g.training),
	}
	out, hn, _ = r.forward(x, h0, nil, lengths)
	return out, hn
}

// gruSeq is the rnnSeq of GRU (c0 is unused and cn nil). Each step
// computes the hidden projection h·W_hhᵀ + b_hh with one matrix product,
// then the gates and h' of the whole batch in one pass; the activations
// and the projection's n part are kept for the backward pass.
func gruSeq(w *RNNWeights, xp, h0, _ *tensor.Tensor, lengths []int, reverse bool) (out, hn, cn *tensor.Tensor) {
	T, B, G := xp.Dim(0), xp.Dim(1), xp.Dim(2)
	H := G / 3
	q := &seqLayout{T: T, B: B, H: H, lengths: lengths, reverse: reverse}
	BH := B * H
	res := make([]float32, (T+1)*BH) // the outputs of every step, then h_n
	acts := make([]float32, T*B*G)   // r, z, n after their activations
	hn0 := make([]float32, T*BH)     // W_hn h + b_hn of each step
	hPrev := make([]float32, T*BH)   // the hidden state each step starts from
	h := res[T*BH:]
	copyState(h, h0)
	whh, xd := w.WeightHH.Detach(), xp.Data()
	whhT := whh.T() // h·W_hhᵀ as a plain product packs faster
	bias := make([]float32, G)
	if w.BiasHH != nil {
		copy(bias, w.BiasHH.Data())
	}
	for s := range T {
		t := q.step(s)
		copy(hPrev[t*BH:(t+1)*BH], h)
		hp := tensor.New(h, B, H).MatMul(whhT).Data()
		parallelRows(B, H, func(lo, hi int) {
			for b := lo; b < hi; b++ {
				if !q.running(t, b) {
					continue
				}
				x := xd[(t*B+b)*G : (t*B+b+1)*G]
				a := acts[(t*B+b)*G : (t*B+b+1)*G]
				p := hp[b*G : (b+1)*G]
				sigmoidSum(a[:2*H], x[:2*H], p[:2*H], bias[:2*H]) // r, z
				r := (t*B + b) * H
				pn := hn0[r : r+H]
				for j := range pn {
					pn[j] = p[2*H+j] + bias[2*H+j] // W_hn h + b_hn
				}
				ar, az, an := a[:H], a[H:2*H], a[2*H:]
				xn := x[2*H:]
				for j := range an {
					an[j] = xn[j] + ar[j]*pn[j]
				}
				tanhTo(an, an)
				hb, o := h[b*H:(b+1)*H], res[r:r+H]
				for j := range hb {
					hb[j] = an[j] + az[j]*(hb[j]-an[j])
					o[j] = hb[j]
				}
			}
		})
	}
	backward := func(g *tensor.Tensor) []*tensor.Tensor {
		gd := g.Data()
		dh := slices.Clone(gd[T*BH:])
		dX := make([]float32, T*B*G) // gradient of the input projection
		dP := make([]float32, T*B*G) // gradient of the hidden projection
		for s := T - 1; s >= 0; s-- {
			t := q.step(s)
			parallelRows(B, H, func(lo, hi int) {
				for b := lo; b < hi; b++ {
					if !q.running(t, b) {
						continue
					}
					a := acts[(t*B+b)*G : (t*B+b+1)*G]
					ar, az, an := a[:H], a[H:2*H], a[2*H:]
					dx := dX[(t*B+b)*G : (t*B+b+1)*G]
					dp := dP[(t*B+b)*G : (t*B+b+1)*G]
					dxr, dxz, dxn := dx[:H], dx[H:2*H], dx[2*H:]
					dpr, dpz, dpn := dp[:H], dp[H:2*H], dp[2*H:]
					r := (t*B + b) * H
					gout, hp, sn := gd[r:r+H], hPrev[r:r+H], hn0[r:r+H]
					dhb := dh[b*H : (b+1)*H]
					for j := range dhb {
						dhj := dhb[j] + gout[j]
						rg, zg, ng := ar[j], az[j], an[j]
						dn := dhj * (1 - zg) * (1 - ng*ng)
						dz := dhj * (hp[j] - ng) * zg * (1 - zg)
						dr := dn * sn[j] * rg * (1 - rg)
						dxr[j], dxz[j], dxn[j] = dr, dz, dn
						dpr[j], dpz[j], dpn[j] = dr, dz, dn*rg
						dhb[j] = dhj * zg
					}
				}
			})
			// dh ← dh·z + dP_t·W_hh for the sequences that ran.
			m := tensor.New(dP[t*B*G:(t+1)*B*G], B, G).MatMul(whh).Data()
			for b := range B {
				if q.running(t, b) {
					rnnAddTo(dh[b*H:(b+1)*H], m[b*H:(b+1)*H])
				}
			}
		}
		grads := make([]*tensor.Tensor, 4)
		if xp.RequiresGrad() {
			grads[0] = tensor.New(dX, T, B, G)
		}
		if needsGrad(h0) {
			grads[1] = tensor.New(dh, B, H)
		}
		grads[2], grads[3] = weightHHGrads(w, dP, hPrev, T*B, G, H)
		return grads
	}
	y := tensor.Custom(tensor.New(res, T+1, B, H), backward, xp, h0, w.WeightHH, w.BiasHH)
	return y.Narrow(0, 0, T), y.Narrow(0, T, 1), nil
}

// rnnAddTo adds src to dst elementwise.
func rnnAddTo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}
