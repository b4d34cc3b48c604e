package submission_test

import (
	"context"
	"crypto/tls"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/submission"
)

// tokenUsers is an Authenticator that also takes bearer tokens
// (auth.TokenAuthenticator), so the agent offers OAUTHBEARER.
type tokenUsers struct {
	*auth.Users
	addr envelope.Mailbox
}

var _ auth.TokenAuthenticator = tokenUsers{}

func (u tokenUsers) AuthenticateToken(_ context.Context, authzid, token string) (auth.Identity, error) {
	if token != "good-token" {
		return auth.Identity{}, auth.ErrInvalidCredentials
	}
	return auth.Identity{AuthenticationID: "alice", Address: u.addr}, nil
}

// TestSessionOAuthBearerHost checks that the TLS server name reaches the
// OAUTHBEARER host check (RFC 7628, Section 3.2): a token presented for
// another host is refused with 535 5.7.8, one for this host accepted.
func TestSessionOAuthBearerHost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		sni  string
		resp string
		code int
		enh  string
	}{
		{"same host", "msa.example.org", "n,a=alice,\x01host=msa.example.org\x01auth=Bearer good-token\x01\x01", 0, ""},
		{"host in other case", "msa.example.org", "n,a=alice,\x01host=MSA.Example.org\x01auth=Bearer good-token\x01\x01", 0, ""},
		{"other host", "msa.example.org", "n,a=alice,\x01host=evil.example\x01auth=Bearer good-token\x01\x01", 535, "5.7.8"},
		{"no SNI: host not checked", "", "n,a=alice,\x01host=anything.example\x01auth=Bearer good-token\x01\x01", 0, ""},
		{"bad token", "msa.example.org", "n,a=alice,\x01host=msa.example.org\x01auth=Bearer bad\x01\x01", 535, "5.7.8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			users := auth.NewUsers()
			f := newFixture(t, func(c *submission.Config) {
				c.Authenticator = tokenUsers{Users: users, addr: mustMailbox(t, "alice@example.org")}
			})
			c := conn()
			c.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, ServerName: tc.sni, HandshakeComplete: true}
			s := f.agent.NewSession(c)
			err := oauthExchange(t, s, tc.resp)
			wantReply(t, "AUTH OAUTHBEARER", err, tc.code, tc.enh)
			if tc.code == 0 && s.Conn().Identity.IsZero() {
				t.Errorf("session not authenticated after a good exchange")
			}
		})
	}
}

// oauthExchange runs an OAUTHBEARER exchange; after a failure the server
// sends an error challenge and the client answers with a lone %x01 (RFC
// 7628, Section 3.2.3), so a refusal arrives on the second step.
func oauthExchange(t *testing.T, s *submission.Session, resp string) error {
	t.Helper()
	srv, err := s.NewSASLServer(t.Context(), "OAUTHBEARER")
	if err != nil {
		return err
	}
	challenge, done, err := srv.Next([]byte(resp))
	if err != nil || done {
		return err
	}
	if len(challenge) == 0 {
		t.Fatalf("OAUTHBEARER: not done, but no error challenge")
	}
	_, _, err = srv.Next([]byte{0x01})
	if err == nil {
		t.Fatalf("OAUTHBEARER: error challenge %q, then success", challenge)
	}
	return err
}
