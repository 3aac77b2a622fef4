package tensor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// PyTorch parity: testdata/torch_ops.json holds cases computed by PyTorch
// (see testdata/torch_ops.py, which regenerates it). Each case gives the
// inputs, the expected output, a weight tensor w of the output's shape and
// the gradient of sum(w*out) with respect to every input that requires
// grad. TestTorchParity replays each case with the Go op and compares.

// torchNum is a float in the fixtures: a JSON number, or one of the strings
// "inf", "-inf" and "nan".
type torchNum float32

func (n *torchNum) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "inf":
			*n = torchNum(math.Inf(1))
		case "-inf":
			*n = torchNum(math.Inf(-1))
		case "nan":
			*n = torchNum(math.NaN())
		default:
			return fmt.Errorf("bad number %q", s)
		}
		return nil
	}
	// Parse straight to float32: the fixtures hold the shortest decimal
	// that rounds to each float32 value.
	v, err := strconv.ParseFloat(string(b), 32)
	if err != nil {
		return err
	}
	*n = torchNum(v)
	return nil
}

type torchArray struct {
	Name  string     `json:"name"`
	Shape []int      `json:"shape"`
	Data  []torchNum `json:"data"`
	Grad  bool       `json:"grad"`
}

func (a *torchArray) tensor() *Tensor {
	data := make([]float32, len(a.Data))
	for i, v := range a.Data {
		data[i] = float32(v)
	}
	return New(data, a.Shape...)
}

type torchParams struct {
	Axis     int      `json:"axis"`
	Keepdim  bool     `json:"keepdim"`
	Unbiased bool     `json:"unbiased"`
	Dim      int      `json:"dim"`
	Dims     []int    `json:"dims"`
	D0       int      `json:"d0"`
	D1       int      `json:"d1"`
	Start    int      `json:"start"`
	Length   int      `json:"length"`
	Index    []int    `json:"index"`
	Shape    []int    `json:"shape"`
	Slope    torchNum `json:"slope"`
	Lo       torchNum `json:"lo"`
	Hi       torchNum `json:"hi"`
	Value    torchNum `json:"value"`
}

type torchCase struct {
	Name   string        `json:"name"`
	Op     string        `json:"op"`
	Params torchParams   `json:"params"`
	Inputs []torchArray  `json:"inputs"`
	W      torchArray    `json:"w"`
	Out    torchArray    `json:"out"`
	Grads  []*torchArray `json:"grads"`
}

type torchFixtures struct {
	TorchVersion string      `json:"torch_version"`
	NumpyVersion string      `json:"numpy_version"`
	Cases        []torchCase `json:"cases"`
}

