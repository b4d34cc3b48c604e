package submission_test

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"

	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// exchange runs one SASL exchange of a single response on s.
func exchange(s *submission.Session, t *testing.T, mech string, resp string) error {
	t.Helper()
	srv, err := s.NewSASLServer(t.Context(), mech)
	if err != nil {
		return err
	}
	var _ sasl.Server = srv
	_, _, err = srv.Next([]byte(resp))
	return err
}

// TestSessionAuth has the AUTH rows of DESIGN.md's table (RFC 4954,
// Sections 4 and 6; RFC 5068, Section 5).
func TestSessionAuth(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		plain bool // no TLS
		mech  string
		resp  string
		code  int
		enh   string
	}{
		{"good credentials", false, "PLAIN", "\x00alice\x00secret-a", 0, ""},
		{"mechanism name in lower case", false, "plain", "\x00alice\x00secret-a", 0, ""},
		{"bad password", false, "PLAIN", "\x00alice\x00wrong", 535, "5.7.8"},
		{"unknown user", false, "PLAIN", "\x00nobody\x00secret-a", 535, "5.7.8"},
		{"cleartext without TLS", true, "PLAIN", "\x00alice\x00secret-a", 538, "5.7.11"},
		{"malformed PLAIN", false, "PLAIN", "alice", 501, "5.5.2"},
		{"unknown mechanism", false, "CRAM-MD5", "", 504, "5.5.4"},
		{"overlong response", false, "PLAIN", "\x00alice\x00" + strings.Repeat("p", 13000), 500, "5.5.6"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			c := conn()
			if tc.plain {
				c.TLS = nil
			}
			s := f.agent.NewSession(c)
			err := exchange(s, t, tc.mech, tc.resp)
			wantReply(t, "AUTH", err, tc.code, tc.enh)
			authed := !s.Conn().Identity.IsZero()
			if authed != (tc.code == 0) {
				t.Fatalf("authenticated = %v after %v", authed, err)
			}
			if tc.code == 0 {
				wantReply(t, "MAIL", s.Mail(t.Context(), "<alice@example.org>", nil), 0, "")
				if id := s.Conn().Identity; id.User() != "alice" || id.Mechanism != "PLAIN" || !id.At.Equal(testNow) {
					t.Errorf("identity = %+v", id)
				}
			}
			if strings.Contains(f.logs.String(), "secret-a") || strings.Contains(f.logs.String(), "wrong") {
				t.Errorf("a password reached the log:\n%s", f.logs)
			}
		})
	}
}

// TestSessionAuthSequence: a second AUTH, and AUTH inside a transaction,
// get 503 5.5.1 (RFC 4954, Section 4).
func TestSessionAuthSequence(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	s := f.agent.NewSession(conn())
	wantReply(t, "AUTH", exchange(s, t, "PLAIN", "\x00alice\x00secret-a"), 0, "")
	wantReply(t, "second AUTH", exchange(s, t, "PLAIN", "\x00bob\x00secret-b"), 503, "5.5.1")
	if s.Conn().Identity.User() != "alice" {
		t.Fatalf("identity changed to %v", s.Conn().Identity)
	}

	trusted := f.trusted()
	wantReply(t, "MAIL", trusted.Mail(t.Context(), "<printer@example.org>", nil), 0, "")
	_, err := trusted.NewSASLServer(t.Context(), "PLAIN")
	wantReply(t, "AUTH in transaction", err, 503, "5.5.1")

	s.SetTLS(&tls.ConnectionState{Version: tls.VersionTLS13})
	wantReply(t, "AUTH after STARTTLS", exchange(s, t, "PLAIN", "\x00bob\x00secret-b"), 0, "")
}

// TestSessionAuthNoAuthenticator: without an Authenticator nothing is
// offered and AUTH gets 504 5.5.4.
func TestSessionAuthNoAuthenticator(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *submission.Config) { c.Authenticator = nil })
	s := f.agent.NewSession(conn())
	if m := f.agent.Mechanisms(s.Conn()); len(m) != 0 {
		t.Errorf("Mechanisms = %v, want none", m)
	}
	_, err := s.NewSASLServer(t.Context(), "PLAIN")
	wantReply(t, "AUTH", err, 504, "5.5.4")
}

// TestMechanisms: no PLAIN or LOGIN before TLS (RFC 8314; RFC 4954,
// Section 9).
func TestMechanisms(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	if m := f.agent.Mechanisms(conn()); !strings.Contains(strings.Join(m, " "), "PLAIN") {
		t.Errorf("Mechanisms under TLS = %v, want PLAIN", m)
	}
	if m := f.agent.Mechanisms(policy.Conn{}); strings.Contains(strings.Join(m, " "), "PLAIN") {
		t.Errorf("Mechanisms without TLS = %v, want no PLAIN", m)
	}
}
