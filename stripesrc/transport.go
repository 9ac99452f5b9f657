package stripesrc

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrWriteRefused is wrapped by the error returned when anything other than
// a GET request is attempted through the source's HTTP client.
var ErrWriteRefused = errors.New("stripesrc: only GET requests are allowed")

// WriteRefusedError reports a refused request. It names the method and path
// and never the query or headers, which may carry secrets.
type WriteRefusedError struct {
	Method string
	Path   string
}

func (e *WriteRefusedError) Error() string {
	return fmt.Sprintf("stripesrc: refused %s %s: the Stripe source is read-only", e.Method, e.Path)
}

// Unwrap returns [ErrWriteRefused].
func (e *WriteRefusedError) Unwrap() error { return ErrWriteRefused }

// readOnlyTransport refuses every request that is not a GET before it
// reaches the network.
type readOnlyTransport struct {
	next http.RoundTripper
}

func (t readOnlyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, &WriteRefusedError{Method: r.Method, Path: r.URL.Path}
	}
	return t.next.RoundTrip(r)
}
