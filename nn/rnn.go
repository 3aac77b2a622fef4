package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/cairn-ml/cairn/tensor"
)

// RNNConfig holds the arguments of torch.nn.LSTM and torch.nn.GRU. The
// zero value of every optional field is PyTorch's default, except that
// bias is on unless NoBias is set.
type RNNConfig struct {
	// InputSize is the number of features of each input step (input_size).
	InputSize int
	// HiddenSize is the number of features of the hidden state (hidden_size).
	HiddenSize int
	// NumLayers stacks that many layers, each reading the output of the one
	// below (num_layers); 0 means 1.
	NumLayers int
	// NoBias drops bias_ih and bias_hh (bias=False).
	NoBias bool
	// BatchFirst makes inputs and outputs (batch, seq, feature) instead of
	// (seq, batch, feature) (batch_first=True). Hidden and cell states stay
	// (layers*directions, batch, hidden), as in PyTorch.
	BatchFirst bool
	// Dropout is the probability of zeroing each output of every layer but
	// the last, in training mode only (dropout).
	Dropout float64
	// Bidirectional adds a second direction per layer that reads the
	// sequence backwards; outputs concatenate both (bidirectional=True).
	Bidirectional bool
}

// RNNWeights holds the parameters of one layer in one direction of an LSTM
// or GRU, in PyTorch's layout: the rows of WeightIH (gates*hidden, in) and
// WeightHH (gates*hidden, hidden) are the gates stacked in PyTorch's order
// (i, f, g, o for LSTM; r, z, n for GRU). BiasIH and BiasHH (gates*hidden)
// are nil without bias.
type RNNWeights struct {
	WeightIH *tensor.Tensor
	WeightHH *tensor.Tensor
	BiasIH   *tensor.Tensor
	BiasHH   *tensor.Tensor
}

func (c RNNConfig) layers() int { return max(c.NumLayers, 1) }

func (c RNNConfig) dirs() int {
	if c.Bidirectional {
		return 2
	}
	return 1
}

// check panics on a configuration that cannot make a network.
func (c RNNConfig) check(op string) {
	if c.InputSize <= 0 || c.HiddenSize <= 0 || c.NumLayers < 0 {
		panic(fmt.Sprintf("nn.%s: input size %d, hidden size %d and layers %d must be positive", op, c.InputSize, c.HiddenSize, c.NumLayers))
	}
	if !(c.Dropout >= 0 && c.Dropout <= 1) {
		panic(fmt.Sprintf("nn.%s: dropout %v outside [0, 1]", op, c.Dropout))
	}
}

// newRNNWeights draws the weights of every layer and direction from
// U(-1/sqrt(hidden), 1/sqrt(hidden)), as PyTorch's RNNBase.reset_parameters,
// in state_dict order.
func newRNNWeights(rng *rand.Rand, c RNNConfig, gates int) []RNNWeights {
	bound := 1 / math.Sqrt(float64(c.HiddenSize))
	h := c.HiddenSize
	ws := make([]RNNWeights, c.layers()*c.dirs())
	for k := range ws {
		in := c.InputSize
		if k >= c.dirs() {
			in = h * c.dirs()
		}
		w := &ws[k]
		w.WeightIH = param(UniformInit(rng, bound, gates*h, in))
		w.WeightHH = param(UniformInit(rng, bound, gates*h, h))
		if !c.NoBias {
			w.BiasIH = param(UniformInit(rng, bound, gates*h))
			w.BiasHH = param(UniformInit(rng, bound, gates*h))
		}
	}
	return ws
}

// rnnState lists the weights under PyTorch's state_dict names:
// weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then the same with
// the suffix _reverse for the backward direction, then layer 1, and so on.
func rnnState(c RNNConfig, ws []RNNWeights) []Named {
	var out []Named
	for k, w := range ws {
		suffix := "_l" + strconv.Itoa(k/c.dirs())
		if k%c.dirs() == 1 {
			suffix += "_reverse"
		}
		for _, p := range []struct {
			name string
			t    *tensor.Tensor
		}{{"weight_ih", w.WeightIH}, {"weight_hh", w.WeightHH}, {"bias_ih", w.BiasIH}, {"bias_hh", w.BiasHH}} {
			if p.t != nil {
				out = append(out, Named{Name: p.name + suffix, Tensor: p.t})
			}
		}
	}
	return out
}

