package report

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/driftexact/driftexact/compare"
)

// This file holds what several renderers share: the facts derived from a
// report and the way plain values are spelled.

// stamp spells a time for people: UTC to the second, or "unknown".
func stamp(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format(time.RFC3339)
}

// plural spells n and a noun, adding "s" unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// headline says in one sentence what the report found.
func headline(r *Report) string {
	if len(r.Findings) == 0 {
		if len(notRun(r)) > 0 || len(r.Coverage.Incomplete) > 0 {
			return "no drift found in what was checked; some checks could not run"
		}
		return "no drift found in what was checked"
	}
	var parts []string
	for _, sc := range r.Counts.BySeverity {
		if sc.Count > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", sc.Count, sc.Severity))
		}
	}
	return plural(len(r.Findings), "finding") + " (" + strings.Join(parts, ", ") + ")"
}

// caveats lists, for the summary, what limits the report's word.
func caveats(r *Report) []string {
	var out []string
	if n := len(notRun(r)); n > 0 {
		out = append(out, plural(n, "check")+" did not run")
	}
	if n := len(r.Coverage.Incomplete); n > 0 {
		out = append(out, plural(n, "record")+" could not be read whole")
	}
	if n := len(r.Coverage.UnknownStatuses); n > 0 {
		out = append(out, plural(n, "unknown status")+" entitled nothing")
	}
	return out
}

func notRun(r *Report) []compare.Check {
	var out []compare.Check
	for _, c := range r.Coverage.Checks {
		if !c.Ran {
			out = append(out, c)
		}
	}
	return out
}

// pullLine describes one side's pull.
func pullLine(p Pull) string {
	src := p.Source
	if src == "" {
		src = "unnamed source"
	}
	s := src + ": " + plural(p.Records, "record")
	if p.Pages > 0 {
		s += " in " + plural(p.Pages, "page")
	}
	return s + ", pulled " + stamp(p.Started) + " to " + stamp(p.Finished)
}

// policyLine describes the access policy applied.
func policyLine(p compare.Policy) string {
	s := "entitling " + or(strings.Join(p.Entitling, ", "), "nothing") +
		"; paused collection " + or(string(p.Paused), "unset")
	if len(p.Grace) == 0 {
		return s + "; no grace"
	}
	var grace []string
	for _, st := range sortedKeys(p.Grace) {
		grace = append(grace, st+" "+time.Duration(p.Grace[st]).String())
	}
	return s + "; grace " + strings.Join(grace, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// kindTitle spells a kind, with the finding's direction where it has one.
func kindTitle(f *compare.Finding) string {
	if f.Direction == "" {
		return string(f.Kind)
	}
	return string(f.Kind) + ", " + string(f.Direction)
}

// linkLine says how a finding's records were linked, or what was tried.
func linkLine(f *compare.Finding) string {
	switch {
	case f.LinkedBy != "":
		return "linked by " + f.LinkedBy
	case len(f.Tried) > 0:
		return "no link; tried " + strings.Join(f.Tried, ", ")
	}
	return ""
}

// matrix counts findings by kind (rows, in [compare.Kinds] order) and
// severity (columns, in [compare.Severities] order). Findings of a kind
// or severity missing from those lists are not counted.
func matrix(fs []compare.Finding) [][]int {
	m := make([][]int, len(compare.Kinds))
	for i := range m {
		m[i] = make([]int, len(compare.Severities))
	}
	for i := range fs {
		k := slices.Index(compare.Kinds, fs[i].Kind)
		s := slices.Index(compare.Severities, fs[i].Severity)
		if k >= 0 && s >= 0 {
			m[k][s]++
		}
	}
	return m
}

// bySeverity returns the findings of one severity, keeping their order.
func bySeverity(fs []compare.Finding, sev compare.Severity) []*compare.Finding {
	var out []*compare.Finding
	for i := range fs {
		if fs[i].Severity == sev {
			out = append(out, &fs[i])
		}
	}
	return out
}

// others returns the findings whose severity is none of the known ones,
// so that no renderer drops a finding.
func others(fs []compare.Finding) []*compare.Finding {
	var out []*compare.Finding
	for i := range fs {
		if !slices.Contains(compare.Severities, fs[i].Severity) {
			out = append(out, &fs[i])
		}
	}
	return out
}

// severityGroup is the findings of one severity, for renderers.
type severityGroup struct {
	Severity string
	Findings []*compare.Finding
}

// groups returns the findings by severity, highest first, leaving out
// empty groups.
func groups(fs []compare.Finding) []severityGroup {
	var out []severityGroup
	for _, sev := range compare.Severities {
		if g := bySeverity(fs, sev); len(g) > 0 {
			out = append(out, severityGroup{string(sev), g})
		}
	}
	if g := others(fs); len(g) > 0 {
		out = append(out, severityGroup{"other", g})
	}
	return out
}

// printable replaces what a terminal or a one-line cell must not receive:
// control characters (including newlines and escape sequences), the
// characters that reorder text (bidirectional overrides), and invalid
// UTF-8. Each is written as a Go escape so it stays visible.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !validAt(s, i):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func validAt(s string, i int) bool {
	r, n := utf8.DecodeRuneInString(s[i:])
	return r != utf8.RuneError || n > 1
}

func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069,
		r == 0x200e, r == 0x200f, r == 0x061c, r == 0x2028, r == 0x2029:
		return true
	}
	return r == utf8.RuneError
}
