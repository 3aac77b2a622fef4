package distill

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/pretrain"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/text"
)

// This file holds the pieces of "Extreme Language Model Compression with
// Optimal Subwords and Shared Projections" (Zhao et al., 2019; v1 of
// arXiv 1909.11687): mixed-vocabulary dual training of the teacher, the
// shared projection losses, and the conventional hidden-state baseline.

// ignoreLabel marks a position without a prediction (nn.DefaultIgnoreIndex).
const ignoreLabel = -100

// MixedSegmenter segments text for dual training: the text is split into
// words by the teacher's basic tokenizer, and each word is segmented with
// the student's WordPiece vocabulary with probability P, with the
// teacher's otherwise, so that word boundaries are kept and the pieces of
// one word come from one vocabulary.
type MixedSegmenter struct {
	Teacher, Student *text.WordPiece
	P                float64 // probability of segmenting a word with the student vocabulary
}

// NewMixedSegmenter checks that teacher and student tokenizers can be
// mixed and returns a segmenter using the student vocabulary with
// probability p. Both must split words the same way (equal BasicTokenizer
// settings) and both vocabularies must hold [PAD], [UNK], [CLS], [SEP] and
// [MASK]; p must be in [0, 1].
func NewMixedSegmenter(teacher, student *text.WordPiece, p float64) (*MixedSegmenter, error) {
	if teacher == nil || student == nil {
		return nil, errors.New("distill.NewMixedSegmenter: nil tokenizer")
	}
	if !(p >= 0 && p <= 1) {
		return nil, fmt.Errorf("distill.NewMixedSegmenter: probability %v outside [0, 1]", p)
	}
	if teacher.Basic != student.Basic {
		return nil, fmt.Errorf("distill.NewMixedSegmenter: basic tokenizers differ (teacher %+v, student %+v)", teacher.Basic, student.Basic)
	}
	for _, v := range []struct {
		name string
		sp   text.Special
	}{{"teacher", teacher.Special()}, {"student", student.Special()}} {
		for _, s := range []struct {
			tok string
			id  int
		}{{"[PAD]", v.sp.PAD}, {"[UNK]", v.sp.UNK}, {"[CLS]", v.sp.CLS}, {"[SEP]", v.sp.SEP}, {"[MASK]", v.sp.MASK}} {
			if s.id < 0 {
				return nil, fmt.Errorf("distill.NewMixedSegmenter: the %s vocabulary has no %s", v.name, s.tok)
			}
		}
	}
	return &MixedSegmenter{Teacher: teacher, Student: student, P: p}, nil
}

// Mixed is a token sequence in which each token comes from the teacher's
// or the student's vocabulary.
type Mixed struct {
	IDs       []int  // token ids, each in the vocabulary that produced it
	Student   []bool // the student vocabulary produced the token
	WordStart []bool // the token begins a word
}

// Len returns the number of tokens.
func (m Mixed) Len() int { return len(m.IDs) }

// Joint returns the ids in the joint id space of DualMLM: a teacher id as
// it is, a student id plus teacherVocab (the teacher's vocabulary size).
func (m Mixed) Joint(teacherVocab int) []int {
	out := make([]int, len(m.IDs))
	for i, id := range m.IDs {
		if m.Student[i] {
			id += teacherVocab
		}
		out[i] = id
	}
	return out
}

// Segment splits s into words with the teacher's basic tokenizer and
// segments each word with the student's WordPiece vocabulary if a draw
// from rng falls below P, with the teacher's otherwise (one draw per
// word, whatever P). With P = 0 the ids are the teacher's Encode(s), with
// P = 1 the student's. A word neither vocabulary covers is one [UNK] of
// the vocabulary drawn. rng must not be nil.
func (sg *MixedSegmenter) Segment(s string, rng *rand.Rand) Mixed {
	var m Mixed
	for _, w := range sg.Teacher.Basic.Tokenize(s) {
		tok, stu := sg.Teacher, false
		if rng.Float64() < sg.P {
			tok, stu = sg.Student, true
		}
		for i, id := range tok.Encode(w) {
			m.IDs = append(m.IDs, id)
			m.Student = append(m.Student, stu)
			m.WordStart = append(m.WordStart, i == 0)
		}
	}
	return m
}

