package graph

import (
	"compress/gzip"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-ml/cairn/tensor"
)

var (
	coraOnce sync.Once
	cora     *Dataset
	coraErr  error
)

// loadCora loads Cora once per test binary, skipping if it is absent.
func loadCora(t testing.TB) *Dataset {
	t.Helper()
	dir := filepath.Join(DataDir(), "cora")
	if _, err := os.Stat(filepath.Join(dir, "labels.txt")); err != nil {
		t.Skipf("Cora not found in %s (set CAIRN_DATA to the shared data directory): %v", dir, err)
	}
	coraOnce.Do(func() { cora, coraErr = LoadCora() })
	if coraErr != nil {
		t.Fatal(coraErr)
	}
	return cora
}

// Oracle 8: loader counts and splits.
func TestLoadCora(t *testing.T) {
	t.Parallel()
	ds := loadCora(t)
	g := ds.Graph
	if g.NumNodes() != 2708 || g.NumEdges() != 5278 || g.NumSelfLoops() != 0 {
		t.Errorf("nodes/edges/self loops = %d/%d/%d, want 2708/5278/0 (Table 2's 5429 counts raw, duplicated edges)",
			g.NumNodes(), g.NumEdges(), g.NumSelfLoops())
	}
	if s := ds.Features.Shape(); s[0] != 2708 || s[1] != 1433 {
		t.Errorf("features %v, want [2708 1433]", s)
	}
	nnz := 0
	for _, v := range ds.Features.Data() {
		if v != 0 {
			nnz++
			if v != 1 {
				t.Fatalf("non-binary feature %g", v)
			}
		}
	}
	if nnz != 49216 || ds.HasFeature != nil {
		t.Errorf("feature nnz %d, want 49216 (HasFeature %v)", nnz, ds.HasFeature != nil)
	}
	if ds.NumClasses != 7 || len(ds.Train) != 140 || len(ds.Val) != 500 || len(ds.Test) != 1000 {
		t.Errorf("classes %d, split %d/%d/%d, want 7, 140/500/1000", ds.NumClasses, len(ds.Train), len(ds.Val), len(ds.Test))
	}
	perClass := make([]int, ds.NumClasses)
	for _, i := range ds.Train {
		perClass[ds.Labels[i]]++
	}
	for c, k := range perClass {
		if k != 20 {
			t.Errorf("train has %d nodes of class %d, want 20", k, c)
		}
	}
	if ds.Train[0] != 0 || ds.Train[139] != 139 || ds.Val[0] != 140 || ds.Val[499] != 639 {
		t.Errorf("train/val not the id ranges 0..139, 140..639")
	}
	isolated := 0
	for _, d := range g.Degree() {
		if d == 0 {
			isolated++
		}
	}
	if isolated != 0 {
		t.Errorf("%d isolated nodes, want 0", isolated)
	}
}

// Oracles 4 and 5 on Cora: the iterations converge to the closed forms
// (with the spec's K = 10 errors), and every filter passes D̃^1/2 𝟙.
func TestCoraPropagation(t *testing.T) {
	t.Parallel()
	ds := loadCora(t)
	if testing.Short() {
		t.Skip("short")
	}
	a := ds.Graph.NormAdj()
	n := ds.Graph.NumNodes()
	h := randH(7, n, 4)
	must := mustT(t)
	rel := func(x, y *tensor.Tensor) float64 {
		var num, den float64
		for i, v := range y.Data() {
			d := float64(x.Data()[i] - v)
			num += d * d
			den += float64(v) * float64(v)
		}
		return math.Sqrt(num / den)
	}
	for _, tc := range []struct {
		name         string
		closed, iter func(k int) *tensor.Tensor
		at10         float64 // spec §9 pitfall 2
	}{
		{"APPNP", func(int) *tensor.Tensor { return must(PPNP(a, h, tAlpha, nil)) },
			func(k int) *tensor.Tensor { return must(APPNP(a, h, tAlpha, k)) }, 5.6e-2},
		{"LF", func(int) *tensor.Tensor { return must(LFClosed(a, h, tAlpha, tMu, nil)) },
			func(k int) *tensor.Tensor { return must(LFIter(a, h, tAlpha, tMu, k)) }, 5.7e-2},
		{"HF", func(int) *tensor.Tensor { return must(HFClosed(a, h, tAlpha, tBeta, nil)) },
			func(k int) *tensor.Tensor { return must(HFIter(a, h, tAlpha, tBeta, k)) }, 5.4e-2},
	} {
		closed := tc.closed(0)
		e10, e300 := rel(tc.iter(10), closed), rel(tc.iter(300), closed)
		t.Logf("%s on Cora: relative error of the iterate %.3g at K=10, %.3g at K=300", tc.name, e10, e300)
		if math.Abs(e10-tc.at10) > 0.2*tc.at10 || e300 > 1e-5 {
			t.Errorf("%s: relative error %.3g at K=10 (spec: %.2g), %.3g at K=300 (want < 1e-5)", tc.name, e10, tc.at10, e300)
		}
	}
	s := make([]float32, n)
	for i, d := range ds.Graph.Degree() {
		s[i] = float32(math.Sqrt(d + 1))
	}
	sv := tensor.New(s, n, 1)
	for name, z := range map[string]*tensor.Tensor{
		"PPNP": must(PPNP(a, sv, tAlpha, nil)),
		"LF":   must(LFClosed(a, sv, tAlpha, tMu, nil)),
		"HF":   must(HFClosed(a, sv, tAlpha, tBeta, nil)),
	} {
		if e := rel(z, sv); e > 1e-6 {
			t.Errorf("%s: P D̃^1/2 𝟙 differs from D̃^1/2 𝟙 by %g", name, e)
		}
	}
}

