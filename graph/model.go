package graph

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
)

// Model names accepted by [Config].Model and [NewModel]: the rows of
// Table 3 of Zhu et al. (2021) that are implemented here.
const (
	ModelMLP      = "MLP"
	ModelGCN      = "GCN"
	ModelSGC      = "SGC"
	ModelPPNP     = "PPNP"
	ModelAPPNP    = "APPNP"
	ModelJKNet    = "JKNet"
	ModelLFClosed = "GNN-LF-closed"
	ModelLFIter   = "GNN-LF-iter"
	ModelHFClosed = "GNN-HF-closed"
	ModelHFIter   = "GNN-HF-iter"
)

// ModelNames lists the implemented models in the order of the paper's
// Table 3.
var ModelNames = []string{ModelMLP, ModelGCN, ModelSGC, ModelPPNP, ModelAPPNP, ModelJKNet,
	ModelLFClosed, ModelLFIter, ModelHFClosed, ModelHFIter}

// Inputs is a [Dataset] prepared for training: the features binarised
// (nonzero → 1) and L1 row-normalised as sparse CSR rows, as the paper's
// code (normalize_attributes) does, the GCN operator Â, and the labels and
// split.
type Inputs struct {
	// X is the n×f sparse feature matrix.
	X *tensor.CSR
	// A is Â = D̃^-1/2 (A + I) D̃^-1/2.
	A *tensor.CSR
	// Labels, NumClasses, Train, Val and Test are copied from the Dataset.
	Labels           []int
	NumClasses       int
	Train, Val, Test []int
}

// Prepare binarises and row-normalises ds's features into a sparse matrix
// and builds Â. It returns an error if a split node has no label.
func Prepare(ds *Dataset) (*Inputs, error) {
	n, f := ds.Features.Dim(0), ds.Features.Dim(1)
	data := ds.Features.Data()
	indptr := make([]int, n+1)
	var indices []int
	var vals []float32
	for i := range n {
		row := data[i*f : (i+1)*f]
		start := len(indices)
		for j, v := range row {
			if v != 0 {
				indices = append(indices, j)
			}
		}
		if cnt := len(indices) - start; cnt > 0 {
			w := float32(1 / float64(cnt))
			for range cnt {
				vals = append(vals, w)
			}
		}
		indptr[i+1] = len(indices)
	}
	x, err := tensor.NewCSR(n, f, indptr, indices, vals)
	if err != nil {
		return nil, fmt.Errorf("graph.Prepare: %w", err)
	}
	for _, split := range [][]int{ds.Train, ds.Val, ds.Test} {
		for _, i := range split {
			if i < 0 || i >= n || ds.Labels[i] < 0 {
				return nil, fmt.Errorf("graph.Prepare: split node %d has no label", i)
			}
		}
	}
	return &Inputs{X: x, A: ds.Graph.NormAdj(), Labels: ds.Labels, NumClasses: ds.NumClasses,
		Train: ds.Train, Val: ds.Val, Test: ds.Test}, nil
}

// Config is a model and its training recipe. [DefaultConfig] fills it with
// the paper's setting for each model.
type Config struct {
	// Model is one of [ModelNames].
	Model string
	// Hidden is the hidden width (64 in the paper for all models).
	Hidden int
	// Dropout is the dropout probability on the input features and on the
	// hidden layer (0.5).
	Dropout float64
	// LR is Adam's learning rate (0.01).
	LR float64
	// L2 is λ in the loss term (λ/2)·‖W₁‖² on the first layer's weights
	// only (5e-3).
	L2 float64
	// Alpha, Mu and Beta parametrise the propagations (α = 0.1,
	// μ = β = 0.9 in the released code).
	Alpha, Mu, Beta float64
	// K is the number of propagation steps for the iterative forms and SGC
	// (10 and 2); for GCN and JKNet it is the number of graph layers.
	K int
	// MaxEpochs bounds training (10,000) and Patience is the early-stopping
	// patience in epochs (100).
	MaxEpochs, Patience int
}

