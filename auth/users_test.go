package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
)

var _ auth.Authenticator = (*auth.Users)(nil)

func TestNormalizeUsername(t *testing.T) {
	t.Parallel()
	valid := []struct{ name, in, want string }{
		{"lower", "alice", "alice"},
		{"upper", "ALICE", "alice"},
		{"mixed", "Alice", "alice"},
		{"ascii punctuation", "a.b-c_d+e@example.org", "a.b-c_d+e@example.org"},
		{"latin upper", "ÀLICE", "àlice"},
		{"greek", "ΣΑΣ", "σασ"}, // RFC 8265 toLowerCase, not final-sigma folding
		{"fullwidth", "ＡＬＩＣＥ", "alice"},
		{"NFC", "e\u0301", "\u00e9"},
		{"already NFC", "\u00e9", "\u00e9"},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := auth.NormalizeUsername(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("NormalizeUsername(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	invalid := []struct{ name, in string }{
		{"empty", ""},
		{"space", "alice smith"},
		{"tab", "alice\t"},
		{"NUL", "a\x00b"},
		{"CR LF", "alice\r\n"},
		{"DEL", "alice\x7f"},
		{"bad UTF-8", "al\xffice"},
		{"too long", strings.Repeat("a", 1025)},
		{"no-break space", "alice\u00a0smith"},
		{"symbol", "alice\u2603"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got, err := auth.NormalizeUsername(tc.in); err == nil {
				t.Errorf("NormalizeUsername(%q) = %q, nil; want an error", tc.in, got)
			}
		})
	}
}

func TestUsersAdd(t *testing.T) {
	t.Parallel()
	u := auth.NewUsers()
	addr := mustMailbox(t, "alice@example.org")
	if err := u.Add("Alice", "pw", addr); err != nil {
		t.Fatalf("Add = %v", err)
	}
	tests := []struct {
		name, user, password string
		wantIs               error // nil: any error
	}{
		{"duplicate other case", "ALICE", "pw2", auth.ErrUserExists},
		{"duplicate fullwidth", "ａｌｉｃｅ", "pw2", auth.ErrUserExists},
		{"empty name", "", "pw", nil},
		{"name with space", "bob smith", "pw", nil},
		{"empty password", "bob", "", nil},
		{"password with control", "bob", "pw\x07", nil},
		{"password too long", "bob", strings.Repeat("p", 12288+1), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := u.Add(tc.user, tc.password, envelope.Mailbox{})
			if err == nil || tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Fatalf("Add(%q) = %v, want error %v", tc.user, err, tc.wantIs)
			}
			if tc.password != "" && strings.Contains(err.Error(), tc.password) {
				t.Errorf("Add error %q contains the password", err)
			}
		})
	}
}

func TestUsersAuthenticatePassword(t *testing.T) {
	t.Parallel()
	u := auth.NewUsers()
	addr := mustMailbox(t, "alice@example.org")
	for _, c := range []struct{ name, pw string }{
		{"Alice", "correct horse"},
		{"Zoë", "pässwörd"},
		{"carol", "no\u00a0break"}, // OpaqueString maps U+00A0 to a space
	} {
		if err := u.Add(c.name, c.pw, addr); err != nil {
			t.Fatalf("Add(%q) = %v", c.name, err)
		}
	}
	tests := []struct {
		name, authzid, user, password string
		want                          error
		wantID, wantAuthz             string
	}{
		{name: "exact", user: "alice", password: "correct horse", wantID: "alice"},
		{name: "case-mapped user", user: "ALICE", password: "correct horse", wantID: "alice"},
		{name: "fullwidth user", user: "Ａｌｉｃｅ", password: "correct horse", wantID: "alice"},
		{name: "non-ASCII user", user: "ZOË", password: "pässwörd", wantID: "zoë"},
		{name: "decomposed user and password", user: "zoe\u0308", password: "pa\u0308sswo\u0308rd", wantID: "zoë"},
		{name: "non-ASCII space password", user: "carol", password: "no break", wantID: "carol"},
		{name: "authzid self", authzid: "Alice", user: "alice", password: "correct horse", wantID: "alice", wantAuthz: "alice"},
		{name: "authzid other", authzid: "zoë", user: "alice", password: "correct horse", want: auth.ErrInvalidCredentials},
		{name: "authzid invalid", authzid: "a b", user: "alice", password: "correct horse", want: auth.ErrInvalidCredentials},
		{name: "wrong password", user: "alice", password: "correct horse!", want: auth.ErrInvalidCredentials},
		{name: "password prefix", user: "alice", password: "correct", want: auth.ErrInvalidCredentials},
		{name: "password case", user: "alice", password: "Correct horse", want: auth.ErrInvalidCredentials},
		{name: "unknown user", user: "mallory", password: "correct horse", want: auth.ErrInvalidCredentials},
		{name: "invalid user name", user: "alice smith", password: "correct horse", want: auth.ErrInvalidCredentials},
		{name: "empty user", user: "", password: "correct horse", want: auth.ErrInvalidCredentials},
		{name: "empty password", user: "alice", password: "", want: auth.ErrInvalidCredentials},
		{name: "other user's password", user: "carol", password: "correct horse", want: auth.ErrInvalidCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id, err := u.AuthenticatePassword(t.Context(), tc.authzid, tc.user, tc.password)
			if tc.want != nil {
				if err != tc.want || !id.IsZero() { //nolint:errorlint // the exact sentinel, so the outcomes cannot be told apart
					t.Fatalf("AuthenticatePassword(%q, %q) = %+v, %v; want exactly %v", tc.authzid, tc.user, id, err, tc.want)
				}
				return
			}
			if err != nil || id.AuthenticationID != tc.wantID || id.AuthorizationID != tc.wantAuthz || id.Address != addr {
				t.Fatalf("AuthenticatePassword(%q, %q) = %+v, %v; want id %q authz %q", tc.authzid, tc.user, id, err, tc.wantID, tc.wantAuthz)
			}
		})
	}
}