// torchOps maps each fixture op to the Go call.
var torchOps = map[string]func(in []*Tensor, p torchParams) *Tensor{
	"add":     func(in []*Tensor, _ torchParams) *Tensor { return in[0].Add(in[1]) },
	"sub":     func(in []*Tensor, _ torchParams) *Tensor { return in[0].Sub(in[1]) },
	"mul":     func(in []*Tensor, _ torchParams) *Tensor { return in[0].Mul(in[1]) },
	"div":     func(in []*Tensor, _ torchParams) *Tensor { return in[0].Div(in[1]) },
	"pow":     func(in []*Tensor, _ torchParams) *Tensor { return in[0].Pow(in[1]) },
	"maximum": func(in []*Tensor, _ torchParams) *Tensor { return in[0].Maximum(in[1]) },
	"minimum": func(in []*Tensor, _ torchParams) *Tensor { return in[0].Minimum(in[1]) },
	"where":   func(in []*Tensor, _ torchParams) *Tensor { return Where(in[0], in[1], in[2]) },
	"masked_fill": func(in []*Tensor, p torchParams) *Tensor {
		return in[0].MaskedFill(in[1], float32(p.Value))
	},

	"neg":        func(in []*Tensor, _ torchParams) *Tensor { return in[0].Neg() },
	"exp":        func(in []*Tensor, _ torchParams) *Tensor { return in[0].Exp() },
	"log":        func(in []*Tensor, _ torchParams) *Tensor { return in[0].Log() },
	"sqrt":       func(in []*Tensor, _ torchParams) *Tensor { return in[0].Sqrt() },
	"abs":        func(in []*Tensor, _ torchParams) *Tensor { return in[0].Abs() },
	"clamp":      func(in []*Tensor, p torchParams) *Tensor { return in[0].Clamp(float32(p.Lo), float32(p.Hi)) },
	"relu":       func(in []*Tensor, _ torchParams) *Tensor { return in[0].ReLU() },
	"leaky_relu": func(in []*Tensor, p torchParams) *Tensor { return in[0].LeakyReLU(float32(p.Slope)) },
	"sigmoid":    func(in []*Tensor, _ torchParams) *Tensor { return in[0].Sigmoid() },
	"tanh":       func(in []*Tensor, _ torchParams) *Tensor { return in[0].Tanh() },
	"gelu":       func(in []*Tensor, _ torchParams) *Tensor { return in[0].GELU() },
	"softplus":   func(in []*Tensor, _ torchParams) *Tensor { return in[0].Softplus() },
	"add_scalar": func(in []*Tensor, p torchParams) *Tensor { return in[0].AddScalar(float32(p.Value)) },
	"mul_scalar": func(in []*Tensor, p torchParams) *Tensor { return in[0].MulScalar(float32(p.Value)) },
	"pow_scalar": func(in []*Tensor, p torchParams) *Tensor { return in[0].PowScalar(float32(p.Value)) },

	"sum":      func(in []*Tensor, p torchParams) *Tensor { return in[0].Sum(p.Axis, p.Keepdim) },
	"mean":     func(in []*Tensor, p torchParams) *Tensor { return in[0].Mean(p.Axis, p.Keepdim) },
	"max":      func(in []*Tensor, p torchParams) *Tensor { return in[0].Max(p.Axis, p.Keepdim) },
	"min":      func(in []*Tensor, p torchParams) *Tensor { return in[0].Min(p.Axis, p.Keepdim) },
	"var":      func(in []*Tensor, p torchParams) *Tensor { return in[0].Var(p.Axis, p.Unbiased, p.Keepdim) },
	"sum_all":  func(in []*Tensor, _ torchParams) *Tensor { return in[0].SumAll() },
	"mean_all": func(in []*Tensor, _ torchParams) *Tensor { return in[0].MeanAll() },

	"softmax":     func(in []*Tensor, p torchParams) *Tensor { return in[0].Softmax(p.Axis) },
	"log_softmax": func(in []*Tensor, p torchParams) *Tensor { return in[0].LogSoftmax(p.Axis) },
	"logsumexp":   func(in []*Tensor, p torchParams) *Tensor { return in[0].LogSumExp(p.Axis, p.Keepdim) },

	"matmul": func(in []*Tensor, _ torchParams) *Tensor { return in[0].MatMul(in[1]) },

	"transpose":    func(in []*Tensor, p torchParams) *Tensor { return in[0].Transpose(p.D0, p.D1) },
	"permute":      func(in []*Tensor, p torchParams) *Tensor { return in[0].Permute(p.Dims...) },
	"narrow":       func(in []*Tensor, p torchParams) *Tensor { return in[0].Narrow(p.Dim, p.Start, p.Length) },
	"cat":          func(in []*Tensor, p torchParams) *Tensor { return Concat(p.Dim, in...) },
	"stack":        func(in []*Tensor, p torchParams) *Tensor { return Stack(p.Dim, in...) },
	"broadcast_to": func(in []*Tensor, p torchParams) *Tensor { return in[0].BroadcastTo(p.Shape...) },
	"reshape":      func(in []*Tensor, p torchParams) *Tensor { return in[0].Reshape(p.Shape...) },
	"unsqueeze":    func(in []*Tensor, p torchParams) *Tensor { return in[0].Unsqueeze(p.Dim) },
	"squeeze":      func(in []*Tensor, p torchParams) *Tensor { return in[0].Squeeze(p.Dim) },
	"flatten":      func(in []*Tensor, p torchParams) *Tensor { return in[0].Flatten(p.Start) },

	"gather":       func(in []*Tensor, p torchParams) *Tensor { return in[0].Gather(p.Dim, p.Index) },
	"index_select": func(in []*Tensor, p torchParams) *Tensor { return in[0].IndexSelect(p.Dim, p.Index) },
	"scatter_add":  func(in []*Tensor, p torchParams) *Tensor { return in[0].ScatterAdd(p.Dim, p.Index, in[1]) },
}

// torchTol is the allowed difference |got-want| <= atol + rtol*|want|.
type torchTol struct{ atol, rtol float64 }

var torchDefaultTol = torchTol{atol: 1e-5, rtol: 1e-4}