// DefaultConfig returns the recipe of spec §6 for the named model: a
// 2-layer MLP of width 64 with dropout 0.5, Adam at lr 0.01, L2 5e-3 on
// the first layer, α = 0.1, μ = β = 0.9, K = 10, at most 10,000 epochs,
// patience 100. Baselines whose settings the paper does not give use
// their own papers' choices: GCN 2 layers with L2 5e-4 (Kipf & Welling);
// SGC K = 2, no dropout, lr 0.2, L2 5e-5 (Wu et al.); JKNet 3 GCN layers
// with concatenation, L2 5e-4.
func DefaultConfig(model string) (Config, error) {
	c := Config{Model: model, Hidden: 64, Dropout: 0.5, LR: 0.01, L2: 5e-3, Alpha: 0.1, Mu: 0.9,
		Beta: 0.9, K: 10, MaxEpochs: 10000, Patience: 100}
	switch model {
	case ModelMLP, ModelPPNP, ModelAPPNP, ModelLFClosed, ModelLFIter, ModelHFClosed, ModelHFIter:
	case ModelGCN:
		c.K, c.L2 = 2, 5e-4
	case ModelSGC:
		c.K, c.Dropout, c.LR, c.L2 = 2, 0, 0.2, 5e-5
	case ModelJKNet:
		c.K, c.L2 = 3, 5e-4
	default:
		return Config{}, fmt.Errorf("graph.DefaultConfig: unknown model %q (want one of %v)", model, ModelNames)
	}
	return c, nil
}

// Model is a node classifier: Forward returns the n×C class logits for
// every node of in. nn.SetTraining switches its dropout on and off.
type Model interface {
	Forward(in *Inputs) (*tensor.Tensor, error)
	// Regularized returns the weights the L2 term applies to (the first
	// layer's).
	Regularized() []*tensor.Tensor
}

// SparseDropout is dropout on the stored values of a sparse matrix (the
// paper's MixedDropout on sparse features): each value is zeroed with
// probability P and the rest scaled by 1/(1−P) in training mode.
type SparseDropout struct {
	P        float64
	rng      *rand.Rand
	training bool
	buf      *tensor.CSR
	src      *tensor.CSR
}

// NewSparseDropout returns a SparseDropout drawing its masks from rng.
func NewSparseDropout(rng *rand.Rand, p float64) *SparseDropout {
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("graph.NewSparseDropout: probability %v outside [0, 1)", p))
	}
	return &SparseDropout{P: p, rng: rng, training: true}
}

// SetTraining implements nn.Trainer.
func (d *SparseDropout) SetTraining(on bool) { d.training = on }

// Forward returns x with dropout applied to its values (x itself in
// evaluation mode). The result shares x's structure and is overwritten by
// the next call.
func (d *SparseDropout) Forward(x *tensor.CSR) *tensor.CSR {
	if !d.training || d.P == 0 {
		return x
	}
	if d.src != x {
		vals := make([]float32, x.NNZ())
		b, err := tensor.NewCSR(x.Rows(), x.Cols(), x.RowPtr(), x.ColIdx(), vals)
		if err != nil {
			panic("graph.SparseDropout: " + err.Error())
		}
		d.buf, d.src = b, x
	}
	keep := float32(1 / (1 - d.P))
	threshold := uint32(math.Min(d.P*(1<<32), math.MaxUint32))
	dst := d.buf.Values()
	for i, v := range x.Values() {
		if d.rng.Uint32() >= threshold {
			dst[i] = v * keep
		} else {
			dst[i] = 0
		}
	}
	return d.buf
}

// propFunc propagates logits over Â.
type propFunc func(a *tensor.CSR, h *tensor.Tensor) (*tensor.Tensor, error)

// trainSolve is the CG tolerance used in training, ample for float32.
var trainSolve = &SolveOptions{Tol: 1e-6}

