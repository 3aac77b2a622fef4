package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/cairn-ml/cairn/nn"
)

// sharpGPT returns a GPT in evaluation mode whose weights are scaled by
// scale, so that its predictions are far from uniform.
func sharpGPT(seed uint64, vocab int, scale float32) *GPT {
	c := fixGPTConfig()
	c.VocabSize, c.Hidden, c.Heads, c.MaxPositions = vocab, 16, 4, 40
	m := NewGPT(rng(seed), c)
	nn.SetTraining(m, false)
	for _, p := range nn.Params(m) {
		for i := range p.Data() {
			p.Data()[i] *= scale
		}
	}
	return m
}

// testT5 returns a small T5 in evaluation mode.
func testT5(seed uint64) *T5 {
	c := fixT5Config()
	c.VocabSize, c.DModel, c.DFF = 40, 16, 32
	m := NewT5(rng(seed), c)
	nn.SetTraining(m, false)
	return m
}

// argmaxLoop is greedy decoding by definition: recompute the whole
// sequence, take the largest last logit, stop after an EOS.
func argmaxLoop(m *GPT, prompt []int, maxNew int, eos []int) []int {
	seq := slices.Clone(prompt)
	var out []int
	for range maxNew {
		l := m.Forward(seq, 1, len(seq))
		v := l.Dim(2)
		row := l.Data()[(len(seq)-1)*v:]
		best := 0
		for i, x := range row {
			if x > row[best] {
				best = i
			}
		}
		out = append(out, best)
		seq = append(seq, best)
		if slices.Contains(eos, best) {
			break
		}
	}
	return out
}

func tokensOf(hs [][]Hypothesis) [][]int {
	out := make([][]int, len(hs))
	for i, h := range hs {
		out[i] = h[0].Tokens
	}
	return out
}

var testPrompts = [][]int{{3, 14, 15}, {9, 2}, {6, 5, 3}, {5}, {8, 9, 7, 9}}

// Greedy Generate on a batch of prompts of different lengths equals the
// argmax loop on each prompt alone, and GPT.Generate; an EOS ends a row
// with the EOS kept.
func TestGenerateGreedyIsArgmaxLoop(t *testing.T) {
	m := sharpGPT(9, 50, 20)
	got := Generate(m, testPrompts, GenConfig{MaxNew: 12}, nil)
	for i, p := range testPrompts {
		want := argmaxLoop(m, p, 12, nil)
		if !slices.Equal(got[i][0].Tokens, want) || len(got[i]) != 1 {
			t.Fatalf("prompt %v: %v, argmax loop %v", p, got[i], want)
		}
		if g := m.Generate(p, 12, nil, nil); !slices.Equal(g, want) {
			t.Fatalf("prompt %v: GPT.Generate %v, argmax loop %v", p, g, want)
		}
		single := Generate(m, [][]int{p}, GenConfig{MaxNew: 12}, nil)
		if !slices.Equal(single[0][0].Tokens, want) {
			t.Fatalf("prompt %v alone: %v, in the batch %v", p, single[0][0].Tokens, want)
		}
	}
	// EOS: the fourth token of the first row's output ends it there.
	eos := got[0][0].Tokens[3]
	if slices.Index(got[0][0].Tokens, eos) != 3 {
		t.Skip("test needs a token first seen at index 3")
	}
	stopped := Generate(m, testPrompts, GenConfig{MaxNew: 12, EOS: []int{eos}}, nil)
	for i, p := range testPrompts {
		want := argmaxLoop(m, p, 12, []int{eos})
		if !slices.Equal(stopped[i][0].Tokens, want) {
			t.Fatalf("EOS %d, prompt %v: %v, want %v", eos, p, stopped[i][0].Tokens, want)
		}
	}
	if !slices.Equal(stopped[0][0].Tokens, got[0][0].Tokens[:4]) {
		t.Fatalf("EOS %d: %v, want %v", eos, stopped[0][0].Tokens, got[0][0].Tokens[:4])
	}
	// Stop sees the generated tokens: stopping at length 2.
	short := Generate(m, testPrompts, GenConfig{MaxNew: 12, Stop: func(s []int) bool { return len(s) == 2 }}, nil)
	for i := range short {
		if !slices.Equal(short[i][0].Tokens, got[i][0].Tokens[:2]) {
			t.Fatalf("Stop at 2: %v, want %v", short[i][0].Tokens, got[i][0].Tokens[:2])
		}
	}
}

