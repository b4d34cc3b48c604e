package submission

import (
	"context"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/internal/ascii"
	"github.com/msakit/msakit/policy"
)

// requireAuth refuses submissions from sessions that are neither
// authenticated (RFC 4954) nor independently authorized, for example by
// Config.Trusted or the server (policy.Conn.Trusted, decided by the Session
// before any policy runs; RFC 6409, Sections 3.3 and 4.3). It is the MSA's
// "never an open relay" rule (RFC 5068, Section 3.2; RFC 6409, Section 9).
//
// Stages: MAIL check and RCPT check.
//
//   - MAIL: an unauthorized session gets 530 5.7.0 "Authentication
//     required" (RFC 6409, Section 4.3; RFC 4954, Section 6).
//   - RCPT: an unauthorized session gets 530 5.7.0 again, for every
//     recipient. A server that skipped the MAIL checks, or a chain that let
//     MAIL through for the postmaster exception below, therefore still
//     cannot relay one message. 530 rather than 550 5.7.1 because RFC 4954,
//     Section 6 prescribes 530 5.7.0 for any command refused because
//     authentication is not in force, and it tells the client what to do.
//
// AllowPostmaster enables the reduced authentication RFC 6409, Section 6.4
// permits for mail to the postmaster: an unauthorized session may then give
// MAIL FROM, and RCPT is accepted for the unqualified <Postmaster> (RFC
// 5321, Section 4.1.1.3) and for postmaster@d (local part compared without
// regard to case, RFC 5321, Section 4.5.1) for each d in PostmasterDomains.
// Every other recipient still gets 530 5.7.0, so such a transaction can only
// ever hold postmaster recipients. Because such a session has neither an
// identity nor a trusted address, its only return path is MAIL FROM: a null
// reverse-path is then refused at MAIL with 550 5.7.1, the immediate
// rejection RFC 6409, Section 3.2 asks for when no return path can be
// determined (authenticated and trusted sessions may always use <>).
//
// The zero value is the RFC 6409 default. requireAuth is safe for concurrent
// use.
type requireAuth struct {
	// AllowPostmaster lets unauthorized sessions send to the postmaster
	// (RFC 6409, Section 6.4).
	AllowPostmaster bool
	// PostmasterDomains are the domains whose postmaster@ address counts
	// as the postmaster for AllowPostmaster, besides <Postmaster>.
	PostmasterDomains []envelope.Domain
}

// Name returns "require-auth", the policy of RFC 6409, Section 4.3.
func (requireAuth) Name() string { return "require-auth" }

// CheckMail refuses MAIL from an unauthorized session with 530 5.7.0 (RFC
// 6409, Section 4.3), or, with AllowPostmaster, only a null reverse-path
// with 550 5.7.1 (RFC 6409, Section 3.2).
func (p requireAuth) CheckMail(_ context.Context, c *policy.Conn, tx *policy.Transaction) error {
	if c.Authorized() {
		return nil
	}
	if !p.AllowPostmaster {
		return replyAuthRequired()
	}
	if tx.From.IsNull() {
		return replyNoReturnPath()
	}
	return nil
}

// CheckRcpt refuses every recipient of an unauthorized session with 530
// 5.7.0 (RFC 4954, Section 6; RFC 5068, Section 3.2), except postmaster
// recipients when AllowPostmaster is set (RFC 6409, Section 6.4).
func (p requireAuth) CheckRcpt(_ context.Context, c *policy.Conn, _ *policy.Transaction, rcpt *policy.Recipient) error {
	if c.Authorized() {
		return nil
	}
	if p.AllowPostmaster && p.IsPostmaster(rcpt.Path) {
		return nil
	}
	return replyAuthRequired()
}

// IsPostmaster reports whether path is <Postmaster> or postmaster@d for a d
// in PostmasterDomains (RFC 5321, Sections 4.1.1.3 and 4.5.1).
func (p requireAuth) IsPostmaster(path envelope.Path) bool {
	if path.IsPostmaster() {
		return true
	}
	// ASCII case only: strings.EqualFold would also take "poſtmaster"
	// (U+017F) for the postmaster (RFC 5321, Section 4.5.1 names the
	// ASCII "Postmaster", case-insensitive).
	if path.IsNull() || !ascii.EqualFold(path.Mailbox().LocalPart, "postmaster") {
		return false
	}
	for _, d := range p.PostmasterDomains {
		if d == path.Mailbox().Domain {
			return true
		}
	}
	return false
}

var (
	_ policy.MailPolicy = requireAuth{}
	_ policy.RcptPolicy = requireAuth{}
)