// Wrap returns m between the teacher's [CLS] and [SEP], each a word of
// its own from the teacher vocabulary, BERT's single-segment input.
func (sg *MixedSegmenter) Wrap(m Mixed) Mixed {
	sp := sg.Teacher.Special()
	n := m.Len() + 2
	out := Mixed{IDs: make([]int, 0, n), Student: make([]bool, 0, n), WordStart: make([]bool, 0, n)}
	out.IDs = append(append(append(out.IDs, sp.CLS), m.IDs...), sp.SEP)
	out.Student = append(append(append(out.Student, false), m.Student...), false)
	out.WordStart = append(append(append(out.WordStart, true), m.WordStart...), true)
	return out
}

// MixedMLM is a masked mixed-vocabulary sequence with its labels, one per
// position in each vocabulary.
type MixedMLM struct {
	// Inputs are the corrupted ids in the joint id space (Mixed.Joint).
	Inputs []int
	// TeacherLabels holds the original teacher id at each position whose
	// token is to be predicted and came from the teacher vocabulary, -100
	// elsewhere; StudentLabels likewise for student tokens (student ids).
	TeacherLabels, StudentLabels []int
}

// Mask applies BERT's masked LM to the mixed sequence m in the joint id
// space: cfg gives the probability, the cap on predictions, the unit
// (whole-word masking uses m.WordStart) and the 80/10/10 split; its
// Special is replaced by the teacher's [PAD], [CLS], [SEP] and [MASK]
// and the joint vocabulary size, so a chosen token becomes the teacher's
// [MASK], a random token of either vocabulary, or itself. Each chosen
// position's label goes to the labels of the vocabulary that produced the
// original token.
func (sg *MixedSegmenter) Mask(cfg pretrain.MLM, m Mixed, rng *rand.Rand) MixedMLM {
	vt := sg.Teacher.VocabSize()
	sp := sg.Teacher.Special()
	cfg.Special = pretrain.Special{PAD: sp.PAD, CLS: sp.CLS, SEP: sp.SEP, MASK: sp.MASK, BOS: -1, EOS: -1,
		VocabSize: vt + sg.Student.VocabSize()}
	ex := cfg.Apply(m.Joint(vt), m.WordStart, rng)
	out := MixedMLM{Inputs: ex.Inputs, TeacherLabels: make([]int, m.Len()), StudentLabels: make([]int, m.Len())}
	for i := range out.TeacherLabels {
		out.TeacherLabels[i], out.StudentLabels[i] = ignoreLabel, ignoreLabel
	}
	for i, w := range ex.Weights {
		if w == 0 {
			continue
		}
		pos, lab := ex.Positions[i], ex.Labels[i]
		if lab < vt {
			out.TeacherLabels[pos] = lab
		} else {
			out.StudentLabels[pos] = lab - vt
		}
	}
	return out
}

// DualMLMLoss is the masked-LM loss of a mixed-vocabulary sequence, each
// masked token scored by the softmax of the vocabulary that produced it:
//
//	(Σ_teacher positions −log softmax(teacher logits)[label]
//	 + Σ_student positions −log softmax(student logits)[label]) / (k_t + k_s),
//
// the mean over the k_t + k_s positions with a label. teacherLogits is
// (N_t, V_t) with one label per row, studentLogits (N_s, V_s) likewise;
// labels of -100 are left out, and a side without rows may be nil. With
// no label at all the loss is NaN. It panics on shapes that do not fit.
func DualMLMLoss(teacherLogits *tensor.Tensor, teacherLabels []int, studentLogits *tensor.Tensor, studentLabels []int) *tensor.Tensor {
	const op = "distill.DualMLMLoss"
	var total *tensor.Tensor
	k := 0
	for _, side := range []struct {
		name   string
		logits *tensor.Tensor
		labels []int
	}{{"teacher", teacherLogits, teacherLabels}, {"student", studentLogits, studentLabels}} {
		if side.logits == nil {
			if len(side.labels) != 0 {
				panic(fmt.Sprintf("%s: %d %s labels and no %s logits", op, len(side.labels), side.name, side.name))
			}
			continue
		}
		if side.logits.NDim() != 2 || side.logits.Dim(0) != len(side.labels) {
			panic(fmt.Sprintf("%s: %s logits %v for %d labels", op, side.name, side.logits.Shape(), len(side.labels)))
		}
		n := 0
		for _, l := range side.labels {
			if l != ignoreLabel {
				n++
			}
		}
		if n == 0 {
			continue
		}
		k += n
		l := nn.CrossEntropy(side.logits, side.labels, nn.WithIgnoreIndex(ignoreLabel), nn.WithReduction(nn.ReduceSum))
		if total == nil {
			total = l
		} else {
			total = total.Add(l)
		}
	}
	if total == nil {
		return tensor.Scalar(float32(math.NaN()))
	}
	return total.MulScalar(float32(1 / float64(k)))
}

