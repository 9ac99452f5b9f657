package main

import (
	"fmt"
	"io"

	"github.com/driftexact/driftexact"
)

// progress draws one status line on a terminal, rewritten in place as
// records arrive. driftexact.Check never calls update concurrently.
type progress struct {
	w      io.Writer
	counts map[driftexact.Side]driftexact.Progress
	drawn  bool
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, counts: map[driftexact.Side]driftexact.Progress{}}
}

func (p *progress) update(pr driftexact.Progress) {
	p.counts[pr.Side] = pr
	fmt.Fprintf(p.w, "\rpulling: billing %s, access %s ",
		p.side(driftexact.SideBilling), p.side(driftexact.SideAccess))
	p.drawn = true
}

func (p *progress) side(s driftexact.Side) string {
	pr := p.counts[s]
	if pr.Done {
		return fmt.Sprintf("%d records, done", pr.Records)
	}
	return fmt.Sprintf("%d records", pr.Records)
}

// end finishes the status line so that what follows starts on its own.
func (p *progress) end() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
