package distill

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/pretrain"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/tensor/tensortest"
	"github.com/cairn-ml/cairn/text"
)

var specials = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}

// toyTokenizers are the paper's example as two hand-made vocabularies:
// the teacher has whole words, the student smaller pieces.
//
//	teacher: i like machine learning .
//	student: i like ma ##chine le ##arn ##ing .
func toyTokenizers(t *testing.T) (teacher, student *text.WordPiece) {
	t.Helper()
	mk := func(toks ...string) *text.WordPiece {
		v := mustVocab(t, append(slices.Clone(specials), toks...)...)
		w, err := text.NewWordPiece(v, true)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	return mk("i", "like", "machine", "learning", ".", "learn", "##ing", "mach", "##ine"),
		mk("i", "like", "ma", "##chine", "le", "##arn", "##ing", ".")
}

const toySentence = "I like machine learning."

var corpus = strings.Repeat(`First Citizen: Before we proceed any further, hear me speak.
All: Speak, speak. You are all resolved rather to die than to famish?
First Citizen: First, you know Caius Marcius is chief enemy to the people.
We know't, we know't. Let us kill him, and we'll have corn at our own price.
`, 3)

// trainedTokenizers learns a teacher (200 tokens) and a student (60
// tokens) WordPiece vocabulary on a small text.
func trainedTokenizers(t *testing.T) (teacher, student *text.WordPiece) {
	t.Helper()
	lines := strings.Split(corpus, "\n")
	var err error
	if teacher, err = (text.WordPieceTrainer{VocabSize: 200, Lower: true}).Train(lines); err != nil {
		t.Fatal(err)
	}
	if student, err = (text.WordPieceTrainer{VocabSize: 60, Lower: true}).Train(lines); err != nil {
		t.Fatal(err)
	}
	return teacher, student
}

func TestNewMixedSegmenterErrors(t *testing.T) {
	tt, st := toyTokenizers(t)
	for _, p := range []float64{-0.1, 1.5, math.NaN()} {
		if _, err := NewMixedSegmenter(tt, st, p); err == nil {
			t.Errorf("p=%v: no error", p)
		}
	}
	cased, _ := text.NewWordPiece(st.Vocab(), false)
	if _, err := NewMixedSegmenter(tt, cased, 0.5); err == nil {
		t.Error("different basic tokenizers: no error")
	}
	noMask, _ := text.NewWordPiece(mustVocab(t, "[PAD]", "[UNK]", "[CLS]", "[SEP]", "i"), true)
	if _, err := NewMixedSegmenter(tt, noMask, 0.5); err == nil || !strings.Contains(err.Error(), "[MASK]") {
		t.Errorf("student without [MASK]: error %v", err)
	}
}

// Spec oracle 2: p = 0 is the teacher's tokenisation, p = 1 the
// student's; words, their order and boundaries are kept.
func TestSegmentExtremes(t *testing.T) {
	for _, pair := range []string{"toy", "trained"} {
		var tt, st *text.WordPiece
		s := toySentence
		if pair == "toy" {
			tt, st = toyTokenizers(t)
		} else {
			tt, st = trainedTokenizers(t)
			s = corpus
		}
		words := tt.Basic.Tokenize(s)
		if slices.Equal(tt.Encode(s), st.Encode(s)) {
			t.Fatalf("%s: the vocabularies segment the text alike", pair)
		}
		for _, c := range []struct {
			p       float64
			tok     *text.WordPiece
			student bool
		}{{0, tt, false}, {1, st, true}} {
			sg, err := NewMixedSegmenter(tt, st, c.p)
			if err != nil {
				t.Fatal(err)
			}
			m := sg.Segment(s, rand.New(rand.NewPCG(1, 2)))
			if want := c.tok.Encode(s); !slices.Equal(m.IDs, want) {
				t.Errorf("%s p=%v: ids %v, want %v", pair, c.p, m.IDs, want)
			}
			starts := 0
			for i := range m.IDs {
				if m.Student[i] != c.student {
					t.Fatalf("%s p=%v: token %d tagged student=%v", pair, c.p, i, m.Student[i])
				}
				if m.WordStart[i] {
					starts++
				}
				if m.WordStart[i] != c.tok.IsWordStart(m.IDs[i]) {
					t.Errorf("%s p=%v: token %d %q word start %v", pair, c.p, i, c.tok.Token(m.IDs[i]), m.WordStart[i])
				}
			}
			if starts != len(words) {
				t.Errorf("%s p=%v: %d words, want %d", pair, c.p, starts, len(words))
			}
		}
	}
	tt, st := toyTokenizers(t)
	sg, _ := NewMixedSegmenter(tt, st, 1)
	if got := strings.Join(st.Tokenize(toySentence), " "); got != "i like ma ##chine le ##arn ##ing ." {
		t.Errorf("toy student tokens %q", got)
	}
	w := sg.Wrap(sg.Segment(toySentence, rand.New(rand.NewPCG(1, 1))))
	if w.IDs[0] != tt.Special().CLS || w.IDs[w.Len()-1] != tt.Special().SEP || w.Student[0] || !w.WordStart[w.Len()-1] {
		t.Errorf("Wrap: %+v", w)
	}
}

// Spec oracle 2 at 0 < p < 1: each word is segmented whole by one
// vocabulary (its pieces are that tokenizer's Encode of the word), words
// keep their order, and the fraction of student words is p within 3σ.
func TestSegmentMixedWords(t *testing.T) {
	tt, st := trainedTokenizers(t)
	const p = 0.3
	sg, err := NewMixedSegmenter(tt, st, p)
	if err != nil {
		t.Fatal(err)
	}
	words := tt.Basic.Tokenize(corpus)
	m := sg.Segment(corpus, rand.New(rand.NewPCG(3, 4)))
	k, nStudent := 0, 0
	for i := 0; i < m.Len(); {
		if !m.WordStart[i] {
			t.Fatalf("token %d does not start a word", i)
		}
		j := i + 1
		for j < m.Len() && !m.WordStart[j] {
			if m.Student[j] != m.Student[i] {
				t.Fatalf("word %d mixes vocabularies", k)
			}
			j++
		}
		tok := tt
		if m.Student[i] {
			tok = st
			nStudent++
		}
		if want := tok.Encode(words[k]); !slices.Equal(m.IDs[i:j], want) {
			t.Fatalf("word %d %q: ids %v, want %v", k, words[k], m.IDs[i:j], want)
		}
		i, k = j, k+1
	}
	if k != len(words) {
		t.Fatalf("%d words, want %d", k, len(words))
	}
	n := float64(len(words))
	if sd := math.Sqrt(n * p * (1 - p)); math.Abs(float64(nStudent)-n*p) > 3*sd {
		t.Errorf("%d of %.0f words student-segmented, want %.1f ± %.1f", nStudent, n, n*p, 3*sd)
	}
	// Same seed, same segmentation.
	if m2 := sg.Segment(corpus, rand.New(rand.NewPCG(3, 4))); !slices.Equal(m.IDs, m2.IDs) {
		t.Error("segmentation differs under the same seed")
	}
}

// Spec oracle 3: each predicted position's label is the original id in the
// vocabulary that produced it, and it goes to that vocabulary's labels.
func TestMaskPerVocabularyLabels(t *testing.T) {
	tt, st := toyTokenizers(t)
	sg, _ := NewMixedSegmenter(tt, st, 0.5)
	vt := tt.VocabSize()
	var nt, ns int
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 9))
		m := sg.Wrap(sg.Segment(toySentence, rng))
		ex := sg.Mask(pretrain.MLM{Prob: 0.5}, m, rng)
		joint := m.Joint(vt)
		for i := range m.IDs {
			tl, sl := ex.TeacherLabels[i], ex.StudentLabels[i]
			switch {
			case tl != -100 && sl != -100:
				t.Fatalf("seed %d: position %d has two labels", seed, i)
			case tl != -100:
				nt++
				if m.Student[i] || tl != m.IDs[i] {
					t.Fatalf("seed %d: teacher label %d at %d, token %d student=%v", seed, tl, i, m.IDs[i], m.Student[i])
				}
			case sl != -100:
				ns++
				if !m.Student[i] || sl != m.IDs[i] || sl >= st.VocabSize() {
					t.Fatalf("seed %d: student label %d at %d, token %d student=%v", seed, sl, i, m.IDs[i], m.Student[i])
				}
			default:
				if ex.Inputs[i] != joint[i] {
					t.Fatalf("seed %d: unpredicted position %d changed from %d to %d", seed, i, joint[i], ex.Inputs[i])
				}
			}
		}
		if ex.TeacherLabels[0] != -100 || ex.TeacherLabels[m.Len()-1] != -100 {
			t.Fatalf("seed %d: [CLS] or [SEP] chosen", seed)
		}
	}
	if nt == 0 || ns == 0 {
		t.Errorf("%d teacher and %d student predictions over 30 seeds, want both", nt, ns)
	}
}

