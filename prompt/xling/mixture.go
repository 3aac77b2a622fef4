package xling

import (
	"fmt"
	"strconv"
	"strings"
)

// Mixture concatenates named record sets as x-LLM's training script joins
// its datasets: spec is a "+"-separated list of names from sets, each
// optionally sliced as a Python list is, "name[start:end]" with either bound
// left out or negative (counted from the end) and bounds clamped to the set:
//
//	alpaca_en + alpaca_zh + translation_en-zh[:1000]
//
// The records keep their order (the authors' trainer shuffles them; shuffle
// with a seeded *rand.Rand if you need to). The result shares no memory with
// sets. It fails on an unknown name or a malformed slice.
func Mixture(spec string, sets map[string][]Record) ([]Record, error) {
	var out []Record
	for _, term := range strings.Split(spec, "+") {
		term = strings.TrimSpace(term)
		name, lo, hi, err := parseTerm(term)
		if err != nil {
			return nil, fmt.Errorf("xling: Mixture: %w", err)
		}
		recs, ok := sets[name]
		if !ok {
			return nil, fmt.Errorf("xling: Mixture: no record set named %q", name)
		}
		a, b := sliceBounds(len(recs), lo, hi)
		out = append(out, recs[a:b]...)
	}
	return out, nil
}

// parseTerm splits "name[lo:hi]" into its parts; a missing bound is nil.
func parseTerm(term string) (name string, lo, hi *int, err error) {
	i := strings.IndexByte(term, '[')
	if i < 0 {
		if term == "" {
			return "", nil, nil, fmt.Errorf("empty term")
		}
		return term, nil, nil, nil
	}
	name = strings.TrimSpace(term[:i])
	if name == "" || !strings.HasSuffix(term, "]") {
		return "", nil, nil, fmt.Errorf("malformed term %q", term)
	}
	body := term[i+1 : len(term)-1]
	parts := strings.Split(body, ":")
	if len(parts) != 2 {
		return "", nil, nil, fmt.Errorf("slice of %q is not [start:end]", term)
	}
	bound := func(s string) (*int, error) {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, nil
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("bad slice bound %q in %q", s, term)
		}
		return &v, nil
	}
	if lo, err = bound(parts[0]); err != nil {
		return "", nil, nil, err
	}
	if hi, err = bound(parts[1]); err != nil {
		return "", nil, nil, err
	}
	return name, lo, hi, nil
}

// sliceBounds resolves Python slice bounds against a length n.
func sliceBounds(n int, lo, hi *int) (int, int) {
	resolve := func(p *int, def int) int {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
		}
		return min(max(v, 0), n)
	}
	a, b := resolve(lo, 0), resolve(hi, n)
	if b < a {
		b = a
	}
	return a, b
}
