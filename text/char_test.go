package text

import (
	"reflect"
	"testing"
)

func TestChar(t *testing.T) {
	c, err := TrainChar([]string{"abba", "cab"}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	// counts a 3, b 3, c 1: a and b tie, code point order
	want := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c"}
	if !reflect.DeepEqual(c.Vocab().Tokens(), want) {
		t.Fatalf("vocab %q", c.Vocab().Tokens())
	}
	ids := c.Encode("cabx")
	if !reflect.DeepEqual(ids, []int{7, 5, 6, 1}) {
		t.Fatalf("encode %v", ids)
	}
	if got := c.Decode(append(ids[:3], 0, 0)); got != "cab" {
		t.Fatalf("decode %q", got)
	}
	if c.Special().MASK != 4 || c.VocabSize() != 8 {
		t.Fatalf("special %+v", c.Special())
	}
	c2, _ := TrainChar([]string{"abba", "cab"}, []string{"<pad>", "<unk>"}, 2)
	if !reflect.DeepEqual(c2.Vocab().Tokens(), []string{"<pad>", "<unk>", "a", "b"}) {
		t.Fatalf("minFreq 2 vocab %q", c2.Vocab().Tokens())
	}
	if _, err := TrainChar(nil, []string{"x", "x"}, 1); err == nil {
		t.Fatal("duplicate specials accepted")
	}
	var _ Tokenizer = c
}
