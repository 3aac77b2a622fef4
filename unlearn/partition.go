package unlearn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Partition is a split of a corpus into disjoint shards by user: every
// record of a user is in that user's shard.
type Partition struct {
	// Shards holds the records of each shard, in corpus order.
	Shards [][]Record
	// UserShard maps each user to its shard.
	UserShard map[string]int
}

// PartitionByUser splits records into m shards with no user in two of
// them. Users are visited in an order shuffled by rng and each goes to the
// shard with the fewest tokens so far (ties to the lowest index), so the
// shards have similar sizes. It returns an error if m < 1 or there are
// fewer users than shards.
func PartitionByUser(records []Record, m int, rng *rand.Rand) (*Partition, error) {
	if m < 1 {
		return nil, fmt.Errorf("unlearn.PartitionByUser: %d shards", m)
	}
	tokens := map[string]int{}
	var users []string
	for _, r := range records {
		if _, ok := tokens[r.User]; !ok {
			users = append(users, r.User)
		}
		tokens[r.User] += len(r.Tokens)
	}
	if len(users) < m {
		return nil, fmt.Errorf("unlearn.PartitionByUser: %d users for %d shards", len(users), m)
	}
	rng.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
	size := make([]int, m)
	p := &Partition{Shards: make([][]Record, m), UserShard: make(map[string]int, len(users))}
	for _, u := range users {
		best := 0
		for s := range size {
			if size[s] < size[best] {
				best = s
			}
		}
		p.UserShard[u] = best
		size[best] += tokens[u]
	}
	for _, r := range records {
		s := p.UserShard[r.User]
		p.Shards[s] = append(p.Shards[s], r)
	}
	return p, nil
}

// Tokens returns the number of tokens in each shard.
func (p *Partition) Tokens() []int {
	out := make([]int, len(p.Shards))
	for i, sh := range p.Shards {
		for _, r := range sh {
			out[i] += len(r.Tokens)
		}
	}
	return out
}

// Owner returns the shard that holds every copy of the sequence seq (a
// record whose tokens equal seq). It returns an error if no record holds
// it, or if copies are in more than one shard: leave-one-out unlearning
// would then still leak it through another teacher.
func (p *Partition) Owner(seq []string) (int, error) {
	owner := -1
	for s, sh := range p.Shards {
		for _, r := range sh {
			if slices.Equal(r.Tokens, seq) {
				if owner >= 0 && owner != s {
					return -1, fmt.Errorf("unlearn.Partition.Owner: %q has copies in shards %d and %d", strings.Join(seq, " "), owner, s)
				}
				owner = s
			}
		}
	}
	if owner < 0 {
		return -1, fmt.Errorf("unlearn.Partition.Owner: %q is in no shard", strings.Join(seq, " "))
	}
	return owner, nil
}

// CrossShardDuplicates returns the distinct sequences of at least minLen
// tokens that occur in more than one shard, in order of first occurrence.
// Headings and boilerplate lines repeat across users in real corpora; a
// sequence to forget must not be among the duplicates.
func (p *Partition) CrossShardDuplicates(minLen int) [][]string {
	first := map[string]int{}
	seen := map[string]bool{}
	var out [][]string
	for s, sh := range p.Shards {
		for _, r := range sh {
			if len(r.Tokens) < minLen {
				continue
			}
			k := strings.Join(r.Tokens, "\x00")
			f, ok := first[k]
			switch {
			case !ok:
				first[k] = s
			case f != s && !seen[k]:
				seen[k] = true
				out = append(out, r.Tokens)
			}
		}
	}
	return out
}

// Check verifies that the partition is a partition of records: the shards
// together hold each record exactly as many times as records does, and no
// user is in two shards.
func (p *Partition) Check(records []Record) error {
	key := func(r Record) string { return r.User + "\x01" + strings.Join(r.Tokens, "\x00") }
	count := map[string]int{}
	for _, r := range records {
		count[key(r)]++
	}
	userShard := map[string]int{}
	for s, sh := range p.Shards {
		for _, r := range sh {
			if u, ok := userShard[r.User]; ok && u != s {
				return fmt.Errorf("unlearn.Partition.Check: user %q in shards %d and %d", r.User, u, s)
			}
			userShard[r.User] = s
			k := key(r)
			if count[k] == 0 {
				return fmt.Errorf("unlearn.Partition.Check: record %q of %q is extra", strings.Join(r.Tokens, " "), r.User)
			}
			count[k]--
		}
	}
	for k, c := range count {
		if c != 0 {
			return fmt.Errorf("unlearn.Partition.Check: record %q is missing %d times", strings.ReplaceAll(k, "\x00", " "), c)
		}
	}
	return nil
}
