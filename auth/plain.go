package auth

import (
	"github.com/emersion/go-sasl"
)

// newPlainServer returns the PLAIN mechanism (RFC 4616) on go-sasl's
// server: go-sasl splits the message at its two NULs, our callback checks
// the parts and asks the Authenticator.
func newPlainServer(x *exchange, a Authenticator) sasl.Server {
	return &guard{mech: x.mech, inner: sasl.NewPlainServer(func(authzid, authcid, passwd string) error {
		// RFC 4616, Section 2: message = [authzid] UTF8NUL authcid UTF8NUL
		// passwd, each part UTF-8, authcid and passwd 1*SAFE.
		switch {
		case authcid == "":
			return malformed(x.mech, "empty authentication identity")
		case passwd == "":
			return malformed(x.mech, "empty password")
		case !validName(authcid):
			return malformed(x.mech, "authentication identity is not UTF-8 text")
		case !validName(authzid):
			return malformed(x.mech, "authorization identity is not UTF-8 text")
		case !validUTF8(passwd):
			return malformed(x.mech, "password is not valid UTF-8")
		}
		id, err := a.AuthenticatePassword(x.ctx, authzid, authcid, passwd)
		return x.finish(authzid, id, err)
	})}
}
