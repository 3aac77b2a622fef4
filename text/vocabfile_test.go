package text

import (
	"bytes"
	"strings"
	"testing"
)

func TestReadVocabTxtErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":     "",
		"blank":     "[PAD]\n\n[UNK]\n",
		"duplicate": "[UNK]\na\na\n",
		"utf8":      "[UNK]\n\xff\n",
	} {
		if _, err := ReadVocabTxt(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	v, err := ReadVocabTxt(strings.NewReader("[UNK]\r\na\nb")) // CRLF, no final newline
	if err != nil || v.Len() != 3 || v.Token(2) != "b" || v.Token(0) != "[UNK]" {
		t.Fatalf("%v %v", v, err)
	}
	if _, err := LoadWordPiece(strings.NewReader("a\nb\n"), true); err == nil {
		t.Fatal("vocab without [UNK] accepted")
	}
}

func TestReadTokenizerJSONErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not json":    "{",
		"no model":    `{}`,
		"unigram":     `{"model":{"type":"Unigram","vocab":{"a":0}}}`,
		"sparse ids":  `{"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"a":5}}}`,
		"shared id":   `{"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"a":0}}}`,
		"negative id": `{"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":-1}}}`,
		"no unk":      `{"model":{"type":"WordPiece","unk_token":"[X]","vocab":{"[UNK]":0}}}`,
		"bpe no pre":  `{"model":{"type":"BPE","vocab":{"a":0},"merges":[]}}`,
		"bad merge":   `{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"a":0},"merges":["a"]}}`,
		"missing":     `{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"a":0},"merges":["a a"]}}`,
		"merge parts": `{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"a":0},"merges":[["a"]]}}`,
		"vocab type":  `{"model":{"type":"WordPiece","vocab":[1,2]}}`,
		"normalizer":  `{"normalizer":{"type":"NFKC"},"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0}}}`,
	} {
		if _, err := ReadTokenizerJSON(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// both merge formats load
	for _, m := range []string{`["a a","aa a"]`, `[["a","a"],["aa","a"]]`} {
		in := `{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"a":0,"aa":1,"aaa":2},"merges":` + m + `}}`
		tk, err := ReadTokenizerJSON(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if got := tk.Encode("aaa"); len(got) != 1 || got[0] != 2 {
			t.Fatalf("merges %s: %v", m, got)
		}
	}
}

func TestReadBPEFilesErrors(t *testing.T) {
	for name, in := range map[string][2]string{
		"vocab json": {"[", ""},
		"merge line": {`{"a":0}`, "#version: 0.2\nab\n"},
		"unknown":    {`{"a":0}`, "a b\n"},
	} {
		if _, err := ReadBPEFiles(strings.NewReader(in[0]), strings.NewReader(in[1])); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzReadVocabTxt: any input gives a vocabulary or an error, never a panic,
// and a vocabulary read back from its own file is the same.
func FuzzReadVocabTxt(f *testing.F) {
	f.Add([]byte("[PAD]\n[UNK]\na\n##b\n"))
	f.Add([]byte("x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ReadVocabTxt(bytes.NewReader(b))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteVocabTxt(&buf, v); err != nil {
			return // a token with a lone "\r" cannot be written back
		}
		v2, err := ReadVocabTxt(&buf)
		if err != nil || strings.Join(v2.Tokens(), "\n") != strings.Join(v.Tokens(), "\n") {
			t.Fatalf("round trip: %v", err)
		}
		if wp, err := NewWordPiece(v, true); err == nil {
			wp.Encode("Hello, wörld 東京")
			if sp := wp.Special(); sp.CLS >= 0 && sp.SEP >= 0 {
				wp.EncodePair("Hello, wörld 東京", "x", 0)
			}
		}
	})
}

// FuzzReadTokenizerJSON: malformed tokenizer.json gives errors, not panics,
// and whatever loads can encode and decode.
func FuzzReadTokenizerJSON(f *testing.F) {
	f.Add([]byte(`{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"a":0,"aa":1},"merges":["a a"]}}`))
	f.Add([]byte(`{"normalizer":{"type":"BertNormalizer","lowercase":true},"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"a":1,"##a":2},"max_input_chars_per_word":3}}`))
	f.Add([]byte(`{"added_tokens":[{"id":1,"content":"<s>"}],"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"a":0},"merges":[["a","a"]]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tk, err := ReadTokenizerJSON(bytes.NewReader(b))
		if err != nil {
			return
		}
		ids := tk.Encode("aaa b, Ü 東")
		for _, id := range ids {
			if id < 0 || id >= tk.VocabSize() {
				t.Fatalf("id %d out of range %d", id, tk.VocabSize())
			}
		}
		tk.Decode(append(ids, -1, 1<<30))
	})
}
