package main

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
)

// instance is one workload ready to run: step is one iteration (for
// training, zero grads, forward, loss, backward, optimizer step); check
// returns the checksum of the last step (the loss, or the sum of the
// output); flops are the matmul and convolution FLOPs of one step as
// torch_bench.py counts them; items per step in unit; extra holds the
// workload's parameters.
type instance struct {
	step  func()
	check func() float64
	flops float64
	items float64
	unit  string
	extra map[string]any
	// params is the number of trainable parameters (0 for matmul and SpMM).
	params int
}

type workload struct {
	name string
	make func() *instance
}

// workloads lists torch_bench.py's WORKLOADS that cairn runs, in its order
// (the numpy_matmul rows are NumPy's, not PyTorch's, and have no twin).
var workloads = []workload{
	{"matmul_512", func() *instance { return wlMatMul(512) }},
	{"matmul_1024", func() *instance { return wlMatMul(1024) }},
	{"mlp_784_256_256_10_adam_b128", wlMLP},
	{"cnn_tfmnist_adam_b64", func() *instance { return wlCNN("tf") }},
	{"cnn_modelA_adam_b64", func() *instance { return wlCNN("A") }},
	{"lstm_i64_h128_t32_b32_adam", wlLSTM},
	{"transformer_enc_d128_h4_ff512_t64_b16_adam", wlTransformer},
	{"spmm_cora_2708x64", wlSpMM},
	{"appnp_lin1433x64_k10_fwd", func() *instance { return wlAPPNP(false) }},
	{"appnp_lin1433x64_k10_fwdbwd", func() *instance { return wlAPPNP(true) }},
	{"gcn2_cora_h16_epoch_adam", func() *instance { return wlGCN(true) }},
	{"gcn2_cora_h16_epoch_adam_noinputdrop", func() *instance { return wlGCN(false) }},
	{"ner_cnn_cnn_lstm_b32_t32_adam", wlNER},
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }

// sum returns the float64 sum of t's elements.
func sum(t *tensor.Tensor) float64 {
	var s float64
	for _, v := range t.Data() {
		s += float64(v)
	}
	return s
}

// numel returns the number of elements of ts.
func numel(ts []*tensor.Tensor) int {
	n := 0
	for _, t := range ts {
		n += t.Size()
	}
	return n
}

// labels returns n labels drawn uniformly from [0, k).
func labels(rng *rand.Rand, n, k int) []int {
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(k)
	}
	return y
}

// trainStep returns a step that zeroes the gradients, computes the loss,
// back-propagates and steps the optimizer (torch_bench.py's step), and a
// check that returns the last loss.
func trainStep(opt *optim.Adam, loss func() *tensor.Tensor) (func(), func() float64) {
	var last float64
	return func() {
			opt.ZeroGrad()
			l := loss()
			l.Backward()
			opt.Step()
			last = float64(l.Item())
		}, func() float64 {
			return last
		}
}

// linearTrainFlops is torch_bench.py's linear_train_flops without the
// first layer's input gradient.
func linearTrainFlops(batch int, dims []int) float64 {
	var w []int
	for i := 0; i+1 < len(dims); i++ {
		w = append(w, dims[i]*dims[i+1])
	}
	s := 0
	for _, v := range w {
		s += v
	}
	return float64(2*batch*s + 2*batch*s + 2*batch*(s-w[0]))
}

// wlMatMul is torch.mm(a, b, out=c) of two n×n N(0,1) matrices. cairn's
// MatMul writes a new output each call (there is no out= form).
func wlMatMul(n int) *instance {
	rng := newRNG(0)
	a, b := tensor.Randn(rng, n, n), tensor.Randn(rng, n, n)
	var c *tensor.Tensor
	return &instance{
		step:  func() { c = a.MatMul(b) },
		check: func() float64 { return sum(c) },
		flops: 2 * float64(n) * float64(n) * float64(n),
		extra: map[string]any{"n": n, "op": "a.MatMul(b) float32 row-major (new output)"},
	}
}

// mlp is Linear(784,256)-ReLU-Linear(256,256)-ReLU-Linear(256,10).
type mlp struct{ L1, L2, L3 *nn.Linear }

