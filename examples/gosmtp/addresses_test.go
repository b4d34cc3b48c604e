package gosmtp

import (
	"testing"
)

// TestEnvelopeAddresses: msakit judges MAIL and RCPT paths as the client
// sent them. go-smtp hands the session a local part without its quotes, so
// carol..smith@example.net (invalid, RFC 5321, Section 4.1.2) could not be
// told from "carol..smith"@example.net (valid); the adapter used to quote
// every local part that was not a Dot-string and accepted the invalid one.
func TestEnvelopeAddresses(t *testing.T) {
	t.Parallel()
	eachMode(t, func(t *testing.T, ts *testServer, rc *rawClient) {
		// RFC 6409, Section 5.1; RFC 3463: X.1.7 bad sender's, X.1.3
		// bad destination mailbox address syntax.
		for _, bad := range []string{"<carol..smith@example.org>", "<carol.@example.org>", "<carol@@example.org>", "<.carol@example.org>"} {
			rc.must("MAIL FROM:"+bad, "501 5.1.7")
		}
		rc.must("MAIL FROM:<a@example.org>", "250 2.0.0")
		for _, bad := range []string{"<carol..smith@example.net>", "<carol.@example.net>", "<carol@@example.net>", "<carol@example..net>"} {
			rc.must("RCPT TO:"+bad, "501 5.1.3")
		}
		good := []struct{ path, local string }{
			{`<"carol..smith"@example.net>`, "carol..smith"},
			{`<"carol."@example.net>`, "carol."},
			{`<"carol smith"@example.net>`, "carol smith"},
			{`<"odd@local"@example.net>`, "odd@local"},
			{`<"a\"b"@example.net>`, `a"b`},
			{"<@relay.example:dave@example.net>", "dave"}, // source route, RFC 5321, Appendix C
		}
		for _, g := range good {
			rc.must("RCPT TO:"+g.path, "250 2.0.0")
		}
		rc.sendData(trustedHeader + "hi\r\n")
		rcpts := ts.delivered(t, 1)[0].msg.Transaction.Recipients
		if len(rcpts) != len(good) {
			t.Fatalf("%d recipients, want %d", len(rcpts), len(good))
		}
		for i, g := range good {
			if mb := rcpts[i].Path.Mailbox(); mb.LocalPart != g.local || mb.Domain.ASCII() != "example.net" {
				t.Errorf("RCPT TO:%s became %s, want local part %q at example.net", g.path, rcpts[i].Path, g.local)
			}
		}
	})
}

// TestPostmaster: RCPT TO:<Postmaster> without a domain MUST be accepted
// (RFC 5321, Section 4.1.1.3); go-smtp's parser refuses it (parse.go,
// parseMailbox), so the guard hands go-smtp a stand-in and msakit the path
// as sent.
func TestPostmaster(t *testing.T) {
	t.Parallel()
	eachMode(t, func(t *testing.T, ts *testServer, rc *rawClient) {
		rc.must("MAIL FROM:<a@example.org>", "250 2.0.0")
		r := rc.must("RCPT TO:<Postmaster>", "250 2.0.0")
		if got := r.lines[0]; got != "2.0.0 I'll make sure <Postmaster> gets this" {
			t.Errorf("reply text %q names the stand-in", got)
		}
		rc.must("RCPT TO:<postmaster> NOTIFY=FAILURE", "250 2.0.0") // DSN, RFC 3461
		rc.must("RCPT TO:<postmaster@example.org>", "250 2.0.0")
		rc.sendData(trustedHeader + "hi\r\n")
		// msakit's Postmaster policy delivers the unqualified form to the
		// postmaster of its own host name (RFC 5321, Section 4.1.1.3).
		rcpts := ts.delivered(t, 1)[0].msg.Transaction.Recipients
		want := []struct{ original, path string }{
			{"<Postmaster>", "<postmaster@" + testHost + ">"},
			{"<postmaster>", "<postmaster@" + testHost + ">"},
			{"<postmaster@example.org>", "<postmaster@example.org>"},
		}
		if len(rcpts) != len(want) {
			t.Fatalf("recipients %v, want %d", rcpts, len(want))
		}
		for i, w := range want {
			if rcpts[i].Original != w.original || rcpts[i].Path.String() != w.path {
				t.Errorf("recipient %d: %q as %s, want %q as %s", i, rcpts[i].Original, rcpts[i].Path, w.original, w.path)
			}
		}
	})
}

// TestAuthParameter: the mailbox of MAIL's AUTH= parameter (RFC 4954,
// Section 5) reaches the adapter only through go-smtp, which removed its
// quotes; the decision of rebuildPath applies: a character that exists
// only inside quotes brings them back, a dot error stays unquoted.
func TestAuthParameter(t *testing.T) {
	t.Parallel()
	ts, rc := trustedClient(t, "plain")
	for _, tc := range []struct{ param, want string }{
		{param: `AUTH="carol+20smith"@example.org`, want: `"carol smith"@example.org`}, // xtext, RFC 3461, Section 4
		{param: "AUTH=carol..smith@example.org", want: "carol..smith@example.org"},
		{param: "AUTH=<>", want: "<>"},
	} {
		rc.must("MAIL FROM:<a@example.org> "+tc.param, "250 2.0.0")
		rc.must("RCPT TO:<b@example.net>", "250 2.0.0")
		rc.sendData(trustedHeader + "hi\r\n")
		msgs := ts.dlv.all()
		if got := msgs[len(msgs)-1].msg.Transaction.MailOptions.Auth; got != tc.want {
			t.Errorf("%s: MailOptions.Auth %q, want %q", tc.param, got, tc.want)
		}
	}
}
