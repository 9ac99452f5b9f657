package compare

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// LinkBy names a way of tying a subscription to an account.
type LinkBy string

// The link strategies.
const (
	BySubscriptionID LinkBy = "subscription_id" // grant's subscription id
	ByCustomerID     LinkBy = "customer_id"     // grant's customer id
	ByMetadata       LinkBy = "metadata"        // a metadata value naming the account id
)

// Link is one link strategy. Key is the metadata key for [ByMetadata] and
// must be empty otherwise.
type Link struct {
	By  LinkBy `json:"by"`
	Key string `json:"key,omitempty"`
}

func (l Link) String() string {
	if l.By == ByMetadata {
		return "metadata:" + l.Key
	}
	return string(l.By)
}

// DefaultLinks is the link order used when a profile names none.
var DefaultLinks = []Link{{By: BySubscriptionID}, {By: ByCustomerID}}

// Plan describes an internal plan.
type Plan struct {
	// Family groups plans that replace one another (basic, pro, team are
	// one family; an add-on is its own). Empty means the plan's own name.
	Family string `json:"family,omitempty"`
	// PerSeat marks a plan billed by quantity, whose seats are compared.
	PerSeat bool `json:"per_seat,omitempty"`
}

// Profile says how one workspace's Stripe data maps onto its access data.
// The zero value links by subscription id then customer id, maps no prices
// and applies [DefaultPolicy]. A Profile is read, never changed, by
// [Compare]; it is safe to share between goroutines that do not modify it.
type Profile struct {
	// Links are tried in order; nil means [DefaultLinks].
	Links []Link `json:"links,omitempty"`

	// Prices resolve an item's price to an internal plan: first by price
	// id, then by lookup key, then by product id.
	PriceIDs   map[string]string `json:"price_ids,omitempty"`
	LookupKeys map[string]string `json:"lookup_keys,omitempty"`
	ProductIDs map[string]string `json:"product_ids,omitempty"`

	// Plans describes internal plans by name. A plan that is not listed
	// is its own family and not per seat.
	Plans map[string]Plan `json:"plans,omitempty"`

	// NoBilling lists internal plans that need no Stripe subscription
	// (free, staff, partner). Access on such a plan with nothing billed
	// raises nothing.
	NoBilling []string `json:"no_billing,omitempty"`

	Policy Policy `json:"policy"`

	// ExpiryTolerance is how far apart Stripe's effective end and the
	// internal expiry may be before a period_mismatch is raised; zero
	// means the two must name the same second.
	ExpiryTolerance Duration `json:"expiry_tolerance,omitempty"`

	// Severity overrides the default severity of a kind; kinds not
	// listed keep theirs.
	Severity map[Kind]Severity `json:"severity,omitempty"`
}

// Validate reports the first problem that makes the profile unusable,
// naming the field.
func (p *Profile) Validate() error {
	for i, l := range p.Links {
		switch l.By {
		case BySubscriptionID, ByCustomerID:
			if l.Key != "" {
				return fmt.Errorf("links[%d]: key %q is only for %q", i, l.Key, ByMetadata)
			}
		case ByMetadata:
			if l.Key == "" {
				return fmt.Errorf("links[%d]: metadata link needs a key", i)
			}
		default:
			return fmt.Errorf("links[%d]: unknown link strategy %q", i, l.By)
		}
	}
	for _, m := range []struct {
		name string
		m    map[string]string
	}{{"price_ids", p.PriceIDs}, {"lookup_keys", p.LookupKeys},
		{"product_ids", p.ProductIDs}} {
		for k, plan := range m.m {
			if plan == "" {
				return fmt.Errorf("%s[%q]: empty plan", m.name, k)
			}
		}
	}
	if p.ExpiryTolerance < 0 {
		return errors.New("expiry_tolerance: must not be negative")
	}
	for k, s := range p.Severity {
		if !slices.Contains(Kinds, k) {
			return fmt.Errorf("severity: unknown kind %q", k)
		}
		if !slices.Contains([]Severity{High, Medium, Low}, s) {
			return fmt.Errorf("severity[%s]: unknown severity %q", k, s)
		}
	}
	return p.Policy.validate()
}

func (p *Profile) links() []Link {
	if p.Links == nil {
		return DefaultLinks
	}
	return p.Links
}

// MetadataKeys returns the metadata keys the profile reads, in link order.
// Adapters keep these keys of a subscription's metadata and drop the rest.
func (p *Profile) MetadataKeys() []string {
	var keys []string
	for _, l := range p.links() {
		if l.By == ByMetadata && !slices.Contains(keys, l.Key) {
			keys = append(keys, l.Key)
		}
	}
	return keys
}

// Duration is a time.Duration that encodes in JSON as a Go duration string
// such as "24h".
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(time.Duration(d).String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
