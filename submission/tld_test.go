package submission_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// TestFullyQualifiedTLD: a domain is fully qualified when its top-level
// domain is delegated, special-use, or the site's own (RFC 6409, Section
// 4.2), in MAIL FROM (554 5.1.8), RCPT TO (554 5.1.2) and the address
// header fields (554 5.6.0); the reply names the unknown top-level domain.
func TestFullyQualifiedTLD(t *testing.T) {
	t.Parallel()
	local := func(c *submission.Config) {
		c.LocalDomains = []envelope.Domain{mustDomain(t, "corp"), mustDomain(t, "example.lan")}
	}
	lanHost := func(c *submission.Config) { c.Hostname = mustDomain(t, "msa.example.home") }
	anyTLD := func(c *submission.Config) { c.DisableTLDCheck = true }
	cases := []struct {
		name   string
		config func(*submission.Config)
		rcpt   string
		code   int
		enh    string
		names  string // the text must name this top-level domain
	}{
		{"delegated", nil, "bob@example.com", 0, "", ""},
		{"delegated ccTLD under a wildcard rule", nil, "bob@example.ck", 0, "", ""},
		{"delegated IDN TLD", nil, "bob@例子.中国", 0, "", ""},
		{"typo", nil, "carol@example.con", 554, "5.1.2", "con"},
		{"typo deeper", nil, "carol@mail.example.cmo", 554, "5.1.2", "cmo"},
		{"RFC 6409 partial name", nil, "bob@squeaky.sales", 554, "5.1.2", "sales"},
		{"special-use test", nil, "bob@example.test", 0, "", ""},
		{"special-use example", nil, "bob@mail.example", 0, "", ""},
		{"special-use localhost", nil, "bob@app.localhost", 0, "", ""},
		{"special-use internal", nil, "bob@printer.internal", 0, "", ""},
		{"invalid is meant not to exist", nil, "bob@host.invalid", 554, "5.1.2", "invalid"},
		{"private TLD unknown", nil, "bob@host.corp", 554, "5.1.2", "corp"},
		{"private TLD listed", local, "bob@host.corp", 0, "", ""},
		{"local domain listed", local, "bob@example.lan", 0, "", ""},
		{"under a local domain", local, "bob@mail.example.lan", 0, "", ""},
		{"beside a local domain", local, "bob@other.lan", 554, "5.1.2", "lan"},
		{"a listed TLD alone is one label", local, "bob@corp", 554, "5.1.2", ""},
		{"Hostname's private TLD", lanHost, "bob@nas.home", 0, "", ""},
		{"TLD check off", anyTLD, "carol@example.con", 0, "", ""},
		{"TLD check off, numeric TLD", anyTLD, "carol@mail.123", 554, "5.1.2", "123"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.config)
			s := f.session()
			opts := &policy.MailOptions{SMTPUTF8: true}
			wantReply(t, "MAIL", s.Mail(t.Context(), "<alice@example.org>", opts), 0, "")
			err := s.Rcpt(t.Context(), "<"+tc.rcpt+">", nil)
			wantReply(t, "RCPT TO:<"+tc.rcpt+">", err, tc.code, tc.enh)
			wantNames(t, err, tc.names)
			s.Reset()

			// The same domain in MAIL FROM, for an identity that may use it.
			f2 := newFixture(t, func(c *submission.Config) {
				if tc.config != nil {
					tc.config(c)
				}
				c.DisableEnforceSender = true
			})
			s2 := f2.session()
			err = s2.Mail(t.Context(), "<"+tc.rcpt+">", opts)
			code, enh := tc.code, strings.Replace(tc.enh, "5.1.2", "5.1.8", 1)
			wantReply(t, "MAIL FROM:<"+tc.rcpt+">", err, code, enh)
			wantNames(t, err, tc.names)
			s2.Reset()

			// And in To.
			msg := crlf("From: alice@example.org\nTo: " + tc.rcpt + "\nSubject: s\n\nx\n")
			if code != 0 {
				enh = "5.6.0"
			}
			_, err = submit(t, s, opts, msg)
			wantReply(t, "To: "+tc.rcpt, err, code, enh)
			wantNames(t, err, tc.names)
		})
	}
}

// wantNames checks that a refusal's text names the top-level domain tld.
func wantNames(t *testing.T, err error, tld string) {
	t.Helper()
	if tld == "" {
		return
	}
	var r *policy.Reply
	if !errors.As(err, &r) || !strings.Contains(r.Text, `"`+tld+`" is not a delegated top-level domain`) {
		t.Errorf("reply %v does not name the top-level domain %q", err, tld)
	}
}