func wlMLP() *instance {
	const B = 128
	rng := newRNG(0)
	m := &mlp{nn.NewLinear(rng, 784, 256), nn.NewLinear(rng, 256, 256), nn.NewLinear(rng, 256, 10)}
	opt := optim.NewAdam(nn.Params(m), 1e-3)
	x := tensor.Randn(rng, B, 784)
	y := labels(rng, B, 10)
	step, check := trainStep(opt, func() *tensor.Tensor {
		h := m.L2.Forward(m.L1.Forward(x).ReLU()).ReLU()
		return nn.CrossEntropy(m.L3.Forward(h), y)
	})
	return &instance{step: step, check: check, flops: linearTrainFlops(B, []int{784, 256, 256, 10}),
		params: nn.NumParams(m), items: B, unit: "examples/s", extra: map[string]any{"batch": B}}
}

// tfCNN is torch_bench.py's TFMnistCNN: conv5x5x32(same)+ReLU, maxpool2,
// conv5x5x64(same)+ReLU, maxpool2, fc 3136->1024+ReLU, fc 1024->10.
type tfCNN struct {
	C1, C2 *nn.Conv2D
	F1, F2 *nn.Linear
}

func (m *tfCNN) forward(x *tensor.Tensor) *tensor.Tensor {
	x = m.C1.Forward(x).ReLU().MaxPool2D(2)
	x = m.C2.Forward(x).ReLU().MaxPool2D(2)
	x = m.F1.Forward(x.Flatten(1)).ReLU()
	return m.F2.Forward(x)
}

// modelA is torch_bench.py's ModelA: conv5x5x64(valid)+ReLU,
// conv5x5x64(valid)+ReLU, dropout 0.25, fc 25600->128+ReLU, dropout 0.5,
// fc 128->10, in training mode.
type modelA struct {
	C1, C2 *nn.Conv2D
	D1, D2 *nn.Dropout
	F1, F2 *nn.Linear
}

func (m *modelA) forward(x *tensor.Tensor) *tensor.Tensor {
	x = m.C1.Forward(x).ReLU()
	x = m.D1.Forward(m.C2.Forward(x).ReLU())
	x = m.D2.Forward(m.F1.Forward(x.Flatten(1)).ReLU())
	return m.F2.Forward(x)
}

func convFlops(hout, wout, cout, cin, kh, kw int) int {
	return 2 * hout * wout * cout * cin * kh * kw
}

func wlCNN(kind string) *instance {
	const B = 64
	rng := newRNG(0)
	var (
		forward   func(*tensor.Tensor) *tensor.Tensor
		params    []*tensor.Tensor
		c1, c2, f int
	)
	if kind == "tf" {
		m := &tfCNN{
			C1: nn.NewConv2D(rng, 1, 32, 5, nn.ConvPadding(2)),
			C2: nn.NewConv2D(rng, 32, 64, 5, nn.ConvPadding(2)),
			F1: nn.NewLinear(rng, 7*7*64, 1024),
			F2: nn.NewLinear(rng, 1024, 10),
		}
		forward, params = m.forward, nn.Params(m)
		c1, c2 = convFlops(28, 28, 32, 1, 5, 5), convFlops(14, 14, 64, 32, 5, 5)
		f = 2 * (3136*1024 + 1024*10)
	} else {
		m := &modelA{
			C1: nn.NewConv2D(rng, 1, 64, 5),
			C2: nn.NewConv2D(rng, 64, 64, 5),
			D1: nn.NewDropout(newRNG(1), 0.25),
			F1: nn.NewLinear(rng, 20*20*64, 128),
			D2: nn.NewDropout(newRNG(2), 0.5),
			F2: nn.NewLinear(rng, 128, 10),
		}
		nn.SetTraining(m, true)
		forward, params = m.forward, nn.Params(m)
		c1, c2 = convFlops(24, 24, 64, 1, 5, 5), convFlops(20, 20, 64, 64, 5, 5)
		f = 2 * (25600*128 + 128*10)
	}
	opt := optim.NewAdam(params, 1e-3)
	x := tensor.Randn(rng, B, 1, 28, 28)
	y := labels(rng, B, 10)
	step, check := trainStep(opt, func() *tensor.Tensor { return nn.CrossEntropy(forward(x), y) })
	return &instance{step: step, check: check, flops: float64(B * (3*(c1+c2+f) - c1)),
		params: numel(params), items: B, unit: "examples/s", extra: map[string]any{"batch": B}}
}