// DualMLM is the teacher of dual training: a masked-LM BERT that reads
// mixed-vocabulary input and predicts each masked token in its own
// vocabulary. Teacher-vocabulary tokens use the teacher's token
// embeddings; student-vocabulary tokens use the student's token
// embedding matrix StudentWord (the student's own, shared: the same
// tensor) mapped to the teacher's width by Up, E_s·Up. The same tables
// are the output layers, tied as in BERT: after the teacher's MLM
// transform, teacher-vocabulary logits are h·E_tᵀ + b_t (the teacher's
// head) and student-vocabulary logits h·(E_s·Up)ᵀ + StudentBias.
//
// Gradients of its loss reach the teacher, StudentWord and Up. Train it
// with the student through one optimizer over nn.Params of a struct that
// holds both (the walker counts the shared matrix once).
type DualMLM struct {
	Teacher     *models.BERTForMaskedLM `cairn:"teacher"`
	StudentWord *nn.Embedding           `cairn:"student_word_embeddings"`
	Up          *tensor.Tensor          `cairn:"up"`           // (student width, teacher width)
	StudentBias *tensor.Tensor          `cairn:"student_bias"` // (student vocabulary)
}

// NewDualMLM returns the dual-training teacher over teacher, sharing the
// student's token embeddings studentWord (use student.BERT.Embeddings.Word)
// and mapping them to the teacher's width with up, a (student width,
// teacher width) matrix such as the up-projection of a SharedProjections
// pair (Pair(dt, ds).V; with equal widths there is no pair: pass any
// trainable (d, d) matrix, such as an identity). The student-vocabulary
// bias starts at 0. It panics if up does not fit.
func NewDualMLM(teacher *models.BERTForMaskedLM, studentWord *nn.Embedding, up *tensor.Tensor) *DualMLM {
	ds, dt := studentWord.Weight.Dim(1), teacher.BERT.Config.Hidden
	if up.NDim() != 2 || up.Dim(0) != ds || up.Dim(1) != dt {
		panic(fmt.Sprintf("distill.NewDualMLM: up %v for student width %d and teacher width %d", up.Shape(), ds, dt))
	}
	return &DualMLM{
		Teacher:     teacher,
		StudentWord: studentWord,
		Up:          up,
		StudentBias: tensor.Zeros(studentWord.Weight.Dim(0)).SetRequiresGrad(true),
	}
}

// TeacherVocab returns the teacher's vocabulary size, the offset of
// student ids in the joint id space.
func (d *DualMLM) TeacherVocab() int { return d.Teacher.BERT.Config.VocabSize }

// tables returns the student table E_s·Up (V_s, d_t) and the joint input
// table, the teacher's rows then those.
func (d *DualMLM) tables() (student, joint *tensor.Tensor) {
	student = d.StudentWord.Weight.MatMul(d.Up)
	return student, tensor.Concat(0, d.Teacher.BERT.Embeddings.Word.Weight, student)
}

