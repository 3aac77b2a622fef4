package unlearn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// CanaryFormat describes canaries: a fixed prefix followed by a secret of
// Length tokens drawn uniformly from Alphabet, so the randomness space has
// len(Alphabet)^Length secrets.
type CanaryFormat struct {
	Prefix   []string
	Alphabet []string
	Length   int
}

// DefaultCanaryFormat is the Secret Sharer's "my secret number is" followed
// by 6 digits (a randomness space of 10^6).
func DefaultCanaryFormat() CanaryFormat {
	return CanaryFormat{
		Prefix:   []string{"my", "secret", "number", "is"},
		Alphabet: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
		Length:   6,
	}
}

// SpaceSize returns the size of the randomness space, len(Alphabet)^Length.
func (f CanaryFormat) SpaceSize() float64 {
	return math.Pow(float64(len(f.Alphabet)), float64(f.Length))
}

// Tokens returns the canary text: the prefix followed by the secret.
func (f CanaryFormat) Tokens(secret []string) []string {
	return append(slices.Clone(f.Prefix), secret...)
}

// RandomSecrets draws n distinct secrets with rng, none equal to one in
// exclude (the inserted canaries, for a reference set). It panics if the
// space cannot hold n secrets besides the excluded ones, or the format is
// empty.
func (f CanaryFormat) RandomSecrets(rng *rand.Rand, n int, exclude ...[]string) [][]string {
	if len(f.Alphabet) == 0 || f.Length <= 0 {
		panic(fmt.Sprintf("unlearn.CanaryFormat.RandomSecrets: alphabet of %d, length %d", len(f.Alphabet), f.Length))
	}
	if float64(n+len(exclude)) > f.SpaceSize() {
		panic(fmt.Sprintf("unlearn.CanaryFormat.RandomSecrets: %d secrets (+%d excluded) from a space of %g", n, len(exclude), f.SpaceSize()))
	}
	seen := map[string]bool{}
	for _, e := range exclude {
		seen[strings.Join(e, " ")] = true
	}
	out := make([][]string, 0, n)
	for len(out) < n {
		s := make([]string, f.Length)
		for i := range s {
			s[i] = f.Alphabet[rng.IntN(len(f.Alphabet))]
		}
		k := strings.Join(s, " ")
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// Canary is one inserted secret: the user it is attributed to, the secret,
// and how many copies are inserted.
type Canary struct {
	User   string
	Secret []string
	Reps   int
}

// NewCanaries makes n canaries with distinct secrets, owned by n distinct
// users picked with rng among the users of records (in order of first
// appearance before shuffling), each to be inserted reps times. It returns
// an error if there are fewer than n users.
func NewCanaries(records []Record, f CanaryFormat, n, reps int, rng *rand.Rand) ([]Canary, error) {
	var users []string
	seen := map[string]bool{}
	for _, r := range records {
		if !seen[r.User] {
			seen[r.User] = true
			users = append(users, r.User)
		}
	}
	if len(users) < n {
		return nil, fmt.Errorf("unlearn.NewCanaries: %d canaries need %d users, have %d", n, n, len(users))
	}
	perm := rng.Perm(len(users))
	secrets := f.RandomSecrets(rng, n)
	out := make([]Canary, n)
	for i := range out {
		out[i] = Canary{User: users[perm[i]], Secret: secrets[i], Reps: reps}
	}
	return out, nil
}

// InsertCanaries returns a copy of records with Reps copies of each canary's
// text (f.Tokens(Secret)) attributed to its user, each inserted after a
// record of that user chosen with rng (or at the user's first record).
// It returns an error if a canary's user has no record or Reps < 1.
func InsertCanaries(records []Record, f CanaryFormat, canaries []Canary, rng *rand.Rand) ([]Record, error) {
	byUser := map[string][]int{}
	for i, r := range records {
		byUser[r.User] = append(byUser[r.User], i)
	}
	after := make(map[int][]Record) // record index -> canary copies after it
	for _, c := range canaries {
		idx := byUser[c.User]
		if len(idx) == 0 {
			return nil, fmt.Errorf("unlearn.InsertCanaries: user %q has no records", c.User)
		}
		if c.Reps < 1 {
			return nil, fmt.Errorf("unlearn.InsertCanaries: canary of %q has %d repetitions", c.User, c.Reps)
		}
		for range c.Reps {
			at := idx[rng.IntN(len(idx))]
			after[at] = append(after[at], Record{User: c.User, Tokens: f.Tokens(c.Secret)})
		}
	}
	out := make([]Record, 0, len(records))
	for i, r := range records {
		out = append(out, r)
		out = append(out, after[i]...)
	}
	return out, nil
}
