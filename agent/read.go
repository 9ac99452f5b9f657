package agent

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/driftexact/driftexact/source"
)

// maxLine bounds one line of a stream, and so the client's buffer.
const maxLine = 64 << 10

// streamReader reads and checks the lines of one stream.
type streamReader struct {
	br          *bufio.Reader
	workspace   string // the workspace asked for
	sum         hash.Hash
	line        wireLine
	begun       bool
	grants      int
	bad         int
	unavailable []string
}

// newStreamReader reads the stream r of workspace ws.
func newStreamReader(r io.Reader, ws string) *streamReader {
	return &streamReader{br: bufio.NewReaderSize(r, maxLine), workspace: ws,
		sum: sha256.New()}
}

func (r *streamReader) records() int { return r.grants + r.bad }

// next returns the next record. done is true when the stream is over:
// with a nil error when the trailer proved it whole, else with an error
// wrapping [ErrIncomplete]. Before that, a non-nil error is a
// *source.RecordError.
func (r *streamReader) next() (g source.Grant, err error, done bool) {
	for {
		raw, err := r.readLine()
		if err != nil {
			return g, err, true
		}
		r.line = wireLine{}
		if err := json.Unmarshal(raw, &r.line); err != nil {
			return g, r.incomplete("unreadable line: %v", err), true
		}
		if !r.begun {
			if err := r.begin(); err != nil {
				return g, err, true
			}
			r.sum.Write(raw)
			continue
		}
		switch r.line.Type {
		case typeGrant:
			r.sum.Write(raw)
			r.grants++
			return r.line.grant(), nil, false
		case typeRecordError:
			r.sum.Write(raw)
			r.bad++
			return g, r.recordError(), false
		case typeFailure:
			return g, r.incomplete("the agent's source failed: %s", r.line.Error), true
		case typeEnd:
			return g, r.end(), true
		}
		return g, r.incomplete("unknown record type %q", r.line.Type), true
	}
}

// readLine returns one whole line, newline included.
func (r *streamReader) readLine() ([]byte, error) {
	raw, err := r.br.ReadSlice('\n')
	switch {
	case err == nil:
		return raw, nil
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, r.incomplete("a line longer than %d bytes", maxLine)
	case errors.Is(err, io.EOF) && len(raw) == 0:
		return nil, r.incomplete("the stream ended without a trailer")
	case errors.Is(err, io.EOF):
		return nil, r.incomplete("the stream ended inside a line")
	}
	return nil, r.incomplete("reading the stream: %v", err)
}

// incomplete returns an error wrapping ErrIncomplete that says how far
// the stream got.
func (r *streamReader) incomplete(format string, args ...any) error {
	return fmt.Errorf("%w after %d records: %s", ErrIncomplete, r.records(),
		fmt.Sprintf(format, args...))
}

func (r *streamReader) begin() error {
	l := &r.line
	if l.Type != typeBegin {
		return r.incomplete("the stream does not start with a %q record", typeBegin)
	}
	if l.Version != ProtocolVersion {
		return fmt.Errorf("agent: the agent speaks stream version %d, this client %d",
			l.Version, ProtocolVersion)
	}
	if l.Workspace != r.workspace {
		return fmt.Errorf("%w (%w): the stream is of workspace %q, "+
			"this client asked for %q", ErrWrongWorkspace, ErrIncomplete,
			l.Workspace, r.workspace)
	}
	r.begun = true
	r.unavailable = l.Unavailable
	return nil
}

func (r *streamReader) recordError() error {
	l := &r.line
	return &source.RecordError{Record: l.Record, Field: l.Field, Err: errors.New(l.Error)}
}

// end checks the trailer against what was read, and that nothing follows.
func (r *streamReader) end() error {
	l := &r.line
	if l.Grants == nil || l.RecordErrors == nil {
		return r.incomplete("the trailer lacks its counts")
	}
	if *l.Grants != r.grants || *l.RecordErrors != r.bad {
		return r.incomplete("the trailer counts %d grants and %d record errors, "+
			"the stream held %d and %d", *l.Grants, *l.RecordErrors, r.grants, r.bad)
	}
	if got := hex.EncodeToString(r.sum.Sum(nil)); got != l.SHA256 {
		return r.incomplete("checksum mismatch: the trailer's sha256 is %.12s…, "+
			"the stream's is %.12s…", l.SHA256, got)
	}
	switch _, err := r.br.ReadByte(); {
	case err == nil:
		return r.incomplete("more data follows the trailer")
	case !errors.Is(err, io.EOF):
		return r.incomplete("reading past the trailer: %v", err)
	}
	return nil
}

// errStalled is the cause given when the agent falls silent.
var errStalled = errors.New("agent: stalled")

// watchdog cancels a pull when its body yields nothing for too long.
type watchdog struct {
	body io.ReadCloser
	t    *time.Timer
	d    time.Duration
}

func newWatchdog(body io.ReadCloser, d time.Duration, cancel context.CancelCauseFunc) *watchdog {
	t := time.AfterFunc(d, func() { cancel(errStalled) })
	return &watchdog{body: body, t: t, d: d}
}

func (w *watchdog) Read(p []byte) (int, error) {
	n, err := w.body.Read(p)
	w.t.Reset(w.d)
	return n, err
}

func (w *watchdog) Close() error {
	w.t.Stop()
	return w.body.Close()
}
