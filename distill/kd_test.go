package distill

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/torchfix"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
)

const kdRtol, kdAtol = 1e-5, 1e-6

// Values and gradients against PyTorch (testdata/kd.py): the soft-target
// loss KL(softmax(t/T) ‖ softmax(s/T))·T², the KD mixture with hard
// labels, its sequence form with -100 padding, hidden-state transfer
// through a projection and attention transfer.
func TestKDTorch(t *testing.T) {
	f := torchfix.Load(t, "testdata/kd.json")
	var T, alpha float64
	var hkeep []bool
	f.MetaValue(t, "T", &T)
	f.MetaValue(t, "alpha", &alpha)
	f.MetaValue(t, "hkeep", &hkeep)

	s, tl, y := f.T(t, "s").SetRequiresGrad(true), f.T(t, "t"), f.Ints(t, "y")
	soft := SoftTargetLoss(s, tl, T, nil)
	soft.Backward()
	torchfix.Close(t, "soft", soft, f.T(t, "soft"), kdRtol, kdAtol)
	torchfix.Close(t, "grad soft", s.Grad(), f.T(t, "g_soft"), kdRtol, kdAtol)

	s = f.T(t, "s").SetRequiresGrad(true)
	kd := KD{T: T, Alpha: alpha}.Loss(s, tl, y)
	kd.Backward()
	torchfix.Close(t, "kd", kd, f.T(t, "kd"), kdRtol, kdAtol)
	torchfix.Close(t, "grad kd", s.Grad(), f.T(t, "g_kd"), kdRtol, kdAtol)

	ss := f.T(t, "ss").SetRequiresGrad(true)
	seq := KD{T: T, Alpha: alpha}.Loss(ss, f.T(t, "ts"), f.Ints(t, "ys"))
	seq.Backward()
	torchfix.Close(t, "seq", seq, f.T(t, "seq"), kdRtol, kdAtol)
	torchfix.Close(t, "grad seq", ss.Grad(), f.T(t, "g_seq"), kdRtol, kdAtol)

	hs := f.T(t, "hs").SetRequiresGrad(true)
	proj := &nn.Linear{Weight: f.T(t, "proj.weight").SetRequiresGrad(true), Bias: f.T(t, "proj.bias").SetRequiresGrad(true)}
	hid := HiddenLoss(hs, f.T(t, "ht"), proj, hkeep)
	hid.Backward()
	torchfix.Close(t, "hidden", hid, f.T(t, "hid"), kdRtol, kdAtol)
	torchfix.Close(t, "grad hidden", hs.Grad(), f.T(t, "g_hs"), kdRtol, kdAtol)
	torchfix.Close(t, "grad proj.weight", proj.Weight.Grad(), f.T(t, "g_proj.weight"), kdRtol, kdAtol)
	torchfix.Close(t, "grad proj.bias", proj.Bias.Grad(), f.T(t, "g_proj.bias"), kdRtol, kdAtol)

	as := f.T(t, "a_s").SetRequiresGrad(true)
	att := AttentionLoss(as, f.T(t, "a_t"))
	att.Backward()
	torchfix.Close(t, "attention", att, f.T(t, "att"), kdRtol, kdAtol)
	torchfix.Close(t, "grad attention", as.Grad(), f.T(t, "g_att"), kdRtol, kdAtol)
}

func rnd(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.Randn(rand.New(rand.NewPCG(seed, 7)), shape...)
}

// Finite differences for the new losses (student side, projection).
func TestKDGradCheck(t *testing.T) {
	teacher := rnd(2, 2, 3, 4)
	keep := []bool{true, false, true, true, true, false}
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return SoftTargetLoss(in[0], teacher, 3, keep)
	}, rnd(1, 2, 3, 4))
	labels := []int{1, -100, 0, 3, 2, -100}
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return KD{T: 2, Alpha: 0.4}.Loss(in[0], teacher, labels)
	}, rnd(3, 2, 3, 4))
	ht := rnd(4, 2, 3, 5)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return HiddenLoss(in[0], ht, &nn.Linear{Weight: in[1], Bias: in[2]}, keep)
	}, rnd(5, 2, 3, 4), rnd(6, 5, 4), rnd(7, 5))
	at := rnd(8, 2, 2, 3)
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor { return AttentionLoss(in[0], at) }, rnd(9, 2, 2, 3))
}