// LogProb sums the log-probabilities that a full forward pass gives.
func TestGenerateLogProb(t *testing.T) {
	m := sharpGPT(3, 20, 5)
	p := []int{4, 7}
	h := Generate(m, [][]int{p}, GenConfig{MaxNew: 6, Sampler: Temperature(1)}, rng(4))[0][0]
	if got := seqLogProb(m, p, h.Tokens); math.Abs(got-h.LogProb) > 1e-5 || h.Score != h.LogProb {
		t.Fatalf("LogProb %v Score %v, full forward %v", h.LogProb, h.Score, got)
	}
}

// seqLogProb returns log p(cont | prompt) from one uncached forward pass.
func seqLogProb(m *GPT, prompt, cont []int) float64 {
	seq := slices.Concat(prompt, cont)
	l := m.Forward(seq, 1, len(seq))
	v := l.Dim(2)
	var s float64
	for j, tok := range cont {
		pos := len(prompt) + j - 1
		s += logSoftmaxAt(l.Data()[pos*v:(pos+1)*v], tok)
	}
	return s
}

// Samples are reproducible with the seed; NumSamples returns distinct
// outputs only, and greedy samples collapse to one.
func TestGenerateSamplesDedup(t *testing.T) {
	m := sharpGPT(5, 3, 1)
	c := GenConfig{MaxNew: 1, NumSamples: 30, Sampler: Temperature(3)}
	a := Generate(m, [][]int{{0}, {1, 2}}, c, rng(1))
	b := Generate(m, [][]int{{0}, {1, 2}}, c, rng(1))
	for i := range a {
		if len(a[i]) != 3 {
			t.Fatalf("prompt %d: %d distinct one-token samples of 30 over 3 tokens, want 3: %v", i, len(a[i]), a[i])
		}
		if fmt.Sprint(a[i]) != fmt.Sprint(b[i]) {
			t.Fatalf("same seed: %v then %v", a[i], b[i])
		}
	}
	c.MaxNew = 3
	for i, hs := range Generate(m, [][]int{{0}, {1, 2}}, c, rng(2)) {
		for j := range hs {
			for k := range j {
				if slices.Equal(hs[j].Tokens, hs[k].Tokens) {
					t.Fatalf("prompt %d: samples %d and %d both %v", i, k, j, hs[j].Tokens)
				}
			}
		}
		if len(hs) < 5 {
			t.Fatalf("prompt %d: only %d distinct samples of 30 at temperature 3", i, len(hs))
		}
	}
	c.Sampler = nil
	for _, hs := range Generate(m, [][]int{{0}, {1, 2}}, c, nil) {
		if len(hs) != 1 {
			t.Fatalf("greedy samples %v, want one", hs)
		}
	}
}

func TestCut(t *testing.T) {
	inf := float32(math.Inf(-1))
	logits := []float32{1, 3, 2, 3, 0}
	if got, want := cut(logits, 2, 0, 1), []float32{inf, 3, inf, 3, inf}; !slices.Equal(got, want) {
		t.Errorf("top-2: %v, want %v", got, want)
	}
	// Probabilities ∝ e^0, e^ln3, e^ln6 = 1:3:6 → 0.6, 0.9, 1.
	l := []float32{0, float32(math.Log(3)), float32(math.Log(6))}
	if got, want := cut(l, 0, 0.85, 1), []float32{inf, l[1], l[2]}; !slices.Equal(got, want) {
		t.Errorf("top-p 0.85: %v, want %v", got, want)
	}
	if got, want := cut(l, 0, 0.5, 1), []float32{inf, inf, l[2]}; !slices.Equal(got, want) {
		t.Errorf("top-p 0.5: %v, want %v", got, want)
	}
	// Top-p after top-k: of 1:3:6, top-2 keeps 3:6 → 1/3, 1 (so p 0.3 keeps one).
	if got, want := cut(l, 2, 0.3, 1), []float32{inf, inf, l[2]}; !slices.Equal(got, want) {
		t.Errorf("top-2 then top-p 0.3: %v, want %v", got, want)
	}
	// At temperature 1/ln 2... probabilities follow temp: 1:9:36 at 0.5 → 0.78 for the top token.
	if got, want := cut(l, 0, 0.75, 0.5), []float32{inf, inf, l[2]}; !slices.Equal(got, want) {
		t.Errorf("top-p 0.75 at temperature 0.5: %v, want %v", got, want)
	}
}

