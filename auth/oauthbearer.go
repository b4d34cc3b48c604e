package auth

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-sasl"

	"github.com/msakit/msakit/internal/ascii"
)

// The error results of RFC 7628, Section 3.2.2, sent as a challenge after a
// failure. The status values are from the OAuth Extensions Error Registry
// (RFC 6750, Section 3.1). No scope and no openid-configuration are sent:
// this package does not know them. Each challenge is a new slice.
const (
	oauthInvalidToken   = `{"status":"invalid_token","schemes":"bearer"}`
	oauthInvalidRequest = `{"status":"invalid_request","schemes":"bearer"}`
)

// oauthBearerServer is the OAUTHBEARER mechanism (RFC 7628, Section 3).
//
// It is ours rather than go-sasl's NewOAuthBearerServer (version
// v0.0.0-20241020182733) because that server indexes an empty dummy
// response and panics, rejects the unknown key/value pairs that
// RFC 7628, Section 3.1 says MUST be ignored, and sends "scope":"" in its error
// result. It implements go-sasl's Server and sits behind the same guard.
type oauthBearerServer struct {
	x      *exchange
	a      TokenAuthenticator
	host   string
	failed error // set after the error result was sent (RFC 7628, Section 3.2.3)
	done   bool
}

func newOAuthBearerServer(x *exchange, a TokenAuthenticator, host string) sasl.Server {
	return &guard{mech: x.mech, inner: &oauthBearerServer{x: x, a: a, host: host}}
}

// Next runs one step of the exchange (RFC 7628, Section 3).
func (s *oauthBearerServer) Next(response []byte) ([]byte, bool, error) {
	switch {
	case s.failed != nil:
		// RFC 7628, Section 3.2.3: after the error result the client sends
		// a single %x01 (or aborts, which the server handles itself).
		err := s.failed
		s.failed = nil
		s.done = true
		if len(response) != 1 || response[0] != 0x01 {
			return nil, false, malformed(s.x.mech, "expected %x01 after the error result")
		}
		return nil, false, err
	case s.done:
		return nil, false, malformed(s.x.mech, "response after the end of the exchange")
	case response == nil:
		// No initial response: an empty challenge asks for it.
		return []byte{}, false, nil
	}
	if len(response) == 1 && response[0] == 0x01 {
		// RFC 7628, Section 3.1: a lone kvsep as first message; the server
		// "MAY simply fail the authentication".
		s.done = true
		return nil, false, fmt.Errorf("%w: %s: empty client response", ErrInvalidCredentials, s.x.mech)
	}
	authzid, token, err := parseOAuthBearer(response, s.host)
	if errors.Is(err, errHostMismatch) {
		// Well-formed, but the token was issued for another server: an
		// invalid token (RFC 6750, Section 3.1), not a syntax error.
		return s.fail(oauthInvalidToken, fmt.Errorf("%w: %s: %w", ErrInvalidCredentials, s.x.mech, err))
	}
	if err != nil {
		return s.fail(oauthInvalidRequest, malformed(s.x.mech, err.Error()))
	}
	id, aerr := s.a.AuthenticateToken(s.x.ctx, authzid, token)
	err = s.x.finish(authzid, id, aerr)
	switch {
	case err == nil:
		s.done = true
		return nil, true, nil
	case errors.Is(err, ErrTemporary):
		// Nothing the client can fix: end now rather than send an error
		// result about its token (RFC 4422, Section 3.6 lets the server
		// fail the exchange at any point).
		s.done = true
		return nil, false, err
	}
	return s.fail(oauthInvalidToken, err)
}

// errHostMismatch reports an OAUTHBEARER "host" value that names another
// server than ConnState.Host (RFC 7628, Section 3.2). The exchange then
// fails with ErrInvalidCredentials.
var errHostMismatch = errors.New("host does not match the server")

// fail sends the JSON error result and remembers the outcome for the
// client's dummy response (RFC 7628, Section 3.2.2).
func (s *oauthBearerServer) fail(result string, err error) ([]byte, bool, error) {
	s.failed = err
	return []byte(result), false, nil
}

