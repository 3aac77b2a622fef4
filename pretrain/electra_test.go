package pretrain

import (
	"math"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
)

func TestReplaceLabels(t *testing.T) {
	t.Parallel()
	ex := MLMExample{
		Inputs:    []int{1, 3, 11, 3, 13, 2},
		Positions: []int{1, 3, 0, 0},
		Labels:    []int{10, 12, 0, 0},
		Weights:   []float32{1, 1, 0, 0},
	}
	// Position 1 samples its original (label 0), position 3 a new id (1).
	in, lab := Replace(ex, []int{10, 99, 7, 7})
	if !slices.Equal(in, []int{1, 10, 11, 99, 13, 2}) {
		t.Errorf("inputs %v", in)
	}
	if !slices.Equal(lab, []float32{0, 0, 0, 1, 0, 0}) {
		t.Errorf("labels %v, want 1 only where replaced by a different id", lab)
	}
}

// TestELECTRAMask checks the 85 % [MASK] rate (± 1 %) and that no selected
// token is replaced by a random id.
func TestELECTRAMask(t *testing.T) {
	t.Parallel()
	rng := newRNG(41)
	tokens := seq(128)
	m := MLM{Special: testSpecial}
	var mask, total float64
	for range 1000 {
		ex := ELECTRAMask(m, tokens, nil, rng)
		for k, p := range ex.Positions[:ex.NumPredictions()] {
			switch ex.Inputs[p] {
			case testSpecial.MASK:
				mask++
			case ex.Labels[k]:
			default:
				t.Fatalf("random replacement %d at %d", ex.Inputs[p], p)
			}
			total++
		}
	}
	within(t, "ELECTRA [MASK] fraction", mask/total, 0.85, 0.01)
}

func TestSampleLogits(t *testing.T) {
	t.Parallel()
	rng := newRNG(42)
	// Row 0: p = (0.25, 0.75); row 1 all mass on class 2.
	logits := tensor.New([]float32{0, float32(math.Log(3)), -1e9, -1e9, -1e9, 0}, 2, 3)
	logits = logits.Narrow(1, 0, 3)
	const n = 20000
	ones := 0.0
	for range n {
		s := SampleLogits(logits, 1, rng)
		if s[1] != 2 {
			t.Fatalf("row 1 sampled %d", s[1])
		}
		if s[0] == 1 {
			ones++
		}
	}
	within(t, "P(class 1)", ones/n, 0.75, 5*math.Sqrt(0.75*0.25/n))
}

func TestJointLossAndTwoStage(t *testing.T) {
	t.Parallel()
	l := JointLoss(tensor.Scalar(1), tensor.Scalar(0.02), 50)
	within(t, "L_MLM + 50·L_Disc", float64(l.Item()), 2.0, 1e-6)
	s := TwoStage{GeneratorSteps: 3, DiscriminatorSteps: 2}
	var got []int
	for step := 0; step < 6; step++ {
		got = append(got, s.Stage(step))
	}
	if !slices.Equal(got, []int{1, 1, 1, 2, 2, 0}) {
		t.Errorf("stages %v", got)
	}
	g, d := tensor.Scalar(1), tensor.Scalar(2)
	if s.Loss(0, g, d) != g || s.Loss(4, g, d) != d {
		t.Error("TwoStage.Loss picks the wrong loss")
	}
}
