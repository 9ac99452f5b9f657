package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/driftexact/driftexact/compare"
)

// WriteJSON writes r as indented JSON following schema version
// [SchemaVersion], ending with a newline.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes r for a terminal: a summary, then the findings grouped by
// severity, then notes and coverage.
func WriteText(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("DriftExact report for workspace %q as of %s\n", r.Workspace, stamp(r.AsOf))
	p("billing: %d records from %s; access: %d records from %s\n",
		r.Billing.Records, r.Billing.Source, r.Access.Records, r.Access.Source)
	if r.Counts.Total == 0 {
		p("\nNo drift found in what was checked (see coverage).\n")
	} else {
		var parts []string
		for _, kc := range r.Counts.ByKind {
			if kc.Count > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", kc.Kind, kc.Count))
			}
		}
		p("\n%d findings: %s\n", r.Counts.Total, strings.Join(parts, ", "))
	}
	for _, sev := range compare.Severities {
		writeSeverity(p, r.Findings, sev)
	}
	if len(r.Notes) > 0 {
		p("\nNOTES\n")
		for _, n := range r.Notes {
			p("  %s %s: %s\n", n.Account, n.Subscription, n.Text)
		}
	}
	writeCoverage(p, &r.Coverage)
	return bw.Flush()
}

func writeSeverity(p func(string, ...any), fs []compare.Finding, sev compare.Severity) {
	first := true
	for i := range fs {
		f := &fs[i]
		if f.Severity != sev {
			continue
		}
		if first {
			p("\n%s\n", strings.ToUpper(string(sev)))
			first = false
		}
		kind := string(f.Kind)
		if f.Direction != "" {
			kind += " (" + string(f.Direction) + ")"
		}
		acct := f.Account
		if acct == "" {
			acct = "(no account)"
		}
		p("  %-40s %s\n", kind, acct)
		if len(f.Subscriptions) > 0 || f.CustomerID != "" {
			p("    stripe ids: %s\n", strings.Join(append(nonEmpty(f.CustomerID), f.Subscriptions...), " "))
		}
		p("    %s: stripe %s | internal %s\n", f.Field, f.Stripe, f.Internal)
		p("    rule: %s\n", f.Rule)
		switch {
		case f.LinkedBy != "":
			p("    linked by: %s\n", f.LinkedBy)
		case len(f.Tried) > 0:
			p("    tried: %s\n", strings.Join(f.Tried, ", "))
		}
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func writeCoverage(p func(string, ...any), c *compare.Coverage) {
	p("\nCOVERAGE\n")
	p("  subscriptions %d, grants %d, linked %d\n", c.Subscriptions, c.Grants, c.Linked)
	for _, ch := range c.Checks {
		if ch.Ran {
			p("  check %-12s ran\n", ch.Name)
		} else {
			p("  check %-12s not run: %s\n", ch.Name, ch.Reason)
		}
	}
	if len(c.UnknownStatuses) > 0 {
		p("  unknown statuses (entitle nothing): %s\n", strings.Join(c.UnknownStatuses, ", "))
	}
	for _, in := range c.Incomplete {
		p("  incomplete %s record %s: %s\n", in.Side, in.ID, in.Reason)
	}
	for _, s := range c.OutOfScope {
		p("  out of scope: %s\n", s)
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
