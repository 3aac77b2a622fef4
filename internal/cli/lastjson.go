package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// LastJSON decodes the last non-empty line of the file at path into v: the
// one JSON object an example program prints with -json, as its -resume
// flag reads it back. Lines before it (the text report) are ignored.
func LastJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := bytes.Split(bytes.TrimRight(b, " \t\r\n"), []byte("\n"))
	last := bytes.TrimSpace(lines[len(lines)-1])
	if len(last) == 0 {
		return fmt.Errorf("%s: empty, want a JSON object on its last line", path)
	}
	if err := json.Unmarshal(last, v); err != nil {
		return fmt.Errorf("%s: last line (%d): %w", path, len(lines), err)
	}
	return nil
}
