package report

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/driftexact/driftexact/compare"
)

// Masker replaces account, customer and subscription ids with pseudonyms,
// for reports shared outside the team. A pseudonym is a keyed hash of the
// id, salted with the workspace: the same id masks the same way in every
// run that uses the same key, and the same id in two workspaces masks
// differently. Only a holder of the key can tell which id a pseudonym
// stands for, by masking candidate ids and comparing.
//
// A Masker is safe for concurrent use.
type Masker struct {
	workspace string
	key       []byte
}

// NewMasker returns a Masker for one workspace. key must hold at least
// [MinKeySize] bytes and stay with the team: an unkeyed hash of a
// guessable id (a sequential account number, an e-mail address) could be
// reversed by trying candidates. The key is copied.
func NewMasker(workspace string, key []byte) (*Masker, error) {
	if workspace == "" {
		return nil, errors.New("report: masker needs a workspace id")
	}
	if len(key) < MinKeySize {
		return nil, errShortKey
	}
	return &Masker{workspace: workspace, key: slices.Clone(key)}, nil
}

// Mask returns a masked copy of r, using key as [NewMasker] does.
func Mask(r *Report, key []byte) (*Report, error) {
	m, err := NewMasker(r.Workspace, key)
	if err != nil {
		return nil, err
	}
	return m.Mask(r)
}

// Account returns the pseudonym of an internal account id: "acct-" and 16
// hex digits. The empty id stays empty.
func (m *Masker) Account(id string) string { return m.pseudonym("acct", id) }

// Customer returns the pseudonym of a Stripe customer id: "cus-" and 16
// hex digits. The empty id stays empty.
func (m *Masker) Customer(id string) string { return m.pseudonym("cus", id) }

// Subscription returns the pseudonym of a Stripe subscription id: "sub-"
// and 16 hex digits. The empty id stays empty.
func (m *Masker) Subscription(id string) string { return m.pseudonym("sub", id) }

// Fingerprint returns the masked form of a finding's fingerprint: 32 hex
// digits, the same length as the original. Findings are told apart and
// followed across runs by fingerprint, so the masked form is as stable as
// the original, but it is keyed so that it cannot be used to test guesses
// of the ids the original was computed from.
func (m *Masker) Fingerprint(fp string) string {
	if fp == "" {
		return ""
	}
	return hex.EncodeToString(m.mac("fingerprint", fp)[:16])
}

func (m *Masker) pseudonym(class, id string) string {
	if id == "" {
		return ""
	}
	return class + "-" + hex.EncodeToString(m.mac(class, id)[:8])
}

