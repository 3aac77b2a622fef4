package xling

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/prompt"
)

// EvalOptions set up EvalXQuAD.
type EvalOptions struct {
	// Gen are the decoding settings (x-LLM: greedy, up to 512 new tokens).
	Gen prompt.GenOptions
	// Limit asks only the first Limit questions of each language (0: all).
	Limit int
	// Progress, if not nil, is called after each answer with the number of
	// questions answered and to answer in the current language.
	Progress func(lang string, done, total int)
}

// QAResult is one answered question.
type QAResult struct {
	ID         string
	Prediction string
	Golds      []string
	EM, F1     float64
	Match      bool
}

// LangEval is the score of one language: the metrics.QAEval of its answers
// (EM, F1 and the repository's match, ×100) and the answers themselves.
type LangEval struct {
	Lang string
	metrics.QAEval
	Results []QAResult
}

// ExtractAnswer returns the answer in a model's continuation of a QA
// prompt: the text before a line starting with "###" (a model that goes
// on to write the next Alpaca section), trimmed of white space. x-LLM's
// scripts only trim; the cut changes nothing for a model that stops.
func ExtractAnswer(generated string) string {
	if strings.HasPrefix(generated, "###") {
		return ""
	}
	if i := strings.Index(generated, "\n###"); i >= 0 {
		generated = generated[:i]
	}
	return strings.TrimSpace(generated)
}

// EvalXQuAD asks lm every question of each language's paragraphs (sets maps
// a language code to its file, as ReadXQuAD gives it) with x-LLM's
// language-specific prompt inside the Alpaca prompt (QARecord,
// AlpacaPrompt), extracts the answers (ExtractAnswer), and scores them
// against all gold answers with metrics.EvalQA, normalising in the
// question's language. The results are sorted by language code. It stops
// at the first error of lm or of a language without a prompt.
func EvalXQuAD(ctx context.Context, lm prompt.LM, sets map[string][]Paragraph, o EvalOptions) ([]LangEval, error) {
	langs := make([]string, 0, len(sets))
	for l := range sets {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	var out []LangEval
	for _, lang := range langs {
		type item struct {
			rec Record
			qa  QA
		}
		var items []item
		for _, p := range sets[lang] {
			for _, q := range p.QAs {
				r, err := QARecord(lang, p.Context, q)
				if err != nil {
					return nil, fmt.Errorf("xling: EvalXQuAD: %w", err)
				}
				items = append(items, item{r, q})
			}
		}
		if o.Limit > 0 && len(items) > o.Limit {
			items = items[:o.Limit]
		}
		le := LangEval{Lang: lang, Results: make([]QAResult, len(items))}
		preds := make([]string, len(items))
		golds := make([][]string, len(items))
		for i, it := range items {
			gen, err := lm.Generate(ctx, it.rec.Prompt(), o.Gen)
			if err != nil {
				return nil, fmt.Errorf("xling: EvalXQuAD: %s question %s: %w", lang, it.qa.ID, err)
			}
			preds[i] = ExtractAnswer(gen)
			golds[i] = it.qa.Answers
			if len(golds[i]) == 0 {
				return nil, fmt.Errorf("xling: EvalXQuAD: %s question %s has no gold answer", lang, it.qa.ID)
			}
			le.Results[i] = QAResult{
				ID: it.qa.ID, Prediction: preds[i], Golds: golds[i],
				EM:    metrics.ExactMatch(preds[i], golds[i], lang),
				F1:    metrics.AnswerF1(preds[i], golds[i], lang),
				Match: metrics.Match(golds[i][0], preds[i]),
			}
			if o.Progress != nil {
				o.Progress(lang, i+1, len(items))
			}
		}
		e, err := metrics.EvalQA(preds, golds, lang)
		if err != nil {
			return nil, fmt.Errorf("xling: EvalXQuAD: %w", err)
		}
		le.QAEval = e
		out = append(out, le)
	}
	return out, nil
}
