package submission_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/submission"
)

// TestConfigProfileSwitches checks that each optional part of the RFC 6409
// profile is reachable from Config and does what its doc says, through
// the whole Session (MAIL, RCPT, DATA).
func TestConfigProfileSwitches(t *testing.T) {
	t.Parallel()
	const fromOther = "From: Sales <sales@example.net>\r\nTo: bob@example.com\r\nSubject: s\r\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <a@b.example>\r\n\r\nbody\r\n"
	const noFrom = "To: bob@example.com\r\nSubject: s\r\nBcc: carol@example.com\r\n\r\nbody\r\n"

	cases := []struct {
		name string
		mod  func(*submission.Config)
		msg  string
		// want: fields that must be present (name: value prefix), and absent.
		present []string
		absent  []string
		code    int
		enh     string
	}{
		{
			name:    "default: From from another owned address, no Sender added",
			msg:     fromOther,
			absent:  []string{"Sender:"},
			present: []string{"From: Sales <sales@example.net>"},
		},
		{
			name:    "AddSender adds the identity (RFC 6409 8.1)",
			mod:     func(c *submission.Config) { c.AddSender = true },
			msg:     fromOther,
			present: []string{"Sender: alice@example.org", "From: Sales <sales@example.net>"},
		},
		{
			name: "default: missing From refused",
			msg:  noFrom,
			code: 554, enh: "5.6.0",
		},
		{
			name:    "AddMissingFrom adds the identity's From; Bcc removed by default (RFC 5322 3.6.3)",
			mod:     func(c *submission.Config) { c.AddMissingFrom = true },
			msg:     noFrom,
			present: []string{"From: alice@example.org"},
			absent:  []string{"Bcc:"},
		},
		{
			name:    "DisableRemoveBcc keeps Bcc and Resent-Bcc",
			mod:     func(c *submission.Config) { c.AddMissingFrom = true; c.DisableRemoveBcc = true },
			msg:     "Resent-Bcc: dave@example.com\r\n" + noFrom,
			present: []string{"From: alice@example.org", "Bcc: carol@example.com", "Resent-Bcc: dave@example.com"},
		},
		{
			name:    "default adds Date and Message-ID",
			mod:     func(c *submission.Config) { c.AddMissingFrom = true },
			msg:     noFrom,
			present: []string{"Date: ", "Message-ID: <"},
		},
		{
			name: "DisableAddDate and DisableAddMessageID leave them out",
			mod: func(c *submission.Config) {
				c.AddMissingFrom = true
				c.DisableAddDate = true
				c.DisableAddMessageID = true
			},
			msg:    noFrom,
			absent: []string{"Date: ", "Message-ID:"},
		},
		{
			name:    "DisableCheckHeader lets a message without From through",
			mod:     func(c *submission.Config) { c.DisableCheckHeader = true; c.DisableRemoveBcc = true },
			msg:     noFrom,
			absent:  []string{"From:"},
			present: []string{"Bcc: carol@example.com"},
		},
		{
			name: "default: From not owned refused",
			msg:  strings.Replace(fromOther, "sales@example.net", "ceo@example.com", 1),
			code: 550, enh: "5.7.1",
		},
		{
			name:    "DisableEnforceSender lets it through",
			mod:     func(c *submission.Config) { c.DisableEnforceSender = true },
			msg:     strings.Replace(fromOther, "sales@example.net", "ceo@example.com", 1),
			present: []string{"From: Sales <ceo@example.com>"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.mod)
			s := f.session()
			ctx := t.Context()
			if err := s.Mail(ctx, "<alice@example.org>", nil); err != nil {
				t.Fatalf("MAIL: %v", err)
			}
			if err := s.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
				t.Fatalf("RCPT: %v", err)
			}
			r, err := s.Data(ctx, strings.NewReader(tc.msg))
			if tc.code != 0 {
				wantReply(t, "Data", err, tc.code, tc.enh)
				return
			}
			if err != nil {
				t.Fatalf("Data: %v", err)
			}
			out, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			hdr, body, _ := strings.Cut(string(out), "\r\n\r\n")
			if body != bodyOf(tc.msg) {
				t.Errorf("body = %q, want %q", body, bodyOf(tc.msg))
			}
			lines := "\r\n" + hdr + "\r\n"
			for _, p := range tc.present {
				if !strings.Contains(lines, "\r\n"+p) {
					t.Errorf("header lacks %q:\n%s", p, hdr)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(lines, "\r\n"+a) {
					t.Errorf("header has %q:\n%s", a, hdr)
				}
			}
		})
	}
}

// TestConfigAllowRecipient checks Config.AllowRecipient: a refused
// recipient gets 550 5.7.1 (RFC 6409, Section 6.2) and the others pass.
func TestConfigAllowRecipient(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *submission.Config) {
		c.AllowRecipient = func(_ context.Context, id auth.Identity, rcpt envelope.Path) (bool, error) {
			return rcpt.Mailbox().Domain.ASCII() != "forbidden.example", nil
		}
	})
	s := f.session()
	ctx := t.Context()
	if err := s.Mail(ctx, "<alice@example.org>", nil); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	wantReply(t, "RCPT allowed", s.Rcpt(ctx, "<bob@example.com>", nil), 0, "")
	wantReply(t, "RCPT forbidden", s.Rcpt(ctx, "<eve@forbidden.example>", nil), 550, "5.7.1")
	if n := len(s.Transaction().Recipients); n != 1 {
		t.Errorf("recipients = %d, want 1", n)
	}
}

// TestConfigRewrite checks Config.Rewrite: the reverse-path is rewritten by
// a configured rule only (RFC 6409, Section 8.8), after the checks judged
// the address the client sent; a rule that cannot be right fails New.
func TestConfigRewrite(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *submission.Config) {
		c.Rewrite = submission.RewriteRules{
			Domains: map[envelope.Domain]envelope.Domain{mustDomain(t, "example.org"): mustDomain(t, "mail.example.org")},
		}
	})
	s := f.session()
	if err := s.Mail(t.Context(), "<alice@example.org>", nil); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	if got := s.Transaction().From.Mailbox().String(); got != "alice@mail.example.org" {
		t.Errorf("From = %q, want alice@mail.example.org", got)
	}
	_, err := submission.New(submission.Config{Hostname: mustDomain(t, "msa.example.org"), Rewrite: submission.RewriteRules{
		Domains: map[envelope.Domain]envelope.Domain{mustDomain(t, "example.org"): mustDomain(t, "corp")},
	}})
	if err == nil {
		t.Error("New accepted a rewrite rule whose result is not fully qualified")
	}
}
