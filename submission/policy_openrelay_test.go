package submission

import (
	"net/netip"
	"testing"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
)

// TestNoOpenRelay: an unauthenticated session from an untrusted address
// cannot get a single RCPT accepted under any profile a Config builds,
// whether or not the server ran the MAIL stage first (RFC 5068, Section 3.2;
// RFC 6409, Sections 4.3 and 9). The only exception is the postmaster, and
// only when AllowPostmaster is set (RFC 6409, Section 6.4).
func TestNoOpenRelay(t *testing.T) {
	t.Parallel()
	mx := mustDomain(t, "mx.example.org")
	trusted := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	profiles := []struct {
		name            string
		o               Config
		allowPostmaster bool
	}{
		{"zero", Config{}, false},
		{"hostname", Config{Hostname: mx}, false},
		{"trusted networks elsewhere", Config{Hostname: mx, Trusted: trusted}, false},
		{"expansion", Config{Hostname: mx, Expand: mustDomain(t, "example.org")}, false},
		{"senders and limits", Config{Hostname: mx, Senders: &fakeSenders{}, MaxRecipients: 1000, MaxSize: 1 << 20}, false},
		{"no limits", Config{Hostname: mx, MaxRecipients: -1, MaxSize: -1}, false},
		{"no sender enforcement", Config{Hostname: mx, DisableEnforceSender: true}, false},
		{"no header check", Config{Hostname: mx, DisableCheckHeader: true}, false},
		{"postmaster exception", Config{Hostname: mx, AllowPostmaster: true}, true},
	}
	recipients := []struct {
		to         string
		postmaster bool
	}{
		{"<bob@example.net>", false},
		{"<bob@mx.example.org>", false},
		{"<bob@[198.51.100.1]>", false},
		{`<"bob smith"@example.net>`, false},
		{"<postmaster@example.net>", false},
		{"<postmaster+x@mx.example.org>", false},
		{"<bob@sales>", false},
		{"<用户@例子.example>", false},
		{"<Postmaster>", true},
		{"<postmaster@mx.example.org>", true},
		{"<POSTMASTER@MX.EXAMPLE.ORG>", true},
	}
	conns := map[string]func() *policy.Conn{
		"no address": func() *policy.Conn { return &policy.Conn{} },
		"untrusted address": func() *policy.Conn {
			return &policy.Conn{RemoteAddr: netip.MustParseAddrPort("198.51.100.9:4000"), Helo: "client.example.net", ESMTP: true}
		},
		"mapped untrusted": func() *policy.Conn {
			return &policy.Conn{RemoteAddr: netip.MustParseAddrPort("[::ffff:198.51.100.9]:4000")}
		},
	}
	froms := []string{"<alice@example.org>", "<>", "<postmaster@mx.example.org>"}
	for _, pr := range profiles {
		a := testAgent(t, pr.o)
		c := a.chain
		for connName, mkConn := range conns {
			for _, from := range froms {
				for _, r := range recipients {
					for _, skipMail := range []bool{false, true} {
						// The Agent decides trust, as a server's session would.
						conn := a.NewSession(*mkConn()).Conn()
						txn := &policy.Transaction{From: mustRev(t, from), OriginalFrom: from, MailOptions: policy.MailOptions{SMTPUTF8: true}}
						if !skipMail {
							if err := c.Mail(t.Context(), &conn, txn); err != nil {
								continue // refused at MAIL: no recipient possible
							}
						}
						rc := &policy.Recipient{Path: mustFwd(t, r.to), Original: r.to}
						err := c.Rcpt(t.Context(), &conn, txn, rc)
						allowed := pr.allowPostmaster && r.postmaster
						if err == nil && !allowed {
							t.Errorf("%s/%s: MAIL FROM:%s (skip MAIL %v) RCPT TO:%s accepted without authentication",
								pr.name, connName, from, skipMail, r.to)
						}
						if err == nil && allowed && !isPostmasterPath(rc.Path) {
							t.Errorf("%s: postmaster recipient %s became %v", pr.name, r.to, rc.Path)
						}
						if err == nil && !skipMail && from == "<>" {
							t.Errorf("%s: unauthenticated <> accepted at MAIL", pr.name)
						}
					}
				}
			}
		}
	}
}

func isPostmasterPath(p envelope.Path) bool {
	return p.IsPostmaster() || (p.Mailbox().LocalPart == "postmaster" || p.Mailbox().LocalPart == "POSTMASTER")
}