func wlLSTM() *instance {
	const T, B, I, H = 32, 32, 64, 128
	rng := newRNG(0)
	l := nn.NewLSTM(rng, nn.RNNConfig{InputSize: I, HiddenSize: H})
	opt := optim.NewAdam(nn.Params(l), 1e-3)
	x := tensor.Randn(rng, T, B, I)
	target := tensor.Randn(rng, T, B, H)
	step, check := trainStep(opt, func() *tensor.Tensor {
		out, _, _ := l.Forward(x, nil, nil, nil)
		return nn.MSE(out, target)
	})
	fwd := 2 * T * B * 4 * H * (I + H)
	return &instance{step: step, check: check, flops: float64(fwd + fwd + 2*T*B*4*H*H),
		params: nn.NumParams(l), items: B * T, unit: "tokens/s", extra: map[string]any{"seq": T, "batch": B, "input": I, "hidden": H}}
}

func wlTransformer() *instance {
	const B, T, D, NH, FF = 16, 64, 128, 4, 512
	rng := newRNG(0)
	layer := nn.NewTransformerEncoderLayer(rng, D, NH, FF, 0.1, "relu", 1e-5, true, false)
	nn.SetTraining(layer, true)
	opt := optim.NewAdam(nn.Params(layer), 1e-3)
	x := tensor.Randn(rng, B, T, D)
	target := tensor.Randn(rng, B, T, D)
	step, check := trainStep(opt, func() *tensor.Tensor { return nn.MSE(layer.Forward(x, nil, nil), target) })
	tok := B * T
	fwd := tok*(2*4*D*D+2*2*D*FF) + B*NH*2*(2*T*T*(D/NH))
	return &instance{step: step, check: check, flops: float64(3 * fwd), items: float64(tok), unit: "tokens/s",
		params: nn.NumParams(layer),
		extra:  map[string]any{"batch": B, "seq": T, "d_model": D, "heads": NH, "ff": FF}}
}

