package driftexact

import (
	"errors"
	"fmt"
)

// Errors [Check] returns for a job it cannot run. Each is returned before
// any source is read; test for them with errors.Is.
var (
	// ErrNoWorkspace is returned for a job without a workspace id.
	ErrNoWorkspace = errors.New("driftexact: job has no workspace id")
	// ErrNoSource is returned for a job that lacks a billing or an access
	// source.
	ErrNoSource = errors.New("driftexact: job needs both a billing and an access source")
	// ErrInvalidProfile is wrapped by the error for a profile that fails
	// [compare.Profile.Validate]; the message names the field.
	ErrInvalidProfile = errors.New("driftexact: invalid profile")
)

// PullError reports that one side of a check could not be read to its end,
// so no report was made. Check returns it for every failure of a source,
// cancellation included. It unwraps to the source's error, so
// errors.Is(err, context.Canceled) holds for a cancelled check.
type PullError struct {
	Side Side  // the side that failed
	Err  error // why, as the source said it
}

func (e *PullError) Error() string {
	return fmt.Sprintf("driftexact: %s side: %v", e.Side, e.Err)
}

// Unwrap returns the source's error.
func (e *PullError) Unwrap() error { return e.Err }
