package submission_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// checkReply fails unless err is nil or a valid *policy.Reply with a 4xx
// or 5xx code.
func checkReply(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	r, ok := errors.AsType[*policy.Reply](err)
	if !ok {
		t.Fatalf("%s returned %T %v, want *policy.Reply", what, err, err)
	}
	if r.Code < 400 || r.Code > 599 || r.Valid() != nil {
		t.Fatalf("%s returned invalid reply %v (%v)", what, r, r.Valid())
	}
}

// checkClientReply is checkReply for an error caused by client input alone
// (no I/O error, no failing store): it must not be 4.3.0, an outage of
// ours, which would make the client retry for ever (DESIGN.md: a client's
// fault is a 5xx).
func checkClientReply(t *testing.T, what string, err error) {
	t.Helper()
	checkReply(t, what, err)
	if r, ok := errors.AsType[*policy.Reply](err); ok && r.EnhancedCode() == "4.3.0" {
		t.Fatalf("%s: client input produced %d %s %s (%v)", what, r.Code, r.EnhancedCode(), r.Text, r.Err)
	}
}

// FuzzSessionMailRcpt: arbitrary MAIL and RCPT arguments never panic and
// always give nil or a valid 4xx/5xx *policy.Reply.
func FuzzSessionMailRcpt(f *testing.F) {
	seeds := [][2]string{
		{"<alice@example.org>", "<bob@example.com>"},
		{"alice@example.org", "bob@example.com"},
		{"<>", "<Postmaster>"},
		{"", "postmaster"},
		{"<alice@bücher.example>", "<jürgen@bücher.example>"},
		{`<"alice smith"@example.org>`, `<"bob\ jones"@example.com>`},
		{"<alice@[192.0.2.1]>", "<bob@[IPv6:2001:db8::1]>"},
		{"<@relay.example:alice@example.org>", "<@a,@b:bob@example.com>"},
		{"<alice@example>", "<bob@squeaky.sales>"},
		{"<alice@@example.org>", "<bob example.com>"},
		{"<" + strings.Repeat("a", 70) + "@example.org>", "<b@" + strings.Repeat("x.", 130) + "com>"},
		{"<alice@example.org\r\nRCPT TO:<x@y>>", "<bob@example.com\x00>"},
		{"<alice@xn--bcher-kva.example>", "<bob@xn--zz.example>"},
		{"<<<>>>", ">"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], false)
		f.Add(s[0], s[1], true)
	}
	fx := newFixture(f, func(c *submission.Config) { c.Logger = nil })
	f.Fuzz(func(t *testing.T, from, to string, utf8 bool) {
		ctx := t.Context()
		s := fx.session()
		opts := &policy.MailOptions{SMTPUTF8: utf8}
		checkReply(t, "Mail", s.Mail(ctx, from, opts))
		checkReply(t, "Rcpt", s.Rcpt(ctx, to, nil))
		checkReply(t, "Rcpt", s.Rcpt(ctx, from, nil))
		a := fx.anonymous()
		checkReply(t, "anonymous Mail", a.Mail(ctx, from, opts))
		if err := a.Rcpt(ctx, to, nil); err == nil {
			t.Fatalf("anonymous RCPT %q accepted", to)
		}
	})
}

// FuzzSessionData: any input gives either a valid *policy.Reply that is
// not 4.3.0 (from Data or from Read) or an output whose tail is the input's
// body, byte for byte.
func FuzzSessionData(f *testing.F) {
	seeds := []string{
		crlf(message),
		"",
		"\r\n",
		"\r\nbody only\r\n",
		"From: printer@example.org\r\n",
		"From: printer@example.org\r\n\r\n",
		"From: printer@example.org\r\nTo: bob@example.com\r\n\r\na\r\n\n.\n\r\nMAIL FROM:<x@y>\r\n",
		"From: printer@example.org\r\nTo: bob@example.com\r\n\r\na\r\n\r.\r\r\n",
		"From: printer@example.org\r\nTo: bob@example.com\r\n\r\na\n.\r\n",
		"From: printer@example.org\nTo: bob@example.com\n\nbare LF message\n",
		"From: printer@example.org\r\nSubject: " + strings.Repeat("folded ", 20) + "\r\n " + strings.Repeat("x", 900) + "\r\n\r\nb\r\n",
		"From: printer@example.org\r\nTo: bob@example.com\r\n\r\n" + strings.Repeat("y", 1200) + "\r\n",
		"From: printer@example.org\r\nTo: bob@example.com\r\nSubject: caf\xc3\xa9\r\n\r\ncaf\xc3\xa9\r\n",
		"From: =?utf-8?q?Alice?= <printer@example.org>\r\nTo: undisclosed-recipients:;\r\n\r\nx",
		"From: printer@example.org\r\nDate: 32 Foo 2026\r\nMessage-ID: <>\r\n\r\n",
		" continuation first\r\n\r\n",
		"From printer@example.org Mon Nov 23\r\n\r\n",
		"From: printer@example.org\r\nTo: bob@example.com\r\n\r\na\r\n\x00.\r\nb\x00\r\n",
		"From: " + strings.Repeat("(", 5000) + strings.Repeat(")", 5000) + " printer@example.org\r\n\r\n",
		"From: " + strings.Repeat("(\r\n ", 300) + "printer@example.org" + strings.Repeat(")", 300) + "\r\n\r\n",
		"Subject: " + strings.Repeat("x", 70000) + "\r\n\r\n",
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	fx := newFixture(f, func(c *submission.Config) { c.Logger = nil; c.MaxSize = 1 << 16 })
	f.Fuzz(func(t *testing.T, msg string, eightBit bool) {
		ctx := t.Context()
		s := fx.trusted()
		opts := &policy.MailOptions{}
		if eightBit {
			opts.Body = policy.Body8BitMIME
		}
		if err := s.Mail(ctx, "<printer@example.org>", opts); err != nil {
			t.Fatal(err)
		}
		if err := s.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
			t.Fatal(err)
		}
		r, err := s.Data(ctx, strings.NewReader(msg))
		checkClientReply(t, "Data", err)
		if err != nil {
			return
		}
		out, err := io.ReadAll(r)
		checkClientReply(t, "Read", err)
		if err != nil {
			return
		}
		body := ""
		if strings.HasPrefix(msg, "\r\n") {
			body = msg[2:]
		} else if _, b, ok := strings.Cut(msg, "\r\n\r\n"); ok {
			body = b
		}
		if !strings.HasSuffix(string(out), body) {
			t.Fatalf("output does not end with the input body\n in: %q\nout: %q", msg, out)
		}
		if !strings.HasPrefix(string(out), "Received: ") {
			t.Fatalf("output does not start with Received: %q", out)
		}
	})
}
