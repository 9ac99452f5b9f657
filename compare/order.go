package compare

import (
	"cmp"
	"slices"
	"strings"
)

// findingLog collects findings in fixed-size chunks, so that growing it
// never copies the findings already made.
type findingLog struct {
	chunks [][]Finding
	n      int
}

const findingChunk = 1024

func (l *findingLog) add(f *Finding) {
	if l.n%findingChunk == 0 {
		l.chunks = append(l.chunks, make([]Finding, 0, findingChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, *f)
	l.n++
}

func (l *findingLog) at(i int32) *Finding {
	return &l.chunks[i/findingChunk][i%findingChunk]
}

// findingKey is what findings sort by first, kept small and together so
// that sorting touches little memory; ties fall back to compareFindings.
type findingKey struct {
	rank    int32 // severity, then kind
	idx     int32
	abbrev  uint64 // 8 bytes of the account after the prefix all share
	account string
	sub     string // first subscription id
}

// sortedFindings stamps fingerprints, sorts the findings and drops exact
// repeats (a record given twice yields the same finding twice).
func (c *comparison) sortedFindings() []Finding {
	var buf []byte
	keys := make([]findingKey, c.findings.n)
	for i := range keys {
		f := c.findings.at(int32(i))
		f.Fingerprint, buf = fingerprint(c.in.Workspace, f, buf)
		keys[i] = findingKey{rank: int32(f.Severity.rank()<<8 | f.Kind.rank()),
			idx: int32(i), account: f.Account}
		if len(f.Subscriptions) > 0 {
			keys[i].sub = f.Subscriptions[0]
		}
	}
	abbreviate(keys)
	slices.SortFunc(keys, func(a, b findingKey) int {
		switch {
		case a.rank != b.rank:
			return cmp.Compare(a.rank, b.rank)
		case a.abbrev != b.abbrev:
			return cmp.Compare(a.abbrev, b.abbrev)
		}
		if d := strings.Compare(a.account, b.account); d != 0 {
			return d
		}
		if d := strings.Compare(a.sub, b.sub); d != 0 {
			return d
		}
		return compareFindings(c.findings.at(a.idx), c.findings.at(b.idx))
	})
	out := make([]Finding, 0, len(keys))
	for _, k := range keys {
		f := c.findings.at(k.idx)
		// Repeats share a fingerprint; most neighbours differ in it.
		if n := len(out); n > 0 && out[n-1].Fingerprint == f.Fingerprint &&
			compareFindings(&out[n-1], f) == 0 {
			continue
		}
		out = append(out, *f)
	}
	c.findings = findingLog{}
	return out
}

// abbreviate sets each key's abbrev to the 8 bytes of its account that
// follow the prefix every account shares, big-endian and padded with
// zeros. Abbreviations keep the order of the accounts (equal ones may
// still differ), so most comparisons in a sort need not read the strings.
func abbreviate(keys []findingKey) {
	if len(keys) == 0 {
		return
	}
	prefix := keys[0].account
	for i := range keys {
		a := keys[i].account
		n := 0
		for n < len(prefix) && n < len(a) && prefix[n] == a[n] {
			n++
		}
		prefix = prefix[:n]
	}
	for i := range keys {
		var v uint64
		rest := keys[i].account[len(prefix):]
		for j := range 8 {
			v <<= 8
			if j < len(rest) {
				v |= uint64(rest[j])
			}
		}
		keys[i].abbrev = v
	}
}

// compareFindings orders findings by severity, kind, account and ids, with
// every remaining field as a tie-breaker so that the order is total. It
// stops at the first field that differs.
func compareFindings(a, b *Finding) int {
	if d := cmp.Compare(a.Severity.rank(), b.Severity.rank()); d != 0 {
		return d
	}
	if d := cmp.Compare(a.Kind.rank(), b.Kind.rank()); d != 0 {
		return d
	}
	// Unknown severities and kinds share a rank; their names decide.
	if a.Severity.rank() == unknownRank {
		if d := strings.Compare(string(a.Severity), string(b.Severity)); d != 0 {
			return d
		}
	}
	if a.Kind.rank() == unknownRank {
		if d := strings.Compare(string(a.Kind), string(b.Kind)); d != 0 {
			return d
		}
	}
	if d := strings.Compare(a.Account, b.Account); d != 0 {
		return d
	}
	if d := slices.Compare(a.Subscriptions, b.Subscriptions); d != 0 {
		return d
	}
	for _, p := range [...][2]string{
		{a.CustomerID, b.CustomerID}, {a.Price, b.Price}, {a.Plan, b.Plan},
		{string(a.Direction), string(b.Direction)}, {a.Field, b.Field},
		{a.Stripe, b.Stripe}, {a.Internal, b.Internal}, {a.Rule, b.Rule},
		{a.LinkedBy, b.LinkedBy}, {a.Fingerprint, b.Fingerprint},
	} {
		if d := strings.Compare(p[0], p[1]); d != 0 {
			return d
		}
	}
	if d := slices.Compare(a.Accounts, b.Accounts); d != 0 {
		return d
	}
	return slices.Compare(a.Tried, b.Tried)
}