// Spec oracle 3: the loss scores each masked token with its own
// vocabulary's softmax, by hand on tiny logits.
func TestDualMLMLossHand(t *testing.T) {
	tl := tensor.New([]float32{1, 2, 0, 0.5, -1, 3}, 2, 3) // teacher vocabulary of 3
	sl := tensor.New([]float32{0, 1, -2, 2}, 2, 2)         // student vocabulary of 2
	got := DualMLMLoss(tl, []int{1, -100}, sl, []int{-100, 0}).Item()
	// −log softmax([1 2 0])[1] and −log softmax([−2 2])[0].
	a := -(2 - math.Log(math.Exp(1)+math.Exp(2)+math.Exp(0)))
	b := -(-2 - math.Log(math.Exp(-2)+math.Exp(2)))
	if want := (a + b) / 2; math.Abs(float64(got)-want) > 1e-6 {
		t.Errorf("loss %v, want %v", got, want)
	}
	// One side alone is that side's mean cross-entropy.
	got = DualMLMLoss(tl, []int{1, 2}, nil, nil).Item()
	want := nn.CrossEntropy(tl, []int{1, 2}).Item()
	if math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("teacher only: %v, want %v", got, want)
	}
	if l := DualMLMLoss(tl, []int{-100, -100}, sl, []int{-100, -100}).Item(); !math.IsNaN(float64(l)) {
		t.Errorf("no labels: %v, want NaN", l)
	}
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return DualMLMLoss(in[0], []int{1, 2}, in[1], []int{-100, 0})
	}, tensor.Randn(rand.New(rand.NewPCG(1, 1)), 2, 3), tensor.Randn(rand.New(rand.NewPCG(1, 2)), 2, 2))
}

