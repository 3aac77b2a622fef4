package distill_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/text"
)

// The footprint of BERT-base and of a student with the paper's 4,928-token
// vocabulary and width 48, and the compression ratio in bytes.
func ExampleBERTSizeOf() {
	teacher := models.BERTConfig{VocabSize: 30522, Hidden: 768, Layers: 12, Heads: 12, Intermediate: 3072,
		MaxPositions: 512, TypeVocabSize: 2, LayerNormEps: 1e-12}
	student := teacher
	student.VocabSize, student.Hidden, student.Heads, student.Intermediate = 4928, 48, 4, 192
	t, s := distill.BERTSizeOf(teacher).BERT(), distill.BERTSizeOf(student).BERT()
	tb, sb := distill.Bytes(t, distill.FP32), distill.Bytes(s, distill.FP32)
	fmt.Printf("teacher: %d parameters, %d bytes\n", t, tb)
	fmt.Printf("student: %d parameters, %d bytes\n", s, sb)
	fmt.Printf("compression: %.1f×\n", float64(tb)/float64(sb))
	// Output:
	// teacher: 109482240 parameters, 437928960 bytes
	// student: 602928 parameters, 2411712 bytes
	// compression: 181.6×
}

// Mixed-vocabulary segmentation: each word is segmented by the student's
// vocabulary (tagged s) with probability P, by the teacher's (t)
// otherwise.
func ExampleMixedSegmenter() {
	wp := func(toks ...string) *text.WordPiece {
		v, _ := text.NewVocab(append([]string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}, toks...))
		w, _ := text.NewWordPiece(v, true)
		return w
	}
	teacher := wp("i", "like", "machine", "learning")
	student := wp("i", "like", "ma", "##chine", "le", "##arn", "##ing")
	sg, err := distill.NewMixedSegmenter(teacher, student, 0.5)
	if err != nil {
		panic(err)
	}
	m := sg.Segment("I like machine learning", rand.New(rand.NewPCG(1, 2)))
	var toks []string
	for i, id := range m.IDs {
		if m.Student[i] {
			toks = append(toks, student.Token(id)+"/s")
		} else {
			toks = append(toks, teacher.Token(id)+"/t")
		}
	}
	fmt.Println(strings.Join(toks, " "))
	fmt.Println(m.Joint(teacher.VocabSize())) // student ids offset by the teacher's 9
	// Output:
	// i/t like/s machine/t le/s ##arn/s ##ing/s
	// [5 15 7 18 19 20]
}
