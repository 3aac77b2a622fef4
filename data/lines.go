package data

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"strings"
)

// maxLineBytes bounds one line read by ReadLines.
const maxLineBytes = 1 << 24

// ReadLines returns the non-blank lines of the text file at path, each with
// its leading and trailing white space removed, as a line-per-document
// corpus (WikiText, Tiny Shakespeare) is read for language modelling. A
// file that starts with the gzip magic bytes (1f 8b) is decompressed
// first, whatever its name. A line longer than 16 MiB is an error.
func ReadLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	sc := bufio.NewScanner(br)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		sc = bufio.NewScanner(zr)
	}
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	var lines []string
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return lines, nil
}
