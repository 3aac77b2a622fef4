package nn

import (
	"math/rand/v2"
	"slices"

	"github.com/cairn-ml/cairn/tensor"
)

// LSTM is a multi-layer long short-term memory network, as torch.nn.LSTM.
// For each step t and layer it computes
//
//	i = σ(W_ii x + b_ii + W_hi h + b_hi)
//	f = σ(W_if x + b_if + W_hf h + b_hf)
//	g = tanh(W_ig x + b_ig + W_hg h + b_hg)
//	o = σ(W_io x + b_io + W_ho h + b_ho)
//	c' = f ⊙ c + i ⊙ g
//	h' = o ⊙ tanh(c')
//
// Its state lists under PyTorch's state_dict names (weight_ih_l0,
// weight_hh_l0, bias_ih_l0, bias_hh_l0, weight_ih_l0_reverse, ...), so
// weights load from and save to PyTorch unchanged. The configuration
// fields (HiddenSize, NumLayers, ...) are promoted from RNNConfig.
//
// An LSTM made by NewLSTM starts in training mode, as PyTorch modules do
// (a struct literal starts in evaluation mode); the mode only matters when
// Dropout is set.
type LSTM struct {
	RNNConfig
	// Weights holds each layer's parameters, layer by layer and within a
	// layer the forward direction before the reverse one: index
	// layer*directions + direction. Their rows stack the gates i, f, g, o.
	Weights []RNNWeights

	rng      *rand.Rand
	training bool
}

var (
	_ Stater  = (*LSTM)(nil)
	_ Trainer = (*LSTM)(nil)
)

// NewLSTM returns an LSTM with the given configuration, its weights drawn
// from U(-1/sqrt(hidden), 1/sqrt(hidden)) as PyTorch does. rng is kept to
// draw the inter-layer dropout masks when cfg.Dropout is set. It panics on
// sizes that are not positive or a dropout outside [0, 1].
func NewLSTM(rng *rand.Rand, cfg RNNConfig) *LSTM {
	cfg.check("NewLSTM")
	return &LSTM{RNNConfig: cfg, Weights: newRNNWeights(rng, cfg, 4), rng: rng, training: true}
}

// State implements Stater with PyTorch's names for the weights.
func (l *LSTM) State() []Named { return rnnState(l.RNNConfig, l.Weights) }

// SetTraining implements Trainer: inter-layer dropout applies only in
// training mode.
func (l *LSTM) SetTraining(on bool) { l.training = on }

// Forward runs the LSTM over x, of shape (seq, batch, input), or (batch,
// seq, input) with BatchFirst, or (seq, input) for a single unbatched
// sequence. h0 and c0 are the initial hidden and cell states, of shape
// (layers*directions, batch, hidden) (without the batch dimension for an
// unbatched input); nil means zeros, as when PyTorch is given none.
//
// lengths, if not nil, gives the length of each sequence of a padded
// batch, and makes the LSTM behave as PyTorch does on
// pack_padded_sequence(x, lengths, enforce_sorted=False) followed by
// pad_packed_sequence(total_length=seq): a sequence's steps from its
// length on leave its state alone and output zeros, its final state is
// the one at its last step, and the reverse direction starts from its last
// step. Lengths may be anything from 0 (output zeros, final state h0) to
// seq. The input projection of padded steps is still computed (one matrix
// product for the whole sequence), so their input values must be finite,
// or NaN can reach the weight gradients.
//
// It returns the output of the last layer, (seq, batch, directions*hidden)
// (batch first with BatchFirst), with both directions concatenated on the
// last axis, forward first; and the final hidden and cell states of every
// layer and direction, (layers*directions, batch, hidden), as PyTorch's
// (h_n, c_n).
func (l *LSTM) Forward(x, h0, c0 *tensor.Tensor, lengths []int) (out, hn, cn *tensor.Tensor) {
	r := rnnRun{
		op: "LSTM.Forward", cfg: l.RNNConfig, ws: l.Weights, gates: 4, withCell: true,
		seq:     lstmSeq,
		dropout: rnnDropout("LSTM.Forward", l.RNNConfig, l.rng, l.training),
	}
	return r.forward(x, h0, c0, lengths)
}

