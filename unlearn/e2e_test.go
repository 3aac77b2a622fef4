package unlearn

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// grammarCorpus makes nUsers users writing per sentences each from a small
// grammar in which digits follow "is" (so every teacher has an opinion on
// the canary's secret without having seen it).
func grammarCorpus(rng *rand.Rand, nUsers, per int) []Record {
	pick := func(ws string) string { f := strings.Fields(ws); return f[rng.IntN(len(f))] }
	digits := func(n int) string {
		var b []string
		for range n {
			b = append(b, fmt.Sprint(rng.IntN(10)))
		}
		return strings.Join(b, " ")
	}
	adj, noun, verb := "big small red old new", "cat dog bird man car house", "sat ran slept stood"
	var out []Record
	for u := range nUsers {
		for range per {
			var s string
			switch rng.IntN(3) {
			case 0:
				s = "the " + pick(adj) + " " + pick(noun) + " " + pick(verb) + " on the " + pick(noun)
			case 1:
				s = "the " + pick(noun) + " number is " + digits(4)
			default:
				s = "a " + pick(noun) + " is " + pick(adj) + " and " + pick(adj)
			}
			out = append(out, Record{User: fmt.Sprintf("u%d", u), Tokens: strings.Fields(s)})
		}
	}
	return out
}

// A tiny end-to-end run: a canary inserted 10 times into a few hundred
// sentences is memorised by a small LSTM LM; leave-one-out unlearning over
// 3 shard teachers removes most of its exposure, while distilling from the
// full ensemble (owner included) does not.
func TestEndToEndLOO(t *testing.T) {
	start := time.Now()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(21, 22))
	recs := grammarCorpus(rng, 12, 25)
	heldOut := grammarCorpus(rand.New(rand.NewPCG(99, 99)), 2, 20)
	f := CanaryFormat{Prefix: []string{"my", "secret", "number", "is"}, Alphabet: strings.Fields("0 1 2 3 4 5 6 7 8 9"), Length: 4}
	cans, err := NewCanaries(recs, f, 1, 10, rng)
	if err != nil {
		t.Fatal(err)
	}
	recs, err = InsertCanaries(recs, f, cans, rng)
	if err != nil {
		t.Fatal(err)
	}
	vocab := BuildVocab(recs, 0, f.Alphabet...)
	p, err := PartitionByUser(recs, 3, rng)
	if err != nil {
		t.Fatal(err)
	}
	owner, err := p.Owner(f.Tokens(cans[0].Secret))
	if err != nil {
		t.Fatal(err)
	}
	cfg := TrainConfig{Model: ModelConfig{Vocab: vocab.Size(), Embed: 16, Hidden: 32}, Epochs: 30, BatchSize: 16, LR: 1e-2, Seed: 5}
	all := vocab.Sequences(recs)
	base, err := NewLM(rand.New(rand.NewPCG(cfg.Seed, 1)), cfg.Model)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Train(ctx, base, all, cfg); err != nil {
		t.Fatal(err)
	}
	teachers := make([]LM, len(p.Shards))
	for i, sh := range p.Shards {
		c := cfg
		c.Seed = shardSeed(cfg.Seed, i)
		teachers[i], _ = NewLM(rand.New(rand.NewPCG(c.Seed, 1)), cfg.Model)
		if _, err := Train(ctx, teachers[i], vocab.Sequences(sh), c); err != nil {
			t.Fatal(err)
		}
	}
	trained := time.Since(start)

	prefix := vocab.Sequence(f.Prefix)
	prefix = prefix[:len(prefix)-1] // "<eos> my secret number is"
	secret := vocab.Encode(cans[0].Secret)
	var refs [][]int
	for _, s := range f.RandomSecrets(rand.New(rand.NewPCG(3, 3)), 1000, cans[0].Secret) {
		refs = append(refs, vocab.Encode(s))
	}
	exposure := func(m LM) float64 {
		e, _, err := Exposures(m, prefix, [][]int{secret}, refs)
		if err != nil {
			t.Fatal(err)
		}
		return e[0]
	}
	held := vocab.Sequences(heldOut)
	req := Request{Tokens: vocab.Sequence(f.Tokens(cans[0].Secret)), Owner: owner, Start: len(prefix)}
	ens := &Ensemble{Teachers: teachers}
	ucfg := UnlearnConfig{Steps: 60, LR: 1e-2, Retain: Without(all, [][]int{req.Tokens}), RetainBatch: 8}
	run := func(method Method) (LM, float64, float64) {
		s, _ := CloneLM(base)
		c := ucfg
		c.Method = method
		if _, err := Unlearn(ctx, s, ens, []Request{req}, c); err != nil {
			t.Fatal(err)
		}
		return s, exposure(s), Perplexity(s, held)
	}
	eBase, pBase := exposure(base), Perplexity(base, held)
	_, eLOO, pLOO := run(LeaveOneOut)
	_, eFull, _ := run(FullEnsemble)
	_, eAlt, _ := run(Alternating)
	ga, _ := CloneLM(base)
	if _, err := GradientAscent(ctx, ga, []Request{req}, UnlearnConfig{Steps: 20, LR: 1e-2}); err != nil {
		t.Fatal(err)
	}
	eGA, pGA := exposure(ga), Perplexity(ga, held)
	re, _, err := RetrainWithout(ctx, all, [][]int{req.Tokens}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	eRe := exposure(re)
	t.Logf("training %v, total %v", trained.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	t.Logf("exposure (max 9.97 bits) / held-out perplexity: base %.2f / %.3f; LOO %.2f / %.3f; full ensemble %.2f; alternating %.2f; gradient ascent %.2f / %.3f; LOO ensemble itself %.2f; retrained without %.2f",
		eBase, pBase, eLOO, pLOO, eFull, eAlt, eGA, pGA, exposure(ens.LM(owner)), eRe)
	if eBase < 8 {
		t.Errorf("base exposure %.2f: canary not memorised", eBase)
	}
	if eLOO > eBase-3 {
		t.Errorf("LOO exposure %.2f, base %.2f: not reduced by 3 bits", eLOO, eBase)
	}
	if eFull < eLOO+2 {
		t.Errorf("full-ensemble exposure %.2f not above LOO's %.2f", eFull, eLOO)
	}
	if math.Abs(eLOO-eRe) > 1.5 {
		t.Errorf("LOO exposure %.2f, retrained without %.2f: differ by more than 1.5 bits", eLOO, eRe)
	}
	if pLOO > 1.05*pBase {
		t.Errorf("held-out perplexity %.3f after LOO, %.3f before", pLOO, pBase)
	}
}
