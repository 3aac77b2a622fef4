package data

import (
	"os"
	"path/filepath"
)

// Dir returns the directory holding cairn's shared data sets (Cora,
// Pubmed, WNUT-17, ...): the CAIRN_DATA environment variable if it is set,
// otherwise ../shared/data beside the root of the module that contains the
// working directory (found by walking up to go.mod), or "../shared/data"
// if there is no go.mod above it. Tests, which run in their package's
// directory, and programs run from the repository both find the data this
// way.
func Dir() string {
	if d := os.Getenv("CAIRN_DATA"); d != "" {
		return d
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return filepath.Join(dir, "..", "shared", "data")
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return filepath.Join("..", "shared", "data")
}
