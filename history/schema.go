package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Key lengths, in bytes. Longer workspace ids and fingerprints are
// rejected before anything is written.
const (
	maxWorkspaceLen = 200
	maxKeyLen       = 64
)

// The tables, without the store's prefix. Run data lives in runs, counts,
// checks, coverage, findings and lifecycle, all keyed by workspace and run
// id; fingerprints holds what the store remembers of each finding between
// runs; acks holds acknowledgements, apart from run data.
const (
	tSchema      = "schema"
	tWorkspaces  = "workspaces"
	tRuns        = "runs"
	tCounts      = "counts"
	tChecks      = "checks"
	tCoverage    = "coverage"
	tFindings    = "findings"
	tLifecycle   = "lifecycle"
	tFingerprint = "fingerprints"
	tAcks        = "acks"
)

// runTables are the tables holding one row or more per run.
var runTables = []string{tRuns, tCounts, tChecks, tCoverage, tFindings, tLifecycle}

// allTables lists every table the store creates.
var allTables = []string{tSchema, tWorkspaces, tRuns, tCounts, tChecks,
	tCoverage, tFindings, tLifecycle, tFingerprint, tAcks}

// schemaVersion is the schema this package writes.
const schemaVersion = 1

// migrations[i] takes the schema from version i to version i+1.
var migrations = []func(s *SQLStore) []string{
	(*SQLStore).schemaV1,
}

// Column lists shared by the DDL and the statements that fill the tables.
var (
	runCols = []string{"workspace", "run_id", "status", "error",
		"previous_run", "as_of",
		"schema_version", "engine", "masked",
		"billing_source", "billing_started", "billing_finished",
		"billing_records", "billing_pages",
		"access_source", "access_started", "access_finished",
		"access_records", "access_pages",
		"digest_profile", "digest_policy", "digest_billing", "digest_access",
		"integrity_digest", "integrity_signature", "integrity_key_id",
		"coverage_subscriptions", "coverage_grants", "coverage_linked",
		"total"}
	countCols   = []string{"workspace", "run_id", "dimension", "seq", "name", "n"}
	checkCols   = []string{"workspace", "run_id", "seq", "name", "ran", "reason"}
	coverCols   = []string{"workspace", "run_id", "section", "seq", "side", "record", "text"}
	findingCols = []string{"workspace", "run_id", "seq", "fingerprint",
		"kind", "severity", "direction", "account", "customer_id",
		"subscriptions", "plan", "field", "stripe", "internal", "rule",
		"linked_by", "tried"}
	identityCols = []string{"kind", "severity", "account", "customer_id",
		"subscriptions", "plan"}
	historyCols = []string{"first_seen", "since", "last_seen", "runs_seen",
		"streak", "reopened"}
	lifecycleCols = concat([]string{"workspace", "run_id", "seq",
		"fingerprint", "status"}, identityCols, historyCols)
	stateCols = concat([]string{"workspace", "fingerprint", "is_open",
		"last_run"}, identityCols, historyCols)
	ackCols = []string{"workspace", "fingerprint", "reason", "author",
		"created", "expires"}
)

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// intCols are the integer columns; every other column is text.
var intCols = map[string]bool{
	"run_id": true, "schema_version": true, "billing_records": true,
	"billing_pages": true, "access_records": true, "access_pages": true,
	"coverage_subscriptions": true, "coverage_grants": true,
	"coverage_linked": true, "total": true,
	"seq": true, "n": true, "ran": true, "is_open": true, "last_run": true,
	"runs_seen": true, "streak": true, "reopened": true,
	"last_ok_run": true, "previous_run": true, "version": true, "id": true,
	"masked": true, "last_ok_masked": true,
}

// keyCols are the text columns that take part in a primary key.
var keyCols = map[string]int{
	"workspace": maxWorkspaceLen, "fingerprint": maxKeyLen,
	"dimension": 16, "section": 16,
}

func (s *SQLStore) schemaV1() []string {
	return []string{
		s.create(tWorkspaces, []string{"workspace", "last_run",
			"last_ok_run", "last_ok_as_of", "last_ok_masked"}, "workspace"),
		s.create(tRuns, runCols, "workspace", "run_id"),
		s.create(tCounts, countCols, "workspace", "run_id", "dimension", "seq"),
		s.create(tChecks, checkCols, "workspace", "run_id", "seq"),
		s.create(tCoverage, coverCols, "workspace", "run_id", "section", "seq"),
		s.create(tFindings, findingCols, "workspace", "run_id", "seq"),
		s.create(tLifecycle, lifecycleCols, "workspace", "run_id", "seq"),
		s.create(tFingerprint, stateCols, "workspace", "fingerprint"),
		s.create(tAcks, ackCols, "workspace", "fingerprint"),
	}
}

// create returns the DDL of one table: every column NOT NULL, text unless
// listed in intCols, keys compared byte for byte.
func (s *SQLStore) create(table string, cols []string, key ...string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + s.table(table) + " (")
	for _, c := range cols {
		typ := "TEXT"
		switch {
		case intCols[c]:
			typ = "BIGINT"
		case keyCols[c] > 0:
			typ = s.dialect.keyType(keyCols[c])
		}
		b.WriteString(c + " " + typ + " NOT NULL, ")
	}
	b.WriteString("PRIMARY KEY (" + strings.Join(key, ", ") + "))")
	b.WriteString(s.dialect.tableSuffix())
	return b.String()
}

// migrate brings the schema to schemaVersion under the dialect's
// migration lock. Every step is idempotent, so a migration cut short
// (MySQL commits DDL as it goes) is finished by the next store opened.
func (s *SQLStore) migrate(ctx context.Context) error {
	return s.dialect.exclusive(ctx, s.db, s.prefix+"migrate", func(q querier) error {
		if _, err := q.ExecContext(ctx, s.create(tSchema,
			[]string{"id", "version"}, "id")); err != nil {
			return err
		}
		v, err := s.version(ctx, q)
		if err != nil {
			return err
		}
		if v > schemaVersion {
			return fmt.Errorf("%w: version %d, package knows %d",
				ErrSchemaTooNew, v, schemaVersion)
		}
		for ; v < schemaVersion; v++ {
			if err := s.step(ctx, q, v); err != nil {
				return fmt.Errorf("migrate to version %d: %w", v+1, err)
			}
		}
		return nil
	})
}

func (s *SQLStore) version(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, s.dialect.bind(
		"SELECT version FROM "+s.table(tSchema)+" WHERE id = 1")).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// step runs migration v and records version v+1.
func (s *SQLStore) step(ctx context.Context, q querier, v int) error {
	for _, stmt := range migrations[v](s) {
		if _, err := q.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	ins, end := s.dialect.insertIgnore(s.table(tSchema), "id")
	if _, err := q.ExecContext(ctx, s.dialect.bind(
		ins+" (id, version) VALUES (1, 0)"+end)); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, s.dialect.bind(
		"UPDATE "+s.table(tSchema)+" SET version = ? WHERE id = 1"), v+1)
	return err
}