func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	raw, isRaw := strings.CutPrefix(text, "<raw>")
	if isRaw {
		text = raw
	}
	if strings.HasSuffix(name, ".gz") && !isRaw {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		w := gzip.NewWriter(f)
		if _, err := w.Write([]byte(text)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A tiny data set in the plain-text layout, and the errors for each kind of
// damage.
func TestLoadPlanetoidText(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"labels.txt":      "0\t1\n1\t0\n2\t-1\n3\t1\n",
		"edges.txt.gz":    "0\t1\n1\t2\n0\t1\n",
		"features.txt.gz": "0\t0:1 2:0.5\n1\t\n2\t1:1\n3\t0:2\n",
		"train.idx":       "0\n1\n",
		"val.idx":         "2\n",
		"test.idx":        "3\n",
		"meta.txt":        "num_nodes\t4\nnum_features\t3\nnum_classes\t2\n",
	}
	build := func(t *testing.T, change map[string]string) string {
		dir := t.TempDir()
		for name, text := range good {
			if c, ok := change[name]; ok {
				if c == "<missing>" {
					continue
				}
				text = c
			}
			writeFile(t, dir, name, text)
		}
		for name, text := range change {
			if _, ok := good[name]; !ok {
				writeFile(t, dir, name, text)
			}
		}
		return dir
	}
	ds, err := LoadPlanetoidText(build(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if ds.Graph.NumEdges() != 2 || ds.NumClasses != 2 || ds.Labels[2] != -1 || len(ds.Train) != 2 {
		t.Errorf("loaded %+v", ds)
	}
	if got := ds.Features.Data(); got[2] != 0.5 || got[3*3] != 2 || ds.Features.Dim(1) != 3 {
		t.Errorf("features %v", got)
	}
	partial, err := LoadPlanetoidText(build(t, map[string]string{
		"features.txt.gz": "<missing>", "features_partial.txt.gz": "3\t2:1\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if partial.HasFeature == nil || !partial.HasFeature[3] || partial.HasFeature[0] || partial.Features.At(3, 2) != 1 {
		t.Errorf("partial features: %v %v", partial.HasFeature, partial.Features)
	}
	for name, tc := range map[string]struct {
		change map[string]string
		want   string
	}{
		"no labels":        {map[string]string{"labels.txt": "<missing>"}, "labels.txt"},
		"no edges":         {map[string]string{"edges.txt.gz": "<missing>"}, "edges.txt.gz"},
		"no features":      {map[string]string{"features.txt.gz": "<missing>"}, "features.txt.gz"},
		"no test split":    {map[string]string{"test.idx": "<missing>"}, "test.idx"},
		"label order":      {map[string]string{"labels.txt": "0\t1\n2\t0\n"}, "labels.txt:2"},
		"label text":       {map[string]string{"labels.txt": "0\tx\n"}, "labels.txt:1"},
		"edge range":       {map[string]string{"edges.txt.gz": "0\t1\n1\t9\n"}, "edges.txt.gz:2"},
		"edge fields":      {map[string]string{"edges.txt.gz": "0 1\n"}, "edges.txt.gz:1"},
		"edges not gzip":   {map[string]string{"edges.txt.gz": "<raw>x"}, "gzip"},
		"feature column":   {map[string]string{"features.txt.gz": "0\t7:1\n"}, "features.txt.gz:1"},
		"feature value":    {map[string]string{"features.txt.gz": "0\t0:abc\n"}, "features.txt.gz:1"},
		"feature row gone": {map[string]string{"features.txt.gz": "0\t0:1\n1\t\n2\t\n"}, "node 3 has no line"},
		"feature twice":    {map[string]string{"features.txt.gz": "0\t0:1\n0\t\n"}, "twice"},
		"split range":      {map[string]string{"val.idx": "4\n"}, "val.idx:1"},
		"meta nodes":       {map[string]string{"meta.txt": "num_nodes\t5\n"}, "num_nodes"},
		"meta line":        {map[string]string{"meta.txt": "junk\n"}, "meta.txt:1"},
	} {
		if _, err := LoadPlanetoidText(build(t, tc.change)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, tc.want)
		}
	}
}
