package agent

import (
	"time"

	"github.com/driftexact/driftexact/source"
)

// ProtocolVersion is the version of the stream format, carried in the
// first record of every stream. A client refuses a stream of another
// version.
const ProtocolVersion = 1

// ContentType is the media type of a grants stream.
const ContentType = "application/x-ndjson"

// Paths the agent serves.
const (
	HealthPath      = "/healthz"
	workspacePrefix = "/v1/workspaces/"
	grantsSuffix    = "/grants"
)

// GrantsPath returns the path of a workspace's grants stream.
func GrantsPath(workspace string) string {
	return workspacePrefix + workspace + grantsSuffix
}

// Record types, the "type" field of each line.
const (
	typeBegin       = "begin"
	typeGrant       = "grant"
	typeRecordError = "record_error"
	typeFailure     = "failure"
	typeEnd         = "end"
)

// beginLine opens a stream.
type beginLine struct {
	Type        string   `json:"type"`
	Version     int      `json:"version"`
	Workspace   string   `json:"workspace"`
	Unavailable []string `json:"unavailable,omitempty"`
}

// grantLine carries one grant.
type grantLine struct {
	Type           string    `json:"type"`
	AccountID      string    `json:"account_id"`
	CustomerID     string    `json:"customer_id,omitempty"`
	SubscriptionID string    `json:"subscription_id,omitempty"`
	Plan           string    `json:"plan,omitempty"`
	Seats          *int64    `json:"seats,omitempty"`
	Active         bool      `json:"active,omitempty"`
	Expires        time.Time `json:"expires,omitzero"`
}

// errorLine carries one record that the agent's source could not read.
type errorLine struct {
	Type   string `json:"type"`
	Record string `json:"record"`
	Field  string `json:"field,omitempty"`
	Error  string `json:"error"`
}

// failureLine says the source failed; no trailer follows it.
type failureLine struct {
	Type  string `json:"type"`
	Error string `json:"error"`
}

// endLine is the trailer.
type endLine struct {
	Type         string `json:"type"`
	Grants       int    `json:"grants"`
	RecordErrors int    `json:"record_errors"`
	SHA256       string `json:"sha256"`
}

// wireLine is the union of all record types, for decoding.
type wireLine struct {
	Type string `json:"type"`

	Version     int      `json:"version"`
	Workspace   string   `json:"workspace"`
	Unavailable []string `json:"unavailable"`

	AccountID      string    `json:"account_id"`
	CustomerID     string    `json:"customer_id"`
	SubscriptionID string    `json:"subscription_id"`
	Plan           string    `json:"plan"`
	Seats          *int64    `json:"seats"`
	Active         bool      `json:"active"`
	Expires        time.Time `json:"expires"`

	Record string `json:"record"`
	Field  string `json:"field"`
	Error  string `json:"error"`

	Grants       *int   `json:"grants"`
	RecordErrors *int   `json:"record_errors"`
	SHA256       string `json:"sha256"`
}

func toLine(g source.Grant) grantLine {
	return grantLine{
		Type: typeGrant, AccountID: g.AccountID, CustomerID: g.CustomerID,
		SubscriptionID: g.SubscriptionID, Plan: g.Plan, Seats: g.Seats,
		Active: g.Active, Expires: g.Expires.UTC(),
	}
}

func (l *wireLine) grant() source.Grant {
	return source.Grant{
		AccountID: l.AccountID, CustomerID: l.CustomerID,
		SubscriptionID: l.SubscriptionID, Plan: l.Plan, Seats: l.Seats,
		Active: l.Active, Expires: l.Expires,
	}
}