// torchSkip names cases that disagree with PyTorch because of a known bug
// in the Go code; each entry says what the bug is.
var torchSkip = map[string]string{}

func loadTorchFixtures(t *testing.T) torchFixtures {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "torch_ops.json"))
	if err != nil {
		t.Fatalf("reading fixtures (regenerate with /usr/bin/python3 tensor/testdata/torch_ops.py): %v", err)
	}
	// Unknown fields are errors, so that a parameter the script writes
	// under a name this test does not read cannot silently default to 0.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f torchFixtures
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("decoding testdata/torch_ops.json: %v", err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("testdata/torch_ops.json holds no cases")
	}
	return f
}

func TestTorchParity(t *testing.T) {
	f := loadTorchFixtures(t)
	seen := map[string]bool{}
	for _, c := range f.Cases {
		if seen[c.Name] {
			t.Errorf("duplicate case name %q", c.Name)
		}
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			if why, ok := torchSkip[c.Name]; ok {
				t.Skip(why)
			}
			runTorchCase(t, c)
		})
	}
}

// TestTorchParityCoversOps fails if an op in the fixtures has no Go mapping
// or a mapping has no fixture.
func TestTorchParityCoversOps(t *testing.T) {
	f := loadTorchFixtures(t)
	used := map[string]bool{}
	for _, c := range f.Cases {
		used[c.Op] = true
		if torchOps[c.Op] == nil {
			t.Errorf("case %s: unknown op %q", c.Name, c.Op)
		}
	}
	for op := range torchOps {
		if !used[op] {
			t.Errorf("op %q has no case in testdata/torch_ops.json", op)
		}
	}
}

func runTorchCase(t *testing.T, c torchCase) {
	fn := torchOps[c.Op]
	if fn == nil {
		t.Fatalf("unknown op %q", c.Op)
	}
	if len(c.Grads) != len(c.Inputs) {
		t.Fatalf("fixture has %d grads for %d inputs", len(c.Grads), len(c.Inputs))
	}
	in := make([]*Tensor, len(c.Inputs))
	for i := range c.Inputs {
		in[i] = c.Inputs[i].tensor()
		if c.Inputs[i].Grad {
			in[i].SetRequiresGrad(true)
		}
	}
	out := fn(in, c.Params)
	tol := torchDefaultTol
	if !compareTorch(t, c.Name+": output", out, &c.Out, tol) {
		return
	}
	if !out.RequiresGrad() {
		t.Fatalf("%s: output does not require grad", c.Name)
	}
	out.BackwardWith(c.W.tensor())
	for i, want := range c.Grads {
		name := fmt.Sprintf("%s: grad of %s (input %d)", c.Name, c.Inputs[i].Name, i)
		got := in[i].Grad()
		if want == nil {
			if got != nil {
				t.Errorf("%s: got a gradient for an input that does not require grad", name)
			}
			continue
		}
		if got == nil {
			t.Errorf("%s: no gradient; PyTorch gives %v", name, want.tensor())
			continue
		}
		compareTorch(t, name, got, want, tol)
	}
}

// compareTorch reports whether got matches want in shape and, within tol,
// in every element; infinities must match exactly and NaN matches NaN.
func compareTorch(t *testing.T, what string, got *Tensor, want *torchArray, tol torchTol) bool {
	t.Helper()
	if !slices.Equal(got.Shape(), want.Shape) {
		t.Errorf("%s: shape %v, PyTorch gives %v", what, got.Shape(), want.Shape)
		return false
	}
	ok, bad := true, 0
	for i, w := range want.Data {
		g, wv := float64(got.Data()[i]), float64(w)
		var match bool
		switch {
		case math.IsNaN(wv):
			match = math.IsNaN(g)
		case math.IsInf(wv, 0):
			match = g == wv
		default:
			match = math.Abs(g-wv) <= tol.atol+tol.rtol*math.Abs(wv)
		}
		if !match {
			ok = false
			if bad++; bad <= 5 {
				t.Errorf("%s: element %d (index %v): got %.9g, PyTorch gives %.9g (diff %.3g)",
					what, i, torchUnflatIndex(i, want.Shape), g, wv, math.Abs(g-wv))
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d of %d elements differ", what, bad, len(want.Data))
	}
	return ok
}

func torchUnflatIndex(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			idx[d] = i % shape[d]
			i /= shape[d]
		}
	}
	return idx
}
