package data

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/tensor"
)

// Planetoid is a node-classification data set in the layout of the
// Planetoid benchmarks (Cora, Citeseer, Pubmed; Yang et al. 2016) with
// the standard public split, as PyTorch Geometric's
// torch_geometric.datasets.Planetoid(split="public") and Kipf & Welling's
// gcn/utils.py load_data give it: node i here is node i there.
type Planetoid struct {
	// Name is the data set's name ("cora").
	Name string
	// Features is the n×f float32 feature matrix, dense, exactly as stored
	// (not binarised or row-normalised). Rows of nodes without features
	// are zero.
	Features *tensor.Tensor
	// HasFeature is nil when every node has a feature row; otherwise it
	// says which rows are real (the plain-text Pubmed has only 1060).
	HasFeature []bool
	// Labels holds each node's class in 0..NumClasses-1 (the argmax of its
	// one-hot row), or -1 where the row is all zero (no label).
	Labels []int
	// NumClasses is the number of classes.
	NumClasses int
	// Edges are the undirected edges, each once as {u, v} with u < v,
	// sorted, without self loops: the union of the graph's adjacency
	// lists. Add both directions (and self loops) when building an
	// adjacency matrix.
	Edges [][2]int
	// SelfLoops lists, sorted, the nodes whose adjacency list contains
	// the node itself (Citeseer has 124). Kipf's and the GNN-LF/HF code
	// keep them; the plain-text form has dropped them, so it is nil there.
	SelfLoops []int
	// Train, Val and Test are the node ids of the standard split, sorted:
	// train = 0..len(y)-1 (20 per class), val = the next 500 ids, test =
	// the ids in test.index.
	Train, Val, Test []int
}

// NumNodes returns the number of nodes, the number of feature rows.
func (p *Planetoid) NumNodes() int { return len(p.Labels) }

// MaxPlanetoidElements bounds the dense feature matrix a Planetoid loader
// allocates: 2^28 float32 values (1 GiB). A file announcing a larger
// matrix is an error.
const MaxPlanetoidElements = 1 << 28

// planetoidVal is the number of validation nodes of the standard split.
const planetoidVal = 500

