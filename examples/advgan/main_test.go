package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
)

// TestRunSmall runs the whole pipeline on a few hundred images: every step
// runs, the table and the JSON line come out, the weights and the grid are
// written, and a second run reuses the saved targets.
func TestRunSmall(t *testing.T) {
	if _, err := data.MNISTDir(); err != nil {
		t.Skip("MNIST not found:", err)
	}
	dir := t.TempDir()
	cfg := config{
		targets: []string{"C"}, targetEpochs: 1, epochs: 1, rounds: 2, defences: []string{"fgsm"},
		defEpochs: 1, pgdSteps: 2, targeted: "C", targetedStep: 1, evalN: 60, iterN: 10, cwN: 2, limit: 256,
		eps: 0.3, seed: 1, plain: true, dir: filepath.Join(dir, "w"), grid: filepath.Join(dir, "grid.png"), json: true,
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res results
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out.String())
	}
	// C plain and FGSM-trained (PGD training is tested in package attack);
	// attacks: 5 per model + black-box on the plain one.
	if len(res.Models) != 2 || len(res.Attacks) != 2*5+1 || len(res.Targeted) != 10 {
		t.Errorf("got %d models, %d attack rows, %d targeted rows; want 2, 11, 10", len(res.Models), len(res.Attacks), len(res.Targeted))
	}
	for _, a := range res.Attacks {
		if a.Attack != "C&W L2" && a.MaxLinf > 0.3+1e-6 {
			t.Errorf("%s on %s/%s: L∞ %v above ε", a.Attack, a.Model, a.Defence, a.MaxLinf)
		}
		if a.SuccessRate < 0 || a.SuccessRate > 1 {
			t.Errorf("%s: success rate %v", a.Attack, a.SuccessRate)
		}
	}
	f, err := os.Open(cfg.grid)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("grid: %v", err)
	}
	// Rows: clean, AdvGAN, noise, FGSM, PGD, C&W, black-box.
	if h := img.Bounds().Dy(); h != 7*(28*gridScale+gridPad+gridCaption)+gridPad {
		t.Errorf("grid height %d, want 7 rows", h)
	}
	for _, name := range []string{"modelC.safetensors", "modelC-fgsm.safetensors", "advgan-C-none.safetensors"} {
		if _, err := os.Stat(filepath.Join(cfg.dir, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}

	// A second run loads the targets instead of training them.
	cfg.defences, cfg.rounds, cfg.targeted, cfg.json = nil, 0, "", true
	out.Reset()
	if err := run(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	lines = strings.Split(strings.TrimSpace(out.String()), "\n")
	res = results{}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Models) != 1 || !res.Models[0].Loaded {
		t.Errorf("second run: models %+v, want model C loaded from disk", res.Models)
	}
}

func TestBadFlags(t *testing.T) {
	for _, cfg := range []config{
		{targets: []string{"D"}, targetEpochs: 1, epochs: 1, defEpochs: 1, pgdSteps: 1, targetedStep: 1, evalN: 1, eps: 0.3},
		{targets: []string{"A"}, targetEpochs: 1, epochs: 1, defEpochs: 1, pgdSteps: 1, targetedStep: 1, evalN: 1, eps: 1.5},
		{targets: []string{"A"}, targetEpochs: 1, epochs: 1, defEpochs: 1, pgdSteps: 1, targetedStep: 1, evalN: 1, eps: 0.3, defences: []string{"ensemble"}},
		{targets: []string{"A"}, targetEpochs: 0, epochs: 1, defEpochs: 1, pgdSteps: 1, targetedStep: 1, evalN: 1, eps: 0.3},
	} {
		if err := run(context.Background(), cfg, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("config %+v: no error", cfg)
		}
	}
}
