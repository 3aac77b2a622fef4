package text

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestWordPieceTrainerSmall checks the first merges by hand and determinism.
func TestWordPieceTrainerSmall(t *testing.T) {
	corpus := []string{"hug hug hug hug hug hug hug hug hug hug pug pug pug pug pug pun pun pun pun pun pun pun pun pun pun pun pun bun bun bun bun hugs hugs hugs hugs hugs"}
	tr := WordPieceTrainer{VocabSize: 5 + 2*7 + 3, MinFrequency: 2, Lower: true}
	wp, err := tr.Train(corpus)
	if err != nil {
		t.Fatal(err)
	}
	// alphabet b g h n p s u, then ##b ... ##u; pair counts:
	// (##u,##g)=10+5+5=20, (##u,##n)=12+4=16, (h,##u)=15, (p,##u)=17, ...
	// so merges: ##u ##g -> ##ug (20), then p ##u -> pu (17)? no: after the
	// first merge p##u only remains in "pun" (12) and "pug" becomes p ##ug (5).
	// Remaining: (##u,##n)=16, (h,##ug)=15, (p,##u)=12 -> ##un, then hug.
	toks := wp.Vocab().Tokens()
	got := toks[len(toks)-3:]
	want := []string{"##ug", "##un", "hug"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("learned %q, want %q", got, want)
	}
	if toks[0] != "[PAD]" || toks[5] != "b" || toks[12] != "##b" {
		t.Fatalf("layout %q", toks[:13])
	}
	if got := strings.Join(wp.Tokenize("hugs pun bug"), " "); got != "hug ##s p ##un b ##ug" {
		t.Fatalf("tokenize %q", got)
	}
	if got := wp.Tokenize("hux"); !reflect.DeepEqual(got, []string{"[UNK]"}) {
		t.Fatalf("unknown char gives %q", got)
	}
}

// TestWordPieceTrainerShakespeare trains on the first 300 kB of
// tinyshakespeare: same vocabulary twice, and the corpus encodes with few
// [UNK] (only from characters cut by LimitAlphabet).
func TestWordPieceTrainerShakespeare(t *testing.T) {
	text := readGz(t, shakespeare, 300_000)
	lines := strings.Split(text, "\n")
	tr := WordPieceTrainer{VocabSize: 2000, Lower: true, LimitAlphabet: 60}
	start := time.Now()
	a, err := tr.Train(lines)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained %d tokens in %v", a.VocabSize(), time.Since(start))
	b, _ := tr.Train(lines)
	if !reflect.DeepEqual(a.Vocab().Tokens(), b.Vocab().Tokens()) {
		t.Fatal("same corpus and settings gave different vocabularies")
	}
	if a.VocabSize() != 2000 {
		t.Fatalf("vocab size %d", a.VocabSize())
	}
	ids := a.Encode(text)
	unk := 0
	for _, id := range ids {
		if id == a.Special().UNK {
			unk++
		}
	}
	words := len(strings.Fields(text))
	t.Logf("%d words -> %d tokens, %d [UNK]", words, len(ids), unk)
	if float64(unk) > 0.001*float64(len(ids)) {
		t.Fatalf("%d [UNK] in %d tokens", unk, len(ids))
	}
	if float64(len(ids)) > 1.6*float64(words) {
		t.Fatalf("%d tokens for %d words: vocabulary not learned", len(ids), words)
	}
	// vocab.txt round trip keeps the encoding
	var buf bytes.Buffer
	if err := WriteVocabTxt(&buf, a.Vocab()); err != nil {
		t.Fatal(err)
	}
	c, err := LoadWordPiece(&buf, true)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Encode(text[:5000]), a.Encode(text[:5000])) {
		t.Fatal("vocab.txt round trip changed the encoding")
	}
}

// TestWordPieceTrainerWikitext trains an 8k vocabulary on wikitext-2 valid.
func TestWordPieceTrainerWikitext(t *testing.T) {
	text := readGz(t, wikitextValid, 0)
	lines := strings.Split(text, "\n")
	start := time.Now()
	wp, err := WordPieceTrainer{VocabSize: 8000, Lower: true}.Train(lines)
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	ids := wp.Encode(text)
	unk := 0
	for _, id := range ids {
		if id == wp.Special().UNK {
			unk++
		}
	}
	t.Logf("8k vocab in %v; %d tokens for %d words, %d [UNK]", el, len(ids), len(strings.Fields(text)), unk)
	if unk != 0 {
		t.Fatalf("%d [UNK] with the full alphabet", unk)
	}
}

func TestWordPieceJSONRoundTrip(t *testing.T) {
	wp := loadTestWordPiece(t, true)
	var buf bytes.Buffer
	if err := WriteTokenizerJSON(&buf, wp); err != nil {
		t.Fatal(err)
	}
	tk, err := ReadTokenizerJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	wp2 := tk.(*WordPiece)
	s := "The café served crème brûlée. 我喜欢北京"
	if !reflect.DeepEqual(wp.Encode(s), wp2.Encode(s)) || wp2.Basic != wp.Basic {
		t.Fatal("tokenizer.json round trip changed the tokenizer")
	}
}