func tinyConfigs(vt, vs int) (tc, sc models.BERTConfig) {
	tc = bertConfig(vt, 16, 4, 8, 2)
	tc.Heads = 2
	sc = bertConfig(vs, 16, 2, 4, 2)
	tc.Dropout, sc.Dropout = 0, 0
	return tc, sc
}

type dualSetup struct {
	tt, st  *text.WordPiece
	sg      *MixedSegmenter
	teacher *models.BERTForMaskedLM
	student *models.BERTForMaskedLM
	proj    *SharedProjections
	dual    *DualMLM
}

func newDualSetup(t *testing.T, seed uint64) *dualSetup {
	tt, st := toyTokenizers(t)
	sg, err := NewMixedSegmenter(tt, st, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	tc, sc := tinyConfigs(tt.VocabSize(), st.VocabSize())
	d := &dualSetup{tt: tt, st: st, sg: sg,
		teacher: models.NewBERTForMaskedLM(rng, tc), student: models.NewBERTForMaskedLM(rng, sc),
		proj: NewBERTProjections(rng, tc, sc)}
	d.dual = NewDualMLM(d.teacher, d.student.BERT.Embeddings.Word, d.proj.Pair(4, 2).V)
	// Random biases so that no gradient is zero by symmetry.
	copy(d.teacher.Bias.Data(), tensor.Randn(rng, tc.VocabSize).Data())
	copy(d.dual.StudentBias.Data(), tensor.Randn(rng, sc.VocabSize).Data())
	return d
}

func closeSlices(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > tol {
			return false
		}
	}
	return true
}

// With teacher tokens only, the dual teacher is the teacher: HiddenStates
// ends in BERT.Forward's output and the teacher logits are
// BERTForMaskedLM.Forward's. Loss agrees with DualMLMLoss on Logits.
func TestDualMLMForward(t *testing.T) {
	d := newDualSetup(t, 1)
	ids := d.tt.Encode(toySentence)
	n := len(ids)
	hs := HiddenStates(d.teacher.BERT, ids, nil, 1, n)
	h, _ := d.teacher.BERT.Forward(ids, nil, 1, n)
	if len(hs) != 3 || !closeSlices(hs[2].Data(), h.Data(), 1e-6) {
		t.Errorf("HiddenStates: %d states, last differs from BERT.Forward", len(hs))
	}
	tl, sl := d.dual.Logits(ids, nil, 1, n)
	if !closeSlices(tl.Data(), d.teacher.Forward(ids, nil, 1, n).Data(), 1e-5) {
		t.Error("teacher logits differ from BERTForMaskedLM.Forward")
	}
	if s := sl.Shape(); s[2] != d.st.VocabSize() {
		t.Errorf("student logits shape %v", s)
	}

	m := d.sg.Wrap(d.sg.Segment(toySentence, rand.New(rand.NewPCG(5, 5))))
	ex := d.sg.Mask(pretrain.MLM{Prob: 0.5}, m, rand.New(rand.NewPCG(5, 6)))
	n = m.Len()
	tl, sl = d.dual.Logits(ex.Inputs, nil, 1, n)
	want := DualMLMLoss(tl.Reshape(n, -1), ex.TeacherLabels, sl.Reshape(n, -1), ex.StudentLabels).Item()
	if got := d.dual.Loss(ex.Inputs, nil, ex.TeacherLabels, ex.StudentLabels, 1, n).Item(); math.Abs(float64(got-want)) > 1e-5 {
		t.Errorf("Loss %v, DualMLMLoss on Logits %v", got, want)
	}
}