// rnnCell advances one direction of one layer by a step. xp is the input
// projection x·W_ihᵀ + b_ih of the step, (batch, gates*hidden); h and c
// are the state (c only for LSTM), nil when it is still the zero initial
// state. It returns the new state.
type rnnCell func(w *RNNWeights, xp, h, c *tensor.Tensor) (h2, c2 *tensor.Tensor)

// rnnRun is the forward pass shared by LSTM and GRU: it checks shapes,
// runs every layer in every direction over the sequence and assembles the
// outputs as PyTorch does. withCell is true for LSTM (a cell state c).
//
// The input projection x·W_ihᵀ + b_ih has no recurrence, so it could be one
// matrix product over the whole sequence, cut into steps afterwards. That
// is what the pass does when it records no graph (inference). When it
// records one, cutting is costly: the gradient of each Narrow is a zero
// tensor the size of the whole projection with one step filled in, so T
// cuts cost O(T²) in the backward pass. On the 64→128, T=32, batch 32
// benchmark, a training step took 36% longer with one cut per step and
// 13% longer with cuts in a tree (splitSteps) than when the pass projects
// each step's input on its own, which it therefore does: the input of the
// first layer is cut (cheaper: fewer features than the projection, and
// free when x needs no gradient), and the later layers read the steps of
// the layer below as they are.
type rnnRun struct {
	op       string
	cfg      RNNConfig
	ws       []RNNWeights
	gates    int
	withCell bool
	cell     rnnCell
	dropout  func(*tensor.Tensor) *tensor.Tensor // nil: no inter-layer dropout
}

