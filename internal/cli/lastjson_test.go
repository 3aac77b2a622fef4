package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLastJSON(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var v struct{ A int }
	if err := LastJSON(write("ok", "table\n  1 2\n{\"A\": 7}\n\n"), &v); err != nil || v.A != 7 {
		t.Errorf("got %+v, %v: want A 7", v, err)
	}
	if err := LastJSON(write("empty", "\n \n"), &v); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty file: %v", err)
	}
	if err := LastJSON(write("bad", "{\"A\": 1}\n{\"A\": \n"), &v); err == nil || !strings.Contains(err.Error(), "last line (2)") {
		t.Errorf("truncated last line: %v", err)
	}
	if err := LastJSON(filepath.Join(dir, "missing"), &v); err == nil {
		t.Error("missing file: no error")
	}
}

func TestSettingsDiff(t *testing.T) {
	type model struct{ Width, Depth int }
	then := map[string]any{"lr": 0.001, "steps": float64(500), "model": map[string]any{"Width": float64(128), "Depth": float64(2)}, "old": "x"}
	now := map[string]any{"lr": 1e-3, "steps": 500, "model": model{128, 2}, "old": "x"}
	if d := SettingsDiff(then, now); len(d) != 0 {
		t.Errorf("equal settings (one side decoded from JSON): %q", d)
	}
	now["steps"], now["model"], now["new"] = 600, model{128, 3}, true
	delete(now, "old")
	want := []string{`model {"Depth":2,"Width":128}, now {"Depth":3,"Width":128}`, `new null, now true`, `old "x", now null`, `steps 500, now 600`}
	if d := SettingsDiff(then, now); !slices.Equal(d, want) {
		t.Errorf("differences %q, want %q", d, want)
	}
}

func TestResume(t *testing.T) {
	type res struct{ Steps, Runs int }
	settings := func(r *res) map[string]any { return map[string]any{"steps": r.Steps} }
	if prev, err := Resume("", &res{}, settings); prev != nil || err != nil {
		t.Errorf("no path: %v, %v", prev, err)
	}
	p := filepath.Join(t.TempDir(), "out.txt")
	if err := os.WriteFile(p, []byte("report\n{\"Steps\": 5, \"Runs\": 3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	q := filepath.Join(filepath.Dir(p), "out2.txt")
	if err := os.WriteFile(q, []byte("{\"Steps\": 5, \"Runs\": 4}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if prev, err := Resume(p+","+q, &res{Steps: 5}, settings); err != nil || len(prev) != 2 || prev[0].Runs != 3 || prev[1].Runs != 4 {
		t.Errorf("same settings: %+v, %v", prev, err)
	}
	if _, err := Resume(p, &res{Steps: 6}, settings); err == nil || !strings.Contains(err.Error(), "steps 5, now 6") {
		t.Errorf("other settings: %v", err)
	}
}
