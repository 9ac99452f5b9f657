package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/driftexact/driftexact/compare"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dst ...any) error }

// query runs q with ? placeholders on q and calls each for every row.
func (s *SQLStore) query(ctx context.Context, q querier, text string,
	args []any, each func(scanner) error) error {
	rows, err := q.QueryContext(ctx, s.dialect.bind(text), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *SQLStore) selectFrom(table string, cols []string, where string) string {
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + s.table(table) +
		" WHERE " + where
}

// loadStates reads what the store remembers of every fingerprint of ws.
func (s *SQLStore) loadStates(ctx context.Context, q querier,
	ws string) (map[string]*state, error) {
	out := map[string]*state{}
	err := s.query(ctx, q, s.selectFrom(tFingerprint, stateCols[1:], "workspace = ?"),
		[]any{ws}, func(r scanner) error {
			var fp string
			var open int
			st := &state{}
			var h hist
			dst := append([]any{&fp, &open, &st.lastRun}, h.identityDst(&st.identity)...)
			if err := r.Scan(append(dst, h.historyDst()...)...); err != nil {
				return err
			}
			if err := h.fill(&st.identity); err != nil {
				return fmt.Errorf("fingerprint %q: %w", fp, err)
			}
			st.open = open == 1
			st.firstSeen, st.since, st.lastSeen = h.first, h.since, h.last
			st.runsSeen, st.streak, st.reopened = h.runsSeen, h.streak, h.reopened
			out[fp] = st
			return nil
		})
	return out, err
}

// hist holds the raw identity and history columns of a row while it is
// scanned.
type hist struct {
	kind, severity, subs       string
	firstS, sinceS, lastS      string
	first, since, last         time.Time
	runsSeen, streak, reopened int
}

func (h *hist) identityDst(id *identity) []any {
	return []any{&h.kind, &h.severity, &id.account, &id.customer, &h.subs, &id.plan}
}

func (h *hist) historyDst() []any {
	return []any{&h.firstS, &h.sinceS, &h.lastS, &h.runsSeen, &h.streak, &h.reopened}
}

// fill converts the raw columns.
func (h *hist) fill(id *identity) error {
	id.kind, id.severity = compare.Kind(h.kind), compare.Severity(h.severity)
	var err, e error
	id.subscriptions, err = splitList(h.subs)
	h.first, e = parseTime(h.firstS)
	err = errors.Join(err, e)
	h.since, e = parseTime(h.sinceS)
	err = errors.Join(err, e)
	h.last, e = parseTime(h.lastS)
	return errors.Join(err, e)
}

// loadAcks reads every acknowledgement of ws, keyed by fingerprint.
func (s *SQLStore) loadAcks(ctx context.Context, q querier,
	ws string) (map[string]*Ack, error) {
	out := map[string]*Ack{}
	err := s.query(ctx, q, s.selectFrom(tAcks, ackCols[1:], "workspace = ?"),
		[]any{ws}, func(r scanner) error {
			a, err := scanAck(r)
			if err == nil {
				out[a.Fingerprint] = a
			}
			return err
		})
	return out, err
}

func scanAck(r scanner) (*Ack, error) {
	a := &Ack{}
	var created, expires string
	if err := r.Scan(&a.Fingerprint, &a.Reason, &a.Author, &created, &expires); err != nil {
		return nil, err
	}
	var err, e error
	a.Created, err = parseTime(created)
	a.Expires, e = parseTime(expires)
	if err = errors.Join(err, e); err != nil {
		return nil, fmt.Errorf("acknowledgement of %q: %w", a.Fingerprint, err)
	}
	return a, nil
}

// notFound reports a missing row as ErrNotFound.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", ErrNotFound, what)
	}
	return err
}
