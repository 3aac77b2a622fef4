package ngram

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestARPARoundTrip writes trained models, reads them back and checks that
// every log-probability is identical and that writing again gives the same
// bytes.
func TestARPARoundTrip(t *testing.T) {
	t.Parallel()
	for order := 1; order <= 4; order++ {
		m, err := Train(smallCorpus, order, Options{MinCount: 2})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := m.WriteARPA(&buf); err != nil {
			t.Fatal(err)
		}
		first := buf.String()
		r, err := ReadARPA(strings.NewReader(first))
		if err != nil {
			t.Fatalf("order %d: %v", order, err)
		}
		if r.Order() != order || !equalInts(r.Counts(), m.Counts()) {
			t.Fatalf("order %d: read order %d counts %v, wrote %v", order, r.Order(), r.Counts(), m.Counts())
		}
		histories := [][]string{nil, {"zzz"}, {"denver", "show"}}
		for _, s := range smallCorpus {
			for i := 0; i <= len(s); i++ {
				histories = append(histories, append([]string{BOS}, s[:i]...))
			}
		}
		for _, h := range histories {
			for _, w := range m.words {
				if a, b := m.Log10Prob(h, w), r.Log10Prob(h, w); a != b {
					t.Fatalf("order %d: log10 p(%s | %v) = %v written, %v read", order, w, h, a, b)
				}
			}
		}
		buf.Reset()
		if err := r.WriteARPA(&buf); err != nil {
			t.Fatal(err)
		}
		if buf.String() != first {
			t.Errorf("order %d: second write differs from the first", order)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReadKenLMLayout reads a hand-written trigram file in KenLM's layout
// (-99 for <s>, zero backoffs left out, tabs and spaces, blank lines, text
// before \data\) and checks the ARPA backoff rule by hand:
// p(w | u v) = p(u v w) if listed, else bo(u v) · p(w | v), and so on down.
func TestReadKenLMLayout(t *testing.T) {
	t.Parallel()
	m, err := Load(filepath.Join("testdata", "kenlm_layout.arpa"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Order() != 3 || !equalInts(m.Counts(), []int{5, 4, 2}) {
		t.Fatalf("order %d counts %v, want 3 [5 4 2]", m.Order(), m.Counts())
	}
	for _, tc := range []struct {
		h    string
		w    string
		want float64
	}{
		{"<s> a", "b", -0.05},           // trigram
		{"<s> a", "</s>", -0.1 - 0.45},  // bo(<s> a) + p(</s> | a)
		{"a b", "a", -0.15 - 0.2 - 0.4}, // bo(a b) + bo(b) + p(a)
		{"b b", "b", -0.2 - 0.7},        // "b b" is no context: bo(b) + p(b)
		{"a", "</s>", -0.45},            // bigram
		{"a", "<unk>", -0.3 - 1.0},      // bo(a) + p(<unk>)
		{"a", "zebra", -0.3 - 1.0},      // out of vocabulary = <unk>
		{"", "b", -0.7},                 // unigram
		{"<s>", "b", -0.5 - 0.7},        // bo(<s>) + p(b)
		{"x y a b", "</s>", -0.1},       // only the last two words count
		{"<s> a b", "</s>", -0.1},       // trigram
		{"b a", "b", -0.2},              // bigram a b; "b a" is no context
	} {
		if got := m.Log10Prob(strings.Fields(tc.h), tc.w); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("log10 p(%s | %s) = %v, want %v", tc.w, tc.h, got, tc.want)
		}
	}
	// <s> a b </s>: -0.3 (a | <s>) - 0.05 (b | <s> a) - 0.1 (</s> | a b).
	total, _ := m.SentenceLogProb([]string{"a", "b"})
	if want := (-0.3 - 0.05 - 0.1) * math.Ln10; math.Abs(total-want) > 1e-12 {
		t.Errorf("SentenceLogProb(a b) = %v, want %v", total, want)
	}
}

func TestReadARPAMissingUnk(t *testing.T) {
	t.Parallel()
	src := "\\data\\\nngram 1=3\n\n\\1-grams:\n-99 <s> -0.1\n-0.3 </s>\n-0.2 a\n\\end\\\n"
	m, err := ReadARPA(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Log10Prob(nil, "zzz"); got != -100 {
		t.Errorf("log10 p(<unk>) = %v, want -100", got)
	}
}

// TestReadARPAErrors checks that malformed files give errors naming the
// line.
func TestReadARPAErrors(t *testing.T) {
	t.Parallel()
	const head = "\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-99 <s> -0.1\n-0.3 </s>\n-0.2 a -0.1\n\n\\2-grams:\n"
	for _, tc := range []struct {
		name, src, want string
	}{
		{"empty", "", `without \data\`},
		{"nodata", "hello\nworld\n", `without \data\`},
		{"badheader", "\\data\\\nfoo 1=2\n", "line 2"},
		{"badcount", "\\data\\\nngram 1=x\n", "line 2"},
		{"gap", "\\data\\\nngram 1=2\nngram 3=1\n", "line 3: header gives order 3"},
		{"noorders", "\\data\\\n\\1-grams:\n", "line 2"},
		{"wrongsection", "\\data\\\nngram 1=1\n\\2-grams:\n", "line 3: want \\1-grams:"},
		{"fields", head + "-0.1 a\n\\end\\\n", "line 11: 2-gram line has 2 fields"},
		{"prob", head + "x a </s>\n\\end\\\n", "line 11: bad log-probability"},
		{"positive", head + "0.5 a </s>\n\\end\\\n", "line 11: bad log-probability"},
		{"nan", head + "NaN a </s>\n\\end\\\n", "line 11"},
		{"backoff", head + "-0.1 a </s> zz\n\\end\\\n", "line 11: bad backoff"},
		{"unknownword", head + "-0.1 a b\n\\end\\\n", `line 11: word "b" is not among the unigrams`},
		{"count", head + "-0.1 a </s>\n-0.2 <s> a\n\\end\\\n", "line 13: \\2-grams: has 2 entries, the header says 1"},
		{"dup", "\\data\\\nngram 1=3\n\\1-grams:\n-1 <s>\n-1 </s>\n-1 <s>\n\\end\\\n", "line 6: 1-gram \"<s>\" listed twice"},
		{"noend", head + "-0.1 a </s>\n", `without \end\`},
		{"badend", head + "-0.1 a </s>\n\\3-grams:\n", `line 12: want \end\`},
		{"nobos", "\\data\\\nngram 1=1\n\\1-grams:\n-1 </s>\n\\end\\\n", "no <s>"},
		{"noeos", "\\data\\\nngram 1=1\n\\1-grams:\n-1 <s>\n\\end\\\n", "no </s>"},
		{"order", "\\data\\\nngram 1=1\nngram 2=1\nngram 3=1\nngram 4=1\nngram 5=1\nngram 6=1\nngram 7=1\nngram 8=1\nngram 9=1\nngram 10=1\nngram 11=1\n", "line 12: order 11 above MaxOrder"},
		{"longline", "\\data\\\n" + strings.Repeat("x", maxLine+10), "line 2: longer than"},
	} {
		_, err := ReadARPA(strings.NewReader(tc.src))
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not contain %q", tc.name, err, tc.want)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	t.Parallel()
	m, err := Train(smallCorpus, 3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "small.arpa")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d files after Save, want 1 (no temporary left)", len(entries))
	}
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.SentenceLogProb(smallCorpus[0])
	b, _ := r.SentenceLogProb(smallCorpus[0])
	if a != b {
		t.Errorf("sentence log-prob %v saved, %v loaded", a, b)
	}
	if err := m.Save(filepath.Join(dir, "missing", "x.arpa")); err == nil {
		t.Error("Save into a missing directory: no error")
	}
	if _, err := Load(filepath.Join(dir, "nope.arpa")); err == nil {
		t.Error("Load of a missing file: no error")
	}
}

// FuzzReadARPA checks that ReadARPA never panics, and that whatever it
// accepts writes back to a file it reads to the same counts and scores.
func FuzzReadARPA(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "kenlm_layout.arpa")); err == nil {
		f.Add(string(b))
	}
	m, err := Train(smallCorpus, 3, Options{MinCount: 2})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	m.WriteARPA(&buf)
	f.Add(buf.String())
	f.Add("\\data\\\nngram 1=3\n\\1-grams:\n-99 <s> -0.1\n-0.3 </s>\n-0.2 a\n\\end\\\n")
	f.Add("\\data\\\nngram 1=2\nngram 2=1\n\\1-grams:\n-1 <s>\n-1 </s>\n\\2-grams:\n-inf <s> </s> 0\n\\end\\\n")
	f.Fuzz(func(t *testing.T, src string) {
		m, err := ReadARPA(strings.NewReader(src))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := m.WriteARPA(&buf); err != nil {
			t.Fatal(err)
		}
		r, err := ReadARPA(&buf)
		if err != nil {
			t.Fatalf("written model does not read back: %v", err)
		}
		if !equalInts(m.Counts(), r.Counts()) {
			t.Fatalf("counts %v read back as %v", m.Counts(), r.Counts())
		}
		words := m.Vocab()
		if len(words) > 3 {
			words = words[:3]
		}
		a, _ := m.SentenceLogProb(words)
		b, _ := r.SentenceLogProb(words)
		if a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
			t.Fatalf("sentence %v: %v before, %v after the round trip", words, a, b)
		}
	})
}
