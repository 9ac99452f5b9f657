package report

import (
	"strings"
)

// history writes the lifecycle summary and the table of recurring drift,
// when the report has a history section.
func (m *mdWriter) history(h *History) {
	if h == nil {
		return
	}
	m.line("")
	m.line("### History")
	m.line("")
	m.line("Stored as %s: %s. %d acknowledged, marked until the acknowledgement expires.",
		md(runLine(h)), md(statusLine(h)), h.Counts.Acknowledged)
	m.line("")
	m.line("### Recurring drift")
	m.line("")
	rec := recurring(h)
	if len(rec) == 0 {
		m.line("None: %s.", md(noneRecurring(h)))
		return
	}
	m.line("Recurring means %s.", md(recurRule(h)))
	m.line("")
	m.line("| severity | kind | account | Stripe ids | status | how long | how often " +
		"| acknowledged | fingerprint |")
	m.line("|---|---|---|---|---|---|---|---|---|")
	for _, e := range rec {
		ack := ""
		if e.Ack != nil {
			ack = ackLine(e.Ack)
		}
		cells := []string{string(e.Severity), string(e.Kind), e.Account, entryIDs(e),
			string(e.Status), howLong(e), howOften(e), ack, e.Fingerprint}
		for i := range cells {
			cells[i] = md(cells[i])
		}
		m.line("| %s |", strings.Join(cells, " | "))
	}
}

// entryMark is the lifecycle cell of a finding: its mark and any
// acknowledgement.
func entryMark(e *HistoryEntry) string {
	if e == nil {
		return ""
	}
	s := lifeMark(e)
	if e.Ack != nil {
		s += "; acknowledged " + ackLine(e.Ack)
	}
	return s
}

// gone lists the entries of earlier runs that the report does not hold.
func (m *mdWriter) gone(h *History) {
	if h == nil {
		return
	}
	if res := withStatus(h, StatusResolved); len(res) > 0 {
		m.line("")
		m.line("### %s", md(resolvedTitle(h)))
		m.line("")
		for _, e := range res {
			m.line("- %s; fingerprint %s", md(goneLine(e)), md(e.Fingerprint))
		}
	}
	if un := withStatus(h, StatusUnchecked); len(un) > 0 {
		m.line("")
		m.line("### Not checked in this run")
		m.line("")
		m.line("%s", md(uncheckedNote))
		m.line("")
		for _, e := range un {
			m.line("- %s; fingerprint %s", md(goneLine(e)), md(e.Fingerprint))
		}
	}
}
