package cli

import (
	"os"
	"path/filepath"
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
