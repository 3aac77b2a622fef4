package data_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
)

func tags(s string) []string { return strings.Fields(s) }

func TestSplitTag(t *testing.T) {
	for _, tc := range [][3]string{
		{"B-PER", "B", "PER"}, {"I-creative-work", "I", "creative-work"}, {"O", "O", ""}, {"PER", "PER", ""}, {"B-", "B", ""}, {"-X", "", "X"},
	} {
		if p, ty := data.SplitTag(tc[0]); p != tc[1] || ty != tc[2] {
			t.Errorf("SplitTag(%q) = %q, %q; want %q, %q", tc[0], p, ty, tc[1], tc[2])
		}
	}
}

// Spans read by hand, as conlleval reads the same tags.
func TestSpans(t *testing.T) {
	for _, tc := range []struct{ tags, want string }{
		{"", "[]"},
		{"O O", "[]"},
		{"B-PER I-PER O B-LOC", "[PER[0:2] LOC[3:4]]"},
		{"O I-PER", "[PER[1:2]]"},                          // I after O starts
		{"B-PER I-LOC", "[PER[0:1] LOC[1:2]]"},             // a type change starts
		{"I-ORG I-ORG B-ORG I-ORG", "[ORG[0:2] ORG[2:4]]"}, // IOB1
		{"B-X B-X", "[X[0:1] X[1:2]]"},                     // B after B
		{"S-X S-X B-X E-X", "[X[0:1] X[1:2] X[2:4]]"},      // IOBES
		{"B-X E-X B-X I-X E-X", "[X[0:2] X[2:5]]"},         // E then B
		{"B-X I-X", "[X[0:2]]"},                            // open at the end
		{"I-X E-X I-X E-X", "[X[0:2] X[2:4]]"},             // IOE: I after E starts
		{"B-X E-X I-X", "[X[0:2] X[2:3]]"},                 // invalid IOBES
		{"E-X", "[X[0:1]]"},                                // E after O starts
		{"S-X I-X", "[X[0:1] X[1:2]]"},                     // I after S starts
		{"B-creative-work I-creative-work", "[creative-work[0:2]]"},
		{"O PER B-X PER", "[X[2:3] [3:4]]"}, // a bare tag after a typed one
	} {
		if got := fmt.Sprint(data.Spans(tags(tc.tags))); got != tc.want {
			t.Errorf("Spans(%s) = %s; want %s", tc.tags, got, tc.want)
		}
	}
}

func TestSpanTags(t *testing.T) {
	spans := []data.Span{{"PER", 0, 2}, {"PER", 2, 3}, {"LOC", 4, 5}, {"LOC", 5, 8}}
	for _, tc := range []struct {
		s    data.TagScheme
		want string
	}{
		{data.IOB1, "I-PER I-PER B-PER O I-LOC B-LOC I-LOC I-LOC O"},
		{data.IOB2, "B-PER I-PER B-PER O B-LOC B-LOC I-LOC I-LOC O"},
		{data.IOBES, "B-PER E-PER S-PER O S-LOC B-LOC I-LOC E-LOC O"},
	} {
		got := data.SpanTags(spans, 9, tc.s)
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%v: %v; want %s", tc.s, got, tc.want)
		}
		if err := data.CheckTags(got, tc.s); err != nil {
			t.Errorf("%v: %v", tc.s, err)
		}
		if back := data.Spans(got); !reflect.DeepEqual(back, spans) {
			t.Errorf("%v: Spans gives %v; want %v", tc.s, back, spans)
		}
	}
	for _, bad := range [][]data.Span{{{"X", 0, 0}}, {{"X", -1, 1}}, {{"X", 0, 10}}, {{"X", 0, 2}, {"Y", 1, 3}}, {{"", 0, 1}}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SpanTags(%v) did not panic", bad)
				}
			}()
			data.SpanTags(bad, 3, data.IOB2)
		}()
	}
}

// The repairs the ConvertTags documentation promises.
func TestConvertTagsRepairs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		to   data.TagScheme
		want string
	}{
		{"O I-PER I-PER", data.IOB2, "O B-PER I-PER"},
		{"B-PER I-LOC", data.IOB2, "B-PER B-LOC"},
		{"B-PER O", data.IOBES, "S-PER O"},
		{"I-PER I-PER B-PER", data.IOB2, "B-PER I-PER B-PER"},
		{"B-PER I-PER B-PER", data.IOB1, "I-PER I-PER B-PER"},
		{"B-X E-X B-X", data.IOB2, "B-X I-X B-X"},
		{"O PER B-X", data.IOB2, "O O B-X"},
		{"B-X PER", data.IOBES, "S-X O"},
	} {
		if got := strings.Join(data.ConvertTags(tags(tc.in), tc.to), " "); got != tc.want {
			t.Errorf("ConvertTags(%s, %v) = %s; want %s", tc.in, tc.to, got, tc.want)
		}
	}
}

