package data

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sharedDataDir returns Dir() and skips the test if it has no
// subdirectory sub.
func sharedDataDir(tb testing.TB, sub string) string {
	tb.Helper()
	dir := Dir()
	if _, err := os.Stat(filepath.Join(dir, sub)); err != nil {
		tb.Skipf("shared data %s not found (set CAIRN_DATA to the directory holding cora/ and pubmed/): %v", filepath.Join(dir, sub), err)
	}
	return dir
}

type tinyExpected struct {
	Features   [][]float32 `json:"features"`
	Labels     []int       `json:"labels"`
	NumClasses int         `json:"num_classes"`
	Edges      [][2]int    `json:"edges"`
	SelfLoops  []int       `json:"self_loops"`
	Train      []int       `json:"train"`
	Val        []int       `json:"val"`
	Test       []int       `json:"test"`
}

func TestLoadPlanetoidTiny(t *testing.T) {
	b, err := os.ReadFile("testdata/planetoid_tiny_expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want tinyExpected
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for _, proto := range []string{"p0", "p2", "p4"} {
		t.Run(proto, func(t *testing.T) {
			p, err := LoadPlanetoid(filepath.Join("testdata", "planetoid_"+proto), "tiny")
			if err != nil {
				t.Fatal(err)
			}
			n, nf := len(want.Features), len(want.Features[0])
			if got := p.Features.Shape(); !slices.Equal(got, []int{n, nf}) {
				t.Fatalf("features shape %v, want [%d %d]", got, n, nf)
			}
			feat := p.Features.Data()
			for i, row := range want.Features {
				if !slices.Equal(feat[i*nf:(i+1)*nf], row) {
					t.Errorf("features row %d = %v, want %v", i, feat[i*nf:(i+1)*nf], row)
				}
			}
			check := func(name string, got, want any) {
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}
			check("labels", p.Labels, want.Labels)
			check("num classes", p.NumClasses, want.NumClasses)
			check("edges", p.Edges, want.Edges)
			check("self loops", p.SelfLoops, want.SelfLoops)
			check("train", p.Train, want.Train)
			check("val", p.Val, want.Val)
			check("test", p.Test, want.Test)
			check("name", p.Name, "tiny")
			check("nodes", p.NumNodes(), n)
		})
	}
}

// TestLoadPlanetoidCora loads the real Cora in both forms and checks that
// they agree exactly and have the published statistics.
func TestLoadPlanetoidCora(t *testing.T) {
	dir := filepath.Join(sharedDataDir(t, "cora"), "cora")
	raw, err := LoadPlanetoid(filepath.Join(dir, "raw"), "cora")
	if err != nil {
		t.Fatal(err)
	}
	txt, err := LoadPlanetoidText(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Planetoid{raw, txt} {
		if p.Name != "cora" || p.NumNodes() != 2708 || p.NumClasses != 7 ||
			!slices.Equal(p.Features.Shape(), []int{2708, 1433}) ||
			len(p.Train) != 140 || len(p.Val) != 500 || len(p.Test) != 1000 || len(p.Edges) != 5278 {
			t.Fatalf("%s: %d nodes, features %v, %d classes, split %d/%d/%d, %d edges; want 2708, [2708 1433], 7, 140/500/1000, 5278",
				p.Name, p.NumNodes(), p.Features.Shape(), p.NumClasses, len(p.Train), len(p.Val), len(p.Test), len(p.Edges))
		}
		perClass := make([]int, p.NumClasses)
		for _, i := range p.Train {
			perClass[p.Labels[i]]++
		}
		if !slices.Equal(perClass, []int{20, 20, 20, 20, 20, 20, 20}) {
			t.Errorf("train labels per class %v, want 20 each", perClass)
		}
		counts := make([]int, p.NumClasses)
		for _, l := range p.Labels {
			counts[l]++
		}
		if !slices.Equal(counts, []int{351, 217, 418, 818, 426, 298, 180}) {
			t.Errorf("label counts %v", counts)
		}
		nnz := 0
		for _, v := range p.Features.Data() {
			if v != 0 {
				nnz++
			}
		}
		if nnz != 49216 {
			t.Errorf("%d non-zero features, want 49216", nnz)
		}
	}
	if raw.SelfLoops != nil {
		t.Errorf("Cora self loops %v, want none", raw.SelfLoops)
	}
	if !slices.Equal(raw.Features.Data(), txt.Features.Data()) {
		t.Error("features differ between the pickled and the plain-text form")
	}
	if !slices.Equal(raw.Labels, txt.Labels) {
		t.Error("labels differ")
	}
	if !slices.Equal(raw.Edges, txt.Edges) { // both sorted, so equal as sets
		t.Error("edges differ")
	}
	for _, s := range [][2][]int{{raw.Train, txt.Train}, {raw.Val, txt.Val}, {raw.Test, txt.Test}} {
		if !slices.Equal(s[0], s[1]) {
			t.Error("splits differ")
		}
	}
	if raw.Test[0] != 1708 || raw.Test[999] != 2707 || raw.Val[0] != 140 || raw.Val[499] != 639 {
		t.Errorf("split bounds test %d..%d val %d..%d", raw.Test[0], raw.Test[999], raw.Val[0], raw.Val[499])
	}
}

func TestLoadPlanetoidTextPubmed(t *testing.T) {
	dir := filepath.Join(sharedDataDir(t, "pubmed"), "pubmed")
	if testing.Short() {
		t.Skip("Pubmed text form takes a moment")
	}
	p, err := LoadPlanetoidText(dir)
	if err != nil {
		t.Fatal(err)
	}
	has := 0
	for _, h := range p.HasFeature {
		if h {
			has++
		}
	}
	if p.NumNodes() != 19717 || p.NumClasses != 3 || !slices.Equal(p.Features.Shape(), []int{19717, 500}) ||
		has != 1060 || len(p.Edges) != 44324 || len(p.Train) != 60 || len(p.Val) != 500 || len(p.Test) != 1000 {
		t.Errorf("pubmed: %d nodes, %d classes, features %v, %d feature rows, %d edges, split %d/%d/%d",
			p.NumNodes(), p.NumClasses, p.Features.Shape(), has, len(p.Edges), len(p.Train), len(p.Val), len(p.Test))
	}
	// The pickled Pubmed lacks ind.pubmed.allx: the error must say so.
	_, err = LoadPlanetoid(filepath.Join(dir, "raw"), "pubmed")
	if err == nil || !strings.Contains(err.Error(), "ind.pubmed.allx") {
		t.Errorf("LoadPlanetoid(pubmed without allx) error = %v, want one naming ind.pubmed.allx", err)
	}
}

// copyTiny copies the protocol-2 tiny fixture into a temporary directory.
func copyTiny(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", "planetoid_p2")
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadPlanetoidErrors(t *testing.T) {
	exts := []string{"x", "y", "tx", "ty", "allx", "ally", "graph", "test.index"}
	for _, ext := range exts {
		file := "ind.tiny." + ext
		t.Run("missing "+ext, func(t *testing.T) {
			dir := copyTiny(t)
			os.Remove(filepath.Join(dir, file))
			_, err := LoadPlanetoid(dir, "tiny")
			if err == nil || !strings.Contains(err.Error(), file) {
				t.Errorf("error %v, want one naming %s", err, file)
			}
		})
		if ext == "test.index" {
			continue
		}
		t.Run("truncated "+ext, func(t *testing.T) {
			dir := copyTiny(t)
			path := filepath.Join(dir, file)
			b, _ := os.ReadFile(path)
			os.WriteFile(path, b[:len(b)/2], 0o644)
			_, err := LoadPlanetoid(dir, "tiny")
			if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "byte ") {
				t.Errorf("error %v, want one naming %s and a byte offset", err, file)
			}
		})
	}
	cases := []struct {
		name, file, content, want string
	}{
		{"bad test id", "ind.tiny.test.index", "9\nsix\n8\n", "ind.tiny.test.index:2: bad node id"},
		{"duplicate test id", "ind.tiny.test.index", "9\n9\n8\n", "listed twice"},
		{"too few test ids", "ind.tiny.test.index", "9\n8\n", "2 ids"},
		{"test id out of range", "ind.tiny.test.index", "9\n6\n2\n", "overlap"},
		{"wrong object", "ind.tiny.y", "\x80\x02]q\x00.", "ind.tiny.y: a list"},
		{"graph not a dict", "ind.tiny.graph", "\x80\x02]q\x00.", "want a dict"},
		{"graph id out of range", "ind.tiny.graph", "\x80\x02}q\x00(K\x00]q\x01K\x63au.", "neighbour of node 0: node 99"},
		{"unsafe global", "ind.tiny.graph", "cos\nsystem\nq\x00(S'true'\ntR.", "os.system is not allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyTiny(t)
			os.WriteFile(filepath.Join(dir, c.file), []byte(c.content), 0o644)
			_, err := LoadPlanetoid(dir, "tiny")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.file) {
				t.Errorf("error %v, want one naming %s and containing %q", err, c.file, c.want)
			}
		})
	}
	// Row counts that disagree: y from another fixture with a different shape.
	t.Run("shape mismatch", func(t *testing.T) {
		dir := copyTiny(t)
		b, _ := os.ReadFile(filepath.Join(dir, "ind.tiny.ty"))
		os.WriteFile(filepath.Join(dir, "ind.tiny.y"), b, 0o644)
		_, err := LoadPlanetoid(dir, "tiny")
		if err == nil || !strings.Contains(err.Error(), "ind.tiny.y: 3 rows") {
			t.Errorf("error %v, want a row-count mismatch naming ind.tiny.y", err)
		}
	})
}

