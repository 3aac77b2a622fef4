package vqa

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/tensor"
)

// Tokens of the table model of spec-vqa-captions §7.4.
const (
	tEOS = iota
	tA
	tB
	tX
	tY
	tZ
	tBOS
	tVocab
)

var tableNames = []string{"", "A", "B", "x", "y", "z", "<s>"}

// table gives the next-token probabilities after each token: step 1
// P(A)=0.5, P(B)=0.4, P(EOS)=0.1; after A: x 0.4, y 0.35, EOS 0.25; after
// B: z 0.9, EOS 0.1; after x, y, z: EOS 1.
var table = map[int]map[int]float64{
	tBOS: {tA: 0.5, tB: 0.4, tEOS: 0.1},
	tA:   {tX: 0.4, tY: 0.35, tEOS: 0.25},
	tB:   {tZ: 0.9, tEOS: 0.1},
	tX:   {tEOS: 1}, tY: {tEOS: 1}, tZ: {tEOS: 1}, tEOS: {tEOS: 1},
}

// tableModel is an ImageModel and models.Stepper over table; its hidden
// state at a position is the one-hot vector of the token there.
type tableModel struct{}

func (tableModel) Condition(context.Context, Image) (models.Stepper, []int, error) {
	return tableModel{}, []int{tBOS}, nil
}
func (tableModel) EOS() []int { return []int{tEOS} }
func (tableModel) Detokenize(t []int) string {
	var w []string
	for _, x := range t {
		w = append(w, tableNames[x])
	}
	return strings.Join(w, " ")
}
func (tableModel) Start(prefixes [][]int) models.Decoder {
	d := &tableDecoder{}
	for _, p := range prefixes {
		d.rows = append(d.rows, slices.Clone(p))
		d.fed = append(d.fed, 0)
	}
	return d
}

type tableDecoder struct {
	rows [][]int
	fed  []int
	last models.Step
}

func (d *tableDecoder) Next() models.Step {
	if d.last.Logits != nil && slices.Equal(d.fed, lens(d.rows)) {
		return d.last
	}
	logits := make([]float32, len(d.rows)*tVocab)
	hidden := make([]*tensor.Tensor, len(d.rows))
	for i, r := range d.rows {
		for v := range tVocab {
			p := table[r[len(r)-1]][v]
			logits[i*tVocab+v] = float32(math.Log(p))
		}
		t := len(r) - d.fed[i]
		h := make([]float32, t*tVocab)
		for j, tok := range r[d.fed[i]:] {
			h[j*tVocab+tok] = 1
		}
		hidden[i] = tensor.New(h, t, tVocab)
		d.fed[i] = len(r)
	}
	d.last = models.Step{Logits: tensor.New(logits, len(d.rows), tVocab), Hidden: hidden}
	return d.last
}

func lens(r [][]int) []int {
	out := make([]int, len(r))
	for i := range r {
		out[i] = len(r[i])
	}
	return out
}

func (d *tableDecoder) Append(tokens []int) {
	for i, t := range tokens {
		d.rows[i] = append(d.rows[i], t)
	}
}

func (d *tableDecoder) Select(rows []int) {
	nr := make([][]int, len(rows))
	nf := make([]int, len(rows))
	var logits []float32
	var hidden []*tensor.Tensor
	for i, r := range rows {
		nr[i], nf[i] = slices.Clone(d.rows[r]), d.fed[r]
		if d.last.Logits != nil {
			logits = append(logits, d.last.Logits.Data()[r*tVocab:(r+1)*tVocab]...)
			hidden = append(hidden, d.last.Hidden[r])
		}
	}
	d.rows, d.fed = nr, nf
	if d.last.Logits != nil {
		d.last = models.Step{Logits: tensor.New(logits, len(rows), tVocab), Hidden: hidden}
	}
}

func (d *tableDecoder) Len() int { return len(d.rows) }

func caption(t *testing.T, d Decoding) []string {
	t.Helper()
	got, err := ModelCaptioner{Model: tableModel{}}.Caption(context.Background(), Image{ID: 1}, d)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Spec oracle §7.4: greedy gives "A x" (0.20), beam width 2 without length
// penalty "B z" (0.36); contrastive with α = 0 and top-k with k = 1 equal
// greedy (§7.5, issue acceptance).
func TestModelCaptionerStrategies(t *testing.T) {
	if got := caption(t, Decoding{Strategy: Greedy}); !slices.Equal(got, []string{"A x"}) {
		t.Errorf("greedy: %q", got)
	}
	if got := caption(t, Decoding{Strategy: Beam, Beams: 2}); !slices.Equal(got, []string{"B z"}) {
		t.Errorf("beam 2: %q", got)
	}
	if got := caption(t, Decoding{Strategy: Beam, Beams: 2, Captions: 2}); !slices.Equal(got, []string{"B z", "A x"}) {
		t.Errorf("beam 2, two captions: %q", got)
	}
	if got := caption(t, Decoding{Strategy: Beam, Beams: 1}); !slices.Equal(got, []string{"A x"}) {
		t.Errorf("beam 1: %q", got)
	}
	if got := caption(t, Decoding{Strategy: Contrastive, Alpha: 0, TopK: 3}); !slices.Equal(got, []string{"A x"}) {
		t.Errorf("contrastive α=0: %q", got)
	}
	if got := caption(t, Decoding{Strategy: TopK, TopK: 1, Captions: 5, Seed: 3}); !slices.Equal(got, []string{"A x"}) {
		t.Errorf("top-k 1: %q", got)
	}
	// Nucleus p=0.6 keeps {A, B} at step 1 and {x, y} after A: never an
	// empty caption; 50 draws cover several captions, and a seed repeats.
	d := Decoding{Strategy: TopP, TopP: 0.6, Captions: 50, Seed: 9}
	got := caption(t, d)
	for _, c := range got {
		if !slices.Contains([]string{"A x", "A y", "B z"}, c) {
			t.Errorf("top-p 0.6 drew %q", c)
		}
	}
	if len(got) != 3 {
		t.Errorf("top-p 0.6, 50 draws: %q", got)
	}
	if again := caption(t, d); !slices.Equal(again, got) {
		t.Errorf("same seed: %q then %q", got, again)
	}
	if _, err := (ModelCaptioner{Model: tableModel{}}).Caption(context.Background(), Image{}, Decoding{Strategy: "magic"}); err == nil {
		t.Error("unknown strategy: no error")
	}
}

func TestDecodingName(t *testing.T) {
	for d, want := range map[Decoding]string{
		{}:                                   "greedy",
		{Strategy: Beam}:                     "beam5",
		{Strategy: TopP, Captions: 3}:        "top-p0.9x3",
		{Strategy: TopK, TopK: 10}:           "top-k10",
		{Strategy: Contrastive}:              "contrastive0.6",
		{Strategy: Contrastive, Captions: 3}: "contrastive0.6",
	} {
		if got := d.Name(); got != want {
			t.Errorf("%+v: %q, want %q", d, got, want)
		}
	}
}