// mac hashes one value of one class. The parts are separated by NUL
// bytes, which no id holds, so no two inputs share an encoding.
func (m *Masker) mac(class, v string) []byte {
	h := hmac.New(sha256.New, m.key)
	for _, part := range []string{"driftexact/mask/v1", class, m.workspace, v} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// Mask returns a sealed copy of r in which every account, customer and
// subscription id, and every fingerprint, is replaced, and Masked is set.
// r is not changed. Findings, notes and incomplete records are sorted
// again by their masked values, so the order gives nothing away either.
// Mask refuses a report of another workspace and one already masked. The
// package documentation says where ids are looked for.
func (m *Masker) Mask(r *Report) (*Report, error) {
	if r.Workspace != m.workspace {
		return nil, fmt.Errorf("report: masker for workspace %q cannot mask a report of %q",
			m.workspace, r.Workspace)
	}
	if r.Masked {
		return nil, errors.New("report: report is already masked")
	}
	t := m.table(r)
	out := *r
	out.Masked = true
	out.Policy.Entitling = slices.Clone(r.Policy.Entitling)
	out.Policy.Grace = maps.Clone(r.Policy.Grace)
	out.Coverage = t.coverage(r.Coverage)
	out.Findings = make([]compare.Finding, len(r.Findings))
	for i := range r.Findings {
		out.Findings[i] = t.finding(r.Findings[i])
	}
	sortFindings(out.Findings)
	out.Notes = nil
	for _, n := range r.Notes {
		out.Notes = append(out.Notes, compare.Note{
			Account:      t.account(n.Account),
			Subscription: t.subscription(n.Subscription),
			Text:         t.all.replace(n.Text),
		})
	}
	slices.SortFunc(out.Notes, compareNotes)
	out.Counts = count(out.Findings)
	out.History = t.history(r.History, out.Findings)
	if err := out.Seal(); err != nil {
		return nil, err
	}
	return &out, nil
}

// maskTable masks one report. Structured id fields are masked by their
// class. Free text is masked by [idText], in two strengths: the values of
// a finding hold Stripe ids, counts, times and plan names, and so only
// Stripe ids are replaced there (an account id "5" must not rewrite a
// seat count of 5); other free text has every known id replaced.
type maskTable struct {
	m      *Masker
	stripe *idText // customer and subscription ids
	all    *idText // those and account ids
	// exact maps every known id to its pseudonym, Stripe ids first.
	exact map[string]string
	// seen remembers pseudonyms by class and id: each id is hashed once.
	seen map[[2]string]string
}

func (t *maskTable) pseudonym(class, id string) string {
	k := [2]string{class, id}
	p, ok := t.seen[k]
	if !ok {
		p = t.m.pseudonym(class, id)
		t.seen[k] = p
	}
	return p
}

func (t *maskTable) account(id string) string      { return t.pseudonym("acct", id) }
func (t *maskTable) customer(id string) string     { return t.pseudonym("cus", id) }
func (t *maskTable) subscription(id string) string { return t.pseudonym("sub", id) }

func (m *Masker) table(r *Report) *maskTable {
	t := &maskTable{m: m, stripe: newIDText(), all: newIDText(),
		exact: map[string]string{}, seen: map[[2]string]string{}}
	t.stripe.shape, t.all.shape = t.shaped, t.shaped
	var accts, custs, subs []string
	for _, f := range r.Findings {
		accts = append(accts, f.Account)
		accts = append(accts, ambiguousAccounts(f)...)
		custs = append(custs, f.CustomerID)
		subs = append(subs, f.Subscriptions...)
	}
	for _, n := range r.Notes {
		accts = append(accts, n.Account)
		subs = append(subs, n.Subscription)
	}
	if h := r.History; h != nil {
		for _, e := range h.Entries {
			accts = append(accts, e.Account)
			custs = append(custs, e.CustomerID)
			subs = append(subs, e.Subscriptions...)
		}
	}
	for _, in := range r.Coverage.Incomplete {
		if in.Side == "access" {
			accts = append(accts, in.ID)
		} else {
			subs = append(subs, in.ID)
		}
	}
	// Stripe ids go in first: an id that is both a Stripe id and an
	// account id is replaced as the Stripe id in free text.
	for _, id := range subs {
		t.known(id, t.subscription(id), true)
	}
	for _, id := range custs {
		t.known(id, t.customer(id), true)
	}
	for _, id := range accts {
		t.known(id, t.account(id), false)
	}
	return t
}

// stripeIDPrefixes are the prefixes of the Stripe object ids that are
// masked in free text even when no id field of the report names them:
// objects that belong to one customer (customers, subscriptions and their
// items and schedules, invoices, payments, payment methods) and connected
// accounts. Prices ("price_") and products ("prod_") are left: they are
// the business's catalogue, the same for every customer, and an
// unmapped_price finding is useless without them. The class is the
// pseudonym's prefix; subscriptions, customers and accounts use the class
// of their id fields, so an id masks the same wherever it is found.
var stripeIDPrefixes = []struct{ prefix, class string }{
	{"sub_", "sub"}, {"cus_", "cus"}, {"acct_", "acct"}, {"si_", "si"},
	{"in_", "in"}, {"ii_", "ii"}, {"pi_", "pi"}, {"ch_", "ch"},
	{"pm_", "pm"}, {"seti_", "seti"},
}

// shaped returns the pseudonym of word when it is shaped like a Stripe
// object id of a masked kind: one of [stripeIDPrefixes] followed by ASCII
// letters, digits and underscores.
func (t *maskTable) shaped(word string) (string, bool) {
	for _, p := range stripeIDPrefixes {
		rest, ok := strings.CutPrefix(word, p.prefix)
		if ok && rest != "" && isASCIIWord(rest) {
			return t.pseudonym(p.class, word), true
		}
	}
	return "", false
}

func isASCIIWord(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 || !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

func (t *maskTable) known(id, pseudo string, stripe bool) {
	if id == "" {
		return
	}
	if _, ok := t.exact[id]; !ok {
		t.exact[id] = pseudo
	}
	if stripe {
		t.stripe.add(id, pseudo)
	}
	t.all.add(id, pseudo)
}

// ambiguousAccounts returns the accounts an ambiguous_identity finding
// lists in its internal value, where one Stripe id names several.
func ambiguousAccounts(f compare.Finding) []string {
	if f.Kind != compare.AmbiguousIdentity || f.Field != "account" || f.Internal == "" {
		return nil
	}
	return strings.Split(f.Internal, ", ")
}

func (t *maskTable) finding(f compare.Finding) compare.Finding {
	if accts := ambiguousAccounts(f); accts != nil {
		for i, a := range accts {
			accts[i] = t.account(a)
		}
		f.Internal = strings.Join(accts, ", ")
	} else {
		f.Internal = t.stripe.replace(f.Internal)
	}
	f.Stripe = t.stripe.replace(f.Stripe)
	f.Account = t.account(f.Account)
	f.CustomerID = t.customer(f.CustomerID)
	f.Subscriptions = t.subscriptions(f.Subscriptions)
	f.Rule = t.all.replace(f.Rule)
	f.Tried = slices.Clone(f.Tried)
	f.Fingerprint = t.m.Fingerprint(f.Fingerprint)
	t.otherFields(&f)
	return f
}

// subscriptions masks a list of subscription ids into a new, sorted list;
// an empty list stays as it was.
func (t *maskTable) subscriptions(ids []string) []string {
	if len(ids) == 0 {
		return ids
	}
	out := make([]string, len(ids))
	for i, s := range ids {
		out[i] = t.subscription(s)
	}
	slices.Sort(out)
	return out
}

// maskedFields are the fields of a finding that [maskTable.finding]
// masks, or keeps, by name.
var maskedFields = []string{
	"Kind", "Severity", "Direction", "Account", "CustomerID", "Subscriptions",
	"Plan", "Field", "Stripe", "Internal", "Rule", "LinkedBy", "Tried",
	"Fingerprint",
}

// otherFields masks the text fields of a finding that this package does
// not know by name, such as a field added to compare after this code was
// written: a value that is a known id whole becomes its pseudonym, and
// known ids inside other values are replaced. No id can leave through a
// field that masking has not heard of.
func (t *maskTable) otherFields(f *compare.Finding) {
	t.maskStrings(reflect.ValueOf(f).Elem(), maskedFields)
}

// maskStrings masks the string and string-list fields of the struct v,
// other than those named in skip.
func (t *maskTable) maskStrings(v reflect.Value, skip []string) {
	for i := range v.NumField() {
		sf := v.Type().Field(i)
		if !sf.IsExported() || slices.Contains(skip, sf.Name) {
			continue
		}
		fv := v.Field(i)
		switch {
		case fv.Kind() == reflect.String:
			fv.SetString(t.text(fv.String()))
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
			masked := reflect.MakeSlice(fv.Type(), fv.Len(), fv.Len())
			for j := range fv.Len() {
				masked.Index(j).SetString(t.text(fv.Index(j).String()))
			}
			fv.Set(masked)
		}
	}
}

func (t *maskTable) text(s string) string {
	if p, ok := t.exact[s]; ok {
		return p
	}
	return t.all.replace(s)
}

// history masks a history section the way findings are masked, and
// orders its entries by the masked findings fs.
func (t *maskTable) history(h *History, fs []compare.Finding) *History {
	if h == nil {
		return nil
	}
	out := *h
	out.Entries = make([]HistoryEntry, len(h.Entries))
	for i, e := range h.Entries {
		e.Fingerprint = t.m.Fingerprint(e.Fingerprint)
		e.Account = t.account(e.Account)
		e.CustomerID = t.customer(e.CustomerID)
		e.Subscriptions = t.subscriptions(e.Subscriptions)
		if e.Ack != nil {
			a := *e.Ack
			e.Ack = &a
		}
		t.maskStrings(reflect.ValueOf(&e).Elem(), maskedEntryFields)
		out.Entries[i] = e
	}
	sortEntries(out.Entries, fs)
	out.Counts = countHistory(out.Entries)
	return &out
}

// maskedEntryFields are the fields of a history entry that
// [maskTable.history] masks, or keeps, by name; any other text field is
// masked as free text.
var maskedEntryFields = []string{
	"Fingerprint", "Status", "Kind", "Severity", "Account", "CustomerID",
	"Subscriptions", "Plan",
}

func (t *maskTable) coverage(c compare.Coverage) compare.Coverage {
	c.Checks = slices.Clone(c.Checks)
	c.UnknownStatuses = slices.Clone(c.UnknownStatuses)
	c.OutOfScope = slices.Clone(c.OutOfScope)
	in := c.Incomplete
	c.Incomplete = nil
	for _, x := range in {
		id := t.subscription(x.ID)
		if x.Side == "access" {
			id = t.account(x.ID)
		}
		c.Incomplete = append(c.Incomplete, compare.Incomplete{
			Side: x.Side, ID: id, Reason: t.all.replace(x.Reason),
		})
	}
	slices.SortFunc(c.Incomplete, func(a, b compare.Incomplete) int {
		return cmp.Or(cmp.Compare(a.Side, b.Side), cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Reason, b.Reason))
	})
	return c
}

// idText replaces known ids where they stand whole in free text. An id
// that holds a letter is replaced wherever it is not part of a longer
// word; one without letters ("42") only where it stands in double quotes
// as Go's %q writes it, since bare digits in text are more often counts
// and dates than ids. A whole word that is no known id is then offered to
// shape, which may mask it too.
type idText struct {
	ids   map[string]string
	lens  []int // the distinct lengths of ids, longest first
	shape func(word string) (pseudo string, ok bool)
}

func newIDText() *idText { return &idText{ids: map[string]string{}} }

func (t *idText) add(raw, pseudo string) {
	if raw == "" {
		return
	}
	t.put(strconv.Quote(raw), strconv.Quote(pseudo))
	if strings.IndexFunc(raw, unicode.IsLetter) >= 0 {
		t.put(raw, pseudo)
	}
}

func (t *idText) put(raw, pseudo string) {
	if _, ok := t.ids[raw]; ok {
		return
	}
	t.ids[raw] = pseudo
	if !slices.Contains(t.lens, len(raw)) {
		t.lens = append(t.lens, len(raw))
		slices.SortFunc(t.lens, func(a, b int) int { return b - a })
	}
}

// replace scans s once, left to right, taking at each position the
// longest id that does not extend a word on either side.
func (t *idText) replace(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		raw, pseudo, ok := t.match(s, i)
		if !ok {
			raw, pseudo, ok = t.matchShape(s, i)
		}
		if !ok {
			i++
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(pseudo)
		i += len(raw)
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func (t *idText) match(s string, i int) (raw, pseudo string, ok bool) {
	for _, n := range t.lens {
		if i+n > len(s) {
			continue
		}
		raw := s[i : i+n]
		pseudo, ok := t.ids[raw]
		if !ok {
			continue
		}
		if isWordByte(raw[0]) && i > 0 && isWordByte(s[i-1]) {
			continue
		}
		if isWordByte(raw[n-1]) && i+n < len(s) && isWordByte(s[i+n]) {
			continue
		}
		return raw, pseudo, true
	}
	return "", "", false
}

// matchShape offers shape the word that starts at i, if one does.
func (t *idText) matchShape(s string, i int) (raw, pseudo string, ok bool) {
	if t.shape == nil || !isWordByte(s[i]) || i > 0 && isWordByte(s[i-1]) {
		return "", "", false
	}
	j := i + 1
	for j < len(s) && isWordByte(s[j]) {
		j++
	}
	pseudo, ok = t.shape(s[i:j])
	return s[i:j], pseudo, ok
}

// isWordByte reports whether b can be part of a word: an ASCII letter,
// digit or underscore, or any byte of a multi-byte UTF-8 sequence.
func isWordByte(b byte) bool {
	return b == '_' || b >= 0x80 ||
		'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

// sortFindings orders findings as compare does: by severity, kind,
// account, subscriptions and then every other field.
func sortFindings(fs []compare.Finding) {
	slices.SortStableFunc(fs, func(a, b compare.Finding) int {
		return cmp.Or(
			cmp.Compare(slices.Index(compare.Severities, a.Severity),
				slices.Index(compare.Severities, b.Severity)),
			cmp.Compare(slices.Index(compare.Kinds, a.Kind), slices.Index(compare.Kinds, b.Kind)),
			cmp.Compare(a.Account, b.Account),
			slices.Compare(a.Subscriptions, b.Subscriptions),
			cmp.Compare(a.CustomerID, b.CustomerID),
			cmp.Compare(a.Plan, b.Plan),
			cmp.Compare(a.Field, b.Field),
			cmp.Compare(a.Stripe, b.Stripe),
			cmp.Compare(a.Internal, b.Internal),
			cmp.Compare(a.Fingerprint, b.Fingerprint),
		)
	})
}

func compareNotes(a, b compare.Note) int {
	return cmp.Or(cmp.Compare(a.Account, b.Account),
		cmp.Compare(a.Subscription, b.Subscription), cmp.Compare(a.Text, b.Text))
}
