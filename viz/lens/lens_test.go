package lens

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func split(s string) []string { return strings.Fields(s) }

var toy = [][]string{
	split("PRON VERB PART VERB PUNCT"),
	split("PRON VERB PART VERB ADP NOUN PUNCT"),
	split("AUX PRON VERB NOUN PUNCT"),
	split("AUX PRON VERB PUNCT"),
	split("INTJ PUNCT"),
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// Spec §7.1: toy similarities, Ward linkage, flat clusters, leaf order.
func TestToyOracle(t *testing.T) {
	S := SimilarityMatrix(toy, DefaultNs, false)
	want := []struct {
		i, j int
		v    float64
	}{{0, 1, 0.805556}, {1, 0, 0.522222}, {2, 3, 0.544444}, {3, 2, 0.722222}, {4, 4, 0.666667},
		{4, 0, 0.166667}, {4, 1, 0.166667}, {4, 2, 0.166667}, {4, 3, 0.166667}}
	for _, w := range want {
		if !near(S[w.i][w.j], w.v, 5e-7) {
			t.Errorf("S[%d][%d] = %v, want %v", w.i, w.j, S[w.i][w.j], w.v)
		}
		if p := NGramSimilarity(toy[w.i], toy[w.j], DefaultNs); p != S[w.i][w.j] {
			t.Errorf("NGramSimilarity(%d,%d) = %v, matrix %v", w.i, w.j, p, S[w.i][w.j])
		}
	}
	Z := WardLinkage(DistanceFromSimilarity(S))
	wantZ := Linkage{{0, 1, 0.551961, 2}, {2, 3, 0.570845, 2}, {4, 6, 1.314911, 3}, {5, 7, 1.329890, 5}}
	for i, m := range Z {
		w := wantZ[i]
		if m.A != w.A || m.B != w.B || m.Size != w.Size || !near(m.Height, w.Height, 5e-7) {
			t.Errorf("Z[%d] = %+v, want %+v", i, m, w)
		}
	}
	for k, w := range map[int][]int{1: {1, 1, 1, 1, 1}, 2: {1, 1, 2, 2, 2}, 3: {1, 1, 2, 2, 3}, 4: {1, 1, 2, 3, 4}, 5: {1, 2, 3, 4, 5}} {
		if got := FClusterMaxClust(Z, k); !slices.Equal(got, w) {
			t.Errorf("maxclust k=%d: %v, want %v", k, got, w)
		}
	}
	if got := LeafOrder(Z); !slices.Equal(got, []int{0, 1, 4, 2, 3}) {
		t.Errorf("leaves %v", got)
	}
	// Symmetric variant: symmetric, 1 on the diagonal for non-empty texts.
	J := SimilarityMatrix(toy, DefaultNs, true)
	for i := range J {
		for j := range J {
			if J[i][j] != J[j][i] || J[i][j] != JaccardNGramSimilarity(toy[i], toy[j], DefaultNs) {
				t.Fatalf("Jaccard not symmetric/consistent at %d,%d", i, j)
			}
		}
	}
	if J[4][4] != 2.0/3 { // no trigrams: sim_3 = 0
		t.Errorf("J[E][E] = %v", J[4][4])
	}
}

// Spec §7.5: the released code's own miner test.
func TestMinerToy(t *testing.T) {
	db := [][][]string{
		{{"t:my", "pos:A"}, {"t:name", "pos:B"}, {"t:is", "pos:C"}, {"t:john", "pos:B"}},
		{{"t:my", "pos:A"}, {"t:name", "pos:B"}, {"t:is", "pos:C"}, {"t:arvind", "pos:B"}},
		{{"t:your", "pos:A"}, {"t:name", "pos:B"}, {"t:is", "pos:C"}, {"t:susan", "pos:B"}},
		{{"t:john", "pos:B"}, {"t:and", "pos:E"}, {"t:susan", "pos:C"}, {"t:know", "pos:C"}, {"t:me", "pos:A"}},
	}
	res := MinePatterns(db, 2)
	if len(res) != 22 {
		t.Fatalf("%d patterns recorded, want 22", len(res))
	}
	sc := ScorePatterns(res, len(db))
	want := []struct {
		c     int
		items string
		score float64
	}{{2, "t:my t:name t:is pos:B", 0.6875}, {3, "t:name t:is pos:B", 0.6875}, {2, "t:my t:name t:is", 0.625}}
	for i, w := range want {
		g := sc[i]
		if g.Count != w.c || strings.Join(g.Items, " ") != w.items || g.Score != w.score {
			t.Errorf("rank %d: %v %v %v, want %+v", i, g.Count, g.Items, g.Score, w)
		}
	}
}

func loadDialog(t testing.TB) *Output {
	f, err := os.Open("testdata/dialog.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	o, err := ReadOutput(z)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Spec §7.2–7.4: rebuild the released dialog output from its parses; every
// cluster id, every leaf rank and every summary of the token, POS and
// dependency lenses must match, and the rows come out in the same order.
func TestDialogGolden(t *testing.T) {
	pub := loadDialog(t)
	parses, err := pub.ParsesByIndex()
	if err != nil {
		t.Fatal(err)
	}
	inputs := make([]Input, len(parses))
	byIdx := map[int]Row{}
	for _, r := range pub.Data {
		byIdx[r.Index] = r
		inputs[r.Index] = Input{Text: r.Columns["col1"].(string), Columns: r.Columns, Parse: r.ParseData}
	}
	out, err := Build(context.Background(), inputs, Options{NoEmbedding: true})
	if err != nil {
		t.Fatal(err)
	}
	axes := []string{AxisToken, AxisPOS, AxisDep}
	for _, ax := range axes {
		bad := 0
		for _, r := range out.Data {
			p := byIdx[r.Index]
			if r.OrderIndex[ax] != p.OrderIndex[ax] || !reflect.DeepEqual(r.ClusterIDs[ax], p.ClusterIDs[ax]) {
				bad++
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d rows differ in cluster ids or leaf rank", ax, bad, len(out.Data))
		}
		if !reflect.DeepEqual(out.Clusters[ax], pub.Clusters[ax]) {
			n := 0
			for k, m := range pub.Clusters[ax] {
				for c, s := range m {
					if !reflect.DeepEqual(out.Clusters[ax][k][c], s) {
						if n < 3 {
							t.Errorf("%s k=%s cluster %s: %+v, published %+v", ax, k, c, out.Clusters[ax][k][c], s)
						}
						n++
					}
				}
			}
			t.Errorf("%s: %d summaries differ", ax, n)
		}
	}
	for i := range out.Data {
		if out.Data[i].Index != pub.Data[i].Index {
			t.Fatalf("row %d: index %d, published %d (rows not sorted by dep leaf order)", i, out.Data[i].Index, pub.Data[i].Index)
		}
	}
	// Spec §7.3 sizes and §7.2 first rows of the POS linkage.
	c := ClusterRows(DistanceFromSimilarity(SimilarityMatrix(Sequences(parses, AxisPOS), DefaultNs, false)), []int{10})
	for i, w := range []Merge{{2, 45, 0, 2}, {3, 158, 0, 2}, {4, 70, 0, 2}} {
		if c.Z[i] != w {
			t.Errorf("pos Z[%d] = %+v, want %+v", i, c.Z[i], w)
		}
	}
	sizes := make([]int, 10)
	for _, l := range c.Labels[10] {
		sizes[l-1]++
	}
	slices.Sort(sizes)
	slices.Reverse(sizes)
	if !slices.Equal(sizes, []int{88, 84, 71, 66, 46, 45, 41, 30, 17, 8}) {
		t.Errorf("pos k=10 sizes %v", sizes)
	}
}

// Spec §7.6 invariants on dialog/token: labels 1..k, nesting, permutation.
func TestInvariants(t *testing.T) {
	pub := loadDialog(t)
	parses, _ := pub.ParsesByIndex()
	ks := []int{1, 2, 3, 5, 8, 13, 50, 200, 495, 496, 600}
	c := ClusterRows(DistanceFromSimilarity(SimilarityMatrix(Sequences(parses, AxisToken), DefaultNs, false)), ks)
	n := len(parses)
	perm := slices.Clone(c.Leaves)
	slices.Sort(perm)
	for i, v := range perm {
		if v != i {
			t.Fatal("leaf order is not a permutation")
		}
	}
	for ki, k := range ks {
		lab := c.Labels[k]
		seen := map[int]bool{}
		for _, l := range lab {
			seen[l] = true
		}
		// Tied heights (duplicate texts merge at 0) can leave fewer than k
		// clusters, as in scipy; on dialog that happens only for k > 50.
		if len(seen) > min(k, n) || (k <= 50 && len(seen) != k) {
			t.Errorf("k=%d: %d distinct labels", k, len(seen))
		}
		for l := range seen {
			if l < 1 || l > min(k, n) {
				t.Errorf("k=%d: label %d", k, l)
			}
		}
		if ki == 0 {
			continue
		}
		prev := c.Labels[ks[ki-1]]
		parent := map[int]int{}
		for i, l := range lab {
			if p, ok := parent[l]; ok && p != prev[i] {
				t.Fatalf("k=%d cluster %d is split across k=%d clusters", k, l, ks[ki-1])
			}
			parent[l] = prev[i]
		}
	}
}

// The marshalled document has exactly the released layout: decoded as
// generic JSON it equals the published dialog.json with the embedding lens
// (sentence-T5, not reproducible offline) removed.
func TestLayoutMatchesPublished(t *testing.T) {
	raw, err := os.ReadFile("testdata/dialog.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	z, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var pubAny map[string]any
	if err := json.NewDecoder(z).Decode(&pubAny); err != nil {
		t.Fatal(err)
	}
	delete(pubAny["clusters"].(map[string]any), AxisEmbedding)
	for _, r := range pubAny["data"].([]any) {
		m := r.(map[string]any)
		delete(m["cluster_ids"].(map[string]any), AxisEmbedding)
		delete(m["order_index"].(map[string]any), AxisEmbedding)
	}
	pub := loadDialog(t)
	// Parses come from the file through a FixedParser this time.
	fp, err := FixedParserFrom(pub, "col1")
	if err != nil {
		t.Fatal(err)
	}
	inputs := make([]Input, len(pub.Data))
	for _, r := range pub.Data {
		inputs[r.Index] = Input{Text: r.Columns["col1"].(string), Columns: r.Columns}
	}
	out, err := Build(context.Background(), inputs, Options{NoEmbedding: true, Parser: fp})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := out.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var gotAny map[string]any
	if err := json.Unmarshal(buf.Bytes(), &gotAny); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotAny, pubAny) {
		t.Error("marshalled output differs from the published JSON")
	}
}

// The embedding lens: S = E·Eᵀ/‖E‖_F², TF-IDF rows are unit length, and
// Build adds the "embedding" axis first with valid labels.
func TestEmbeddingLens(t *testing.T) {
	texts := []string{"Write a function to sort a list.", "Write a function that sorts a list.", "What is the capital of France?", "Name the capital city of France."}
	E, err := TFIDFEmbedder{}.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range E {
		if d := dot(e, e); !near(d, 1, 1e-12) {
			t.Errorf("row %d has squared norm %v", i, d)
		}
	}
	S := EmbeddingSimilarity(E)
	if !near(S[0][0], 0.25, 1e-12) || S[0][1] <= S[0][2] || S[2][3] <= S[0][3] {
		t.Errorf("S = %v", S)
	}
	in := make([]Input, len(texts))
	for i, x := range texts {
		in[i] = Input{Text: x, Parse: []Token{{Token: x, POS: "X", HeadTokenIdx: 0}}}
	}
	out, err := Build(context.Background(), in, Options{Ks: []int{2}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]int{}
	for _, r := range out.Data {
		got[r.Index] = r.ClusterIDs[AxisEmbedding]["2"]
	}
	if got[0] != got[1] || got[2] != got[3] || got[0] == got[2] {
		t.Errorf("embedding k=2 labels %v", got)
	}
	if _, ok := out.Clusters[AxisDep]; ok {
		t.Error("dep lens present without dependency labels")
	}
}

// Closed form: Ward height of clusters A, B is sqrt(2|A||B|/(|A|+|B|))·|c_A − c_B|;
// points 0, 1, 3 merge {0,1} at 1 then {0,1},{3} at sqrt(4/3)·2.5. The
// square-row path and the condensed path agree when rows are coordinates.
func TestWardClosedForm(t *testing.T) {
	X := [][]float64{{0}, {1}, {3}}
	D := [][]float64{{0, 1, 3}, {1, 0, 2}, {3, 2, 0}}
	for name, Z := range map[string]Linkage{"rows": WardLinkage(X), "condensed": WardLinkageCondensed(D)} {
		if Z[0] != (Merge{0, 1, 1, 2}) || Z[1].A != 2 || Z[1].B != 3 || Z[1].Size != 3 ||
			!near(Z[1].Height, math.Sqrt(4.0/3)*2.5, 1e-14) {
			t.Errorf("%s: Z = %+v", name, Z)
		}
	}
}
