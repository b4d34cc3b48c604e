package submission

import (
	"github.com/msakit/msakit/policy"
)

// Profile returns the policies of the RFC 6409 profile as configured by
// the agent's Config, in the order they run, without Config.Policies. It is
// [policy.Defaults] with the Config's Hostname, Senders, Trusted, Expand,
// Partial, AllowPostmaster, AllowRecipient, AddMissingFrom, AddSender,
// RemoveBcc, Rewrite, Location, the No... switches, MaxSize, MaxRecipients,
// Now and Random:
//
//   - TrustedNetworks (when Trusted is set): independent authorization by
//     network (RFC 6409, Sections 3.3 and 4.3);
//   - RequireAuth: 530 5.7.0 at MAIL without authentication or trust (RFC
//     6409, Section 4.3; RFC 5068, Sections 3.1-3.2);
//   - EnforceAddressSyntax: 501 5.1.7 / 501 5.1.3 (RFC 6409, Section 5.1);
//   - QualifyDomains: 554 5.1.8 / 554 5.1.2, and address header fields at
//     DATA (RFC 6409, Section 4.2);
//   - RequireSMTPUTF8: 550 5.6.7 / 553 5.6.7 (RFC 6531, Section 3.5);
//   - MaxSize: a declared SIZE= over the limit, 552 5.3.4 (RFC 1870);
//   - EnforceSender: MAIL FROM, From and Sender must be addresses the
//     identity may use, 550 5.7.1 (RFC 6409, Sections 6.1 and 6.3);
//   - MaxRecipients: 452 4.5.3 (RFC 5321, Section 4.5.3.1.8);
//   - Postmaster: <Postmaster> accepted and qualified to Hostname (RFC
//     5321, Section 4.1.1.3; RFC 6409, Section 6.4);
//   - CheckHeader: header syntax and required fields, 554 5.6.0 (RFC 6409,
//     Sections 5.1 and 6.3; RFC 5322, Section 3.6);
//   - AddDate, AddMessageID: add or correct Date and Message-ID (RFC 6409,
//     Sections 8.2 and 8.3).
//
// The list is new on each call; [New] puts it, then Config.Policies, in one
// [policy.Chain]. A program that wants a different profile builds its own
// list with [policy.Defaults] and passes it as the only policies of a
// chain it calls directly.
func (a *Agent) Profile() []policy.Policy {
	var maxSize int64
	if a.maxSize > 0 {
		maxSize = a.maxSize
	}
	return policy.Defaults(policy.DefaultOptions{
		Hostname:        a.cfg.Hostname,
		Senders:         a.cfg.Senders,
		Trusted:         a.cfg.Trusted,
		Expand:          a.cfg.Expand,
		Partial:         a.cfg.Partial,
		MaxSize:         maxSize,
		MaxRecipients:   a.cfg.MaxRecipients,
		AllowPostmaster: a.cfg.AllowPostmaster,
		AllowRecipient:  a.cfg.AllowRecipient,
		AddMissingFrom:  a.cfg.AddMissingFrom,
		AddSender:       a.cfg.AddSender,
		RemoveBcc:       a.cfg.RemoveBcc,
		Rewrite:         a.cfg.Rewrite,
		Location:        a.cfg.Location,
		NoEnforceSender: a.cfg.NoEnforceSender,
		NoCheckHeader:   a.cfg.NoCheckHeader,
		NoAddDate:       a.cfg.NoAddDate,
		NoAddMessageID:  a.cfg.NoAddMessageID,
		Now:             a.now,
		Random:          a.random,
	})
}
