package main

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/tensor"
	"github.com/cairn-ml/cairn/text"
)

// testSetup prepares a run on the given lines with a freshly initialised
// teacher trained here (vocabulary from the lines).
func testSetup(tb testing.TB, cfg config, train, held []string) *setup {
	tb.Helper()
	s := &setup{cfg: cfg}
	var err error
	if s.tTok, err = (text.WordPieceTrainer{VocabSize: cfg.teacherVocab, Lower: true}).Train(train); err != nil {
		tb.Fatal(err)
	}
	s.tc = cfg.teacherConfig(s.tTok)
	if err := s.prepare(train, held, true); err != nil {
		tb.Fatal(err)
	}
	s.teacherState = map[string]*tensor.Tensor{}
	for _, nt := range nn.StateDict(models.NewBERTForMaskedLM(rand.New(rand.NewPCG(1, 1)), s.tc)) {
		s.teacherState[nt.Name] = nt.Tensor
	}
	return s
}

// benchSetup is the default configuration on the first 3,000 lines of each
// text file (the teacher vocabulary stops near 4,000 there too).
func benchSetup(b *testing.B) *setup {
	skipWithoutData(b)
	fs := newFlagSet()
	cfg, err := parseFlags(fs, []string{"-teacher", ""})
	if err != nil {
		b.Fatal(err)
	}
	train, held, err := loadText(data.Dir(), 3000)
	if err != nil {
		b.Fatal(err)
	}
	return testSetup(b, cfg, train, held)
}

// One training step of each arm at the default sizes (teacher 4 × 128,
// student 4 × 32, batch 32 × 64 tokens):
//
//	go test ./examples/compress -run '^$' -bench Step -benchtime 5x
func BenchmarkStep(b *testing.B) {
	s := benchSetup(b)
	b.Run("teacher", func(b *testing.B) {
		m := s.newTeacher()
		prog := &progress{w: discard{}, total: 1}
		s.cfg.teacherSteps = b.N
		b.ResetTimer()
		if _, err := s.trainTeacher(context.Background(), m, prog); err != nil {
			b.Fatal(err)
		}
	})
	for _, arm := range allArms {
		b.Run(arm, func(b *testing.B) {
			a, opts := s.newArm(arm, 1)
			rng := rand.New(rand.NewPCG(1, 2))
			b.ResetTimer()
			for range b.N {
				if _, err := s.step(a, opts, arm, rng); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// One e-SNLI fine-tuning epoch of 320 pairs (10 steps of 32) on the
// student, and the held-out MLM accuracy of 1,000 sequences.
func BenchmarkFineTuneAndEval(b *testing.B) {
	s := benchSetup(b)
	pairs, err := loadESNLI(data.Dir()+"/distill-sbs", "valid", 320, 1)
	if err != nil {
		b.Fatal(err)
	}
	enc := encodePairs(s.sTok, pairs, s.cfg.ftSeq)
	a, _ := s.newArm(armScratch, 1)
	cfg := s.cfg
	cfg.ftEpochs = 1
	b.Run("finetune-10-steps", func(b *testing.B) {
		for range b.N {
			if _, _, err := fineTune(context.Background(), a.student, enc, enc[:32], s.sTok.Special().PAD, 1, cfg, &progress{w: discard{}, total: 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mlm-eval", func(b *testing.B) {
		for range b.N {
			mlmAccuracy(a.student, s.studentEval)
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