// propagation returns the propagation of a model of Config: nil for the
// MLP, otherwise the function applying it to logits H over Â. It returns
// an error for parameters outside the paper's ranges.
func propagation(c Config) (propFunc, error) {
	var p propFunc
	switch c.Model {
	case ModelMLP:
		return nil, nil
	case ModelPPNP:
		p = func(a *tensor.CSR, h *tensor.Tensor) (*tensor.Tensor, error) { return PPNP(a, h, c.Alpha, trainSolve) }
	case ModelAPPNP:
		p = func(a *tensor.CSR, h *tensor.Tensor) (*tensor.Tensor, error) { return APPNP(a, h, c.Alpha, c.K) }
	case ModelLFClosed:
		p = func(a *tensor.CSR, h *tensor.Tensor) (*tensor.Tensor, error) {
			return LFClosed(a, h, c.Alpha, c.Mu, trainSolve)
		}
	case ModelLFIter:
		p = func(a *tensor.CSR, h *tensor.Tensor) (*tensor.Tensor, error) { return LFIter(a, h, c.Alpha, c.Mu, c.K) }
	case ModelHFClosed:
		p = func(a *tensor.CSR, h *tensor.Tensor) (*tensor.Tensor, error) {
			return HFClosed(a, h, c.Alpha, c.Beta, trainSolve)
		}
	case ModelHFIter:
		p = func(a *tensor.CSR, h *tensor.Tensor) (*tensor.Tensor, error) {
			return HFIter(a, h, c.Alpha, c.Beta, c.K)
		}
	default:
		return nil, fmt.Errorf("unknown model %q (want one of %v)", c.Model, ModelNames)
	}
	// Validate the parameters once on a 1-node graph.
	one, _ := tensor.NewCSR(1, 1, []int{0, 1}, []int{0}, []float32{1})
	if _, err := p(one, tensor.Ones(1, 1)); err != nil {
		return nil, err
	}
	return p, nil
}

// PropMLP is the paper's model (and the MLP baseline): a 2-layer MLP on
// the features, Linear(f→hidden, bias=False) → ReLU → Dropout →
// Linear(hidden→C, bias=False) with dropout on the input, whose logits are
// then propagated over the graph (APPNP style; no propagation for MLP).
type PropMLP struct {
	// W1 is the first layer's weight in (in, out) layout, as the paper's
	// MixedLinear.
	W1     *tensor.Tensor
	Out    *nn.Linear
	InDrop *SparseDropout
	Drop   *nn.Dropout
	prop   propFunc
}

// Forward implements Model.
func (m *PropMLP) Forward(in *Inputs) (*tensor.Tensor, error) {
	h := m.InDrop.Forward(in.X).MatMul(m.W1).ReLU()
	h = m.Out.Forward(m.Drop.Forward(h))
	if m.prop == nil {
		return h, nil
	}
	return m.prop(in.A, h)
}

// Regularized implements Model.
func (m *PropMLP) Regularized() []*tensor.Tensor { return []*tensor.Tensor{m.W1} }

// GCNModel is Kipf & Welling's graph convolutional network with K layers
// (Â · X W₁ → ReLU → Dropout → ... → Â · H W_K), without biases, dropout
// on the input as well.
type GCNModel struct {
	W1     *tensor.Tensor
	Layers []*nn.Linear
	InDrop *SparseDropout
	Drop   *nn.Dropout
}

// Forward implements Model.
func (m *GCNModel) Forward(in *Inputs) (*tensor.Tensor, error) {
	h := in.A.MatMul(m.InDrop.Forward(in.X).MatMul(m.W1))
	for _, l := range m.Layers {
		h = in.A.MatMul(l.Forward(m.Drop.Forward(h.ReLU())))
	}
	return h, nil
}

// Regularized implements Model.
func (m *GCNModel) Regularized() []*tensor.Tensor { return []*tensor.Tensor{m.W1} }

// SGCModel is Wu et al.'s simplified graph convolution: a linear classifier
// (with bias) on Â^K X, which is computed once per Inputs.
type SGCModel struct {
	Lin   *nn.Linear
	k     int
	cache *Inputs
	ax    *tensor.Tensor
}

// Forward implements Model.
func (m *SGCModel) Forward(in *Inputs) (*tensor.Tensor, error) {
	if m.cache != in {
		ax, err := Power(in.A, in.X.Dense(), m.k)
		if err != nil {
			return nil, err
		}
		m.ax, m.cache = ax, in
	}
	return m.Lin.Forward(m.ax), nil
}

// Regularized implements Model.
func (m *SGCModel) Regularized() []*tensor.Tensor { return []*tensor.Tensor{m.Lin.Weight} }

