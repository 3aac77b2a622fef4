package text

import "strings"

// wikiText undoes WikiText's tokenisation marks; see CleanWikiText.
var wikiText = strings.NewReplacer(" @-@ ", "-", " @,@ ", ",", " @.@ ", ".", "<unk>", "unk")

// CleanWikiText undoes the marks of the WikiText corpora (Merity et al.,
// 2016) in one line so that a tokenizer sees ordinary text: the
// number-internal marks " @-@ ", " @,@ " and " @.@ " join their neighbours
// ("1 @,@ 000" becomes "1,000", "state @-@ of" becomes "state-of"), and the
// rare-word placeholder "<unk>" becomes the plain word "unk", which a
// tokenizer that splits off punctuation (BasicTokenizer) would otherwise cut
// into "<", "unk", ">". The other tokenisation spaces (before punctuation,
// around headings' "=") are left as they are.
func CleanWikiText(line string) string { return wikiText.Replace(line) }
