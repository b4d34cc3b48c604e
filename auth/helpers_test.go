package auth_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
)

// sentinels are the errors every failed exchange must match exactly one of.
var sentinels = []error{
	auth.ErrInvalidCredentials, auth.ErrMechanismTooWeak, auth.ErrEncryptionRequired,
	auth.ErrTemporary, auth.ErrMalformed, auth.ErrResponseTooLong, auth.ErrUnsupported,
}

// checkSentinel fails unless err matches exactly one sentinel.
func checkSentinel(t testing.TB, err error) {
	t.Helper()
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %v matches %d sentinels, want 1", err, n)
	}
}

var testNow = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

func clock() time.Time { return testNow }

func mustMailbox(t testing.TB, s string) envelope.Mailbox {
	t.Helper()
	m, err := envelope.ParseMailbox(s)
	if err != nil {
		t.Fatalf("ParseMailbox(%q): %v", s, err)
	}
	return m
}

// fakeAuth is a small Authenticator that records its calls and implements
// all three interfaces. Passwords, tokens and certificate common names map
// to user names; grant lists authzids a user may act as.
type fakeAuth struct {
	mu        sync.Mutex
	passwords map[string]string // user -> password
	tokens    map[string]string // token -> user
	certs     map[string]string // leaf CN -> user
	grant     map[string]string // user -> authzid it may act as
	err       error             // returned by every call when set
	empty     bool              // return a zero Identity and no error
	calls     []string
}

var (
	_ auth.Authenticator            = (*fakeAuth)(nil)
	_ auth.TokenAuthenticator       = (*fakeAuth)(nil)
	_ auth.CertificateAuthenticator = (*fakeAuth)(nil)
)

func newFakeAuth() *fakeAuth {
	return &fakeAuth{
		passwords: map[string]string{"alice": "secret"},
		tokens:    map[string]string{"tok-alice.1": "alice"},
		certs:     map[string]string{"alice.example.org": "alice"},
		grant:     map[string]string{"alice": "shared"},
	}
}

func (f *fakeAuth) record(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
}

func (f *fakeAuth) result(authzid, user string, ok bool) (auth.Identity, error) {
	if f.err != nil {
		return auth.Identity{}, f.err
	}
	if f.empty {
		return auth.Identity{}, nil
	}
	if !ok {
		return auth.Identity{}, auth.ErrInvalidCredentials
	}
	id := auth.Identity{AuthenticationID: user, Mechanism: "bogus", At: time.Unix(1, 0)}
	if authzid != "" {
		if n, err := auth.NormalizeUsername(authzid); err == nil && f.grant[user] == n {
			id.AuthorizationID = n
		}
	}
	return id, nil
}

func (f *fakeAuth) AuthenticatePassword(_ context.Context, authzid, username, password string) (auth.Identity, error) {
	f.record(fmt.Sprintf("password %q %q", authzid, username))
	p, ok := f.passwords[username]
	return f.result(authzid, username, ok && p == password)
}

func (f *fakeAuth) AuthenticateToken(_ context.Context, authzid, token string) (auth.Identity, error) {
	f.record(fmt.Sprintf("token %q", authzid))
	u, ok := f.tokens[token]
	return f.result(authzid, u, ok)
}

func (f *fakeAuth) AuthenticateCertificate(_ context.Context, authzid string, chains [][]*x509.Certificate) (auth.Identity, error) {
	f.record(fmt.Sprintf("cert %q", authzid))
	u, ok := f.certs[chains[0][0].Subject.CommonName]
	return f.result(authzid, u, ok)
}

// passwordOnly implements Authenticator only.
type passwordOnly struct{ a auth.Authenticator }

var _ auth.Authenticator = passwordOnly{}

func (p passwordOnly) AuthenticatePassword(ctx context.Context, authzid, username, password string) (auth.Identity, error) {
	return p.a.AuthenticatePassword(ctx, authzid, username, password)
}

func chain(cn string) [][]*x509.Certificate {
	return [][]*x509.Certificate{{{Subject: pkix.Name{CommonName: cn}}}}
}

var (
	noTLS   = auth.ConnState{}
	withTLS = auth.ConnState{TLS: true}
)

// outcome is the end of one exchange.
type outcome struct {
	challenges [][]byte
	done       bool
	err        error
	ids        []auth.Identity // what the done callback received
}

// exchange runs mech over the responses (nil first entry = no initial
// response) until done, an error, or the responses run out.
func exchange(t testing.TB, mech string, c auth.ConnState, a auth.Authenticator, responses ...[]byte) outcome {
	t.Helper()
	var o outcome
	srv, err := auth.NewServer(context.Background(), mech, c, a, clock, func(id auth.Identity) {
		o.ids = append(o.ids, id)
	})
	if err != nil {
		o.err = err
		return o
	}
	return drive(srv, &o, responses)
}

func drive(srv sasl.Server, o *outcome, responses [][]byte) outcome {
	for _, r := range responses {
		ch, done, err := srv.Next(r)
		if err != nil {
			o.err = err
			return *o
		}
		if done {
			o.done = true
			return *o
		}
		o.challenges = append(o.challenges, ch)
	}
	return *o
}

// b is shorthand for a response.
func b(s string) []byte { return []byte(s) }
