package history

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// statusOrder is the order statuses are counted in.
var statusOrder = []Status{New, Persisting, Reopened, Resolved, Unchecked}

// WriteText writes l for a terminal: a summary line, then one line per
// entry in l's order, with the acknowledgement under it when there is
// one. Text holding control or invalid characters is written quoted. It
// writes the same bytes for the same lifecycle.
func (l *Lifecycle) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("LIFECYCLE run %d", l.Run)
	if l.Previous > 0 {
		p(" against run %d", l.Previous)
	}
	p(" (as of %s)\n", stamp(l.AsOf))
	var parts []string
	for _, s := range statusOrder {
		parts = append(parts, fmt.Sprintf("%d %s", len(l.Status(s)), s))
	}
	p("  %s; %d recurring\n", strings.Join(parts, ", "), len(l.Recurring()))
	for i := range l.Entries {
		writeEntry(p, &l.Entries[i])
	}
	return bw.Flush()
}

func writeEntry(p func(string, ...any), e *Entry) {
	acct := e.Account
	if acct == "" {
		acct = "(no account)"
	}
	p("  %-10s %-24s %s", e.Status, printable(string(e.Kind)), printable(acct))
	switch e.Status {
	case Persisting, Unchecked:
		p(" since %s (%s, %s)", day(e.Since), plural(e.DaysOpen, "day"),
			plural(e.Streak, "run"))
	case Reopened:
		p(" first seen %s, reopened %s", day(e.FirstSeen),
			plural(e.Reopened, "time"))
	case Resolved:
		p(" open %s to %s", day(e.Since), day(e.LastSeen))
	}
	if e.Recurring {
		p(" RECURRING")
	}
	p("\n")
	if a := e.Ack; a != nil {
		p("    acknowledged by %s until %s: %s\n", printable(a.Author),
			stamp(a.Expires), printable(a.Reason))
	}
}

// printable returns s as is when every rune of it prints, and quoted with
// escapes otherwise, so that stored text cannot drive a terminal.
func printable(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