// Top-k 1, a tiny top-p and a temperature near 0 are greedy.
func TestSamplersGreedyLimits(t *testing.T) {
	r := rng(3)
	for range 200 {
		row := make([]float32, 17)
		for i := range row {
			row[i] = float32(r.NormFloat64())
		}
		g := Greedy(row, nil)
		samplers := map[string]Sampler{"top-k 1": TopK(1), "top-p 1e-9": TopP(1e-9), "top-k 1 at temperature 5": Sample(5, 1, 0.9)}
		if gap := row[g] - slices.Max(slices.Delete(slices.Clone(row), g, g+1)); gap > 1e-4 {
			samplers["temperature 1e-6"] = Sample(1e-6, 0, 0) // e^(-gap/temp) < e^-100
		}
		for name, s := range samplers {
			if got := s(row, r); got != g {
				t.Fatalf("%s picked %d, greedy %d (logits %v)", name, got, g, row)
			}
		}
	}
	// As the temperature falls, the greedy token's frequency rises to 1.
	row := []float32{0, 0.5, 1, 0.9}
	prev := 0.0
	for _, temp := range []float64{1, 0.3, 0.1, 0.03, 0.003} {
		s, hits := Temperature(temp), 0
		for range 2000 {
			if s(row, r) == 2 {
				hits++
			}
		}
		f := float64(hits) / 2000
		if f < prev {
			t.Fatalf("temperature %v: greedy frequency %v, below %v at the higher temperature", temp, f, prev)
		}
		prev = f
	}
	if prev != 1 {
		t.Fatalf("temperature 0.003: greedy frequency %v, want 1", prev)
	}
}

// Sampling frequencies of a fixed distribution match the warped
// probabilities within 4 standard deviations.
func TestSampleFrequencies(t *testing.T) {
	p := []float64{0.1, 0.2, 0.3, 0.4}
	logits := make([]float32, len(p))
	for i, x := range p {
		logits[i] = float32(math.Log(x))
	}
	sqrtZ := math.Sqrt(.1) + math.Sqrt(.2) + math.Sqrt(.3) + math.Sqrt(.4)
	for _, c := range []struct {
		name string
		s    Sampler
		want []float64
	}{
		{"plain", Sample(1, 0, 1), p},
		{"temperature 2", Temperature(2), []float64{math.Sqrt(.1) / sqrtZ, math.Sqrt(.2) / sqrtZ, math.Sqrt(.3) / sqrtZ, math.Sqrt(.4) / sqrtZ}},
		{"top-k 2", TopK(2), []float64{0, 0, 3.0 / 7, 4.0 / 7}},
		{"top-p 0.6", TopP(0.6), []float64{0, 0, 3.0 / 7, 4.0 / 7}},
		{"top-p 0.75", TopP(0.75), []float64{0, 2.0 / 9, 3.0 / 9, 4.0 / 9}},
		{"top-k 3, top-p 0.5", Sample(1, 3, 0.5), []float64{0, 0, 3.0 / 7, 4.0 / 7}},
	} {
		r := rng(11)
		const n = 20000
		count := make([]float64, len(p))
		for range n {
			count[c.s(logits, r)]++
		}
		for i, w := range c.want {
			f := count[i] / n
			if tol := 4*math.Sqrt(w*(1-w)/n) + 1e-12; math.Abs(f-w) > tol {
				t.Errorf("%s: token %d frequency %.4f, want %.4f ± %.4f", c.name, i, f, w, tol)
			}
		}
	}
}

