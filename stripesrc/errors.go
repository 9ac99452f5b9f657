package stripesrc

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	stripe "github.com/stripe/stripe-go/v76"
)

// APIError is an error answer from Stripe, reduced to what helps a caller
// decide what to do. Every text field has every key and credential
// removed, since the server chose them all. It stands in for stripe-go's
// own error, which is not returned because its text is whatever the
// server sent.
type APIError struct {
	StatusCode int    // HTTP status, such as 403 or 429
	Type       string // Stripe's error type, such as "invalid_request_error"
	Code       string // Stripe's error code, such as "resource_missing"
	Message    string // Stripe's message
	RequestID  string // Stripe's request id, for support
	// RateLimitReason is the Stripe-Rate-Limited-Reason header of a 429
	// answer, such as "global-rate"; empty otherwise.
	RateLimitReason string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("stripe answered %d", e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RateLimitReason != "" {
		s += " (rate limited: " + e.RateLimitReason + ")"
	}
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	return s
}

// Retryable reports whether retrying later may succeed: rate limits and
// server errors.
func (e *APIError) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// cleanError carries an error's text with keys removed, and unwraps only to
// the errors callers branch on, never to an error whose text could hold a
// key.
type cleanError struct {
	msg    string
	causes []error
}

func (e *cleanError) Error() string   { return e.msg }
func (e *cleanError) Unwrap() []error { return e.causes }

// clean turns an error from stripe-go or the transport into one that is
// safe to show: stripe-go's API errors become [*APIError], and every other
// error keeps its text, scrubbed of keys, and its context and write-refusal
// causes.
func (s *Source) clean(err error) error {
	if err == nil {
		return nil
	}
	var se *stripe.Error
	if errors.As(err, &se) {
		return s.apiError(se)
	}
	ce := &cleanError{msg: scrub(err.Error(), *s.key)}
	for _, target := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, target) {
			ce.causes = append(ce.causes, target)
		}
	}
	var wr *WriteRefusedError
	if errors.As(err, &wr) {
		ce.causes = append(ce.causes, wr)
	}
	return ce
}

func (s *Source) apiError(se *stripe.Error) *APIError {
	e := &APIError{
		StatusCode: se.HTTPStatusCode,
		Type:       string(se.Type),
		Code:       string(se.Code),
		Message:    se.Msg,
		RequestID:  se.RequestID,
	}
	if r := se.LastResponse; r != nil && r.Header != nil {
		e.RateLimitReason = r.Header.Get(rateLimitReasonHeader)
	}
	e.scrub(*s.key)
	return e
}

// scrub removes keys from every text field of e: the server chose them
// all, and may have echoed the credentials it was sent into any of them.
func (e *APIError) scrub(k Key) {
	for _, f := range []*string{
		&e.Type, &e.Code, &e.Message, &e.RequestID, &e.RateLimitReason,
	} {
		*f = scrub(*f, k)
	}
}

// permanent reports whether err is an answer from Stripe that no retry
// will change, such as a missing permission.
func permanent(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && !ae.Retryable() && ae.StatusCode >= 400
}
