package ngram

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/prompt"
)

// atisRecord is one HyPoradise utterance: the 5-best list and the
// reference.
type atisRecord struct {
	Input  []string `json:"input"`
	Output string   `json:"output"`
}

var (
	atisOnce  sync.Once
	atisTrain []atisRecord
	atisModel *Model
	atisErr   error
)

// loadATIS reads train_atis.json.gz and trains a 4-gram on its references
// once per test binary, skipping when the data is absent.
func loadATIS(tb testing.TB) ([]atisRecord, *Model) {
	tb.Helper()
	path := filepath.Join(data.Dir(), "hyporadise", "train_atis.json.gz")
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("HyPoradise ATIS not found at %s (set CAIRN_DATA): %v", path, err)
	}
	atisOnce.Do(func() {
		f, err := os.Open(path)
		if err != nil {
			atisErr = err
			return
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			atisErr = err
			return
		}
		if atisErr = json.NewDecoder(zr).Decode(&atisTrain); atisErr != nil {
			return
		}
		sents := make([][]string, len(atisTrain))
		for i, r := range atisTrain {
			sents[i] = strings.Fields(r.Output)
		}
		atisModel, atisErr = Train(sents, 4, Options{})
	})
	if atisErr != nil {
		tb.Fatal(atisErr)
	}
	return atisTrain, atisModel
}

// TestATIS trains a 4-gram on the ATIS training references and checks the
// two oracles of the spec on real data: normalisation after real and
// unseen histories, and that every training sentence scores higher than
// its word-shuffled versions.
func TestATIS(t *testing.T) {
	t.Parallel()
	recs, m := loadATIS(t)
	if len(recs) != 3964 {
		t.Errorf("%d records, want 3964", len(recs))
	}
	t.Logf("4-gram on %d sentences: vocabulary %d, n-grams %v", len(recs), len(m.words), m.Counts())
	for _, h := range [][]string{nil, {BOS}, {BOS, "show", "me"}, {"flights", "from", "boston"}, {"zzz", "qqq", "to"}} {
		checkNormalised(t, m, h)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	tried, worse := 0, 0
	for _, r := range recs {
		words := strings.Fields(r.Output)
		if len(words) < 3 {
			continue
		}
		orig, _ := m.SentenceLogProb(words)
		shuf := slices.Clone(words)
		rng.Shuffle(len(shuf), func(i, j int) { shuf[i], shuf[j] = shuf[j], shuf[i] })
		if slices.Equal(shuf, words) {
			continue
		}
		tried++
		if s, _ := m.SentenceLogProb(shuf); s >= orig {
			worse++
			t.Errorf("shuffled %q scores %.3f ≥ %.3f of %q", strings.Join(shuf, " "), s, orig, r.Output)
		}
	}
	t.Logf("%d training sentences vs their shuffles: %d shuffles not worse", tried, worse)
}

// TestATISResponder checks the responder on real 5-best lists: with
// LengthNormalize it returns the item with the best per-token
// log-probability, without it the best total, as computed here from
// SentenceLogProb.
func TestATISResponder(t *testing.T) {
	t.Parallel()
	recs, m := loadATIS(t)
	for _, norm := range []bool{false, true} {
		mm := *m
		mm.LengthNormalize = norm
		for _, r := range recs[:50] {
			var b strings.Builder
			best, bestScore := 0, 0.0
			for i, h := range r.Input {
				fmt.Fprintf(&b, "%d. %s\n", i+1, h)
				words := strings.Fields(h)
				s, _ := m.SentenceLogProb(words)
				if norm {
					s /= float64(len(words) + 1)
				}
				if i == 0 || s > bestScore {
					best, bestScore = i, s
				}
			}
			got, err := mm.Chat(context.Background(), []prompt.Message{{Role: prompt.User, Content: b.String()}}, prompt.GenOptions{})
			if err != nil || got != strings.TrimSpace(r.Input[best]) {
				t.Fatalf("LengthNormalize %v: Chat = %q, %v; want %q", norm, got, err, r.Input[best])
			}
		}
	}
}
