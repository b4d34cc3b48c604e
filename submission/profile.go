package submission

import (
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
)

// profile returns the policies of the RFC 6409 profile as the Config sets
// them, in the order they run, without Config.Policies; New puts them, then
// Config.Policies, in one policy.Chain. Trust (Config.Trusted, the
// AuthWindow, a server-set Conn.Trusted) is decided by the Session before
// any of them runs. The list, with the requirement each implements and the
// name it has in replies and logs:
//
//	require-auth            MUST, always           RFC 6409, Section 4.3; 530 5.7.0
//	enforce-address-syntax  SHOULD, always         RFC 6409, Section 5.1; 501 5.1.7 / 5.1.3
//	qualify-domains         MUST, always           RFC 6409, Section 4.2; 554 5.1.8 / 5.1.2 / 5.6.0
//	require-smtputf8        MUST, always           RFC 6531, Section 3.5; 550 / 553 5.6.7
//	max-size                unless MaxSize < 0     RFC 1870; 552 5.3.4
//	enforce-sender          DisableEnforceSender   RFC 6409, Sections 6.1, 6.3; 550 5.7.1
//	recipient-permissions   AllowRecipient         RFC 6409, Section 6.2; 550 5.7.1
//	max-recipients          unless < 0             RFC 5321, Section 4.5.3.1.8; 452 4.5.3
//	postmaster              always                 RFC 5321, Section 4.1.1.3
//	check-header            DisableCheckHeader     RFC 6409, Sections 5.1, 6.3; 554 5.6.0
//	rewrite-addresses       Rewrite not zero       RFC 6409, Section 8.8
//	add-date                DisableAddDate         RFC 6409, Section 8.2
//	add-message-id          DisableAddMessageID    RFC 6409, Section 8.3
//	add-sender              AddSender              RFC 6409, Section 8.1
//	remove-bcc              DisableRemoveBcc       RFC 5322, Section 3.6.3
//
// Order matters only within a stage: checks run before rewrites, each kind
// in this order. It fails only for Rewrite rules that cannot be right.
func (a *Agent) profile() ([]policy.Policy, error) {
	cfg := &a.cfg
	rule := newQualifiedRule(cfg)
	ps := make([]policy.Policy, 0, 16)
	ps = append(ps,
		requireAuth{AllowPostmaster: cfg.AllowPostmaster, PostmasterDomains: []envelope.Domain{cfg.Hostname}},
		enforceAddressSyntax{},
		qualifyDomains{Expand: cfg.Expand, Partial: cfg.Partial, Rule: rule},
		requireSMTPUTF8{},
	)
	if a.maxSize > 0 {
		ps = append(ps, maxSize{Max: a.maxSize})
	}
	if !cfg.DisableEnforceSender {
		ps = append(ps, enforceSender{Senders: cfg.Senders, Expand: cfg.Expand})
	}
	if cfg.AllowRecipient != nil {
		ps = append(ps, recipientPermissions{Allow: cfg.AllowRecipient})
	}
	if cfg.MaxRecipients >= 0 {
		ps = append(ps, maxRecipients{Max: cfg.MaxRecipients})
	}
	ps = append(ps, qualifyPostmaster{Domain: cfg.Hostname})
	if !cfg.DisableCheckHeader {
		ps = append(ps, checkHeader{AddMissingFrom: cfg.AddMissingFrom, AddMissingSender: cfg.AddSender, Rule: rule})
	}
	if !cfg.Rewrite.isZero() {
		rw, err := newRewriteAddresses(cfg.Rewrite, rule)
		if err != nil {
			return nil, err
		}
		ps = append(ps, rw)
	}
	if !cfg.DisableAddDate {
		ps = append(ps, addDate{Now: a.now, Location: cfg.Location})
	}
	if !cfg.DisableAddMessageID {
		ps = append(ps, addMessageID{Domain: cfg.Hostname, Random: a.random})
	}
	if cfg.AddSender {
		ps = append(ps, addSender{Rule: rule})
	}
	if !cfg.DisableRemoveBcc {
		ps = append(ps, removeBcc{})
	}
	return ps, nil
}
