package text

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func loadTestWordPiece(t testing.TB, lower bool) *WordPiece {
	t.Helper()
	f, err := os.Open("testdata/vocab.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wp, err := LoadWordPiece(f, lower)
	if err != nil {
		t.Fatal(err)
	}
	return wp
}

type wpCase struct {
	Text   string   `json:"text"`
	Lower  bool     `json:"lower"`
	Tokens []string `json:"tokens"`
	IDs    []int    `json:"ids"`
}

// TestWordPieceBERTParity compares with testdata/wordpiece_bert.json, written
// by testdata/bert_ref.py (google-research/bert's algorithm), for cased and
// uncased models on punctuation, accents, CJK, control characters and
// unknown words.
func TestWordPieceBERTParity(t *testing.T) {
	b, err := os.ReadFile("testdata/wordpiece_bert.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct{ Cases []wpCase }
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) < 30 {
		t.Fatalf("only %d cases", len(fx.Cases))
	}
	tok := map[bool]*WordPiece{true: loadTestWordPiece(t, true), false: loadTestWordPiece(t, false)}
	for _, c := range fx.Cases {
		wp := tok[c.Lower]
		gotT := wp.Tokenize(c.Text)
		gotI := wp.Encode(c.Text)
		if len(gotT) == 0 && len(c.Tokens) == 0 {
			continue
		}
		if !reflect.DeepEqual(gotT, c.Tokens) || !reflect.DeepEqual(gotI, c.IDs) {
			t.Errorf("lower=%v %q:\n got %q %v\nwant %q %v", c.Lower, c.Text, gotT, gotI, c.Tokens, c.IDs)
		}
	}
}

// TestWordPieceXenovaParity compares EncodePair with @xenova/transformers
// (testdata/wordpiece_xenova.json, written by testdata/xenova_parity.mjs)
// on the sentences where the JS port follows BERT.
func TestWordPieceXenovaParity(t *testing.T) {
	b, err := os.ReadFile("testdata/wordpiece_xenova.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct {
			Text, Pair string
			IDs        []int `json:"input_ids"`
			TypeIDs    []int `json:"token_type_ids"`
			Mask       []int `json:"attention_mask"`
		}
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	wp := loadTestWordPiece(t, true)
	for _, c := range fx.Cases {
		e := wp.EncodePair(c.Text, c.Pair, 0)
		if !reflect.DeepEqual(e.IDs, c.IDs) || !reflect.DeepEqual(e.TypeIDs, c.TypeIDs) || !reflect.DeepEqual(e.AttentionMask, c.Mask) {
			t.Errorf("%q / %q:\n got %v %v\nwant %v %v", c.Text, c.Pair, e.IDs, e.TypeIDs, c.IDs, c.TypeIDs)
		}
	}
}

func TestWordPieceEncodePair(t *testing.T) {
	wp := loadTestWordPiece(t, true)
	a, b := "Hello, world!", "Unaffable café"
	e := wp.EncodePair(a, b, 0)
	want := []string{"[CLS]", "hello", ",", "world", "!", "[SEP]", "un", "##aff", "##able", "cafe", "[SEP]"}
	if !reflect.DeepEqual(e.Tokens, want) {
		t.Fatalf("tokens %q, want %q", e.Tokens, want)
	}
	if !reflect.DeepEqual(e.TypeIDs, []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1}) {
		t.Fatalf("type ids %v", e.TypeIDs)
	}
	// offsets point back into the original texts, accents included
	for i, tk := range e.Tokens {
		o := e.Offsets[i]
		if e.SpecialMask[i] == 1 {
			continue
		}
		src := a
		if e.TypeIDs[i] == 1 {
			src = b
		}
		piece := src[o[0]:o[1]]
		norm := strings.Join(wp.Basic.Tokenize(piece), "")
		if strings.TrimPrefix(tk, "##") != norm {
			t.Errorf("token %q has offsets %v = %q", tk, o, piece)
		}
	}
	if got := b[e.Offsets[9][0]:e.Offsets[9][1]]; got != "café" {
		t.Errorf("cafe offsets give %q", got)
	}
	// truncation: longest first, from the end
	e = wp.EncodePair(a, b, 8)
	want = []string{"[CLS]", "hello", ",", "world", "[SEP]", "un", "##aff", "[SEP]"} // b, a, b lose one each
	if !reflect.DeepEqual(e.Tokens, want) {
		t.Fatalf("truncated %q, want %q", e.Tokens, want)
	}
	e.Pad(10, wp.Special().PAD, "[PAD]")
	if len(e.IDs) != 10 || e.AttentionMask[9] != 0 || e.IDs[9] != 0 || e.AttentionMask[7] != 1 {
		t.Fatalf("pad: %v %v", e.IDs, e.AttentionMask)
	}
	single := wp.EncodePair("how are you", "", 4)
	if !reflect.DeepEqual(single.Tokens, []string{"[CLS]", "how", "are", "[SEP]"}) {
		t.Fatalf("single %q", single.Tokens)
	}
}

func TestWordPieceDecodeSpecial(t *testing.T) {
	wp := loadTestWordPiece(t, true)
	ids := wp.Encode("Unaffable running, the end")
	if got := wp.Decode(ids); got != "unaffable running , the e n d" && got != "unaffable running , the end" {
		t.Errorf("decode %q", got)
	}
	s := wp.Special()
	if s.PAD != 0 || s.UNK != 1 || s.CLS != 2 || s.SEP != 3 || s.MASK != 4 {
		t.Fatalf("special %+v", s)
	}
	var _ Tokenizer = wp
}

func TestIsWordStart(t *testing.T) {
	wp := loadTestWordPiece(t, true)
	ids := wp.Encode("unaffable run")
	var got []bool
	for _, id := range ids {
		got = append(got, wp.IsWordStart(id))
	}
	if !reflect.DeepEqual(got, []bool{true, false, false, true}) {
		t.Fatalf("wordpiece %v", got)
	}
	bpe := loadFixtureBPE(t)
	got = got[:0]
	for _, id := range bpe.Encode(" the kingdom") { // Ġthe Ġk ing d om
		got = append(got, bpe.IsWordStart(id))
	}
	if !reflect.DeepEqual(got, []bool{true, true, false, false, false}) {
		t.Fatalf("bpe %v for %q", got, bpe.Tokenize(" the kingdom"))
	}
}