// transformed runs the teacher on joint ids and applies its MLM
// transform, (n·t, d_t).
func (d *DualMLM) transformed(op string, ids, typeIDs []int, n, t int) (h, student *tensor.Tensor) {
	student, joint := d.tables()
	if len(ids) != n*t {
		panic(fmt.Sprintf("%s: %d ids for batch %d × length %d", op, len(ids), n, t))
	}
	for _, id := range ids {
		if id < 0 || id >= joint.Dim(0) {
			panic(fmt.Sprintf("%s: id %d outside the joint vocabulary [0, %d)", op, id, joint.Dim(0)))
		}
	}
	b := d.Teacher.BERT
	words := joint.IndexSelect(0, ids).Reshape(n, t, b.Config.Hidden)
	h, _ = b.ForwardEmbeds(words, ids, typeIDs, n, t)
	h = h.Reshape(n*t, b.Config.Hidden)
	return d.Teacher.TransformNorm.Forward(d.Teacher.TransformDense.Forward(h).GELU()), student
}

// Logits runs the teacher on n mixed sequences of length t, ids in the
// joint id space (MixedMLM.Inputs), with segment ids typeIDs (nil for all
// 0), and returns the logits of every position over the teacher
// vocabulary (n, t, V_t) and over the student vocabulary (n, t, V_s).
func (d *DualMLM) Logits(ids, typeIDs []int, n, t int) (teacher, student *tensor.Tensor) {
	h, st := d.transformed("distill.DualMLM.Logits", ids, typeIDs, n, t)
	teacher = tensor.Linear(h, d.Teacher.BERT.Embeddings.Word.Weight, d.Teacher.Bias).Reshape(n, t, -1)
	student = tensor.Linear(h, st, d.StudentBias).Reshape(n, t, -1)
	return teacher, student
}

// Loss is the teacher's masked-LM loss on n mixed sequences of length t
// (DualMLMLoss): ids in the joint id space, segment ids typeIDs (nil for
// all 0), and the per-vocabulary labels of MixedMLM, one per id. Only the
// positions with a label are scored, each in its own vocabulary. It
// panics if a position has labels in both vocabularies.
func (d *DualMLM) Loss(ids, typeIDs, teacherLabels, studentLabels []int, n, t int) *tensor.Tensor {
	const op = "distill.DualMLM.Loss"
	if len(teacherLabels) != n*t || len(studentLabels) != n*t {
		panic(fmt.Sprintf("%s: %d teacher and %d student labels for batch %d × length %d", op, len(teacherLabels), len(studentLabels), n, t))
	}
	var tRows, tLab, sRows, sLab []int
	for i := range teacherLabels {
		tl, sl := teacherLabels[i], studentLabels[i]
		if tl != ignoreLabel && sl != ignoreLabel {
			panic(fmt.Sprintf("%s: position %d has a teacher label %d and a student label %d", op, i, tl, sl))
		}
		if tl != ignoreLabel {
			tRows, tLab = append(tRows, i), append(tLab, tl)
		}
		if sl != ignoreLabel {
			sRows, sLab = append(sRows, i), append(sLab, sl)
		}
	}
	h, st := d.transformed(op, ids, typeIDs, n, t)
	var tl, sl *tensor.Tensor
	if len(tRows) > 0 {
		tl = tensor.Linear(h.IndexSelect(0, tRows), d.Teacher.BERT.Embeddings.Word.Weight, d.Teacher.Bias)
	}
	if len(sRows) > 0 {
		sl = tensor.Linear(h.IndexSelect(0, sRows), st, d.StudentBias)
	}
	return DualMLMLoss(tl, tLab, sl, sLab)
}

// HiddenStates runs the BERT encoder m on ids as m.Forward does and
// returns its hidden states: the embeddings' output, then each layer's,
// len(m.Layers)+1 tensors of shape (n, t, Hidden). It is
// m.HiddenStates.
func HiddenStates(m *models.BERT, ids, typeIDs []int, n, t int) []*tensor.Tensor {
	return m.HiddenStates(ids, typeIDs, n, t)
}

// AlignWords pairs the first token of each word in two segmentations of
// the same words (such as the teacher's and the student's WordPiece
// tokens of one text, with their word starts): it returns the position of
// the first token of word k in each. Add i·t to the positions of sequence
// i of a batch of length t. It panics if the word counts differ.
func AlignWords(teacherStart, studentStart []bool) (teacherPos, studentPos []int) {
	for i, s := range teacherStart {
		if s {
			teacherPos = append(teacherPos, i)
		}
	}
	for i, s := range studentStart {
		if s {
			studentPos = append(studentPos, i)
		}
	}
	if len(teacherPos) != len(studentPos) {
		panic(fmt.Sprintf("distill.AlignWords: %d teacher words and %d student words", len(teacherPos), len(studentPos)))
	}
	return teacherPos, studentPos
}

