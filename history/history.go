package history

import (
	"context"
	"errors"
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/report"
)

// Store keeps the runs of each workspace and works out the lifecycle of
// their findings. It is what a monitoring loop needs; [SQLStore] is the
// implementation this package ships, with more methods for reading back.
//
// Every method takes the workspace it acts on and touches no other.
// Implementations must be safe for concurrent use, and must store a run
// whole or not at all.
type Store interface {
	// Save stores a completed check of workspace and returns the lifecycle
	// of its findings against the runs stored before. The report must
	// belong to workspace.
	Save(ctx context.Context, workspace string, rep *report.Report) (*Lifecycle, error)
	// SaveFailure records a check of workspace that did not complete. It
	// changes no lifecycle.
	SaveFailure(ctx context.Context, workspace string, f Failure) (RunInfo, error)
}

// RunStatus says whether a stored run completed.
type RunStatus string

// The run statuses.
const (
	RunOK     RunStatus = "ok"     // the check completed; its report is stored
	RunFailed RunStatus = "failed" // the check failed; only the error is stored
)

// Failure describes a check that did not complete.
type Failure struct {
	// At is when the attempt was made; it orders the run for retention.
	At time.Time
	// Err is the error message stored with the run. It is kept as given,
	// up to [MaxErrorLen] bytes, so it must not carry a secret; the
	// library's own errors never do.
	Err string
}

// MaxErrorLen is the longest failure message stored; longer ones are cut
// and marked.
const MaxErrorLen = 2000

// RunInfo summarises one stored run.
type RunInfo struct {
	Workspace string    `json:"workspace"`
	ID        int64     `json:"id"` // 1 for a workspace's first run, then up by one
	Status    RunStatus `json:"status"`
	Error     string    `json:"error,omitempty"`
	// AsOf is the report's as-of time, or the attempt time of a failure.
	AsOf time.Time `json:"as_of"`
	// Findings is the number of findings; 0 for a failed run.
	Findings int `json:"findings"`
}

// Run is a stored run read back: everything the store keeps of its
// report. The report's policy and notes are not kept, so a Run is not a
// whole [report.Report], and its Integrity cannot be verified against it;
// it names the report file the run came from.
type Run struct {
	RunInfo
	SchemaVersion int    `json:"schema_version"`
	Engine        string `json:"engine"`
	// Masked is true when the report's ids were pseudonyms.
	Masked    bool              `json:"masked,omitempty"`
	Billing   report.Pull       `json:"billing"`
	Access    report.Pull       `json:"access"`
	Digests   report.Digests    `json:"digests"`
	Integrity report.Integrity  `json:"integrity,omitzero"`
	Coverage  compare.Coverage  `json:"coverage"`
	Counts    report.Counts     `json:"counts"`
	Findings  []compare.Finding `json:"findings"`
}

// Ack records that an operator knows about a finding. Acknowledged
// findings still appear in every lifecycle, marked, until the
// acknowledgement expires.
type Ack struct {
	Fingerprint string    `json:"fingerprint"`
	Reason      string    `json:"reason"`
	Author      string    `json:"author"`
	Created     time.Time `json:"created"`
	// Expires is the first instant at which the acknowledgement no longer
	// holds. It is required: nothing is acknowledged for ever.
	Expires time.Time `json:"expires"`
}

// activeAt reports whether a holds at t.
func (a *Ack) activeAt(t time.Time) bool { return t.Before(a.Expires) }

// Retention bounds what a store keeps of each workspace. A run is removed
// only when every limit that is set allows it. The zero value keeps
// everything.
type Retention struct {
	// Runs keeps at least the newest Runs runs, failed ones included; 0
	// sets no limit by count.
	Runs int
	// Age keeps at least the runs whose as-of time is within Age of the
	// newest run's; 0 sets no limit by age.
	Age time.Duration
}

func (r Retention) zero() bool { return r.Runs <= 0 && r.Age <= 0 }

// Errors callers can test for with [errors.Is].
var (
	// ErrNoWorkspace is returned for an empty workspace id.
	ErrNoWorkspace = errors.New("history: no workspace id")
	// ErrWorkspaceMismatch is returned when a report of one workspace is
	// saved under another.
	ErrWorkspaceMismatch = errors.New("history: report belongs to another workspace")
	// ErrNotFound is returned when a run or acknowledgement does not exist
	// in the workspace asked for.
	ErrNotFound = errors.New("history: not found")
	// ErrSchemaTooNew is returned by [OpenSQL] when the database holds a
	// schema newer than this version of the package knows.
	ErrSchemaTooNew = errors.New("history: stored schema is newer than this package")
)
