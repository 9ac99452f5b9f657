package report

import (
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
	subs := slices.Clone(in.Subscriptions)
	slices.SortFunc(subs, func(a, b source.Subscription) int {
		return cmp.Compare(a.ID, b.ID)
	})
	grants := make([]canonGrant, len(in.Grants))
	for i, g := range in.Grants {
		grants[i] = canonGrant{g.AccountID, g.CustomerID, g.SubscriptionID,
			g.Plan, g.Seats, g.Active, g.Expires}
	}
	slices.SortFunc(grants, func(a, b canonGrant) int {
		return cmp.Compare(string(mustJSON(a)), string(mustJSON(b)))
	})
	return Digests{
		Profile: sum(mustJSON(p)),
		Billing: sum(mustJSON(subs)),
		Access:  sum(mustJSON(grants)),
	}
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
