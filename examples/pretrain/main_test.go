package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/distill"
	"github.com/cairn-ml/cairn/nn"
	"github.com/cairn-ml/cairn/nn/models"
	"github.com/cairn-ml/cairn/pretrain"
	"github.com/cairn-ml/cairn/text"
)

// tiny is a configuration that runs the whole program in seconds.
func tiny(out string) config {
	return config{
		out: out, vocab: 400, layers: 1, hidden: 32, heads: 2, seq: 16, batch: 4, steps: 3, lr: 1e-3,
		gpt: true, gptSteps: 3, domain: true, evalBlocks: 8, trainPairs: 48, testPairs: 40,
		ftEpochs: 1, ftBatch: 16, ftLR: 1e-3, ftSeq: 48, seeds: 2, seed: 1, json: true,
	}
}

func skipWithoutData(t *testing.T) {
	t.Helper()
	for _, f := range []string{"wikitext2/valid.txt.gz", "tinyshakespeare/input.txt.gz", "distill-sbs/esnli/esnli_test.json.gz"} {
		if _, err := os.Stat(filepath.Join(data.Dir(), f)); err != nil {
			t.Skipf("shared data not found (set CAIRN_DATA): %v", err)
		}
	}
}

func lastJSON(t *testing.T, out string) results {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res results
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out)
	}
	return res
}

// TestRunSmall runs the pipeline with a tiny model: the JSON line comes out
// with one run per seed and initialisation, the vocabulary and both models
// are saved and load back, fine-tuning from the checkpoint loads every
// encoder tensor (only the pooler and the classifier are missing), and a
// second run reuses the checkpoint.
func TestRunSmall(t *testing.T) {
	skipWithoutData(t)
	dir := t.TempDir()
	cfg := tiny(dir)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, errOut.String())
	}
	res := lastJSON(t, out.String())
	if res.Pretrain.Steps != 3 || res.Pretrain.Loaded || res.GPT == nil || res.GPT.Steps != 3 {
		t.Errorf("pre-training %+v, GPT %+v: want 3 fresh steps each", res.Pretrain, res.GPT)
	}
	if l := res.Pretrain.HeldOutLoss; !(l > 0 && l < 2*math.Log(float64(res.VocabSize))) {
		t.Errorf("held-out MLM loss %v, want a finite value near log(%d)", l, res.VocabSize)
	}
	if p := res.GPT.HeldOutPPL; !(p > 1) || math.IsInf(p, 0) {
		t.Errorf("GPT held-out perplexity %v", p)
	}
	if len(res.Runs) != 4 || res.TrainPairs != 48 || res.TestPairs != 40 || len(res.Pretrained.Values) != 2 || len(res.Scratch.Values) != 2 {
		t.Fatalf("runs %d, pairs %d/%d, summaries %+v %+v: want 4 runs on 48/40 pairs, 2 seeds each",
			len(res.Runs), res.TrainPairs, res.TestPairs, res.Pretrained, res.Scratch)
	}
	wantMissing := []string{"bert.pooler.dense.bias", "bert.pooler.dense.weight", "classifier.bias", "classifier.weight"}
	for _, r := range res.Runs {
		if r.TestAccuracy < 0 || r.TestAccuracy > 1 || r.Steps != 3 {
			t.Errorf("run %+v: want an accuracy in [0,1] after 3 steps", r)
		}
		if r.Init == "pretrained" {
			if !slices.Equal(r.Missing, wantMissing) {
				t.Errorf("fine-tuning from the checkpoint: missing %v, want %v", r.Missing, wantMissing)
			}
			if len(r.Unexpected) == 0 || !strings.HasPrefix(r.Unexpected[0], "cls.predictions.") {
				t.Errorf("unexpected %v, want the MLM head cls.predictions.*", r.Unexpected)
			}
		}
	}
	if d := res.Difference; math.Abs(d.Mean-(res.Pretrained.Mean-res.Scratch.Mean)) > 1e-9 {
		t.Errorf("paired difference %v, want %v", d.Mean, res.Pretrained.Mean-res.Scratch.Mean)
	}

	// The saved files describe and load the models.
	f, err := os.Open(filepath.Join(dir, "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := text.LoadWordPiece(f, true)
	f.Close()
	if err != nil || tok.VocabSize() != res.VocabSize {
		t.Fatalf("vocab.txt: %v, %d tokens, want %d", err, tok.VocabSize(), res.VocabSize)
	}
	var ck checkpoint
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ck); err != nil || ck.GPT == nil {
		t.Fatalf("config.json: %v, %+v", err, ck)
	}
	if err := nn.Load(filepath.Join(dir, ck.BERTFile), models.NewBERTForMaskedLM(rand.New(rand.NewPCG(0, 0)), ck.BERT)); err != nil {
		t.Errorf("bert.safetensors does not load strictly into the configured BERTForMaskedLM: %v", err)
	}
	if err := nn.Load(filepath.Join(dir, ck.GPTFile), models.NewGPT(rand.New(rand.NewPCG(0, 0)), *ck.GPT)); err != nil {
		t.Errorf("gpt.safetensors does not load strictly into the configured GPT: %v", err)
	}

	// A second run reuses the checkpoint; other settings are refused.
	out.Reset()
	cfg.seeds = 1
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if res := lastJSON(t, out.String()); !res.Pretrain.Loaded || res.GPT == nil || !res.GPT.Loaded || len(res.Runs) != 2 {
		t.Errorf("second run: pre-training %+v, GPT %+v, %d runs; want both loaded and 2 runs", res.Pretrain, res.GPT, len(res.Runs))
	}
	cfg.hidden = 64
	if err := run(context.Background(), cfg, &out, &errOut); err == nil || !strings.Contains(err.Error(), "-retrain") {
		t.Errorf("checkpoint of another size: error %v, want one naming -retrain", err)
	}
}

