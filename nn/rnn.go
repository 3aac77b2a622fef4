package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"

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

// rnnSeq runs one direction of one layer over a whole sequence as a
// single differentiable op. xp is the input projection x·W_ihᵀ + b_ih of
// every step, (seq, batch, gates*hidden), time first; h0 and c0 (c0 only
// for LSTM) are the initial state, (batch, hidden), nil for zeros. lengths
// (nil: all full) masks the steps past each sequence's end: they keep the
// state and output zeros. reverse runs from the last step to the first.
// It returns the outputs (seq, batch, hidden), the final hidden state and
// (LSTM) the final cell state, each (1, batch, hidden).
type rnnSeq func(w *RNNWeights, xp, h0, c0 *tensor.Tensor, lengths []int, reverse bool) (out, hn, cn *tensor.Tensor)

// rnnRun is the forward pass shared by LSTM and GRU: it checks shapes,
// runs every layer in every direction over the sequence and assembles the
// outputs as PyTorch does. withCell is true for LSTM (a cell state c).
//
// The input projection x·W_ihᵀ + b_ih has no recurrence, so each layer
// and direction computes it as one matrix product over the whole sequence;
// the recurrence itself (the products with W_hh, the gates and the state
// updates of every step) is one fused op per layer and direction (seq),
// whose backward pass runs backpropagation through time by hand and
// computes the gradient of W_hh as one matrix product over all steps, as
// cuDNN and PyTorch's CPU kernels do.
type rnnRun struct {
	op       string
	cfg      RNNConfig
	ws       []RNNWeights
	gates    int
	withCell bool
	seq      rnnSeq
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
		}
	}
	checkLengths(op, lengths, T, B)
	if ta == 1 {
		x = x.Transpose(0, 1) // time first inside
	}

	finalH := make([]*tensor.Tensor, 0, L*D)
	finalC := make([]*tensor.Tensor, 0, L*D)
	for l := range L {
		if l > 0 && r.dropout != nil {
			x = r.dropout(x)
		}
		outs := make([]*tensor.Tensor, D)
		for d := range D {
			k := l*D + d
			w := &r.ws[k]
			xp := tensor.Linear(x, w.WeightIH, w.BiasIH)
			o, h, c := r.seq(w, xp, initialState(h0, k, B, H), initialState(c0, k, B, H), lengths, d == 1)
			outs[d] = o
			finalH = append(finalH, h)
			if r.withCell {
				finalC = append(finalC, c)
			}
		}
		x = outs[0]
		if D == 2 {
			x = tensor.Concat(2, outs[0], outs[1])
		}
	}
	out, hn = x, catStates(finalH)
	if r.withCell {
		cn = catStates(finalC)
	}
	if ta == 1 {
		out = out.Transpose(0, 1)
	}
	if unbatched {
		out, hn = out.Squeeze(1-ta), hn.Squeeze(1)
		if cn != nil {
			cn = cn.Squeeze(1)
		}
	}
	return out, hn, cn
}

// catStates joins final states of shape (1, batch, hidden) along the
// first axis.
func catStates(s []*tensor.Tensor) *tensor.Tensor {
	if len(s) == 1 {
		return s[0]
	}
	return tensor.Concat(0, s...)
}

// checkLengths panics on sequence lengths that do not fit a batch of B
// sequences of at most T steps.
func checkLengths(op string, lengths []int, T, B int) {
	if lengths == nil {
		return
	}
	if len(lengths) != B {
		panic(fmt.Sprintf("nn.%s: %d lengths for a batch of %d", op, len(lengths), B))
	}
	for _, n := range lengths {
		if n < 0 || n > T {
			panic(fmt.Sprintf("nn.%s: length %d outside [0, %d] (lengths %v)", op, n, T, lengths))
		}
	}
}

// seqLayout describes the run of an rnnSeq: the sizes, and the order and
// mask of the steps.
type seqLayout struct {
	T, B, H int
	lengths []int
	reverse bool
}

// step returns the time index of the s-th step run.
func (q *seqLayout) step(s int) int {
	if q.reverse {
		return q.T - 1 - s
	}
	return s
}

// running reports whether sequence b runs at time t.
func (q *seqLayout) running(t, b int) bool { return q.lengths == nil || t < q.lengths[b] }

// copyState copies the data of a (batch, hidden) state into dst, which
// is left alone (zeros) for nil.
func copyState(dst []float32, s *tensor.Tensor) {
	if s != nil {
		copy(dst, s.Data())
	}
}

// needsGrad reports whether a gradient is wanted for t.
func needsGrad(t *tensor.Tensor) bool { return t != nil && t.RequiresGrad() }

