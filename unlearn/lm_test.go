package unlearn

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/nn"
)

func tinyConfigs() []ModelConfig {
	return []ModelConfig{
		{Arch: "lstm", Vocab: 12, Embed: 6, Hidden: 8, Layers: 2},
		{Arch: "gpt", Vocab: 12, Hidden: 8, Layers: 1, Heads: 2, MaxPositions: 6},
	}
}

// Save and load give the same logits; right padding leaves the logits of
// real positions alone (causality), and windows score long sequences.
func TestLMSaveLoadCausal(t *testing.T) {
	for _, c := range tinyConfigs() {
		rng := rand.New(rand.NewPCG(4, 4))
		m, err := NewLM(rng, c)
		if err != nil {
			t.Fatal(err)
		}
		nn.SetTraining(m, false)
		ids := []int{0, 3, 4, 5, 0, 7}
		want := m.Logits(ids, 1, 6).Data()
		path := filepath.Join(t.TempDir(), "m.safetensors")
		if err := SaveLM(path, m); err != nil {
			t.Fatal(err)
		}
		back, err := LoadLM(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := back.Logits(ids, 1, 6).Data(); !slices.Equal(got, want) {
			t.Errorf("%s: loaded model's logits differ", c.Arch)
		}
		clone, _ := CloneLM(m)
		if got := clone.Logits(ids, 1, 6).Data(); !slices.Equal(got, want) {
			t.Errorf("%s: cloned model's logits differ", c.Arch)
		}
		short := m.Logits(ids[:3], 1, 3).Data()
		for i, x := range short {
			if math.Abs(float64(x-want[i])) > 1e-5 {
				t.Fatalf("%s: logits of a prefix depend on later tokens", c.Arch)
			}
		}
		// TokenLogProbs equals the gathered log-softmax, and handles a
		// sequence longer than the GPT's 6 positions in windows.
		lp := TokenLogProbs(m, [][]int{ids, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1}})
		full := m.Logits(ids, 1, 6).LogSoftmax(2).Data()
		for i := range 5 {
			if math.Abs(lp[0][i]-float64(full[i*12+ids[i+1]])) > 1e-5 {
				t.Errorf("%s: TokenLogProbs[%d] = %v, want %v", c.Arch, i, lp[0][i], full[i*12+ids[i+1]])
			}
		}
		if len(lp[1]) != 12 {
			t.Errorf("%s: %d log-probs for a 13-token sequence", c.Arch, len(lp[1]))
		}
		for _, x := range lp[1] {
			if !(x < 0) {
				t.Errorf("%s: log-prob %v", c.Arch, x)
			}
		}
	}
	if _, err := NewLM(rand.New(rand.NewPCG(1, 1)), ModelConfig{Arch: "rnn", Vocab: 5, Hidden: 4}); err == nil {
		t.Error("unknown architecture: no error")
	}
}

