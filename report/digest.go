package report

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/driftexact/driftexact/compare"
	"github.com/driftexact/driftexact/source"
)

// Digests fingerprint what a report was computed from, so two reports can be
// shown to rest on the same input. Each is the hex SHA-256 of a canonical
// encoding that does not depend on the order records arrived in.
type Digests struct {
	Profile string `json:"profile"` // the profile, policy included
	// Policy is the access policy as applied, defaults filled in, so two
	// profiles that spell the same policy differently digest alike. [New]
	// sets it.
	Policy  string `json:"policy"`
	Billing string `json:"billing"` // the normalised subscriptions
	Access  string `json:"access"`  // the normalised grants
}

// Digest computes the digests of a comparison's input and profile. A nil
// profile digests as the zero profile. It leaves Policy empty: only the
// comparison knows the policy it applied, and [New] takes it from there.
func Digest(in compare.Input, p *compare.Profile) Digests {
	if p == nil {
		p = &compare.Profile{}
	}
	grants := make([]canonGrant, len(in.Grants))
	for i, g := range in.Grants {
		grants[i] = canonGrant{g.AccountID, g.CustomerID, g.SubscriptionID,
			g.Plan, g.Seats, g.Active, g.Expires}
	}
	billing := []byte("null") // as the encoding of a nil slice
	if in.Subscriptions != nil {
		billing = canonList(in.Subscriptions,
			func(s source.Subscription) string { return s.ID })
	}
	access := canonList(grants, func(canonGrant) string { return "" })
	return Digests{
		Profile: sum(mustJSON(p)),
		Billing: sum(billing),
		Access:  sum(access),
	}
}

// canonList encodes each item once and returns the JSON array of the
// encodings sorted by key, then by encoding, so that the result does not
// depend on the order of items, even of items that share a key.
func canonList[T any](items []T, key func(T) string) []byte {
	type encoded struct {
		key string
		b   []byte
	}
	encs := make([]encoded, len(items))
	n := 2
	for i, it := range items {
		encs[i] = encoded{key(it), mustJSON(it)}
		n += len(encs[i].b) + 1
	}
	slices.SortFunc(encs, func(a, b encoded) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return bytes.Compare(a.b, b.b)
	})
	out := make([]byte, 0, n)
	out = append(out, '[')
	for i, e := range encs {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, e.b...)
	}
	return append(out, ']')
}

// canonGrant fixes the field names and order of a grant's encoding.
type canonGrant struct {
	Account      string    `json:"account"`
	Customer     string    `json:"customer"`
	Subscription string    `json:"subscription"`
	Plan         string    `json:"plan"`
	Seats        *int64    `json:"seats"`
	Active       bool      `json:"active"`
	Expires      time.Time `json:"expires"`
}

// mustJSON encodes values that cannot fail to encode: plain structs,
// strings, maps with string keys (sorted by encoding/json) and times.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("report: canonical encoding: " + err.Error())
	}
	return b
}

// policyDigest digests an applied policy. Its lists are sorted by
// compare and its grace map is encoded in key order.
func policyDigest(p compare.Policy) string { return sum(mustJSON(p)) }

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
