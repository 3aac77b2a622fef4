package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/cairn-ml/cairn/prompt/xling"
)

// corpus is the data every run shares: the instruction records of the
// training paragraphs, the pool of en→lang translation pairs (also from the
// training paragraphs) and the held-out pairs of the evaluation paragraphs.
type corpus struct {
	trainParas, evalParas int
	qa                    []xling.Record // QA records, English and lang, training paragraphs
	pool                  []xling.Pair   // en→lang translation pairs, training paragraphs
	heldOut               []xling.Pair   // en→lang pairs of the evaluation paragraphs
}

// loadCorpus reads xquad.en and xquad.<lang>, splits the paragraphs with a
// fixed seed into evalParas held-out ones and the rest, and builds the
// records and pairs. Nothing of a held-out paragraph reaches training.
func loadCorpus(dir, lang string, evalParas int) (*corpus, error) {
	read := func(l string) ([]xling.Paragraph, error) {
		return xling.ReadXQuAD(filepath.Join(dir, "xquad."+l+".json.gz"))
	}
	en, err := read("en")
	if err != nil {
		return nil, err
	}
	tg, err := read(lang)
	if err != nil {
		return nil, err
	}
	if _, err := xling.ContextPairs(en, tg); err != nil { // checks the files are parallel
		return nil, err
	}
	if evalParas >= len(en) {
		return nil, fmt.Errorf("-eval-paragraphs %d: the files have only %d paragraphs", evalParas, len(en))
	}
	perm := rand.New(rand.NewPCG(0, 7)).Perm(len(en))
	c := &corpus{trainParas: len(en) - evalParas, evalParas: evalParas}
	for k, i := range perm {
		pe, pt := en[i], tg[i]
		pairs, err := paragraphPairs(pe, pt, lang)
		if err != nil {
			return nil, err
		}
		if k < evalParas {
			c.heldOut = append(c.heldOut, pairs...)
			continue
		}
		c.pool = append(c.pool, pairs...)
		for _, p := range []struct {
			lang string
			par  xling.Paragraph
		}{{"en", pe}, {lang, pt}} {
			for _, q := range p.par.QAs {
				r, ok, err := qaRecord(p.lang, p.par, q)
				if err != nil {
					return nil, err
				}
				if ok {
					c.qa = append(c.qa, r)
				}
			}
		}
	}
	return c, nil
}

// paragraphPairs returns the parallel pairs of one paragraph: its
// questions, and its context sentence by sentence when both languages have
// the same number of sentences (the whole context is too long for the small
// model; paragraphs whose sentence counts differ give their questions only).
func paragraphPairs(en, tg xling.Paragraph, lang string) ([]xling.Pair, error) {
	out, err := xling.QuestionPairs([]xling.Paragraph{en}, []xling.Paragraph{tg})
	if err != nil {
		return nil, err
	}
	se, st := sentences(en.Context, "en"), sentences(tg.Context, lang)
	if len(se) == len(st) {
		for i := range se {
			out = append(out, xling.Pair{Source: se[i].text, Target: st[i].text})
		}
	}
	kept := out[:0]
	for _, p := range out {
		if strings.TrimSpace(p.Source) != "" && strings.TrimSpace(p.Target) != "" {
			kept = append(kept, p)
		}
	}
	return kept, nil
}

// sentence is a trimmed sentence of a context and its span in code points.
type sentence struct {
	text       string
	start, end int
}

// sentences splits text after sentence-final punctuation: ".", "?" or "!"
// followed by a space, and (for Chinese and other scripts without spaces)
// "。", "？" and "！" anywhere.
func sentences(text, lang string) []sentence {
	var out []sentence
	rs := []rune(text)
	from := 0
	flush := func(to int) {
		s := strings.TrimSpace(string(rs[from:to]))
		if s != "" {
			out = append(out, sentence{s, from, to})
		}
		from = to
	}
	for i, r := range rs {
		switch {
		case r == '。' || r == '？' || r == '！':
			flush(i + 1)
		case (r == '.' || r == '?' || r == '!') && i+1 < len(rs) && rs[i+1] == ' ':
			flush(i + 1)
		}
	}
	flush(len(rs))
	return out
}

// qaRecord is x-LLM's XQuAD record of question q with only the sentence of
// the paragraph that holds the first gold answer as its context (CPU scale:
// whole paragraphs are hundreds of tokens). ok is false if no sentence holds
// the answer.
func qaRecord(lang string, p xling.Paragraph, q xling.QA) (xling.Record, bool, error) {
	if len(q.Answers) == 0 || len(q.AnswerStarts) == 0 {
		return xling.Record{}, false, nil
	}
	a0 := q.AnswerStarts[0]
	a1 := a0 + utf8.RuneCountInString(q.Answers[0])
	for _, s := range sentences(p.Context, lang) {
		if s.start <= a0 && a1 <= s.end {
			r, err := xling.QARecord(lang, s.text, q)
			return r, err == nil, err
		}
	}
	return xling.Record{}, false, nil
}
