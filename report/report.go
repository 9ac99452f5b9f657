package report

import (
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/internal/version"
)

// SchemaVersion is the version of the report's JSON schema. [Schema]
// returns the schema itself.
const SchemaVersion = 1

// Pull describes how one side's records were read. A zero Started or
// Finished means the time is unknown.
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

// Report is the auditable outcome of one check. It is plain data: once
// built it is safe to render from several goroutines at once, as long as
// none of them changes it. See the package documentation for the meaning
// of each part.
type Report struct {
	SchemaVersion int       `json:"schema_version"`
	Engine        string    `json:"engine"`
	Workspace     string    `json:"workspace"`
	AsOf          time.Time `json:"as_of"`
	// Masked is true when account, customer and subscription ids are
	// pseudonyms; see [Masker].
	Masked   bool              `json:"masked,omitempty"`
	Billing  Pull              `json:"billing"`
	Access   Pull              `json:"access"`
	Digests  Digests           `json:"digests"`
	Policy   compare.Policy    `json:"policy"`
	Coverage compare.Coverage  `json:"coverage"`
	Counts   Counts            `json:"counts"`
	Findings []compare.Finding `json:"findings"`
	Notes    []compare.Note    `json:"notes,omitempty"`
	// History is how the findings stand against the earlier runs of the
	// workspace; nil unless the report was stored in a history and the
	// section added with [Report.SetHistory].
	History *History `json:"history,omitempty"`
	// Integrity seals everything above it. [New] fills in the digest;
	// [Report.Sign] adds a signature.
	Integrity Integrity `json:"integrity,omitzero"`
}

// Meta is what a report holds beyond the comparison result: how each side
// was pulled and what the result was computed from.
type Meta struct {
	Billing Pull
	Access  Pull
	Digests Digests
}

// New builds a sealed report from a comparison result and its metadata.
// The result's slices are shared, not copied; do not change them
// afterwards. New sets Digests.Policy from the policy the result applied,
// whatever m says, and replaces nil lists with empty ones so that the
// JSON form always holds arrays.
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
	r.Digests.Policy = policyDigest(res.Policy)
	if r.Findings == nil {
		r.Findings = []compare.Finding{}
	}
	if r.Coverage.Checks == nil {
		r.Coverage.Checks = []compare.Check{}
	}
	if r.Coverage.OutOfScope == nil {
		r.Coverage.OutOfScope = []string{}
	}
	r.Counts = count(r.Findings)
	// Sealing fails only for a time JSON cannot hold (after year 9999);
	// the report is then unsealed and WriteJSON returns the same error.
	_ = r.Seal()
	return r
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

func count(fs []compare.Finding) Counts {
	c := Counts{
		Total:      len(fs),
		ByKind:     []KindCount{},
		BySeverity: []SeverityCount{},
	}
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
