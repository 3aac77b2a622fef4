package xling

import (
	"os"
	"strings"
	"testing"
)

func TestReadXQuADMini(t *testing.T) {
	en, err := ReadXQuAD("testdata/xquad_mini.en.json")
	if err != nil {
		t.Fatal(err)
	}
	zh, err := ReadXQuAD("testdata/xquad_mini.zh.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(en) != 2 || len(en[0].QAs)+len(en[1].QAs) != 30 {
		t.Fatalf("%d paragraphs", len(en))
	}
	// answer_start counts code points.
	for _, ps := range [][]Paragraph{en, zh} {
		for _, p := range ps {
			rs := []rune(p.Context)
			for _, q := range p.QAs {
				for k, a := range q.Answers {
					s := q.AnswerStarts[k]
					if s+len([]rune(a)) > len(rs) || string(rs[s:s+len([]rune(a))]) != a {
						t.Errorf("%s: answer %q not at %d", q.ID, a, s)
					}
				}
			}
		}
	}
	cp, err := ContextPairs(en, zh)
	if err != nil || len(cp) != 2 || !strings.HasPrefix(cp[0].Target, "黑豹队的防守") {
		t.Errorf("ContextPairs: %v %v", len(cp), err)
	}
	qp, err := QuestionPairs(en, zh)
	if err != nil || len(qp) != 30 {
		t.Errorf("QuestionPairs: %d %v", len(qp), err)
	}
	if _, err := ContextPairs(en, zh[:1]); err == nil {
		t.Error("misaligned files accepted")
	}
	r, err := QARecord("zh", zh[0].Context, zh[0].QAs[0])
	if err != nil {
		t.Fatal(err)
	}
	want := "段落: " + strings.TrimSpace(zh[0].Context) + "\n问题: " + strings.TrimSpace(zh[0].QAs[0].Question) + "\n答案: "
	if r.Instruction != "请根据以下段落，回答问题" || r.Input != want || r.Output != strings.TrimSpace(zh[0].QAs[0].Answers[0]) {
		t.Errorf("QARecord: %+v", r)
	}
}

// TestReadXQuADFull reads the full files of the shared data directory when
// they are there.
func TestReadXQuADFull(t *testing.T) {
	const dir = "/work/shared/data/xquad/"
	if _, err := os.Stat(dir + "xquad.en.json.gz"); err != nil {
		t.Skip("XQuAD not found at " + dir)
	}
	en, err := ReadXQuAD(dir + "xquad.en.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	el, err := ReadXQuAD(dir + "xquad.el.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	qp, err := QuestionPairs(en, el)
	if err != nil || len(en) != 240 || len(qp) != 1190 {
		t.Errorf("%d paragraphs, %d question pairs, %v", len(en), len(qp), err)
	}
}
