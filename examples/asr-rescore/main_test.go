package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
)

func needData(t *testing.T) {
	t.Helper()
	for _, f := range []string{"train_atis.json.gz", "test_atis.json.gz"} {
		if _, err := os.Stat(filepath.Join(data.Dir(), "hyporadise", f)); err != nil {
			t.Skipf("HyPoradise ATIS not found (set CAIRN_DATA): %v", err)
		}
	}
}

// tiny are the flags of a run on a slice of the data with a tiny corrector.
var tiny = []string{"-limit", "40", "-train-limit", "300", "-dev", "60", "-c-epochs", "1", "-c-dmodel", "32", "-c-heads", "2",
	"-c-ff", "64", "-c-layers", "1", "-c-vocab", "400", "-json"}

func lastJSON(t *testing.T, out string) result {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var r result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatalf("last line %q is not JSON: %v", lines[len(lines)-1], err)
	}
	return r
}

// A run on 40 test utterances prints the table and, last, its JSON with
// every row in order (first pass, oracle, rescoring, the six prompting
// schemes, the corrector with two guards), each with WER = (S+D+I)/N, and no row that only
// picks hypotheses below the oracle.
func TestRunJSON(t *testing.T) {
	needData(t)
	var out, errb bytes.Buffer
	if err := run(context.Background(), tiny, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	r := lastJSON(t, out.String())
	if r.Utterances != 40 || r.TrainUtts != 240 || r.DevUtts != 60 {
		t.Errorf("utterances %d, train %d, dev %d; want 40, 240, 60", r.Utterances, r.TrainUtts, r.DevUtts)
	}
	var names []string
	for _, x := range r.Rows {
		names = append(names, x.System)
		if x.RefWords != r.RefWords || x.Sub+x.Del+x.Ins == 0 && x.WER != 0 {
			t.Errorf("row %+v: inconsistent counts", x)
		}
		if got := 100 * float64(x.Sub+x.Del+x.Ins) / float64(x.RefWords); fmt.Sprintf("%.9f", got) != fmt.Sprintf("%.9f", x.WER) {
			t.Errorf("%s: WER %v, but S+D+I over N is %v", x.System, x.WER, got)
		}
		if x.Fallbacks < 0 || x.Fallbacks > r.Utterances || !x.Generative && x.Fallbacks != 0 {
			t.Errorf("%s: %d fallbacks", x.System, x.Fallbacks)
		}
	}
	want := []string{"first pass (top-1)", "5-best oracle", "4-gram rescoring", "zero-shot [n-gram responder]",
		"zero-shot + domain hint [n-gram responder]", "zero-shot + reasoning [n-gram responder]", "3-shot one by one [n-gram responder]",
		"3-shot in context [n-gram responder]", "TAP (3 demos) [n-gram responder]"}
	if len(names) < 10 || len(names) > 11 || strings.Join(names[:9], "|") != strings.Join(want, "|") ||
		!strings.HasPrefix(names[9], "H2T corrector, guard 0.5") || !strings.HasSuffix(names[len(names)-1], "(tuned on dev)") {
		t.Fatalf("rows %q, want %q and the corrector's with the guard of -maxwer and the one tuned on dev", names, want)
	}
	top1, oracle := r.Rows[0], r.Rows[1]
	for _, x := range r.Rows[2:9] { // rescoring and the responder only pick hypotheses
		if x.WER < oracle.WER-1e-9 {
			t.Errorf("%s: WER %.2f below the oracle %.2f", x.System, x.WER, oracle.WER)
		}
	}
	if oracle.WER > top1.WER || r.Corrector == nil || r.Corrector.Steps != 30 || r.LibriSpeech == nil {
		t.Errorf("oracle %.2f top-1 %.2f corrector %+v librispeech %+v", oracle.WER, top1.WER, r.Corrector, r.LibriSpeech)
	}
	if !strings.Contains(out.String(), "first pass (top-1)") || !strings.Contains(errb.String(), "corrector: epoch 1") {
		t.Errorf("no table on stdout or no progress on stderr:\n%s\n%s", out.String(), errb.String())
	}
}

// With -llm the prompting rows go to the server: here a fake one that
// answers every chat with the last line of the prompt (the last
// hypothesis) and gives no log-probabilities, so LLM rescoring is skipped
// with a note.
func TestRunLLM(t *testing.T) {
	needData(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/chat/completions":
			last := req.Messages[len(req.Messages)-1].Content
			lines := strings.Split(last, "\n")
			reply := regexp.MustCompile(`^\d+\. `).ReplaceAllString(lines[len(lines)-1], "")
			json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]string{"role": "assistant", "content": reply}}}})
		case "/v1/completions":
			json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"text": "x"}}})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	args := append([]string{"-llm", srv.URL, "-corrector=false"}, tiny...)
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	r := lastJSON(t, out.String())
	if len(r.Rows) != 9 || !strings.HasSuffix(r.Rows[3].System, "[LLM]") || !strings.Contains(strings.Join(r.Notes, " "), "LLM rescoring skipped") {
		t.Errorf("rows %+v notes %q", r.Rows, r.Notes)
	}
}

func TestBadFlags(t *testing.T) {
	needData(t)
	for _, args := range [][]string{
		{"-order", "0"}, {"-dev", "0"}, {"-dev", "5000"}, {"-shots", "-1"}, {"-conversation", "0"}, {"-limit", "-1"},
		{"-maxwer", "0"}, {"-c-dmodel", "30", "-c-heads", "4"}, {"-c-epochs", "0"}, {"-c-vocab", "100"}, {"-c-lr", "-1"},
		{"-data", t.TempDir()}, {"-llm", "::not a url"}, {"-nosuchflag"}, {"extra"},
	} {
		if err := run(context.Background(), append([]string{"-corrector=false", "-limit", "5"}, args...), io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// A cancelled run prints the rows finished so far and returns the error.
func TestInterrupted(t *testing.T) {
	needData(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := run(ctx, tiny, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "interrupted") {
		t.Fatalf("err %v, output %q", err, out.String())
	}
	if r := lastJSON(t, out.String()); !r.Interrupted {
		t.Errorf("JSON without interrupted: %+v", r)
	}
}
