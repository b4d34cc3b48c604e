package auth

import (
	"fmt"
	"unicode/utf8"

	"github.com/emersion/go-sasl"
)

// The LOGIN challenges. draft-murchison-sasl-login-00, Section 2.1 calls
// them "User Name" and "Password"; every deployed client ignores the text,
// and go-sasl's LOGIN client insists on "Password:" exactly, which is also
// what the widespread implementations send. They are constants, and each
// challenge is a new slice, so no caller can change them.
const (
	loginUsernameChallenge = "Username:"
	loginPasswordChallenge = "Password:"
)

// loginServer is the LOGIN mechanism (draft-murchison-sasl-login-00,
// Section 2). go-sasl v0.0.0-20241020182733 has only a LOGIN client, so
// the server state machine is ours; it sits behind the same guard as the
// go-sasl servers.
type loginServer struct {
	x        *exchange
	a        Authenticator
	username string
	step     int // 0: want user name, 1: want password
}

func newLoginServer(x *exchange, a Authenticator) sasl.Server {
	return &guard{mech: x.mech, inner: &loginServer{x: x, a: a}}
}

// Next runs one step of the exchange (draft-murchison-sasl-login-00,
// Section 2; the responses as in RFC 4954, Section 4).
func (s *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch s.step {
	case 0:
		if response == nil {
			// No initial response: ask for the user name.
			return []byte(loginUsernameChallenge), false, nil
		}
		if len(response) == 0 {
			return nil, false, malformed(s.x.mech, "empty user name")
		}
		if !validName(string(response)) {
			return nil, false, malformed(s.x.mech, "user name is not UTF-8 text")
		}
		s.username = string(response)
		s.step = 1
		return []byte(loginPasswordChallenge), false, nil
	case 1:
		if len(response) == 0 {
			return nil, false, malformed(s.x.mech, "empty password")
		}
		if !validUTF8(string(response)) {
			return nil, false, malformed(s.x.mech, "password is not valid UTF-8")
		}
		s.step = 2
		id, err := s.a.AuthenticatePassword(s.x.ctx, "", s.username, string(response))
		if err := s.x.finish("", id, err); err != nil {
			return nil, false, err
		}
		return nil, true, nil
	}
	return nil, false, fmt.Errorf("%w: %s: response after the end of the exchange", ErrMalformed, s.x.mech)
}

// validUTF8 reports whether s is valid UTF-8 without NUL
// (RFC 4616, Section 2: SAFE).
func validUTF8(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return false
		}
	}
	return utf8.ValidString(s)
}
