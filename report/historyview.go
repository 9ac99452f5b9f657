package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file holds how renderers spell a history section. Every function
// returns plain text; each renderer escapes it for its format.

// entryIndex returns each entry of h by fingerprint, for looking up the
// entries of findings; nil when h is nil. It is only ever read by key.
func entryIndex(h *History) map[string]*HistoryEntry {
	if h == nil {
		return nil
	}
	idx := make(map[string]*HistoryEntry, len(h.Entries))
	for i := range h.Entries {
		idx[h.Entries[i].Fingerprint] = &h.Entries[i]
	}
	return idx
}

// entriesWhere returns the entries for which keep is true, in order.
func entriesWhere(h *History, keep func(*HistoryEntry) bool) []*HistoryEntry {
	var out []*HistoryEntry
	for i := range h.Entries {
		if keep(&h.Entries[i]) {
			out = append(out, &h.Entries[i])
		}
	}
	return out
}

func recurring(h *History) []*HistoryEntry {
	return entriesWhere(h, func(e *HistoryEntry) bool { return e.Recurring })
}

func withStatus(h *History, s LifecycleStatus) []*HistoryEntry {
	return entriesWhere(h, func(e *HistoryEntry) bool { return e.Status == s })
}

// day spells the date of t in UTC, or "unknown".
func day(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format(time.DateOnly)
}

// times spells how often something happened: "×3".
func times(n int) string { return "×" + strconv.Itoa(n) }

// runLine says which run a report is and what it was compared with.
func runLine(h *History) string {
	if h.Previous == 0 {
		return fmt.Sprintf("run %d, the first stored for this workspace", h.Run)
	}
	return fmt.Sprintf("run %d, against run %d", h.Run, h.Previous)
}

// statusLine counts the entries by status.
func statusLine(h *History) string {
	parts := make([]string, len(LifecycleStatuses))
	for i, s := range LifecycleStatuses {
		parts[i] = fmt.Sprintf("%d %s", h.Counts.of(s), s)
	}
	return strings.Join(parts, ", ")
}

// recurRule says what makes a finding recurring.
func recurRule(h *History) string {
	return "reopened, or open for more than " + plural(h.RecurAfter, "run") + " in a row"
}

// noneRecurring says that no finding recurs.
func noneRecurring(h *History) string {
	return "no open finding was " + recurRule(h)
}

// lifeMark is the lifecycle mark of an entry, such as "persisting 3
// runs since 2024-06-01 (2 days); recurring".
func lifeMark(e *HistoryEntry) string {
	s := string(e.Status)
	if d := lifeDetail(e); d != "" {
		s += " " + d
	}
	if e.Recurring {
		s += "; recurring"
	}
	return s
}

// lifeDetail is what follows the status in an entry's mark.
func lifeDetail(e *HistoryEntry) string {
	switch e.Status {
	case StatusPersisting:
		return plural(e.Streak, "run") + " since " + day(e.Since) +
			" (" + plural(e.DaysOpen, "day") + ")"
	case StatusReopened:
		return times(e.Reopened) + ", first seen " + day(e.FirstSeen)
	case StatusUnchecked:
		return "(open since " + day(e.Since) + ")"
	case StatusResolved:
		return "(open " + day(e.Since) + " to " + day(e.LastSeen) + ")"
	}
	return ""
}

// ackLine describes an acknowledgement after the word "acknowledged".
func ackLine(a *Acknowledgement) string {
	return "until " + stamp(a.Expires)
}

// howLong says how long a recurring entry has been open.
func howLong(e *HistoryEntry) string {
	return "open since " + day(e.Since) + ": " + plural(e.DaysOpen, "day") + ", " +
		plural(e.Streak, "run") + " in a row"
}

// howOften says how often a recurring entry was seen and came back.
func howOften(e *HistoryEntry) string {
	s := "seen in " + plural(e.RunsSeen, "run") + " since " + day(e.FirstSeen)
	if e.Reopened == 0 {
		return s + "; never resolved"
	}
	return s + "; reopened " + times(e.Reopened)
}

// entryTitle names an entry's kind and severity.
func entryTitle(e *HistoryEntry) string {
	return string(e.Kind) + " (" + string(e.Severity) + ")"
}

// entryIDs joins an entry's Stripe ids.
func entryIDs(e *HistoryEntry) string {
	return strings.TrimSpace(e.CustomerID + " " + strings.Join(e.Subscriptions, " "))
}

// entryWho names what an entry is about: its account and Stripe ids.
func entryWho(e *HistoryEntry) string {
	who := or(e.Account, "no account")
	if ids := entryIDs(e); ids != "" {
		who += " (" + ids + ")"
	}
	return who
}

// goneLine describes a resolved or unchecked entry in one line.
func goneLine(e *HistoryEntry) string {
	s := entryTitle(e) + " for " + entryWho(e) + ": "
	if e.Status == StatusResolved {
		s += "was open " + day(e.Since) + " to " + day(e.LastSeen)
	} else {
		s += "open since " + day(e.Since)
	}
	s += ", " + plural(e.Streak, "run")
	if e.Recurring {
		s += "; recurring"
	}
	if e.Ack != nil {
		s += "; acknowledged " + ackLine(e.Ack)
	}
	return s
}

// resolvedTitle heads the list of what was resolved.
func resolvedTitle(h *History) string {
	return fmt.Sprintf("Resolved since run %d", h.Previous)
}

// uncheckedNote explains the entries this run could not check.
const uncheckedNote = "Open before, but this run could not have raised them: " +
	"the check behind them did not run, or a record they name was not " +
	"read whole. They stay open."
