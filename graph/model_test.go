package graph

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

// synthInputs builds a small two-community data set: nodes 0..n/2-1 are
// class 0 and the rest class 1, each linked in a ring inside its
// community, with noisy features that weakly indicate the class.
func synthInputs(t testing.TB, rng *rand.Rand, n, f int) *Inputs {
	t.Helper()
	var edges [][2]int
	half := n / 2
	for i := range n {
		lo := 0
		if i >= half {
			lo = half
		}
		edges = append(edges, [2]int{i, lo + (i-lo+1)%half})
	}
	g, err := New(n, edges, DropSelfLoops)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Zeros(n, f)
	labels := make([]int, n)
	for i := range n {
		if i >= half {
			labels[i] = 1
		}
		x.Data()[i*f+i%f] = 1 // no empty rows: ReLU stays off its kink
		for j := range f {
			p := 0.2
			if (j < f/2) == (labels[i] == 0) {
				p = 0.35
			}
			if rng.Float64() < p {
				x.Data()[i*f+j] = 1
			}
		}
	}
	ds := &Dataset{Name: "synth", Graph: g, Features: x, Labels: labels, NumClasses: 2}
	perm := rng.Perm(n)
	ds.Train, ds.Val, ds.Test = perm[:n/5], perm[n/5:n/2], perm[n/2:]
	in, err := Prepare(ds)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestPrepare(t *testing.T) {
	in := synthInputs(t, rand.New(rand.NewPCG(1, 2)), 40, 12)
	ptr, vals := in.X.RowPtr(), in.X.Values()
	for i := range in.X.Rows() {
		s := 0.0
		for k := ptr[i]; k < ptr[i+1]; k++ {
			s += float64(vals[k])
		}
		if ptr[i+1] > ptr[i] && math.Abs(s-1) > 1e-6 {
			t.Fatalf("row %d sums to %v, want 1", i, s)
		}
	}
	if in.A.Rows() != 40 || in.NumClasses != 2 {
		t.Fatalf("Â %d rows, %d classes", in.A.Rows(), in.NumClasses)
	}
}

func TestNewModelErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	if _, err := DefaultConfig("nope"); err == nil {
		t.Error("DefaultConfig(nope): no error")
	}
	c, _ := DefaultConfig(ModelLFClosed)
	c.Mu = 0.2
	if _, err := NewModel(rng, c, 5, 2); err == nil {
		t.Error("GNN-LF with μ = 0.2: no error")
	}
	c, _ = DefaultConfig(ModelHFIter)
	c.Alpha = 1.5
	if _, err := NewModel(rng, c, 5, 2); err == nil {
		t.Error("GNN-HF with α = 1.5: no error")
	}
	c.Model = "nope"
	if _, err := NewModel(rng, c, 5, 2); err == nil {
		t.Error("unknown model: no error")
	}
	for _, name := range ModelNames {
		c, err := DefaultConfig(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewModel(rng, c, 5, 2); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Oracle 7: the gradient of the full loss (NLL + λ/2‖W₁‖²) through the
// closed-form GNN-LF and the iterative GNN-HF propagation, by finite
// differences in W₁ and W₂.
func TestLossGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	in := synthInputs(t, rng, 10, 4)
	for _, name := range []string{ModelLFClosed, ModelHFIter, ModelGCN} {
		t.Log(name)
		c, _ := DefaultConfig(name)
		c.Hidden, c.Dropout = 3, 0
		m, err := NewModel(rng, c, 4, 2)
		if err != nil {
			t.Fatal(err)
		}
		nn.SetTraining(m, false)
		var w1, w2 *tensor.Tensor
		switch m := m.(type) {
		case *PropMLP:
			w1, w2 = m.W1, m.Out.Weight
		case *GCNModel:
			w1, w2 = m.W1, m.Layers[0].Weight
		}
		tensortest.GradCheck(t, func(ws ...*tensor.Tensor) *tensor.Tensor {
			if ws[0] != w1 || ws[1] != w2 {
				t.Fatal("GradCheck passed copies")
			}
			logits, err := m.Forward(in)
			if err != nil {
				t.Fatal(err)
			}
			return lossOn(logits, in.Labels, in.Train, m.Regularized(), 0.5)
		}, w1, w2)
	}
}

func TestSparseDropout(t *testing.T) {
	x, _ := tensor.NewCSR(2, 3, []int{0, 2, 3}, []int{0, 2, 1}, []float32{1, 2, 3})
	d := NewSparseDropout(rand.New(rand.NewPCG(5, 6)), 0.5)
	kept := 0
	for range 200 {
		y := d.Forward(x)
		for i, v := range y.Values() {
			switch v {
			case 0:
			case 2 * x.Values()[i]:
				kept++
			default:
				t.Fatalf("value %v from %v", v, x.Values()[i])
			}
		}
	}
	if kept < 240 || kept > 360 {
		t.Errorf("kept %d of 600 values at p = 0.5", kept)
	}
	d.SetTraining(false)
	if d.Forward(x) != x {
		t.Error("evaluation mode changed the input")
	}
}