// parseOAuthBearer parses an initial client response
// (RFC 7628, Section 3.1):
//
//	client-resp = (gs2-header kvsep *kvpair kvsep) / kvsep
//	kvpair      = key "=" value kvsep
//	key         = 1*(ALPHA)
//	value       = *(VCHAR / SP / HTAB / CR / LF)
//
// with the gs2-header of RFC 5801, Section 4. It returns the decoded
// authzid and the bearer token. The returned error says what is wrong in
// words and never quotes the input. It runs in linear time.
func parseOAuthBearer(resp []byte, host string) (authzid, token string, err error) {
	// gs2-header = gs2-cb-flag "," [gs2-authzid] ","
	flag, rest, ok := bytes.Cut(resp, []byte{','})
	if !ok {
		return "", "", errors.New("missing GS2 header")
	}
	switch {
	case len(flag) == 1 && (flag[0] == 'n' || flag[0] == 'y'):
		// No channel binding ("y": the client supports it but thinks we do
		// not, which is right; RFC 5801, Section 4).
	case bytes.HasPrefix(flag, []byte("p=")):
		return "", "", errors.New("channel binding is not supported")
	default:
		return "", "", errors.New("bad gs2-cb-flag")
	}
	az, rest, ok := bytes.Cut(rest, []byte{','})
	if !ok {
		return "", "", errors.New("unterminated GS2 header")
	}
	if len(az) > 0 {
		if !bytes.HasPrefix(az, []byte("a=")) {
			return "", "", errors.New("bad gs2-authzid")
		}
		authzid, err = decodeSASLName(az[2:])
		if err != nil {
			return "", "", err
		}
	}
	// kvsep *kvpair kvsep
	if len(rest) < 2 || rest[0] != 0x01 || rest[len(rest)-1] != 0x01 {
		return "", "", errors.New("missing key/value separators")
	}
	pairs := rest[1 : len(rest)-1] // each pair ends in %x01
	var haveAuth, haveHost, havePort bool
	for len(pairs) > 0 {
		pair, after, ok := bytes.Cut(pairs, []byte{0x01})
		if !ok {
			return "", "", errors.New("unterminated key/value pair")
		}
		pairs = after
		key, value, ok := bytes.Cut(pair, []byte{'='})
		if !ok || len(key) == 0 {
			return "", "", errors.New("key/value pair without key")
		}
		for _, c := range key {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return "", "", errors.New("key is not alphabetic")
			}
		}
		for _, c := range value {
			if !(0x21 <= c && c <= 0x7e || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
				return "", "", errors.New("bad character in value")
			}
		}
		switch string(key) {
		case "auth":
			if haveAuth {
				return "", "", errors.New("duplicate auth key")
			}
			haveAuth = true
			token, err = bearerToken(value)
			if err != nil {
				return "", "", err
			}
		case "host":
			if haveHost {
				return "", "", errors.New("duplicate host key")
			}
			haveHost = true
			if host != "" && !ascii.EqualFold(string(value), host) {
				return "", "", errHostMismatch
			}
		case "port":
			if havePort {
				return "", "", errors.New("duplicate port key")
			}
			havePort = true
			if !validPort(value) {
				return "", "", errors.New("bad port")
			}
		default:
			// RFC 7628, Section 3.1: unknown key/value pairs MUST be ignored.
		}
	}
	if !haveAuth {
		return "", "", errors.New("missing auth key")
	}
	return authzid, token, nil
}

// bearerToken checks an auth value against RFC 6750, Section 2.1:
//
//	credentials = "Bearer" 1*SP b64token
//	b64token    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//
// The scheme name is case-insensitive (RFC 7235, Section 2.1).
func bearerToken(v []byte) (string, error) {
	const scheme = "bearer"
	if len(v) <= len(scheme) || !ascii.HasPrefixFold(string(v), scheme) || v[len(scheme)] != ' ' {
		return "", errors.New("auth value is not a Bearer credential")
	}
	t := bytes.TrimLeft(v[len(scheme):], " ")
	if len(t) == 0 {
		return "", errors.New("empty bearer token")
	}
	i := 0
	for i < len(t) && isB64TokenChar(t[i]) {
		i++
	}
	if i == 0 {
		return "", errors.New("bad bearer token")
	}
	for j := i; j < len(t); j++ {
		if t[j] != '=' {
			return "", errors.New("bad bearer token")
		}
	}
	return string(t), nil
}

func isB64TokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}

// validPort checks "a decimal positive integer string without leading
// zeros" (RFC 7628, Section 3.1) that fits a TCP port.
func validPort(v []byte) bool {
	if len(v) == 0 || len(v) > 5 || v[0] == '0' {
		return false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

// decodeSASLName decodes a saslname (RFC 5801, Section 4): "=2C" is ",",
// "=3D" is "=", any other "=" is an error; the result must be UTF-8 text.
func decodeSASLName(b []byte) (string, error) {
	if len(b) == 0 {
		return "", errors.New("empty gs2-authzid")
	}
	if bytes.IndexByte(b, '=') < 0 {
		if !validName(string(b)) {
			return "", errors.New("gs2-authzid is not UTF-8 text")
		}
		return string(b), nil
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '=' {
			sb.WriteByte(b[i])
			continue
		}
		switch {
		case i+2 < len(b) && b[i+1] == '2' && (b[i+2] == 'C' || b[i+2] == 'c'):
			sb.WriteByte(',')
		case i+2 < len(b) && b[i+1] == '3' && (b[i+2] == 'D' || b[i+2] == 'd'):
			sb.WriteByte('=')
		default:
			return "", errors.New("bad escape in gs2-authzid")
		}
		i += 2
	}
	s := sb.String()
	if !validName(s) {
		return "", errors.New("gs2-authzid is not UTF-8 text")
	}
	return s, nil
}
