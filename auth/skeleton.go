// Package auth: TEMPORARY SKELETON. The auth helper replaces this file with the
// real implementation. The exported API below is the contract policy,
// submission and examples code against; it may grow, these shapes stay.
package auth

import (
	"context"
	"crypto/x509"
	"errors"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/msakit/msakit/envelope"
)

// Identity is who the client authenticated as (RFC 4954).
type Identity struct {
	AuthenticationID string           // the name whose credentials were checked
	AuthorizationID  string           // the identity to act as; "" = same as AuthenticationID
	Mechanism        string           // SASL mechanism name, e.g. "PLAIN"
	At               time.Time        // when authentication succeeded
	Address          envelope.Mailbox // the user's own address, zero if unknown
}

// User returns AuthorizationID when set, else AuthenticationID.
func (id Identity) User() string {
	if id.AuthorizationID != "" {
		return id.AuthorizationID
	}
	return id.AuthenticationID
}

// IsZero reports whether the identity is unset (not authenticated).
func (id Identity) IsZero() bool { return id.AuthenticationID == "" }

// Errors; submission maps them to RFC 4954 replies.
var (
	ErrInvalidCredentials = errors.New("auth: invalid credentials")               // 535 5.7.8
	ErrMechanismTooWeak   = errors.New("auth: mechanism too weak")                // 534 5.7.9
	ErrEncryptionRequired = errors.New("auth: encryption required for mechanism") // 538 5.7.11
	ErrTemporary          = errors.New("auth: temporary authentication failure")  // 454 4.7.0
	ErrMalformed          = errors.New("auth: malformed response")                // 501 5.5.2
	ErrLineTooLong        = errors.New("auth: line too long")                     // 500 5.5.6
	ErrUnsupported        = errors.New("auth: unsupported mechanism")             // 504 5.5.4
)

// Authenticator checks credentials. A server implements it.
type Authenticator interface {
	// AuthenticatePassword checks a user name and password (PLAIN, LOGIN).
	AuthenticatePassword(ctx context.Context, authzid, username, password string) (Identity, error)
}

// TokenAuthenticator is an optional add-on to Authenticator for OAUTHBEARER (RFC 7628).
type TokenAuthenticator interface {
	AuthenticateToken(ctx context.Context, authzid, token string) (Identity, error)
}

// CertificateAuthenticator is an optional add-on for EXTERNAL (TLS client certificate).
type CertificateAuthenticator interface {
	AuthenticateCertificate(ctx context.Context, authzid string, chains [][]*x509.Certificate) (Identity, error)
}

// ConnState is what the mechanisms need to know of the connection.
type ConnState struct {
	TLS            bool
	VerifiedChains [][]*x509.Certificate
}

// Mechanisms lists the mechanisms to advertise: no PLAIN/LOGIN without TLS.
func Mechanisms(c ConnState, a Authenticator) []string { return nil }

// NewServer returns a SASL server for mech. done is called once, with the
// identity, after a successful exchange.
func NewServer(ctx context.Context, mech string, c ConnState, a Authenticator, now func() time.Time, done func(Identity)) (sasl.Server, error) {
	return nil, ErrUnsupported
}

// SenderAuthorizer decides which addresses an identity may use (RFC 6409, Section 6.1).
type SenderAuthorizer interface {
	AuthorizeSender(ctx context.Context, id Identity, m envelope.Mailbox) (bool, error)
}

// SenderAuthorizerFunc adapts a function to SenderAuthorizer.
type SenderAuthorizerFunc func(ctx context.Context, id Identity, m envelope.Mailbox) (bool, error)

func (f SenderAuthorizerFunc) AuthorizeSender(ctx context.Context, id Identity, m envelope.Mailbox) (bool, error) {
	return f(ctx, id, m)
}

// Senders is the in-memory SenderAuthorizer.
type Senders struct{}

// NewSenders returns an empty Senders; SubaddressSep "" disables subaddressing.
func NewSenders(subaddressSep string) *Senders { return &Senders{} }

// Allow lets user send as each pattern: "alice@example.org", "@example.org" (whole domain).
func (s *Senders) Allow(user string, patterns ...string) error { return nil }

func (s *Senders) AuthorizeSender(ctx context.Context, id Identity, m envelope.Mailbox) (bool, error) {
	return false, nil
}

// Users is the in-memory Authenticator (constant-time comparison, RFC 8265 names).
type Users struct{}

// NewUsers returns an empty user store.
func NewUsers() *Users { return &Users{} }

// Add adds a user with a password and primary address.
func (u *Users) Add(name, password string, address envelope.Mailbox) error { return nil }

func (u *Users) AuthenticatePassword(ctx context.Context, authzid, username, password string) (Identity, error) {
	return Identity{}, ErrInvalidCredentials
}
