package lens

import (
	"sort"
	"strings"
)

// Pattern is a frequent gapped sub-sequence: its items in order and the
// number of sequences containing it.
type Pattern struct {
	Items []string
	Count int
}

// MaxPatternLen is the longest pattern the miner records (the released
// code stops at 6 items without recording).
const MaxPatternLen = 5

// MinePatterns is the released tool's PrefixSpan-like miner
// (frequent_rec_modified) on db, where db[s][j] is the item set of position
// j of sequence s. It returns every recorded pattern with its support, in
// discovery order, starting with the empty pattern (support len(db)).
// Only the first occurrence of an item per sequence extends a pattern;
// two consecutive items may not both start with "pos:"; patterns have at
// most MaxPatternLen items. At the root the released code reads the last
// item of the last position (Python index −1) as the previous item, so a
// pattern can only start with a "pos:" item if that last item is not one.
func MinePatterns(db [][][]string, minsup float64) []Pattern {
	m := newMiner(db, minsup)
	m.run()
	out := make([]Pattern, len(m.recs))
	for r := range m.recs {
		out[r] = Pattern{Items: m.items(r), Count: int(m.recs[r].count)}
	}
	return out
}

// rec is one recorded pattern: its last item and parent record (a trie).
type rec struct {
	parent, item, count int32
	n, nt, np           int8
}

type occ struct{ i, j, k int32 }

// miner runs frequent_rec_modified on interned items with per-depth
// scratch space; patterns are stored as a trie of records.
type miner struct {
	db     [][][]int32
	names  []string
	isPos  []bool
	isT    []bool
	minsup float64
	recs   []rec
	lists  [][][]occ // [depth][item]
	order  [][]int32 // [depth] items in first-access order
	seen   [][]bool  // [depth][item] accessed at this node
}

func newMiner(db [][][]string, minsup float64) *miner {
	m := &miner{minsup: minsup, db: make([][][]int32, len(db))}
	ids := map[string]int32{}
	for s, seq := range db {
		m.db[s] = make([][]int32, len(seq))
		for j, set := range seq {
			row := make([]int32, len(set))
			for k, it := range set {
				id, ok := ids[it]
				if !ok {
					id = int32(len(m.names))
					ids[it] = id
					m.names = append(m.names, it)
					m.isPos = append(m.isPos, strings.HasPrefix(it, "pos:"))
					m.isT = append(m.isT, strings.HasPrefix(it, "t:"))
				}
				row[k] = id
			}
			m.db[s][j] = row
		}
	}
	nd := MaxPatternLen
	m.lists = make([][][]occ, nd)
	m.order = make([][]int32, nd)
	m.seen = make([][]bool, nd)
	for d := range nd {
		m.lists[d] = make([][]occ, len(m.names))
		m.seen[d] = make([]bool, len(m.names))
	}
	return m
}

func (m *miner) run() {
	mdb := make([]occ, len(m.db))
	for i := range mdb {
		mdb[i] = occ{int32(i), -1, -1}
	}
	m.rec(-1, -1, 0, 0, 0, mdb)
}

// rec records the pattern (parent + item) with support len(mdb) and extends it.
func (m *miner) rec(parent, item int32, depth, nt, np int, mdb []occ) {
	self := int32(len(m.recs))
	m.recs = append(m.recs, rec{parent: parent, item: item, count: int32(len(mdb)), n: int8(depth), nt: int8(nt), np: int8(np)})
	if depth == MaxPatternLen {
		return // every extension would be dropped unrecorded
	}
	lists, seen := m.lists[depth], m.seen[depth]
	order := m.order[depth][:0]
	for _, o := range mdb {
		seq := m.db[o.i]
		if int(o.j)+1 >= len(seq) {
			continue
		}
		js := int(o.j)
		if js < 0 {
			js += len(seq)
		}
		set := seq[js]
		ks := int(o.k)
		if ks < 0 {
			ks += len(set)
		}
		prevPos := m.isPos[set[ks]]
		for j := int(o.j) + 1; j < len(seq); j++ {
			for k, it := range seq[j] {
				if !seen[it] {
					seen[it] = true
					order = append(order, it)
				}
				l := lists[it]
				if (len(l) == 0 || l[len(l)-1].i != o.i) && !(prevPos && m.isPos[it]) {
					lists[it] = append(l, occ{o.i, int32(j), int32(k)})
				}
			}
		}
	}
	m.order[depth] = order
	for _, c := range order {
		if nm := lists[c]; float64(len(nm)) >= m.minsup {
			t, p := nt, np
			if m.isT[c] {
				t++
			}
			if m.isPos[c] {
				p++
			}
			m.rec(self, c, depth+1, t, p, nm)
		}
	}
	for _, c := range order {
		seen[c] = false
		lists[c] = lists[c][:0]
	}
}

