package prosetag

import (
	"strings"
	"testing"
)

// Spec §7.7: prose tags and the PTB→UPOS map.
func TestTagSpecSentence(t *testing.T) {
	ptb, err := TagPTB("I like to drive to school.")
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, p := range ptb {
		tags = append(tags, p[1])
	}
	if got := strings.Join(tags, " "); got != "PRP VBP TO VB TO NN ." {
		t.Errorf("PTB tags %q", got)
	}
	toks, err := Tagger{}.Parse("I like to drive to school.")
	if err != nil {
		t.Fatal(err)
	}
	var up []string
	for _, tk := range toks {
		up = append(up, tk.POS)
		if tk.Dep != "" || tk.HeadTokenIdx != -1 {
			t.Errorf("token %+v has a parse", tk)
		}
	}
	if got := strings.Join(up, " "); got != "PRON VERB PART VERB PART NOUN PUNCT" {
		t.Errorf("UPOS %q", got)
	}
}
