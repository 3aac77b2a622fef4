package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// torchParams is the number of parameters of each workload's model in
// torch_bench.py (sum of numel over parameters()).
var torchParams = map[string]int{
	"mlp_784_256_256_10_adam_b128":               269322,
	"cnn_tfmnist_adam_b64":                       3274634,
	"cnn_modelA_adam_b64":                        3382346,
	"lstm_i64_h128_t32_b32_adam":                 99328,
	"transformer_enc_d128_h4_ff512_t64_b16_adam": 198272,
	"appnp_lin1433x64_k10_fwd":                   91776,
	"appnp_lin1433x64_k10_fwdbwd":                91776,
	"gcn2_cora_h16_epoch_adam":                   23063,
	"gcn2_cora_h16_epoch_adam_noinputdrop":       23063,
	"ner_cnn_cnn_lstm_b32_t32_adam":              2396333,
}

// Every workload builds and runs one step, its checksum is finite, and its
// model has as many parameters as PyTorch's.
func TestWorkloadsRunOneStep(t *testing.T) {
	for _, w := range workloads {
		t.Run(w.name, func(t *testing.T) {
			in := w.make()
			if in.params != torchParams[w.name] {
				t.Errorf("%d parameters, PyTorch's model has %d", in.params, torchParams[w.name])
			}
			in.step()
			if c := in.check(); math.IsNaN(c) || math.IsInf(c, 0) {
				t.Errorf("checksum %v after one step", c)
			}
			if in.flops <= 0 {
				t.Errorf("flops per iteration %v", in.flops)
			}
		})
	}
}

// The names are torch_bench.py's, unique, and -list prints them.
func TestList(t *testing.T) {
	var out, errs bytes.Buffer
	if err := run([]string{"-list"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	names := strings.Fields(out.String())
	if len(names) != len(workloads) {
		t.Fatalf("-list printed %d names, want %d", len(names), len(workloads))
	}
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(names) {
		t.Errorf("duplicate workload names in %v", names)
	}
}

// The Cora-like graph has Cora's size, nnz 2·5278 + 2708, and symmetric
// values with a positive diagonal (Â = D^-1/2 (A+I) D^-1/2).
func TestCoraLikeGraph(t *testing.T) {
	a := cora()
	if a.Rows() != 2708 || a.Cols() != 2708 || a.NNZ() != 13264 {
		t.Fatalf("%d×%d with %d entries, want 2708×2708 with 13264", a.Rows(), a.Cols(), a.NNZ())
	}
	at := a.Transpose()
	if !slices.Equal(at.RowPtr(), a.RowPtr()) || !slices.Equal(at.ColIdx(), a.ColIdx()) || !slices.Equal(at.Values(), a.Values()) {
		t.Error("Â is not symmetric")
	}
	for i := range a.Rows() {
		lo, hi := a.RowPtr()[i], a.RowPtr()[i+1]
		k, ok := slices.BinarySearch(a.ColIdx()[lo:hi], i)
		deg := float64(hi - lo)
		if !ok || math.Abs(float64(a.Values()[lo+k])-1/deg) > 1e-6 {
			t.Fatalf("row %d: diagonal entry missing or not 1/deg = %v", i, 1/deg)
		}
	}
}

// A quick run prints JSON only on stdout, with torch_bench.py's fields.
func TestRunJSON(t *testing.T) {
	var out, errs bytes.Buffer
	args := []string{"-only", "spmm", "-threads", "1,2", "-min-samples", "2", "-min-seconds", "0",
		"-max-seconds", "0", "-max-wait", "0"}
	if err := run(args, &out, &errs); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&out)
	var recs []map[string]any
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("stdout line %q is not JSON: %v", sc.Text(), err)
		}
		recs = append(recs, rec)
	}
	if len(recs) != 3 || recs[0]["name"] != "_env" {
		t.Fatalf("got %d records (first %v), want _env and 2 workload lines", len(recs), recs[0]["name"])
	}
	for i, rec := range recs[1:] {
		for _, f := range []string{"name", "threads", "framework", "samples", "min_s", "median_s", "max_s",
			"inner", "flops_per_iter", "gflops_median", "throughput_median", "throughput_unit", "checksum", "nnz"} {
			if _, ok := rec[f]; !ok {
				t.Errorf("record %d has no %q: %v", i, f, rec)
			}
		}
		if rec["threads"].(float64) != float64(i+1) || rec["framework"] != "cairn" {
			t.Errorf("record %d: threads %v framework %v", i, rec["threads"], rec["framework"])
		}
	}
	// The checksum does not depend on the thread count.
	if recs[1]["checksum"] != recs[2]["checksum"] {
		t.Errorf("checksum %v at 1 thread, %v at 2", recs[1]["checksum"], recs[2]["checksum"])
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-threads", "0"}, {"-threads", "a"}, {"extra"}, {"-min-samples", "0"}} {
		var out, errs bytes.Buffer
		if err := run(args, &out, &errs); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
