package stripesrc

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// TestScrubHandlerCoversEveryValue logs the key through every path a
// record can take (message, attributes added before and with the record,
// groups, errors and other values of kind Any) and checks that each one
// arrives redacted.
func TestScrubHandlerCoversEveryValue(t *testing.T) {
	const secret = "rk_test_51ScrubHandlerSecret"
	key := Key(secret)
	var buf bytes.Buffer
	base := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	lg := scrubLogger(base, &key).With("with", "w-"+secret).WithGroup("grp")
	lg.Debug("msg "+secret, "str", secret, "err", errors.New("e-"+secret),
		slog.Group("inner", "deep", secret), slog.Any("list", []string{secret}))
	out := buf.String()
	if strings.Contains(out, "51ScrubHandlerSecret") {
		t.Errorf("key in the log: %s", out)
	}
	if n := strings.Count(out, "rk_test_[REDACTED]"); n != 6 {
		t.Errorf("got %d redacted keys, want 6 (one per value): %s", n, out)
	}
}
