package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// LastJSON decodes the last non-empty line of the file at path into v: the
// one JSON object an example program prints with -json, as its -resume
// flag reads it back. Lines before it (the text report) are ignored.
func LastJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := bytes.Split(bytes.TrimRight(b, " \t\r\n"), []byte("\n"))
	last := bytes.TrimSpace(lines[len(lines)-1])
	if len(last) == 0 {
		return fmt.Errorf("%s: empty, want a JSON object on its last line", path)
	}
	if err := json.Unmarshal(last, v); err != nil {
		return fmt.Errorf("%s: last line (%d): %w", path, len(lines), err)
	}
	return nil
}

// SettingsDiff compares the settings an earlier run recorded (then) with
// the current ones (now), each value by its JSON encoding, and returns one
// "name then, now now" entry per difference, sorted; a name missing on one
// side counts as null there. An example program's -resume refuses to reuse
// runs when the list is not empty.
func SettingsDiff(then, now map[string]any) []string {
	keys := map[string]bool{}
	for k := range then {
		keys[k] = true
	}
	for k := range now {
		keys[k] = true
	}
	var diff []string
	for k := range keys {
		a, b := canonicalJSON(then[k]), canonicalJSON(now[k])
		if a != b {
			diff = append(diff, fmt.Sprintf("%s %s, now %s", k, a, b))
		}
	}
	slices.Sort(diff)
	return diff
}

// canonicalJSON encodes v with object keys sorted, whether v is a struct
// or a map decoded from JSON.
func canonicalJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return string(b)
	}
	b, _ = json.Marshal(x)
	return string(b)
}

// Resume reads the earlier -json outputs named in paths, comma-separated
// (LastJSON), for a program's -resume flag, so runs made in other
// sessions or in parallel processes combine into one table. It returns
// nil when paths is empty, and an error naming every difference
// (SettingsDiff) unless settings gives the same values for each earlier
// result as for the current one, now.
func Resume[T any](paths string, now *T, settings func(*T) map[string]any) ([]*T, error) {
	if paths == "" {
		return nil, nil
	}
	var out []*T
	for path := range strings.SplitSeq(paths, ",") {
		prev := new(T)
		if err := LastJSON(path, prev); err != nil {
			return nil, fmt.Errorf("-resume: %w", err)
		}
		if diff := SettingsDiff(settings(prev), settings(now)); len(diff) > 0 {
			return nil, fmt.Errorf("-resume %s: ran with other settings: %s", path, strings.Join(diff, "; "))
		}
		out = append(out, prev)
	}
	return out, nil
}

// ResumeRuns is Resume for programs whose results hold a list of runs:
// it returns the runs of every earlier output (runs gives them), by key,
// the first of duplicates kept; nil when paths is empty.
func ResumeRuns[T, R any, K comparable](paths string, now *T, settings func(*T) map[string]any, runs func(*T) []R, key func(R) K) (map[K]R, error) {
	prevs, err := Resume(paths, now, settings)
	if err != nil || prevs == nil {
		return nil, err
	}
	out := map[K]R{}
	for _, p := range prevs {
		for _, r := range runs(p) {
			if _, dup := out[key(r)]; !dup {
				out[key(r)] = r
			}
		}
	}
	return out, nil
}