// Beam search of width 1 is greedy (without EOS, or with EOS and no
// length penalty), for GPT and for T5's decoder.
func TestBeamWidth1IsGreedy(t *testing.T) {
	m := sharpGPT(9, 50, 20)
	for _, c := range []struct {
		eos   []int
		alpha float64
	}{{nil, 0}, {nil, 1.5}, {[]int{36, 26}, 0}} { // the EOS ends rows after 1 to 6 tokens
		g := GenConfig{MaxNew: 10, EOS: c.eos}
		want := Generate(m, testPrompts, g, nil)
		got := BeamSearch(m, testPrompts, g, BeamConfig{Width: 1, LengthPenalty: c.alpha})
		if c.eos != nil && len(want[3][0].Tokens) != 1 {
			t.Fatalf("greedy %v: EOS %v does not end the row early: test too weak", want[3][0].Tokens, c.eos)
		}
		for i := range want {
			if !slices.Equal(got[i][0].Tokens, want[i][0].Tokens) || math.Abs(got[i][0].LogProb-want[i][0].LogProb) > 1e-9 {
				t.Fatalf("EOS %v α %v prompt %v: beam %+v, greedy %+v", c.eos, c.alpha, testPrompts[i], got[i][0], want[i][0])
			}
		}
	}
	t5 := testT5(11)
	src := [][]int{{5, 17, 30, 3, 9, 22, 1}, {4, 8, 1}}
	starts := [][]int{{0}, {0}}
	got := BeamSearch(t5.Decoding(src), starts, GenConfig{MaxNew: 15, EOS: []int{1}}, BeamConfig{Width: 1})
	for i, s := range src {
		if want := t5.Generate(s, 15); !slices.Equal(got[i][0].Tokens, want) {
			t.Fatalf("T5 source %v: beam %v, greedy %v", s, got[i][0].Tokens, want)
		}
	}
}

// On a vocabulary of 3 with EOS 2 and 3 new tokens, a beam wide enough
// to hold every running sequence returns exactly the best sequences by
// length-penalised score among all 15 possible ones, enumerated by brute
// force with uncached forward passes, for several length penalties.
func TestBeamSearchExhaustive(t *testing.T) {
	m := sharpGPT(21, 3, 4)
	prompt := []int{0, 1}
	const eos = 2
	var all [][]int
	var rec func(seq []int)
	rec = func(seq []int) {
		if len(seq) > 0 && (seq[len(seq)-1] == eos || len(seq) == 3) {
			all = append(all, slices.Clone(seq))
			return
		}
		for v := range 3 {
			rec(append(seq, v))
		}
	}
	rec(nil)
	if len(all) != 15 {
		t.Fatalf("%d sequences, want 15", len(all))
	}
	best := map[string]bool{} // the best sequences over the length penalties
	for _, alpha := range []float64{0, 1, 2.5, -0.7} {
		for _, early := range []bool{false, true} {
			type scored struct {
				seq   []int
				score float64
			}
			var ref []scored
			for _, s := range all {
				ref = append(ref, scored{s, seqLogProb(m, prompt, s) / math.Pow(float64(len(s)), alpha)})
			}
			sort.SliceStable(ref, func(i, j int) bool { return ref[i].score > ref[j].score })
			best[fmt.Sprint(ref[0].seq)] = true
			got := BeamSearch(m, [][]int{prompt}, GenConfig{MaxNew: 3, EOS: []int{eos}},
				BeamConfig{Width: 12, NumReturn: 12, LengthPenalty: alpha, EarlyStopping: early})[0]
			n := 12
			if early {
				n = 1 // early stopping guarantees nothing beyond what finished
				if len(got) == 0 {
					t.Fatalf("α %v early: no hypotheses", alpha)
				}
			} else if len(got) != 12 {
				t.Fatalf("α %v: %d hypotheses, want 12", alpha, len(got))
			}
			for i := range n {
				if early && i == 0 {
					// The first finished may not be the best with early stopping; only check it is scored right.
					want := seqLogProb(m, prompt, got[0].Tokens) / math.Pow(float64(len(got[0].Tokens)), alpha)
					if math.Abs(got[0].Score-want) > 1e-5 {
						t.Fatalf("α %v early: %v scored %v, want %v", alpha, got[0].Tokens, got[0].Score, want)
					}
					continue
				}
				if math.Abs(got[i].Score-ref[i].score) > 1e-5 {
					t.Fatalf("α %v rank %d: beam %v score %v, exhaustive %v score %v", alpha, i, got[i].Tokens, got[i].Score, ref[i].seq, ref[i].score)
				}
				if !slices.Equal(got[i].Tokens, ref[i].seq) && math.Abs(ref[i].score-ref[min(i+1, 14)].score) > 1e-6 {
					t.Fatalf("α %v rank %d: beam %v, exhaustive %v", alpha, i, got[i].Tokens, ref[i].seq)
				}
			}
		}
	}
	if len(best) < 2 {
		t.Fatalf("the same best sequence %v for every length penalty: test too weak", best)
	}
}