func (m *miner) items(r int) []string {
	out := make([]string, m.recs[r].n)
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = m.names[m.recs[r].item]
		r = int(m.recs[r].parent)
	}
	return out
}

// best is ScorePatterns(...)[0] without materialising every pattern.
func (m *miner) best(nSeq int) (Pattern, bool) {
	maxLen := 0
	for _, r := range m.recs {
		maxLen = max(maxLen, int(r.n))
	}
	bi, bs := -1, 0.0
	for i, r := range m.recs {
		if r.n == 0 || r.count <= 1 || r.nt < 1 || r.nt < r.np {
			continue
		}
		score := 0.0
		score += 0.5 * (float64(r.count) / float64(nSeq))
		score += 0.25 * (float64(r.n) / float64(maxLen))
		score += 0.25 * (float64(r.nt) / float64(maxLen))
		if bi < 0 || score > bs {
			bi, bs = i, score
		}
	}
	if bi < 0 {
		return Pattern{}, false
	}
	return Pattern{Items: m.items(bi), Count: int(m.recs[bi].count)}, true
}

// ScoredPattern is a pattern with the released tool's informativeness score.
type ScoredPattern struct {
	Pattern
	Score float64
}

// ScorePatterns is the released score_patterns: with N = nSeq and M the
// longest recorded pattern (1 if none), score = 0.5·count/N + 0.25·len/M +
// 0.25·#t-items/M; patterns are kept when count > 1, they have at least one
// "t:" item and no more "pos:" items than "t:" items; the result is stably
// sorted by score, highest first (ties keep discovery order).
func ScorePatterns(results []Pattern, nSeq int) []ScoredPattern {
	maxLen := 1
	if len(results) > 0 {
		maxLen = 0
		for _, r := range results {
			maxLen = max(maxLen, len(r.Items))
		}
	}
	var out []ScoredPattern
	for _, r := range results {
		if len(r.Items) == 0 {
			continue
		}
		nt, np := 0, 0
		for _, t := range r.Items {
			if strings.HasPrefix(t, "t:") {
				nt++
			}
			if strings.HasPrefix(t, "pos:") {
				np++
			}
		}
		score := 0.0
		score += 0.5 * (float64(r.Count) / float64(nSeq))
		score += 0.25 * (float64(len(r.Items)) / float64(maxLen))
		score += 0.25 * (float64(nt) / float64(maxLen))
		if r.Count > 1 && nt >= 1 && nt >= np {
			out = append(out, ScoredPattern{r, score})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	return out
}

// ClusterItems turns parsed texts into the miner's database: each token
// becomes the item set ["t:"+text+"#pos:"+POS, "pos:"+POS].
func ClusterItems(parses [][]Token) [][][]string {
	db := make([][][]string, len(parses))
	for i, p := range parses {
		db[i] = make([][]string, len(p))
		for j, t := range p {
			db[i][j] = []string{"t:" + t.Token + "#pos:" + t.POS, "pos:" + t.POS}
		}
	}
	return db
}

// TopPattern is the released tool's cluster summary: for a cluster of at
// least 3 texts (parses in dendrogram order), mine with minsup = 0.3·|C|,
// score, and return the best pattern; ok is false when the cluster is
// smaller or nothing qualifies.
func TopPattern(parses [][]Token) (p Pattern, ok bool) {
	if len(parses) < 3 {
		return Pattern{}, false
	}
	m := newMiner(ClusterItems(parses), float64(len(parses))*0.3)
	m.run()
	return m.best(len(parses))
}
