// Package auth says who an SMTP submission client is: the SMTP AUTH
// exchange (RFC 4954) over SASL (RFC 4422) that yields an [Identity], and
// the [Senders] rules on which addresses that identity may use
// (RFC 6409, Section 6.1).
//
// A server offers [Mechanisms] in its EHLO AUTH keyword, runs the one the
// client picks with [NewServer], and gets the [Identity] through the done
// callback. Credentials are checked by an [Authenticator] the server
// implements over its directory ([TokenAuthenticator] and
// [CertificateAuthenticator] add OAUTHBEARER and EXTERNAL); [Users] is an
// in-memory one. The package never writes to the client and never picks a
// reply: it returns errors matching one of its sentinels
// ([ErrInvalidCredentials], [ErrEncryptionRequired], ...), and package
// submission maps them to the replies of RFC 4954, Section 6. It does not
// log, and no error it returns contains a password or token.
//
// Mechanisms, built on github.com/emersion/go-sasl's [sasl.Server]:
//
//   - PLAIN, RFC 4616 (go-sasl's server, with our checks in its callback);
//   - LOGIN, draft-murchison-sasl-login-00 (our state machine: go-sasl has
//     only the client);
//   - EXTERNAL, RFC 4422, Appendix A, over a verified TLS client
//     certificate (go-sasl's server);
//   - OAUTHBEARER, RFC 7628 (our parser: see Divergences).
//
// Cleartext mechanisms need TLS: PLAIN and LOGIN are neither advertised nor
// run without it (RFC 4954, Section 4; RFC 5068, Section 5;
// RFC 8314, Section 3), and neither is OAUTHBEARER, whose bearer token is as
// good as a password (RFC 7628, Section 3; RFC 6750, Section 5.3). Every
// response is bounded at 12288 octets (RFC 4954, Section 4) and parsed in
// linear time; no input makes a server panic.
//
// User names are prepared with the RFC 8265 UsernameCaseMapped profile
// ([NormalizeUsername]) and passwords with OpaqueString
// (RFC 8265, Section 4), the successors of the SASLprep that
// RFC 4616, Section 2 recommends.
//
// RFCs: RFC 4422 (SASL), RFC 4616 (PLAIN), RFC 4954 (SMTP AUTH),
// RFC 5068, Section 3.1 and Section 5 (operational requirements),
// RFC 5801, Section 4 (GS2 header), RFC 6409, Section 6.1 (sender
// authorization), RFC 6750 (bearer tokens), RFC 7628 (OAUTHBEARER), RFC 8265
// (PRECIS user names and passwords), RFC 8314 (cleartext considered
// obsolete); draft-murchison-sasl-login-00 (LOGIN).
//
// # Authorization identity
//
// A client may ask to act as another identity (the authzid of
// RFC 4422, Section 2). This package lets the [Authenticator] decide, and
// then checks the outcome: a requested authzid is granted only when the
// Authenticator sets [Identity].AuthorizationID, or when it names the
// authenticated user itself after [NormalizeUsername]. An Authenticator that
// ignores authzid therefore refuses every other one, with
// [ErrInvalidCredentials]; [Users] allows only the user's own name and
// aliases.
//
// # Divergences
//
//   - PLAIN and LOGIN refuse authentication and authorization identities
//     that contain control characters (C0 or DEL), with [ErrMalformed].
//     RFC 4616 allows every character but NUL; a CR or LF in a name would only
//     serve to forge log lines and trace fields.
//   - OAUTHBEARER does not use go-sasl's server (version
//     v0.0.0-20241020182733): it panics on an empty response after an error
//     result, refuses unknown key/value pairs that RFC 7628, Section 3.1 says
//     MUST be ignored, and sends an empty scope. Ours follows
//     RFC 7628, Section 3.1 and RFC 6750, Section 2.1; channel binding ("p=")
//     is refused. The "host" value is compared with [ConnState].Host when
//     that is set (a mismatch is an invalid token, [ErrInvalidCredentials])
//     and otherwise only checked for syntax; "port" is checked
//     for syntax only. A temporary failure ends the exchange at once without
//     the error result of RFC 7628, Section 3.2.2 (RFC 4422, Section 3.6
//     allows the server to fail at any point).
//   - LOGIN sends the challenges "Username:" and "Password:", as deployed
//     servers and go-sasl's client expect, rather than the draft's "User
//     Name" and "Password".
//   - [Senders] compares local parts with ASCII case folded, although
//     RFC 5321, Section 2.4 makes them case-sensitive (see [Senders]).
//   - A decoded response is bounded at 12288 octets, the line
//     length RFC 4954, Section 4 sets for the encoded line; a server that
//     bounds its lines first never reaches it.
package auth
