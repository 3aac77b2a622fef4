package lens

import (
	"context"
	"fmt"
	"slices"
)

// Clustering is one lens's hierarchical clustering: the linkage, the flat
// labels (1-based, per observation) for each requested k, and the
// dendrogram leaf order.
type Clustering struct {
	Z      Linkage
	Labels map[int][]int
	Leaves []int
}

// ClusterRows clusters the rows of X as the released tool does
// (WardLinkage on the rows, FClusterMaxClust for each k, LeafOrder).
func ClusterRows(X [][]float64, ks []int) Clustering {
	Z := WardLinkage(X)
	c := Clustering{Z: Z, Labels: map[int][]int{}, Leaves: LeafOrder(Z)}
	for _, k := range ks {
		c.Labels[k] = FClusterMaxClust(Z, k)
	}
	return c
}

// Input is one text to analyse. Columns are written to the output row
// as-is (include the text column if the view should show it). Parse, if
// non-nil, is used instead of calling Options.Parser.
type Input struct {
	Text    string
	Columns map[string]any
	Parse   []Token
}

// Options configures Build. The zero value clusters the token and POS
// lenses (and the dependency lens when parses carry labels) plus the
// embedding lens with TFIDFEmbedder, at DefaultKs.
type Options struct {
	// Ks are the flat cluster counts; nil means DefaultKs.
	Ks []int
	// Parser parses inputs without a Parse; required if any lacks one.
	Parser Parser
	// Embedder for the embedding lens; nil means TFIDFEmbedder{}.
	Embedder Embedder
	// NoEmbedding leaves the embedding lens out.
	NoEmbedding bool
	// Symmetric uses JaccardNGramSimilarity instead of the published
	// asymmetric NGramSimilarity (the output then differs from the tool's).
	Symmetric bool
	// Progress, if non-nil, is called as stages advance
	// (stage is "parse", "embed", "similarity", "cluster" or "summary").
	Progress func(stage string, done, total int)
}

// Build runs the released tool's pipeline (preprocess_data.py after
// sampling) on inputs: parse each text (newlines replaced by spaces), build
// the token, POS and dependency-label similarity matrices and the
// embedding similarity, cluster the rows of each D = 1 − S by Ward, cut at
// every k, order by the dendrogram, summarise every cluster with
// TopPattern, and return the document in the released layout with rows
// sorted by the last lens's leaf order ("dep" when present). Axes appear
// in the order embedding, token, pos, dep.
func Build(ctx context.Context, inputs []Input, opt Options) (*Output, error) {
	n := len(inputs)
	if n < 2 {
		return nil, fmt.Errorf("lens: Build: need at least 2 texts, have %d", n)
	}
	ks := opt.Ks
	if ks == nil {
		ks = DefaultKs
	}
	for _, k := range ks {
		if k < 1 {
			return nil, fmt.Errorf("lens: Build: cluster count %d < 1", k)
		}
	}
	prog := opt.Progress
	if prog == nil {
		prog = func(string, int, int) {}
	}
	parses := make([][]Token, n)
	texts := make([]string, n)
	hasDep := false
	for i, in := range inputs {
		texts[i] = CleanText(in.Text)
		p := in.Parse
		if p == nil {
			if opt.Parser == nil {
				return nil, fmt.Errorf("lens: Build: input %d has no parse and Options.Parser is nil", i)
			}
			var err error
			if p, err = opt.Parser.Parse(texts[i]); err != nil {
				return nil, fmt.Errorf("lens: Build: parsing input %d: %w", i, err)
			}
		}
		for _, t := range p {
			if t.Dep != "" {
				hasDep = true
			}
		}
		parses[i] = p
		prog("parse", i+1, n)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	axes := []string{}
	mats := map[string][][]float64{}
	if !opt.NoEmbedding {
		emb := opt.Embedder
		if emb == nil {
			emb = TFIDFEmbedder{}
		}
		prog("embed", 0, 1)
		E, err := emb.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("lens: Build: embedding: %w", err)
		}
		if len(E) != n {
			return nil, fmt.Errorf("lens: Build: embedder returned %d vectors for %d texts", len(E), n)
		}
		for i := range E {
			if len(E[i]) != len(E[0]) {
				return nil, fmt.Errorf("lens: Build: embedding %d has length %d, embedding 0 has %d", i, len(E[i]), len(E[0]))
			}
		}
		axes = append(axes, AxisEmbedding)
		mats[AxisEmbedding] = DistanceFromSimilarity(EmbeddingSimilarity(E))
		prog("embed", 1, 1)
	}
	tagAxes := []string{AxisToken, AxisPOS}
	if hasDep {
		tagAxes = append(tagAxes, AxisDep)
	}
	for ai, ax := range tagAxes {
		mats[ax] = DistanceFromSimilarity(SimilarityMatrix(Sequences(parses, ax), DefaultNs, opt.Symmetric))
		axes = append(axes, ax)
		prog("similarity", ai+1, len(tagAxes))
	}
	out := &Output{Data: make([]Row, n), Clusters: map[string]map[string]map[string]Summary{}}
	for i, in := range inputs {
		out.Data[i] = Row{Columns: in.Columns, Index: i, ParseData: parses[i],
			ClusterIDs: map[string]map[string]int{}, OrderIndex: map[string]int{}}
		if out.Data[i].Columns == nil {
			out.Data[i].Columns = map[string]any{}
		}
	}
	var last []int
	for ai, ax := range axes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := ClusterRows(mats[ax], ks)
		delete(mats, ax)
		prog("cluster", ai+1, len(axes))
		for i := range out.Data {
			ids := map[string]int{}
			for _, k := range ks {
				ids[kKey(k)] = c.Labels[k][i]
			}
			out.Data[i].ClusterIDs[ax] = ids
		}
		for rank, i := range c.Leaves {
			out.Data[i].OrderIndex[ax] = rank
		}
		out.Clusters[ax] = Summaries(parses, c, ks)
		prog("summary", ai+1, len(axes))
		last = c.Leaves
	}
	sorted := make([]Row, n)
	for rank, i := range last {
		sorted[rank] = out.Data[i]
	}
	out.Data = sorted
	return out, nil
}

