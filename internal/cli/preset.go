// Package cli holds what the example programs share on their command
// lines.
package cli

import (
	"flag"
	"fmt"
	"slices"
	"strings"
)

// Preset is a set of flag values a switch such as -quick stands for, by
// flag name.
type Preset map[string]string

// Apply sets every flag of p that the command line did not set (fs must
// be parsed already): flags given explicitly win over the preset.
func (p Preset) Apply(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range p.names() {
		if set[name] {
			continue
		}
		if err := fs.Set(name, p[name]); err != nil {
			return fmt.Errorf("preset -%s %s: %w", name, p[name], err)
		}
	}
	return nil
}

// String lists the preset as flags, "-a 1 -b x", sorted by name, for a
// flag's usage text.
func (p Preset) String() string {
	parts := make([]string, 0, len(p))
	for _, name := range p.names() {
		parts = append(parts, "-"+name+" "+p[name])
	}
	return strings.Join(parts, " ")
}

func (p Preset) names() []string {
	names := make([]string, 0, len(p))
	for k := range p {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