// Gradients of the dual teacher's loss with respect to the shared student
// embeddings, the up-projection and the student-vocabulary bias match
// finite differences.
func TestDualMLMGradCheck(t *testing.T) {
	d := newDualSetup(t, 2)
	vt := d.tt.VocabSize()
	// [CLS] i like ma ##chine learning . [SEP]: "machine" from the student.
	ma, _ := d.st.TokenID("ma")
	chine, _ := d.st.TokenID("##chine")
	sp := d.tt.Special()
	i, _ := d.tt.TokenID("i")
	like, _ := d.tt.TokenID("like")
	learning, _ := d.tt.TokenID("learning")
	dot, _ := d.tt.TokenID(".")
	ids := []int{sp.CLS, i, sp.MASK, vt + ma, vt + chine, sp.MASK, dot, sp.SEP}
	tlab := []int{-100, -100, like, -100, -100, learning, -100, -100}
	slab := []int{-100, -100, -100, ma, -100, -100, -100, -100}
	// The embeddings are N(0, 0.02²): a step of 1e-3 stays in the linear
	// range of the LayerNorms that follow them.
	f := func(...*tensor.Tensor) *tensor.Tensor { return d.dual.Loss(ids, nil, tlab, slab, 1, len(ids)) }
	if err := tensortest.Check(f, []*tensor.Tensor{d.dual.StudentWord.Weight, d.dual.Up, d.dual.StudentBias}, tensortest.Options{Eps: 1e-3}); err != nil {
		t.Error(err)
	}
}

// Spec oracle 5: the student's token embeddings are one tensor, updated by
// the student's own loss and by the dual teacher's, and an update changes
// both models' forward passes.
func TestSharedEmbeddingUpdates(t *testing.T) {
	d := newDualSetup(t, 3)
	shared := d.student.BERT.Embeddings.Word.Weight
	if d.dual.StudentWord.Weight != shared {
		t.Fatal("dual teacher does not hold the student's embedding tensor")
	}
	all := struct {
		S *models.BERTForMaskedLM
		D *DualMLM
		P *SharedProjections
	}{d.student, d.dual, d.proj}
	params := nn.Params(all)
	nShared := 0
	for _, p := range params {
		if p == shared {
			nShared++
		}
	}
	if nShared != 1 {
		t.Fatalf("shared matrix appears %d times in the parameters", nShared)
	}
	opt := optim.NewSGD(params, 0.5)

	vt := d.tt.VocabSize()
	sIDs := d.st.Encode(toySentence) // i like ma ##chine le ##arn ##ing .
	n := len(sIDs)
	sLab := slices.Repeat([]int{-100}, n)
	sLab[2] = sIDs[2]
	mixed := make([]int, n) // the same tokens through the dual teacher
	for i, id := range sIDs {
		mixed[i] = vt + id
	}
	noT := slices.Repeat([]int{-100}, n)

	dualOut := func() []float32 { _, s := d.dual.Logits(mixed, nil, 1, n); return s.Data() }
	studentOut := func() []float32 { return d.student.Forward(sIDs, nil, 1, n).Data() }
	for _, c := range []struct {
		name  string
		loss  func() *tensor.Tensor
		other func() []float32
	}{
		{"student MLM loss", func() *tensor.Tensor { return d.student.Loss(sIDs, nil, sLab, 1, n) }, dualOut},
		{"dual teacher loss", func() *tensor.Tensor { return d.dual.Loss(mixed, nil, noT, sLab, 1, n) }, studentOut},
	} {
		before := slices.Clone(shared.Data())
		otherBefore := c.other()
		opt.ZeroGrad()
		c.loss().Backward()
		if shared.Grad() == nil || closeSlices(shared.Grad().Data(), make([]float32, shared.Size()), 0) {
			t.Fatalf("%s: no gradient on the shared matrix", c.name)
		}
		opt.Step()
		if closeSlices(before, shared.Data(), 0) {
			t.Errorf("%s: one step left the shared matrix unchanged", c.name)
		}
		if closeSlices(otherBefore, c.other(), 0) {
			t.Errorf("%s: the other model's forward pass did not change", c.name)
		}
	}
}