// TestUsersIndistinguishable checks what a client can observe: an unknown
// user and a wrong password give the very same error value and identity.
// (Timing is kept equal by construction: both paths hash the presented
// password and run one subtle.ConstantTimeCompare; see users.go.)
func TestUsersIndistinguishable(t *testing.T) {
	t.Parallel()
	u := auth.NewUsers()
	if err := u.Add("alice", "secret", envelope.Mailbox{}); err != nil {
		t.Fatal(err)
	}
	id1, err1 := u.AuthenticatePassword(t.Context(), "", "alice", "wrong")
	id2, err2 := u.AuthenticatePassword(t.Context(), "", "nobody", "wrong")
	id3, err3 := u.AuthenticatePassword(t.Context(), "", "nobody", "secret")
	if err1 != err2 || err2 != err3 || id1 != id2 || id2 != id3 { //nolint:errorlint // identity of the values is the point
		t.Errorf("outcomes differ: %v %v %v", err1, err2, err3)
	}
	if err1.Error() != err2.Error() {
		t.Errorf("messages differ: %q vs %q", err1, err2)
	}
}

func TestUsersCanceledContext(t *testing.T) {
	t.Parallel()
	u := auth.NewUsers()
	if err := u.Add("alice", "secret", envelope.Mailbox{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := u.AuthenticatePassword(ctx, "", "alice", "secret")
	if !errors.Is(err, auth.ErrTemporary) || !errors.Is(err, context.Canceled) {
		t.Fatalf("AuthenticatePassword(canceled) = %v, want ErrTemporary wrapping context.Canceled", err)
	}
}

func TestUsersConcurrent(t *testing.T) {
	t.Parallel()
	u := auth.NewUsers()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			name := fmt.Sprintf("user%d", i)
			if err := u.Add(name, "pw", envelope.Mailbox{}); err != nil {
				t.Errorf("Add(%s) = %v", name, err)
			}
			for range 50 {
				if _, err := u.AuthenticatePassword(context.Background(), "", strings.ToUpper(name), "pw"); err != nil {
					t.Errorf("AuthenticatePassword(%s) = %v", name, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestUsersAddAlias(t *testing.T) {
	t.Parallel()
	u := auth.NewUsers()
	addr := mustMailbox(t, "alice@example.org")
	if err := u.Add("alice", "secret", addr); err != nil {
		t.Fatal(err)
	}
	if err := u.Add("bob", "other", envelope.Mailbox{}); err != nil {
		t.Fatal(err)
	}
	if err := u.AddAlias("Alice@Example.org", "ALICE"); err != nil {
		t.Fatalf("AddAlias = %v", err)
	}
	errs := []struct {
		name, alias, user string
		wantIs            error
	}{
		{"alias is a user", "bob", "alice", auth.ErrUserExists},
		{"alias taken", "alice@example.org", "bob", auth.ErrUserExists},
		{"unknown user", "x", "carol", nil},
		{"bad alias", "a b", "alice", nil},
		{"bad user", "x", "", nil},
	}
	for _, tc := range errs {
		err := u.AddAlias(tc.alias, tc.user)
		if err == nil || tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
			t.Errorf("%s: AddAlias(%q, %q) = %v, want error %v", tc.name, tc.alias, tc.user, err, tc.wantIs)
		}
	}
	if err := u.Add("ALICE@example.org", "pw", envelope.Mailbox{}); !errors.Is(err, auth.ErrUserExists) {
		t.Errorf("Add over an alias = %v, want ErrUserExists", err)
	}
	tests := []struct {
		name, authzid, user, password string
		want                          error
		wantAuthz                     string
	}{
		{name: "login by alias", user: "alice@example.org", password: "secret"},
		{name: "login by alias, other case", user: "ALICE@EXAMPLE.ORG", password: "secret"},
		{name: "alias, wrong password", user: "alice@example.org", password: "other", want: auth.ErrInvalidCredentials},
		{name: "alias with bob's password", user: "alice@example.org", password: "other", want: auth.ErrInvalidCredentials},
		{name: "authzid alias", authzid: "alice@example.org", user: "alice", password: "secret", wantAuthz: "alice"},
		{name: "authzid name, login by alias", authzid: "alice", user: "alice@example.org", password: "secret", wantAuthz: "alice"},
		{name: "authzid other user", authzid: "bob", user: "alice@example.org", password: "secret", want: auth.ErrInvalidCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id, err := u.AuthenticatePassword(t.Context(), tc.authzid, tc.user, tc.password)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("AuthenticatePassword(%q, %q) = %+v, %v; want %v", tc.authzid, tc.user, id, err, tc.want)
				}
				return
			}
			if err != nil || id.AuthenticationID != "alice" || id.AuthorizationID != tc.wantAuthz || id.Address != addr {
				t.Fatalf("AuthenticatePassword(%q, %q) = %+v, %v; want alice, authz %q", tc.authzid, tc.user, id, err, tc.wantAuthz)
			}
		})
	}
	// The same through a PLAIN exchange: the authzid check of NewServer
	// accepts the alias because Users granted it.
	o := exchange(t, "PLAIN", withTLS, u, b("alice@example.org\x00alice\x00secret"))
	checkOutcome(t, "PLAIN", o, nil, "alice", "alice")
}
