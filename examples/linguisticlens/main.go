// Linguisticlens shows how diverse a set of LLM-generated texts is, after
// LinguisticLens (Reif, Kahng and Petridis, 2023): it tags every text,
// clusters the texts by token, POS and (with parses that carry them)
// dependency-label n-grams and by a text embedding, summarises each cluster
// by its most informative frequent pattern, and writes one self-contained
// interactive HTML page:
//
//	go run ./examples/linguisticlens                                # Code Alpaca instructions → lens.html
//	go run ./examples/linguisticlens -in data.csv -column text -out lens.html
//	go run ./examples/linguisticlens -in gen.jsonl.gz -column response -limit 500 -json
//	go run ./examples/linguisticlens -embed-url http://localhost:8080 -embed-model nomic
//
// Input is CSV (a header row names the columns) or JSON (JSON Lines, one
// object per line, or one JSON array of objects), plain or gzip-compressed.
// The default input is data.Dir()/llm-generated/code_alpaca_2k.json.gz, a JSON
// array of 2,017 Code Alpaca records whose "instruction" field is the text
// text-davinci-003 generated.
//
// Progress goes to stderr; stdout gets a short summary of the most repeated
// syntactic templates (the top patterns of the largest clusters of the POS
// lens), and with -json one JSON object as its last line.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/internal/cputime"
	"github.com/cairn-ml/cairn/prompt/openai"
	"github.com/cairn-ml/cairn/viz/lens"
	"github.com/cairn-ml/cairn/viz/lens/prosetag"
	"github.com/cairn-ml/cairn/viz/view"
)

type config struct {
	in, column, out    string
	jsonOut, parses    string
	embedURL, embedMod string
	ks                 []int
	limit, top, summK  int
	json               bool
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "linguisticlens:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "linguisticlens:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line into a config, checking every value.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("linguisticlens", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.in, "in", "", "input CSV or JSON/JSON Lines file, plain or .gz (default: data.Dir()/llm-generated/code_alpaca_2k.json.gz)")
	fs.StringVar(&cfg.column, "column", "", `column holding the text (default: "instruction" for the default input, else required)`)
	fs.StringVar(&cfg.out, "out", "lens.html", "the HTML page to write (empty: none)")
	fs.StringVar(&cfg.jsonOut, "json-out", "", "also write the lens JSON (the released tool's layout) to this file")
	fs.StringVar(&cfg.parses, "parses", "", "take parses from this JSON in the released layout (rows keyed by the text column) instead of tagging")
	fs.StringVar(&cfg.embedURL, "embed-url", "", "OpenAI-compatible server for the embedding lens (default: offline TF-IDF)")
	fs.StringVar(&cfg.embedMod, "embed-model", "", "model name sent to -embed-url")
	ks := fs.String("k", "", "comma-separated cluster counts (default 3,5,8,9,10,11,12,15,20,30,50)")
	fs.IntVar(&cfg.limit, "limit", 2000, "use only the first n texts (0: all)")
	fs.IntVar(&cfg.top, "top", 5, "templates to print: the largest POS clusters")
	fs.IntVar(&cfg.summK, "summary-k", 10, "number of POS clusters the printed templates come from (must be one of -k)")
	fs.BoolVar(&cfg.json, "json", false, "print counts, timings and the top templates as one JSON object on the last line of stdout")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.in == "" {
		cfg.in = filepath.Join(data.Dir(), "llm-generated", "code_alpaca_2k.json.gz")
		if cfg.column == "" {
			cfg.column = "instruction"
		}
	}
	if cfg.column == "" {
		return cfg, errors.New("-column is required with -in")
	}
	if cfg.limit < 0 || cfg.top < 0 {
		return cfg, fmt.Errorf("-limit %d and -top %d must not be negative", cfg.limit, cfg.top)
	}
	if cfg.embedMod != "" && cfg.embedURL == "" {
		return cfg, errors.New("-embed-model needs -embed-url")
	}
	cfg.ks = slices.Clone(lens.DefaultKs)
	if *ks != "" {
		cfg.ks = nil
		for _, f := range strings.Split(*ks, ",") {
			k, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || k < 1 {
				return cfg, fmt.Errorf("-k: %q is not a cluster count ≥ 1", f)
			}
			if !slices.Contains(cfg.ks, k) {
				cfg.ks = append(cfg.ks, k)
			}
		}
	}
	if !slices.Contains(cfg.ks, cfg.summK) {
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "summary-k" })
		if set {
			return cfg, fmt.Errorf("-summary-k %d is not one of -k %v", cfg.summK, cfg.ks)
		}
		cfg.summK = cfg.ks[min(4, len(cfg.ks)-1)] // the view's initial k
	}
	return cfg, nil
}