// JKNetModel is Xu et al.'s jumping-knowledge network with concatenation: K
// GCN layers h_l = ReLU(Â h_{l−1} W_l) (dropout before each), the layer
// outputs concatenated and classified by a linear layer.
type JKNetModel struct {
	W1     *tensor.Tensor
	Layers []*nn.Linear
	Out    *nn.Linear
	InDrop *SparseDropout
	Drop   *nn.Dropout
}

// Forward implements Model.
func (m *JKNetModel) Forward(in *Inputs) (*tensor.Tensor, error) {
	h := in.A.MatMul(m.InDrop.Forward(in.X).MatMul(m.W1)).ReLU()
	hs := []*tensor.Tensor{h}
	for _, l := range m.Layers {
		h = in.A.MatMul(l.Forward(m.Drop.Forward(h))).ReLU()
		hs = append(hs, h)
	}
	return m.Out.Forward(m.Drop.Forward(tensor.Concat(1, hs...))), nil
}

// Regularized implements Model.
func (m *JKNetModel) Regularized() []*tensor.Tensor { return []*tensor.Tensor{m.W1} }

// firstLayer draws an (in, out) weight as PyTorch's default Linear init
// of the transposed layer (the paper's kaiming_uniform(a=√5), fan_out of
// an (in, out) matrix = in): U(±1/√in).
func firstLayer(rng *rand.Rand, in, out int) *tensor.Tensor {
	return nn.KaimingUniform(rng, math.Sqrt(5), in, in, out).SetRequiresGrad(true)
}

// NewModel builds the model of c for inputs with f features and C
// classes, initialised from rng (which also drives its dropout). It
// returns an error for an unknown model or parameters out of range.
func NewModel(rng *rand.Rand, c Config, f, classes int) (Model, error) {
	if c.Hidden < 1 || !(c.Dropout >= 0 && c.Dropout < 1) {
		return nil, fmt.Errorf("graph.NewModel: hidden %d or dropout %v out of range", c.Hidden, c.Dropout)
	}
	switch c.Model {
	case ModelGCN, ModelJKNet:
		if c.K < 1 {
			return nil, fmt.Errorf("graph.NewModel: %s needs K ≥ 1 layers, got %d", c.Model, c.K)
		}
	case ModelSGC:
		if c.K < 0 {
			return nil, fmt.Errorf("graph.NewModel: SGC needs K ≥ 0, got %d", c.K)
		}
		return &SGCModel{Lin: nn.NewLinear(rng, f, classes), k: c.K}, nil
	}
	switch c.Model {
	case ModelGCN:
		m := &GCNModel{InDrop: NewSparseDropout(rng, c.Dropout), Drop: nn.NewDropout(rng, c.Dropout)}
		if c.K == 1 {
			m.W1 = firstLayer(rng, f, classes)
			return m, nil
		}
		m.W1 = firstLayer(rng, f, c.Hidden)
		for i := 1; i < c.K; i++ {
			out := c.Hidden
			if i == c.K-1 {
				out = classes
			}
			m.Layers = append(m.Layers, nn.NewLinearNoBias(rng, c.Hidden, out))
		}
		return m, nil
	case ModelJKNet:
		m := &JKNetModel{W1: firstLayer(rng, f, c.Hidden), InDrop: NewSparseDropout(rng, c.Dropout),
			Drop: nn.NewDropout(rng, c.Dropout)}
		for i := 1; i < c.K; i++ {
			m.Layers = append(m.Layers, nn.NewLinearNoBias(rng, c.Hidden, c.Hidden))
		}
		m.Out = nn.NewLinear(rng, c.K*c.Hidden, classes)
		return m, nil
	}
	p, err := propagation(c)
	if err != nil {
		return nil, fmt.Errorf("graph.NewModel: %w", err)
	}
	return &PropMLP{W1: firstLayer(rng, f, c.Hidden), Out: nn.NewLinearNoBias(rng, c.Hidden, classes),
		InDrop: NewSparseDropout(rng, c.Dropout), Drop: nn.NewDropout(rng, c.Dropout), prop: p}, nil
}