// A narrow beam gives what the beam rules give when run to MaxNew
// without early stopping (written out with uncached forward passes): the
// stopping criterion never discards a better hypothesis, for any length
// penalty, and the cache follows the beams' reordering.
func TestBeamSearchStopping(t *testing.T) {
	prompt := []int{0, 1}
	eos := []int{2, 4}
	const maxNew, w = 7, 3
	// On these models, stopping when the worst kept hypothesis beats the
	// best running sum over the current length^α (rather than MaxNew^α)
	// would lose a better, longer hypothesis at α 1 and 2.5.
	for _, scale := range []float32{4, 10} {
		m := sharpGPT(8, 5, scale)
		t.Run(fmt.Sprint("scale", scale), func(t *testing.T) { beamStoppingCase(t, m, prompt, eos, maxNew, w) })
	}
}

func beamStoppingCase(t *testing.T, m *GPT, prompt, eos []int, maxNew, w int) {
	for _, alpha := range []float64{-0.7, 0, 1, 2.5} {
		type bm struct {
			seq []int
			sum float64
		}
		beams := []bm{{nil, 0}}
		var fin []Hypothesis
		addFin := func(seq []int, sum float64) {
			fin = append(fin, Hypothesis{Tokens: seq, LogProb: sum, Score: sum / math.Pow(float64(len(seq)), alpha)})
		}
		for step := 1; step <= maxNew && len(beams) > 0; step++ {
			type cand struct {
				sum     float64
				bi, tok int
			}
			var cands []cand
			for bi, b := range beams {
				seq := slices.Concat(prompt, b.seq)
				l := m.Forward(seq, 1, len(seq))
				lp := logSoftmax(l.Data()[(len(seq)-1)*5:])
				for tok, x := range lp {
					cands = append(cands, cand{b.sum + x, bi, tok})
				}
			}
			sort.SliceStable(cands, func(i, j int) bool { return cands[i].sum > cands[j].sum })
			var nb []bm
			for rank, c := range cands[:min(3*w, len(cands))] {
				seq := append(slices.Clone(beams[c.bi].seq), c.tok)
				if slices.Contains(eos, c.tok) {
					if rank < w {
						addFin(seq, c.sum)
					}
					continue
				}
				if nb = append(nb, bm{seq, c.sum}); len(nb) == w {
					break
				}
			}
			if step == maxNew {
				for _, b := range nb {
					addFin(b.seq, b.sum)
				}
			}
			beams = nb
		}
		sort.SliceStable(fin, func(i, j int) bool { return fin[i].Score > fin[j].Score })
		got := BeamSearch(m, [][]int{prompt, {3}}, GenConfig{MaxNew: maxNew, EOS: eos},
			BeamConfig{Width: w, NumReturn: w, LengthPenalty: alpha})[0]
		if len(got) != w {
			t.Fatalf("α %v: %d hypotheses", alpha, len(got))
		}
		for i := range got {
			if math.Abs(got[i].Score-fin[i].Score) > 1e-5 {
				t.Fatalf("α %v rank %d: %+v, beam rules without stopping %+v", alpha, i, got[i], fin[i])
			}
		}
	}
}

// Contrastive search with α = 0 is greedy, for GPT and T5; with α > 0
// it equals a direct implementation of its rule that recomputes every
// hidden state without cache.
func TestContrastiveSearch(t *testing.T) {
	m := sharpGPT(9, 50, 3)
	g := GenConfig{MaxNew: 10, EOS: []int{3, 38}} // ends rows after 1, 3 and 6 tokens
	want := Generate(m, testPrompts, g, nil)
	got := ContrastiveSearch(m, testPrompts, g, 4, 0)
	for i := range want {
		if !slices.Equal(got[i].Tokens, want[i][0].Tokens) {
			t.Fatalf("α 0, prompt %v: %v, greedy %v", testPrompts[i], got[i].Tokens, want[i][0].Tokens)
		}
	}
	t5 := testT5(11)
	src := [][]int{{5, 17, 30, 3, 9, 22, 1}, {4, 8, 1}}
	gt := ContrastiveSearch(t5.Decoding(src), [][]int{{0}, {0}}, GenConfig{MaxNew: 15, EOS: []int{1}}, 3, 0)
	for i, s := range src {
		if w := t5.Generate(s, 15); !slices.Equal(gt[i].Tokens, w) {
			t.Fatalf("T5 α 0, source %v: %v, greedy %v", s, gt[i].Tokens, w)
		}
	}

	const k, alpha = 3, 0.6
	got = ContrastiveSearch(m, testPrompts, GenConfig{MaxNew: 8}, k, alpha)
	differs := false
	for i, p := range testPrompts {
		ref := contrastiveRef(m, p, 8, k, alpha)
		if !slices.Equal(got[i].Tokens, ref) {
			t.Fatalf("α %v prompt %v: %v, direct %v", alpha, p, got[i].Tokens, ref)
		}
		differs = differs || !slices.Equal(ref, argmaxLoop(m, p, 8, nil))
	}
	if !differs {
		t.Fatal("contrastive search equals greedy on every prompt: test too weak")
	}
}