// LoadPlanetoid reads the original Planetoid files ind.<name>.x, .y, .tx,
// .ty, .allx, .ally, .graph (Python pickles, read by [ReadPickleFile]) and
// ind.<name>.test.index (one node id per line) from dir, exactly as Kipf &
// Welling's load_data and PyG's read_planetoid_data do:
//
//   - features = vstack(allx, tx), labels = vstack(ally, ty), then row
//     test.index[i] gets row i of tx/ty (rows are moved so that
//     features[test_idx_reorder] = features[sorted(test_idx_reorder)]);
//   - when the test ids span more ids than tx has rows (Citeseer's
//     isolated test nodes), tx and ty are padded with zero rows to the
//     full span first, as Kipf's code does for citeseer; the padded nodes
//     have zero features and label -1 (Kipf's argmax would say 0);
//   - train = 0..len(y)-1, val = len(y)..len(y)+499 (fewer if allx has
//     fewer rows, for tiny data sets), test = sorted test.index; labels are the argmax of the one-hot rows, -1 for an all
//     zero row;
//   - edges come from the graph dict (see [Planetoid.Edges]).
//
// x/tx/allx may be scipy CSR matrices or 2-D numpy arrays, y/ty/ally 2-D
// numpy arrays. A missing or malformed file, or files that disagree (row
// counts, column counts, ids out of range) give an error naming the file.
func LoadPlanetoid(dir, name string) (*Planetoid, error) {
	path := func(ext string) string { return filepath.Join(dir, "ind."+name+"."+ext) }
	mats := map[string]*denseMat{}
	for _, ext := range []string{"x", "y", "tx", "ty", "allx", "ally"} {
		v, err := ReadPickleFile(path(ext))
		if err != nil {
			return nil, err
		}
		m, err := toDense(v)
		if err != nil {
			return nil, fmt.Errorf("data: %s: %w", path(ext), err)
		}
		mats[ext] = m
	}
	x, y, tx, ty, allx, ally := mats["x"], mats["y"], mats["tx"], mats["ty"], mats["allx"], mats["ally"]
	// Shapes must agree.
	nf, nc := allx.cols, ally.cols
	for _, c := range []struct {
		ext  string
		m    *denseMat
		cols int
	}{{"x", x, nf}, {"tx", tx, nf}, {"y", y, nc}, {"ty", ty, nc}} {
		if c.m.cols != c.cols {
			return nil, fmt.Errorf("data: %s: %d columns, but ind.%s.%s has %d", path(c.ext), c.m.cols, name, map[bool]string{true: "allx", false: "ally"}[c.ext == "x" || c.ext == "tx"], c.cols)
		}
	}
	if x.rows != y.rows {
		return nil, fmt.Errorf("data: %s: %d rows, but %s has %d", path("y"), y.rows, path("x"), x.rows)
	}
	if tx.rows != ty.rows {
		return nil, fmt.Errorf("data: %s: %d rows, but %s has %d", path("ty"), ty.rows, path("tx"), tx.rows)
	}
	if allx.rows != ally.rows {
		return nil, fmt.Errorf("data: %s: %d rows, but %s has %d", path("ally"), ally.rows, path("allx"), allx.rows)
	}

	// The test index, in file order.
	tpath := path("test.index")
	var reorder []int
	err := eachPlanetoidLine(tpath, func(line string) error {
		id, err := strconv.Atoi(line)
		if err != nil || id < 0 || id > math.MaxInt32 {
			return fmt.Errorf("bad node id %q", line)
		}
		reorder = append(reorder, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(reorder) != tx.rows {
		return nil, fmt.Errorf("data: %s: %d ids, but %s has %d rows", tpath, len(reorder), path("tx"), tx.rows)
	}
	sorted := slices.Clone(reorder)
	slices.Sort(sorted)
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return nil, fmt.Errorf("data: %s: node id %d listed twice", tpath, sorted[i])
		}
	}
	// Kipf's citeseer fix: pad tx/ty to the full span of test ids.
	ntest := tx.rows // rows of the (padded) tx
	txRow := make([]int, tx.rows)
	for i := range txRow {
		txRow[i] = i
	}
	if len(sorted) > 0 {
		lo, hi := sorted[0], sorted[len(sorted)-1]
		if span := hi - lo + 1; span > tx.rows {
			if lo < allx.rows {
				return nil, fmt.Errorf("data: %s: test ids %d..%d overlap the %d rows of %s", tpath, lo, hi, allx.rows, path("allx"))
			}
			ntest = span
			// tx_extended[sorted[i]-lo] = tx[i]
			for i := range txRow {
				txRow[i] = sorted[i] - lo
			}
		}
	}
	n := allx.rows + ntest
	if uint64(n)*uint64(max(nf, 1)) > MaxPlanetoidElements {
		return nil, fmt.Errorf("data: %s: %d×%d features exceed the limit of %d elements", path("allx"), n, nf, MaxPlanetoidElements)
	}
	// src[r] = the stacked row that ends at row r: -1 for padding, allx
	// rows 0..len(allx)-1, tx rows len(allx)+i.
	src := make([]int, n)
	for r := range src {
		src[r] = -1
		if r < allx.rows {
			src[r] = r
		}
	}
	for i, r := range txRow {
		src[allx.rows+r] = allx.rows + i
	}
	// features[reorder] = features[sorted]: gather first, then scatter.
	for _, id := range sorted {
		if id >= n {
			return nil, fmt.Errorf("data: %s: node id %d out of range: there are %d nodes", tpath, id, n)
		}
	}
	moved := make([]int, len(sorted))
	for i, id := range sorted {
		moved[i] = src[id]
	}
	for i, id := range reorder {
		src[id] = moved[i]
	}
	row := func(s int) (xm, ym *denseMat, r int) {
		if s < allx.rows {
			return allx, ally, s
		}
		return tx, ty, s - allx.rows
	}
	feat := make([]float32, n*nf)
	labels := make([]int, n)
	lrow := make([]float32, nc)
	for r, s := range src {
		if s < 0 {
			labels[r] = -1
			continue
		}
		xm, ym, i := row(s)
		xm.row(i, feat[r*nf:(r+1)*nf])
		clear(lrow)
		ym.row(i, lrow)
		labels[r] = argmaxRow(lrow)
	}
	p := &Planetoid{Name: name, Features: tensor.New(feat, n, nf), Labels: labels, NumClasses: nc, Test: sorted}
	if y.rows > allx.rows {
		return nil, fmt.Errorf("data: %s: %d training rows, more than the %d rows of %s", path("y"), y.rows, allx.rows, path("allx"))
	}
	p.Train = make([]int, y.rows)
	for i := range p.Train {
		p.Train[i] = i
	}
	p.Val = make([]int, min(planetoidVal, allx.rows-y.rows))
	for i := range p.Val {
		p.Val[i] = y.rows + i
	}

	// The graph dict.
	gpath := path("graph")
	gv, err := ReadPickleFile(gpath)
	if err != nil {
		return nil, err
	}
	g, ok := gv.(*PickleDict)
	if !ok {
		return nil, fmt.Errorf("data: %s: a %s, want a dict of adjacency lists", gpath, pyTypeName(gv))
	}
	seen := map[[2]int]bool{}
	loops := map[int]bool{}
	nodeID := func(v any) (int, error) {
		i, ok := v.(int64)
		if !ok || i < 0 || i >= int64(n) {
			return 0, fmt.Errorf("node %v is not an id in 0..%d", v, n-1)
		}
		return int(i), nil
	}
	for k, key := range g.Keys {
		u, err := nodeID(key)
		if err != nil {
			return nil, fmt.Errorf("data: %s: %w", gpath, err)
		}
		var nbrs []any
		switch l := g.Values[k].(type) {
		case *PickleList:
			nbrs = l.Items
		case PickleTuple:
			nbrs = l
		default:
			return nil, fmt.Errorf("data: %s: node %d: neighbours are a %s, want a list", gpath, u, pyTypeName(l))
		}
		for _, nb := range nbrs {
			v, err := nodeID(nb)
			if err != nil {
				return nil, fmt.Errorf("data: %s: neighbour of node %d: %w", gpath, u, err)
			}
			switch {
			case u == v:
				loops[u] = true
			case u < v:
				seen[[2]int{u, v}] = true
			default:
				seen[[2]int{v, u}] = true
			}
		}
	}
	p.Edges = make([][2]int, 0, len(seen))
	for e := range seen {
		p.Edges = append(p.Edges, e)
	}
	sortEdges(p.Edges)
	for u := range loops {
		p.SelfLoops = append(p.SelfLoops, u)
	}
	slices.Sort(p.SelfLoops)
	return p, nil
}

func sortEdges(e [][2]int) {
	slices.SortFunc(e, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
}

// argmaxRow returns the index of the first largest value, or -1 if the
// row is all zero.
func argmaxRow(r []float32) int {
	best, zero := 0, true
	for j, v := range r {
		zero = zero && v == 0
		if v > r[best] { // numpy's argmax: the first maximum
			best = j
		}
	}
	if zero {
		return -1
	}
	return best
}

// denseMat is a matrix read from a pickle: a CSR matrix (csr set) or a
// dense row-major one.
type denseMat struct {
	rows, cols int
	data       []float32
	csr        *CSRMatrix
}

// row writes row i into dst (len cols), which must be zero.
func (m *denseMat) row(i int, dst []float32) {
	if m.csr == nil {
		copy(dst, m.data[i*m.cols:(i+1)*m.cols])
		return
	}
	for k := m.csr.Indptr[i]; k < m.csr.Indptr[i+1]; k++ {
		dst[m.csr.Indices[k]] += float32(m.csr.Data[k])
	}
}

// toDense wraps a CSR matrix or converts a 2-D ndarray.
func toDense(v any) (*denseMat, error) {
	switch m := v.(type) {
	case *CSRMatrix:
		return &denseMat{rows: m.Rows, cols: m.Cols, csr: m}, nil
	case *NDArray:
		if len(m.Shape) != 2 {
			return nil, fmt.Errorf("ndarray of shape %v, want a matrix", m.Shape)
		}
		f, err := m.Float64s()
		if err != nil {
			return nil, err
		}
		d := make([]float32, len(f))
		for i, x := range f {
			d[i] = float32(x)
		}
		return &denseMat{rows: m.Shape[0], cols: m.Shape[1], data: d}, nil
	}
	return nil, fmt.Errorf("a %s, want a scipy CSR matrix or a 2-D numpy array", pyTypeName(v))
}

// LoadPlanetoidText reads a data set in the plain-text Planetoid form of
// cairn's shared/data (see its SOURCE.md) from dir:
//
//   - labels.txt: "id<TAB>class" for every node in id order, -1 for no
//     label; it fixes the number of nodes;
//   - edges.txt.gz: "u<TAB>v" undirected edges (any order; they are
//     normalised to u < v, de-duplicated and sorted, self loops dropped);
//   - features.txt.gz, or failing that features_partial.txt.gz:
//     "id<TAB>feat:value feat:value ..." with exact float32 values; with
//     the partial file the nodes not listed get zero rows and
//     [Planetoid.HasFeature] says which are real;
//   - train.idx, val.idx, test.idx: one node id per line;
//   - meta.txt (optional): "key<TAB>value"; name, num_nodes, num_features
//     and num_classes are used and checked.
//
// It returns the same [Planetoid] as [LoadPlanetoid] on the original
// files (SelfLoops is nil: the text form has dropped them). Missing or
// malformed files give errors naming the file and line.
func LoadPlanetoidText(dir string) (*Planetoid, error) {
	p := &Planetoid{Name: filepath.Base(filepath.Clean(dir))}
	meta := map[string]string{}
	mpath := filepath.Join(dir, "meta.txt")
	if _, err := os.Stat(mpath); err == nil {
		err := eachPlanetoidLine(mpath, func(line string) error {
			k, v, ok := strings.Cut(line, "\t")
			if !ok {
				return fmt.Errorf("want \"key<TAB>value\", got %.60q", line)
			}
			meta[k] = v
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if v := meta["name"]; v != "" {
		p.Name = v
	}
	metaInt := func(k string) (int, bool, error) {
		v, ok := meta[k]
		if !ok {
			return 0, false, nil
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i > math.MaxInt32 {
			return 0, false, fmt.Errorf("data: %s: %s %q is not a count", mpath, k, v)
		}
		return i, true, nil
	}
	// Labels.
	lpath := filepath.Join(dir, "labels.txt")
	err := eachPlanetoidLine(lpath, func(line string) error {
		a, b, ok := strings.Cut(line, "\t")
		id, err1 := strconv.Atoi(a)
		c, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || c < -1 || c > math.MaxInt32 {
			return fmt.Errorf("want \"id<TAB>class\", got %.60q", line)
		}
		if id != len(p.Labels) {
			return fmt.Errorf("node id %d out of order (want %d)", id, len(p.Labels))
		}
		p.Labels = append(p.Labels, c)
		p.NumClasses = max(p.NumClasses, c+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := len(p.Labels)
	if v, ok, err := metaInt("num_nodes"); err != nil {
		return nil, err
	} else if ok && v != n {
		return nil, fmt.Errorf("data: %s: num_nodes %d, but %s has %d nodes", mpath, v, lpath, n)
	}
	if v, ok, err := metaInt("num_classes"); err != nil {
		return nil, err
	} else if ok {
		if v < p.NumClasses {
			return nil, fmt.Errorf("data: %s: num_classes %d, but %s has class %d", mpath, v, lpath, p.NumClasses-1)
		}
		p.NumClasses = v
	}
	nodeID := func(s string) (int, error) {
		id, err := strconv.Atoi(s)
		if err != nil || id < 0 || id >= n {
			return 0, fmt.Errorf("bad node id %.30q (want 0..%d)", s, n-1)
		}
		return id, nil
	}
	// Edges.
	seen := map[[2]int]bool{}
	err = eachPlanetoidLine(filepath.Join(dir, "edges.txt.gz"), func(line string) error {
		a, b, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("want \"u<TAB>v\", got %.60q", line)
		}
		u, err := nodeID(a)
		if err != nil {
			return err
		}
		v, err := nodeID(b)
		if err != nil {
			return err
		}
		if u != v {
			seen[[2]int{min(u, v), max(u, v)}] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.Edges = make([][2]int, 0, len(seen))
	for e := range seen {
		p.Edges = append(p.Edges, e)
	}
	sortEdges(p.Edges)
	// Features.
	nf, haveNF, err := metaInt("num_features")
	if err != nil {
		return nil, err
	}
	fpath := filepath.Join(dir, "features.txt.gz")
	partial := false
	if _, err := os.Stat(fpath); errors.Is(err, os.ErrNotExist) {
		if pp := filepath.Join(dir, "features_partial.txt.gz"); fileExists(pp) {
			fpath, partial = pp, true
		}
	}
	type entry struct {
		row, col int
		v        float32
	}
	var entries []entry
	has := make([]bool, n)
	maxCol := -1
	err = eachPlanetoidLine(fpath, func(line string) error {
		a, rest, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("want \"id<TAB>feat:value ...\", got %.60q", line)
		}
		r, err := nodeID(a)
		if err != nil {
			return err
		}
		if has[r] {
			return fmt.Errorf("node %d listed twice", r)
		}
		has[r] = true
		for _, tok := range strings.Fields(rest) {
			c, v, ok := strings.Cut(tok, ":")
			col, err1 := strconv.Atoi(c)
			val, err2 := strconv.ParseFloat(v, 32)
			if !ok || err1 != nil || err2 != nil || col < 0 || col > math.MaxInt32 || (haveNF && col >= nf) {
				return fmt.Errorf("bad feature entry %.40q", tok)
			}
			maxCol = max(maxCol, col)
			entries = append(entries, entry{r, col, float32(val)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !haveNF {
		nf = maxCol + 1
	}
	if partial {
		p.HasFeature = has
	} else {
		for i, h := range has {
			if !h {
				return nil, fmt.Errorf("data: %s: node %d has no line", fpath, i)
			}
		}
	}
	if uint64(n)*uint64(max(nf, 1)) > MaxPlanetoidElements {
		return nil, fmt.Errorf("data: %s: %d×%d features exceed the limit of %d elements", fpath, n, nf, MaxPlanetoidElements)
	}
	feat := make([]float32, n*nf)
	for _, e := range entries {
		feat[e.row*nf+e.col] = e.v
	}
	p.Features = tensor.New(feat, n, nf)
	// Splits.
	for _, s := range []struct {
		file string
		dst  *[]int
	}{{"train.idx", &p.Train}, {"val.idx", &p.Val}, {"test.idx", &p.Test}} {
		err := eachPlanetoidLine(filepath.Join(dir, s.file), func(line string) error {
			id, err := nodeID(line)
			if err != nil {
				return err
			}
			*s.dst = append(*s.dst, id)
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.Sort(*s.dst)
	}
	return p, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// eachPlanetoidLine calls f on every non-blank line of the file (gunzipped
// if its name ends in .gz), trimmed of surrounding white space except
// tabs inside, and wraps f's errors with the path and line number.
func eachPlanetoidLine(path string, f func(line string) error) error {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer file.Close()
	var r io.Reader = file
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(file)
		if err != nil {
			return fmt.Errorf("data: %s: not a readable gzip file: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	ln := 0
	for sc.Scan() {
		ln++
		line := strings.TrimRight(sc.Text(), " \r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := f(line); err != nil {
			return fmt.Errorf("data: %s:%d: %w", path, ln, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("data: %s: line %d: %w", path, ln+1, err)
	}
	return nil
}