// Spec oracle 4: projection identities. A student variable that is the
// down-projected teacher's gives L↓ = 0; a teacher variable that is the
// up-projected student's gives L↑ = 0; with V = Uᵀ (the initial state)
// and U with orthonormal columns both hold at once; equal widths are not
// projected.
func TestProjectionIdentities(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	p := NewSharedProjections(rng, [2]int{6, 3}, [2]int{4, 2}, [2]int{6, 3}, [2]int{5, 5})
	if len(p.Pairs) != 2 || p.Pair(5, 5) != nil {
		t.Fatalf("%d pairs, want 2 (duplicates and equal widths dropped)", len(p.Pairs))
	}
	u := p.Pair(6, 3).U
	utu := u.T().MatMul(u).Data()
	for i := range 3 {
		for j := range 3 {
			want := float32(0)
			if i == j {
				want = 1
			}
			if math.Abs(float64(utu[i*3+j]-want)) > 1e-5 {
				t.Fatalf("UᵀU[%d,%d] = %v", i, j, utu[i*3+j])
			}
		}
	}
	for _, sh := range [][2][]int{{{6, 4}, {3, 2}}, {{6}, {3}}, {{6, 5}, {3, 5}}, {{5, 4}, {5, 2}}} {
		ts, ss := sh[0], sh[1]
		wt := tensor.Randn(rng, ts...)
		ws := p.Down(wt, ss...)
		if l := p.DownLoss(wt, ws).Item(); l > 1e-12 {
			t.Errorf("%v→%v: L↓ = %v for W_s = Down(W_t)", ts, ss, l)
		}
		ws = tensor.Randn(rng, ss...)
		wt = p.Up(ws, ts...)
		if l := p.UpLoss(wt, ws).Item(); l > 1e-12 {
			t.Errorf("%v→%v: L↑ = %v for W_t = Up(W_s)", ts, ss, l)
		}
		if l := p.DownLoss(wt, ws).Item(); l > 1e-10 {
			t.Errorf("%v→%v: L↓ = %v for W_t = Up(W_s) with V = Uᵀ", ts, ss, l)
		}
	}
	wt, ws := tensor.Randn(rng, 5, 5), tensor.Randn(rng, 5, 5)
	if a, b := p.DownLoss(wt, ws).Item(), nn.MSE(wt, ws).Item(); a != b {
		t.Errorf("equal widths: L↓ %v, MSE %v", a, b)
	}
}

// Spec oracle 4: gradients of L↓ and L↑ with respect to U, V, W_t and
// W_s match finite differences, for matrices and vectors.
func TestProjectionGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, sh := range [][2][]int{{{4, 6}, {2, 3}}, {{4}, {2}}, {{4, 5}, {2, 5}}} {
		ts, ss := sh[0], sh[1]
		p := NewSharedProjections(rng, [2]int{4, 2}, [2]int{6, 3})
		used := []*ProjectionPair{p.Pair(4, 2)}
		if len(ts) == 2 && ts[1] == 6 {
			used = append(used, p.Pair(6, 3))
		}
		// Move V away from Uᵀ so that the losses are not at a minimum.
		for _, q := range p.Pairs {
			copy(q.V.Data(), tensor.Randn(rng, q.V.Shape()...).Data())
		}
		in := []*tensor.Tensor{tensor.Randn(rng, ts...), tensor.Randn(rng, ss...)}
		for _, q := range used {
			in = append(in, q.U, q.V)
		}
		tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
			return p.DownLoss(in[0], in[1]).Add(p.UpLoss(in[0], in[1]))
		}, in...)
	}
}

