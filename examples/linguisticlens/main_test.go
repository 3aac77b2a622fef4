package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/viz/lens"
)

// texts is a tiny data set with repeated templates, a hostile script tag
// and quotes.
var texts = []string{
	"Write a function to sort a list.",
	"Write a function to reverse a string.",
	"Write a program to count the words in a file.",
	"Create a class that stores a name and an age.",
	"Create a class that stores a title and a year.",
	`Explain what "<script>alert('pwned')</script>" does & why.`,
	"How do you merge two sorted arrays?",
	"How do you find the largest number in a list?",
}

// runMain parses args and runs, returning stdout.
func runMain(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cfg, err := parseFlags(args, &bytes.Buffer{})
	if err != nil {
		return "", err
	}
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), cfg, &stdout, &stderr)
	if err == nil && !strings.Contains(stderr.String(), "tagging 8/8") && !strings.Contains(stderr.String(), "clustered pos lens") {
		t.Errorf("no progress on stderr: %q", stderr.String())
	}
	return stdout.String(), err
}

// lastJSON decodes the last line of stdout.
func lastJSON(t *testing.T, out string) Result {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	var r Result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out)
	}
	return r
}

// checkHTML checks that the page holds every text, JSON- and
// script-escaped, and no markup from the texts.
func checkHTML(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, s := range texts {
		js, _ := json.Marshal(s) // HTML-escaped: <, >, & as \u003c, \u003e, \u0026
		if !strings.Contains(page, string(js[1:len(js)-1])) {
			t.Errorf("page lacks the escaped text %s", js)
		}
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "alert('pwned')</script>") {
		t.Errorf("the input's <script> tag reached the page unescaped")
	}
	return page
}

func TestCSVEndToEnd(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,text,all tags\n")
	for i, s := range texts {
		tag := "Synthetic"
		if i == 0 {
			tag = "User"
		}
		b.WriteString(`"` + string(rune('a'+i)) + `","` + strings.ReplaceAll(s, `"`, `""`) + `",` + tag + "\n")
	}
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, jsonOut := filepath.Join(dir, "lens.html"), filepath.Join(dir, "lens.json")
	stdout, err := runMain(t, "-in", in, "-column", "text", "-out", out, "-json-out", jsonOut, "-k", "2,3", "-top", "2", "-json")
	if err != nil {
		t.Fatal(err)
	}
	checkHTML(t, out)
	r := lastJSON(t, stdout)
	if r.Texts != len(texts) || r.Records != len(texts) || r.Tokens < 60 || r.Column != "text" {
		t.Errorf("counts: %+v", r)
	}
	if !slices.Equal(r.Lenses, []string{"embedding", "token", "pos"}) || !slices.Equal(r.Ks, []int{2, 3}) || r.SummaryK != 3 {
		t.Errorf("lenses %v ks %v summary k %d", r.Lenses, r.Ks, r.SummaryK)
	}
	var stages []string
	for _, tm := range r.Timings {
		stages = append(stages, tm.Stage)
		if tm.Wall < 0 || tm.CPU < 0 {
			t.Errorf("negative timing %+v", tm)
		}
	}
	if !slices.Equal(stages, []string{"read", "parse", "embed", "similarity", "cluster", "summary", "write"}) {
		t.Errorf("stages %v", stages)
	}
	if len(r.Templates) != 2 || r.Templates[0].Size < r.Templates[1].Size {
		t.Fatalf("templates %+v", r.Templates)
	}
	for _, tp := range r.Templates {
		if !slices.Contains(texts, tp.Example) {
			t.Errorf("example %q is not an input text", tp.Example)
		}
	}
	if !strings.Contains(stdout, "most repeated syntactic templates") {
		t.Errorf("no text summary:\n%s", stdout)
	}
	// The lens JSON: every text once, seeds' tags kept, no dep lens
	// (the prose tagger has no parser).
	f, err := os.Open(jsonOut)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := lens.ReadOutput(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Data) != len(texts) {
		t.Fatalf("%d rows", len(doc.Data))
	}
	if _, ok := doc.Clusters["dep"]; ok {
		t.Errorf("dep lens without dependency labels")
	}
	seeds := 0
	for _, row := range doc.Data {
		if row.Columns["all tags"] == "User" {
			seeds++
		}
		if len(row.ClusterIDs["pos"]) != 2 || len(row.ParseData) == 0 {
			t.Errorf("row %d: %v", row.Index, row.ClusterIDs)
		}
	}
	if seeds != 1 {
		t.Errorf("%d seed rows, want 1", seeds)
	}
}

