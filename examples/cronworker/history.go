package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/driftexact/driftexact/history"
	"github.com/driftexact/driftexact/report"
)

// runHistory stores the worker's runs. A nil *runHistory stores nothing.
type runHistory struct {
	store     *history.SQLStore
	workspace string
	lifecycle string // where the lifecycle text goes; "" for nowhere
}

// openHistory opens the history store the settings name, creating or
// migrating its tables, before the check spends any of Stripe's budget.
// It returns nil when the configuration has no history.
func (s *settings) openHistory(ctx context.Context) (*runHistory, func(), error) {
	h := s.cfg.History
	if h == nil {
		return nil, func() {}, nil
	}
	db, err := sql.Open(drivers[h.Driver], s.hdsn)
	if err != nil {
		return nil, nil, fmt.Errorf("history.dsn_env: the DSN in %q is not valid for %s",
			h.DSNEnv, h.Driver)
	}
	store, err := history.OpenSQL(ctx, db, &history.Options{
		Dialect: history.Dialect(h.Driver),
		Prefix:  h.Prefix,
		Retention: history.Retention{
			Runs: h.KeepRuns, Age: time.Duration(h.KeepFor),
		},
	})
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("history: %w", err)
	}
	rh := &runHistory{store: store, workspace: s.cfg.Workspace, lifecycle: h.Lifecycle}
	return rh, func() { db.Close() }, nil
}

// save stores a completed run and attaches its lifecycle to rep, so that
// every output shows which findings are new, persisting or recurring.
func (h *runHistory) save(ctx context.Context, rep *report.Report) (*history.Lifecycle, error) {
	if h == nil {
		return nil, nil
	}
	lc, err := h.store.Save(ctx, h.workspace, rep)
	if err != nil {
		return nil, fmt.Errorf("history: save: %w", err)
	}
	if err := history.Attach(rep, lc); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return lc, nil
}

// writeLifecycle writes the lifecycle text where the configuration says.
func (h *runHistory) writeLifecycle(lc *history.Lifecycle, stdout io.Writer) error {
	if h == nil || lc == nil || h.lifecycle == "" {
		return nil
	}
	if err := writeTo(h.lifecycle, stdout, lc.WriteText); err != nil {
		return fmt.Errorf("history.lifecycle: %w", err)
	}
	return nil
}

// failed records a check that did not complete, unless the worker was
// stopped, and returns the check's error with any error of the store's.
func (h *runHistory) failed(ctx context.Context, checkErr error) error {
	if h == nil || ctx.Err() != nil {
		return checkErr
	}
	_, err := h.store.SaveFailure(ctx, h.workspace,
		history.Failure{At: time.Now(), Err: checkErr.Error()})
	if err != nil {
		return errors.Join(checkErr, fmt.Errorf("history: record the failed run: %w", err))
	}
	return checkErr
}
