// Command gnn reproduces the Cora rows of Table 3 of Zhu et al.,
// "Interpreting and Unifying Graph Neural Networks with An Optimization
// Framework" (WWW 2021): each model is trained -runs times with seeds
// 0..runs-1 by the paper's recipe (graph.DefaultConfig, graph.Train) and
// its test accuracy reported as mean ± 95% bootstrap interval beside the
// paper's number.
//
//	go run ./examples/gnn [-dataset DIR] [-models GCN,APPNP,...] [-runs 10] [-json]
//
// With -depth FILE.png it runs the depth study of the paper's Fig. 1
// instead: test accuracy of GNN-LF/HF (iterative), APPNP and GCN as the
// number of propagation steps (GCN: layers) goes 2, 4, ..., 64, plotted
// to FILE.png.
//
// Progress goes to stderr; the table to stdout; with -json the last line
// of stdout is one JSON object with every model's results.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/graph"
)

// paper holds Table 3's Cora column (accuracy %, mean and 95% CI half-width).
var paper = map[string][2]float64{
	graph.ModelMLP:      {57.79, 0},
	graph.ModelGCN:      {82.41, 0.25},
	graph.ModelSGC:      {81.90, 0.23},
	graph.ModelPPNP:     {83.34, 0.20},
	graph.ModelAPPNP:    {83.32, 0.42},
	graph.ModelJKNet:    {81.19, 0.49},
	graph.ModelLFClosed: {83.70, 0.14},
	graph.ModelLFIter:   {83.53, 0.24},
	graph.ModelHFClosed: {83.96, 0.22},
	graph.ModelHFIter:   {83.79, 0.29},
}

type row struct {
	Model   string       `json:"model"`
	Paper   float64      `json:"paper"`
	PaperCI float64      `json:"paper_ci"`
	Mean    float64      `json:"mean"`
	CI      float64      `json:"ci"`
	Lo      float64      `json:"ci_lo"`
	Hi      float64      `json:"ci_hi"`
	Runs    int          `json:"runs"`
	Accs    []float64    `json:"test_accs"`
	Epochs  float64      `json:"mean_epochs"`
	Seconds float64      `json:"seconds"`
	Config  graph.Config `json:"config"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gnn:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gnn", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dataset", filepath.Join(data.Dir(), "cora"), "Planetoid data directory (original ind.* files or the plain-text form)")
	models := fs.String("models", strings.Join(graph.ModelNames, ","), "comma-separated models")
	runs := fs.Int("runs", 10, "training runs (seeds 0..runs-1) per model")
	asJSON := fs.Bool("json", false, "print one JSON object as the last line")
	seed0 := fs.Int("seed", 0, "first seed")
	l2 := fs.Float64("l2", -1, "override L2 on the first layer (negative: the model's default)")
	hidden := fs.Int("hidden", 0, "override the hidden width (0: default)")
	lr := fs.Float64("lr", 0, "override the learning rate (0: default)")
	k := fs.Int("k", 0, "override K, propagation steps or layers (0: default)")
	depth := fs.String("depth", "", "run the depth study instead (K = 2..64 for LF/HF-iter, APPNP, GCN) and write its plot to this PNG file")
	maxEpochs := fs.Int("epochs", 0, "override the maximum number of epochs (0: default 10,000)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *runs < 1 {
		return fmt.Errorf("-runs must be ≥ 1, got %d", *runs)
	}
	ds, err := graph.LoadPlanetoid(*dir)
	if err != nil {
		return err
	}
	in, err := graph.Prepare(ds)
	if err != nil {
		return err
	}
	if *depth != "" {
		pts, err := depthStudy(in, *seed0, *runs, *maxEpochs, *depth, stdout, stderr)
		if err != nil {
			return err
		}
		if *asJSON {
			b, err := json.Marshal(map[string]any{"dataset": ds.Name, "runs": *runs, "depth": pts})
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, string(b))
		}
		return nil
	}
	var rows []row
	for _, name := range strings.Split(*models, ",") {
		name = strings.TrimSpace(name)
		c, err := graph.DefaultConfig(name)
		if err != nil {
			return err
		}
		if *l2 >= 0 {
			c.L2 = *l2
		}
		if *hidden > 0 {
			c.Hidden = *hidden
		}
		if *lr > 0 {
			c.LR = *lr
		}
		if *k > 0 {
			c.K = *k
		}
		if *maxEpochs > 0 {
			c.MaxEpochs = *maxEpochs
		}
		r, err := runModel(c, in, *seed0, *runs, stderr)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	fmt.Fprintf(stdout, "%-14s %14s %16s %5s %9s\n", "model", "paper", "ours", "runs", "seconds")
	for _, r := range rows {
		p := fmt.Sprintf("%.2f ± %.2f", r.Paper, r.PaperCI)
		if r.PaperCI == 0 { // the spec lists no interval (MLP)
			p = fmt.Sprintf("%.2f", r.Paper)
		}
		fmt.Fprintf(stdout, "%-14s %14s %16s %5d %9.1f\n", r.Model, p, fmt.Sprintf("%.2f ± %.2f", r.Mean, r.CI), r.Runs, r.Seconds)
	}
	if *asJSON {
		b, err := json.Marshal(map[string]any{"dataset": ds.Name, "runs": *runs, "results": rows})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

func runModel(c graph.Config, in *graph.Inputs, seed0, runs int, stderr io.Writer) (row, error) {
	start := time.Now()
	r := row{Model: c.Model, Paper: paper[c.Model][0], PaperCI: paper[c.Model][1], Runs: runs, Config: c}
	for seed := seed0; seed < seed0+runs; seed++ {
		t0 := time.Now()
		res, _, err := graph.Train(rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)), c, in, nil)
		if err != nil {
			return row{}, fmt.Errorf("%s seed %d: %w", c.Model, seed, err)
		}
		r.Accs = append(r.Accs, 100*res.TestAcc)
		r.Epochs += float64(res.Epochs) / float64(runs)
		fmt.Fprintf(stderr, "%s seed %d: test %.2f%% val %.2f%% train %.2f%% (best epoch %d of %d, %.1fs)\n",
			c.Model, seed, 100*res.TestAcc, 100*res.ValAcc, 100*res.TrainAcc, res.BestEpoch, res.Epochs,
			time.Since(t0).Seconds())
	}
	ci := graph.BootstrapCI(rand.New(rand.NewPCG(1, 2)), r.Accs, 1000, 0.95)
	r.Mean, r.CI, r.Lo, r.Hi = ci.Mean, ci.HalfWidth, ci.Lo, ci.Hi
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}
