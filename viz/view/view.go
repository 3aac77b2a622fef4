package view

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"sort"

	"github.com/cairn-ml/cairn/internal/atomicfile"
)

//go:embed page.js
var pageJS string

//go:embed guard.js
var guardJS string

//go:embed page.css
var pageCSS string

// Options configure the page. The zero value is usable.
type Options struct {
	// Title is the page title; empty means "LinguisticLens".
	Title string
	// TextField is the row field holding the example text; empty picks the
	// first string field of the first row that is not one of the layout's
	// own fields ("all tags", "index", "parse_data", "cluster_ids",
	// "order_index"), in sorted order.
	TextField string
	// Lens and K are the initial lens and number of clusters; empty or zero
	// picks "pos" (or the first lens) and the fifth k of the list (as the
	// released tool does), or its last if shorter. The URL fragment
	// overrides both.
	Lens string
	K    int
}

// reserved are the row fields of the layout that are not input columns.
var reserved = map[string]bool{"all tags": true, "index": true, "parse_data": true, "cluster_ids": true, "order_index": true}

// layout is the part of the JSON the page needs, decoded to check it.
type layout struct {
	Data     []map[string]json.RawMessage                     `json:"data"`
	Clusters map[string]map[string]map[string]json.RawMessage `json:"clusters"`
}

// config is what the page reads besides the data.
type config struct {
	TextField string `json:"textField"`
	Lens      string `json:"lens,omitempty"`
	K         int    `json:"k,omitempty"`
}

// Write writes the page for the layout JSON data to w. It returns an error
// if data is not a layout (no "data" list or "clusters" object, or no text
// field).
func Write(w io.Writer, data []byte, opts Options) error {
	var l layout
	if err := json.Unmarshal(data, &l); err != nil {
		return fmt.Errorf("view: layout: %w", err)
	}
	if l.Data == nil || l.Clusters == nil {
		return errors.New(`view: layout: want an object with "data" and "clusters"`)
	}
	field := opts.TextField
	if field == "" && len(l.Data) > 0 {
		var keys []string
		for k := range l.Data[0] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var s string
			if !reserved[k] && json.Unmarshal(l.Data[0][k], &s) == nil {
				field = k
				break
			}
		}
		if field == "" {
			return errors.New("view: layout: no text field in the first row; set Options.TextField")
		}
	}
	for i, row := range l.Data {
		if _, ok := row[field]; !ok {
			return fmt.Errorf("view: layout: row %d has no text field %q", i, field)
		}
	}
	if opts.Lens != "" {
		if _, ok := l.Clusters[opts.Lens]; !ok {
			return fmt.Errorf("view: lens %q not in the layout", opts.Lens)
		}
	}
	cfg, err := json.Marshal(config{TextField: field, Lens: opts.Lens, K: opts.K})
	if err != nil {
		return err
	}
	title := opts.Title
	if title == "" {
		title = "LinguisticLens"
	}
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n", html.EscapeString(title), pageCSS)
	// The guard script runs first, so errors in the page script (even a
	// syntax error) are caught and shown in #lens-errors.
	fmt.Fprintf(&b, "<ul id=\"lens-errors\"></ul>\n<script>\n%s</script>\n", guardJS)
	fmt.Fprintf(&b, "<h1 id=\"lens-title\">%s</h1>\n", html.EscapeString(title))
	b.WriteString("<div id=\"lens-bar\"></div>\n<div id=\"lens-legend\"></div>\n<div id=\"lens-columns\"></div>\n")
	b.WriteString("<script type=\"application/json\" id=\"lens-config\">")
	b.Write(scriptSafe(cfg))
	b.WriteString("</script>\n<script type=\"application/json\" id=\"lens-data\">")
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return fmt.Errorf("view: layout: %w", err)
	}
	b.Write(scriptSafe(compact.Bytes()))
	fmt.Fprintf(&b, "</script>\n<script>\n%s</script>\n</body>\n</html>\n", pageJS)
	_, err = w.Write(b.Bytes())
	return err
}

// scriptSafe escapes JSON for a <script> element: <, > and & become
// \u003c, \u003e, \u0026 (so neither "</script>" nor "<!--" can occur) and
// U+2028, U+2029 become \u2028, \u2029. The JSON value is unchanged.
func scriptSafe(js []byte) []byte {
	var b bytes.Buffer
	json.HTMLEscape(&b, js)
	return b.Bytes()
}

// WriteFile writes the page to path through a temporary file in the same
// directory renamed into place, so a failure leaves no partial page.
func WriteFile(path string, data []byte, opts Options) error {
	if err := atomicfile.Write(path, func(w io.Writer) error { return Write(w, data, opts) }); err != nil {
		return fmt.Errorf("view: %s: %w", path, err)
	}
	return nil
}