// writeText writes a tiny plain-text data set, with file overrides.
func writeText(t *testing.T, over map[string]string) string {
	t.Helper()
	files := map[string]string{
		"labels.txt":      "0\t0\n1\t1\n2\t-1\n3\t1\n",
		"edges.txt.gz":    "0\t1\n1\t0\n2\t3\n3\t3\n",
		"features.txt.gz": "0\t0:1.0\n1\t1:0.5 2:0.25\n2\t\n3\t2:1\n",
		"train.idx":       "1\n0\n",
		"val.idx":         "2\n",
		"test.idx":        "3\n",
		"meta.txt":        "name\ttoy\nnum_nodes\t4\nnum_features\t3\nnum_classes\t2\n",
	}
	for k, v := range over {
		files[k] = v
	}
	dir := t.TempDir()
	for name, content := range files {
		if content == "<missing>" {
			continue
		}
		b := []byte(content)
		if strings.HasSuffix(name, ".gz") && !strings.HasPrefix(content, "<raw>") {
			b = gzipBytes(t, b)
		}
		b = []byte(strings.TrimPrefix(string(b), "<raw>"))
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadPlanetoidText(t *testing.T) {
	p, err := LoadPlanetoidText(writeText(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(p.Name, p.Labels, p.NumClasses, p.Edges, p.Features.Shape(), p.Features.Data(), p.Train, p.Val, p.Test, p.HasFeature == nil)
	want := "toy[0 1 -1 1] 2 [[0 1] [2 3]] [4 3] [1 0 0 0 0.5 0.25 0 0 0 0 0 1] [0 1] [2] [3] true"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Partial features.
	p, err = LoadPlanetoidText(writeText(t, map[string]string{"features.txt.gz": "<missing>", "features_partial.txt.gz": "3\t0:2\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(p.HasFeature, p.Features.Data()) != "[false false false true] [0 0 0 0 0 0 0 0 0 2 0 0]" {
		t.Errorf("partial: %v %v", p.HasFeature, p.Features.Data())
	}
}

func TestLoadPlanetoidTextErrors(t *testing.T) {
	cases := []struct {
		file, content, want string
	}{
		{"labels.txt", "<missing>", "labels.txt: no such file"},
		{"labels.txt", "0\t0\n2\t1\n", "labels.txt:2: node id 2 out of order"},
		{"labels.txt", "0\tzero\n", "labels.txt:1: want"},
		{"meta.txt", "num_nodes\t5\n", "num_nodes 5"},
		{"meta.txt", "num_classes\t1\n", "num_classes 1"},
		{"edges.txt.gz", "0\t9\n", "edges.txt.gz:1: bad node id \"9\""},
		{"edges.txt.gz", "<raw>0\t1\n", "edges.txt.gz: not a readable gzip file"},
		{"features.txt.gz", "0\t0:1.0\n1\t1:x\n2\t\n3\t\n", "features.txt.gz:2: bad feature entry"},
		{"features.txt.gz", "0\t0:1.0\n1\t\n3\t\n", "features.txt.gz: node 2 has no line"},
		{"features.txt.gz", "0\t7:1.0\n", "bad feature entry"},
		{"features.txt.gz", "0\t\n0\t\n", "node 0 listed twice"},
		{"test.idx", "3\n4\n", "test.idx:2: bad node id"},
		{"val.idx", "<missing>", "val.idx: no such file"},
	}
	for _, c := range cases {
		_, err := LoadPlanetoidText(writeText(t, map[string]string{c.file: c.content}))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s = %q: error %v, want one containing %q", c.file, c.content, err, c.want)
		}
	}
}

func ExampleLoadPlanetoid() {
	p, err := LoadPlanetoid("testdata/planetoid_p2", "tiny")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.NumNodes(), "nodes,", p.Features.Shape()[1], "features,", p.NumClasses, "classes")
	fmt.Println("labels", p.Labels)
	fmt.Println("edges", p.Edges, "self loops", p.SelfLoops)
	fmt.Println("train", p.Train, "val", p.Val, "test", p.Test)
	// Output:
	// 10 nodes, 4 features, 3 classes
	// labels [0 1 2 1 0 -1 0 -1 1 2]
	// edges [[0 1] [1 2] [2 3] [4 9] [5 6] [6 8]] self loops [3]
	// train [0 1] val [2 3 4 5] test [6 8 9]
}

func BenchmarkLoadPlanetoidCora(b *testing.B) {
	dir := filepath.Join(sharedDataDir(b, "cora"), "cora")
	b.Run("pickle", func(b *testing.B) {
		for b.Loop() {
			if _, err := LoadPlanetoid(filepath.Join(dir, "raw"), "cora"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("text", func(b *testing.B) {
		for b.Loop() {
			if _, err := LoadPlanetoidText(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
}
