package text

import (
	"strings"
	"testing"
)

// FuzzBPERoundTrip: every byte string, valid UTF-8 or not, decodes back to
// itself, and the pre-tokenizer pieces concatenate to the input.
func FuzzBPERoundTrip(f *testing.F) {
	tk := loadFixtureBPE(f)
	for _, s := range []string{"", "Hello world", "I'm  here!!\n\n", "\xff\xfe\x00", "日本 😀 x", "  \u3000\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := strings.Join(gpt2Split(s), ""); got != s {
			t.Fatalf("pieces of %q join to %q", s, got)
		}
		if got := tk.Decode(tk.Encode(s)); got != s {
			t.Fatalf("round trip %q -> %q", s, got)
		}
	})
}

// FuzzWordPiece: encoding never panics, ids are in range, offsets lie in the
// input and are ordered.
func FuzzWordPiece(f *testing.F) {
	wp := loadTestWordPiece(f, true)
	for _, s := range []string{"Hello, world!", "café 東京\x00\x07", "\xff\xfeİ", strings.Repeat("a", 120)} {
		f.Add(s, "pair")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		e := wp.EncodePair(a, b, 0)
		prev := 0
		for i, id := range e.IDs {
			if id < 0 || id >= wp.VocabSize() {
				t.Fatalf("id %d", id)
			}
			o := e.Offsets[i]
			if e.SpecialMask[i] == 1 {
				prev = 0
				continue
			}
			src := a
			if e.TypeIDs[i] == 1 {
				src = b
			}
			if o[0] < prev || o[0] >= o[1] || o[1] > len(src) {
				t.Fatalf("token %d offsets %v (prev %d, len %d)", i, o, prev, len(src))
			}
			prev = o[0]
		}
	})
}