// Sequences returns the per-text sequence of one field of the parses:
// axis AxisToken (token text), AxisPOS or AxisDep. It panics on another axis.
func Sequences(parses [][]Token, axis string) [][]string {
	out := make([][]string, len(parses))
	for i, p := range parses {
		s := make([]string, len(p))
		for j, t := range p {
			switch axis {
			case AxisToken:
				s[j] = t.Token
			case AxisPOS:
				s[j] = t.POS
			case AxisDep:
				s[j] = t.Dep
			default:
				panic(fmt.Sprintf("lens: Sequences: unknown axis %q", axis))
			}
		}
		out[i] = s
	}
	return out
}

// Summaries computes the released "clusters" entry of one lens: for every
// k and every cluster id 1..k, TopPattern over the cluster's parses taken
// in dendrogram leaf order. A cluster of a dendrogram cut is a run of the
// leaf order, so clusters shared by several k are mined once; distinct
// clusters are mined in parallel.
func Summaries(parses [][]Token, c Clustering, ks []int) map[string]map[string]Summary {
	rank := make([]int, len(c.Leaves))
	for r, i := range c.Leaves {
		rank[i] = r
	}
	type span struct {
		first, size int
		members     []int // set only for a cluster that is not a run
	}
	ids := map[[2]int]int{}
	var spans []span
	keyOf := map[int][]int{} // k -> span id per cluster id (index cid), -1 if empty
	for _, k := range ks {
		lab := c.Labels[k]
		first := make([]int, k+1)
		size := make([]int, k+1)
		for i := range first {
			first[i] = len(rank)
		}
		for i, l := range lab {
			if l <= k {
				first[l] = min(first[l], rank[i])
				size[l]++
			}
		}
		row := make([]int, k+1)
		for cid := 1; cid <= k; cid++ {
			row[cid] = -1
			if size[cid] == 0 {
				continue
			}
			sp := span{first: first[cid], size: size[cid]}
			run := first[cid]+size[cid] <= len(rank)
			for r := first[cid]; run && r < first[cid]+size[cid]; r++ {
				run = lab[c.Leaves[r]] == cid
			}
			if !run { // not from a dendrogram cut: mine it as is
				for _, i := range c.Leaves {
					if lab[i] == cid {
						sp.members = append(sp.members, i)
					}
				}
				row[cid] = len(spans)
				spans = append(spans, sp)
				continue
			}
			id, ok := ids[[2]int{sp.first, sp.size}]
			if !ok {
				id = len(spans)
				ids[[2]int{sp.first, sp.size}] = id
				spans = append(spans, sp)
			}
			row[cid] = id
		}
		keyOf[k] = row
	}
	res := make([]Summary, len(spans))
	parallelRows(len(spans), func(s int) {
		sp := spans[s]
		members := make([][]Token, sp.size)
		for r := range sp.size {
			if sp.members != nil {
				members[r] = parses[sp.members[r]]
			} else {
				members[r] = parses[c.Leaves[sp.first+r]]
			}
		}
		if p, ok := TopPattern(members); ok {
			res[s].TopSequence = TopSequence{Tokens: slices.Clone(p.Items), Count: p.Count}
		}
	})
	out := map[string]map[string]Summary{}
	for _, k := range ks {
		m := map[string]Summary{}
		for cid := 1; cid <= k; cid++ {
			var s Summary
			if id := keyOf[k][cid]; id >= 0 {
				s = res[id]
			}
			m[kKey(cid)] = s
		}
		out[kKey(k)] = m
	}
	return out
}