// HiddenMSE is the conventional baseline of vocabulary-reduced
// compression: the hidden-state loss (HiddenLoss) through one learned
// linear map proj (student width to teacher width, shared by all layers),
// averaged over the layer pairs. student and teacher are the hidden
// states of HiddenStates, embeddings' output first; student state j is
// matched with teacher state j·L_t/L_s (the same layer when the depths are
// equal), which needs L_t a multiple of L_s. Since the two models
// tokenize with different vocabularies, only the rows studentRows (of the
// student states flattened to (n·t_s, d_s)) and teacherRows are compared,
// pairwise, such as the first tokens of each word (AlignWords); nil rows
// compare all positions. The teacher is a constant. It panics on depths
// or rows that do not fit.
func HiddenMSE(student, teacher []*tensor.Tensor, proj *nn.Linear, studentRows, teacherRows []int) *tensor.Tensor {
	const op = "distill.HiddenMSE"
	ls, lt := len(student)-1, len(teacher)-1
	if ls < 1 || lt < 1 || lt%ls != 0 {
		panic(fmt.Sprintf("%s: %d student and %d teacher states (need layers L_t a multiple of L_s ≥ 1, plus the embeddings)", op, len(student), len(teacher)))
	}
	if len(studentRows) != len(teacherRows) {
		panic(fmt.Sprintf("%s: %d student rows and %d teacher rows", op, len(studentRows), len(teacherRows)))
	}
	var total *tensor.Tensor
	for j := 0; j <= ls; j++ {
		s, t := student[j], teacher[j*lt/ls]
		s, t = s.Reshape(-1, s.Dim(s.NDim()-1)), t.Reshape(-1, t.Dim(t.NDim()-1))
		if studentRows != nil {
			s, t = s.IndexSelect(0, studentRows), t.IndexSelect(0, teacherRows)
		}
		l := HiddenLoss(s, t, proj, nil)
		if total == nil {
			total = l
		} else {
			total = total.Add(l)
		}
	}
	return total.MulScalar(float32(1 / float64(ls+1)))
}

// ProjectionPair holds the shared projections between one teacher width
// and one student width: U (teacher, student) projects teacher variables
// down, V (student, teacher) projects student variables up.
type ProjectionPair struct {
	U *tensor.Tensor `cairn:"down"`
	V *tensor.Tensor `cairn:"up"`
}

// TeacherDim returns the teacher width of the pair.
func (p *ProjectionPair) TeacherDim() int { return p.U.Dim(0) }

// StudentDim returns the student width of the pair.
func (p *ProjectionPair) StudentDim() int { return p.U.Dim(1) }

// SharedProjections are the paper's shared variable projections: one
// trainable pair (U, V) per pair of teacher and student widths, shared by
// every layer and variable with those widths. For a teacher matrix W_t
// (a×b) and the student's W_s (a'×b'),
//
//	L↓ = ‖U_{a,a'}ᵀ W_t U_{b,b'} − W_s‖²_F / (a'b')    (DownLoss)
//	L↑ = ‖W_t − V_{a',a}ᵀ W_s V_{b',b}‖²_F / (ab)      (UpLoss)
//
// where an axis of equal size on both sides is not projected, and vectors
// (biases, LayerNorm) are projected along their one axis. This is the
// spec's reconstruction (the paper gives no equations or code); gradients
// flow into U, V, the student and the teacher (freeze the teacher with
// nn.Freeze to stop them there).
type SharedProjections struct {
	Pairs []*ProjectionPair `cairn:"pairs"`
	// Exclude lists name suffixes of variables Loss leaves out: those
	// indexed by tokens, which differ between vocabularies and have no
	// counterpart (BERT's word embeddings and MLM output bias by default).
	Exclude []string `cairn:"-"`
}

