package policy

import (
	"context"
	"net/netip"
)

// TrustedNetworks marks sessions from the listed networks as independently
// authorized (RFC 6409, Section 3.3 "IP address restrictions"; Section 4.3
// "being within a protected subnetwork") by setting [Conn].Trusted, so that
// [RequireAuth] lets them submit without SASL.
//
// Stages: MAIL check and RCPT check. It never rejects anything. It is the
// one built-in check that changes state: it sets c.Trusted (never clears
// it) when c.RemoteAddr is inside one of Prefixes, so it must come before
// RequireAuth in a chain (checks run in declared order). It also joins the
// RCPT stage so a server that skips the MAIL checks gets the same answer.
//
// RFC 6409, Section 3.3 warns that IP address restrictions "can be easily
// spoofed unless all transport paths between the MUA and MSA are
// trustworthy": list only networks you control. IPv4-mapped IPv6 addresses
// (::ffff:192.0.2.1) match IPv4 prefixes. The zero value trusts nobody. It
// is safe for concurrent use (the Conn it writes belongs to one session).
type TrustedNetworks struct {
	// Prefixes are the trusted networks.
	Prefixes []netip.Prefix
}

// Name returns "trusted-networks", the policy of RFC 6409, Section 3.3.
func (TrustedNetworks) Name() string { return "trusted-networks" }

// CheckMail sets c.Trusted when the client is in a trusted network (RFC
// 6409, Section 3.3). It always returns nil.
func (p TrustedNetworks) CheckMail(_ context.Context, c *Conn, _ *Transaction) error {
	if !c.Trusted && p.Contains(c.RemoteAddr.Addr()) {
		c.Trusted = true
	}
	return nil
}

// CheckRcpt is CheckMail for servers that run the RCPT stage alone (RFC
// 6409, Section 3.3).
func (p TrustedNetworks) CheckRcpt(ctx context.Context, c *Conn, tx *Transaction, _ *Recipient) error {
	return p.CheckMail(ctx, c, tx)
}

// Contains reports whether a is inside one of Prefixes; an invalid a is in
// none (RFC 6409, Section 3.3).
func (p TrustedNetworks) Contains(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	u := a.Unmap()
	for _, pr := range p.Prefixes {
		if pr.Contains(u) || (u != a && pr.Contains(a)) {
			return true
		}
	}
	return false
}

var (
	_ MailPolicy = TrustedNetworks{}
	_ RcptPolicy = TrustedNetworks{}
)
