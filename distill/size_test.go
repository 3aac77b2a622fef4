package distill

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/text"
)

func bertConfig(v, p, d, f, l int) models.BERTConfig {
	c := models.DefaultBERTConfig()
	c.VocabSize, c.MaxPositions, c.Hidden, c.Intermediate, c.Layers = v, p, d, f, l
	c.Heads = 1
	return c
}

// The spec's figures: BERT-base 109,482,240 parameters (437,928,960
// bytes in fp32), students with V 4928, L 12, f = 4d: d 48 → 602,928,
// d 96 → 1,874,016 (encoder with pooler, no MLM head).
func TestBERTSizeSpec(t *testing.T) {
	for _, c := range []struct {
		cfg  models.BERTConfig
		want int
	}{
		{bertConfig(30522, 512, 768, 3072, 12), 109_482_240},
		{bertConfig(4928, 512, 48, 192, 12), 602_928},
		{bertConfig(4928, 512, 96, 384, 12), 1_874_016},
	} {
		if got := BERTSizeOf(c.cfg).BERT(); got != c.want {
			t.Errorf("V=%d d=%d: %d parameters, want %d", c.cfg.VocabSize, c.cfg.Hidden, got, c.want)
		}
	}
	base := BERTSizeOf(bertConfig(30522, 512, 768, 3072, 12)).BERT()
	for p, want := range map[Precision]int64{FP32: 437_928_960, FP16: 218_964_480, Int8: 109_482_240} {
		if got := Bytes(base, p); got != want {
			t.Errorf("BERT-base in %v: %d bytes, want %d", p, got, want)
		}
	}
}

// A tiny configuration counted by hand (V 10, P 8, S 2, d 4, f 6, L 2),
// and against the models the constructors build.
func TestBERTSizeTiny(t *testing.T) {
	c := bertConfig(10, 8, 4, 6, 2)
	s := BERTSizeOf(c)
	// embeddings 10·4 + 8·4 + 2·4 + 2·4 = 88; a layer 4·(16+4) + (24+6) +
	// (24+4) + 16 = 154; pooler 16+4 = 20; head 16+4 + 8 + 10 = 38.
	want := BERTSize{Embeddings: 88, Layers: 308, Pooler: 20, MLMHead: 38}
	if s != want {
		t.Fatalf("BERTSizeOf = %+v, want %+v", s, want)
	}
	if s.BERT() != 416 || s.MaskedLM() != 434 || s.Encoder() != 396 {
		t.Errorf("BERT %d, MaskedLM %d, Encoder %d; want 416, 434, 396", s.BERT(), s.MaskedLM(), s.Encoder())
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []models.BERTConfig{c, bertConfig(37, 16, 8, 20, 3)} {
		s := BERTSizeOf(c)
		if n := nn.NumParams(models.NewBERT(rng, c)); n != s.BERT() {
			t.Errorf("%+v: NewBERT has %d parameters, BERT() = %d", c, n, s.BERT())
		}
		if n := nn.NumParams(models.NewBERTForMaskedLM(rng, c)); n != s.MaskedLM() {
			t.Errorf("%+v: NewBERTForMaskedLM has %d parameters, MaskedLM() = %d", c, n, s.MaskedLM())
		}
	}
}

func mustVocab(t *testing.T, toks ...string) *text.Vocab {
	t.Helper()
	v, err := text.NewVocab(toks)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVocabOverlap(t *testing.T) {
	a := mustVocab(t, "[PAD]", "a", "b", "##c")
	if o := VocabOverlap(a, a); o != (Overlap{4, 4, 4}) || o.Share() != 1 {
		t.Errorf("identical: %+v share %v, want all shared, 1", o, o.Share())
	}
	if o := VocabOverlap(a, mustVocab(t, "x", "y")); o.Shared != 0 || o.Share() != 0 {
		t.Errorf("disjoint: %+v share %v, want 0", o, o.Share())
	}
	o := VocabOverlap(mustVocab(t, "a", "##c", "d", "e"), a)
	if o != (Overlap{Student: 4, Teacher: 4, Shared: 2}) || o.Share() != 0.5 {
		t.Errorf("partial: %+v share %v, want 2 of 4", o, o.Share())
	}
	if s := (Overlap{}).Share(); !math.IsNaN(s) {
		t.Errorf("empty student: share %v, want NaN", s)
	}
}
