package xling

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// QA is one question of an extractive QA set in the SQuAD v1.1 format.
type QA struct {
	// ID is shared by the translations of a question in XQuAD.
	ID       string
	Question string
	// Answers are the gold answer texts; AnswerStarts their offsets into
	// the paragraph's context in Unicode code points.
	Answers      []string
	AnswerStarts []int
}

// Paragraph is a context with its questions.
type Paragraph struct {
	Title   string
	Context string
	QAs     []QA
}

type squadFile struct {
	Data []struct {
		Title      string `json:"title"`
		Paragraphs []struct {
			Context string `json:"context"`
			QAs     []struct {
				ID       string `json:"id"`
				Question string `json:"question"`
				Answers  []struct {
					Text        string `json:"text"`
					AnswerStart int    `json:"answer_start"`
				} `json:"answers"`
			} `json:"qas"`
		} `json:"paragraphs"`
	} `json:"data"`
}

// ReadSQuAD reads paragraphs from SQuAD v1.1 JSON (XQuAD, MLQA), in file
// order, as they are (not trimmed).
func ReadSQuAD(r io.Reader) ([]Paragraph, error) {
	var f squadFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("xling: ReadSQuAD: %w", err)
	}
	var ps []Paragraph
	for _, a := range f.Data {
		for _, p := range a.Paragraphs {
			par := Paragraph{Title: a.Title, Context: p.Context}
			for _, q := range p.QAs {
				qa := QA{ID: q.ID, Question: q.Question}
				for _, ans := range q.Answers {
					qa.Answers = append(qa.Answers, ans.Text)
					qa.AnswerStarts = append(qa.AnswerStarts, ans.AnswerStart)
				}
				par.QAs = append(par.QAs, qa)
			}
			ps = append(ps, par)
		}
	}
	return ps, nil
}

// ReadXQuAD reads a SQuAD-format file such as xquad.zh.json, gunzipping it
// if its name ends in ".gz".
func ReadXQuAD(path string) ([]Paragraph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("xling: ReadXQuAD: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("xling: ReadXQuAD: %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	ps, err := ReadSQuAD(r)
	if err != nil {
		return nil, fmt.Errorf("xling: ReadXQuAD: %s: %w", path, err)
	}
	return ps, nil
}

// qaPrompts are x-LLM's language-specific XQuAD/MLQA instructions and input
// templates (data/xquad/xquad.py), verbatim.
var qaPrompts = map[string][2]string{
	"ar": {"الرجاء الإجابة على الأسئلة بناءً على الفقرات التالية", "فقرة: {context}\nسؤال: {question}\nإجابة: "},
	"el": {"Απαντήστε στις ερωτήσεις με βάση τις παρακάτω παραγράφους", "παράγραφος: {context}\nερώτηση: {question}\nΑπάντηση: "},
	"en": {"Answer the final question with following context", "Context: {context}\nQuestion: {question}\nAnswer: "},
	"hi": {"कृपया निम्नलिखित पैराग्राफ के अनुसार प्रश्नों के उत्तर दें", "अनुच्छेद: {context}\nसवाल: {question}\nउत्तर: "},
	"tr": {"Lütfen soruları aşağıdaki paragraflara göre cevaplayınız", "paragraf: {context}\nsoru: {question}\nCevap: "},
	"vi": {"Hãy trả lời các câu hỏi theo đoạn văn sau", "đoạn văn: {context}\ncâu hỏi: {question}\nTrả lời: "},
	"zh": {"请根据以下段落，回答问题", "段落: {context}\n问题: {question}\n答案: "},
}

// QARecord returns x-LLM's XQuAD/MLQA record of a question in language lang
// (ar, el, en, hi, tr, vi or zh): the language's instruction, the input
// "<Context>: {context}\n<Question>: {question}\n<Answer>: " in the
// language's words (with its trailing space), context and question trimmed,
// and the first gold answer, trimmed, as output. It fails for another
// language: the repository has no prompt for de, es, ro, ru or th.
func QARecord(lang, context string, q QA) (Record, error) {
	p, ok := qaPrompts[lang]
	if !ok {
		return Record{}, fmt.Errorf("xling: QARecord: no x-LLM QA prompt for language %q", lang)
	}
	in := strings.Replace(p[1], "{question}", strings.TrimSpace(q.Question), 1)
	// The context goes in last so that a "{question}" inside it stays.
	i := strings.Index(in, "{context}")
	in = in[:i] + strings.TrimSpace(context) + in[i+len("{context}"):]
	r := Record{Instruction: p[0], Input: in}
	if len(q.Answers) > 0 {
		r.Output = strings.TrimSpace(q.Answers[0])
	}
	return r, nil
}

// ContextPairs pairs the contexts of two parallel files, such as
// xquad.en.json and xquad.zh.json, paragraph by paragraph. It fails if the
// files do not have the same paragraphs (counted, and checked by the ids of
// their questions).
func ContextPairs(src, tgt []Paragraph) ([]Pair, error) {
	if err := checkParallel(src, tgt); err != nil {
		return nil, fmt.Errorf("xling: ContextPairs: %w", err)
	}
	pairs := make([]Pair, len(src))
	for i := range src {
		pairs[i] = Pair{Source: src[i].Context, Target: tgt[i].Context}
	}
	return pairs, nil
}

// QuestionPairs pairs the questions of two parallel files by position,
// checking that their ids agree.
func QuestionPairs(src, tgt []Paragraph) ([]Pair, error) {
	if err := checkParallel(src, tgt); err != nil {
		return nil, fmt.Errorf("xling: QuestionPairs: %w", err)
	}
	var pairs []Pair
	for i := range src {
		for j, q := range src[i].QAs {
			pairs = append(pairs, Pair{Source: q.Question, Target: tgt[i].QAs[j].Question})
		}
	}
	return pairs, nil
}

func checkParallel(src, tgt []Paragraph) error {
	if len(src) != len(tgt) {
		return fmt.Errorf("%d paragraphs against %d", len(src), len(tgt))
	}
	for i := range src {
		if len(src[i].QAs) != len(tgt[i].QAs) {
			return fmt.Errorf("paragraph %d: %d questions against %d", i, len(src[i].QAs), len(tgt[i].QAs))
		}
		for j, q := range src[i].QAs {
			if q.ID != tgt[i].QAs[j].ID {
				return fmt.Errorf("paragraph %d question %d: id %q against %q", i, j, q.ID, tgt[i].QAs[j].ID)
			}
		}
	}
	return nil
}