// On random tags of every prefix, valid or not, ConvertTags gives a valid
// sequence of the target scheme with the same typed spans, and converting
// between schemes never changes the spans.
func TestConvertTagsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	schemes := []data.TagScheme{data.IOB1, data.IOB2, data.IOBES}
	for range 3000 {
		in := make([]string, rng.IntN(9))
		for i := range in {
			switch k := rng.IntN(6); k {
			case 0:
				in[i] = "O"
			case 1:
				in[i] = "MISC"
			default:
				in[i] = string("BIES"[k-2]) + "-" + []string{"A", "B", "c-d"}[rng.IntN(3)]
			}
		}
		var want []data.Span
		for _, s := range data.Spans(in) {
			if s.Type != "" {
				want = append(want, s)
			}
		}
		for _, s := range schemes {
			out := data.ConvertTags(in, s)
			if err := data.CheckTags(out, s); err != nil {
				t.Fatalf("ConvertTags(%v, %v) = %v: %v", in, s, out, err)
			}
			if got := data.Spans(out); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("ConvertTags(%v, %v) = %v with spans %v; want %v", in, s, out, got, want)
			}
			for _, s2 := range schemes {
				if got := data.ConvertTags(data.ConvertTags(out, s2), s); !reflect.DeepEqual(got, out) {
					t.Fatalf("%v -> %v -> %v: %v; want %v", s, s2, s, got, out)
				}
			}
		}
	}
}

func TestCheckTags(t *testing.T) {
	for _, tc := range []struct {
		tags string
		s    data.TagScheme
		ok   bool
	}{
		{"O B-X I-X O", data.IOB2, true},
		{"O I-X", data.IOB2, false},
		{"B-X I-Y", data.IOB2, false},
		{"I-X I-X B-X", data.IOB1, true},
		{"O B-X", data.IOB1, false},
		{"I-X B-Y", data.IOB1, false},
		{"S-X B-X E-X O", data.IOBES, true},
		{"B-X O", data.IOBES, false},
		{"B-X", data.IOBES, false},
		{"O E-X", data.IOBES, false},
		{"B-X I-Y E-Y", data.IOBES, false},
		{"S-X", data.IOB2, false},
		{"PER", data.IOB2, false},
		{"B-", data.IOB2, false},
		{"O-X", data.IOB2, false},
		{"", data.IOBES, true},
	} {
		if err := data.CheckTags(tags(tc.tags), tc.s); (err == nil) != tc.ok {
			t.Errorf("CheckTags(%s, %v) = %v; want ok %v", tc.tags, tc.s, err, tc.ok)
		}
	}
	err := data.CheckTags(tags("O O I-PER"), data.IOB2)
	if err == nil || err.Error() != `data: tag 2 "I-PER" after "O" is not valid IOB2` {
		t.Errorf("message: %v", err)
	}
}

func TestTagSchemeNames(t *testing.T) {
	for name, want := range map[string]data.TagScheme{"iob1": data.IOB1, "BIO": data.IOB2, "IOB2": data.IOB2, "bioes": data.IOBES, "IOBES": data.IOBES} {
		if got, err := data.ParseTagScheme(name); err != nil || got != want {
			t.Errorf("ParseTagScheme(%q) = %v, %v", name, got, err)
		}
	}
	if _, err := data.ParseTagScheme("bilou2"); err == nil {
		t.Error("ParseTagScheme accepted bilou2")
	}
	if got := fmt.Sprint(data.IOB1, data.BIO, data.BIOES, data.TagScheme(9)); got != "IOB1 IOB2 IOBES TagScheme(9)" {
		t.Errorf("names: %s", got)
	}
}

func TestNewTagVocab(t *testing.T) {
	in := [][]string{tags("B-PER I-PER O S-LOC"), tags("I-creative-work PER")}
	v := data.NewTagVocab(in, data.IOBES)
	want := "O B-LOC I-LOC E-LOC S-LOC B-PER I-PER E-PER S-PER B-creative-work I-creative-work E-creative-work S-creative-work"
	if got := strings.Join(v.Tokens(), " "); got != want {
		t.Errorf("IOBES vocabulary %s; want %s", got, want)
	}
	v = data.NewTagVocab(in, data.IOB2)
	if got := strings.Join(v.Tokens(), " "); got != "O B-LOC I-LOC B-PER I-PER B-creative-work I-creative-work" {
		t.Errorf("IOB2 vocabulary %s", got)
	}
	if v.ID("O") != 0 || v.ID("I-PER") != 4 || v.ID("S-PER") != -1 || v.Token(3) != "B-PER" {
		t.Errorf("ids: %d %d %d %q", v.ID("O"), v.ID("I-PER"), v.ID("S-PER"), v.Token(3))
	}
}

func TestCheckTagsEnd(t *testing.T) {
	err := data.CheckTags(tags("O B-PER I-PER"), data.IOBES)
	if err == nil || err.Error() != `data: the sentence ends inside a span (last tag "I-PER"), which is not valid IOBES` {
		t.Errorf("message: %v", err)
	}
}
