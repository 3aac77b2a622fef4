// Package prosetag is a lens.Parser backed by the averaged-perceptron POS
// tagger of github.com/jdkato/prose/v2 (MIT; its English model is embedded
// in that module). It tags with Penn Treebank tags and maps them to
// universal POS tags with lens.PTBToUPOS. It has no dependency parser:
// tokens carry an empty Dep and HeadTokenIdx −1, so lens.Build leaves the
// dependency lens out unless parses come from elsewhere.
package prosetag

import (
	"fmt"
	"sync"

	"github.com/cairn-ml/cairn/viz/lens"
	"github.com/jdkato/prose/v2"
)

var (
	once  sync.Once
	model *prose.Model
	err0  error
)

// load decodes the embedded model once per process (about a second).
func load() (*prose.Model, error) {
	once.Do(func() {
		d, err := prose.NewDocument("", prose.WithSegmentation(false), prose.WithExtraction(false))
		if err != nil {
			err0 = fmt.Errorf("prosetag: loading the prose model: %w", err)
			return
		}
		model = d.Model
	})
	return model, err0
}

// Tagger tags text with the prose model. The zero value is ready to use;
// the model is loaded on first use and shared by all Taggers.
type Tagger struct{}

// Parse implements lens.Parser: prose's tokenisation, UPOS tags.
func (Tagger) Parse(text string) ([]lens.Token, error) {
	toks, err := TagPTB(text)
	if err != nil {
		return nil, err
	}
	out := make([]lens.Token, len(toks))
	for i, t := range toks {
		out[i] = lens.Token{Token: t[0], POS: lens.PTBToUPOS(t[1]), HeadTokenIdx: -1}
	}
	return out, nil
}

// TagPTB returns prose's (token, Penn Treebank tag) pairs for text.
func TagPTB(text string) ([][2]string, error) {
	m, err := load()
	if err != nil {
		return nil, err
	}
	d, err := prose.NewDocument(text, prose.UsingModel(m), prose.WithSegmentation(false), prose.WithExtraction(false))
	if err != nil {
		return nil, fmt.Errorf("prosetag: %w", err)
	}
	toks := d.Tokens()
	out := make([][2]string, len(toks))
	for i, t := range toks {
		out[i] = [2]string{t.Text, t.Tag}
	}
	return out, nil
}
