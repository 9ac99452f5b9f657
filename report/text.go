package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/driftexact/driftexact/compare"
)

// Text layout: every line fits in textWidth columns. A labelled line
// starts its value at a fixed column, and longer values wrap to it.
const (
	textWidth  = 100
	labelWidth = 15
)

// WriteText writes r for a terminal: a summary, the findings grouped by
// severity, notes, coverage and the integrity stamps. A report with a
// history section also gets the recurring drift after the summary, a
// lifecycle line on each finding, and the findings resolved or left
// unchecked since the previous run. Lines are at most
// 100 columns wide; values that hold control characters or text-reordering
// characters are shown with those escaped. The caller closes w.
func WriteText(w io.Writer, r *Report) error {
	t := &textWriter{w: bufio.NewWriter(w)}
	t.header(r)
	t.summary(r)
	t.history(r.History)
	t.findings(r)
	t.gone(r.History)
	t.notes(r)
	t.coverage(&r.Coverage)
	t.integrity(r)
	return t.w.Flush()
}

// textWriter writes through a bufio.Writer, whose first error sticks and
// is returned by Flush.
type textWriter struct {
	w *bufio.Writer
}

// line writes one line, without trailing spaces.
func (t *textWriter) line(format string, args ...any) {
	t.w.WriteString(strings.TrimRight(fmt.Sprintf(format, args...), " "))
	t.w.WriteByte('\n')
}

func (t *textWriter) section(title string) {
	t.w.WriteByte('\n')
	t.line("%s", title)
}

// field writes "label value" at the given indent, wrapping the value.
// Labels are fixed words shorter than labelWidth.
func (t *textWriter) field(indent int, label, value string) {
	pad := strings.Repeat(" ", indent)
	lines := wrap(printable(value), textWidth-indent-labelWidth)
	for i, l := range lines {
		if i == 0 {
			t.line("%s%-*s%s", pad, labelWidth, label, l)
		} else {
			t.line("%s%s%s", pad, strings.Repeat(" ", labelWidth), l)
		}
	}
}

func (t *textWriter) header(r *Report) {
	t.line("DriftExact report: %s", headline(r))
	t.w.WriteByte('\n')
	t.field(2, "workspace", r.Workspace)
	t.field(2, "as of", stamp(r.AsOf))
	t.field(2, "billing", pullLine(r.Billing))
	t.field(2, "access", pullLine(r.Access))
	t.field(2, "policy", policyLine(r.Policy))
	t.field(2, "engine", r.Engine+", report schema "+strconv.Itoa(r.SchemaVersion))
	if r.Masked {
		t.field(2, "masked", "account, customer and subscription ids are pseudonyms")
	}
}

func (t *textWriter) summary(r *Report) {
	t.section("SUMMARY")
	if len(r.Findings) == 0 {
		t.field(2, "findings", "none in what was checked (see COVERAGE)")
	} else {
		t.kindTable(r)
	}
	for _, c := range caveats(r) {
		t.field(2, "caveat", c+" (see COVERAGE)")
	}
}

// kindTable lists the kinds that have findings, by severity.
func (t *textWriter) kindTable(r *Report) {
	m := matrix(r.Findings)
	head := fmt.Sprintf("  %-26s", "kind")
	for _, s := range compare.Severities {
		head += fmt.Sprintf("%8s", s)
	}
	t.line("%s%8s", head, "total")
	for k, kind := range compare.Kinds {
		total := 0
		row := fmt.Sprintf("  %-26s", kind)
		for _, n := range m[k] {
			total += n
			row += fmt.Sprintf("%8s", dash(n))
		}
		if total > 0 {
			t.line("%s%8d", row, total)
		}
	}
	row := fmt.Sprintf("  %-26s", "all kinds")
	for _, sc := range r.Counts.BySeverity {
		row += fmt.Sprintf("%8s", dash(sc.Count))
	}
	t.line("%s%8d", row, r.Counts.Total)
}

