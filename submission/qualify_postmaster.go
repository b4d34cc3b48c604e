package submission

import (
	"context"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
)

// qualifyPostmaster qualifies the unqualified forward-path <Postmaster> (RFC 5321,
// Section 4.1.1.3) to postmaster@Domain, so that the message leaves the MSA
// with a fully qualified envelope (RFC 6409, Section 4.2) and reaches this
// site's postmaster rather than the next hop's.
//
// Stages: RCPT rewrite. It never rejects: <Postmaster> is accepted by every
// built-in check (it is exempt from [qualifyDomains] and
// [enforceAddressSyntax]; [requireAuth] with AllowPostmaster accepts it
// without authentication, RFC 6409, Section 6.4). The rewrite runs after all
// RCPT checks, so [recipientPermissions] still sees <Postmaster>.
//
// With a zero Domain, <Postmaster> is left unchanged, for a server that
// delivers it locally itself. qualifyPostmaster is safe for concurrent use.
type qualifyPostmaster struct {
	// Domain is the domain whose postmaster receives <Postmaster>;
	// usually the MSA's own hostname or mail domain.
	Domain envelope.Domain
}

// Name returns "postmaster", the policy of RFC 5321, Section 4.1.1.3.
func (qualifyPostmaster) Name() string { return "postmaster" }

// RewriteRcpt replaces <Postmaster> by postmaster@Domain (RFC 5321, Section
// 4.1.1.3). The local part keeps the spelling "postmaster", which RFC 5321,
// Section 4.5.1 requires every domain to accept in any case.
func (p qualifyPostmaster) RewriteRcpt(_ context.Context, _ *policy.Conn, _ *policy.Transaction, rcpt *policy.Recipient) error {
	if !rcpt.Path.IsPostmaster() || p.Domain.IsZero() {
		return nil
	}
	m, err := envelope.NewMailbox("postmaster", p.Domain)
	if err != nil {
		return err
	}
	rcpt.Path = envelope.NewPath(m)
	return nil
}

var _ policy.RcptRewriter = qualifyPostmaster{}
