package view

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chromium finds a headless-capable Chromium, or skips the test. CI
// installs Debian's chromium package (.ci/run), so there it runs.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary on PATH (tried chromium, chromium-browser, google-chrome, chrome): " +
		"install Debian's chromium package to run the browser test")
	return ""
}

// browse runs headless Chromium on a file:// URL with the given mode flag
// (--dump-dom or --screenshot=PATH) and returns stdout. Console messages go
// to stderr (--enable-logging=stderr); any CONSOLE line fails the test.
func browse(t *testing.T, bin, url string, mode ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
		"--disable-extensions", "--hide-scrollbars", "--window-size=1200,800",
		"--enable-logging=stderr", "--v=0", "--user-data-dir=" + t.TempDir()}, mode...)
	args = append(args, url)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, errb.String())
	}
	for _, line := range strings.Split(errb.String(), "\n") {
		if strings.Contains(line, "CONSOLE") {
			t.Errorf("console message: %s", line)
		}
	}
	return out.String()
}

// column is one cluster column as the page shows it.
type column struct {
	cluster string
	size    int
}

// expectedColumns computes the columns for lens and k from the layout:
// clusters in first-appearance order along the lens's leaf order.
func expectedColumns(t *testing.T, data []byte, lens string, k int) []column {
	t.Helper()
	var l struct {
		Data []struct {
			ClusterIDs map[string]map[string]int `json:"cluster_ids"`
			Order      map[string]int            `json:"order_index"`
		} `json:"data"`
	}
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatal(err)
	}
	rows := slices.Clone(l.Data)
	slices.SortStableFunc(rows, func(a, b struct {
		ClusterIDs map[string]map[string]int `json:"cluster_ids"`
		Order      map[string]int            `json:"order_index"`
	}) int {
		return a.Order[lens] - b.Order[lens]
	})
	var cols []column
	pos := map[string]int{}
	for _, r := range rows {
		id := strconv.Itoa(r.ClusterIDs[lens][strconv.Itoa(k)])
		i, ok := pos[id]
		if !ok {
			i = len(cols)
			pos[id] = i
			cols = append(cols, column{cluster: id})
		}
		cols[i].size++
	}
	return cols
}

var (
	colRe   = regexp.MustCompile(`<div class="lens-col" data-cluster="([^"]*)" data-size="(\d+)">`)
	stateRe = regexp.MustCompile(`id="lens-columns" data-lens="([^"]*)" data-k="(\d+)" data-columns="(\d+)"`)
	bodyRe  = regexp.MustCompile(`<body[^>]*>`)
	errRe   = regexp.MustCompile(`(?s)<ul id="lens-errors">(.*?)</ul>`)
)

// checkPage checks the dumped DOM: the page script finished, recorded no
// error, and shows exactly the expected columns for lens and k.
func checkPage(t *testing.T, dom string, data []byte, lens string, k int) {
	t.Helper()
	body := bodyRe.FindString(dom)
	if !strings.Contains(body, `data-ready="1"`) {
		t.Errorf("%s k=%d: page script did not finish: %s", lens, k, body)
	}
	if strings.Contains(body, "pwned") {
		t.Errorf("injected script ran: %s", body)
	}
	if m := errRe.FindStringSubmatch(dom); m == nil || m[1] != "" {
		t.Errorf("%s k=%d: page errors: %v", lens, k, m)
	}
	st := stateRe.FindStringSubmatch(dom)
	if st == nil || st[1] != lens || st[2] != strconv.Itoa(k) {
		t.Fatalf("state is %v, want lens %s k %d", st, lens, k)
	}
	var got []column
	for _, m := range colRe.FindAllStringSubmatch(dom, -1) {
		n, _ := strconv.Atoi(m[2])
		got = append(got, column{m[1], n})
	}
	want := expectedColumns(t, data, lens, k)
	if !slices.Equal(got, want) {
		t.Errorf("%s k=%d: columns\n got %v\nwant %v", lens, k, got, want)
	}
	if st[3] != strconv.Itoa(len(want)) {
		t.Errorf("data-columns = %s, want %d", st[3], len(want))
	}
}

// hoverScript hovers the first token, then the first summary chip, and
// records the number of highlighted tokens after each on <body>.
const hoverScript = `<script>
(function () {
  var cols = document.getElementById("lens-columns");
  document.querySelector(".lens-tok").dispatchEvent(new MouseEvent("mouseenter"));
  document.body.setAttribute("data-hl-tok", document.querySelectorAll(".lens-tok.hl").length + "/" + cols.getAttribute("data-highlighted"));
  document.querySelector(".lens-head .lens-chip").dispatchEvent(new MouseEvent("mouseenter"));
  document.body.setAttribute("data-hl-chip", document.querySelectorAll(".lens-tok.hl").length + "/" + cols.getAttribute("data-highlighted"));
})();
</script>
`

