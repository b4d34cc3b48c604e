package auth_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"

	"github.com/msakit/msakit/auth"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		responses [][]byte
		want      error
		wantUser  string
	}{
		{name: "no initial response", responses: [][]byte{nil, b("alice"), b("secret")}, wantUser: "alice"},
		{name: "initial response", responses: [][]byte{b("alice"), b("secret")}, wantUser: "alice"},
		{name: "wrong password", responses: [][]byte{b("alice"), b("nope")}, want: auth.ErrInvalidCredentials},
		{name: "unknown user", responses: [][]byte{nil, b("mallory"), b("secret")}, want: auth.ErrInvalidCredentials},
		{name: "empty user name", responses: [][]byte{nil, {}}, want: auth.ErrMalformed},
		{name: "empty password", responses: [][]byte{b("alice"), {}}, want: auth.ErrMalformed},
		{name: "nil password", responses: [][]byte{b("alice"), nil}, want: auth.ErrMalformed},
		{name: "user name not UTF-8", responses: [][]byte{b("\xffalice")}, want: auth.ErrMalformed},
		{name: "user name with LF", responses: [][]byte{b("alice\n")}, want: auth.ErrMalformed},
		{name: "password with NUL", responses: [][]byte{b("alice"), b("sec\x00ret")}, want: auth.ErrMalformed},
		{name: "too long user", responses: [][]byte{b(strings.Repeat("a", 12288+1))}, want: auth.ErrResponseTooLong},
		{name: "too long password", responses: [][]byte{b("alice"), b(strings.Repeat("a", 12288+1))}, want: auth.ErrResponseTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := exchange(t, "LOGIN", withTLS, newFakeAuth(), tc.responses...)
			checkOutcome(t, "LOGIN", o, tc.want, tc.wantUser, "")
		})
	}
}

// TestLoginGoSASLClient runs go-sasl's LOGIN client against our server.
func TestLoginGoSASLClient(t *testing.T) {
	t.Parallel()
	c := sasl.NewLoginClient("alice", "secret")
	mech, ir, err := c.Start()
	if err != nil || mech != "LOGIN" {
		t.Fatalf("Start() = %q, %v", mech, err)
	}
	var got []auth.Identity
	srv, err := auth.NewServer(t.Context(), mech, withTLS, newFakeAuth(), clock, func(id auth.Identity) { got = append(got, id) })
	if err != nil {
		t.Fatal(err)
	}
	resp := ir
	for range 3 {
		ch, done, err := srv.Next(resp)
		if err != nil {
			t.Fatalf("Next = %v", err)
		}
		if done {
			break
		}
		if !bytes.Equal(ch, []byte("Password:")) {
			t.Fatalf("challenge %q, want Password:", ch)
		}
		if resp, err = c.Next(ch); err != nil {
			t.Fatalf("client Next = %v", err)
		}
	}
	if len(got) != 1 || got[0].AuthenticationID != "alice" {
		t.Fatalf("identities = %+v", got)
	}
}

// TestChallengesNotShared checks that a caller scribbling on a challenge
// does not change the next exchange's challenge.
func TestChallengesNotShared(t *testing.T) {
	t.Parallel()
	for range 2 {
		srv, err := auth.NewServer(t.Context(), "LOGIN", withTLS, newFakeAuth(), clock, nil)
		if err != nil {
			t.Fatal(err)
		}
		ch, _, err := srv.Next(nil)
		if err != nil || string(ch) != "Username:" {
			t.Fatalf("first challenge %q, %v", ch, err)
		}
		copy(ch, "XXXXXXXXX")
		ch, _, err = srv.Next(b("alice"))
		if err != nil || string(ch) != "Password:" {
			t.Fatalf("second challenge %q, %v", ch, err)
		}
		copy(ch, "XXXXXXXXX")
	}
}
