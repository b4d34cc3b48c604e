package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/msakit/msakit/auth"
)

func TestPlain(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 12288)
	tests := []struct {
		name      string
		responses [][]byte
		want      error  // nil: success
		wantUser  string // Identity.User() on success
		wantAuthz string
	}{
		{name: "initial response", responses: [][]byte{b("\x00alice\x00secret")}, wantUser: "alice"},
		{name: "no initial response", responses: [][]byte{nil, b("\x00alice\x00secret")}, wantUser: "alice"},
		{name: "authzid same user", responses: [][]byte{b("alice\x00alice\x00secret")}, wantUser: "alice"},
		{name: "authzid granted", responses: [][]byte{b("shared\x00alice\x00secret")}, wantUser: "shared", wantAuthz: "shared"},
		{name: "authzid granted, other case", responses: [][]byte{b("Shared\x00alice\x00secret")}, wantUser: "shared", wantAuthz: "shared"},
		{name: "authzid not granted", responses: [][]byte{b("bob\x00alice\x00secret")}, want: auth.ErrInvalidCredentials},
		{name: "authzid not a user name", responses: [][]byte{b("a b\x00alice\x00secret")}, want: auth.ErrInvalidCredentials},
		{name: "wrong password", responses: [][]byte{b("\x00alice\x00wrong")}, want: auth.ErrInvalidCredentials},
		{name: "unknown user", responses: [][]byte{b("\x00mallory\x00secret")}, want: auth.ErrInvalidCredentials},
		{name: "password with NUL inside", responses: [][]byte{b("\x00alice\x00sec\x00ret")}, want: auth.ErrMalformed},
		{name: "missing NULs", responses: [][]byte{b("alicesecret")}, want: auth.ErrMalformed},
		{name: "one NUL", responses: [][]byte{b("alice\x00secret")}, want: auth.ErrMalformed},
		{name: "empty response", responses: [][]byte{b("")}, want: auth.ErrMalformed},
		{name: "empty after no initial response", responses: [][]byte{nil, {}}, want: auth.ErrMalformed},
		{name: "empty authcid", responses: [][]byte{b("\x00\x00secret")}, want: auth.ErrMalformed},
		{name: "empty password", responses: [][]byte{b("\x00alice\x00")}, want: auth.ErrMalformed},
		{name: "authcid not UTF-8", responses: [][]byte{b("\x00al\xffice\x00secret")}, want: auth.ErrMalformed},
		{name: "authzid not UTF-8", responses: [][]byte{b("\xc3\x00alice\x00secret")}, want: auth.ErrMalformed},
		{name: "password not UTF-8", responses: [][]byte{b("\x00alice\x00\xff")}, want: auth.ErrMalformed},
		{name: "CR LF in authcid", responses: [][]byte{b("\x00alice\r\nX: y\x00secret")}, want: auth.ErrMalformed},
		{name: "too long", responses: [][]byte{b("\x00alice\x00" + long)}, want: auth.ErrResponseTooLong},
		{name: "response after success", responses: [][]byte{b("\x00alice\x00secret"), b("x")}, wantUser: "alice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := exchange(t, "PLAIN", withTLS, newFakeAuth(), tc.responses...)
			checkOutcome(t, "PLAIN", o, tc.want, tc.wantUser, tc.wantAuthz)
		})
	}
}

// checkOutcome checks one exchange's end: on success done, exactly one
// callback with the identity completed; on failure the sentinel and no
// callback.
func checkOutcome(t *testing.T, mech string, o outcome, want error, wantUser, wantAuthz string) {
	t.Helper()
	if want != nil {
		if !errors.Is(o.err, want) || o.done {
			t.Fatalf("%s exchange = done %v, %v; want %v", mech, o.done, o.err, want)
		}
		checkSentinel(t, o.err)
		if len(o.ids) != 0 {
			t.Fatalf("done callback called %d times on failure", len(o.ids))
		}
		return
	}
	if o.err != nil || !o.done {
		t.Fatalf("%s exchange = done %v, %v; want success", mech, o.done, o.err)
	}
	if len(o.ids) != 1 {
		t.Fatalf("done callback called %d times, want 1", len(o.ids))
	}
	id := o.ids[0]
	if id.User() != wantUser || id.AuthorizationID != wantAuthz {
		t.Errorf("identity user %q authzid %q, want %q %q", id.User(), id.AuthorizationID, wantUser, wantAuthz)
	}
	if id.Mechanism != mech || !id.At.Equal(testNow) {
		t.Errorf("identity mechanism %q at %v, want %q %v", id.Mechanism, id.At, mech, testNow)
	}
}