// TestBrowser loads pages in headless Chromium (file:// URLs, state set
// through the URL fragment) and reads the dumped DOM: a hostile dataset
// whose script and markup must show as text, with a screenshot in
// table-lens mode; and the released dialog output in two lens/k states,
// whose columns must change and match the layout exactly.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	t.Run("hostile", func(t *testing.T) {
		dir := t.TempDir()
		hdata := hostileLayout(t)
		hpage := filepath.Join(dir, "hostile.html")
		if err := WriteFile(hpage, hdata, Options{Title: "<script>document.body.setAttribute('data-pwned','title')</script>"}); err != nil {
			t.Fatal(err)
		}
		// A copy with a test script that hovers the first token and the
		// first summary chip and records how many tokens light up.
		page, err := os.ReadFile(hpage)
		if err != nil {
			t.Fatal(err)
		}
		hover := filepath.Join(dir, "hover.html")
		page = bytes.Replace(page, []byte("</body>"), []byte(hoverScript+"</body>"), 1)
		if err := os.WriteFile(hover, page, 0o644); err != nil {
			t.Fatal(err)
		}
		var doms []string
		for _, st := range []struct {
			lens string
			k    int
		}{{"pos", 3}, {"token", 2}} {
			dom := browse(t, bin, fmt.Sprintf("file://%s#lens=%s&k=%d", hover, st.lens, st.k), "--dump-dom")
			// The first token (NOUN, ROOT) matches the first token of all 5
			// rows by (POS, DEP), but only itself in the token lens, where the
			// token text must match too; the first chip (t:hostile[0], NOUN)
			// matches 1 token. "a/b": elements with class hl / the page's count.
			want := map[string]string{"pos": `data-hl-tok="5/5" data-hl-chip="1/1"`, "token": `data-hl-tok="1/1" data-hl-chip="1/1"`}[st.lens]
			if body := bodyRe.FindString(dom); !strings.Contains(body, want) {
				t.Errorf("%s: hover highlights %s, want %s", st.lens, body, want)
			}
			checkPage(t, dom, hdata, st.lens, st.k)
			doms = append(doms, dom)
			// Every hostile string is shown as text in an SVG <text> element.
			for _, s := range hostile {
				esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
				if !strings.Contains(dom, ">"+esc+"</text>") {
					t.Errorf("hostile text %q not rendered as text", s)
				}
			}
			if strings.Contains(dom, "<img") || strings.Contains(dom, "<b>") || strings.Contains(dom, "<i>") {
				t.Error("hostile markup became elements")
			}
			if n := strings.Count(dom, `class="lens-row is-seed"`); n != 1 {
				t.Errorf("%d seed rows marked, want 1", n)
			}
		}
		if slices.Equal(colRe.FindAllString(doms[0], -1), colRe.FindAllString(doms[1], -1)) {
			t.Error("switching lens and k did not change the columns")
		}
		shot := filepath.Join(dir, "shot.png")
		browse(t, bin, "file://"+hpage+"#lens=pos&k=3&collapse=1&dep=1", "--screenshot="+shot)
		b, err := os.ReadFile(shot)
		if err != nil {
			t.Fatalf("no screenshot: %v", err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != 1200 || cfg.Height != 800 {
			t.Errorf("screenshot: %v, %dx%d, want a 1200x800 PNG", err, cfg.Width, cfg.Height)
		}
	})
	t.Run("dialog", func(t *testing.T) {
		data := dialog(t)
		page := filepath.Join(t.TempDir(), "dialog.html")
		if err := WriteFile(page, data, Options{Title: "dialog"}); err != nil {
			t.Fatal(err)
		}
		url := "file://" + page
		pos := browse(t, bin, url+"#lens=pos&k=10", "--dump-dom")
		checkPage(t, pos, data, "pos", 10)
		tok := browse(t, bin, url+"#lens=token&k=5", "--dump-dom")
		checkPage(t, tok, data, "token", 5)
		if slices.Equal(colRe.FindAllString(pos, -1), colRe.FindAllString(tok, -1)) {
			t.Error("switching lens and k did not change the columns")
		}
		if n := strings.Count(pos, `class="lens-row is-seed"`); n != 8 {
			t.Errorf("%d seed rows marked, want the 8 User rows", n)
		}
		if !strings.Contains(pos, "(32 times)") {
			t.Error("pos k=10: the first column's summary count (32 times) is missing")
		}
	})
}
