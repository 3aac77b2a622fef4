package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
)

// A short run of two models prints the table's JSON as its last line.
func TestRunJSON(t *testing.T) {
	if _, err := os.Stat(filepath.Join(data.Dir(), "cora", "labels.txt")); err != nil {
		t.Skipf("Cora not found (set CAIRN_DATA): %v", err)
	}
	var out bytes.Buffer
	if err := run([]string{"-models", "MLP,APPNP", "-runs", "1", "-epochs", "30", "-json"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var v any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &v); err != nil {
		t.Fatalf("last line %q is not JSON: %v", lines[len(lines)-1], err)
	}
	if !strings.Contains(lines[len(lines)-1], "APPNP") {
		t.Errorf("last line %q lacks the APPNP row", lines[len(lines)-1])
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-models", "ResNet"}, {"-runs", "0"}, {"-dataset", t.TempDir()}} {
		if err := run(args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
