// Package report turns a comparison result into a versioned report and
// renders it for people and machines.
//
// Every renderer writes the same bytes for the same report: nothing is read
// from the clock or from map iteration, and findings keep the order that
// [compare.Compare] gave them.
package report

import (
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/internal/version"
)

// SchemaVersion is the version of the report's JSON schema.
const SchemaVersion = 1

// Pull describes how one side's records were read.
type Pull struct {
	Source   string    `json:"source"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Records  int       `json:"records"`
	// Pages is the number of API pages read; 0 where the source has none.
	Pages int `json:"pages,omitempty"`
}

// KindCount is the number of findings of one kind.
type KindCount struct {
	Kind  compare.Kind `json:"kind"`
	Count int          `json:"count"`
}

// SeverityCount is the number of findings of one severity.
type SeverityCount struct {
	Severity compare.Severity `json:"severity"`
	Count    int              `json:"count"`
}

// Counts summarises findings. Every kind and severity is listed, in a
// fixed order, including those with a count of zero.
type Counts struct {
	Total      int             `json:"total"`
	ByKind     []KindCount     `json:"by_kind"`
	BySeverity []SeverityCount `json:"by_severity"`
}

// Report is the auditable outcome of one check.
type Report struct {
	SchemaVersion int               `json:"schema_version"`
	Engine        string            `json:"engine"`
	Workspace     string            `json:"workspace"`
	AsOf          time.Time         `json:"as_of"`
	Billing       Pull              `json:"billing"`
	Access        Pull              `json:"access"`
	Digests       Digests           `json:"digests"`
	Policy        compare.Policy    `json:"policy"`
	Coverage      compare.Coverage  `json:"coverage"`
	Counts        Counts            `json:"counts"`
	Findings      []compare.Finding `json:"findings"`
	Notes         []compare.Note    `json:"notes,omitempty"`
}

// Meta is what a report holds beyond the comparison result: how each side
// was pulled and what the result was computed from.
type Meta struct {
	Billing Pull
	Access  Pull
	Digests Digests
}

// New builds a report from a comparison result and its metadata. The result
// is not copied; do not change it afterwards.
func New(res *compare.Result, m Meta) *Report {
	billing, access := m.Billing, m.Access
	r := &Report{
		SchemaVersion: SchemaVersion,
		Engine:        version.Engine,
		Workspace:     res.Workspace,
		AsOf:          res.AsOf.UTC(),
		Billing:       billing,
		Access:        access,
		Digests:       m.Digests,
		Policy:        res.Policy,
		Coverage:      res.Coverage,
		Findings:      res.Findings,
		Notes:         res.Notes,
	}
	r.Billing.Started, r.Billing.Finished = utc(billing.Started), utc(billing.Finished)
	r.Access.Started, r.Access.Finished = utc(access.Started), utc(access.Finished)
	r.Counts = count(res.Findings)
	return r
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

func count(fs []compare.Finding) Counts {
	c := Counts{Total: len(fs)}
	for _, k := range compare.Kinds {
		n := 0
		for i := range fs {
			if fs[i].Kind == k {
				n++
			}
		}
		c.ByKind = append(c.ByKind, KindCount{Kind: k, Count: n})
	}
	for _, s := range compare.Severities {
		n := 0
		for i := range fs {
			if fs[i].Severity == s {
				n++
			}
		}
		c.BySeverity = append(c.BySeverity, SeverityCount{Severity: s, Count: n})
	}
	return c
}

// Drift reports whether the report holds any finding.
func (r *Report) Drift() bool { return len(r.Findings) > 0 }
