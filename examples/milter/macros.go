package milter

import (
	"crypto/tls"
	"net/netip"
	"strconv"
	"strings"

	gomilter "github.com/d--j/go-milter"

	"github.com/msakit/msakit/auth"
)

// The milter macros msakit reads (Sendmail's names, which Postfix shares),
// and the stage at which each is requested from the MTA (SMFIF_SETSYMLIST;
// the MTA's own milter_*_macros or confMILTER_MACROS_* settings are the
// fallback for an MTA that ignores the request).
const (
	macroMTAName    = "j"             // connect: the MTA's host name (logged)
	macroMTAVersion = "v"             // connect: "Postfix 3.7.11" (Postfix's hidden Received)
	macroDaemon     = "{daemon_name}" // connect: the MTA service (Config.Daemons)
	macroClientAddr = "{client_addr}" // connect: policy.Conn.RemoteAddr
	macroClientPort = "{client_port}" // connect: policy.Conn.RemoteAddr
	macroTLSVersion = "{tls_version}" // helo: policy.Conn.TLS.Version
	macroCipher     = "{cipher}"      // helo: policy.Conn.TLS.CipherSuite
	macroAuthType   = "{auth_type}"   // mail: auth.Identity.Mechanism
	macroAuthAuthen = "{auth_authen}" // mail: auth.Identity.AuthenticationID
	macroAuthAuthor = "{auth_author}" // mail: the AUTH= parameter, policy.MailOptions.Auth
	macroQueueID    = "i"             // data, eoh, eom: the MTA's queue id (logged)
)

// macroRequest is what the milter asks the MTA to send at one stage.
type macroRequest struct {
	stage  gomilter.MacroStage
	macros []gomilter.MacroName
}

// macroRequests lists the macros msakit reads, by the stage at which the
// MTA knows them.
func macroRequests() []macroRequest {
	return []macroRequest{
		{gomilter.StageConnect, []gomilter.MacroName{macroMTAName, macroMTAVersion, macroDaemon, macroClientAddr, macroClientPort}},
		{gomilter.StageHelo, []gomilter.MacroName{macroTLSVersion, macroCipher}},
		{gomilter.StageMail, []gomilter.MacroName{macroAuthType, macroAuthAuthen, macroAuthAuthor}},
		{gomilter.StageData, []gomilter.MacroName{macroQueueID}},
		{gomilter.StageEOH, []gomilter.MacroName{macroQueueID}},
		{gomilter.StageEOM, []gomilter.MacroName{macroQueueID}},
	}
}

// remoteAddr is the client's address and port: {client_addr} and
// {client_port} when the MTA sends them, else the address and port of the
// connect event. A Unix-socket or unknown client gives the zero value.
// Sendmail writes IPv6 addresses as "IPv6:2001:db8::1"; the prefix and
// brackets are removed.
func remoteAddr(m gomilter.Macros, family, addr string, port uint16) netip.AddrPort {
	a, ok := m.GetEx(macroClientAddr)
	if !ok || a == "" {
		if family != "tcp4" && family != "tcp6" {
			return netip.AddrPort{}
		}
		a = addr
	}
	a = strings.TrimPrefix(a, "IPv6:")
	a = strings.TrimSuffix(strings.TrimPrefix(a, "["), "]")
	ip, err := netip.ParseAddr(a)
	if err != nil {
		return netip.AddrPort{}
	}
	if p, ok := m.GetEx(macroClientPort); ok {
		if n, err := strconv.ParseUint(p, 10, 16); err == nil {
			port = uint16(n)
		}
	}
	return netip.AddrPortFrom(ip.Unmap(), port)
}

// tlsState is the TLS state the MTA reports in {tls_version} and {cipher}
// (RFC 8314, Section 4.3), nil when the connection is not under TLS. The
// version maps from OpenSSL's names ("TLSv1.3"); the cipher suite from its
// IANA name, which OpenSSL uses for TLS 1.3 ("TLS_AES_256_GCM_SHA384"). An
// OpenSSL name for an older suite ("ECDHE-RSA-AES256-GCM-SHA384") leaves
// CipherSuite 0: msakit writes no Received behind an MTA, and its policies
// look at the version only.
func tlsState(m gomilter.Macros) *tls.ConnectionState {
	v, ok := m.GetEx(macroTLSVersion)
	if !ok || v == "" {
		return nil
	}
	cs := &tls.ConnectionState{HandshakeComplete: true}
	switch v {
	case "TLSv1.3":
		cs.Version = tls.VersionTLS13
	case "TLSv1.2":
		cs.Version = tls.VersionTLS12
	case "TLSv1.1":
		cs.Version = tls.VersionTLS11
	case "TLSv1", "TLSv1.0":
		cs.Version = tls.VersionTLS10
	case "SSLv3":
		cs.Version = 0x0300
	}
	name := m.Get(macroCipher)
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, s := range list {
			if s.Name == name {
				cs.CipherSuite = s.ID
			}
		}
	}
	return cs
}

// identity is who the MTA authenticated (RFC 4954): {auth_authen} is the
// authentication identity, {auth_type} the SASL mechanism. The zero
// Identity when the client has not authenticated. Neither Postfix nor
// Sendmail has a macro for a SASL authorization identity (Sendmail's
// {auth_author} is MAIL's AUTH= parameter): AuthorizationID stays empty.
func identity(m gomilter.Macros) auth.Identity {
	id := auth.Identity{AuthenticationID: m.Get(macroAuthAuthen)}
	if id.AuthenticationID == "" {
		return auth.Identity{}
	}
	id.Mechanism = strings.ToUpper(m.Get(macroAuthType))
	return id
}
