package main

import (
	"io"
	"math/rand/v2"
	"testing"

	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/internal/cputime"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/optim"
)

// benchExperiment loads the training pool and test split of cfg.dataset,
// with the vocabulary cfg asks for (trained in a temporary -out), so that
// batches have the real sequence lengths.
func benchExperiment(b *testing.B, cfg config) *experiment {
	b.Helper()
	tk := task(cfg.dataset)
	split := "train"
	if tk != distill.CQA {
		split = "valid"
	}
	pool, err := distill.Load(distill.DefaultDir(), tk, split)
	if err != nil {
		b.Skipf("data: %v", err)
	}
	test, err := distill.Load(distill.DefaultDir(), tk, "test")
	if err != nil {
		b.Skipf("data: %v", err)
	}
	pool = fixedSubset(pool, cfg.trainN, 1)
	cfg.out = b.TempDir()
	tok, vi, err := vocabulary(cfg, pool, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	enc := distill.Encoding{PadID: vi.PadID, EOSID: vi.EOSID, MaxInput: cfg.maxInput, MaxTarget: cfg.maxTarget}
	ex := &experiment{cfg: cfg, task: tk, tok: tok, enc: enc, model: cfg.t5Config(tok.VocabSize(), vi.PadID, vi.EOSID),
		pool: pool, test: test, encoded: map[string][][]encPair{}, stderr: io.Discard}
	for _, e := range test[:32] {
		ex.inputs = append(ex.inputs, e.Input)
	}
	return ex
}

// benchConfigs are the settings the README's costs are measured for: the
// default model and the -quick one, on CQA and e-SNLI.
func benchConfigs() map[string]config {
	out := map[string]config{}
	for _, ds := range []string{"cqa", "esnli"} {
		d := defaults()
		d.dataset = ds
		out[ds+"/default"] = d
		q := defaults()
		q.dataset = ds
		q.trainN, q.batch, q.layers, q.dModel, q.dFF, q.vocab, q.maxTarget = 800, 16, 1, 64, 256, 1000, 64
		out[ds+"/quick"] = q
	}
	return out
}

// BenchmarkStep measures one training step (forward, backward, clipping,
// AdamW) on a batch of random training examples for each kind of arm
// (the distill arms cost as much as finetune); cpu-s/op is the processor
// time of all threads per step. The metrics src/op and tgt/op are the
// padded lengths of the batch (summed over the two batches of sbs).
func BenchmarkStep(b *testing.B) {
	for name, cfg := range benchConfigs() {
		b.Run(name, func(b *testing.B) { benchStep(b, cfg) })
	}
}

func benchStep(b *testing.B, cfg config) {
	ex := benchExperiment(b, cfg)
	for _, a := range []arm{allArms[0], allArms[2], allArms[4]} {
		b.Run(a.name, func(b *testing.B) {
			m := models.NewT5(rand.New(rand.NewPCG(1, 1)), ex.model)
			nn.SetTraining(m, true)
			opt := optim.NewAdamW(nn.Params(m), cfg.lr, optim.WeightDecay(0))
			all := ex.pairs(a)
			rng := rand.New(rand.NewPCG(1, 2))
			var src, tgt int
			c0 := cputime.Now()
			b.ResetTimer()
			for range b.N {
				batch := make([]int, cfg.batch)
				for i := range batch {
					batch[i] = rng.IntN(len(all))
				}
				for k := range all[0] {
					var s, t int
					for _, j := range batch {
						s, t = max(s, len(all[j][k].src)), max(t, len(all[j][k].tgt))
					}
					src, tgt = src+s, tgt+t
				}
				loss := ex.loss(m, a, all, batch)
				opt.ZeroGrad()
				loss.Backward()
				optim.ClipGradNorm(opt.Params(), 1)
				opt.Step()
			}
			b.ReportMetric((cputime.Now()-c0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(src)/float64(b.N), "src/op")
			b.ReportMetric(float64(tgt)/float64(b.N), "tgt/op")
		})
	}
}

// BenchmarkEval measures the greedy decoding of 32 test labels, 4 new
// tokens each (a label and its end token: what a trained model decodes)
// and 64 (the cap, reached by a model that never ends its output).
func BenchmarkEval(b *testing.B) {
	for name, cfg := range benchConfigs() {
		b.Run(name, func(b *testing.B) { benchEval(b, cfg) })
	}
}

func benchEval(b *testing.B, cfg config) {
	ex := benchExperiment(b, cfg)
	m := models.NewT5(rand.New(rand.NewPCG(1, 1)), ex.model)
	for _, n := range []int{4, 64} {
		b.Run(map[int]string{4: "new4", 64: "new64"}[n], func(b *testing.B) {
			ex.cfg.maxNew = n
			c0 := cputime.Now()
			b.ResetTimer()
			for range b.N {
				if _, err := ex.predict(b.Context(), m, allArms[0]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cputime.Now()-c0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}