// lstmSeq is the rnnSeq of LSTM. Each step computes the hidden
// projection h·W_hhᵀ + b_hh with one matrix product, then the gates, c'
// and h' of the whole batch in one pass over the pre-activations; the
// activations are kept for the backward pass, which needs no
// transcendental function.
func lstmSeq(w *RNNWeights, xp, h0, c0 *tensor.Tensor, lengths []int, reverse bool) (out, hn, cn *tensor.Tensor) {
	T, B, G := xp.Dim(0), xp.Dim(1), xp.Dim(2)
	H := G / 4
	q := &seqLayout{T: T, B: B, H: H, lengths: lengths, reverse: reverse}
	BH := B * H
	// res holds the outputs of every step, then h_n, then c_n.
	res := make([]float32, (T+2)*BH)
	acts := make([]float32, T*B*G) // i, f, g, o after their activations
	cPrev := make([]float32, T*BH) // the cell state each step starts from
	hPrev := make([]float32, T*BH) // the hidden state each step starts from
	tanhC := make([]float32, T*BH) // tanh(c') of each step
	h, c := res[T*BH:(T+1)*BH], res[(T+1)*BH:]
	copyState(h, h0)
	copyState(c, c0)
	whh, xd := w.WeightHH.Detach(), xp.Data()
	whhT := whh.T() // h·W_hhᵀ as a plain product packs faster
	bias := make([]float32, G)
	if w.BiasHH != nil {
		copy(bias, w.BiasHH.Data())
	}
	for s := range T {
		t := q.step(s)
		copy(hPrev[t*BH:(t+1)*BH], h)
		copy(cPrev[t*BH:(t+1)*BH], c)
		hp := tensor.New(h, B, H).MatMul(whhT).Data()
		parallelRows(B, H, func(lo, hi int) {
			for b := lo; b < hi; b++ {
				if !q.running(t, b) {
					continue // state kept, output and saved activations zero
				}
				a := acts[(t*B+b)*G : (t*B+b+1)*G]
				x, p := xd[(t*B+b)*G:(t*B+b+1)*G], hp[b*G:(b+1)*G]
				sigmoidSum(a[:2*H], x[:2*H], p[:2*H], bias[:2*H]) // i, f
				preActivations(a[2*H:3*H], x[2*H:3*H], p[2*H:3*H], bias[2*H:3*H])
				tanhTo(a[2*H:3*H], a[2*H:3*H])                    // g
				sigmoidSum(a[3*H:], x[3*H:], p[3*H:], bias[3*H:]) // o
				ai, af, ag := a[:H], a[H:2*H], a[2*H:3*H]
				cb := c[b*H : (b+1)*H]
				for j := range cb {
					cb[j] = af[j]*cb[j] + ai[j]*ag[j]
				}
				r := (t*B + b) * H
				tc := tanhC[r : r+H]
				tanhTo(tc, cb)
				ao, hb, o := a[3*H:], h[b*H:(b+1)*H], res[r:r+H]
				for j := range hb {
					hb[j] = ao[j] * tc[j]
					o[j] = hb[j]
				}
			}
		})
	}
	backward := func(g *tensor.Tensor) []*tensor.Tensor {
		gd := g.Data()
		dh := slices.Clone(gd[T*BH : (T+1)*BH])
		dc := slices.Clone(gd[(T+1)*BH:])
		dG := make([]float32, T*B*G) // gradient of the pre-activations
		for s := T - 1; s >= 0; s-- {
			t := q.step(s)
			parallelRows(B, H, func(lo, hi int) {
				for b := lo; b < hi; b++ {
					if !q.running(t, b) {
						continue // the state passed through: dh, dc unchanged
					}
					a := acts[(t*B+b)*G : (t*B+b+1)*G]
					d := dG[(t*B+b)*G : (t*B+b+1)*G]
					ai, af, ag, ao := a[:H], a[H:2*H], a[2*H:3*H], a[3*H:]
					di, df, dg, do := d[:H], d[H:2*H], d[2*H:3*H], d[3*H:]
					r := (t*B + b) * H
					gout, tc, cp := gd[r:r+H], tanhC[r:r+H], cPrev[r:r+H]
					dhb, dcb := dh[b*H:(b+1)*H], dc[b*H:(b+1)*H]
					for j := range dhb {
						dhj := dhb[j] + gout[j]
						ig, fg, gg, og, th := ai[j], af[j], ag[j], ao[j], tc[j]
						dct := dcb[j] + dhj*og*(1-th*th)
						do[j] = dhj * th * og * (1 - og)
						di[j] = dct * gg * ig * (1 - ig)
						dg[j] = dct * ig * (1 - gg*gg)
						df[j] = dct * cp[j] * fg * (1 - fg)
						dcb[j] = dct * fg
					}
				}
			})
			// dh ← dG_t·W_hh for the sequences that ran.
			m := tensor.New(dG[t*B*G:(t+1)*B*G], B, G).MatMul(whh).Data()
			for b := range B {
				if q.running(t, b) {
					copy(dh[b*H:(b+1)*H], m[b*H:(b+1)*H])
				}
			}
		}
		grads := make([]*tensor.Tensor, 5)
		if xp.RequiresGrad() {
			grads[0] = tensor.New(dG, T, B, G)
		}
		if needsGrad(h0) {
			grads[1] = tensor.New(dh, B, H)
		}
		if needsGrad(c0) {
			grads[2] = tensor.New(dc, B, H)
		}
		grads[3], grads[4] = weightHHGrads(w, dG, hPrev, T*B, G, H)
		return grads
	}
	y := tensor.Custom(tensor.New(res, T+2, B, H), backward, xp, h0, c0, w.WeightHH, w.BiasHH)
	return y.Narrow(0, 0, T), y.Narrow(0, T, 1), y.Narrow(0, T+1, 1)
}
