package nn

import (
	"math/rand/v2"

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
// seq. Padded steps are still computed for the whole batch and masked, so
// their input values must be finite, or NaN reaches the weight gradients.
//
// It returns the output of the last layer, (seq, batch, directions*hidden)
// (batch first with BatchFirst), with both directions concatenated on the
// last axis, forward first; and the final hidden and cell states of every
// layer and direction, (layers*directions, batch, hidden), as PyTorch's
// (h_n, c_n).
func (l *LSTM) Forward(x, h0, c0 *tensor.Tensor, lengths []int) (out, hn, cn *tensor.Tensor) {
	r := rnnRun{
		op: "LSTM.Forward", cfg: l.RNNConfig, ws: l.Weights, gates: 4, withCell: true,
		cell:    lstmCell(l.HiddenSize),
		dropout: rnnDropout("LSTM.Forward", l.RNNConfig, l.rng, l.training),
	}
	return r.forward(x, h0, c0, lengths)
}

// lstmCell returns the LSTM step for hidden size H.
func lstmCell(H int) rnnCell {
	return func(w *RNNWeights, xp, h, c *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
		g := xp
		switch {
		case h != nil:
			g = tensor.Linear(h, w.WeightHH, w.BiasHH).Add(xp)
		case w.BiasHH != nil:
			g = xp.Add(w.BiasHH) // zero state: W_hh h vanishes
		}
		inForget := g.Narrow(1, 0, 2*H).Sigmoid()
		in, forget := inForget.Narrow(1, 0, H), inForget.Narrow(1, H, H)
		cand, out := g.Narrow(1, 2*H, H).Tanh(), g.Narrow(1, 3*H, H).Sigmoid()
		c2 := in.Mul(cand)
		if c != nil {
			c2 = forget.Mul(c).Add(c2)
		}
		return out.Mul(c2.Tanh()), c2
	}
}