func TestJSONLinesGzip(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, s := range texts {
		line, _ := json.Marshal(map[string]any{"response": s, "id": 7})
		zw.Write(append(line, '\n'))
	}
	zw.Close()
	in := filepath.Join(dir, "gen.jsonl.gz")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "lens.html")
	stdout, err := runMain(t, "-in", in, "-column", "response", "-out", out, "-k", "2,3,4", "-limit", "7", "-json")
	if err != nil {
		t.Fatal(err)
	}
	r := lastJSON(t, stdout)
	if r.Records != 8 || r.Texts != 7 || r.SummaryK != 4 || len(r.Templates) == 0 {
		t.Errorf("%+v", r)
	}
	page, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(page, []byte("How do you merge two sorted arrays?")) {
		t.Errorf("page: %v", err)
	}
}

// TestJSONArray reads the default input's format (one JSON array), sniffed
// without an extension.
func TestJSONArray(t *testing.T) {
	dir := t.TempDir()
	var recs []map[string]string
	for _, s := range texts {
		recs = append(recs, map[string]string{"instruction": s, "output": "x"})
	}
	b, _ := json.MarshalIndent(recs, "", "  ")
	in := filepath.Join(dir, "data")
	os.WriteFile(in, b, 0o644)
	out := filepath.Join(dir, "lens.html")
	if _, err := runMain(t, "-in", in, "-column", "instruction", "-out", out, "-k", "3"); err != nil {
		t.Fatal(err)
	}
	checkHTML(t, out)
}

