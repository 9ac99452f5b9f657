package stripesrc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"

	"github.com/driftexact/driftexact/stripesrc"
	"github.com/driftexact/driftexact/stripesrc/stripetest"
)

// secretPart is the part of testKey that must never be shown.
var secretPart = strings.TrimPrefix(string(testKey), "rk_test_")

func TestKeyIsRedactedWhereverPrinted(t *testing.T) {
	type config struct {
		Name string
		Key  stripesrc.Key
	}
	cfg := config{Name: "prod", Key: testKey}
	var shown []string
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
		shown = append(shown, fmt.Sprintf(format, testKey), fmt.Sprintf(format, cfg))
	}
	shown = append(shown, fmt.Sprint(testKey), fmt.Sprintln(cfg),
		testKey.String(), testKey.GoString())
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	shown = append(shown, string(b))
	var logs bytes.Buffer
	handlers := []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)}
	for _, h := range handlers {
		slog.New(h).Info("opening", "key", testKey, "config", cfg, slog.Any("any", testKey))
	}
	shown = append(shown, logs.String())
	for _, s := range shown {
		if strings.Contains(s, secretPart) {
			t.Errorf("key shown in %q", s)
		}
	}
	if got := fmt.Sprint(testKey); got != "rk_test_[REDACTED]" {
		t.Errorf("Sprint(key) = %q, want the kind and mode kept", got)
	}
}

func TestKeyPolicy(t *testing.T) {
	for _, tc := range []struct {
		name        string
		key         stripesrc.Key
		allowSecret bool
		want        error // nil: accepted
	}{
		{"restricted live", "rk_live_abc123", false, nil},
		{"restricted test", "rk_test_abc123", false, nil},
		{"restricted with newline", "rk_live_abc123\n", false, nil},
		{"secret refused", "sk_live_abc123", false, stripesrc.ErrSecretKey},
		{"secret test refused", "sk_test_abc123", false, stripesrc.ErrSecretKey},
		{"secret allowed", "sk_live_abc123", true, nil},
		{"publishable", "pk_live_abc123", true, stripesrc.ErrKeyFormat},
		{"empty", "", true, stripesrc.ErrKeyFormat},
		{"prefix only", "rk_live_", false, stripesrc.ErrKeyFormat},
		{"not a key", "hunter2hunter2", true, stripesrc.ErrKeyFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stripesrc.Open(tc.key, &stripesrc.Options{AllowSecretKey: tc.allowSecret})
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Open: got %v, want %v", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "abc123") {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
	msg := stripesrc.ErrSecretKey.Error()
	for _, s := range []string{"restricted key", "Subscriptions", "Read", "rk_", "AllowSecretKey"} {
		if !strings.Contains(msg, s) {
			t.Errorf("ErrSecretKey does not say %q: %s", s, msg)
		}
	}
}

func TestWriteNeverReachesServer(t *testing.T) {
	fake := stripetest.Start(t, simple(1)...)
	src := open(t, fake, nil)
	api := src.Client()
	_, err := api.Subscriptions.Cancel("sub_00000", nil)
	assertRefused(t, err, "DELETE /v1/subscriptions/sub_00000")
	_, err = api.Subscriptions.Update("sub_00000", &stripe.SubscriptionParams{
		CancelAtPeriodEnd: stripe.Bool(true)})
	assertRefused(t, err, "POST /v1/subscriptions/sub_00000")
	_, err = api.Refunds.New(&stripe.RefundParams{Charge: stripe.String("ch_1")})
	assertRefused(t, err, "POST /v1/refunds")
	// A raw request through the same backend is refused too.
	err = api.Subscriptions.B.Call(http.MethodPatch, "/v1/customers/cus_1", "", nil,
		&stripe.Customer{})
	assertRefused(t, err, "PATCH /v1/customers/cus_1")
	if reqs := fake.Requests(); len(reqs) != 0 {
		t.Errorf("server saw %d requests, want none: %+v", len(reqs), reqs)
	}
	// Reads through the same client still work, and carry the key.
	fake.RequireKey(string(testKey))
	if _, err := api.Subscriptions.Get("sub_00000", nil); err != nil {
		t.Errorf("read through Client: %v", err)
	}
	if strings.Contains(api.Subscriptions.Key, secretPart) {
		t.Error("stripe-go's client holds the key")
	}
}

func assertRefused(t *testing.T, err error, methodPath string) {
	t.Helper()
	if !errors.Is(err, stripesrc.ErrWriteRefused) {
		t.Errorf("%s: got %v, want ErrWriteRefused", methodPath, err)
		return
	}
	if !strings.Contains(err.Error(), methodPath) {
		t.Errorf("error does not name %s: %v", methodPath, err)
	}
}

// TestKeyNeverInErrorsOrLogs makes the fake repeat the credentials it was
// sent in its error messages, which stripe-go puts into its own error
// strings, and checks that nothing the source returns or logs holds them.
func TestKeyNeverInErrorsOrLogs(t *testing.T) {
	fake := stripetest.Start(t, simple(30)...)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	src := open(t, fake, &stripesrc.Options{Logger: logger, MaxRetries: 2, PageSize: 10})
	var shown []string
	show := func(err error) {
		if err == nil {
			t.Fatal("expected an error")
		}
		shown = append(shown, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
			shown = append(shown, e.Error())
		}
	}

	fake.RequireKey("rk_test_another")
	_, err := collect(context.Background(), src)
	show(err)
	var ae *stripesrc.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized {
		t.Errorf("got %v, want a 401 APIError", err)
	}
	_, err = src.Subscription(context.Background(), "sub_00001")
	show(err)
	var se *stripe.Error
	if errors.As(err, &se) {
		t.Error("stripe-go's error, whose text is the server's, is reachable")
	}

	fake.RequireKey("")
	fake.Inject(stripetest.FirstN(100, stripetest.PermissionDenied))
	_, err = src.Subscription(context.Background(), "sub_00001")
	show(err)

	fake.Inject(stripetest.FirstN(200, stripetest.ServerError)) // retried, then logged
	_, err = collect(context.Background(), src)
	show(err)
	shown = append(shown, logs.String(), fmt.Sprintf("%+v %#v", src, src))
	if !strings.Contains(logs.String(), "retrying") {
		t.Error("retries were not logged; the log check proves nothing")
	}
	for _, s := range shown {
		if strings.Contains(s, secretPart) || strings.Contains(s, "rk_test_another") {
			t.Errorf("key shown in %q", s)
		}
	}
	if !strings.Contains(strings.Join(shown, "\n"), "authorization was 'Bearer [REDACTED]'") {
		t.Error("the server's echo of the credentials is not in the errors; " +
			"the check proves nothing")
	}
}