// Closed forms and invariants: a student equal to the teacher has zero
// soft loss at every T; the teacher gets no gradient; dropped rows do not
// count; α = 1 and α = 0 give the two terms; -Inf teacher logits add 0.
func TestKDIdentities(t *testing.T) {
	x := rnd(1, 3, 5)
	for _, T := range []float64{0.5, 1, 4} {
		if v := SoftTargetLoss(x, x, T, nil).Item(); math.Abs(float64(v)) > 1e-6 {
			t.Errorf("T %v: loss of teacher against itself %v", T, v)
		}
	}
	s, te := rnd(2, 3, 5).SetRequiresGrad(true), rnd(3, 3, 5).SetRequiresGrad(true)
	SoftTargetLoss(s, te, 2, nil).Backward()
	if te.Grad() != nil {
		t.Error("gradient flowed into the teacher")
	}
	// Row 1 dropped = loss of rows 0 and 2 alone.
	all := SoftTargetLoss(s, te, 2, []bool{true, false, true}).Item()
	sub := SoftTargetLoss(s.Detach().IndexSelect(0, []int{0, 2}), te.IndexSelect(0, []int{0, 2}), 2, nil).Item()
	if all != sub {
		t.Errorf("keep: %v, want %v", all, sub)
	}
	labels := []int{1, -100, 4}
	if a, b := (KD{T: 2, Alpha: 1}).Loss(s, te, labels).Item(), all; a != b {
		t.Errorf("alpha 1: %v, want soft %v", a, b)
	}
	if a, b := (KD{T: 2, Alpha: 0}).Loss(s, te, labels).Item(), nn.CrossEntropy(s, labels).Item(); a != b {
		t.Errorf("alpha 0: %v, want CE %v", a, b)
	}
	// One-hot-ish teacher with -Inf classes: KL = T²·(−log q_y) − 0 where
	// the teacher is certain of class y.
	inf := float32(math.Inf(-1))
	tt := tensor.New([]float32{0, inf, inf}, 1, 3)
	st := tensor.New([]float32{1, 2, 3}, 1, 3)
	want := 4 * -float64(st.MulScalar(0.5).LogSoftmax(-1).Data()[0])
	if got := SoftTargetLoss(st, tt, 2, nil).Item(); math.Abs(float64(got)-want) > 1e-5 {
		t.Errorf("-Inf teacher: %v, want %v", got, want)
	}
	if v := SoftTargetLoss(s, te, 2, []bool{false, false, false}).Item(); !math.IsNaN(float64(v)) {
		t.Errorf("no rows kept: %v, want NaN", v)
	}
	proj := nn.NewLinear(rand.New(rand.NewPCG(1, 1)), 5, 4)
	if v := HiddenLoss(s, rnd(4, 3, 4), proj, []bool{false, false, false}).Item(); !math.IsNaN(float64(v)) {
		t.Errorf("HiddenLoss with no rows kept: %v, want NaN", v)
	}
	if v := HiddenLoss(s, s.Detach(), nil, nil).Item(); v != 0 {
		t.Errorf("HiddenLoss of equal states %v, want 0", v)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "distill.HiddenLoss") {
			t.Errorf("wrong projection: panic %v", r)
		}
	}()
	HiddenLoss(s, rnd(4, 3, 6), proj, nil)
}

// A student trained with KD.Step from stored teacher probabilities comes
// to reproduce them, and a student trained from a cairn teacher model
// lowers its loss.
func TestKDStep(t *testing.T) {
	preds := []Prediction{{Probs: []float32{0.7, 0.2, 0.1}}, {Logits: []float32{0, 2, 0}}, {Probs: []float32{0, 0.5, 0.5}}}
	st, err := NewStoredTeacher(preds)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := rnd(10, 3, 4)
	student := nn.NewLinear(rng, 4, 3)
	opt := optim.NewAdam(nn.Params(student), 0.05)
	fwd := func(idx []int) *tensor.Tensor { return student.Forward(x.IndexSelect(0, idx)) }
	idx := []int{0, 1, 2}
	k := KD{T: 1, Alpha: 1}
	first := k.Step(opt, fwd, st, idx, nil)
	var last float32
	for range 300 {
		last = k.Step(opt, fwd, st, idx, nil)
	}
	if !(last < 0.01*first) {
		t.Fatalf("stored teacher: loss %v -> %v", first, last)
	}
	p := fwd([]int{0}).Softmax(-1).Data()
	if math.Abs(float64(p[0])-0.7) > 0.02 || math.Abs(float64(p[2])-0.1) > 0.02 {
		t.Errorf("student distribution %v, want ≈ [0.7 0.2 0.1]", p)
	}

	teacher := nn.NewLinear(rng, 4, 3)
	nn.Freeze(teacher)
	tf := TeacherFunc(func(idx []int) *tensor.Tensor { return teacher.Forward(x.IndexSelect(0, idx)) })
	student2 := nn.NewLinear(rng, 4, 3)
	opt2 := optim.NewAdam(nn.Params(student2), 0.05)
	fwd2 := func(idx []int) *tensor.Tensor { return student2.Forward(x.IndexSelect(0, idx)) }
	k2 := KD{T: 2, Alpha: 0.5}
	first = k2.Step(opt2, fwd2, tf, idx, []int{0, 1, 2})
	for range 100 {
		last = k2.Step(opt2, fwd2, tf, idx, []int{0, 1, 2})
	}
	if !(last < first) {
		t.Errorf("model teacher: loss %v -> %v", first, last)
	}
	if _, err := NewStoredTeacher([]Prediction{{Logits: []float32{1, 2}}, {Logits: []float32{1}}}); err == nil {
		t.Error("ragged predictions: no error")
	}
	if _, err := NewStoredTeacher([]Prediction{{Label: "x"}}); err == nil {
		t.Error("text-only prediction: no error")
	}
}
