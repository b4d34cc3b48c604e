package auth

import (
	"context"
	"errors"
	"fmt"
)

// maxResponseLen is the largest decoded SASL response, in octets, that a
// server returned by NewServer accepts; a longer one fails with
// ErrResponseTooLong. RFC 4954, Section 4 makes 12288 octets the line length a
// server must accept for an AUTH exchange line. That limit applies to the
// base64 line; the decoded response is at most three quarters of it, so a
// response within this bound never came from a line the server had to
// refuse.
const maxResponseLen = 12288

// Sentinel errors returned by [NewServer], the servers it returns, and the
// in-memory [Users]. Every error this package returns from an exchange
// matches exactly one of them with [errors.Is]; the error text adds a
// reason but never a password, token or other secret the client sent.
//
// auth never picks SMTP replies (only submission does), but each sentinel
// names the reply of RFC 4954, Section 6 (and Section 4 for the syntax
// errors) that it stands for.
var (
	// ErrInvalidCredentials means the credentials were wrong, the user is
	// unknown, or the authorization identity was not granted. They are one
	// error on purpose so a client cannot tell them apart. Reply 535 5.7.8
	// (RFC 4954, Section 6).
	ErrInvalidCredentials = errors.New("auth: invalid credentials")

	// ErrMechanismTooWeak means server policy wants a stronger mechanism
	// for this user. An [Authenticator] returns it; this package never
	// decides it alone. Reply 534 5.7.9 (RFC 4954, Section 6).
	ErrMechanismTooWeak = errors.New("auth: mechanism too weak")

	// ErrEncryptionRequired means the mechanism sends a password or bearer
	// token in the clear and the connection is not under TLS. Reply 538
	// 5.7.11 (RFC 4954, Section 6; RFC 5068, Section 5; RFC 8314).
	ErrEncryptionRequired = errors.New("auth: encryption required for mechanism")

	// ErrTemporary means the credentials could not be checked now: the
	// [Authenticator] failed with an error of its own, the context ended,
	// or it broke its contract. The cause stays in the chain for logs.
	// Reply 454 4.7.0 (RFC 4954, Section 6).
	ErrTemporary = errors.New("auth: temporary authentication failure")

	// ErrMalformed means a client response does not follow the mechanism's
	// syntax (a PLAIN message without two NULs, invalid UTF-8, a bad
	// OAUTHBEARER GS2 header, a response after the exchange ended). Reply
	// 501 5.5.2 (RFC 4954, Section 4; the server itself answers undecodable
	// base64 the same way).
	ErrMalformed = errors.New("auth: malformed response")

	// ErrResponseTooLong means a decoded response is longer than 12288
	// octets, the AUTH line length of RFC 4954, Section 4. Reply 500 5.5.6
	// "Authentication Exchange line is too long" (RFC 4954, Section 6).
	// (Message lines too long are header.ErrLineTooLong, a different
	// reply.)
	ErrResponseTooLong = errors.New("auth: response too long")

	// ErrUnsupported means the mechanism is unknown or not available with
	// this [Authenticator] (for example EXTERNAL when it does not implement
	// [CertificateAuthenticator]). Reply 504 5.5.4 (RFC 4954, Section 4).
	ErrUnsupported = errors.New("auth: unsupported mechanism")
)

// sentinels lists the errors an exchange may end with.
var sentinels = [...]error{
	ErrInvalidCredentials, ErrMechanismTooWeak, ErrEncryptionRequired,
	ErrTemporary, ErrMalformed, ErrResponseTooLong, ErrUnsupported,
}

// isSentinel reports whether err matches one of the package's sentinels.
func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// authenticatorError turns an error returned by an Authenticator into one
// that matches a sentinel: ours pass through, anything else (a database
// error, a context error) becomes ErrTemporary with the cause kept in the
// chain, RFC 4954 Section 6's "temporary authentication failure".
func authenticatorError(err error) error {
	if isSentinel(err) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrTemporary, err)
	}
	return fmt.Errorf("%w: authenticator: %w", ErrTemporary, err)
}

// malformed returns ErrMalformed with a reason that never includes client
// data.
func malformed(mech, reason string) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformed, mech, reason)
}
