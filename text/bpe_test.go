package text

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func loadFixtureBPE(t testing.TB) *BPE {
	t.Helper()
	f, err := os.Open("testdata/bpe_tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tk, err := ReadTokenizerJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return tk.(*BPE)
}

// TestBPEXenovaParity: the tokenizer.json written by our trainer, encoded by
// @xenova/transformers (testdata/bpe_xenova.json from xenova_parity.mjs),
// gives the same ids as our encoder, and our decoder gives the text back.
func TestBPEXenovaParity(t *testing.T) {
	b, err := os.ReadFile("testdata/bpe_xenova.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct {
			Text, Decoded string
			IDs           []int
		}
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	tk := loadFixtureBPE(t)
	for _, c := range fx.Cases {
		got := tk.Encode(c.Text)
		if len(got) != 0 || len(c.IDs) != 0 {
			if !reflect.DeepEqual(got, c.IDs) {
				t.Errorf("%q:\n got %v\nwant %v", c.Text, got, c.IDs)
			}
		}
		if d := tk.Decode(got); d != c.Decoded || d != c.Text {
			t.Errorf("decode %q, xenova %q, text %q", d, c.Decoded, c.Text)
		}
	}
}

func TestGPT2Split(t *testing.T) {
	cases := map[string][]string{
		"Hello world":              {"Hello", " world"},
		"I'm  here!!\n\nok  ":      {"I", "'m", " ", " here", "!!", "\n", "\n", "ok", "  "},
		"a1 22 x.y ?!":             {"a", "1", " 22", " x", ".", "y", " ?!"},
		"'s 'S 'll 'x":             {"'s", " '", "S", " '", "ll", " '", "x"},
		"tab\tthen  \t word":       {"tab", "\t", "then", "  \t", " word"},
		"über 東京 \xff\xfeok":       {"über", " 東京", " \xff\xfe", "ok"},
		"   ":                      {"   "},
		"x \n y":                   {"x", " \n", " y"},
		"\u00a0a":                  {"\u00a0", "a"},
		"7'd":                      {"7", "'d"},
		"I've 've're'rea'lla'LL'D": {"I", "'ve", " '", "ve", "'re", "'re", "a", "'ll", "a", "'", "LL", "'", "D"},
	}
	for in, want := range cases {
		if got := gpt2Split(in); !reflect.DeepEqual(got, want) {
			t.Errorf("gpt2Split(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBPERoundTripAndFiles(t *testing.T) {
	tk := loadFixtureBPE(t)
	for _, s := range []string{"", "plain", "\x00\x01\xff\xfe", "日本語 😀  \n\t x", string([]byte{0xe6, 0x97})} {
		if got := tk.Decode(tk.Encode(s)); got != s {
			t.Errorf("round trip %q -> %q", s, got)
		}
	}
	// vocab.json + merges.txt round trip
	var vj, mt bytes.Buffer
	if err := tk.WriteFiles(&vj, &mt); err != nil {
		t.Fatal(err)
	}
	tk2, err := ReadBPEFiles(&vj, &mt)
	if err != nil {
		t.Fatal(err)
	}
	s := "Before we proceed any further, hear me speak."
	if !reflect.DeepEqual(tk.Encode(s), tk2.Encode(s)) {
		t.Fatal("vocab.json/merges.txt round trip changed the encoding")
	}
	// tokenizer.json round trip is byte-identical
	var a, b bytes.Buffer
	if err := WriteTokenizerJSON(&a, tk); err != nil {
		t.Fatal(err)
	}
	tk3, err := ReadTokenizerJSON(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteTokenizerJSON(&b, tk3); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("tokenizer.json round trip differs")
	}
	if sp := tk.Special(); sp.BOS != 0 || sp.EOS != 0 || sp.PAD != -1 {
		t.Fatalf("special %+v", sp)
	}
	var _ Tokenizer = tk
}

// TestBPETrainer: merges are frequency-ordered, deterministic, and the
// hand-computable first merges of a tiny corpus come out right.
func TestBPETrainer(t *testing.T) {
	corpus := []string{"low low low low low lower lower newest newest newest newest newest newest widest widest widest"}
	tr := BPETrainer{VocabSize: 257 + 4, MinFrequency: 2, SpecialTokens: []string{"<|endoftext|>"}}
	tk, err := tr.Train(corpus)
	if err != nil {
		t.Fatal(err)
	}
	// pre-tokens: "low"×1, "Ġlow"×4, "Ġlower"×2, "Ġnewest"×6, "Ġwidest"×3.
	// pair counts: es 9, st 9, lo 7, ow 7, Ġl 6, Ġn 6, ne 6, ew 6, we 2, ...
	// (e,s) and (s,t) tie at 9: the smaller pair ids win, so e s first, then
	// es t (9), then l o and lo w (7).
	want := [][2]string{{"e", "s"}, {"es", "t"}, {"l", "o"}, {"lo", "w"}}
	if got := tk.Merges(); !reflect.DeepEqual(got, want) {
		t.Fatalf("merges %q, want %q", got, want)
	}
	tk2, _ := tr.Train(corpus)
	if !reflect.DeepEqual(tk.Vocab().Tokens(), tk2.Vocab().Tokens()) {
		t.Fatal("trainer not deterministic")
	}
	if got := strings.Join(tk.Tokenize(" newest"), "|"); got != "Ġ|n|e|w|est" {
		t.Fatalf("tokenize %q", got)
	}
}

// TestGPT2SplitJS compares the hand-written pre-tokenizer, and the BPE ids,
// with the JavaScript regex (with lookahead) and @xenova/transformers on 300
// random strings of tricky characters (testdata/gpt2split_js.json).
func TestGPT2SplitJS(t *testing.T) {
	b, err := os.ReadFile("testdata/gpt2split_js.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Text   string
		Pieces []string
		BPEIDs []int `json:"bpe_ids"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	tk := loadFixtureBPE(t)
	for _, c := range cases {
		if got := gpt2Split(c.Text); !reflect.DeepEqual(got, c.Pieces) {
			t.Errorf("gpt2Split(%q) = %q, JS %q", c.Text, got, c.Pieces)
		}
		if got := tk.Encode(c.Text); !reflect.DeepEqual(got, c.BPEIDs) {
			t.Errorf("Encode(%q) = %v, xenova %v", c.Text, got, c.BPEIDs)
		}
	}
}

// TestBPEConcurrent: Encode is safe for concurrent use (run with -race).
func TestBPEConcurrent(t *testing.T) {
	tk := loadFixtureBPE(t)
	s := "Before we proceed any further, hear me speak. Speak, speak."
	want := tk.Encode(s)
	done := make(chan []int)
	for range 4 {
		go func() { done <- tk.Encode(s) }()
	}
	for range 4 {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Fatal("concurrent Encode differs")
		}
	}
}
