package unlearn

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/data"
)

// synthUsers makes nUsers users with per records of random words each.
func synthUsers(rng *rand.Rand, nUsers, per int) []Record {
	words := strings.Fields("the a cat dog sat ran on under mat log big small red blue")
	var out []Record
	for u := range nUsers {
		for range per + rng.IntN(per) {
			toks := make([]string, 3+rng.IntN(6))
			for i := range toks {
				toks[i] = words[rng.IntN(len(words))]
			}
			out = append(out, Record{User: fmt.Sprintf("user%02d", u), Tokens: toks})
		}
	}
	return out
}

// Spec oracle 5: every record is in exactly one shard, no user spans two,
// a canary's owner is the shard with all its copies, and copies in two
// shards are an error.
func TestPartitionInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	recs := synthUsers(rng, 20, 6)
	f := DefaultCanaryFormat()
	cans, err := NewCanaries(recs, f, 3, 5, rng)
	if err != nil {
		t.Fatal(err)
	}
	recs, err = InsertCanaries(recs, f, cans, rng)
	if err != nil {
		t.Fatal(err)
	}
	p, err := PartitionByUser(recs, 4, rng)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Check(recs); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, sh := range p.Shards {
		total += len(sh)
	}
	if total != len(recs) {
		t.Errorf("shards hold %d records, corpus %d", total, len(recs))
	}
	sizes := p.Tokens()
	if slices.Max(sizes) > 2*slices.Min(sizes) {
		t.Errorf("unbalanced shards: %v tokens", sizes)
	}
	for _, c := range cans {
		own, err := p.Owner(f.Tokens(c.Secret))
		if err != nil {
			t.Fatal(err)
		}
		if own != p.UserShard[c.User] {
			t.Errorf("canary of %s: owner %d, user's shard %d", c.User, own, p.UserShard[c.User])
		}
		n := 0
		for _, r := range p.Shards[own] {
			if slices.Equal(r.Tokens, f.Tokens(c.Secret)) {
				n++
			}
		}
		if n != c.Reps {
			t.Errorf("canary of %s: %d copies in its shard, want %d", c.User, n, c.Reps)
		}
	}
	if dups := p.CrossShardDuplicates(5); len(dups) != 0 {
		t.Errorf("unexpected cross-shard duplicates %v", dups)
	}
	// A copy of canary 0 in a user of another shard: the owner lookup fails
	// and the duplicate check finds it.
	c0 := f.Tokens(cans[0].Secret)
	var other string
	for u, s := range p.UserShard {
		if s != p.UserShard[cans[0].User] && (other == "" || u < other) {
			other = u
		}
	}
	leaky := append(slices.Clone(recs), Record{User: other, Tokens: c0})
	p2, err := PartitionByUser(leaky, 4, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if p2.UserShard[other] != p2.UserShard[cans[0].User] {
		if _, err := p2.Owner(c0); err == nil {
			t.Error("Owner of a sequence in two shards: no error")
		}
		if d := p2.CrossShardDuplicates(5); len(d) != 1 || !slices.Equal(d[0], c0) {
			t.Errorf("CrossShardDuplicates = %v, want the canary", d)
		}
	}
	if _, err := p.Owner([]string{"not", "there"}); err == nil {
		t.Error("Owner of an absent sequence: no error")
	}
	// Check catches a record that went missing.
	p.Shards[0] = p.Shards[0][1:]
	if err := p.Check(recs); err == nil {
		t.Error("Check of a partition missing a record: no error")
	}
	if _, err := PartitionByUser(recs, 100, rng); err == nil {
		t.Error("more shards than users: no error")
	}
}