// forward returns the output, the final hidden states and (withCell) the
// final cell states.
func (r *rnnRun) forward(x, h0, c0 *tensor.Tensor, lengths []int) (out, hn, cn *tensor.Tensor) {
	cfg, op := r.cfg, r.op
	L, D, H := cfg.layers(), cfg.dirs(), cfg.HiddenSize
	if len(r.ws) != L*D {
		panic(fmt.Sprintf("nn.%s: %d sets of weights for %d layers and %d directions", op, len(r.ws), L, D))
	}
	ta := 0 // time axis
	if cfg.BatchFirst {
		ta = 1
	}
	shape := x.Shape()
	unbatched := x.NDim() == 2
	if unbatched {
		x = x.Unsqueeze(1 - ta)
		if h0 != nil {
			h0 = unbatchedState(op, "h0", h0)
		}
		if c0 != nil {
			c0 = unbatchedState(op, "c0", c0)
		}
	}
	if x.NDim() != 3 || x.Dim(2) != cfg.InputSize {
		panic(fmt.Sprintf("nn.%s: input of shape %v, want %s or unbatched (seq, %d)", op, shape, inputLayout(cfg), cfg.InputSize))
	}
	T, B := x.Dim(ta), x.Dim(1-ta)
	if T == 0 {
		panic(fmt.Sprintf("nn.%s: empty sequence, input shape %v", op, shape))
	}
	checkState(op, "h0", h0, L*D, B, H)
	checkState(op, "c0", c0, L*D, B, H)
	graph := x.RequiresGrad() || (h0 != nil && h0.RequiresGrad()) || (c0 != nil && c0.RequiresGrad())
	for k, w := range r.ws {
		in := cfg.InputSize
		if k >= D {
			in = D * H
		}
		for _, c := range []struct {
			name     string
			t        *tensor.Tensor
			shape    []int
			required bool
		}{
			{"weight_ih", w.WeightIH, []int{r.gates * H, in}, true},
			{"weight_hh", w.WeightHH, []int{r.gates * H, H}, true},
			{"bias_ih", w.BiasIH, []int{r.gates * H}, w.BiasHH != nil},
			{"bias_hh", w.BiasHH, []int{r.gates * H}, w.BiasIH != nil},
		} {
			if c.t == nil {
				if c.required {
					panic(fmt.Sprintf("nn.%s: layer %d direction %d has no %s", op, k/D, k%D, c.name))
				}
				continue
			}
			if !slices.Equal(c.t.Shape(), c.shape) {
				panic(fmt.Sprintf("nn.%s: layer %d direction %d %s of shape %v, want %v", op, k/D, k%D, c.name, c.t.Shape(), c.shape))
			}
			graph = graph || c.t.RequiresGrad()
		}
	}
	masks := stepMasks(op, lengths, T, B)
	zero := tensor.Scalar(0)

	finalH := make([]*tensor.Tensor, 0, L*D)
	finalC := make([]*tensor.Tensor, 0, L*D)
	var below [][]*tensor.Tensor // per direction and step, the outputs of the layer below
	for l := range L {
		// The layer's input: per step when recording a graph, else whole.
		var steps []*tensor.Tensor
		var whole *tensor.Tensor
		switch {
		case l == 0 && graph:
			steps = splitSteps(x, ta, B)
		case l == 0:
			whole = x
		case graph:
			steps = below[0]
			if D == 2 {
				steps = make([]*tensor.Tensor, T)
				for t := range steps {
					steps[t] = tensor.Concat(1, below[0][t], below[1][t])
				}
			}
		default:
			whole = joinSteps(below, ta)
		}
		if l > 0 && r.dropout != nil {
			if whole != nil {
				whole = r.dropout(whole)
			}
			for t := range steps {
				steps[t] = r.dropout(steps[t])
			}
		}

		below = make([][]*tensor.Tensor, D)
		for d := range D {
			k := l*D + d
			w := &r.ws[k]
			h := initialState(h0, k, B, H)
			c := initialState(c0, k, B, H)
			var xp []*tensor.Tensor
			if whole != nil {
				xp = splitSteps(tensor.Linear(whole, w.WeightIH, w.BiasIH), ta, B)
			}
			outs := make([]*tensor.Tensor, T)
			for s := range T {
				t := s
				if d == 1 {
					t = T - 1 - s
				}
				m := masks[t]
				if m == zeroMask {
					outs[t] = tensor.Zeros(B, H)
					continue
				}
				var xt *tensor.Tensor
				if xp != nil {
					xt = xp[t]
				} else {
					xt = tensor.Linear(steps[t], w.WeightIH, w.BiasIH)
				}
				h2, c2 := r.cell(w, xt, h, c)
				if m == nil {
					outs[t], h, c = h2, h2, c2
					continue
				}
				outs[t] = tensor.Where(m, h2, zero)
				h = keepState(m, h2, h, B, H)
				if r.withCell {
					c = keepState(m, c2, c, B, H)
				}
			}
			if h == nil {
				h = tensor.Zeros(B, H)
			}
			finalH = append(finalH, h)
			if r.withCell {
				if c == nil {
					c = tensor.Zeros(B, H)
				}
				finalC = append(finalC, c)
			}
			below[d] = outs
		}
	}
	out, hn = joinSteps(below, ta), tensor.Stack(0, finalH...)
	if r.withCell {
		cn = tensor.Stack(0, finalC...)
	}
	if unbatched {
		out, hn = out.Squeeze(1-ta), hn.Squeeze(1)
		if cn != nil {
			cn = cn.Squeeze(1)
		}
	}
	return out, hn, cn
}

// joinSteps stacks per-direction, per-step outputs (batch, hidden) along
// the time axis ta and concatenates the directions on the last axis.
func joinSteps(steps [][]*tensor.Tensor, ta int) *tensor.Tensor {
	out := tensor.Stack(ta, steps[0]...)
	if len(steps) == 2 {
		out = tensor.Concat(2, out, tensor.Stack(ta, steps[1]...))
	}
	return out
}

// zeroMask marks a step at which no sequence of the batch is running.
var zeroMask = tensor.Zeros(1)

// stepMasks turns sequence lengths into one mask per step: nil where every
// sequence runs, zeroMask where none does, and otherwise a (batch, 1)
// tensor holding 1 for the sequences that run and 0 for the others.
func stepMasks(op string, lengths []int, T, B int) []*tensor.Tensor {
	masks := make([]*tensor.Tensor, T)
	if lengths == nil {
		return masks
	}
	if len(lengths) != B {
		panic(fmt.Sprintf("nn.%s: %d lengths for a batch of %d", op, len(lengths), B))
	}
	for _, n := range lengths {
		if n < 0 || n > T {
			panic(fmt.Sprintf("nn.%s: length %d outside [0, %d] (lengths %v)", op, n, T, lengths))
		}
	}
	for t := range masks {
		m := make([]float32, B)
		running := 0
		for b, n := range lengths {
			if t < n {
				m[b] = 1
				running++
			}
		}
		switch running {
		case B:
		case 0:
			masks[t] = zeroMask
		default:
			masks[t] = tensor.New(m, B, 1)
		}
	}
	return masks
}

