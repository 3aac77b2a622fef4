package view_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/cairn-ml/cairn/viz/view"
)

// A layout with one example in one cluster, for one lens and k = 1.
func Example() {
	layout := []byte(`{
	  "data": [{"text": "I <3 Go", "all tags": "User", "index": 0,
	    "parse_data": [{"token": "I", "pos": "PRON", "dep": "nsubj", "headTokenIdx": 1},
	                   {"token": "<3", "pos": "VERB", "dep": "ROOT", "headTokenIdx": 1},
	                   {"token": "Go", "pos": "PROPN", "dep": "dobj", "headTokenIdx": 1}],
	    "cluster_ids": {"pos": {"1": 1}}, "order_index": {"pos": 0}}],
	  "clusters": {"pos": {"1": {"1": {"top_sequence": {"tokens": ["t:I#pos:PRON", "pos:VERB"], "count": 1}}}}}
	}`)
	var page bytes.Buffer
	if err := view.Write(&page, layout, view.Options{Title: "Demo"}); err != nil {
		fmt.Println(err)
		return
	}
	s := page.String()
	fmt.Println(strings.HasPrefix(s, "<!DOCTYPE html>"), strings.Contains(s, "<title>Demo</title>"))
	fmt.Println(strings.Contains(s, "<3"), strings.Contains(s, `I \u003c3 Go`))
	// Output:
	// true true
	// false true
}