// record is one input row: its text and the columns kept in the output.
type record struct {
	text string
	tags string // the "all tags" column, if any (seed examples)
}

// openMaybeGzip returns the file's content, gunzipped if it starts with
// the gzip magic bytes.
func openMaybeGzip(path string) (io.Reader, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReader(f)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		return zr, f.Close, nil
	}
	return br, f.Close, nil
}

// readRecords reads the text column of a CSV, JSON Lines or JSON array
// file. The format is taken from the name (.csv; .json, .jsonl, .ndjson,
// each optionally .gz) or else sniffed from the first byte ('[' or '{' is
// JSON).
func readRecords(path, column string) ([]record, error) {
	r, closeFn, err := openMaybeGzip(path)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	name := strings.ToLower(strings.TrimSuffix(strings.ToLower(path), ".gz"))
	isJSON := strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".ndjson")
	if !isJSON && !strings.HasSuffix(name, ".csv") {
		t := bytes.TrimLeft(b, " \t\r\n\ufeff")
		isJSON = len(t) > 0 && (t[0] == '[' || t[0] == '{')
	}
	var recs []record
	if isJSON {
		recs, err = readJSON(b, column)
	} else {
		recs, err = readCSV(b, column)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: no records", path)
	}
	return recs, nil
}

func readCSV(b []byte, column string) ([]record, error) {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	col, tagCol := slices.Index(header, column), slices.Index(header, "all tags")
	if col < 0 {
		return nil, fmt.Errorf("no column %q (columns: %q)", column, header)
	}
	var recs []record
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return nil, err
		}
		rec := record{text: row[col]}
		if tagCol >= 0 {
			rec.tags = row[tagCol]
		}
		recs = append(recs, rec)
	}
}

func readJSON(b []byte, column string) ([]record, error) {
	var objs []map[string]any
	t := bytes.TrimLeft(b, " \t\r\n\ufeff")
	if len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &objs); err != nil {
			return nil, fmt.Errorf("JSON array: %w", err)
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(t))
		for {
			var o map[string]any
			if err := dec.Decode(&o); err == io.EOF {
				break
			} else if err != nil {
				return nil, fmt.Errorf("JSON Lines record %d: %w", len(objs)+1, err)
			}
			objs = append(objs, o)
		}
	}
	recs := make([]record, len(objs))
	for i, o := range objs {
		v, ok := o[column]
		if !ok {
			keys := make([]string, 0, len(o))
			for k := range o {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			return nil, fmt.Errorf("record %d has no field %q (fields: %q)", i+1, column, keys)
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("record %d: field %q is %T, not a string", i+1, column, v)
		}
		recs[i].text = s
		if tg, ok := o["all tags"].(string); ok {
			recs[i].tags = tg
		}
	}
	return recs, nil
}

// stageTimer attributes the wall and CPU time between consecutive progress
// calls to the stage reported by the later call: Build calls Progress right
// after finishing each piece of work.
type stageTimer struct {
	order     []string
	wall, cpu map[string]time.Duration
	lastWall  time.Time
	lastCPU   time.Duration
}

func newStageTimer() *stageTimer {
	return &stageTimer{wall: map[string]time.Duration{}, cpu: map[string]time.Duration{},
		lastWall: time.Now(), lastCPU: cputime.Now()}
}

func (s *stageTimer) mark(stage string) {
	now, c := time.Now(), cputime.Now()
	if _, ok := s.wall[stage]; !ok {
		s.order = append(s.order, stage)
	}
	s.wall[stage] += now.Sub(s.lastWall)
	s.cpu[stage] += c - s.lastCPU
	s.lastWall, s.lastCPU = now, c
}

// Template is one printed syntactic template: a POS-lens cluster and its
// summary pattern.
type Template struct {
	Cluster int    `json:"cluster"`
	Size    int    `json:"size"`
	Pattern string `json:"pattern"`
	Count   int    `json:"count"`
	Example string `json:"example"`
}

// Timing is the wall-clock and CPU time of one stage, in seconds.
type Timing struct {
	Stage string  `json:"stage"`
	Wall  float64 `json:"wall_s"`
	CPU   float64 `json:"cpu_s"`
}

