package report

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Integrity seals a report: a digest of its canonical encoding and,
// optionally, a signature made with a key the caller holds. The zero value
// means the report is not sealed.
type Integrity struct {
	// Digest is "sha256:" and the hex SHA-256 of [Report.Canonical].
	Digest string `json:"digest"`
	// Signature is "hmac-sha256:" and the hex HMAC-SHA256, under the
	// signing key, of the key id and the canonical encoding (see
	// [Report.Sign]); empty when unsigned.
	Signature string `json:"signature,omitempty"`
	// KeyID names the signing key for whoever verifies; chosen by the
	// signer, it may be empty and is never the key itself.
	KeyID string `json:"key_id,omitempty"`
}

// The prefixes that name the integrity algorithms.
const (
	digestPrefix    = "sha256:"
	signaturePrefix = "hmac-sha256:"
)

// MinKeySize is the shortest signing key, in bytes, that [Report.Sign],
// [Verify] and [NewMasker] accept. Use 32 random bytes.
const MinKeySize = 16

var (
	// ErrTampered reports that a report's bytes do not match its seal.
	ErrTampered = errors.New("report: integrity check failed")
	// ErrUnsigned reports that a key was given to [Verify] but the report
	// carries no signature.
	ErrUnsigned = errors.New("report: report is not signed")
)

// errShortKey never names the key, only its problem.
var errShortKey = fmt.Errorf("report: key is shorter than %d bytes", MinKeySize)

// Canonical returns the encoding that the digest and signature cover: the
// report as encoding/json writes it without indentation (members in
// schema order, "<", ">" and "&" escaped as \u003c, \u003e and \u0026),
// with the integrity member left out. It fails only for a value JSON
// cannot hold, such as a time after year 9999.
func (r *Report) Canonical() ([]byte, error) {
	c := *r
	c.Integrity = Integrity{}
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("report: canonical encoding: %w", err)
	}
	return b, nil
}

// Seal recomputes the report's digest and drops any signature. Call it
// after changing a report that [New] built; [Report.Sign] seals anew by
// itself. Seal changes r: do not call it while r is read elsewhere.
func (r *Report) Seal() error {
	r.Integrity = Integrity{}
	b, err := r.Canonical()
	if err != nil {
		return err
	}
	r.Integrity.Digest = digestOf(b)
	return nil
}

// Sign seals r and signs it with key, an HMAC-SHA256 key of at least
// [MinKeySize] bytes that the caller keeps secret. keyID, which may be
// empty, is written beside the signature so a verifier knows which key to
// use, and is signed too. The signed message is the text
// "driftexact-report-v1", a NUL byte, the key id, a NUL byte and the
// canonical encoding. Sign changes r: do not call it while r is read
// elsewhere. The key appears in no output and no error.
func (r *Report) Sign(key []byte, keyID string) error {
	if len(key) < MinKeySize {
		return errShortKey
	}
	if err := r.Seal(); err != nil {
		return err
	}
	b, err := r.Canonical()
	if err != nil {
		return err
	}
	r.Integrity.Signature = signatureOf(key, keyID, b)
	r.Integrity.KeyID = keyID
	return nil
}

// Verify checks a report exactly as [WriteJSON] wrote it and returns the
// decoded report. Any change to data makes it fail with an error wrapping
// [ErrTampered]: a change of content breaks the digest, and a change of
// form (spacing, escapes, member names, extra members) makes the bytes
// differ from the report's own encoding.
//
// With a nil key, Verify checks the digest only, which guards against
// accidental change: anyone can recompute a digest. With a key, it also
// requires a valid signature, which only a holder of the key can make,
// and returns an error wrapping [ErrUnsigned] for a report without one.
func Verify(data, key []byte) (*Report, error) {
	if key != nil && len(key) < MinKeySize {
		return nil, errShortKey
	}
	r, err := decodeReport(data)
	if err != nil {
		return nil, err
	}
	var again bytes.Buffer
	if err := WriteJSON(&again, r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTampered, err)
	}
	if !bytes.Equal(again.Bytes(), data) {
		return nil, fmt.Errorf("%w: bytes differ from the report's own encoding", ErrTampered)
	}
	b, err := r.Canonical()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTampered, err)
	}
	if r.Integrity.Digest != digestOf(b) {
		return nil, fmt.Errorf("%w: digest does not match the content", ErrTampered)
	}
	if err := checkVersion(data); err != nil {
		return nil, err
	}
	if key == nil {
		return r, nil
	}
	if r.Integrity.Signature == "" {
		return nil, ErrUnsigned
	}
	want := signatureOf(key, r.Integrity.KeyID, b)
	if !hmac.Equal([]byte(r.Integrity.Signature), []byte(want)) {
		return nil, fmt.Errorf("%w: signature does not match", ErrTampered)
	}
	return r, nil
}

// decodeReport decodes one JSON report and nothing else, refusing members
// the model does not have.
func decodeReport(data []byte) (*Report, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		if err := checkVersion(data); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: not a report: %v", ErrTampered, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the report", ErrTampered)
	}
	if !strings.HasPrefix(r.Integrity.Digest, digestPrefix) {
		return nil, fmt.Errorf("%w: report is not sealed", ErrTampered)
	}
	return &r, nil
}

// checkVersion reports a report of another schema version, which this
// package cannot vouch for. It is asked only once the data has failed to
// decode as version 1, or has passed the digest check, so that a changed
// version number counts as tampering.
func checkVersion(data []byte) error {
	var v struct {
		SchemaVersion *int `json:"schema_version"`
	}
	if json.Unmarshal(data, &v) == nil && v.SchemaVersion != nil &&
		*v.SchemaVersion != SchemaVersion {
		return fmt.Errorf("report: schema version %d is not supported (want %d)",
			*v.SchemaVersion, SchemaVersion)
	}
	return nil
}

func digestOf(b []byte) string {
	h := sha256.Sum256(b)
	return digestPrefix + hex.EncodeToString(h[:])
}

func signatureOf(key []byte, keyID string, b []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("driftexact-report-v1\x00" + keyID + "\x00"))
	m.Write(b)
	return signaturePrefix + hex.EncodeToString(m.Sum(nil))
}
