package auth_test

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/msakit/msakit/auth"
)

type ctxKey struct{}

// ctxAuth records the context value each call saw; it checks that the
// context given to NewServer reaches the Authenticator although go-sasl's
// callbacks take none (DESIGN 2.7).
type ctxAuth struct{ seen []any }

var (
	_ auth.Authenticator            = (*ctxAuth)(nil)
	_ auth.TokenAuthenticator       = (*ctxAuth)(nil)
	_ auth.CertificateAuthenticator = (*ctxAuth)(nil)
)

func (c *ctxAuth) AuthenticatePassword(ctx context.Context, _, username, _ string) (auth.Identity, error) {
	c.seen = append(c.seen, ctx.Value(ctxKey{}))
	return auth.Identity{AuthenticationID: username}, nil
}

func (c *ctxAuth) AuthenticateToken(ctx context.Context, _, _ string) (auth.Identity, error) {
	c.seen = append(c.seen, ctx.Value(ctxKey{}))
	return auth.Identity{AuthenticationID: "tok"}, nil
}

func (c *ctxAuth) AuthenticateCertificate(ctx context.Context, _ string, _ [][]*x509.Certificate) (auth.Identity, error) {
	c.seen = append(c.seen, ctx.Value(ctxKey{}))
	return auth.Identity{AuthenticationID: "cert"}, nil
}

func TestContextReachesAuthenticator(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mech      string
		responses [][]byte
	}{
		{"PLAIN", [][]byte{b("\x00u\x00p")}},
		{"LOGIN", [][]byte{nil, b("u"), b("p")}},
		{"OAUTHBEARER", [][]byte{ob("n,,", "auth=Bearer t")}},
		{"EXTERNAL", [][]byte{{}}},
	}
	for _, tc := range tests {
		t.Run(tc.mech, func(t *testing.T) {
			t.Parallel()
			a := &ctxAuth{}
			ctx := context.WithValue(t.Context(), ctxKey{}, "exchange-42")
			c := auth.ConnState{TLS: true, VerifiedChains: chain("x")}
			// nil clock and nil done callback are allowed.
			srv, err := auth.NewServer(ctx, tc.mech, c, a, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var o outcome
			o = drive(srv, &o, tc.responses)
			if !o.done || o.err != nil {
				t.Fatalf("exchange = %v, %v; want success", o.done, o.err)
			}
			if len(a.seen) != 1 || a.seen[0] != "exchange-42" {
				t.Errorf("authenticator saw context values %v, want [exchange-42]", a.seen)
			}
		})
	}
}

// TestDefaultClock checks that a nil clock still stamps the identity.
func TestDefaultClock(t *testing.T) {
	t.Parallel()
	var got auth.Identity
	srv, err := auth.NewServer(t.Context(), "PLAIN", withTLS, &ctxAuth{}, nil, func(id auth.Identity) { got = id })
	if err != nil {
		t.Fatal(err)
	}
	if _, done, err := srv.Next(b("\x00u\x00p")); !done || err != nil {
		t.Fatalf("Next = %v, %v", done, err)
	}
	if got.At.IsZero() || got.Mechanism != "PLAIN" || got.AuthenticationID != "u" {
		t.Errorf("identity = %+v, want a time, PLAIN and u", got)
	}
}

// TestNilContext checks that a nil context, a caller bug, does not panic.
func TestNilContext(t *testing.T) {
	t.Parallel()
	u := auth.NewUsers()
	if err := u.Add("alice", "pw", mustMailbox(t, "alice@example.org")); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1012 the nil context is the point of the test
	srv, err := auth.NewServer(nil, "PLAIN", withTLS, u, clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, done, err := srv.Next(b("\x00alice\x00pw")); !done || err != nil {
		t.Fatalf("Next = %v, %v; want success", done, err)
	}
}