func dash(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

func (t *textWriter) findings(r *Report) {
	n := 0
	idx := entryIndex(r.History)
	for _, g := range groups(r.Findings) {
		t.section(fmt.Sprintf("%s (%d)", strings.ToUpper(g.Severity), len(g.Findings)))
		for _, f := range g.Findings {
			n++
			t.finding(n, f, idx[f.Fingerprint])
		}
	}
}

// finding writes one finding, with its lifecycle when e is not nil.
func (t *textWriter) finding(n int, f *compare.Finding, e *HistoryEntry) {
	t.w.WriteByte('\n')
	t.line("%5s %s", strconv.Itoa(n)+".", printable(kindTitle(f)))
	opt := func(label, v string) {
		if v != "" {
			t.field(6, label, v)
		}
	}
	acct := f.Account
	if acct == "" {
		acct = "(none linked)"
	}
	t.field(6, "account", acct)
	opt("customer", f.CustomerID)
	opt("subscriptions", strings.Join(f.Subscriptions, " "))
	opt("plan", f.Plan)
	t.field(6, "compared", f.Field)
	t.field(6, "stripe", f.Stripe)
	t.field(6, "internal", f.Internal)
	t.field(6, "rule", f.Rule)
	opt("link", linkLine(f))
	if e != nil {
		t.field(6, "lifecycle", lifeMark(e))
		if e.Ack != nil {
			t.field(6, "acknowledged", ackLine(e.Ack))
		}
	}
	t.field(6, "fingerprint", f.Fingerprint)
}

func (t *textWriter) notes(r *Report) {
	if len(r.Notes) == 0 {
		return
	}
	t.section("NOTES")
	for _, n := range r.Notes {
		text := n.Text
		if who := strings.TrimSpace(n.Account + " " + n.Subscription); who != "" {
			text = who + ": " + text
		}
		t.field(2, "note", text)
	}
}

func (t *textWriter) coverage(c *compare.Coverage) {
	t.section("COVERAGE")
	t.field(2, "records", fmt.Sprintf("%s, %s; %s linked to an account",
		plural(c.Subscriptions, "subscription"), plural(c.Grants, "grant"),
		plural(c.Linked, "subscription")))
	var ran []string
	for _, ch := range c.Checks {
		if ch.Ran {
			ran = append(ran, ch.Name)
		}
	}
	t.field(2, "checks ran", or(strings.Join(ran, ", "), "none"))
	for _, ch := range c.Checks {
		if !ch.Ran {
			t.field(2, "NOT RUN", ch.Name+": "+ch.Reason)
		}
	}
	if len(c.UnknownStatuses) > 0 {
		t.field(2, "unknown", "statuses "+strings.Join(c.UnknownStatuses, ", ")+
			" entitle nothing")
	}
	for _, in := range c.Incomplete {
		t.field(2, "incomplete", in.Side+" record "+in.ID+": "+in.Reason)
	}
	for _, s := range c.OutOfScope {
		t.field(2, "out of scope", s)
	}
}

func (t *textWriter) integrity(r *Report) {
	t.section("INTEGRITY")
	in := r.Integrity
	t.field(2, "report", or(in.Digest, "not sealed"))
	switch {
	case in.Signature == "":
		t.field(2, "signature", "none")
	case in.KeyID != "":
		t.field(2, "signature", "hmac-sha256 with key "+strconv.Quote(in.KeyID))
	default:
		t.field(2, "signature", "hmac-sha256")
	}
	t.field(2, "profile", r.Digests.Profile)
	t.field(2, "policy", r.Digests.Policy)
	t.field(2, "billing input", r.Digests.Billing)
	t.field(2, "access input", r.Digests.Access)
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// wrap splits s into lines of at most width bytes, breaking at spaces
// where it can and inside words longer than a line. It always returns at
// least one line.
func wrap(s string, width int) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		for len(word) > width {
			if cur != "" {
				lines, cur = append(lines, cur), ""
			}
			cut := runeCut(word, width)
			lines, word = append(lines, word[:cut]), word[cut:]
		}
		switch {
		case cur == "":
			cur = word
		case len(cur)+1+len(word) <= width:
			cur += " " + word
		default:
			lines, cur = append(lines, cur), word
		}
	}
	return append(lines, cur)
}

// runeCut returns the largest index at most n that does not split a
// UTF-8 sequence, and at least 1.
func runeCut(s string, n int) int {
	for n > 1 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return n
}