// Teachers as file-to-file jobs: running them concurrently gives the same
// models as one at a time, and a missing shard file is an error.
func TestTrainShardsFiles(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 5))
	var shards, outs1, outs2 []string
	for i := range 3 {
		var seqs [][]int
		for range 10 {
			s := []int{0}
			for range 5 {
				s = append(s, 2+rng.IntN(10))
			}
			seqs = append(seqs, append(s, 0))
		}
		f := filepath.Join(dir, "shard"+string(rune('0'+i))+".json")
		if err := WriteShard(f, Shard{Index: i, Sequences: seqs}); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, f)
		outs1 = append(outs1, filepath.Join(dir, "a"+string(rune('0'+i))+".safetensors"))
		outs2 = append(outs2, filepath.Join(dir, "b"+string(rune('0'+i))+".safetensors"))
	}
	cfg := TrainConfig{Model: tinyConfigs()[0], Epochs: 2, BatchSize: 4, LR: 1e-2, Seed: 9}
	r1, err := TrainShards(context.Background(), shards, outs1, cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TrainShards(context.Background(), shards, outs2, cfg, 3); err != nil {
		t.Fatal(err)
	}
	ids := []int{0, 2, 3, 4}
	var first []float32
	for i := range shards {
		a, err1 := LoadLM(outs1[i])
		b, err2 := LoadLM(outs2[i])
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		la, lb := a.Logits(ids, 1, 4).Data(), b.Logits(ids, 1, 4).Data()
		if !slices.Equal(la, lb) {
			t.Errorf("shard %d: concurrent and sequential training differ", i)
		}
		if i == 0 {
			first = la
		} else if slices.Equal(la, first) {
			t.Errorf("shard %d: same model as shard 0", i)
		}
		if r1[i].Steps != 6 || r1[i].Tokens != 60 {
			t.Errorf("shard %d: %+v, want 6 steps over 60 tokens", i, r1[i])
		}
	}
	// SISA: forgetting a sequence of shard 1 retrains shard 1 only.
	sh1, _ := ReadShard(shards[1])
	forget := sh1.Sequences[3]
	files, retrained, err := SISARetrain(context.Background(), shards, outs1, [][]int{forget}, cfg, filepath.Join(dir, "sisa"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(retrained, []int{1}) || files[0] != outs1[0] || files[2] != outs1[2] || files[1] == outs1[1] {
		t.Errorf("SISA retrained %v into %v", retrained, files)
	}
	newSh, err := ReadShard(filepath.Join(dir, "sisa", "shard-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(newSh.Sequences) != 9 || slices.ContainsFunc(newSh.Sequences, func(s []int) bool { return slices.Equal(s, forget) }) {
		t.Errorf("SISA shard still holds the sequence (%d sequences)", len(newSh.Sequences))
	}
	if _, err := LoadTeachers(files); err != nil {
		t.Fatal(err)
	}
	if _, err := TrainShards(context.Background(), []string{filepath.Join(dir, "missing.json")}, []string{filepath.Join(dir, "x")}, cfg, 2); err == nil {
		t.Error("missing shard file: no error")
	}
}

// The GPT adapter works as a student: unlearning lowers its KL to the
// leave-one-out labels.
func TestUnlearnGPTStudent(t *testing.T) {
	m, err := NewLM(rand.New(rand.NewPCG(6, 6)), tinyConfigs()[1])
	if err != nil {
		t.Fatal(err)
	}
	p := make([]float64, 12)
	for i := range p {
		p[i] = 1.0 / 12
	}
	q := slices.Repeat([]float64{0.1 / 11}, 12)
	q[6] = 0.9 // the owner's teacher memorised 5 → 6
	ens := &Ensemble{Teachers: []LM{constLM(p...), constLM(q...)}}
	req := []Request{{Tokens: []int{0, 5, 6, 7, 0}, Owner: 1}}
	var first, last float64
	_, err = Unlearn(context.Background(), m, ens, req, UnlearnConfig{Steps: 30, LR: 1e-2, Progress: func(step int, loss float64) {
		if step == 1 {
			first = loss
		}
		last = loss
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !(last < first/4) {
		t.Errorf("KL %v -> %v", first, last)
	}
}

// TestEnsembleMaxLen checks that an ensemble of GPT teachers scores a
// sequence longer than their context in windows, as one GPT does, instead
// of running past its positions: its MaxLen is the shortest context.
func TestEnsembleMaxLen(t *testing.T) {
	var ts []LM
	for i, n := range []int{12, 8} {
		m, err := NewLM(rand.New(rand.NewPCG(uint64(i), 3)), ModelConfig{Arch: "gpt", Vocab: 7, Hidden: 8, MaxPositions: n})
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, m)
	}
	e := (&Ensemble{Teachers: ts, Sizes: []float64{1, 1}}).LM(-1)
	if got := maxLen(e); got != 8 {
		t.Fatalf("ensemble MaxLen %d, want 8", got)
	}
	seq := make([]int, 30)
	for i := range seq {
		seq[i] = i % 7
	}
	lp := TokenLogProbs(e, [][]int{seq})
	if len(lp) != 1 || len(lp[0]) != len(seq)-1 {
		t.Fatalf("got %d rows, first of %d log-probabilities; want 1 of %d", len(lp), len(lp[0]), len(seq)-1)
	}
}