func TestBadFlags(t *testing.T) {
	for name, mod := range map[string]func(*config){
		"vocab":       func(c *config) { c.vocab = 10 },
		"heads":       func(c *config) { c.heads = 3 },
		"steps":       func(c *config) { c.steps = 0 },
		"time":        func(c *config) { c.time = -1 },
		"lr":          func(c *config) { c.lr = 0 },
		"ft-lr":       func(c *config) { c.ftLR = -1 },
		"seq":         func(c *config) { c.seq = 4 },
		"seeds":       func(c *config) { c.seeds = 0 },
		"train-pairs": func(c *config) { c.trainPairs = -5 },
		"out":         func(c *config) { c.out = "" },
	} {
		cfg := tiny(t.TempDir())
		mod(&cfg)
		if err := run(context.Background(), cfg, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("-%s: no error", name)
		}
	}
	cfg := tiny(t.TempDir())
	cfg.dataDir = t.TempDir()
	if err := run(context.Background(), cfg, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Error("empty -data directory: no error")
	}
}

// TestReadESNLI checks the reader on small inline files in the
// distill-sbs layout: fields, labels, file order, and errors on bad lines.
func TestReadESNLI(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "esnli"), 0o755)
	write := func(split, body string) {
		if err := os.WriteFile(filepath.Join(dir, "esnli", "esnli_"+split+".json"), []byte(body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good", `{"premise":"A man sleeps.","hypothesis":"A person rests.","label":0,"explanation_1":"x"}`+"\n"+
		`{"premise":"A dog runs.","hypothesis":"A cat sits.","label":2}`)
	p, err := readESNLI(dir, "good")
	want := []distill.NLIPair{{Premise: "A man sleeps.", Hypothesis: "A person rests.", Label: 0}, {Premise: "A dog runs.", Hypothesis: "A cat sits.", Label: 2}}
	if err != nil || !slices.Equal(p, want) {
		t.Fatalf("got %+v, %v", p, err)
	}
	for name, body := range map[string]string{
		"label": `{"premise":"a","hypothesis":"b","label":3}`,
		"nolab": `{"premise":"a","hypothesis":"b"}`,
		"json":  `{"premise":`,
		"empty": "",
		"nohyp": `{"premise":"a","label":1}`,
	} {
		write(name, body)
		if _, err := readESNLI(dir, name); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := readESNLI(dir, "missing"); err == nil {
		t.Error("missing split: no error")
	}
}

// TestSummarize checks the interval against a hand computation: values
// 0.5, 0.6, 0.7 have sd 0.1, so the half-width is t·0.1/√3 with t the
// 0.975 quantile of Student's t with 2 degrees of freedom, which has the
// closed form (2p−1)/√(2p(1−p)) = 4.3027.
func TestSummarize(t *testing.T) {
	s := summarize([]float64{0.5, 0.6, 0.7})
	if math.Abs(s.Mean-0.6) > 1e-12 || math.Abs(s.CI95-0.95/math.Sqrt(2*0.975*0.025)*0.1/math.Sqrt(3)) > 1e-9 {
		t.Errorf("got %+v", s)
	}
	if s := summarize([]float64{0.4}); s.Mean != 0.4 || s.CI95 != 0 {
		t.Errorf("one value: %+v", s)
	}
}

// TestMLMBatch checks the batch builder: [CLS] and [SEP] frame each block,
// and every prediction position holds its label in the original stream.
func TestMLMBatch(t *testing.T) {
	sp := text.Special{PAD: 0, UNK: 1, CLS: 2, SEP: 3, MASK: 4, BOS: -1, EOS: -1}
	ids := make([]int, 200)
	for i := range ids {
		ids[i] = 5 + i%90
	}
	ws := make([]bool, len(ids))
	masker := newTestMasker(sp)
	starts := []int{0, 50, 100}
	in, pos, labels, w := mlmBatch(masker, ids, ws, starts, 20, sp)
	if len(in) != 60 || len(pos) != len(labels) || len(w) != len(labels) {
		t.Fatalf("lengths %d %d %d %d", len(in), len(pos), len(labels), len(w))
	}
	for b, s := range starts {
		if in[b*20] != sp.CLS || in[b*20+19] != sp.SEP {
			t.Errorf("sequence %d not framed by [CLS] … [SEP]: %v", b, in[b*20:b*20+20])
		}
		n := 0
		for k, p := range pos {
			if p/20 == b {
				n++
				if want := ids[s+p%20-1]; labels[k] != want {
					t.Errorf("position %d: label %d, want %d", p, labels[k], want)
				}
			}
		}
		if n != 3 { // round(20·0.15) = 3
			t.Errorf("sequence %d: %d predictions, want 3", b, n)
		}
	}
}

func newTestMasker(sp text.Special) *pretrain.Masker {
	return pretrain.NewMasker(pretrain.MLM{Special: pretrainSpecial(sp, 100)}, rand.New(rand.NewPCG(3, 4)))
}

// TestLRAt checks the pre-training schedule by hand: warm-up over 10 steps
// to the base rate, then linear decay to 0 at step 110.
func TestLRAt(t *testing.T) {
	for _, c := range []struct {
		step int
		want float64
	}{{0, 0.1}, {9, 1}, {10, 1}, {60, 0.5}, {110, 0}, {120, 0}} {
		if got := lrAt(1, c.step, 10, 110); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("lrAt(step %d) = %v, want %v", c.step, got, c.want)
		}
	}
}
