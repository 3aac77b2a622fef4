package xling

import (
	"fmt"
	"strings"
)

// Instructions are the 33 translation instructions of x-LLM
// (data/translation/translation.py, _INSTRUCTIONS), verbatim, with their
// placeholders {source_lang} and {target_lang}. Training row k uses
// Instructions[k%33]; test rows use Instructions[0].
var Instructions = [33]string{
	"Translate the following sentences from {source_lang} to {target_lang}.",
	"What do the following sentences mean in {target_lang}?",
	"Please provide the {target_lang} translation for the following sentences.",
	"Convert the subsequent sentences from {source_lang} into {target_lang}.",
	"Render the listed sentences in {target_lang} from their original {source_lang} form.",
	"Transform the upcoming sentences from {source_lang} language to {target_lang} language.",
	"Change the given sentences from {source_lang} to {target_lang} format.",
	"Turn the following sentences from their {source_lang} version to the {target_lang} version.",
	"Adapt the mentioned sentences from {source_lang} to the {target_lang} language.",
	"Transpose the next sentences from the {source_lang} format to the {target_lang} format.",
	"Switch the specified sentences from their {source_lang} form to {target_lang} form.",
	"Reinterpret the ensuing sentences from {source_lang} to {target_lang} language.",
	"Modify the forthcoming sentences, converting them from {source_lang} to {target_lang}.",
	"How can the subsequent sentences be interpreted in {target_lang}?",
	"What is the meaning of these sentences when translated to {target_lang}?",
	"In the context of {target_lang}, what do the upcoming sentences signify?",
	"How would you express the meaning of the following sentences in {target_lang}?",
	"What is the significance of the mentioned sentences in {target_lang}?",
	"In {target_lang}, what do the given sentences convey?",
	"When translated to {target_lang}, what message do these sentences carry?",
	"What is the intended meaning of the ensuing sentences in {target_lang}?",
	"How should the following sentences be comprehended in {target_lang}?",
	"In terms of {target_lang}, what do the next sentences imply?",
	"Kindly furnish the {target_lang} translation of the subsequent sentences.",
	"Could you supply the {target_lang} translation for the upcoming sentences?",
	"Please offer the {target_lang} rendition for the following statements.",
	"I'd appreciate it if you could present the {target_lang} translation for these sentences.",
	"Can you deliver the {target_lang} translation for the mentioned sentences?",
	"Please share the {target_lang} version of the given sentences.",
	"It would be helpful if you could provide the {target_lang} translation of the ensuing sentences.",
	"Kindly submit the {target_lang} interpretation for the next sentences.",
	"Please make available the {target_lang} translation for the listed sentences.",
	"Can you reveal the {target_lang} translation of the forthcoming sentences?",
}

// languageNames are the ISO 639-3 reference names that the iso639 Python
// package (languages.get(alpha2=code).name) gives the languages of the
// paper, XQuAD and MLQA.
var languageNames = map[string]string{
	"ar": "Arabic", "de": "German", "el": "Modern Greek (1453-)", "en": "English",
	"es": "Spanish", "hi": "Hindi", "ro": "Romanian", "ru": "Russian", "th": "Thai",
	"tr": "Turkish", "vi": "Vietnamese", "zh": "Chinese",
}

// LanguageName returns the name x-LLM puts into the translation
// instructions for an ISO 639-1 code, that of the iso639 package: "Chinese"
// for "zh", "Modern Greek (1453-)" for "el". It knows ar, de, el, en, es, hi,
// ro, ru, th, tr, vi and zh; ok is false for other codes.
func LanguageName(code string) (name string, ok bool) {
	name, ok = languageNames[code]
	return name, ok
}

// TranslationInstruction returns the instruction of translation row k from
// language src to tgt (names, such as LanguageName gives): Instructions[k%33]
// for training rows, Instructions[0] for test rows. It panics if k < 0.
func TranslationInstruction(src, tgt string, k int, train bool) string {
	if k < 0 {
		panic(fmt.Sprintf("xling: TranslationInstruction: row %d < 0", k))
	}
	t := Instructions[0]
	if train {
		t = Instructions[k%len(Instructions)]
	}
	return strings.NewReplacer("{source_lang}", src, "{target_lang}", tgt).Replace(t)
}

// Pair is one line-aligned pair of parallel text.
type Pair struct {
	Source, Target string
}

// TranslationRecords turns parallel pairs from the language with ISO 639-1
// code src into tgt into instruction records, as x-LLM's translation loader
// does: input = source, output = target (both trimmed of surrounding white
// space), instruction from TranslationInstruction with the row counter k,
// which counts every pair, so that a pair with an empty side is skipped but
// still moves the rotation on. It fails for a code LanguageName does not
// know.
func TranslationRecords(pairs []Pair, src, tgt string, train bool) ([]Record, error) {
	sn, ok := LanguageName(src)
	if !ok {
		return nil, fmt.Errorf("xling: TranslationRecords: unknown language code %q", src)
	}
	tn, ok := LanguageName(tgt)
	if !ok {
		return nil, fmt.Errorf("xling: TranslationRecords: unknown language code %q", tgt)
	}
	recs := make([]Record, 0, len(pairs))
	for k, p := range pairs {
		s, t := strings.TrimSpace(p.Source), strings.TrimSpace(p.Target)
		if s == "" || t == "" {
			continue
		}
		recs = append(recs, Record{Instruction: TranslationInstruction(sn, tn, k, train), Input: s, Output: t})
	}
	return recs, nil
}
