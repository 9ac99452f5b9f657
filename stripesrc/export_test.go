package stripesrc

import (
	"encoding/json"
	"net/http"

	stripe "github.com/stripe/stripe-go/v76"
	"golang.org/x/time/rate"
)

// Unthrottle lifts the source's token bucket, so that tests that are not
// about the rate budget do not wait for it.
func Unthrottle(s *Source) { s.t.limiter.SetLimit(rate.Inf) }

// Get sends a GET for path, query included, through the source's client.
func Get(s *Source, path string) error {
	var v anyObject
	return s.clean(s.backend.Call(http.MethodGet, path, placeholderKey, nil, &v))
}

type anyObject map[string]json.RawMessage

func (*anyObject) SetLastResponse(*stripe.APIResponse) {}
