package agent

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// Token is a bearer token. Its underlying string is the secret; every way
// of printing, logging or encoding a Token shows [redacted] instead, so a
// Token that slips into an error, a log record or a JSON document leaks
// nothing. Convert it with string(t) only where the secret must be shown
// on purpose, as when a new token is handed to its owner.
type Token string

const redacted = "[redacted]"

// tokenPrefix marks tokens made by [NewToken], so that secret scanners and
// people can tell what a leaked string is.
const tokenPrefix = "dxa_"

// NewToken returns a new random token holding 256 bits from crypto/rand.
func NewToken() (Token, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("agent: new token: %w", err)
	}
	return Token(tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])), nil
}

// String returns [redacted].
func (t Token) String() string { return redacted }

// GoString returns [redacted], for %#v.
func (t Token) GoString() string { return redacted }

// Format writes [redacted] whatever the verb, so that no fmt verb prints
// the secret.
func (t Token) Format(f fmt.State, verb rune) { io.WriteString(f, redacted) }

// LogValue implements [slog.LogValuer]: a Token logs as [redacted].
func (t Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText implements [encoding.TextMarshaler], so JSON, XML and other
// encoders write [redacted].
func (t Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// TokenHash is the SHA-256 of a token. The agent keeps only these.
//
// A plain, unsalted SHA-256 is enough because tokens are long random
// strings: with 256 bits of entropy there is no dictionary to try and no
// point in a slow password hash. Do not use TokenHash for passwords or
// other secrets people choose.
type TokenHash [sha256.Size]byte

// HashToken returns the SHA-256 of t.
func HashToken(t Token) TokenHash { return sha256.Sum256([]byte(t)) }

// ParseTokenHash reads a hash written by [TokenHash.String]: 64 hexadecimal
// digits.
func ParseTokenHash(s string) (TokenHash, error) {
	var h TokenHash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("token hash: want %d hex digits, got %d", 2*len(h), len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, errors.New("token hash: not hexadecimal")
	}
	return h, nil
}

// String returns the hash as 64 lower-case hexadecimal digits. A hash is
// not a secret.
func (h TokenHash) String() string { return hex.EncodeToString(h[:]) }

// MinTokenLength is the shortest token the agent's tools accept for
// hashing. Tokens from [NewToken] are 47 characters long.
const MinTokenLength = 32