// Spec oracle 4: the number of pairs is the number of distinct width
// pairs, whatever the depth; Loss covers every variable but the
// vocabulary-indexed ones, and vanishes on L↓ when the student is the
// down-projected teacher; its gradient reaches U and V.
func TestProjectionModels(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, layers := range []int{1, 3} {
		tc, sc := tinyConfigs(20, 12)
		tc.Layers, sc.Layers = layers, layers
		p := NewBERTProjections(rng, tc, sc)
		if len(p.Pairs) != 2 {
			t.Errorf("L=%d: %d pairs, want 2", layers, len(p.Pairs))
		}
		teacher, student := models.NewBERTForMaskedLM(rng, tc), models.NewBERTForMaskedLM(rng, sc)
		names := p.Matched(teacher, student)
		if want := 16*layers + 8; len(names) != want {
			t.Errorf("L=%d: %d variables matched, want %d: %v", layers, len(names), want, names)
		}
		for _, n := range names {
			if strings.Contains(n, "word_embeddings") || n == "cls.predictions.bias" {
				t.Errorf("vocabulary variable %s matched", n)
			}
		}
		if got := len(p.Matched(teacher.BERT, student.BERT)); got != 16*layers+4 {
			t.Errorf("L=%d encoders: %d matched, want %d", layers, got, 16*layers+4)
		}
		down, up := p.Loss(teacher, student)
		if down.Item() <= 0 || up.Item() <= 0 {
			t.Fatalf("losses %v %v", down.Item(), up.Item())
		}
		up.Add(down).Backward()
		for _, q := range p.Pairs {
			if q.U.Grad() == nil || q.V.Grad() == nil {
				t.Fatalf("no gradient on pair %d→%d", q.TeacherDim(), q.StudentDim())
			}
		}
		// Make every matched student variable the down-projected teacher's.
		ts := map[string]*tensor.Tensor{}
		for _, nt := range nn.StateDict(teacher) {
			ts[nt.Name] = nt.Tensor
		}
		for _, nt := range nn.StateDict(student) {
			if slices.Contains(names, nt.Name) {
				copy(nt.Tensor.Data(), p.Down(ts[nt.Name].Detach(), nt.Tensor.Shape()...).Data())
			}
		}
		if down, _ := p.Loss(teacher, student); down.Item() > 1e-10 {
			t.Errorf("L=%d: L↓ = %v with the student the projected teacher", layers, down.Item())
		}
	}
}

// The conventional baseline: zero when the student's states are the
// teacher's through the map, layers matched uniformly, gradients checked.
func TestHiddenMSE(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	tp, sp := AlignWords([]bool{true, true, false, true}, []bool{true, false, true, true, false})
	if !slices.Equal(tp, []int{0, 1, 3}) || !slices.Equal(sp, []int{0, 2, 3}) {
		t.Errorf("AlignWords: %v %v", tp, sp)
	}
	proj := nn.NewLinear(rng, 2, 3)
	var student, teacher []*tensor.Tensor
	for range 5 { // embeddings + 4 teacher layers
		teacher = append(teacher, tensor.Randn(rng, 1, 4, 3))
	}
	for range 3 { // embeddings + 2 student layers ↔ teacher 0, 2, 4
		student = append(student, tensor.Randn(rng, 1, 5, 2))
	}
	// Make teacher state 2j at rows tp equal to student state j at rows
	// sp mapped by proj.
	for j, s := range student {
		y := proj.Forward(s.Reshape(5, 2)).Data()
		td := teacher[2*j].Data()
		for k := range tp {
			copy(td[tp[k]*3:tp[k]*3+3], y[sp[k]*3:sp[k]*3+3])
		}
	}
	if l := HiddenMSE(student, teacher, proj, sp, tp).Item(); l > 1e-12 {
		t.Errorf("aligned states: loss %v", l)
	}
	teacher[1].Data()[0] += 10 // an unmatched layer changes nothing
	if l := HiddenMSE(student, teacher, proj, sp, tp).Item(); l > 1e-12 {
		t.Errorf("unmatched teacher layer changed the loss to %v", l)
	}
	// One learned map over all layers: the mean of HiddenLoss per pair.
	teacher[2].Data()[0] += 1
	want := HiddenLoss(student[1].Reshape(5, 2).IndexSelect(0, sp), teacher[2].Reshape(4, 3).IndexSelect(0, tp), proj, nil).Item() / 3
	if l := HiddenMSE(student, teacher, proj, sp, tp).Item(); math.Abs(float64(l-want)) > 1e-6 {
		t.Errorf("loss %v, want %v", l, want)
	}
	tensortest.GradCheck(t, func(in ...*tensor.Tensor) *tensor.Tensor {
		return HiddenMSE([]*tensor.Tensor{in[0], in[1], in[2]}, teacher, proj, sp, tp)
	}, student[0], student[1], student[2], proj.Weight, proj.Bias)
}
