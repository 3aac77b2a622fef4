package text

import "testing"

// TestCleanWikiText checks each mark on WikiText-style lines, that text
// without marks is unchanged, and that a mark without its surrounding
// spaces (not WikiText's form) is left alone.
func TestCleanWikiText(t *testing.T) {
	for in, want := range map[string]string{
		"a state @-@ of @-@ the @-@ art model":    "a state-of-the-art model",
		"1 @,@ 000 people , 3 @.@ 5 % of <unk> .": "1,000 people , 3.5 % of unk .",
		" = Valkyria Chronicles III = ":           " = Valkyria Chronicles III = ",
		"<unk> <unk>":                             "unk unk",
		"no marks here":                           "no marks here",
		"a@-@b and a @-@b":                        "a@-@b and a @-@b",
		"":                                        "",
	} {
		if got := CleanWikiText(in); got != want {
			t.Errorf("CleanWikiText(%q) = %q, want %q", in, got, want)
		}
	}
}