// coraLikeGraph is torch_bench.py's cora_like_graph with a math/rand/v2
// PCG generator in place of NumPy's default_rng (whose stream cannot be
// reproduced here): n nodes, undirectedEdges distinct random pairs i≠j,
// and Â = D^-1/2 (A + I) D^-1/2 in float32 with nnz = 2·edges + n. The
// graph differs from PyTorch's edge for edge; its size, nnz and
// normalisation are the same.
func coraLikeGraph(n, undirectedEdges int, seed uint64) *tensor.CSR {
	rng := newRNG(seed)
	seen := make(map[[2]int]bool, undirectedEdges)
	pairs := make([][2]int, 0, undirectedEdges)
	for len(pairs) < undirectedEdges {
		i, j := rng.IntN(n), rng.IntN(n)
		if i == j {
			continue
		}
		p := [2]int{min(i, j), max(i, j)}
		if !seen[p] {
			seen[p] = true
			pairs = append(pairs, p)
		}
	}
	slices.SortFunc(pairs, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	nnz := 2*len(pairs) + n
	rows, cols := make([]int, 0, nnz), make([]int, 0, nnz)
	for _, p := range pairs {
		rows, cols = append(rows, p[0]), append(cols, p[1])
	}
	for _, p := range pairs {
		rows, cols = append(rows, p[1]), append(cols, p[0])
	}
	for i := range n {
		rows, cols = append(rows, i), append(cols, i)
	}
	deg := make([]float32, n)
	for _, r := range rows {
		deg[r]++
	}
	dinv := make([]float32, n)
	for i, d := range deg {
		dinv[i] = 1 / float32(math.Sqrt(float64(d)))
	}
	vals := make([]float32, nnz)
	for k := range vals {
		vals[k] = dinv[rows[k]] * dinv[cols[k]]
	}
	a, err := tensor.CSRFromCOO(n, n, rows, cols, vals)
	if err != nil {
		panic("bench: coraLikeGraph: " + err.Error()) // the arrays are built above: a bug
	}
	return a
}

// cora returns the Cora-like graph shared by the graph workloads.
func cora() *tensor.CSR { return coraLikeGraph(2708, 5278, 0) }

func wlSpMM() *instance {
	const N, F = 2708, 64
	a := cora()
	z := tensor.Randn(newRNG(0), N, F)
	var out *tensor.Tensor
	return &instance{
		step:  func() { out = a.MatMul(z) },
		check: func() float64 { return sum(out) },
		flops: float64(2 * a.NNZ() * F), items: 1, unit: "spmm/s",
		extra: map[string]any{"nodes": N, "nnz": a.NNZ(), "cols": F, "graph": graphNote},
	}
}

const graphNote = "Cora-sized random graph from math/rand/v2 PCG (not NumPy's stream)"

func wlAPPNP(backward bool) *instance {
	const N, FIN, FOUT, K, alpha = 2708, 1433, 64, 10, 0.1
	a := cora()
	rng := newRNG(0)
	x := tensor.Randn(rng, N, FIN)
	lin := nn.NewLinear(rng, FIN, FOUT)
	r := tensor.Randn(rng, N, FOUT)
	forward := func() *tensor.Tensor {
		h := lin.Forward(x)
		z := h
		for range K {
			z = a.MatMul(z).MulScalar(1 - alpha).Add(h.MulScalar(alpha))
		}
		return z
	}
	var last float64
	var step func()
	nnz := a.NNZ()
	var flops int
	if backward {
		step = func() {
			nn.ZeroGrad(lin)
			loss := forward().Mul(r).SumAll()
			loss.Backward()
			last = float64(loss.Item())
		}
		flops = 2*2*N*FIN*FOUT + 2*K*(2*nnz*FOUT+3*N*FOUT)
	} else {
		nn.Freeze(lin) // torch.no_grad(): record no graph
		step = func() { last = sum(forward()) }
		flops = 2*N*FIN*FOUT + K*(2*nnz*FOUT+3*N*FOUT)
	}
	return &instance{step: step, check: func() float64 { return last }, flops: float64(flops), items: 1, unit: "iters/s",
		params: nn.NumParams(lin),
		extra: map[string]any{"nodes": N, "nnz": nnz, "fin": FIN, "fout": FOUT, "K": K, "alpha": alpha,
			"sparse": "tensor.CSR.MatMul", "graph": graphNote}}
}

// gcnFeatures returns torch_bench.py's Cora-like bag of words (each entry
// 1 with probability 0.0127, plus one guaranteed 1 per row, rows
// normalised to sum 1) and n random labels in [0, classes), drawn from rng.
func gcnFeatures(rng *rand.Rand, n, fin, classes int) (*tensor.Tensor, []int) {
	x := tensor.Zeros(n, fin)
	d := x.Data()
	for i := range d {
		if rng.Float64() < 0.0127 {
			d[i] = 1
		}
	}
	for i := range n {
		d[i*fin+rng.IntN(fin)] = 1
	}
	for i := range n {
		row := d[i*fin : (i+1)*fin]
		var s float32
		for _, v := range row {
			s += v
		}
		for j := range row {
			row[j] /= s
		}
	}
	return x, labels(rng, n, classes)
}

type gcn struct{ W1, W2 *nn.Linear }

func wlGCN(inputDropout bool) *instance {
	const N, FIN, HID, C, train = 2708, 1433, 16, 7, 140
	a := cora()
	x, y := gcnFeatures(newRNG(1), N, FIN, C)
	yTrain := y[:train]
	rng := newRNG(0)
	m := &gcn{nn.NewLinear(rng, FIN, HID), nn.NewLinear(rng, HID, C)}
	opt := optim.NewAdam(nn.Params(m), 0.01, optim.WeightDecay(5e-4), optim.NoDecay(nn.Params(m.W2)...))
	drop0, drop1 := nn.NewDropout(newRNG(2), 0.5), nn.NewDropout(newRNG(3), 0.5)
	step, check := trainStep(opt, func() *tensor.Tensor {
		h := x
		if inputDropout {
			h = drop0.Forward(h)
		}
		h = a.MatMul(m.W1.Forward(h)).ReLU()
		h = drop1.Forward(h)
		out := a.MatMul(m.W2.Forward(h))
		return nn.CrossEntropy(out.Narrow(0, 0, train), yTrain)
	})
	nnz := a.NNZ()
	flops := 2*(2*N*FIN*HID) + 3*(2*N*HID*C) + 2*(2*nnz*HID) + 2*(2*nnz*C)
	return &instance{step: step, check: check, flops: float64(flops), items: 1, unit: "epochs/s",
		params: nn.NumParams(m),
		extra: map[string]any{"nodes": N, "nnz": nnz, "fin": FIN, "hidden": HID, "classes": C,
			"input_dropout": inputDropout, "graph": graphNote}}
}

// tagger is torch_bench.py's CNNCNNLSTMTagger: a character CNN (embedding
// 25, 50 filters of width 3, max over characters) and a word embedding 100
// feed a word CNN (two width-3 convolutions to 200 channels, ReLU), whose
// output with an embedding 16 of the previous gold tag feeds an LSTM
// decoder (hidden 128) and a linear layer to the tags.
type tagger struct {
	CEmb   *nn.Embedding
	CConv  *nn.Conv1D
	WEmb   *nn.Embedding
	WConv1 *nn.Conv1D
	WConv2 *nn.Conv1D
	TEmb   *nn.Embedding
	Dec    *nn.LSTM
	Out    *nn.Linear
}

func newTagger(rng *rand.Rand, nchars, nwords, ntags int) *tagger {
	return &tagger{
		CEmb:   nn.NewEmbedding(rng, nchars, 25, -1),
		CConv:  nn.NewConv1D(rng, 25, 50, 3, nn.ConvPadding(1)),
		WEmb:   nn.NewEmbedding(rng, nwords, 100, -1),
		WConv1: nn.NewConv1D(rng, 150, 200, 3, nn.ConvPadding(1)),
		WConv2: nn.NewConv1D(rng, 200, 200, 3, nn.ConvPadding(1)),
		TEmb:   nn.NewEmbedding(rng, ntags+1, 16, -1),
		Dec:    nn.NewLSTM(rng, nn.RNNConfig{InputSize: 216, HiddenSize: 128, BatchFirst: true}),
		Out:    nn.NewLinear(rng, 128, ntags),
	}
}

// forward maps chars (B·T·C ids), words and previous tags (B·T ids each)
// to logits (B, T, tags).
func (m *tagger) forward(chars, words, prev []int, B, T, C int) *tensor.Tensor {
	c := m.CEmb.Forward(chars, B*T, C).Transpose(1, 2)                    // (BT, 25, C)
	c = m.CConv.Forward(c).ReLU().Max(2, false).Reshape(B, T, 50)         // (B, T, 50)
	w := tensor.Concat(2, m.WEmb.Forward(words, B, T), c).Transpose(1, 2) // (B, 150, T)
	w = m.WConv1.Forward(w).ReLU()
	w = m.WConv2.Forward(w).ReLU().Transpose(1, 2) // (B, T, 200)
	h, _, _ := m.Dec.Forward(tensor.Concat(2, w, m.TEmb.Forward(prev, B, T)), nil, nil, nil)
	return m.Out.Forward(h)
}

func wlNER() *instance {
	const B, T, C, NT = 32, 32, 12, 17
	rng := newRNG(0)
	m := newTagger(rng, 100, 20000, NT)
	opt := optim.NewAdam(nn.Params(m), 1e-3)
	chars := labels(rng, B*T*C, 100)
	words := labels(rng, B*T, 20000)
	tags := labels(rng, B*T, NT)
	prev := make([]int, B*T)
	for b := range B {
		prev[b*T] = NT // start tag
		copy(prev[b*T+1:(b+1)*T], tags[b*T:(b+1)*T-1])
	}
	step, check := trainStep(opt, func() *tensor.Tensor {
		return nn.CrossEntropy(m.forward(chars, words, prev, B, T, C).Reshape(B*T, NT), tags)
	})
	const BT = B * T
	fwd := 2*BT*C*50*25*3 + 2*BT*200*150*3 + 2*BT*200*200*3 + 2*BT*4*128*(216+128) + 2*BT*128*NT
	return &instance{step: step, check: check, flops: float64(3 * fwd), items: BT, unit: "tokens/s",
		params: nn.NumParams(m),
		extra:  map[string]any{"batch": B, "seq": T, "chars": C, "tags": NT}}
}