// DefaultExclude are the BERT variables indexed by vocabulary.
var DefaultExclude = []string{"word_embeddings.weight", "cls.predictions.bias"}

// NewSharedProjections returns one pair per distinct {teacher width,
// student width} in dims, skipping pairs of equal widths. U starts with
// orthonormal columns (rows if the student is wider), drawn from rng, and
// V = Uᵀ, so that the up-projection starts as the inverse of the
// down-projection on the student's space. It panics on a width < 1.
func NewSharedProjections(rng *rand.Rand, dims ...[2]int) *SharedProjections {
	p := &SharedProjections{Exclude: slices.Clone(DefaultExclude)}
	for _, d := range dims {
		if d[0] < 1 || d[1] < 1 {
			panic(fmt.Sprintf("distill.NewSharedProjections: widths %v", d))
		}
		if d[0] == d[1] || p.Pair(d[0], d[1]) != nil {
			continue
		}
		u := semiOrthogonal(rng, d[0], d[1])
		v := u.T().Clone().Detach()
		p.Pairs = append(p.Pairs, &ProjectionPair{U: u.SetRequiresGrad(true), V: v.SetRequiresGrad(true)})
	}
	return p
}

// NewBERTProjections returns the shared projections between two BERT
// configurations: hidden and intermediate widths (at most two pairs,
// however many layers).
func NewBERTProjections(rng *rand.Rand, teacher, student models.BERTConfig) *SharedProjections {
	return NewSharedProjections(rng, [2]int{teacher.Hidden, student.Hidden}, [2]int{teacher.Intermediate, student.Intermediate})
}

// semiOrthogonal returns a (rows, cols) matrix with orthonormal columns
// (rows ≥ cols) or rows, by Gram–Schmidt on a Gaussian draw.
func semiOrthogonal(rng *rand.Rand, rows, cols int) *tensor.Tensor {
	if rows < cols {
		return semiOrthogonal(rng, cols, rows).T().Clone().Detach()
	}
	q := make([][]float64, cols) // columns
	for j := range q {
		for {
			v := make([]float64, rows)
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			for _, u := range q[:j] {
				dot := 0.0
				for i := range v {
					dot += v[i] * u[i]
				}
				for i := range v {
					v[i] -= dot * u[i]
				}
			}
			norm := 0.0
			for _, x := range v {
				norm += x * x
			}
			if norm = math.Sqrt(norm); norm > 1e-6 {
				for i := range v {
					v[i] /= norm
				}
				q[j] = v
				break
			}
		}
	}
	data := make([]float32, rows*cols)
	for j, col := range q {
		for i, x := range col {
			data[i*cols+j] = float32(x)
		}
	}
	return tensor.New(data, rows, cols)
}

// Pair returns the pair for a teacher and a student width, or nil.
func (p *SharedProjections) Pair(teacherDim, studentDim int) *ProjectionPair {
	for _, q := range p.Pairs {
		if q.TeacherDim() == teacherDim && q.StudentDim() == studentDim {
			return q
		}
	}
	return nil
}

// has reports whether every axis of teacher shape ts and student shape ss
// is equal or has a pair.
func (p *SharedProjections) has(ts, ss []int) bool {
	if len(ts) != len(ss) || len(ts) == 0 || len(ts) > 2 {
		return false
	}
	for i := range ts {
		if ts[i] != ss[i] && p.Pair(ts[i], ss[i]) == nil {
			return false
		}
	}
	return true
}

// pairFor returns the pair of a teacher and a student axis, nil if they
// are equal; it panics if there is none.
func (p *SharedProjections) pairFor(op string, a, b int) *ProjectionPair {
	if a == b {
		return nil
	}
	q := p.Pair(a, b)
	if q == nil {
		panic(fmt.Sprintf("%s: no projection for teacher width %d and student width %d", op, a, b))
	}
	return q
}

// Down projects a teacher variable wt (a vector or a matrix) to the
// student shape, U_{a,a'}ᵀ W_t U_{b,b'} (a vector: U_{a,a'}ᵀ w). It panics
// if the ranks differ or an axis has no pair.
func (p *SharedProjections) Down(wt *tensor.Tensor, shape ...int) *tensor.Tensor {
	return p.project("distill.SharedProjections.Down", wt, wt.Shape(), shape, false)
}

