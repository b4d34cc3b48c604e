package auth

import (
	"crypto/x509"

	"github.com/emersion/go-sasl"
)

// newExternalServer returns the EXTERNAL mechanism (RFC 4422, Appendix A)
// on go-sasl's server. The client's only message is the authorization
// identity ("" to let the server derive it from the certificate, Appendix
// A.1); the credentials are the verified TLS client certificate chains.
func newExternalServer(x *exchange, a CertificateAuthenticator, chains [][]*x509.Certificate) sasl.Server {
	return &guard{mech: x.mech, inner: sasl.NewExternalServer(func(authzid string) error {
		if !validName(authzid) {
			return malformed(x.mech, "authorization identity is not UTF-8 text")
		}
		id, err := a.AuthenticateCertificate(x.ctx, authzid, chains)
		return x.finish(authzid, id, err)
	})}
}
