package nn

import (
	"math/rand/v2"

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
		cell:    gruCell(g.HiddenSize),
		dropout: rnnDropout("GRU.Forward", g.RNNConfig, g.rng, g.training),
	}
	out, hn, _ = r.forward(x, h0, nil, lengths)
	return out, hn
}

// gruCell returns the GRU step for hidden size H.
func gruCell(H int) rnnCell {
	return func(w *RNNWeights, xp, h, _ *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
		var hp *tensor.Tensor // W_hh h + b_hh, nil when it is zero
		switch {
		case h != nil:
			hp = tensor.Linear(h, w.WeightHH, w.BiasHH)
		case w.BiasHH != nil:
			hp = w.BiasHH.Reshape(1, 3*H) // zero state: only the bias remains
		}
		rz, xn := xp.Narrow(1, 0, 2*H), xp.Narrow(1, 2*H, H)
		if hp != nil {
			rz = rz.Add(hp.Narrow(1, 0, 2*H))
		}
		rz = rz.Sigmoid()
		reset, update := rz.Narrow(1, 0, H), rz.Narrow(1, H, H)
		if hp != nil {
			xn = xn.Add(reset.Mul(hp.Narrow(1, 2*H, H)))
		}
		n := xn.Tanh()
		if h == nil { // h' = (1 - z) ⊙ n
			return n.Sub(update.Mul(n)), nil
		}
		return n.Add(update.Mul(h.Sub(n))), nil
	}
}
