package auth_test

import (
	"crypto/x509"
	"errors"
	"slices"
	"testing"

	"github.com/msakit/msakit/auth"
)

func TestMechanisms(t *testing.T) {
	t.Parallel()
	full := newFakeAuth()
	pw := passwordOnly{full}
	tests := []struct {
		name string
		c    auth.ConnState
		a    auth.Authenticator
		want []string
	}{
		{"no TLS, passwords", noTLS, pw, nil},
		{"no TLS, all", noTLS, full, nil},
		{"no TLS, chains ignored", auth.ConnState{VerifiedChains: chain("x")}, full, nil},
		{"TLS, passwords", withTLS, pw, []string{"PLAIN", "LOGIN"}},
		{"TLS, tokens", withTLS, full, []string{"OAUTHBEARER", "PLAIN", "LOGIN"}},
		{"TLS, cert, all", auth.ConnState{TLS: true, VerifiedChains: chain("x")}, full, []string{"EXTERNAL", "OAUTHBEARER", "PLAIN", "LOGIN"}},
		{"TLS, cert, passwords only", auth.ConnState{TLS: true, VerifiedChains: chain("x")}, pw, []string{"PLAIN", "LOGIN"}},
		{"nil authenticator", withTLS, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := auth.Mechanisms(tc.c, tc.a)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Mechanisms() = %q, want %q", got, tc.want)
			}
			// Everything advertised can be started.
			for _, m := range got {
				if _, err := auth.NewServer(t.Context(), m, tc.c, tc.a, clock, nil); err != nil {
					t.Errorf("NewServer(%s) = %v for an advertised mechanism", m, err)
				}
			}
		})
	}
}

func TestNewServerErrors(t *testing.T) {
	t.Parallel()
	full := newFakeAuth()
	pw := passwordOnly{full}
	certTLS := auth.ConnState{TLS: true, VerifiedChains: chain("alice.example.org")}
	tests := []struct {
		name string
		mech string
		c    auth.ConnState
		a    auth.Authenticator
		want error // nil: succeeds
	}{
		{"plain without TLS", "PLAIN", noTLS, full, auth.ErrEncryptionRequired},
		{"login without TLS", "LOGIN", noTLS, full, auth.ErrEncryptionRequired},
		{"oauthbearer without TLS", "OAUTHBEARER", noTLS, full, auth.ErrEncryptionRequired},
		{"oauthbearer without token authenticator", "OAUTHBEARER", withTLS, pw, auth.ErrUnsupported},
		{"external without cert authenticator", "EXTERNAL", certTLS, pw, auth.ErrUnsupported},
		{"external without chains", "EXTERNAL", withTLS, full, auth.ErrInvalidCredentials},
		{"external chains without TLS", "EXTERNAL", auth.ConnState{VerifiedChains: chain("x")}, full, auth.ErrInvalidCredentials},
		{"external empty chain", "EXTERNAL", auth.ConnState{TLS: true, VerifiedChains: [][]*x509.Certificate{{}}}, full, auth.ErrInvalidCredentials},
		{"external nil leaf", "EXTERNAL", auth.ConnState{TLS: true, VerifiedChains: [][]*x509.Certificate{{nil}}}, full, auth.ErrInvalidCredentials},
		{"unknown", "CRAM-MD5", withTLS, full, auth.ErrUnsupported},
		{"empty name", "", withTLS, full, auth.ErrUnsupported},
		{"overlong name", "PLAINPLAINPLAINPLAINPLAIN", withTLS, full, auth.ErrUnsupported},
		{"nil authenticator", "PLAIN", withTLS, nil, auth.ErrUnsupported},
		{"lower case", "plain", withTLS, full, nil},
		{"mixed case", "oAuthBearer", withTLS, full, nil},
		{"external", "EXTERNAL", certTLS, full, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, err := auth.NewServer(t.Context(), tc.mech, tc.c, tc.a, nil, nil)
			if tc.want == nil {
				if err != nil || srv == nil {
					t.Fatalf("NewServer(%q) = %v, %v; want a server", tc.mech, srv, err)
				}
				return
			}
			if !errors.Is(err, tc.want) || srv != nil {
				t.Fatalf("NewServer(%q) = %v, %v; want nil, %v", tc.mech, srv, err, tc.want)
			}
			checkSentinel(t, err)
		})
	}
}
