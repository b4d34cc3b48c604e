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
// only read it: the session that owns it (package submission) sets Identity
// and Trusted before any policy runs, so the order of policies in a chain
// never decides who is trusted.
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
	// Trusted reports that the client is authorized without SASL (RFC
	// 6409, Sections 3.3 and 4.3): the server says so when it creates the
	// session (IPsec, a local socket), or the client connects from one of
	// the submission.Config.Trusted networks.
	Trusted bool
}

// Authorized reports whether the session may submit at all: it is
// authenticated or independently authorized (RFC 6409, Section 4.3).
func (c *Conn) Authorized() bool { return c.Trusted || !c.Identity.IsZero() }
