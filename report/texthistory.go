package report

import (
	"fmt"
	"strings"
)

// history writes the lifecycle summary and the recurring drift, when the
// report has a history section.
func (t *textWriter) history(h *History) {
	if h == nil {
		return
	}
	t.section("HISTORY")
	t.field(2, "stored as", runLine(h))
	t.field(2, "lifecycle", statusLine(h))
	t.field(2, "recurring", fmt.Sprintf("%d: %s", h.Counts.Recurring, recurRule(h)))
	t.field(2, "acknowledged", fmt.Sprintf("%d, marked until the acknowledgement expires",
		h.Counts.Acknowledged))
	rec := recurring(h)
	t.section(fmt.Sprintf("RECURRING DRIFT (%d)", len(rec)))
	if len(rec) == 0 {
		t.field(2, "none", noneRecurring(h))
	}
	for _, e := range rec {
		t.recurring(e)
	}
}

func (t *textWriter) recurring(e *HistoryEntry) {
	t.w.WriteByte('\n')
	t.line("    * %s", printable(entryTitle(e)))
	t.field(6, "account", or(e.Account, "(none linked)"))
	if e.CustomerID != "" {
		t.field(6, "customer", e.CustomerID)
	}
	if len(e.Subscriptions) > 0 {
		t.field(6, "subscriptions", strings.Join(e.Subscriptions, " "))
	}
	t.field(6, "status", string(e.Status))
	t.field(6, "how long", howLong(e))
	t.field(6, "how often", howOften(e))
	if e.Ack != nil {
		t.field(6, "acknowledged", ackLine(e.Ack))
	}
	t.field(6, "fingerprint", e.Fingerprint)
}

// gone lists the entries of earlier runs that this report does not hold:
// those resolved, then those this run could not check.
func (t *textWriter) gone(h *History) {
	if h == nil {
		return
	}
	if res := withStatus(h, StatusResolved); len(res) > 0 {
		t.section(fmt.Sprintf("%s (%d)", strings.ToUpper(resolvedTitle(h)), len(res)))
		for _, e := range res {
			t.item(goneLine(e) + "; fingerprint " + e.Fingerprint)
		}
	}
	if un := withStatus(h, StatusUnchecked); len(un) > 0 {
		t.section(fmt.Sprintf("NOT CHECKED IN THIS RUN (%d)", len(un)))
		for _, l := range wrap(uncheckedNote, textWidth-2) {
			t.line("  %s", l)
		}
		for _, e := range un {
			t.item(goneLine(e) + "; fingerprint " + e.Fingerprint)
		}
	}
}

// item writes a bulleted paragraph, wrapped under its first word.
func (t *textWriter) item(s string) {
	for i, l := range wrap(printable(s), textWidth-4) {
		if i == 0 {
			t.line("  - %s", l)
		} else {
			t.line("    %s", l)
		}
	}
}
