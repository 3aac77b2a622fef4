package openai

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/prompt"
)

func TestDecodeFixtures(t *testing.T) {
	for _, tc := range []struct {
		file, text string
		chat       bool
		tokens     int
	}{
		{"vllm_echo.json", "The capital of France is Paris.", false, 7},
		{"llamacpp_completion.json", ".", false, 1},
		{"ollama_completion.json", ".", false, -1},
		{"chat.json", "Hello there.", true, -1},
		{"chat_logprobs.json", "Hi!", true, 2},
	} {
		r, err := decodeResponse([]byte(fixture(t, tc.file)))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		ch := r.choices[0]
		if ch.text != tc.text || ch.hasMessage != tc.chat {
			t.Errorf("%s: text %q (message %v), want %q (%v)", tc.file, ch.text, ch.hasMessage, tc.text, tc.chat)
		}
		n := -1
		if ch.lp != nil {
			n = len(ch.lp.tokens)
		}
		if n != tc.tokens {
			t.Errorf("%s: %d tokens with logprobs, want %d", tc.file, n, tc.tokens)
		}
	}
	r, _ := decodeResponse([]byte(fixture(t, "chat_logprobs.json")))
	lp := r.choices[0].lp
	if lp.charOffsets || lp.joined != "Hi!" || lp.offsets[1] != 2 || *lp.logprobs[1] != -0.5 {
		t.Errorf("content shape decoded as %+v", lp)
	}
	if _, err := decodeResponse([]byte(fixture(t, "error.json"))); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a 200 carrying an error object: err = %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, body := range []string{
		``, `null`, `{`, `"x"`, `{"choices":{}}`, `{"choices":[1]}`,
		`{"choices":[{"text":"a","logprobs":{"tokens":["a"],"token_logprobs":["x"]}}]}`,
		`{"choices":[{"text":"a","logprobs":{"tokens":["a"],"token_logprobs":[-1],"text_offset":[0,1]}}]}`,
		`{"choices":[{"text":"a","logprobs":{"tokens":["a","b"],"token_logprobs":[-1,-1],"text_offset":[1,0]}}]}`,
		`{"choices":[{"text":"a","logprobs":{"tokens":["a"],"token_logprobs":[-1],"text_offset":[-1]}}]}`,
		`{"choices":[{"text":"a","logprobs":{"content":[{"token":"a","logprob":-1,"bytes":[256]}]}}]}`,
		`{"choices":[{"text":"a","logprobs":{"content":[{"token":"a","logprob":1e999}]}}]}`,
		`{"choices":[{"message":{"content":["parts"]}}]}`,
	} {
		if r, err := decodeResponse([]byte(body)); err == nil {
			t.Errorf("decodeResponse(%q) = %+v, want an error", body, r)
		}
	}
}

// legacy builds a decoded echo in the legacy shape.
func legacy(text string, tokens []string, offsets []int, lps ...any) choice {
	ch := choice{text: text, lp: &tokenLogprobs{tokens: tokens, offsets: offsets, charOffsets: true}}
	for _, v := range lps {
		if f, ok := v.(float64); ok {
			ch.lp.logprobs = append(ch.lp.logprobs, &f)
		} else {
			ch.lp.logprobs = append(ch.lp.logprobs, nil)
		}
	}
	return ch
}

