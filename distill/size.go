package distill

import (
	"fmt"
	"math"

	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/text"
)

// BERTSize is the parameter count of a BERT encoder configuration, part
// by part, as models.NewBERT and models.NewBERTForMaskedLM build it (and
// as Hugging Face's BertModel and BertForMaskedLM count it). With V the
// vocabulary, P the positions, S the segments, d the hidden size, f the
// intermediate size and L the layers:
//
//	Embeddings = V·d + P·d + S·d + 2d                  (three tables, LayerNorm)
//	Layers     = L·[4(d²+d) + (d·f+f) + (f·d+d) + 4d]  (Q, K, V, output, FFN, two LayerNorms)
//	Pooler     = d² + d
//	MLMHead    = d² + d + 2d + V                        (transform, LayerNorm, decoder bias)
//
// The MLM head's decoder weight is the token embedding (tied), so it adds
// only its bias. BERT-base (V 30522, P 512, S 2, d 768, f 3072, L 12) has
// BERT() = 109,482,240 parameters.
type BERTSize struct {
	Embeddings, Layers, Pooler, MLMHead int
}

// BERTSizeOf counts the parameters of a BERT encoder with configuration
// c. It panics if a size in c is negative.
func BERTSizeOf(c models.BERTConfig) BERTSize {
	v, p, s, d, f, l := c.VocabSize, c.MaxPositions, c.TypeVocabSize, c.Hidden, c.Intermediate, c.Layers
	if v < 0 || p < 0 || s < 0 || d < 0 || f < 0 || l < 0 {
		panic(fmt.Sprintf("distill.BERTSizeOf: negative size in %+v", c))
	}
	return BERTSize{
		Embeddings: v*d + p*d + s*d + 2*d,
		Layers:     l * (4*(d*d+d) + (d*f + f) + (f*d + d) + 4*d),
		Pooler:     d*d + d,
		MLMHead:    d*d + d + 2*d + v,
	}
}

// BERT is the parameter count of the encoder with its pooler
// (models.NewBERT, HF BertModel): Embeddings + Layers + Pooler.
func (s BERTSize) BERT() int { return s.Embeddings + s.Layers + s.Pooler }

// MaskedLM is the parameter count of the masked-LM model
// (models.NewBERTForMaskedLM, no pooler): Embeddings + Layers + MLMHead.
func (s BERTSize) MaskedLM() int { return s.Embeddings + s.Layers + s.MLMHead }

// Encoder is the parameter count without pooler or head: Embeddings +
// Layers.
func (s BERTSize) Encoder() int { return s.Embeddings + s.Layers }

// Precision is a storage format for parameters.
type Precision int

// The precisions: 4, 2 and 1 bytes per parameter. Int8 counts the weights
// alone, not the per-tensor or per-channel scales a quantisation scheme
// adds.
const (
	FP32 Precision = iota
	FP16
	Int8
)

// BytesPerParam returns the bytes one parameter takes in precision p.
// It panics on an unknown precision.
func (p Precision) BytesPerParam() int {
	switch p {
	case FP32:
		return 4
	case FP16:
		return 2
	case Int8:
		return 1
	}
	panic(fmt.Sprintf("distill.Precision.BytesPerParam: unknown precision %d", int(p)))
}

// String returns "fp32", "fp16" or "int8".
func (p Precision) String() string {
	switch p {
	case FP32:
		return "fp32"
	case FP16:
		return "fp16"
	case Int8:
		return "int8"
	}
	return fmt.Sprintf("Precision(%d)", int(p))
}

// Bytes returns the storage of params parameters in precision p,
// params × p.BytesPerParam() (BERT-base in fp32: 437,928,960 bytes).
func Bytes(params int, p Precision) int64 {
	return int64(params) * int64(p.BytesPerParam())
}

// Overlap compares two vocabularies: the number of tokens of each, and
// the number of tokens in both.
type Overlap struct {
	Student, Teacher, Shared int
}

// VocabOverlap counts the tokens student and teacher vocabularies have in
// common (exact strings, special and "##" tokens included).
func VocabOverlap(student, teacher *text.Vocab) Overlap {
	o := Overlap{Student: student.Len(), Teacher: teacher.Len()}
	for _, tok := range student.Tokens() {
		if _, ok := teacher.ID(tok); ok {
			o.Shared++
		}
	}
	return o
}

// Share is the fraction of the student's tokens that are also in the
// teacher's vocabulary, |V_s ∩ V_t| / |V_s| (the paper reports 93.9%):
// 1 for identical vocabularies, 0 for disjoint ones, NaN for an empty
// student vocabulary.
func (o Overlap) Share() float64 {
	if o.Student == 0 {
		return math.NaN()
	}
	return float64(o.Shared) / float64(o.Student)
}
