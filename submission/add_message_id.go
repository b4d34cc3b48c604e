package submission

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// errNoMessageIDDomain is returned by [addMessageID] when it must create a
// Message-ID but has neither NewID nor Domain (RFC 5322, Section 3.6.4 needs
// a right-hand side).
var errNoMessageIDDomain = errors.New("submission: add-message-id needs a Domain or NewID")

// addMessageID adds a Message-ID field to a message that lacks one, and
// replaces one that is not valid msg-id syntax (RFC 6409, Section 8.3, a
// SHOULD; RFC 5322, Section 3.6.4).
//
// Stages: DATA rewrite. It never rejects; failing to create an identifier is
// an internal error (451 4.3.0).
//
//   - no Message-ID: one is prepended;
//   - an invalid Message-ID: the first (topmost) one is replaced in place.
//
// When the message carries Resent- fields (RFC 5322, Section 3.6.6) the
// fix-up targets Resent-Message-ID instead.
//
// The identifier comes from NewID when set; it must return a complete msg-id
// with angle brackets, which is checked. Otherwise it is
// header.NewMessageID(Random, Domain, smtputf8): at least 128 random bits
// from Random (nil: crypto/rand) "@" Domain, in A-label form unless the
// transaction uses SMTPUTF8. It is on in the RFC 6409 profile (Config.DisableAddMessageID turns it off).
// addMessageID is safe for concurrent use when NewID and Random are.
type addMessageID struct {
	// Domain is the right-hand side of new identifiers, usually the MSA's
	// hostname.
	Domain envelope.Domain
	// NewID, when set, returns a new msg-id such as "<id@example.net>".
	NewID func() (string, error)
	// Random is the source of randomness; nil means crypto/rand.
	Random io.Reader
}

// Name returns "add-message-id", the policy of RFC 6409, Section 8.3.
func (addMessageID) Name() string { return "add-message-id" }

// RewriteData adds or replaces Message-ID (or Resent-Message-ID) (RFC 6409,
// Section 8.3).
func (p addMessageID) RewriteData(_ context.Context, _ *policy.Conn, tx *policy.Transaction, h *header.Header) error {
	smtputf8 := tx.MailOptions.SMTPUTF8
	return ensureField(h, "Message-ID", "Resent-Message-ID", smtputf8, validMessageID,
		func() (string, error) { return p.newID(smtputf8) })
}

// validMessageID reports whether f's value is an RFC 5322, Section 3.6.4
// msg-id.
func validMessageID(f header.Field) bool {
	_, err := header.ParseMessageID(f.Value())
	return err == nil
}

func (p addMessageID) newID(smtputf8 bool) (string, error) {
	if p.NewID != nil {
		id, err := p.NewID()
		if err != nil {
			return "", err
		}
		if _, err := header.ParseMessageID(id); err != nil {
			return "", fmt.Errorf("policy: NewID returned an invalid msg-id %q: %w", id, err)
		}
		return id, nil
	}
	if p.Domain.IsZero() {
		return "", errNoMessageIDDomain
	}
	return header.NewMessageID(p.Random, p.Domain, smtputf8)
}

var _ policy.DataRewriter = addMessageID{}
