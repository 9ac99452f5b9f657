package agent

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/driftexact/driftexact/source"
)

// flushEvery is the longest records wait in the agent's buffer.
const flushEvery = 250 * time.Millisecond

func setStreamHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", ContentType)
}

// streamWriter writes the lines of one stream, hashing all but the
// trailer. Its lines are sent when its buffer fills, and by a background
// flusher at least every flushEvery, so a slow source still shows
// progress. Call close before the handler returns.
type streamWriter struct {
	rc  *http.ResponseController
	buf *bufio.Writer
	sum hash.Hash
	enc *json.Encoder

	mu    sync.Mutex
	dirty bool
	err   error

	stop chan struct{}
	done chan struct{}
}

func newStreamWriter(w http.ResponseWriter, timeout time.Duration) *streamWriter {
	rc := http.NewResponseController(w)
	buf := bufio.NewWriterSize(&deadlineWriter{w: w, rc: rc, d: timeout}, 32<<10)
	sum := sha256.New()
	enc := json.NewEncoder(io.MultiWriter(sum, buf))
	enc.SetEscapeHTML(false)
	s := &streamWriter{rc: rc, buf: buf, sum: sum, enc: enc,
		stop: make(chan struct{}), done: make(chan struct{})}
	go s.flusher()
	return s
}

func (s *streamWriter) flusher() {
	defer close(s.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.mu.Lock()
			if s.dirty {
				s.sendLocked()
			}
			s.mu.Unlock()
		case <-s.stop:
			return
		}
	}
}

// close stops the background flusher.
func (s *streamWriter) close() {
	close(s.stop)
	<-s.done
}

// line writes one hashed record.
func (s *streamWriter) line(v any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = s.enc.Encode(v)
		s.dirty = true
	}
	return s.err
}

// send pushes everything written so far to the client.
func (s *streamWriter) send() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendLocked()
}

func (s *streamWriter) sendLocked() error {
	if s.err == nil {
		s.err = s.buf.Flush()
	}
	if s.err == nil {
		s.err = s.rc.Flush()
	}
	s.dirty = false
	return s.err
}

// end writes the trailer, which is not hashed, and sends it.
func (s *streamWriter) end(grants, bad int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := endLine{Type: typeEnd, Grants: grants, RecordErrors: bad,
		SHA256: hex.EncodeToString(s.sum.Sum(nil))}
	if s.err == nil {
		s.err = json.NewEncoder(s.buf).Encode(t)
	}
	return s.sendLocked()
}

// deadlineWriter moves the connection's write deadline forward before
// each write, so a stream may run long but no single write may stall.
type deadlineWriter struct {
	w  io.Writer
	rc *http.ResponseController
	d  time.Duration
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	// An error here means the writer cannot take deadlines (a recorder
	// in a test); the server's own WriteTimeout still holds.
	_ = d.rc.SetWriteDeadline(time.Now().Add(d.d))
	return d.w.Write(p)
}

// stream sends one workspace's grants. Records the source cannot read go
// out as record_error lines; a fatal error goes out as a failure line and
// the stream ends without a trailer, so the client cannot take it as
// complete.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, ws string, a source.Access) {
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.MaxDuration)
	defer cancel()
	setStreamHeaders(w)
	w.WriteHeader(http.StatusOK)
	sw := newStreamWriter(w, h.opts.WriteTimeout)
	defer sw.close()
	begin := beginLine{Type: typeBegin, Version: ProtocolVersion, Workspace: ws}
	if fr, ok := a.(source.FieldReporter); ok {
		begin.Unavailable = fr.Unavailable()
	}
	if sw.line(begin) != nil || sw.send() != nil {
		return
	}
	grants, bad := 0, 0
	for g, err := range a.Grants(ctx) {
		var re *source.RecordError
		switch {
		case err == nil:
			grants++
			err = sw.line(toLine(g))
		case errors.As(err, &re):
			bad++
			err = sw.line(recordErrorLine(re))
		default:
			h.fail(sw, r, ws, grants+bad, err)
			return
		}
		if err != nil {
			h.log.Info("agent: stream cut off", "workspace", ws,
				"records", grants+bad, "remote", r.RemoteAddr, "err", err)
			return
		}
	}
	sw.end(grants, bad)
}

// fail ends a stream on a fatal source error. The client is told only
// that the source failed; the detail, which may name tables or hosts,
// goes to the agent's log.
func (h *Handler) fail(sw *streamWriter, r *http.Request, ws string, n int, err error) {
	msg := "the agent's source failed; its log has the detail"
	if r.Context().Err() != nil {
		return
	}
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "the stream ran longer than the agent allows"
	}
	h.log.Error("agent: source failed", "workspace", ws, "records", n, "err", err)
	sw.line(failureLine{Type: typeFailure, Error: msg})
	sw.send()
}

func recordErrorLine(re *source.RecordError) errorLine {
	msg := "unreadable"
	if re.Err != nil {
		msg = re.Err.Error()
	}
	return errorLine{Type: typeRecordError, Record: re.Record, Field: re.Field, Error: msg}
}