func TestPlainAfterEnd(t *testing.T) {
	t.Parallel()
	for _, first := range []string{"\x00alice\x00secret", "\x00alice\x00wrong", "garbage"} {
		srv, err := auth.NewServer(t.Context(), "PLAIN", withTLS, newFakeAuth(), clock, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _, _ = srv.Next(b(first))
		if _, done, err := srv.Next(b("\x00alice\x00secret")); done || !errors.Is(err, auth.ErrMalformed) {
			t.Errorf("after %q: Next = %v, %v; want ErrMalformed", first, done, err)
		}
	}
}

func TestPlainWithUsers(t *testing.T) {
	t.Parallel()
	u := auth.NewUsers()
	if err := u.Add("Alice", "correct horse", mustMailbox(t, "alice@example.org")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		response string
		want     error
	}{
		{"same case", "\x00alice\x00correct horse", nil},
		{"upper case name", "\x00ALICE\x00correct horse", nil},
		{"authzid other case", "ALICE\x00alice\x00correct horse", nil},
		{"authzid other user", "bob\x00alice\x00correct horse", auth.ErrInvalidCredentials},
		{"password case matters", "\x00alice\x00Correct horse", auth.ErrInvalidCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := exchange(t, "PLAIN", withTLS, u, b(tc.response))
			if tc.want != nil {
				checkOutcome(t, "PLAIN", o, tc.want, "", "")
				return
			}
			authz := ""
			if strings.HasPrefix(tc.response, "ALICE") {
				authz = "alice"
			}
			checkOutcome(t, "PLAIN", o, nil, "alice", authz)
			if got := o.ids[0].Address.String(); got != "alice@example.org" {
				t.Errorf("Address = %q, want alice@example.org", got)
			}
		})
	}
}

func TestAuthenticatorErrors(t *testing.T) {
	t.Parallel()
	dbDown := errors.New("directory unreachable")
	tests := []struct {
		name  string
		err   error
		empty bool
		want  error
	}{
		{"foreign error", dbDown, false, auth.ErrTemporary},
		{"context", context.DeadlineExceeded, false, auth.ErrTemporary},
		{"too weak", auth.ErrMechanismTooWeak, false, auth.ErrMechanismTooWeak},
		{"temporary", auth.ErrTemporary, false, auth.ErrTemporary},
		{"empty identity", nil, true, auth.ErrTemporary},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAuth()
			f.err, f.empty = tc.err, tc.empty
			for _, mech := range []string{"PLAIN", "LOGIN"} {
				var o outcome
				if mech == "PLAIN" {
					o = exchange(t, mech, withTLS, f, b("\x00alice\x00secret"))
				} else {
					o = exchange(t, mech, withTLS, f, b("alice"), b("secret"))
				}
				checkOutcome(t, mech, o, tc.want, "", "")
				if tc.err != nil && !errors.Is(o.err, tc.err) {
					t.Errorf("%s: error %v does not keep the cause %v", mech, o.err, tc.err)
				}
			}
		})
	}
}

func TestErrorsHideSecrets(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-SECRET"
	responses := []string{
		"\x00alice\x00" + secret,
		"x\x00alice\x00" + secret,
		"\x00alice\x00" + secret + "\xff",
		secret,
	}
	for _, r := range responses {
		o := exchange(t, "PLAIN", withTLS, newFakeAuth(), b(r))
		if o.err == nil || strings.Contains(o.err.Error(), secret) {
			t.Errorf("PLAIN %q: error %v leaks the password or is nil", r, o.err)
		}
	}
}
