package view

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
)

// dialog reads the released tool's output for the dialog dataset from the
// shared data directory, skipping the test if it is absent.
func dialog(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(data.Dir(), "linguisticlens", "dialog.json.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("LinguisticLens dialog output not found (set CAIRN_DATA to the shared data directory): %v", err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Hostile texts: each must show as text and never run or become markup.
var hostile = []string{
	`<script>document.body.setAttribute('data-pwned','script')</script>`,
	`<img src=x onerror="document.body.setAttribute('data-pwned','img')">`,
	`He said "hi" & left </script><script>document.body.setAttribute('data-pwned','close')</script>`,
	"<!-- comment \u2028 line \u2029 para -->",
	`'single' "double" </ScRiPt>`,
}

// hostileLayout is a small layout in the released format with hostile text
// in the text column, the tags, the tokens, the POS/DEP labels and a
// summary pattern, two lenses and k ∈ {2, 3}.
func hostileLayout(t *testing.T) []byte {
	t.Helper()
	type tok struct {
		Token string `json:"token"`
		POS   string `json:"pos"`
		Dep   string `json:"dep"`
		Head  int    `json:"headTokenIdx"`
	}
	var data []map[string]any
	for i, s := range hostile {
		parse := []tok{{Token: s, POS: "NOUN", Dep: "ROOT", Head: 0}, {Token: "<b>x</b>", POS: "X<i>", Dep: "dep\"'", Head: 0}, {Token: ".", POS: "PUNCT", Dep: "punct", Head: 0}}
		tags := "Synthetic <u>"
		if i == 0 {
			tags = "User"
		}
		data = append(data, map[string]any{
			"text":        s,
			"all tags":    tags,
			"index":       i,
			"parse_data":  parse,
			"cluster_ids": map[string]map[string]int{"token": {"2": 1 + i%2, "3": 1 + i%3}, "pos": {"2": 1 + i/3, "3": 1 + i*3/len(hostile)}},
			"order_index": map[string]int{"token": i, "pos": len(hostile) - 1 - i},
		})
	}
	pat := map[string]any{"top_sequence": map[string]any{"tokens": []string{"t:" + hostile[0] + "#pos:NOUN", "pos:PUNCT"}, "count": 2}}
	empty := map[string]any{"top_sequence": map[string]any{}}
	clusters := map[string]any{
		"token": map[string]any{"2": map[string]any{"1": pat, "2": empty}, "3": map[string]any{"1": pat, "2": empty, "3": pat}},
		"pos":   map[string]any{"2": map[string]any{"1": pat, "2": pat}, "3": map[string]any{"1": pat, "2": empty, "3": empty}},
	}
	b, err := json.Marshal(map[string]any{"data": data, "clusters": clusters})
	if err != nil {
		t.Fatal(err)
	}
	// json.Marshal escapes < > & itself; write them raw, as a Python
	// json.dump would, so the view's own escaping is what is tested.
	b = bytes.ReplaceAll(b, []byte(`\u003c`), []byte("<"))
	b = bytes.ReplaceAll(b, []byte(`\u003e`), []byte(">"))
	b = bytes.ReplaceAll(b, []byte(`\u0026`), []byte("&"))
	b = bytes.ReplaceAll(b, []byte(`\u2028`), []byte("\u2028"))
	b = bytes.ReplaceAll(b, []byte(`\u2029`), []byte("\u2029"))
	if !bytes.Contains(b, []byte("</script>")) || !bytes.Contains(b, []byte("\u2028")) {
		t.Fatal("hostile layout lost its raw </script> or U+2028")
	}
	return b
}

// scripts returns the bodies of the page's <script> elements, split the way
// an HTML parser splits them: at the first "</script" (any case).
func scripts(page string) []string {
	var out []string
	re := regexp.MustCompile(`(?is)<script[^>]*>(.*?)</script`)
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestEscaping checks that no user string can end or open markup in the
// page: the raw page holds exactly the four script elements we write, the
// title is escaped, and the embedded JSON decodes back to the input.
func TestEscaping(t *testing.T) {
	in := hostileLayout(t)
	var buf bytes.Buffer
	if err := Write(&buf, in, Options{Title: `<script>alert(1)</script> "t" & 'q'`}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if n := strings.Count(strings.ToLower(page), "<script"); n != 4 {
		t.Errorf("page has %d <script openings, want 4 (guard, config, data, page)", n)
	}
	if n := strings.Count(strings.ToLower(page), "</script"); n != 4 {
		t.Errorf("page has %d </script closings, want 4", n)
	}
	for _, bad := range []string{"<!--", "\u2028", "\u2029", "<img", "<b>", "data-pwned','script')</script>"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains raw %q", bad)
		}
	}
	if !strings.Contains(page, "<title>&lt;script&gt;alert(1)&lt;/script&gt; &#34;t&#34; &amp; &#39;q&#39;</title>") {
		t.Errorf("title not escaped: %.300s", page[strings.Index(page, "<title>"):])
	}
	s := scripts(page)
	if len(s) != 4 {
		t.Fatalf("found %d scripts, want 4", len(s))
	}
	var got, want any
	if err := json.Unmarshal([]byte(s[2]), &got); err != nil {
		t.Fatalf("embedded data is not JSON: %v", err)
	}
	if err := json.Unmarshal(in, &want); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if !bytes.Equal(gb, wb) {
		t.Error("embedded data does not decode to the input layout")
	}
	var cfg config
	if err := json.Unmarshal([]byte(s[1]), &cfg); err != nil || cfg.TextField != "text" {
		t.Errorf("config %q: %+v, %v; want text field \"text\"", s[1], cfg, err)
	}
}

// TestStructure checks the page is self-contained (no URL to fetch) and
// carries the view's parts.
func TestStructure(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, hostileLayout(t), Options{}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{`id="lens-bar"`, `id="lens-columns"`, `id="lens-errors"`, `id="lens-data"`,
		`<title>LinguisticLens</title>`, `"textField":"text"`, "Content-Security-Policy"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// No external resource outside the embedded data: no src=, href= or
	// url( to fetch, no http(s) URL but the SVG namespace name.
	data := scripts(page)[2]
	page = strings.Replace(page, data, "", 1)
	for _, bad := range []string{" src=", " href=", "url(", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("page references an external resource: %q", bad)
		}
	}
	urls := regexp.MustCompile(`https?://[^\s"']+`).FindAllString(page, -1)
	for _, u := range urls {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("page contains URL %s", u)
		}
	}
}

// TestErrors checks bad input is an error, and WriteFile leaves no file then.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	for name, in := range map[string]string{
		"not json":    `{"data": [`,
		"no clusters": `{"data": []}`,
		"no text":     `{"data": [{"index": 0}], "clusters": {}}`,
	} {
		if err := WriteFile(filepath.Join(dir, "x.html"), []byte(in), Options{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	in := hostileLayout(t)
	if err := Write(io.Discard, in, Options{Lens: "nope"}); err == nil {
		t.Error("unknown lens accepted")
	}
	if err := Write(io.Discard, in, Options{TextField: "missing"}); err == nil {
		t.Error("missing text field accepted")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("failed writes left %v", ents)
	}
	path := filepath.Join(dir, "ok.html")
	if err := WriteFile(path, in, Options{}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() < 10000 || st.Mode().Perm() != 0o644 {
		t.Errorf("WriteFile: %v, %v", st, err)
	}
}
