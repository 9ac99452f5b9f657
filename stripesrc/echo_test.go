package stripesrc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driftexact/driftexact/stripesrc"
)

// echoKey answers every request with status, repeating the credentials it
// was sent in every text the source may show: the error's type, code and
// message, and the request id and rate-limit reason headers.
func echoKey(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sent := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("Request-Id", "req-"+sent)
		w.Header().Set("Stripe-Rate-Limited-Reason", "x-"+sent)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"type":%q,"code":%q,"message":%q}}`,
			"t-"+sent, "c-"+sent, "bad "+sent+" and Bearer "+sent)
	}
}

// TestServerEchoOfKeyIsScrubbed reads from a server that repeats the key
// in every field and header of its errors, and checks that no error, in
// any format, and no debug log record holds it.
func TestServerEchoOfKeyIsScrubbed(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusTooManyRequests} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := httptest.NewServer(echoKey(status))
			defer srv.Close()
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs,
				&slog.HandlerOptions{Level: slog.LevelDebug}))
			src, err := stripesrc.Open(testKey, &stripesrc.Options{
				BaseURL: srv.URL, Logger: logger, MaxRetries: 1, Workers: 1,
				RetryWait: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			stripesrc.Unthrottle(src)
			_, listErr := collect(context.Background(), src)
			_, getErr := src.Subscription(context.Background(), "sub_1")
			for _, err := range []error{listErr, getErr} {
				checkScrubbedError(t, err, status)
			}
			if status == http.StatusTooManyRequests {
				checkScrubbedLog(t, logs.String())
			}
		})
	}
}

// checkScrubbedError checks that err is an APIError with every text field
// filled from the echo, scrubbed, and that no format of err shows the key.
func checkScrubbedError(t *testing.T, err error, status int) {
	t.Helper()
	var ae *stripesrc.APIError
	if !errors.As(err, &ae) || ae.StatusCode != status {
		t.Fatalf("got %v, want an APIError with status %d", err, status)
	}
	v := reflect.ValueOf(*ae)
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.String {
			continue
		}
		name := v.Type().Field(i).Name
		if !strings.Contains(f.String(), "rk_test_[REDACTED]") {
			t.Errorf("APIError.%s = %q, want the echoed key, redacted", name, f.String())
		}
	}
	shown := []string{err.Error(), fmt.Sprintf("%v", err),
		fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%#v", *ae)}
	for _, s := range shown {
		if strings.Contains(s, secretPart) {
			t.Errorf("key shown in %q", s)
		}
	}
}

// checkScrubbedLog checks that a retry was logged with the echoed reason,
// redacted.
func checkScrubbedLog(t *testing.T, logs string) {
	t.Helper()
	if !strings.Contains(logs, "retrying") ||
		!strings.Contains(logs, "x-rk_test_[REDACTED]") {
		t.Errorf("no retry logged with the echoed reason; the check proves nothing: %s", logs)
	}
	if strings.Contains(logs, secretPart) {
		t.Errorf("key in the log: %s", logs)
	}
}

// TestRedirectIsNotFollowed answers every request with a redirect to a
// second server and checks that the second server hears nothing and the
// error names the status but not where the redirect pointed.
func TestRedirectIsNotFollowed(t *testing.T) {
	var heard atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		heard.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"object":"list","has_more":false,"data":[]}`)
	}))
	defer other.Close()
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				to := other.URL + r.URL.Path + "?where=elsewhere-marker"
				http.Redirect(w, r, to, status)
			}))
			defer srv.Close()
			src, err := stripesrc.Open(testKey, &stripesrc.Options{
				BaseURL: srv.URL, Workers: 1, MaxRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			stripesrc.Unthrottle(src)
			_, listErr := collect(context.Background(), src)
			_, getErr := src.Subscription(context.Background(), "sub_1")
			for _, err := range []error{listErr, getErr} {
				if err == nil || !strings.Contains(err.Error(), fmt.Sprint(status)) ||
					!strings.Contains(err.Error(), "redirects are never followed") {
					t.Errorf("got %v, want an error naming status %d", err, status)
				} else if strings.Contains(err.Error(), "elsewhere-marker") {
					t.Errorf("error shows where the redirect pointed: %v", err)
				}
			}
			if n := heard.Load(); n != 0 {
				t.Errorf("the redirect's target heard %d requests, want none", n)
			}
		})
	}
}