// weightHHGrads returns the gradients of W_hh and b_hh (nil where none is
// wanted) from the gradients dp (steps*batch, gates*hidden) of the hidden
// projections h·W_hhᵀ + b_hh and the hidden states hs (steps*batch,
// hidden) they were computed from: dW_hh = dpᵀ·hs as one matrix product,
// db_hh the column sums of dp.
func weightHHGrads(w *RNNWeights, dp, hs []float32, rows, G, H int) (dw, db *tensor.Tensor) {
	if needsGrad(w.WeightHH) {
		// (hsᵀ·dp)ᵀ: transposing hs and the (H, G) product is cheaper than transposing dp.
		dw = tensor.New(hs, rows, H).T().MatMul(tensor.New(dp, rows, G)).T()
	}
	if needsGrad(w.BiasHH) {
		sum := make([]float32, G)
		for r := range rows {
			row := dp[r*G : (r+1)*G]
			for j, v := range row {
				sum[j] += v
			}
		}
		db = tensor.New(sum, G)
	}
	return dw, db
}

// rnnParallelWork is the number of hidden units a step must update before
// its rows are split between goroutines (about 20 µs of work).
const rnnParallelWork = 2048

// parallelRows calls f on consecutive ranges of [0, n) that cover it,
// concurrently on up to GOMAXPROCS goroutines when the step updates at
// least rnnParallelWork units in all (units per row × n). A panic in f is
// raised again in the caller.
func parallelRows(n, units int, f func(lo, hi int)) {
	parts := min(runtime.GOMAXPROCS(0), n, n*units/rnnParallelWork)
	if parts <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	panics := make([]any, parts)
	for p := 1; p < parts; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[p] = recover() }()
			f(p*n/parts, (p+1)*n/parts)
		}()
	}
	f(0, n/parts)
	wg.Wait()
	for _, e := range panics {
		if e != nil {
			panic(e)
		}
	}
}

// The activation kernels below work on slices so that the loops hold no
// function call (the polynomials are too large for Go to inline). Their
// only branches are the clamps, taken only by saturated inputs; the
// polynomials are evaluated in Estrin's scheme, which has a shorter
// dependency chain than Horner's.

// preActivations sets dst[j] = x[j] + p[j] + bias[j].
func preActivations(dst, x, p, bias []float32) {
	x, p, bias = x[:len(dst)], p[:len(dst)], bias[:len(dst)]
	for j := range dst {
		dst[j] = x[j] + p[j] + bias[j]
	}
}

// sigmoidSum sets dst[j] = σ(a[j] + b[j] + c[j]) = 1/(1+e^-(a[j]+b[j]+c[j])),
// within 1.7e-7 relative error (2 units in the last place). The exponential is the Cephes
// library's expf (the tensor package's reduction and polynomial), with its
// argument clamped to [-87.33, 88.37] and rounding to the nearest integer
// done by adding and subtracting 1.5·2^23; below -88.37 the result is
// about 4e-39 instead of a subnormal or zero.
func sigmoidSum(dst, a, b, c []float32) {
	a, b, c = a[:len(dst)], b[:len(dst)], c[:len(dst)]
	for j := range dst {
		x := -(a[j] + b[j] + c[j])
		if x < -87.33 {
			x = -87.33
		}
		if x > 88.37 {
			x = 88.37
		}
		k := (x*1.44269504088896341 + 12582912) - 12582912
		r := x - k*0.693359375 + k*2.12194440e-4 // ln2 split in two for precision
		r2 := r * r
		p := (5.0000001201e-1 + r*1.6666665459e-1) +
			r2*((4.1665795894e-2+r*8.3334519073e-3)+r2*(1.3981999507e-3+r*1.9875691500e-4))
		e := (p*r2 + r + 1) * math.Float32frombits(uint32(int32(k)+127)<<23)
		dst[j] = 1 / (1 + e)
	}
}

// tanhTo sets dst[j] = tanh(src[j]), within 3e-7 relative error: Eigen's
// rational approximation (an odd degree-13 numerator over an even
// degree-6 denominator) on the argument clamped to ±7.9053, beyond which
// tanh rounds to ±1.
func tanhTo(dst, src []float32) {
	src = src[:len(dst)]
	for j, c := range src {
		if c > 7.90531110763549805 {
			c = 7.90531110763549805
		}
		if c < -7.90531110763549805 {
			c = -7.90531110763549805
		}
		x2 := c * c
		x4 := x2 * x2
		p := (4.89352455891786e-03 + x2*6.37261928875436e-04) +
			x4*((1.48572235717979e-05+x2*5.12229709037114e-08)+
				x4*((-8.60467152213735e-11+x2*2.00018790482477e-13)+x4*-2.76076847742355e-16))
		q := (4.89352518554385e-03 + x2*2.26843463243900e-03) + x4*(1.18534705686654e-04+x2*1.19825839466702e-06)
		dst[j] = p * c / q
	}
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
