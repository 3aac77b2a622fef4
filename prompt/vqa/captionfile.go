package vqa

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
)

// CaptionRecord is one line of a captions file (JSON Lines):
//
//	{"image_id": 413918, "strategy": "greedy", "captions": ["a man riding a bike"]}
//
// Strategy is the Decoding.Name the captions were made with ("" for
// captions of unknown or single origin, such as COCO's human captions).
// QuestionID, if not zero, ties the captions to one question instead of
// the whole image.
type CaptionRecord struct {
	ImageID    int64    `json:"image_id"`
	QuestionID int64    `json:"question_id,omitempty"`
	Strategy   string   `json:"strategy,omitempty"`
	Captions   []string `json:"captions"`
}

type captionKey struct {
	id       int64
	question bool
	strategy string
}

// CaptionFile holds captions read from a file, so that captions made
// elsewhere (by a server, by a Python captioner, COCO's own) can be used.
// It is a Captioner that looks them up.
type CaptionFile struct {
	m          map[captionKey][]string
	strategies []string
}

var _ Captioner = (*CaptionFile)(nil)

// ReadCaptionFile reads a JSON Lines captions file (see CaptionRecord).
func ReadCaptionFile(path string) (*CaptionFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vqa: %w", err)
	}
	defer f.Close()
	c, err := ReadCaptions(f)
	if err != nil {
		return nil, fmt.Errorf("vqa: %s: %w", path, err)
	}
	return c, nil
}

// ReadCaptions reads captions in JSON Lines from r. Blank lines are
// skipped; records for the same image (or question) and strategy are
// merged, duplicates dropped.
func ReadCaptions(r io.Reader) (*CaptionFile, error) {
	c := &CaptionFile{m: map[captionKey][]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	seen := map[string]bool{}
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(bytesTrim(b)) == 0 {
			continue
		}
		var rec CaptionRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if rec.ImageID == 0 && rec.QuestionID == 0 {
			return nil, fmt.Errorf("line %d: neither image_id nor question_id", line)
		}
		k := captionKey{id: rec.ImageID, strategy: rec.Strategy}
		if rec.QuestionID != 0 {
			k = captionKey{id: rec.QuestionID, question: true, strategy: rec.Strategy}
		}
		for _, t := range rec.Captions {
			if !slices.Contains(c.m[k], t) {
				c.m[k] = append(c.m[k], t)
			}
		}
		if !seen[rec.Strategy] {
			seen[rec.Strategy] = true
			c.strategies = append(c.strategies, rec.Strategy)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.Strings(c.strategies)
	return c, nil
}

func bytesTrim(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// Strategies returns the strategy names in the file, sorted ("" for
// records without one).
func (c *CaptionFile) Strategies() []string { return slices.Clone(c.strategies) }

// Lookup returns the captions of a question's image made with strategy:
// those given for the question itself if any, else those of the image.
func (c *CaptionFile) Lookup(questionID, imageID int64, strategy string) ([]string, bool) {
	if t, ok := c.m[captionKey{id: questionID, question: true, strategy: strategy}]; ok && questionID != 0 {
		return t, true
	}
	t, ok := c.m[captionKey{id: imageID, strategy: strategy}]
	return t, ok
}

// Caption implements Captioner: the captions of img.ID under the strategy
// named d.Name(), or under no strategy name if the file has none for it.
// It fails if the image has no captions.
func (c *CaptionFile) Caption(_ context.Context, img Image, d Decoding) ([]string, error) {
	if t, ok := c.Lookup(0, img.ID, d.Name()); ok {
		return t, nil
	}
	if t, ok := c.Lookup(0, img.ID, ""); ok {
		return t, nil
	}
	return nil, fmt.Errorf("vqa: no captions for image %d (strategy %q)", img.ID, d.Name())
}
