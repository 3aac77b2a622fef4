package lens_test

import (
	"context"
	"fmt"

	"github.com/cairn-ml/cairn/viz/lens"
	"github.com/cairn-ml/cairn/viz/lens/prosetag"
)

// Raw text to clusters: tag with prose, cluster the POS lens into two
// groups and print each text's cluster and its cluster's summary.
func ExampleBuild() {
	texts := []string{
		"I like to drive to school.",
		"I love to walk to work.",
		"I want to fly to Paris.",
		"What is your favorite color?",
		"What is your favorite food?",
		"What is your favorite song?",
	}
	in := make([]lens.Input, len(texts))
	for i, t := range texts {
		in[i] = lens.Input{Text: t, Columns: map[string]any{"text": t}}
	}
	out, err := lens.Build(context.Background(), in, lens.Options{
		Parser: prosetag.Tagger{}, NoEmbedding: true, Ks: []int{2},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range out.Data { // rows in dendrogram order of the last lens (pos)
		c := r.ClusterIDs[lens.AxisPOS]["2"]
		fmt.Println(c, r.Columns["text"], out.Clusters[lens.AxisPOS]["2"][fmt.Sprint(c)].TopSequence.Tokens)
	}
	// Output:
	// 1 What is your favorite song? [t:What#pos:PRON t:is#pos:VERB t:your#pos:PRON t:favorite#pos:ADJ t:?#pos:PUNCT]
	// 1 What is your favorite color? [t:What#pos:PRON t:is#pos:VERB t:your#pos:PRON t:favorite#pos:ADJ t:?#pos:PUNCT]
	// 1 What is your favorite food? [t:What#pos:PRON t:is#pos:VERB t:your#pos:PRON t:favorite#pos:ADJ t:?#pos:PUNCT]
	// 2 I like to drive to school. [t:I#pos:PRON pos:VERB t:to#pos:PART t:to#pos:PART t:.#pos:PUNCT]
	// 2 I love to walk to work. [t:I#pos:PRON pos:VERB t:to#pos:PART t:to#pos:PART t:.#pos:PUNCT]
	// 2 I want to fly to Paris. [t:I#pos:PRON pos:VERB t:to#pos:PART t:to#pos:PART t:.#pos:PUNCT]
}
