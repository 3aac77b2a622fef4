package vqa

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Question is one VQA question with its annotation.
type Question struct {
	ID       int64  // question_id
	ImageID  int64  // image_id (a COCO image)
	Question string // the question text
	// QuestionType is the annotation's question_type, a prefix of the
	// question such as "what color is the".
	QuestionType string
	// AnswerType is "yes/no", "number" or "other".
	AnswerType string
	// Answer is the multiple_choice_answer, the most frequent human answer.
	Answer string
	// Answers are the human answers (ten in VQA v2).
	Answers []string
}

type questionsFile struct {
	Questions []struct {
		ImageID    int64  `json:"image_id"`
		Question   string `json:"question"`
		QuestionID int64  `json:"question_id"`
	} `json:"questions"`
}

type annotationsFile struct {
	Annotations []struct {
		QuestionID     int64  `json:"question_id"`
		ImageID        int64  `json:"image_id"`
		QuestionType   string `json:"question_type"`
		AnswerType     string `json:"answer_type"`
		MultipleChoice string `json:"multiple_choice_answer"`
		Answers        []struct {
			Answer string `json:"answer"`
		} `json:"answers"`
	} `json:"annotations"`
}

// ReadQuestions reads a VQA v2 questions file and its annotations file
// (the official JSON layout, plain or gzip-compressed) and joins them on
// question_id, in the order of the questions file. It fails on a question
// without an annotation or an annotation whose image differs.
func ReadQuestions(questionsPath, annotationsPath string) ([]Question, error) {
	var qf questionsFile
	if err := readJSON(questionsPath, &qf); err != nil {
		return nil, err
	}
	var af annotationsFile
	if err := readJSON(annotationsPath, &af); err != nil {
		return nil, err
	}
	byID := make(map[int64]int, len(af.Annotations))
	for i, a := range af.Annotations {
		byID[a.QuestionID] = i
	}
	out := make([]Question, 0, len(qf.Questions))
	for _, q := range qf.Questions {
		i, ok := byID[q.QuestionID]
		if !ok {
			return nil, fmt.Errorf("vqa: %s: question %d has no annotation in %s", questionsPath, q.QuestionID, annotationsPath)
		}
		a := af.Annotations[i]
		if a.ImageID != q.ImageID {
			return nil, fmt.Errorf("vqa: question %d: image %d in %s, %d in %s", q.QuestionID, q.ImageID, questionsPath, a.ImageID, annotationsPath)
		}
		ans := make([]string, len(a.Answers))
		for j, x := range a.Answers {
			ans[j] = x.Answer
		}
		out = append(out, Question{
			ID: q.QuestionID, ImageID: q.ImageID, Question: q.Question,
			QuestionType: a.QuestionType, AnswerType: a.AnswerType, Answer: a.MultipleChoice, Answers: ans,
		})
	}
	return out, nil
}

// readJSON decodes the JSON file at path into v, decompressing it first if
// it starts with the gzip magic bytes.
func readJSON(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("vqa: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("vqa: %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	if err := json.NewDecoder(r).Decode(v); err != nil {
		return fmt.Errorf("vqa: %s: %w", path, err)
	}
	return nil
}
