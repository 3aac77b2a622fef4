package lens

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Token is one parsed token in the released layout's "parse_data" list.
// HeadTokenIdx is the index of the syntactic head within the text (the
// token itself for the root, as spaCy does); -1 when there is no parse.
type Token struct {
	Token        string `json:"token"`
	POS          string `json:"pos"`
	Dep          string `json:"dep"`
	HeadTokenIdx int    `json:"headTokenIdx"`
}

// Axis names as the released tool spells them.
const (
	AxisEmbedding = "embedding"
	AxisToken     = "token"
	AxisPOS       = "pos"
	AxisDep       = "dep"
)

// DefaultKs is the released N_CLUSTERS_LIST.
var DefaultKs = []int{3, 5, 8, 9, 10, 11, 12, 15, 20, 30, 50}

// Output is the released tool's JSON document:
//
//	{"data": [Row...], "clusters": {axis: {k: {clusterID: Summary}}}}
//
// with k and cluster ids as decimal strings ("10", "3").
type Output struct {
	Data     []Row                                    `json:"data"`
	Clusters map[string]map[string]map[string]Summary `json:"clusters"`
}

// Summary is one cluster header: {"top_sequence": {"tokens": [...],
// "count": N}}, or {"top_sequence": {}} when the cluster has no summary.
type Summary struct {
	TopSequence TopSequence `json:"top_sequence"`
}

// TopSequence is a cluster's most informative frequent pattern; both fields
// are omitted (marshalling to {}) when there is none. Items are
// "t:TEXT#pos:POS" or "pos:POS".
type TopSequence struct {
	Tokens []string `json:"tokens,omitempty"`
	Count  int      `json:"count,omitempty"`
}

// Row is one text in the released layout. Its JSON object holds the
// input's own columns (Columns, e.g. "col1" and "all tags") at top level
// next to "index", "parse_data", "cluster_ids" ({axis: {k: id}}) and
// "order_index" ({axis: leaf rank}).
type Row struct {
	Columns    map[string]any
	Index      int
	ParseData  []Token
	ClusterIDs map[string]map[string]int
	OrderIndex map[string]int
}

var rowKeys = []string{"index", "parse_data", "cluster_ids", "order_index"}

// MarshalJSON writes the row as one flat object (columns plus the fixed
// fields). A column named like a fixed field is an error.
func (r Row) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(r.Columns)+4)
	for k, v := range r.Columns {
		m[k] = v
	}
	for _, k := range rowKeys {
		if _, dup := r.Columns[k]; dup {
			return nil, fmt.Errorf("lens: Row: column %q clashes with a field of the layout", k)
		}
	}
	pd := r.ParseData
	if pd == nil {
		pd = []Token{}
	}
	m["index"], m["parse_data"], m["cluster_ids"], m["order_index"] = r.Index, pd, r.ClusterIDs, r.OrderIndex
	return json.Marshal(m)
}

// UnmarshalJSON reads a flat row object; unknown keys become Columns.
func (r *Row) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*r = Row{Columns: map[string]any{}}
	for k, v := range m {
		var err error
		switch k {
		case "index":
			err = json.Unmarshal(v, &r.Index)
		case "parse_data":
			err = json.Unmarshal(v, &r.ParseData)
		case "cluster_ids":
			err = json.Unmarshal(v, &r.ClusterIDs)
		case "order_index":
			err = json.Unmarshal(v, &r.OrderIndex)
		default:
			var x any
			err = json.Unmarshal(v, &x)
			r.Columns[k] = x
		}
		if err != nil {
			return fmt.Errorf("lens: row field %q: %w", k, err)
		}
	}
	return nil
}

// ReadOutput decodes a document in the released layout (for example the
// tool's static/data/*.json). It is also how parses a user already has are
// read: see ParsesByIndex and FixedParser.
func ReadOutput(r io.Reader) (*Output, error) {
	var o Output
	if err := json.NewDecoder(r).Decode(&o); err != nil {
		return nil, fmt.Errorf("lens: ReadOutput: %w", err)
	}
	return &o, nil
}

// WriteJSON writes o tab-indented, as the released tool does.
func (o *Output) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "\t")
	enc.SetEscapeHTML(true)
	return enc.Encode(o)
}

// ParsesByIndex returns the rows' parses indexed by their "index" field
// (the order of the tool's input after sampling). It fails if indices are
// not a permutation of 0..len-1.
func (o *Output) ParsesByIndex() ([][]Token, error) {
	p := make([][]Token, len(o.Data))
	seen := make([]bool, len(o.Data))
	for _, r := range o.Data {
		if r.Index < 0 || r.Index >= len(p) || seen[r.Index] {
			return nil, fmt.Errorf("lens: ParsesByIndex: bad or repeated index %d", r.Index)
		}
		seen[r.Index] = true
		p[r.Index] = r.ParseData
	}
	return p, nil
}

func kKey(k int) string { return strconv.Itoa(k) }