// contrastiveRef is contrastive search written from its definition, with
// full forward passes.
func contrastiveRef(m *GPT, prompt []int, maxNew, k int, alpha float64) []int {
	seq := slices.Clone(prompt)
	var out []int
	for range maxNew {
		h := m.hidden(seq, 1, len(seq), nil)
		logits := m.head(h).Data()
		v := m.Config.VocabSize
		lp := logSoftmax(logits[(len(seq)-1)*v:])
		ctx := unitRows(h.Reshape(len(seq), -1))
		best, bestScore := -1, math.Inf(-1)
		for _, c := range topIndices(lp, k) {
			s2 := append(slices.Clone(seq), c)
			hc := unitRows(m.hidden(s2, 1, len(s2), nil).Reshape(len(s2), -1))[len(seq)]
			pen := math.Inf(-1)
			for _, x := range ctx {
				pen = math.Max(pen, dot(hc, x))
			}
			if sc := (1-alpha)*math.Exp(lp[c]) - alpha*pen; best < 0 || sc > bestScore {
				best, bestScore = c, sc
			}
		}
		out = append(out, best)
		seq = append(seq, best)
	}
	return out
}

// Batched T5 greedy decoding, with sources of different lengths padded
// and masked, equals decoding each source alone, token for token.
func TestT5GenerateBatchEqualsSingle(t *testing.T) {
	m := testT5(13)
	for _, p := range nn.Params(m) { // sharper: outputs depend more on the source
		for i := range p.Data() {
			p.Data()[i] *= 2
		}
	}
	r := rng(14)
	src := make([][]int, 40)
	for i := range src {
		src[i] = randIDs(r, 1+r.IntN(12), 2, m.Config.VocabSize) // no pad (0) or EOS (1)
	}
	// Make the most frequent output token EOS, so that rows stop at
	// different steps and leave the batch.
	count := map[int]int{}
	for _, s := range src[:8] {
		for _, tok := range m.Generate(s, 12) {
			count[tok]++
		}
	}
	for tok, n := range count {
		if n > count[m.Config.EOSID] {
			m.Config.EOSID = tok
		}
	}
	got := m.GenerateBatch(src, 12)
	stopped := 0
	distinct := map[string]bool{}
	for i, s := range src {
		want := m.Generate(s, 12)
		if !slices.Equal(got[i], want) {
			t.Fatalf("source %d %v: batched %v, alone %v", i, s, got[i], want)
		}
		if len(want) < 12 {
			stopped++
		}
		distinct[fmt.Sprint(want)] = true
	}
	t.Logf("%d of %d stopped at EOS, %d distinct outputs", stopped, len(src), len(distinct))
	// One unsorted batch of all 40 (more padding) gives the same.
	starts := make([][]int, len(src))
	for i := range starts {
		starts[i] = []int{m.Config.DecoderStartID}
	}
	all := Generate(m.Decoding(src), starts, GenConfig{MaxNew: 12, EOS: []int{m.Config.EOSID}}, nil)
	for i := range src {
		if !slices.Equal(all[i][0].Tokens, got[i]) {
			t.Fatalf("source %d: one batch of 40 %v, GenerateBatch %v", i, all[i][0].Tokens, got[i])
		}
	}
	if stopped < 5 || stopped > 35 || len(distinct) < 10 {
		t.Fatalf("%d of %d stopped at EOS, %d distinct outputs: test too weak", stopped, len(src), len(distinct))
	}
}

