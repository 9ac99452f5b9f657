package stripesrc

import (
	"context"
	"fmt"
	"log/slog"
)

// scrubHandler hands records on to next with keys removed from the
// message, the group names and every attribute, so that nothing a server
// sends (a status line, a header) carries the key into the caller's logs.
// Values of kind Any are logged as their scrubbed text.
type scrubHandler struct {
	next slog.Handler
	key  *Key
}

// scrubLogger returns a logger that writes to l through a scrubHandler.
func scrubLogger(l *slog.Logger, key *Key) *slog.Logger {
	return slog.New(&scrubHandler{next: l.Handler(), key: key})
}

func (h *scrubHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *scrubHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, scrub(r.Message, *h.key), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *scrubHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &scrubHandler{next: h.next.WithAttrs(h.attrs(attrs)), key: h.key}
}

func (h *scrubHandler) WithGroup(name string) slog.Handler {
	return &scrubHandler{next: h.next.WithGroup(scrub(name, *h.key)), key: h.key}
}

func (h *scrubHandler) attrs(as []slog.Attr) []slog.Attr {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = h.attr(a)
	}
	return out
}

func (h *scrubHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		v = slog.StringValue(scrub(v.String(), *h.key))
	case slog.KindGroup:
		v = slog.GroupValue(h.attrs(v.Group())...)
	case slog.KindAny:
		v = slog.StringValue(scrub(fmt.Sprint(v.Any()), *h.key))
	}
	return slog.Attr{Key: scrub(a.Key, *h.key), Value: v}
}
