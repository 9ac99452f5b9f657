package stripesrc

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
)

// Key is a Stripe API key. Printing it in any way (fmt verbs, slog,
// encoding/json or any other text marshaller) shows only its kind and mode,
// such as "rk_live_[REDACTED]", never the secret. Convert it with string(k)
// only where the secret itself is needed.
//
// Hold keys as Keys in configuration structs, so that logging one does not
// leak it; [Open] takes a Key or a plain string.
type Key string

const redactedMark = "[REDACTED]"

// String returns the redacted key.
func (k Key) String() string { return k.redacted() }

// GoString returns the redacted key as a Go expression, for %#v.
func (k Key) GoString() string {
	return "stripesrc.Key(" + strconv.Quote(k.redacted()) + ")"
}

// Format writes the redacted key whatever the verb and flags.
func (k Key) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, k.GoString())
	case verb == 'q':
		io.WriteString(f, strconv.Quote(k.redacted()))
	default:
		io.WriteString(f, k.redacted())
	}
}

// LogValue implements [slog.LogValuer] with the redacted key.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.redacted()) }

// MarshalText returns the redacted key, so that encoding/json and other
// encoders never write the secret.
func (k Key) MarshalText() ([]byte, error) { return []byte(k.redacted()), nil }

// redacted keeps the prefix that names the kind and mode of a key (for
// example "rk_live_") and hides the rest.
func (k Key) redacted() string {
	if k == "" {
		return ""
	}
	return k.prefix() + redactedMark
}

// prefix returns the key's kind and mode, such as "rk_test_", or "" when
// the key has no recognised shape.
func (k Key) prefix() string {
	s := strings.TrimSpace(string(k))
	for _, kind := range []string{"rk_", "sk_", "pk_"} {
		for _, mode := range []string{"live_", "test_"} {
			if strings.HasPrefix(s, kind+mode) && len(s) > len(kind+mode) {
				return kind + mode
			}
		}
	}
	return ""
}

// ErrSecretKey is returned by [Open] for a full secret key (sk_…) when
// [Options.AllowSecretKey] is not set. Its message says how to create a
// restricted key instead.
var ErrSecretKey = errors.New("stripesrc: refusing a full secret key (sk_...), " +
	"which can change anything in the Stripe account; " +
	"create a restricted key that can only read subscriptions instead: " +
	"in the Stripe Dashboard open Developers > API keys > Create restricted key, " +
	"set Subscriptions to Read, leave every other resource at None, " +
	"and pass the new rk_... key (set Options.AllowSecretKey only if you accept the risk)")

// ErrKeyFormat is wrapped by the error [Open] returns for a key that is
// empty or not a Stripe secret or restricted key.
var ErrKeyFormat = errors.New("stripesrc: not a usable Stripe API key")

// checkKey applies the key policy: restricted keys are expected, secret
// keys need an explicit opt-in, anything else is refused. Errors never
// quote the key.
func checkKey(k Key, allowSecret bool) error {
	switch k.prefix() {
	case "rk_live_", "rk_test_":
		return nil
	case "sk_live_", "sk_test_":
		if allowSecret {
			return nil
		}
		return ErrSecretKey
	case "pk_live_", "pk_test_":
		return fmt.Errorf("%w: a publishable key (pk_...) cannot read subscriptions; "+
			"use a restricted key (rk_...) with Subscriptions set to Read", ErrKeyFormat)
	}
	if strings.TrimSpace(string(k)) == "" {
		return fmt.Errorf("%w: the key is empty", ErrKeyFormat)
	}
	return fmt.Errorf("%w: want a restricted key starting rk_live_ or rk_test_", ErrKeyFormat)
}

// keyPattern matches anything shaped like a Stripe secret, restricted or
// publishable key, and bearer credentials, wherever they appear in text.
var keyPattern = regexp.MustCompile(
	`\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z_]+|(?i:bearer|basic)\s+[^\s'"]+`)

// scrub removes k, and anything else that looks like a key or a credential,
// from s.
func scrub(s string, k Key) string {
	if secret := strings.TrimSpace(string(k)); secret != "" {
		s = strings.ReplaceAll(s, secret, k.redacted())
	}
	return keyPattern.ReplaceAllStringFunc(s, func(m string) string {
		if i := strings.IndexAny(m, " \t"); i > 0 {
			return m[:i] + " " + redactedMark
		}
		return Key(m).redacted()
	})
}
