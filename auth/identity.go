package auth

import (
	"log/slog"
	"time"

	"github.com/msakit/msakit/envelope"
)

// Identity is who the client authenticated as with the SMTP AUTH command
// (RFC 4954, Section 4): the authentication identity whose credentials were
// checked and, when the client asked for one and was granted it, the
// authorization identity it acts as (RFC 4422, Section 2).
//
// The zero Identity means "not authenticated" (see [Identity.IsZero]).
// Identity is a plain value, safe to copy and to share between goroutines.
// It holds no secret: passwords and tokens never reach it.
type Identity struct {
	// AuthenticationID is the name whose credentials were checked, as the
	// Authenticator reports it (the in-memory [Users] reports the RFC 8265
	// UsernameCaseMapped form, so "Alice" and "alice" give "alice").
	AuthenticationID string

	// AuthorizationID is the identity to act as (RFC 4422, Section 2);
	// "" means the same as AuthenticationID. It is set only by the
	// Authenticator, which thereby grants the client's request (see
	// [Authenticator]).
	AuthorizationID string

	// Mechanism is the SASL mechanism name, upper case, such as "PLAIN".
	// [NewServer] sets it; whatever the Authenticator put here is replaced.
	Mechanism string

	// At is when authentication succeeded, from the clock given to
	// [NewServer]; it replaces whatever the Authenticator put here.
	At time.Time

	// Address is the own address of the user the identity acts as
	// ([Identity.User]), zero if unknown; an Authenticator that grants an
	// authorization identity reports that identity's address. [Senders]
	// always lets an identity use its own Address (RFC 6409, Section 6.1).
	Address envelope.Mailbox
}

// User returns the identity the client acts as: AuthorizationID when set,
// else AuthenticationID (RFC 4422, Section 2). Sender rules
// ([SenderAuthorizer]) are keyed by this name.
func (id Identity) User() string {
	if id.AuthorizationID != "" {
		return id.AuthorizationID
	}
	return id.AuthenticationID
}

// IsZero reports whether the identity is unset, that is the client has not
// authenticated (RFC 4954, Section 4): AuthenticationID is empty.
func (id Identity) IsZero() bool { return id.AuthenticationID == "" }

// LogValue implements [slog.LogValuer] (RFC 5068, Section 3.1 asks that
// submissions be traceable to the identity). It logs the authentication
// and authorization ids, the mechanism, the time and the address; an
// Identity carries no secret, so nothing secret can be logged through it.
// The zero Identity logs as an empty group.
func (id Identity) LogValue() slog.Value {
	if id.IsZero() {
		return slog.GroupValue()
	}
	attrs := make([]slog.Attr, 0, 5)
	attrs = append(attrs, slog.String("authcid", id.AuthenticationID))
	if id.AuthorizationID != "" {
		attrs = append(attrs, slog.String("authzid", id.AuthorizationID))
	}
	if id.Mechanism != "" {
		attrs = append(attrs, slog.String("mechanism", id.Mechanism))
	}
	if !id.At.IsZero() {
		attrs = append(attrs, slog.Time("at", id.At))
	}
	if !id.Address.IsZero() {
		attrs = append(attrs, slog.Any("address", id.Address))
	}
	return slog.GroupValue(attrs...)
}
