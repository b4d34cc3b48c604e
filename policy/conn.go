package policy

import (
	"crypto/tls"
	"net/netip"

	"github.com/msakit/msakit/auth"
)

// Conn is what is known of the client connection when a policy runs: the
// remote address, TLS, the EHLO/HELO name, the authenticated identity (RFC
// 4954) and whether the client is independently authorized (RFC 6409,
// Section 3.3).
//
// A Conn belongs to one session and is not safe for concurrent use. Policies
// read it; the only built-in policy that writes it is [TrustedNetworks],
// which sets Trusted during the MAIL checks.
type Conn struct {
	// RemoteAddr is the client's address and port; the zero value means
	// unknown (for example a submission handed over in-process).
	RemoteAddr netip.AddrPort
	// TLS is the TLS state, nil when the connection is not under TLS (RFC
	// 3207, RFC 8314).
	TLS *tls.ConnectionState
	// Helo is the argument of EHLO or HELO (RFC 5321, Section 4.1.1.1).
	Helo string
	// ESMTP reports that EHLO (not HELO) was used.
	ESMTP bool
	// Identity is the authenticated identity; zero when the session has not
	// authenticated (RFC 4954).
	Identity auth.Identity
	// Trusted reports that the client is authorized without SASL, for
	// example because it connects from a protected network (RFC 6409,
	// Sections 3.3 and 4.3). [TrustedNetworks] sets it; a server may also
	// set it itself (IPsec, a local socket).
	Trusted bool
}

// Authenticated reports whether the session has a non-zero identity (RFC
// 4954).
func (c *Conn) Authenticated() bool { return !c.Identity.IsZero() }

// Authorized reports whether the session may submit at all: it is
// authenticated or independently authorized (RFC 6409, Section 4.3).
func (c *Conn) Authorized() bool { return c.Trusted || !c.Identity.IsZero() }

// TLSVersion returns the negotiated TLS version (tls.VersionTLS13 etc.), 0
// when not under TLS (RFC 8314, Section 4.3).
func (c *Conn) TLSVersion() uint16 {
	if c.TLS == nil {
		return 0
	}
	return c.TLS.Version
}