// Result is the -json line.
type Result struct {
	Input     string     `json:"input"`
	Column    string     `json:"column"`
	Records   int        `json:"records"`
	Texts     int        `json:"texts"`
	Tokens    int        `json:"tokens"`
	Lenses    []string   `json:"lenses"`
	Ks        []int      `json:"ks"`
	SummaryK  int        `json:"summary_k"`
	Embedder  string     `json:"embedder"`
	Out       string     `json:"out,omitempty"`
	JSONOut   string     `json:"json_out,omitempty"`
	Timings   []Timing   `json:"timings"`
	WallTotal float64    `json:"wall_s"`
	CPUTotal  float64    `json:"cpu_s"`
	Templates []Template `json:"templates"`
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	st := newStageTimer()
	start, cpu0 := st.lastWall, st.lastCPU
	recs, err := readRecords(cfg.in, cfg.column)
	if err != nil {
		return err
	}
	res := Result{Input: cfg.in, Column: cfg.column, Records: len(recs), Ks: cfg.ks, SummaryK: cfg.summK,
		Embedder: "tfidf", Out: cfg.out, JSONOut: cfg.jsonOut}
	if cfg.limit > 0 && len(recs) > cfg.limit {
		fmt.Fprintf(stderr, "using the first %d of %d texts (-limit 0 for all)\n", cfg.limit, len(recs))
		recs = recs[:cfg.limit]
	}
	res.Texts = len(recs)
	opt := lens.Options{Ks: cfg.ks, Parser: prosetag.Tagger{}}
	if cfg.parses != "" {
		r, closeFn, err := openMaybeGzip(cfg.parses)
		if err != nil {
			return err
		}
		doc, err := lens.ReadOutput(r)
		closeFn()
		if err != nil {
			return fmt.Errorf("-parses %s: %w", cfg.parses, err)
		}
		if opt.Parser, err = lens.FixedParserFrom(doc, cfg.column); err != nil {
			return fmt.Errorf("-parses %s: %w", cfg.parses, err)
		}
	}
	if cfg.embedURL != "" {
		c, err := openai.New(openai.WithBaseURL(cfg.embedURL), openai.WithModel(cfg.embedMod))
		if err != nil {
			return err
		}
		opt.Embedder = c
		res.Embedder = cfg.embedURL
		if cfg.embedMod != "" {
			res.Embedder += " (" + cfg.embedMod + ")"
		}
	}
	inputs := make([]lens.Input, len(recs))
	for i, r := range recs {
		cols := map[string]any{cfg.column: r.text}
		if r.tags != "" && cfg.column != "all tags" {
			cols["all tags"] = r.tags
		}
		inputs[i] = lens.Input{Text: r.text, Columns: cols}
	}
	st.mark("read")

	// Progress: tagging every tenth, one line per lens for the rest.
	names := []string{lens.AxisToken, lens.AxisPOS, lens.AxisDep}
	all := append([]string{lens.AxisEmbedding}, names...)
	step := max(1, len(inputs)/10)
	opt.Progress = func(stage string, done, total int) {
		st.mark(stage)
		switch stage {
		case "parse":
			if done%step == 0 || done == total {
				fmt.Fprintf(stderr, "tagging %d/%d texts (%.1fs)\n", done, total, time.Since(start).Seconds())
			}
		case "embed":
			if done == total {
				fmt.Fprintf(stderr, "embedded %d texts (%.1fs)\n", len(inputs), time.Since(start).Seconds())
			}
		case "similarity":
			if done-1 < len(names) {
				fmt.Fprintf(stderr, "similarity %s (%d/%d, %.1fs)\n", names[done-1], done, total, time.Since(start).Seconds())
			}
		case "cluster", "summary":
			// Build's axes are embedding (always on here), token, pos[, dep].
			name := "lens " + strconv.Itoa(done)
			if done-1 < len(all) {
				name = all[done-1]
			}
			verb := map[string]string{"cluster": "clustered", "summary": "summarised"}[stage]
			fmt.Fprintf(stderr, "%s %s lens (%d/%d, %.1fs)\n", verb, name, done, total, time.Since(start).Seconds())
		}
	}
	out, err := lens.Build(ctx, inputs, opt)
	if err != nil {
		return err
	}
	for _, r := range out.Data {
		res.Tokens += len(r.ParseData)
	}
	for _, ax := range all {
		if _, ok := out.Clusters[ax]; ok {
			res.Lenses = append(res.Lenses, ax)
		}
	}

	var buf bytes.Buffer
	if err := out.WriteJSON(&buf); err != nil {
		return err
	}
	if cfg.jsonOut != "" {
		if err := os.WriteFile(cfg.jsonOut, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if cfg.out != "" {
		title := "LinguisticLens: " + filepath.Base(cfg.in) + " · " + cfg.column
		if err := view.WriteFile(cfg.out, buf.Bytes(), view.Options{Title: title, TextField: cfg.column, Lens: lens.AxisPOS}); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s\n", cfg.out)
	}
	st.mark("write")
	for _, s := range st.order {
		res.Timings = append(res.Timings, Timing{s, st.wall[s].Seconds(), st.cpu[s].Seconds()})
	}
	res.WallTotal = time.Since(start).Seconds()
	res.CPUTotal = (cputime.Now() - cpu0).Seconds()
	res.Templates = templates(out, cfg.column, cfg.summK, cfg.top)

	fmt.Fprintf(stdout, "%d texts, %d tokens; lenses %s; %.1fs wall, %.1fs CPU\n",
		res.Texts, res.Tokens, strings.Join(res.Lenses, ", "), res.WallTotal, res.CPUTotal)
	fmt.Fprintf(stdout, "most repeated syntactic templates (largest of %d POS clusters):\n", cfg.summK)
	for _, t := range res.Templates {
		pat := t.Pattern
		if pat == "" {
			pat = "(no summary pattern)"
		}
		fmt.Fprintf(stdout, "  %4d texts  %-45s ×%d  e.g. %q\n", t.Size, pat, t.Count, t.Example)
	}
	if cfg.json {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

// templates returns the summary patterns of the top largest clusters of the
// POS lens at k, each with an example text: the first text of the cluster,
// in dendrogram order, that contains the pattern.
func templates(out *lens.Output, column string, k, top int) []Template {
	kk := strconv.Itoa(k)
	type cl struct {
		id      int
		members []lens.Row
	}
	byID := map[int]*cl{}
	var cls []*cl
	rows := slices.Clone(out.Data)
	slices.SortStableFunc(rows, func(a, b lens.Row) int { return a.OrderIndex[lens.AxisPOS] - b.OrderIndex[lens.AxisPOS] })
	for _, r := range rows {
		id := r.ClusterIDs[lens.AxisPOS][kk]
		c := byID[id]
		if c == nil {
			c = &cl{id: id}
			byID[id] = c
			cls = append(cls, c)
		}
		c.members = append(c.members, r)
	}
	slices.SortStableFunc(cls, func(a, b *cl) int { return len(b.members) - len(a.members) })
	var ts []Template
	for _, c := range cls[:min(top, len(cls))] {
		t := Template{Cluster: c.id, Size: len(c.members)}
		seq := out.Clusters[lens.AxisPOS][kk][strconv.Itoa(c.id)].TopSequence
		t.Pattern, t.Count = renderPattern(seq.Tokens), seq.Count
		ex := c.members[0]
		for _, r := range c.members {
			if matches(seq.Tokens, r.ParseData) {
				ex = r
				break
			}
		}
		t.Example, _ = ex.Columns[column].(string)
		ts = append(ts, t)
	}
	return ts
}

// renderPattern writes a pattern as the view's chips read: the token text
// of a "t:TEXT#pos:POS" item, the POS name of a "pos:POS" item, joined by
// " … " (the pattern is gapped).
func renderPattern(items []string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		if text, ok := strings.CutPrefix(it, "t:"); ok {
			if j := strings.LastIndex(text, "#pos:"); j >= 0 {
				text = text[:j]
			}
			parts[i] = text
		} else {
			parts[i] = strings.TrimPrefix(it, "pos:")
		}
	}
	return strings.Join(parts, " … ")
}

// matches reports whether the items occur in order (with gaps) in toks.
func matches(items []string, toks []lens.Token) bool {
	j := 0
	for _, t := range toks {
		if j == len(items) {
			break
		}
		it := items[j]
		if pos, ok := strings.CutPrefix(it, "pos:"); ok {
			if t.POS == pos {
				j++
			}
		} else if it == "t:"+t.Token+"#pos:"+t.POS {
			j++
		}
	}
	return j == len(items)
}