// TestParsesFile takes parses with dependency labels from a file in the
// released layout: the dep lens appears.
func TestParsesFile(t *testing.T) {
	dir := t.TempDir()
	mk := func(words ...string) []lens.Token {
		var p []lens.Token
		for i, w := range words {
			pos, dep := "NOUN", "dobj"
			if i == 0 {
				pos, dep = "VERB", "ROOT"
			}
			p = append(p, lens.Token{Token: w, POS: pos, Dep: dep, HeadTokenIdx: 0})
		}
		return p
	}
	small := []string{"Sort the list", "Reverse the string", "Count the words now", "Merge two arrays"}
	doc := lens.Output{Clusters: map[string]map[string]map[string]lens.Summary{}}
	var csvText strings.Builder
	csvText.WriteString("text\n")
	for i, s := range small {
		doc.Data = append(doc.Data, lens.Row{Columns: map[string]any{"text": s}, Index: i, ParseData: mk(strings.Fields(s)...)})
		csvText.WriteString(s + "\n")
	}
	var b bytes.Buffer
	if err := doc.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	parses, in := filepath.Join(dir, "parses.json"), filepath.Join(dir, "in.csv")
	os.WriteFile(parses, b.Bytes(), 0o644)
	os.WriteFile(in, []byte(csvText.String()), 0o644)
	stdout, err := runMain(t, "-in", in, "-column", "text", "-parses", parses, "-out", filepath.Join(dir, "l.html"), "-k", "2", "-json")
	if err != nil {
		t.Fatal(err)
	}
	if r := lastJSON(t, stdout); !slices.Equal(r.Lenses, []string{"embedding", "token", "pos", "dep"}) || r.Tokens != 13 {
		t.Errorf("lenses %v tokens %d", r.Lenses, r.Tokens)
	}
	// A text the parses file lacks is an error.
	os.WriteFile(in, []byte(csvText.String()+"Not parsed\n"), 0o644)
	if _, err := runMain(t, "-in", in, "-column", "text", "-parses", parses, "-out", "", "-k", "2"); err == nil {
		t.Errorf("a text missing from -parses was accepted")
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	csvIn := filepath.Join(dir, "in.csv")
	os.WriteFile(csvIn, []byte("a,b\nx,y\nz,w\n"), 0o644)
	jsonlIn := filepath.Join(dir, "in.jsonl")
	os.WriteFile(jsonlIn, []byte("{\"text\":\"one\"}\n{\"other\":\"two\"}\n"), 0o644)
	numIn := filepath.Join(dir, "num.jsonl")
	os.WriteFile(numIn, []byte("{\"text\":1}\n"), 0o644)
	for _, args := range [][]string{
		{"-k", "0"},
		{"-k", "3,x"},
		{"-limit", "-1"},
		{"-k", "3,5", "-summary-k", "7"},
		{"-nosuch"},
		{"extra"},
		{"-in", csvIn},                    // -column required
		{"-embed-model", "m"},             // without -embed-url
		{"-in", csvIn, "-column", "text"}, // missing CSV column
		{"-in", jsonlIn, "-column", "text"},
		{"-in", numIn, "-column", "text"},
		{"-in", filepath.Join(dir, "absent.csv"), "-column", "a"},
	} {
		args = append(args, "-out", "")
		if _, err := runMain(t, args...); err == nil {
			t.Errorf("%q: no error", args)
		} else if strings.Contains(strings.Join(args, " "), "column text") && !strings.Contains(err.Error(), `"text"`) {
			t.Errorf("%q: error does not name the column: %v", args, err)
		}
	}
}

// TestBrowser loads a page without a dep lens in headless Chromium, asking
// for the dep lens in the URL: the page must fall back to a lens it has,
// finish its script and record no error, and the input's script must not
// run. Skipped without a chromium binary.
func TestBrowser(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium on PATH")
	}
	dir := t.TempDir()
	var recs []map[string]string
	for _, s := range texts {
		recs = append(recs, map[string]string{"instruction": s})
	}
	b, _ := json.Marshal(recs)
	in, out := filepath.Join(dir, "in.json"), filepath.Join(dir, "lens.html")
	os.WriteFile(in, b, 0o644)
	if _, err := runMain(t, "-in", in, "-column", "instruction", "-out", out, "-k", "2,3"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
		"--disable-extensions", "--enable-logging=stderr", "--v=0", "--user-data-dir="+t.TempDir(),
		"--dump-dom", "file://"+out+"#lens=dep&k=3")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	dom := stdout.String()
	body := regexp.MustCompile(`<body[^>]*>`).FindString(dom)
	if !strings.Contains(body, `data-ready="1"`) || strings.Contains(body, "pwned") {
		t.Errorf("page did not finish or the input's script ran: %s", body)
	}
	if m := regexp.MustCompile(`(?s)<ul id="lens-errors">(.*?)</ul>`).FindStringSubmatch(dom); m == nil || m[1] != "" {
		t.Errorf("page errors: %v", m)
	}
	st := regexp.MustCompile(`id="lens-columns" data-lens="([^"]*)"`).FindStringSubmatch(dom)
	if st == nil || st[1] == "dep" || st[1] == "" {
		t.Errorf("lens state %v, want a lens the page has", st)
	}
	if !strings.Contains(dom, "alert('pwned')") {
		t.Errorf("the hostile text is not shown as text")
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "CONSOLE") {
			t.Errorf("console message: %s", line)
		}
	}
}

// TestEmbedServer uses a fake OpenAI-compatible /v1/embeddings server for
// the semantic lens.
func TestEmbedServer(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/embeddings" {
			http.NotFound(w, r)
			return
		}
		calls++
		var req struct {
			Input []string `json:"input"`
			Model string   `json:"model"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		if req.Model != "m1" {
			t.Errorf("model %q", req.Model)
		}
		type item struct {
			Index     int       `json:"index"`
			Embedding []float64 `json:"embedding"`
		}
		var resp struct {
			Data []item `json:"data"`
		}
		for i, s := range req.Input {
			resp.Data = append(resp.Data, item{i, []float64{float64(len(s)), 1}})
		}
		json.NewEncoder(w).Encode(resp)
	}))
	defer srv.Close()
	dir := t.TempDir()
	b, _ := json.Marshal([]map[string]string{{"t": "one two"}, {"t": "three"}, {"t": "four five six"}})
	in := filepath.Join(dir, "in.json")
	os.WriteFile(in, b, 0o644)
	stdout, err := runMain(t, "-in", in, "-column", "t", "-out", "", "-k", "2", "-embed-url", srv.URL, "-embed-model", "m1", "-json")
	if err != nil {
		t.Fatal(err)
	}
	if r := lastJSON(t, stdout); calls != 1 || !strings.Contains(r.Embedder, srv.URL) || r.Lenses[0] != "embedding" {
		t.Errorf("calls %d embedder %q lenses %v", calls, r.Embedder, r.Lenses)
	}
}