func TestScoreChoiceBoundary(t *testing.T) {
	// "New York City." with the generated "." at offset 13.
	ch := legacy("New York City.", []string{"New", " York", " City", "."}, []int{0, 3, 8, 13}, nil, -2.0, -1.0, -0.5)
	for _, tc := range []struct {
		prefix, cont string
		tokens       string
		total        float64
	}{
		{"New York", " City", " City", -1},
		{"New", " York City", " York| City", -3},
		{"New Yo", "rk City", " York| City", -3}, // " York" straddles: counted
		{"New York ", "City", " City", -1},       // " City" straddles
		{"New York Cit", "y", " City", -1},       // the continuation is inside one token
	} {
		s, err := scoreChoice(ch, tc.prefix, tc.prefix+tc.cont)
		if err != nil {
			t.Errorf("%q|%q: %v", tc.prefix, tc.cont, err)
			continue
		}
		if got := strings.Join(s.Tokens, "|"); got != tc.tokens || s.Total != tc.total {
			t.Errorf("%q|%q: tokens %q total %v, want %q %v", tc.prefix, tc.cont, got, s.Total, tc.tokens, tc.total)
		}
		sum := 0.0
		for _, v := range s.LogProbs {
			sum += v
		}
		if sum != s.Total || len(s.LogProbs) != len(s.Tokens) {
			t.Errorf("%q|%q: Total %v is not the sum of %v", tc.prefix, tc.cont, s.Total, s.LogProbs)
		}
	}
	// The first token has no log-probability: an empty prefix cannot be
	// scored without a beginning-of-sequence token.
	_, err := scoreChoice(ch, "", "New York City")
	if !errors.Is(err, prompt.ErrUnsupported) || !strings.Contains(err.Error(), "non-empty prefix") {
		t.Errorf("empty prefix: err = %v", err)
	}
	// With a zero-length BOS token (vLLM with a Llama tokenizer), it can.
	bos := legacy("Hi there!", []string{"<s>", "Hi", " there", "!"}, []int{0, 0, 2, 8}, nil, -3.0, -1.0, -0.5)
	s, err := scoreChoice(bos, "", "Hi there")
	if err != nil || s.Total != -4 || strings.Join(s.Tokens, "|") != "Hi| there" {
		t.Errorf("empty prefix after BOS: %+v, %v; want Hi| there at -4", s, err)
	}
}

func TestScoreChoiceUnicode(t *testing.T) {
	// Legacy offsets count characters: "é" is one, though two bytes.
	ch := legacy("éa b.", []string{"é", "a", " b", "."}, []int{0, 1, 2, 4}, nil, -1.0, -2.0, -4.0)
	s, err := scoreChoice(ch, "é", "éa b")
	if err != nil || s.Total != -3 || strings.Join(s.Tokens, "|") != "a| b" {
		t.Errorf("legacy: %+v, %v; want a| b at -3", s, err)
	}
	// The content shape counts bytes, from each token's bytes.
	body := `{"choices":[{"text":"éa b.","logprobs":{"content":[
		{"token":"é","logprob":-9,"bytes":[195,169]},
		{"token":"a","logprob":-1},
		{"token":" b","logprob":-2,"bytes":[32,98]},
		{"token":".","logprob":-4}]}}]}`
	r, err := decodeResponse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	s, err = scoreChoice(r.choices[0], "é", "éa b")
	if err != nil || s.Total != -3 || strings.Join(s.Tokens, "|") != "a| b" {
		t.Errorf("content: %+v, %v; want a| b at -3", s, err)
	}
}

// FuzzDecodeResponse feeds arbitrary bodies to the decoder and, when they
// decode, to the continuation selection: errors are fine, panics are not,
// and a score must be the sum of its parts.
func FuzzDecodeResponse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(24))
	}
	f.Add([]byte(`{"choices":[{"text":"ab","logprobs":{"tokens":["a","b"],"token_logprobs":[null,-1],"text_offset":[0,1]}}]}`), uint8(1))
	f.Add([]byte(`{"choices":[{"text":"ab","logprobs":{"content":[{"token":"a","logprob":-1,"bytes":[97]},{"token":"b","logprob":null}]}}]}`), uint8(1))
	f.Add([]byte(`{"choices":[{"text":null,"message":{"content":"x"}}],"error":null}`), uint8(0))
	f.Fuzz(func(t *testing.T, body []byte, cut uint8) {
		r, err := decodeResponse(body)
		if err != nil {
			return
		}
		if len(r.choices) == 0 {
			t.Fatal("decoded a response without choices")
		}
		ch := r.choices[0]
		full := ch.text
		if n := int(cut); n < len(full) {
			full = full[:len(full)-n/2]
		}
		for _, b := range []int{0, int(cut) % (len(full) + 1), len(full) / 2} {
			s, err := scoreChoice(ch, full[:b], full)
			if err != nil {
				continue
			}
			sum := 0.0
			for _, v := range s.LogProbs {
				sum += v
			}
			if sum != s.Total || len(s.Tokens) != len(s.LogProbs) || len(s.Tokens) == 0 {
				t.Fatalf("inconsistent score %+v", s)
			}
		}
	})
}
