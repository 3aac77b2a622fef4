package main

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/internal/cputime"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
	"github.com/cairn-ml/cairn/pretrain"
	"github.com/cairn-ml/cairn/text"
)

// BenchmarkMLMStep measures one pre-training step (forward, backward, AdamW)
// of the BERT sizes the README discusses; cpu-s/op is the processor time,
// which is the wall time on an idle machine times the cores used.
func BenchmarkMLMStep(b *testing.B) {
	sp := text.Special{PAD: 0, UNK: 1, CLS: 2, SEP: 3, MASK: 4, BOS: -1, EOS: -1}
	for _, c := range []struct{ hidden, layers, seq, batch int }{{128, 4, 64, 32}, {256, 4, 64, 32}, {256, 4, 128, 16}} {
		b.Run(fmt.Sprintf("h%d-l%d-seq%d-b%d", c.hidden, c.layers, c.seq, c.batch), func(b *testing.B) {
			cfg := config{hidden: c.hidden, layers: c.layers, heads: 4, seq: c.seq, ftSeq: 128}
			bc := cfg.bertConfig(8000, 0)
			m := models.NewBERTForMaskedLM(rand.New(rand.NewPCG(1, 1)), bc)
			rng := rand.New(rand.NewPCG(1, 2))
			ids := make([]int, 100000)
			ws := make([]bool, len(ids))
			for i := range ids {
				ids[i], ws[i] = 5+rng.IntN(7995), true
			}
			masker := pretrain.NewMasker(pretrain.MLM{Special: pretrainSpecial(sp, 8000)}, rng)
			opt := optim.NewAdamW(nn.Params(m), 1e-3)
			starts := make([]int, c.batch)
			c0 := cputime.Now()
			b.ResetTimer()
			for range b.N {
				for i := range starts {
					starts[i] = rng.IntN(len(ids) - c.seq)
				}
				in, pos, lab, w := mlmBatch(masker, ids, ws, starts, c.seq, sp)
				loss := mlmLoss(m, in, pos, lab, w, c.batch, c.seq)
				opt.ZeroGrad()
				loss.Backward()
				opt.Step()
			}
			b.ReportMetric((cputime.Now()-c0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// BenchmarkFineTuneStep measures one fine-tuning step on 32 pairs of 45
// tokens (e-SNLI's pairs are 20 to 60 WordPiece tokens), and one
// evaluation batch of 128 such pairs.
func BenchmarkFineTuneStep(b *testing.B) {
	for _, hidden := range []int{128, 256} {
		cfg := config{hidden: hidden, layers: 4, heads: 4, seq: 64, ftSeq: 128}
		bc := cfg.bertConfig(8000, 0)
		rng := rand.New(rand.NewPCG(1, 2))
		pairs := make([]pretrain.Pair, 128)
		for i := range pairs {
			p := pretrain.Pair{Tokens: make([]int, 45), Segments: make([]int, 45), Label: rng.IntN(3)}
			for k := range p.Tokens {
				p.Tokens[k] = 5 + rng.IntN(7995)
				if k > 25 {
					p.Segments[k] = 1
				}
			}
			pairs[i] = p
		}
		b.Run(fmt.Sprintf("train-h%d", hidden), func(b *testing.B) {
			m := models.NewBERTForSequenceClassification(rand.New(rand.NewPCG(1, 1)), bc, 3)
			opt := optim.NewAdamW(nn.Params(m), 1e-4)
			ids, types, labels, t := pretrain.BatchPairs(pairs[:32], 0)
			c0 := cputime.Now()
			b.ResetTimer()
			for range b.N {
				loss := m.Loss(ids, types, labels, 32, t)
				opt.ZeroGrad()
				loss.Backward()
				opt.Step()
			}
			b.ReportMetric((cputime.Now()-c0).Seconds()/float64(b.N), "cpu-s/op")
		})
		b.Run(fmt.Sprintf("eval128-h%d", hidden), func(b *testing.B) {
			m := models.NewBERTForSequenceClassification(rand.New(rand.NewPCG(1, 1)), bc, 3)
			nn.SetTraining(m, false)
			c0 := cputime.Now()
			b.ResetTimer()
			for range b.N {
				pretrain.PairAccuracy(m, pairs, 0, 128)
			}
			b.ReportMetric((cputime.Now()-c0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// BenchmarkGPTStep measures one causal-LM step of the default GPT (hidden
// 128, 4 layers, 32 × 64 tokens, vocabulary 8,000).
func BenchmarkGPTStep(b *testing.B) {
	cfg := config{hidden: 128, layers: 4, heads: 4, seq: 64}
	m := models.NewGPT(rand.New(rand.NewPCG(1, 1)), cfg.gptConfig(8000))
	opt := optim.NewAdamW(nn.Params(m), 1e-3)
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]int, 32*64)
	for i := range ids {
		ids[i] = rng.IntN(8000)
	}
	c0 := cputime.Now()
	b.ResetTimer()
	for range b.N {
		loss := m.Loss(ids, 32, 64)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
	}
	b.ReportMetric((cputime.Now()-c0).Seconds()/float64(b.N), "cpu-s/op")
}