// keepState returns the new state where the mask is 1 and the old one elsewhere.
func keepState(m, next, prev *tensor.Tensor, B, H int) *tensor.Tensor {
	if prev == nil {
		prev = tensor.Zeros(B, H)
	}
	return tensor.Where(m, next, prev)
}

// initialState returns layer-direction k's slice of an initial state of
// shape (layers*dirs, batch, hidden), or nil (the zero state) for nil.
func initialState(s *tensor.Tensor, k, B, H int) *tensor.Tensor {
	if s == nil {
		return nil
	}
	if s.Dim(0) == 1 {
		return s.Reshape(B, H)
	}
	return s.Narrow(0, k, 1).Reshape(B, H)
}

func checkState(op, name string, s *tensor.Tensor, n, B, H int) {
	if s == nil {
		return
	}
	if got := s.Shape(); len(got) != 3 || got[0] != n || got[1] != B || got[2] != H {
		panic(fmt.Sprintf("nn.%s: %s of shape %v, want (%d, %d, %d) = (layers*directions, batch, hidden)", op, name, got, n, B, H))
	}
}

func unbatchedState(op, name string, s *tensor.Tensor) *tensor.Tensor {
	if s.NDim() != 2 {
		panic(fmt.Sprintf("nn.%s: %s of shape %v for an unbatched input, want (layers*directions, hidden)", op, name, s.Shape()))
	}
	return s.Unsqueeze(1)
}

func inputLayout(c RNNConfig) string {
	if c.BatchFirst {
		return fmt.Sprintf("(batch, seq, %d)", c.InputSize)
	}
	return fmt.Sprintf("(seq, batch, %d)", c.InputSize)
}

// rnnDropout returns the inter-layer dropout of a network, or nil when
// there is none (evaluation mode, probability 0, or a single layer).
func rnnDropout(op string, cfg RNNConfig, rng *rand.Rand, training bool) func(*tensor.Tensor) *tensor.Tensor {
	if !training || cfg.Dropout == 0 || cfg.layers() == 1 {
		return nil
	}
	if rng == nil {
		panic(fmt.Sprintf("nn.%s: dropout %v in training mode needs the *rand.Rand given to the constructor", op, cfg.Dropout))
	}
	d := &Dropout{P: cfg.Dropout, rng: rng, training: true}
	return d.Forward
}

// splitBranch is the number of parts splitSteps cuts a tensor into at each
// level.
const splitBranch = 4

// splitSteps cuts x, with time along axis ta, into one (batch, features)
// tensor per step.
//
// Narrow's gradient is a zero tensor of its whole input with the part
// filled in, so taking T single steps from x directly would cost T
// gradients the size of x in the backward pass: quadratic in the length of
// the sequence. Cutting in a tree instead, splitBranch parts at a time,
// costs about splitBranch·log_splitBranch(T) such gradients. Without a
// graph a direct cut is cheapest.
func splitSteps(x *tensor.Tensor, ta, B int) []*tensor.Tensor {
	T, F := x.Dim(ta), x.Dim(2)
	out := make([]*tensor.Tensor, 0, T)
	var split func(x *tensor.Tensor, n int)
	split = func(x *tensor.Tensor, n int) {
		if n == 1 {
			out = append(out, x.Reshape(B, F))
			return
		}
		if !x.RequiresGrad() || n <= splitBranch {
			for t := range n {
				out = append(out, x.Narrow(ta, t, 1).Reshape(B, F))
			}
			return
		}
		size := (n + splitBranch - 1) / splitBranch
		for at := 0; at < n; at += size {
			k := min(size, n-at)
			split(x.Narrow(ta, at, k), k)
		}
	}
	split(x, T)
	return out
}
