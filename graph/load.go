package graph

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/tensor"
)

// Dataset is a node-classification data set in the Planetoid layout: a
// graph, node features, labels and the standard train/validation/test
// split.
type Dataset struct {
	// Name is the base name of the directory it was read from ("cora").
	Name string
	// Graph is the undirected graph, self loops dropped.
	Graph *Graph
	// Features is the n×f feature matrix, dense, as stored in the file
	// (not binarised or row-normalised).
	Features *tensor.Tensor
	// HasFeature is nil if every node has a feature row; otherwise it says
	// which nodes do (the others are zero rows).
	HasFeature []bool
	// Labels holds each node's class in 0..NumClasses-1, or -1 where
	// unknown.
	Labels []int
	// NumClasses is the number of classes.
	NumClasses int
	// Train, Val and Test are the node ids of the standard split, in file
	// order.
	Train, Val, Test []int
}

// DataDir returns the directory holding cairn's shared data sets: the
// CAIRN_DATA environment variable if it is set, otherwise ../shared/data
// relative to the root of the module containing the working directory
// (found by walking up to go.mod), or "../shared/data" if no go.mod is
// found.
func DataDir() string {
	if d := os.Getenv("CAIRN_DATA"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err == nil {
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

// LoadCora loads the plain-text Planetoid Cora from DataDir()/cora; see
// [LoadPlanetoidText].
func LoadCora() (*Dataset, error) {
	return LoadPlanetoidText(filepath.Join(DataDir(), "cora"))
}

// LoadPlanetoidText reads a data set in the plain-text Planetoid form of
// cairn's shared/data (see its SOURCE.md): labels.txt ("id<TAB>class" for
// every node, -1 for unknown; it fixes the number of nodes), edges.txt.gz
// ("u<TAB>v" undirected pairs), features.txt.gz or, failing that,
// features_partial.txt.gz ("id<TAB>feat:value ..."; with the partial file,
// nodes not listed get zero rows and HasFeature says which are real), and
// train.idx, val.idx, test.idx (one node id per line). meta.txt, if
// present, supplies num_features and is checked against num_nodes. The
// graph is built with [DropSelfLoops]. Missing or malformed files return
// errors that name the file and line.
func LoadPlanetoidText(dir string) (*Dataset, error) {
	ds := &Dataset{Name: filepath.Base(dir)}
	meta, err := readMeta(filepath.Join(dir, "meta.txt"))
	if err != nil {
		return nil, err
	}
	// labels
	n := 0
	var labels []int
	err = eachLine(filepath.Join(dir, "labels.txt"), func(ln int, line string) error {
		f := strings.Split(line, "\t")
		if len(f) != 2 {
			return fmt.Errorf("want \"id<TAB>class\", got %q", line)
		}
		id, err1 := strconv.Atoi(f[0])
		c, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil || c < -1 {
			return fmt.Errorf("bad node id or class in %q", line)
		}
		if id != len(labels) {
			return fmt.Errorf("node id %d out of order (want %d)", id, len(labels))
		}
		labels = append(labels, c)
		ds.NumClasses = max(ds.NumClasses, c+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	n = len(labels)
	if v, ok := meta["num_nodes"]; ok && v != strconv.Itoa(n) {
		return nil, fmt.Errorf("graph: %s: meta.txt says num_nodes %s but labels.txt has %d nodes", dir, v, n)
	}
	if v, ok := meta["num_classes"]; ok {
		c, err := strconv.Atoi(v)
		if err != nil || c < ds.NumClasses {
			return nil, fmt.Errorf("graph: %s: meta.txt num_classes %q is not an integer >= %d", dir, v, ds.NumClasses)
		}
		ds.NumClasses = c
	}
	ds.Labels = labels
	// edges
	var edges [][2]int
	err = eachLine(filepath.Join(dir, "edges.txt.gz"), func(ln int, line string) error {
		f := strings.Split(line, "\t")
		if len(f) != 2 {
			return fmt.Errorf("want \"u<TAB>v\", got %q", line)
		}
		u, err1 := strconv.Atoi(f[0])
		v, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("bad node ids in %q", line)
		}
		if u < 0 || u >= n || v < 0 || v >= n {
			return fmt.Errorf("edge (%d, %d): node id out of range [0, %d)", u, v, n)
		}
		edges = append(edges, [2]int{u, v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if ds.Graph, err = New(n, edges, DropSelfLoops); err != nil {
		return nil, err
	}
	// features
	nf := -1
	if v, ok := meta["num_features"]; ok {
		if nf, err = strconv.Atoi(v); err != nil || nf < 0 {
			return nil, fmt.Errorf("graph: %s: meta.txt num_features %q is not a count", dir, v)
		}
	}
	fpath := filepath.Join(dir, "features.txt.gz")
	partial := false
	if _, err := os.Stat(fpath); errors.Is(err, os.ErrNotExist) {
		p := filepath.Join(dir, "features_partial.txt.gz")
		if _, err2 := os.Stat(p); err2 == nil {
			fpath, partial = p, true
		}
	}
	type entry struct {
		row, col int
		v        float32
	}
	var entries []entry
	has := make([]bool, n)
	maxCol := -1
	err = eachLine(fpath, func(ln int, line string) error {
		id, rest, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("want \"id<TAB>feat:value ...\", got %q", line)
		}
		row, err := strconv.Atoi(id)
		if err != nil || row < 0 || row >= n {
			return fmt.Errorf("bad node id %q (want 0..%d)", id, n-1)
		}
		if has[row] {
			return fmt.Errorf("node %d listed twice", row)
		}
		has[row] = true
		for _, tok := range strings.Fields(rest) {
			c, v, ok := strings.Cut(tok, ":")
			col, err1 := strconv.Atoi(c)
			val, err2 := strconv.ParseFloat(v, 32)
			if !ok || err1 != nil || err2 != nil || col < 0 || (nf >= 0 && col >= nf) {
				return fmt.Errorf("bad feature entry %q", tok)
			}
			maxCol = max(maxCol, col)
			entries = append(entries, entry{row, col, float32(val)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if nf < 0 {
		nf = maxCol + 1
	}
	if partial {
		ds.HasFeature = has
	} else {
		for i, h := range has {
			if !h {
				return nil, fmt.Errorf("graph: %s: node %d has no line", fpath, i)
			}
		}
	}
	x := make([]float32, n*nf)
	for _, e := range entries {
		x[e.row*nf+e.col] = e.v
	}
	ds.Features = tensor.New(x, n, nf)
	// splits
	for _, s := range []struct {
		name string
		dst  *[]int
	}{{"train.idx", &ds.Train}, {"val.idx", &ds.Val}, {"test.idx", &ds.Test}} {
		err := eachLine(filepath.Join(dir, s.name), func(ln int, line string) error {
			id, err := strconv.Atoi(line)
			if err != nil || id < 0 || id >= n {
				return fmt.Errorf("bad node id %q (want 0..%d)", line, n-1)
			}
			*s.dst = append(*s.dst, id)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return ds, nil
}

// readMeta reads "key<TAB>value" lines; a missing file gives an empty map.
func readMeta(path string) (map[string]string, error) {
	m := map[string]string{}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	err := eachLine(path, func(ln int, line string) error {
		k, v, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("want \"key<TAB>value\", got %q", line)
		}
		m[k] = v
		return nil
	})
	return m, err
}

// eachLine calls f on every non-empty line of the file (gunzipped if the
// name ends in .gz), wrapping f's errors with the path and line number.
func eachLine(path string, f func(ln int, line string) error) error {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("graph: %w", err)
	}
	defer file.Close()
	var r io.Reader = file
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(file)
		if err != nil {
			return fmt.Errorf("graph: %s: not a readable gzip file: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<26)
	ln := 0
	for sc.Scan() {
		ln++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := f(ln, line); err != nil {
			return fmt.Errorf("graph: %s:%d: %w", path, ln, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("graph: %s: %w", path, err)
	}
	return nil
}
