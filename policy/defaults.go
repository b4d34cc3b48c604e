package policy

import (
	"context"
	"io"
	"net/netip"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
)

// DefaultOptions configures [Defaults]. Its zero value, plus Hostname, is the
// RFC 6409 profile; every field that turns something off is named for what
// it turns off.
type DefaultOptions struct {
	// Hostname is the MSA's name: the right-hand side of generated
	// Message-IDs and the domain <Postmaster> is qualified to. Zero leaves
	// <Postmaster> unqualified and makes AddMessageID fail unless NewID is
	// set.
	Hostname envelope.Domain
	// Senders says which addresses an identity may use besides its own
	// (RFC 6409, Section 6.1); nil: only Identity.Address.
	Senders auth.SenderAuthorizer
	// Trusted are networks that may submit without SASL (RFC 6409, Section
	// 3.3); nil: none.
	Trusted []netip.Prefix
	// Expand is the domain single-level domains are expanded to (RFC 6409,
	// Section 4.2); zero refuses them.
	Expand envelope.Domain
	// Partial reports multi-level domains known to be incomplete; see
	// QualifyDomains.Partial.
	Partial func(envelope.Domain) bool
	// MaxSize is the message size limit in octets (RFC 1870); 0: none.
	MaxSize int64
	// MaxRecipients is the recipient limit (RFC 5321, Section 4.5.3.1.8);
	// 0: 100.
	MaxRecipients int
	// AllowRecipient, when set, is RecipientPermissions.Allow (RFC 6409,
	// Section 6.2).
	AllowRecipient func(ctx context.Context, id auth.Identity, rcpt envelope.Path) (bool, error)
	// AllowPostmaster lets unauthenticated clients send to the postmaster
	// (RFC 6409, Section 6.4).
	AllowPostmaster bool
	// AddMissingFrom adds From from the identity instead of refusing.
	AddMissingFrom bool
	// AddSender turns on AddSender (RFC 6409, Section 8.1, a MAY), and
	// CheckHeader.AddMissingSender with it.
	AddSender bool
	// RemoveBcc turns on RemoveBcc.
	RemoveBcc bool
	// Rewrite, when non-nil, adds these address rewriting rules (RFC 6409,
	// Section 8.8).
	Rewrite *RewriteAddresses
	// Now is the clock for AddDate; nil: time.Now.
	Now func() time.Time
	// Location is the zone AddDate writes; nil: Now's zone.
	Location *time.Location
	// NewID creates Message-IDs; nil: random identifiers at Hostname.
	NewID func() (string, error)
	// Random is the randomness for Message-IDs; nil: crypto/rand.
	Random io.Reader

	// NoEnforceSender turns off EnforceSender (RFC 6409, Sections 6.1 and
	// 6.3 are MAYs).
	NoEnforceSender bool
	// NoAddMessageID turns off AddMessageID (RFC 6409, Section 8.3 is a
	// SHOULD).
	NoAddMessageID bool
	// NoAddDate turns off AddDate (RFC 6409, Section 8.2).
	NoAddDate bool
	// NoCheckHeader turns off CheckHeader (RFC 6409, Section 6.3).
	NoCheckHeader bool
}

// Defaults returns the policies of the RFC 6409 profile, configured by o, in
// the order they should run. Pass them to [NewChain]; append site policies
// after them. The list, with the RFC requirement each implements:
//
//	TrustedNetworks       only when o.Trusted is set     RFC 6409, Section 3.3
//	RequireAuth           MUST                           RFC 6409, Section 4.3
//	EnforceAddressSyntax  SHOULD                         RFC 6409, Section 5.1
//	QualifyDomains        MUST                           RFC 6409, Section 4.2
//	RequireSMTPUTF8       MUST                           RFC 6531, Section 3.5
//	MaxSize               when o.MaxSize > 0             RFC 1870
//	EnforceSender         on (MAY), NoEnforceSender      RFC 6409, Sections 6.1, 6.3
//	RecipientPermissions  when o.AllowRecipient is set   RFC 6409, Section 6.2
//	MaxRecipients         on, 100 by default             RFC 5321, Section 4.5.3.1.8
//	Postmaster            when o.Hostname is set         RFC 5321, Section 4.1.1.3
//	CheckHeader           on, NoCheckHeader              RFC 6409, Sections 5.1, 6.3
//	RewriteAddresses      when o.Rewrite is set          RFC 6409, Section 8.8
//	AddDate               on, NoAddDate                  RFC 6409, Section 8.2
//	AddMessageID          on, NoAddMessageID             RFC 6409, Section 8.3
//	AddSender             when o.AddSender               RFC 6409, Section 8.1
//	RemoveBcc             when o.RemoveBcc               RFC 5322, Section 3.6.3
//
// Order matters only within a stage: checks run before rewrites, each kind
// in this order. TrustedNetworks comes first because it sets Conn.Trusted
// for RequireAuth. The returned slice is new on each call.
func Defaults(o DefaultOptions) []Policy {
	ps := make([]Policy, 0, 16)
	if len(o.Trusted) > 0 {
		ps = append(ps, TrustedNetworks{Prefixes: o.Trusted})
	}
	var pmDomains []envelope.Domain
	if !o.Hostname.IsZero() {
		pmDomains = []envelope.Domain{o.Hostname}
	}
	ps = append(ps,
		RequireAuth{AllowPostmaster: o.AllowPostmaster, PostmasterDomains: pmDomains},
		EnforceAddressSyntax{},
		QualifyDomains{Expand: o.Expand, Partial: o.Partial},
		RequireSMTPUTF8{},
	)
	if o.MaxSize > 0 {
		ps = append(ps, MaxSize{Max: o.MaxSize})
	}
	if !o.NoEnforceSender {
		ps = append(ps, EnforceSender{Senders: o.Senders, Expand: o.Expand})
	}
	if o.AllowRecipient != nil {
		ps = append(ps, RecipientPermissions{Allow: o.AllowRecipient})
	}
	ps = append(ps, MaxRecipients{Max: o.MaxRecipients})
	if !o.Hostname.IsZero() {
		ps = append(ps, Postmaster{Domain: o.Hostname})
	}
	if !o.NoCheckHeader {
		ps = append(ps, CheckHeader{AddMissingFrom: o.AddMissingFrom, AddMissingSender: o.AddSender})
	}
	if o.Rewrite != nil {
		ps = append(ps, *o.Rewrite)
	}
	if !o.NoAddDate {
		ps = append(ps, AddDate{Now: o.Now, Location: o.Location})
	}
	if !o.NoAddMessageID {
		ps = append(ps, AddMessageID{Domain: o.Hostname, NewID: o.NewID, Random: o.Random})
	}
	if o.AddSender {
		ps = append(ps, AddSender{})
	}
	if o.RemoveBcc {
		ps = append(ps, RemoveBcc{})
	}
	return ps
}
