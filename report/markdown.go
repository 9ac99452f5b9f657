package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/driftexact/driftexact/compare"
)

// WriteMarkdown writes r as GitHub-flavoured Markdown for tickets and
// pull-request comments: the summary, a table of findings, notes, coverage
// and the integrity stamps. A report with a history section also gets a
// table of recurring drift, a lifecycle column in the findings table, and
// lists of the findings resolved or left unchecked. Every value from the report is escaped, so
// that pipes cannot break a table and no value can become a link, an
// image, emphasis, HTML, a mention or an issue reference; control
// characters are shown escaped. The caller closes w.
func WriteMarkdown(w io.Writer, r *Report) error {
	m := &mdWriter{w: bufio.NewWriter(w)}
	m.header(r)
	m.summary(r)
	m.history(r.History)
	m.findings(r)
	m.gone(r.History)
	m.notes(r)
	m.coverage(&r.Coverage)
	m.integrity(r)
	return m.w.Flush()
}

type mdWriter struct {
	w *bufio.Writer // its first error sticks and is returned by Flush
}

func (m *mdWriter) line(format string, args ...any) {
	fmt.Fprintf(m.w, format, args...)
	m.w.WriteByte('\n')
}

// md escapes a value for any place in a line of Markdown.
func md(s string) string {
	s = printable(s)
	if !strings.ContainsAny(s, mdSpecial) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(mdSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdSpecial are the characters that start markup mid-line in GitHub's
// Markdown: code, emphasis, links and images, HTML and autolinks, table
// cells, strike-through, entities, maths, mentions and issue references.
// Characters that matter only at the start of a line are not listed,
// since no value starts one.
const mdSpecial = "\\`*_[]<>|~&$@#"

func (m *mdWriter) header(r *Report) {
	m.line("## DriftExact report: %s", md(headline(r)))
	m.line("")
	m.line("- **Workspace:** %s", md(r.Workspace))
	m.line("- **As of:** %s", md(stamp(r.AsOf)))
	m.line("- **Billing:** %s", md(pullLine(r.Billing)))
	m.line("- **Access:** %s", md(pullLine(r.Access)))
	m.line("- **Policy:** %s", md(policyLine(r.Policy)))
	m.line("- **Engine:** %s, report schema %d", md(r.Engine), r.SchemaVersion)
	if r.Masked {
		m.line("- **Masked:** account, customer and subscription ids are pseudonyms")
	}
}

func (m *mdWriter) summary(r *Report) {
	m.line("")
	m.line("### Summary")
	m.line("")
	for _, c := range caveats(r) {
		m.line("> **Caveat:** %s (see coverage).", md(c))
		m.line("")
	}
	if len(r.Findings) == 0 {
		m.line("No findings in what was checked.")
		return
	}
	head, rule := "| kind |", "|---|"
	for _, s := range compare.Severities {
		head += " " + string(s) + " |"
		rule += "--:|"
	}
	m.line("%s total |", head)
	m.line("%s--:|", rule)
	mat := matrix(r.Findings)
	for k, kind := range compare.Kinds {
		row, total := "| "+md(string(kind))+" |", 0
		for _, n := range mat[k] {
			row += " " + dash(n) + " |"
			total += n
		}
		if total > 0 {
			m.line("%s %d |", row, total)
		}
	}
	row := "| **all kinds** |"
	for _, sc := range r.Counts.BySeverity {
		row += " " + dash(sc.Count) + " |"
	}
	m.line("%s **%d** |", row, r.Counts.Total)
}

func (m *mdWriter) findings(r *Report) {
	if len(r.Findings) == 0 {
		return
	}
	idx := entryIndex(r.History)
	life, lifeRule := "", ""
	if idx != nil {
		life, lifeRule = " lifecycle |", "---|"
	}
	m.line("")
	m.line("### Findings")
	m.line("")
	m.line("| # | severity | kind | account | Stripe ids | plan | compared "+
		"| Stripe | internal | rule | link |%s fingerprint |", life)
	m.line("|--:|---|---|---|---|---|---|---|---|---|---|%s---|", lifeRule)
	n := 0
	for _, g := range groups(r.Findings) {
		for _, f := range g.Findings {
			n++
			ids := strings.TrimSpace(f.CustomerID + " " + strings.Join(f.Subscriptions, " "))
			cells := []string{
				string(f.Severity), kindTitle(f), f.Account, ids, f.Plan,
				f.Field, f.Stripe, f.Internal, f.Rule, linkLine(f),
			}
			if idx != nil {
				cells = append(cells, entryMark(idx[f.Fingerprint]))
			}
			cells = append(cells, f.Fingerprint)
			for i := range cells {
				cells[i] = md(cells[i])
			}
			m.line("| %d | %s |", n, strings.Join(cells, " | "))
		}
	}
}

func (m *mdWriter) notes(r *Report) {
	if len(r.Notes) == 0 {
		return
	}
	m.line("")
	m.line("### Notes")
	m.line("")
	for _, n := range r.Notes {
		who := strings.TrimSpace(n.Account + " " + n.Subscription)
		m.line("- **%s:** %s", md(who), md(n.Text))
	}
}

func (m *mdWriter) coverage(c *compare.Coverage) {
	m.line("")
	m.line("### Coverage")
	m.line("")
	m.line("%s and %s read; %s linked to an account.",
		plural(c.Subscriptions, "subscription"), plural(c.Grants, "grant"),
		plural(c.Linked, "subscription"))
	m.line("")
	m.line("| check | result |")
	m.line("|---|---|")
	for _, ch := range c.Checks {
		res := "ran"
		if !ch.Ran {
			res = "**not run:** " + md(ch.Reason)
		}
		m.line("| %s | %s |", md(ch.Name), res)
	}
	m.line("")
	if len(c.UnknownStatuses) > 0 {
		m.line("- **Unknown statuses** (entitle nothing): %s",
			md(strings.Join(c.UnknownStatuses, ", ")))
	}
	for _, in := range c.Incomplete {
		m.line("- **Incomplete %s record** %s: %s", md(in.Side), md(in.ID), md(in.Reason))
	}
	for _, s := range c.OutOfScope {
		m.line("- **Out of scope:** %s", md(s))
	}
}

func (m *mdWriter) integrity(r *Report) {
	in := r.Integrity
	sig := "none"
	if in.Signature != "" {
		sig = "hmac-sha256"
		if in.KeyID != "" {
			sig += " with key " + md(strconv.Quote(in.KeyID))
		}
	}
	m.line("")
	m.line("### Integrity")
	m.line("")
	m.line("- **Report digest:** %s", md(or(in.Digest, "not sealed")))
	m.line("- **Signature:** %s", sig)
	m.line("- **Profile:** %s", md(r.Digests.Profile))
	m.line("- **Policy:** %s", md(r.Digests.Policy))
	m.line("- **Billing input:** %s", md(r.Digests.Billing))
	m.line("- **Access input:** %s", md(r.Digests.Access))
}
