package stripetest

import (
	"math/rand/v2"
	"net/http"
)

// Fault is a way for the fake to fail a request instead of answering it.
type Fault int

const (
	// NoFault answers the request normally.
	NoFault Fault = iota
	// RateLimited answers 429 with a Stripe-Rate-Limited-Reason header of
	// "global-rate", as Stripe does when a key sends too much.
	RateLimited
	// RateLimitedNoReason answers 429 without the reason header, as
	// Stripe does for lock timeouts and some older limits.
	RateLimitedNoReason
	// ServerError answers 500 with an api_error.
	ServerError
	// Unavailable answers 503.
	Unavailable
	// ConnectionReset closes the connection without an answer.
	ConnectionReset
	// PermissionDenied answers 403, as Stripe does when a restricted key
	// lacks the permission a request needs. Unlike the other faults, it is
	// not worth retrying.
	PermissionDenied
)

func (f Fault) String() string {
	switch f {
	case NoFault:
		return "none"
	case RateLimited:
		return "429 global-rate"
	case RateLimitedNoReason:
		return "429"
	case ServerError:
		return "500"
	case Unavailable:
		return "503"
	case ConnectionReset:
		return "connection reset"
	case PermissionDenied:
		return "403"
	}
	return "unknown fault"
}

// An Injector chooses the fault for a request: n counts the requests the
// server has received, from 1, and r is the request. It is called with
// the server's lock held, once per request, so it needs no locking of its
// own and must not call the server's methods.
type Injector func(n int, r *http.Request) Fault

// FirstN fails the first k requests with f.
func FirstN(k int, f Fault) Injector {
	return func(n int, _ *http.Request) Fault {
		if n <= k {
			return f
		}
		return NoFault
	}
}

// EveryNth fails every k-th request (the k-th, the 2k-th and so on) with f.
func EveryNth(k int, f Fault) Injector {
	return func(n int, _ *http.Request) Fault {
		if k > 0 && n%k == 0 {
			return f
		}
		return NoFault
	}
}

// Fraction fails about the share p (from 0 to 1) of requests with f. The
// choice depends only on seed and the request's number, so a run that
// sends requests in the same order fails the same ones.
func Fraction(p float64, seed uint64, f Fault) Injector {
	return func(n int, _ *http.Request) Fault {
		if rand.New(rand.NewPCG(seed, uint64(n))).Float64() < p {
			return f
		}
		return NoFault
	}
}

// OnPath applies in only to requests whose path is path, such as
// "/v1/subscription_items"; other requests pass without fault.
func OnPath(path string, in Injector) Injector {
	return func(n int, r *http.Request) Fault {
		if r.URL.Path != path {
			return NoFault
		}
		return in(n, r)
	}
}
