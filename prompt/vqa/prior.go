package vqa

import (
	"strings"
)

// Prior is the blind (question-only) baseline: it answers every question
// with the most frequent training answer (multiple_choice_answer) of the
// question's type, without looking at the image. The type of a test
// question is read from its text: the longest training question type that
// is a word prefix of the lower-cased question; failing that, its first
// word's answer; failing that, the most frequent answer overall.
type Prior struct {
	byType  map[string]string
	byFirst map[string]string
	overall string
}

// NewPrior counts the answers of train.
func NewPrior(train []Question) *Prior {
	types := map[string]map[string]int{}
	firsts := map[string]map[string]int{}
	all := map[string]int{}
	add := func(m map[string]map[string]int, k, a string) {
		if m[k] == nil {
			m[k] = map[string]int{}
		}
		m[k][a]++
	}
	for _, q := range train {
		add(types, strings.ToLower(q.QuestionType), q.Answer)
		if w := firstWord(q.Question); w != "" {
			add(firsts, w, q.Answer)
		}
		all[q.Answer]++
	}
	p := &Prior{byType: map[string]string{}, byFirst: map[string]string{}, overall: argmax(all)}
	for k, c := range types {
		p.byType[k] = argmax(c)
	}
	for k, c := range firsts {
		p.byFirst[k] = argmax(c)
	}
	return p
}

// argmax returns the key with the largest count, the smallest key on ties.
func argmax(c map[string]int) string {
	best, n := "", -1
	for k, v := range c {
		if v > n || v == n && k < best {
			best, n = k, v
		}
	}
	return best
}

func firstWord(q string) string {
	f := strings.Fields(strings.ToLower(q))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// Type returns the training question type that Answer uses for q ("" if
// none matches).
func (p *Prior) Type(q string) string {
	lq := strings.Join(strings.Fields(strings.ToLower(q)), " ")
	best := ""
	for t := range p.byType {
		if len(t) > len(best) && (lq == t || strings.HasPrefix(lq, t+" ") || strings.HasPrefix(lq, t) && !isLetter(lq[len(t)])) {
			best = t
		}
	}
	return best
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || '0' <= b && b <= '9' }

// Answer returns the prior's answer to question q.
func (p *Prior) Answer(q string) string {
	if t := p.Type(q); t != "" {
		return p.byType[t]
	}
	if a, ok := p.byFirst[firstWord(q)]; ok {
		return a
	}
	return p.overall
}
