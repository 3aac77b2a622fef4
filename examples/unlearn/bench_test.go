package main

import (
	"context"
	"flag"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/internal/cputime"
	"github.com/cairn-ml/cairn/unlearn"
)

// benchConfigs are the settings the README's costs are measured for.
func benchConfigs() map[string]config {
	q, err := parseFlags(flag.NewFlagSet("bench", flag.ContinueOnError), []string{"-quick"})
	if err != nil {
		panic(err)
	}
	return map[string]config{"default": defaults(), "quick": q}
}

// benchSetup reads the corpus as run does and returns the experiment, the
// training sequences (no canaries) and an untrained model of cfg.
func benchSetup(b testing.TB, cfg config) (*experiment, [][]int, unlearn.LM) {
	b.Helper()
	records, err := readCorpus(data.Dir(), cfg.corpus)
	if err != nil {
		b.Skipf("data: %v", err)
	}
	if cfg.records > 0 && cfg.records < len(records) {
		records = records[:cfg.records]
	}
	train, held, _ := splitUsers(records, cfg.heldout)
	f := unlearn.DefaultCanaryFormat()
	vocab := unlearn.BuildVocab(train, cfg.vocab, append(slices.Clone(f.Prefix), f.Alphabet...)...)
	ex := &experiment{cfg: cfg, f: f, vocab: vocab, train: train, held: vocab.Sequences(held), stderr: io.Discard}
	ex.plan(ex.cfg.seeds)
	m, err := unlearn.NewLM(rand.New(rand.NewPCG(1, 1)), cfg.modelConfig(vocab.Size()))
	if err != nil {
		b.Fatal(err)
	}
	return ex, vocab.Sequences(train), m
}

// BenchmarkTrainEpochSlice trains for one epoch on 4 batches' worth of the
// corpus's sequences (in corpus order) and reports the time per optimizer
// step (wall s/step, cpu-s/step) and the planned steps of the whole run
// (steps/run: base, teachers, retrain, SISA and unlearning over all seeds)
// and of one epoch over the training users (steps/epoch), from which the
// README's estimate follows.
func BenchmarkTrainEpochSlice(b *testing.B) {
	for name, cfg := range benchConfigs() {
		b.Run(name, func(b *testing.B) {
			ex, seqs, m := benchSetup(b, cfg)
			tc := cfg.trainConfig(ex.vocab.Size(), 1)
			tc.Epochs = 1
			slice := seqs[:4*cfg.batch]
			steps := 0
			c0 := cputime.Now()
			b.ResetTimer()
			for range b.N {
				r, err := unlearn.Train(context.Background(), m, slice, tc)
				if err != nil {
					b.Fatal(err)
				}
				steps += r.Steps
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(steps), "s/step")
			b.ReportMetric((cputime.Now()-c0).Seconds()/float64(steps), "cpu-s/step")
			b.ReportMetric(float64(ex.prog.total), "steps/run")
			b.ReportMetric(float64(epochSteps(ex)), "steps/epoch")
		})
	}
}

// BenchmarkMeasure measures one model (the cost paid for the base model
// and after every method): exposures of the canaries among 1,000
// references (-refs 10000 costs ten times this part), beam-search and
// sampling extraction, and held-out perplexity, each reported apart.
func BenchmarkMeasure(b *testing.B) {
	for name, cfg := range benchConfigs() {
		b.Run(name, func(b *testing.B) {
			ex, _, m := benchSetup(b, cfg)
			rng := rand.New(rand.NewPCG(1, 2))
			cans, err := unlearn.NewCanaries(ex.train, ex.f, cfg.canaries+cfg.controls, 1, rng)
			if err != nil {
				b.Fatal(err)
			}
			ev := &evaluator{ex: ex, prefix: append([]int{unlearn.EOS}, ex.vocab.Encode(ex.f.Prefix)...),
				forget: secretsOf(ex.vocab, cans[:cfg.canaries]), control: secretsOf(ex.vocab, cans[cfg.canaries:]),
				refs: encodeAll(ex.vocab, ex.f.RandomSecrets(rng, 1000)), allowed: ex.vocab.Encode(ex.f.Alphabet), rng: rng}
			var expo, extr, ppl float64
			b.ResetTimer()
			for range b.N {
				c := cputime.Now()
				if _, _, err := unlearn.Exposures(m, ev.prefix, append(slices.Clone(ev.forget), ev.control...), ev.refs); err != nil {
					b.Fatal(err)
				}
				c2 := cputime.Now()
				expo += (c2 - c).Seconds()
				saved := ex.held
				ex.held = ex.held[:1] // measure without most of the perplexity
				if _, err := ev.measure(context.Background(), "bench", 1, m); err != nil {
					b.Fatal(err)
				}
				ex.held = saved
				c3 := cputime.Now()
				extr += (c3 - c2).Seconds()
				unlearn.Perplexity(m, ex.held)
				ppl += (cputime.Now() - c3).Seconds()
			}
			n := float64(b.N)
			b.ReportMetric(expo/n, "exposure1k-cpu-s")
			b.ReportMetric(extr/n-expo/n, "extraction-cpu-s")
			b.ReportMetric(ppl/n, "perplexity-cpu-s")
		})
	}
}

// BenchmarkUnlearnStep runs LOO unlearning of the canaries for 5 steps
// with the retain guard, teachers untrained (the cost does not depend on
// the weights), and reports the time per step, soft labels included.
func BenchmarkUnlearnStep(b *testing.B) {
	for name, cfg := range benchConfigs() {
		b.Run(name, func(b *testing.B) {
			ex, seqs, m := benchSetup(b, cfg)
			ens := &unlearn.Ensemble{}
			for i := range cfg.shards {
				t, err := unlearn.NewLM(rand.New(rand.NewPCG(2, uint64(i))), cfg.modelConfig(ex.vocab.Size()))
				if err != nil {
					b.Fatal(err)
				}
				ens.Teachers = append(ens.Teachers, t)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			cans, err := unlearn.NewCanaries(ex.train, ex.f, cfg.canaries, 1, rng)
			if err != nil {
				b.Fatal(err)
			}
			var reqs []unlearn.Request
			for i, c := range cans {
				reqs = append(reqs, unlearn.Request{Tokens: ex.vocab.Sequence(ex.f.Tokens(c.Secret)), Owner: i % cfg.shards, Start: 1 + len(ex.f.Prefix)})
			}
			uc := unlearn.UnlearnConfig{Steps: 5, LR: cfg.unlearnLR, ClipNorm: cfg.clip, Retain: seqs, RetainBatch: cfg.retainBatch, RetainWeight: 1}
			c0 := cputime.Now()
			b.ResetTimer()
			for range b.N {
				if _, err := unlearn.Unlearn(context.Background(), m, ens, reqs, uc); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(5*b.N), "s/step")
			b.ReportMetric((cputime.Now()-c0).Seconds()/float64(5*b.N), "cpu-s/step")
		})
	}
}