func TestCanariesSeeded(t *testing.T) {
	recs := synthUsers(rand.New(rand.NewPCG(2, 2)), 10, 3)
	f := DefaultCanaryFormat()
	if f.SpaceSize() != 1e6 {
		t.Errorf("SpaceSize = %v, want 1e6", f.SpaceSize())
	}
	a, _ := NewCanaries(recs, f, 4, 2, rand.New(rand.NewPCG(7, 7)))
	b, _ := NewCanaries(recs, f, 4, 2, rand.New(rand.NewPCG(7, 7)))
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("same seed, different canaries: %v vs %v", a, b)
	}
	users := map[string]bool{}
	for _, c := range a {
		if len(c.Secret) != 6 || users[c.User] {
			t.Errorf("canary %+v: wrong length or repeated user", c)
		}
		users[c.User] = true
	}
	ins, err := InsertCanaries(recs, f, a, rand.New(rand.NewPCG(8, 8)))
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != len(recs)+8 {
		t.Errorf("%d records after inserting 4×2 canaries into %d", len(ins), len(recs))
	}
	small := CanaryFormat{Prefix: []string{"pin"}, Alphabet: []string{"0", "1"}, Length: 3}
	refs := small.RandomSecrets(rand.New(rand.NewPCG(9, 9)), 7, []string{"1", "1", "1"})
	seen := map[string]bool{}
	for _, r := range refs {
		k := strings.Join(r, "")
		if seen[k] || k == "111" {
			t.Errorf("reference %s repeated or excluded", k)
		}
		seen[k] = true
	}
	if _, err := InsertCanaries(recs, f, []Canary{{User: "nobody", Secret: []string{"1"}, Reps: 1}}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("canary of an unknown user: no error")
	}
}

// The shipped WikiText-2 splits into articles (users) that partition cleanly.
func TestReadWikiText(t *testing.T) {
	path := filepath.Join(data.Dir(), "wikitext2", "valid.txt.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("WikiText-2 not found (%v); set CAIRN_DATA", err)
	}
	recs, err := ReadFile(path, ReadWikiText)
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]bool{}
	words := 0
	for _, r := range recs {
		users[r.User] = true
		words += len(r.Tokens)
	}
	// SOURCE.md: 213886 whitespace tokens; 60 articles in the validation split.
	if words != 213886 {
		t.Errorf("%d words, want 213886", words)
	}
	if len(users) != 60 {
		t.Errorf("%d articles, want 60", len(users))
	}
	p, err := PartitionByUser(recs, 5, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Check(recs); err != nil {
		t.Fatal(err)
	}
}

func TestReadShakespeare(t *testing.T) {
	recs, err := ReadShakespeare(strings.NewReader("First Citizen:\nBefore we proceed, hear me.\n\nAll:\nSpeak, speak.\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{User: "First Citizen", Tokens: []string{"before", "we", "proceed", ",", "hear", "me", "."}},
		{User: "All", Tokens: []string{"speak", ",", "speak", "."}},
	}
	if fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", recs, want)
	}
	path := filepath.Join(data.Dir(), "tinyshakespeare", "input.txt.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("tinyshakespeare not found (%v)", err)
	}
	recs, err = ReadFile(path, ReadShakespeare)
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]bool{}
	for _, r := range recs {
		users[r.User] = true
	}
	if len(recs) < 20000 || len(users) < 100 {
		t.Errorf("%d lines by %d speakers", len(recs), len(users))
	}
}

func ExamplePartitionByUser() {
	recs := []Record{
		{User: "ann", Tokens: []string{"hello", "there"}},
		{User: "bob", Tokens: []string{"good", "day", "to", "you"}},
		{User: "cy", Tokens: []string{"hi"}},
		{User: "ann", Tokens: []string{"bye"}},
	}
	f := CanaryFormat{Prefix: []string{"my", "pin", "is"}, Alphabet: []string{"0", "1", "2", "3"}, Length: 4}
	rng := rand.New(rand.NewPCG(1, 2))
	recs, _ = InsertCanaries(recs, f, []Canary{{User: "cy", Secret: []string{"3", "1", "0", "2"}, Reps: 2}}, rng)
	p, _ := PartitionByUser(recs, 2, rng)
	owner, err := p.Owner(f.Tokens([]string{"3", "1", "0", "2"}))
	fmt.Println("tokens per shard:", p.Tokens(), "check:", p.Check(recs))
	fmt.Println("canary owner:", owner, err, "cy's shard:", p.UserShard["cy"])
	// Output:
	// tokens per shard: [4 18] check: <nil>
	// canary owner: 1 <nil> cy's shard: 1
}