// Up projects a student variable ws to the teacher shape,
// V_{a',a}ᵀ W_s V_{b',b} (a vector: V_{a',a}ᵀ w). It panics if the ranks
// differ or an axis has no pair.
func (p *SharedProjections) Up(ws *tensor.Tensor, shape ...int) *tensor.Tensor {
	return p.project("distill.SharedProjections.Up", ws, shape, ws.Shape(), true)
}

// project maps x between teacher shape ts and student shape ss: down
// (x has shape ts) or up (x has shape ss).
func (p *SharedProjections) project(op string, x *tensor.Tensor, ts, ss []int, up bool) *tensor.Tensor {
	if len(ts) != len(ss) || len(ts) == 0 || len(ts) > 2 {
		panic(fmt.Sprintf("%s: teacher shape %v and student shape %v (vectors or matrices of equal rank)", op, ts, ss))
	}
	// mat returns the projection of axis i, nil if it keeps its size.
	mat := func(i int) *tensor.Tensor {
		q := p.pairFor(op, ts[i], ss[i])
		if q == nil {
			return nil
		}
		if up {
			return q.V // (a', a)
		}
		return q.U // (a, a')
	}
	if len(ts) == 1 {
		m := mat(0)
		if m == nil {
			return x
		}
		return x.Reshape(1, -1).MatMul(m).Reshape(-1)
	}
	if m := mat(0); m != nil {
		x = m.T().MatMul(x)
	}
	if m := mat(1); m != nil {
		x = x.MatMul(m)
	}
	return x
}

// DownLoss is L↓ = mean((Down(wt) − ws)²) for one pair of variables.
func (p *SharedProjections) DownLoss(wt, ws *tensor.Tensor) *tensor.Tensor {
	return nn.MSE(p.Down(wt, ws.Shape()...), ws)
}

// UpLoss is L↑ = mean((wt − Up(ws))²) for one pair of variables.
func (p *SharedProjections) UpLoss(wt, ws *tensor.Tensor) *tensor.Tensor {
	return nn.MSE(p.Up(ws, wt.Shape()...), wt)
}

// Matched returns the names of the variables Loss aligns: those of
// teacher's state (nn.StateDict, buffers left out) that the student has
// under the same name with the same rank (1 or 2), whose every axis is
// equal or has a pair, and whose name does not end in one of Exclude.
func (p *SharedProjections) Matched(teacher, student any) []string {
	var names []string
	p.each(teacher, student, func(name string, _, _ *tensor.Tensor) { names = append(names, name) })
	return names
}

func (p *SharedProjections) each(teacher, student any, f func(name string, wt, ws *tensor.Tensor)) {
	ss := map[string]*tensor.Tensor{}
	for _, nt := range nn.StateDict(student) {
		if !nt.Buffer {
			ss[nt.Name] = nt.Tensor
		}
	}
next:
	for _, nt := range nn.StateDict(teacher) {
		if nt.Buffer {
			continue
		}
		for _, e := range p.Exclude {
			if strings.HasSuffix(nt.Name, e) {
				continue next
			}
		}
		ws, ok := ss[nt.Name]
		if !ok || !p.has(nt.Tensor.Shape(), ws.Shape()) {
			continue
		}
		f(nt.Name, nt.Tensor, ws)
	}
}

// Loss returns the shared-projection losses between two models with the
// same variable names (two BERTs, or two BERTForMaskedLMs): the sums of
// DownLoss and UpLoss over the Matched variables, each normalised by its
// element count. With no variable matched both are 0.
func (p *SharedProjections) Loss(teacher, student any) (down, up *tensor.Tensor) {
	p.each(teacher, student, func(_ string, wt, ws *tensor.Tensor) {
		d, u := p.DownLoss(wt, ws), p.UpLoss(wt, ws)
		if down == nil {
			down, up = d, u
		} else {
			down, up = down.Add(d), up.Add(u)
		}
	})
	if down == nil {
		return tensor.Scalar(0), tensor.Scalar(0)
	}
	return down, up
}
