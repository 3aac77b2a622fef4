package text

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// hfFile is the part of a Hugging Face tokenizer.json that cairn reads.
type hfFile struct {
	Version     string          `json:"version"`
	AddedTokens []hfAdded       `json:"added_tokens"`
	Normalizer  *hfNormalizer   `json:"normalizer"`
	PreTok      *hfPreTok       `json:"pre_tokenizer"`
	PostProc    json.RawMessage `json:"post_processor"`
	Decoder     json.RawMessage `json:"decoder"`
	Model       hfModel         `json:"model"`
}

type hfAdded struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

type hfNormalizer struct {
	Type               string `json:"type"`
	CleanText          bool   `json:"clean_text"`
	HandleChineseChars bool   `json:"handle_chinese_chars"`
	StripAccents       *bool  `json:"strip_accents"`
	Lowercase          bool   `json:"lowercase"`
}

type hfPreTok struct {
	Type           string `json:"type"`
	AddPrefixSpace bool   `json:"add_prefix_space"`
	TrimOffsets    bool   `json:"trim_offsets"`
	UseRegex       bool   `json:"use_regex"`
}

type hfModel struct {
	Type                    string          `json:"type"`
	Vocab                   map[string]int  `json:"vocab"`
	Merges                  json.RawMessage `json:"merges,omitempty"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	MaxInputCharsPerWord    int             `json:"max_input_chars_per_word,omitempty"`
	EndOfWordSuffix         *string         `json:"end_of_word_suffix,omitempty"`
	Dropout                 *float64        `json:"dropout,omitempty"`
	FuseUnk                 *bool           `json:"fuse_unk,omitempty"`
	ByteFallback            *bool           `json:"byte_fallback,omitempty"`
}

// vocabFromMap turns a token→id map plus added tokens into a dense Vocab.
func vocabFromMap(m map[string]int, added []hfAdded) (*Vocab, error) {
	byID := map[int]string{}
	put := func(tok string, id int) error {
		if id < 0 {
			return fmt.Errorf("token %q has negative id %d", tok, id)
		}
		if old, ok := byID[id]; ok && old != tok {
			return fmt.Errorf("id %d is used by %q and %q", id, old, tok)
		}
		byID[id] = tok
		return nil
	}
	for tok, id := range m {
		if err := put(tok, id); err != nil {
			return nil, err
		}
	}
	for _, a := range added {
		if err := put(a.Content, a.ID); err != nil {
			return nil, err
		}
	}
	toks := make([]string, len(byID))
	for id, tok := range byID {
		if id >= len(toks) {
			return nil, fmt.Errorf("ids are not dense: id %d with %d tokens", id, len(toks))
		}
		toks[id] = tok
	}
	return NewVocab(toks)
}

// ReadTokenizerJSON reads a Hugging Face tokenizer.json whose model is
// WordPiece (returns *WordPiece) or BPE with the ByteLevel pre-tokenizer
// (returns *BPE). Other models and pre-tokenizers are errors.
func ReadTokenizerJSON(r io.Reader) (Tokenizer, error) {
	var f hfFile
	dec := json.NewDecoder(r)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("text: tokenizer.json: %w", err)
	}
	v, err := vocabFromMap(f.Model.Vocab, f.AddedTokens)
	if err != nil {
		return nil, fmt.Errorf("text: tokenizer.json: %w", err)
	}
	switch f.Model.Type {
	case "WordPiece":
		t := &WordPiece{Prefix: "##", MaxInputCharsPerWord: 100}
		if p := f.Model.ContinuingSubwordPrefix; p != nil {
			t.Prefix = *p
		}
		if f.Model.MaxInputCharsPerWord > 0 {
			t.MaxInputCharsPerWord = f.Model.MaxInputCharsPerWord
		}
		if n := f.Normalizer; n != nil {
			switch n.Type {
			case "BertNormalizer":
				t.Basic = BasicTokenizer{Lower: n.Lowercase, SplitCJK: n.HandleChineseChars, StripAccents: n.Lowercase}
				if n.StripAccents != nil {
					t.Basic.StripAccents = *n.StripAccents
				}
			default:
				return nil, fmt.Errorf("text: tokenizer.json: normalizer %q is not supported", n.Type)
			}
		}
		if p := f.PreTok; p != nil && p.Type != "BertPreTokenizer" {
			return nil, fmt.Errorf("text: tokenizer.json: WordPiece with pre-tokenizer %q is not supported", p.Type)
		}
		unk := ""
		if f.Model.UnkToken != nil {
			unk = *f.Model.UnkToken
		}
		if err := t.setVocab(v, unk); err != nil {
			return nil, err
		}
		return t, nil
	case "BPE":
		if p := f.PreTok; p == nil || p.Type != "ByteLevel" {
			return nil, fmt.Errorf("text: tokenizer.json: BPE is supported only with the ByteLevel pre-tokenizer")
		}
		if f.Normalizer != nil {
			return nil, fmt.Errorf("text: tokenizer.json: BPE with normalizer %q is not supported", f.Normalizer.Type)
		}
		merges, err := parseMerges(f.Model.Merges)
		if err != nil {
			return nil, err
		}
		t, err := NewBPE(v, merges)
		if err != nil {
			return nil, err
		}
		t.AddPrefixSpace = f.PreTok.AddPrefixSpace
		return t, nil
	}
	return nil, fmt.Errorf("text: tokenizer.json: model type %q is not supported (want WordPiece or BPE)", f.Model.Type)
}

// parseMerges accepts both tokenizer.json merge formats: "a b" strings and
// ["a", "b"] pairs.
func parseMerges(raw json.RawMessage) ([][2]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var strs []string
	if err := json.Unmarshal(raw, &strs); err == nil {
		out := make([][2]string, len(strs))
		for i, s := range strs {
			a, b, ok := strings.Cut(s, " ")
			if !ok || a == "" || b == "" || strings.Contains(b, " ") {
				return nil, fmt.Errorf("text: tokenizer.json: merge %d %q is not \"a b\"", i, s)
			}
			out[i] = [2]string{a, b}
		}
		return out, nil
	}
	var pairs [][]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, fmt.Errorf("text: tokenizer.json: merges: %w", err)
	}
	out := make([][2]string, len(pairs))
	for i, p := range pairs {
		if len(p) != 2 {
			return nil, fmt.Errorf("text: tokenizer.json: merge %d has %d parts", i, len(p))
		}
		out[i] = [2]string{p[0], p[1]}
	}
	return out, nil
}

// WriteTokenizerJSON writes t (a *WordPiece or *BPE) as a Hugging Face
// tokenizer.json that the tokenizers library and @xenova/transformers load.
// Special tokens are written as added tokens. WordPiece files get BERT's
// normalizer, pre-tokenizer, [CLS]/[SEP] post-processor and decoder.
func WriteTokenizerJSON(w io.Writer, t Tokenizer) error {
	var f map[string]any
	added := func(v *Vocab, sp Special) []hfAdded {
		var out []hfAdded
		ids := []int{sp.PAD, sp.UNK, sp.CLS, sp.SEP, sp.MASK, sp.BOS, sp.EOS}
		sort.Ints(ids)
		last := -1
		for _, id := range ids {
			if id >= 0 && id != last {
				out = append(out, hfAdded{ID: id, Content: v.Token(id), Special: true})
				last = id
			}
		}
		return out
	}
	vmap := func(v *Vocab) map[string]int {
		m := make(map[string]int, v.Len())
		for i, tok := range v.tokens {
			m[tok] = i
		}
		return m
	}
	switch t := t.(type) {
	case *WordPiece:
		sp := t.special
		var post any
		if sp.CLS >= 0 && sp.SEP >= 0 {
			post = map[string]any{"type": "BertProcessing",
				"sep": []any{t.vocab.Token(sp.SEP), sp.SEP}, "cls": []any{t.vocab.Token(sp.CLS), sp.CLS}}
		}
		f = map[string]any{
			"version": "1.0", "truncation": nil, "padding": nil,
			"added_tokens": added(t.vocab, sp),
			"normalizer": map[string]any{"type": "BertNormalizer", "clean_text": true,
				"handle_chinese_chars": t.Basic.SplitCJK, "strip_accents": t.Basic.StripAccents, "lowercase": t.Basic.Lower},
			"pre_tokenizer":  map[string]any{"type": "BertPreTokenizer"},
			"post_processor": post,
			"decoder":        map[string]any{"type": "WordPiece", "prefix": t.Prefix, "cleanup": true},
			"model": map[string]any{"type": "WordPiece", "unk_token": t.UnkToken,
				"continuing_subword_prefix": t.Prefix, "max_input_chars_per_word": t.MaxInputCharsPerWord, "vocab": vmap(t.vocab)},
		}
	case *BPE:
		merges := make([]string, len(t.merges))
		for i, m := range t.merges {
			if strings.Contains(m[0], " ") || strings.Contains(m[1], " ") {
				return fmt.Errorf("text: WriteTokenizerJSON: merge %d contains a space", i)
			}
			merges[i] = m[0] + " " + m[1]
		}
		var unk any
		if t.special.UNK >= 0 {
			unk = t.vocab.Token(t.special.UNK)
		}
		bl := map[string]any{"type": "ByteLevel", "add_prefix_space": t.AddPrefixSpace, "trim_offsets": true, "use_regex": true}
		f = map[string]any{
			"version": "1.0", "truncation": nil, "padding": nil,
			"added_tokens":   added(t.vocab, t.special),
			"normalizer":     nil,
			"pre_tokenizer":  bl,
			"post_processor": bl,
			"decoder":        bl,
			"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": unk, "continuing_subword_prefix": nil,
				"end_of_word_suffix": nil, "fuse_unk": false, "byte_fallback": false, "vocab": vmap(t.vocab), "merges": merges},
		}
	default:
		return fmt.Errorf("text: WriteTokenizerJSON: unsupported tokenizer %T", t)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	return enc.Encode(f)
}

// ReadBPEFiles reads GPT-2's vocab.json (token → id) and merges.txt (one
// "a b" merge per line, an optional "#version" first line).
func ReadBPEFiles(vocabJSON, mergesTxt io.Reader) (*BPE, error) {
	var m map[string]int
	if err := json.NewDecoder(vocabJSON).Decode(&m); err != nil {
		return nil, fmt.Errorf("text: vocab.json: %w", err)
	}
	v, err := vocabFromMap(m, nil)
	if err != nil {
		return nil, fmt.Errorf("text: vocab.json: %w", err)
	}
	var merges [][2]string
	sc := bufio.NewScanner(mergesTxt)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 && strings.HasPrefix(line, "#version") || line == "" {
			continue
		}
		a, b, ok := strings.Cut(line, " ")
		if !ok || a == "" || b == "" || strings.Contains(b, " ") {
			return nil, fmt.Errorf("text: merges.txt line %d: %q is not \"a b\"", n, line)
		}
		merges = append(merges, [2]string{a, b})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("text: merges.txt: %w", err)
	}
	return NewBPE(v, merges)
}

// WriteFiles writes t as GPT-2's vocab.json and merges.txt.
func (t *BPE) WriteFiles(vocabJSON, mergesTxt io.Writer) error {
	m := make(map[string]int, t.vocab.Len())
	for i, tok := range t.vocab.tokens {
		m[tok] = i
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return err
	}
	if _, err := vocabJSON.Write(buf.Bytes()); err != nil {
		return err
	}
	bw := bufio.NewWriter(mergesTxt)
	bw.WriteString("#version: 0.2\n")
	for _, mg := range t.merges {
		bw.WriteString(mg[0] + " " + mg[1] + "\n")
	}
	return bw.Flush()
}