// Select reorders, repeats and drops rows with their caches.
func TestDecoderSelect(t *testing.T) {
	m := sharpGPT(9, 50, 20)
	d := m.Start(testPrompts)
	st := d.Next()
	v := st.Logits.Dim(1)
	rows := []int{4, 0, 0, 2}
	d.Select(rows)
	st2 := d.Next()
	if d.Len() != 4 {
		t.Fatalf("Len %d after Select of 4", d.Len())
	}
	for i, r := range rows {
		if !slices.Equal(st2.Logits.Data()[i*v:(i+1)*v], st.Logits.Data()[r*v:(r+1)*v]) {
			t.Fatalf("row %d is not former row %d", i, r)
		}
	}
	toks := []int{1, 2, 3, 4}
	d.Append(toks)
	st3 := d.Next()
	for i, r := range rows {
		seq := append(slices.Clone(testPrompts[r]), toks[i])
		l := m.Forward(seq, 1, len(seq))
		want := l.Data()[(len(seq)-1)*v:]
		for j := range v {
			if math.Abs(float64(st3.Logits.Data()[i*v+j]-want[j])) > 1e-4 {
				t.Fatalf("row %d logit %d: %v, full forward %v", i, j, st3.Logits.Data()[i*v+j], want[j])
			}
		}
		if st3.Hidden[i].Dim(0) != 1 || st.Hidden[r].Dim(0) != len(testPrompts[r]) {
			t.Fatalf("hidden shapes %v, %v", st3.Hidden[i].Shape(), st.Hidden[r].Shape())
		}
	}
}

// Beam search keeps the 3 best of 4 beams' hypotheses, best first; a
// nucleus sample draws 3 distinct continuations.
func ExampleBeamSearch() {
	rng := rand.New(rand.NewPCG(1, 2))
	c := DefaultGPTConfig()
	c.VocabSize = 10
	m := NewGPT(rng, c)
	nn.SetTraining(m, false)
	prompts := [][]int{{1, 2, 3}, {4, 5}}
	gen := GenConfig{MaxNew: 5, EOS: []int{0}}
	beams := BeamSearch(m, prompts, gen, BeamConfig{Width: 4, NumReturn: 3, LengthPenalty: 1})
	fmt.Println(len(beams), len(beams[0]), beams[0][0].Score >= beams[0][1].Score)

	gen.Sampler, gen.NumSamples = Sample(0.8, 5, 0.9), 3
	samples := Generate(m, prompts, gen, rng)
	fmt.Println(len(samples), len(samples[0]) <= 3)
	// Output:
	// 2 3 true
	// 2 true
}

// BenchmarkDecodeGPT measures Generate (greedy, 64 tokens after 16) on
// the default GPT for one prompt, as BenchmarkGPTGenerateCache does with
// GPT.Generate, and for a batch of 8 prompts.
func BenchmarkDecodeGPT(b *testing.B) {
	m := NewGPT(rng(1), DefaultGPTConfig())
	nn.SetTraining(m, false)
	for _, n := range []int{1, 8} {
		b.Run(fmt.Sprint("batch", n), func(b *testing.B) {
			prompts := make([][]int, n)
			for i := range prompts {
				prompts[i] = randIDs(rng(uint64(2+i)), 16, 0, 1000)
			}
			for b.Loop() {
				Generate(m, prompts, GenConfig{MaxNew: 64}, nil)
			}
			b.ReportMetric(float64(64*n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// BenchmarkT5Decode compares T5.Generate one source at a time with
// GenerateBatch on 32 sources of 8 to 24 tokens, 16 new tokens each, on
// the default T5 (d_model 128).
func BenchmarkT5Decode(b *testing.B) {
	m := NewT5(rng(1), DefaultT5Config())
	nn.SetTraining(m, false)
	r := rng(2)
	src := make([][]int, 32)
	for i := range src {
		src[i] = randIDs(r, 8+r.IntN(17), 2, 1000)
	}
	m.Config.EOSID = 1000 - 1 // rarely generated: every row decodes 16 tokens
	b.Run("single", func(b *testing.B) {
		for b.Loop() {
			for _, s := range src {
				m.Generate(s, 16)
			}
		}
		b.ReportMetric(float64(len(src))*float64(b.N)/b.Elapsed().Seconds(), "sources/s")
	})
	b.Run("batch", func(b *testing.B) {
		for b.Loop() {
			m.GenerateBatch(src, 16)
		}
		b.ReportMetric(float64(len(src))*float64(b.N)/b.Elapsed().Seconds(), "sources/s")
	})
}
