package submission_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// step is one command of a scripted session.
type step struct {
	cmd  string // "MAIL", "RCPT" or "DATA"
	arg  string // path, or message for DATA
	mail *policy.MailOptions
	code int    // 0: accepted
	enh  string // full enhanced code
}

func run(t *testing.T, s *submission.Session, steps []step) {
	t.Helper()
	ctx := t.Context()
	for i, st := range steps {
		var err error
		switch st.cmd {
		case "MAIL":
			err = s.Mail(ctx, st.arg, st.mail)
		case "RCPT":
			err = s.Rcpt(ctx, st.arg, nil)
		case "DATA":
			var r io.Reader
			r, err = s.Data(ctx, strings.NewReader(crlf(st.arg)))
			if err == nil {
				_, err = io.Copy(io.Discard, r)
			}
		}
		wantReply(t, fmt.Sprintf("step %d %s %q", i, st.cmd, st.arg), err, st.code, st.enh)
	}
}

// TestSessionTableMailRcpt has one case per MAIL/RCPT row of DESIGN.md's
// table, through Session, asserting code and enhanced code.
func TestSessionTableMailRcpt(t *testing.T) {
	t.Parallel()
	type who int
	const (
		authed who = iota
		anon
		trustedNet
	)
	cases := []struct {
		name   string
		who    who
		config func(*submission.Config)
		steps  []step
	}{
		{"auth required before MAIL (RFC 6409 4.3)", anon, nil, []step{
			{cmd: "MAIL", arg: "<alice@example.org>", code: 530, enh: "5.7.0"},
		}},
		{"trusted network submits without AUTH (RFC 6409 3.3)", trustedNet, nil, []step{
			{cmd: "MAIL", arg: "<printer@example.org>"},
			{cmd: "RCPT", arg: "<bob@example.com>"},
		}},
		{"authenticated submission", authed, nil, []step{
			{cmd: "MAIL", arg: "<alice@example.org>"},
			{cmd: "RCPT", arg: "<bob@example.com>"},
		}},
		{"paths without angle brackets", authed, nil, []step{
			{cmd: "MAIL", arg: "alice@example.org"},
			{cmd: "RCPT", arg: "bob@example.com"},
		}},
		{"null reverse-path accepted (RFC 6409 3.2)", authed, nil, []step{
			{cmd: "MAIL", arg: "<>"},
			{cmd: "RCPT", arg: "<bob@example.com>"},
		}},
		{"unqualified sender domain (RFC 6409 4.2)", authed, nil, []step{
			{cmd: "MAIL", arg: "<alice@example>", code: 554, enh: "5.1.8"},
		}},
		{"unqualified recipient domain (RFC 6409 4.2)", authed, nil, []step{
			{cmd: "MAIL", arg: "<alice@example.org>"},
			{cmd: "RCPT", arg: "<bob@sales>", code: 554, enh: "5.1.2"},
		}},
		{"single-level recipient expanded by configuration (RFC 6409 4.2)", authed,
			func(c *submission.Config) { c.Expand = mustDomain(t, "example.org") }, []step{
				{cmd: "MAIL", arg: "<alice@example.org>"},
				{cmd: "RCPT", arg: "<bob@sales>"},
			}},
		{"multi-level partial domain refused, not expanded (RFC 6409 4.2)", authed,
			func(c *submission.Config) {
				c.Expand = mustDomain(t, "example.org")
				c.Partial = func(d envelope.Domain) bool { return strings.HasSuffix(d.ASCII(), ".sales") }
			}, []step{
				{cmd: "MAIL", arg: "<alice@example.org>"},
				{cmd: "RCPT", arg: "<bob@squeaky.sales>", code: 554, enh: "5.1.2"},
			}},
		{"reduced authentication for the postmaster (RFC 6409 6.4)", anon,
			func(c *submission.Config) { c.AllowPostmaster = true }, []step{
				{cmd: "MAIL", arg: "<someone@example.com>"},
				{cmd: "RCPT", arg: "<bob@example.com>", code: 530, enh: "5.7.0"},
				{cmd: "RCPT", arg: "<Postmaster>"},
				{cmd: "RCPT", arg: "<postmaster@msa.example.org>"},
			}},
		{"no return path determinable (RFC 6409 3.2)", anon,
			func(c *submission.Config) { c.AllowPostmaster = true }, []step{
				{cmd: "MAIL", arg: "<>", code: 550, enh: "5.7.1"},
			}},
		{"sender syntax (RFC 6409 5.1)", authed, nil, []step{
			{cmd: "MAIL", arg: "<alice@@example.org>", code: 501, enh: "5.1.7"},
		}},
		{"recipient syntax (RFC 6409 5.1)", authed, nil, []step{
			{cmd: "MAIL", arg: "<alice@example.org>"},
			{cmd: "RCPT", arg: "<bob example.com>", code: 501, enh: "5.1.3"},
		}},
		{"sender not owned by identity (RFC 6409 6.1)", authed, nil, []step{
			{cmd: "MAIL", arg: "<mallory@example.org>", code: 550, enh: "5.7.1"},
		}},
		{"sender in an allowed domain (RFC 6409 6.1)", authed, nil, []step{
			{cmd: "MAIL", arg: "<anything@example.net>"},
		}},
		{"subaddress of own address (RFC 6409 6.1)", authed, nil, []step{
			{cmd: "MAIL", arg: "<alice+lists@example.org>"},
		}},
		{"recipient permissions (RFC 6409 6.2)", authed,
			func(c *submission.Config) {
				c.AllowRecipient = func(_ context.Context, _ auth.Identity, rcpt envelope.Path) (bool, error) {
					return !strings.HasSuffix(rcpt.String(), "@forbidden.example>"), nil
				}
			}, []step{
				{cmd: "MAIL", arg: "<alice@example.org>"},
				{cmd: "RCPT", arg: "<carol@forbidden.example>", code: 550, enh: "5.7.1"},
				{cmd: "RCPT", arg: "<bob@example.com>"},
			}},
		{"unqualified Postmaster accepted (RFC 5321 4.1.1.3)", authed, nil, []step{
			{cmd: "MAIL", arg: "<alice@example.org>"},
			{cmd: "RCPT", arg: "<Postmaster>"},
		}},
		{"non-ASCII sender without SMTPUTF8 (RFC 6531 3.5)", authed, nil, []step{
			{cmd: "MAIL", arg: "<alice@bücher.example>", code: 550, enh: "5.6.7"},
		}},
		{"non-ASCII recipient without SMTPUTF8 (RFC 6531 3.5)", authed, nil, []step{
			{cmd: "MAIL", arg: "<alice@example.org>"},
			{cmd: "RCPT", arg: "<jürgen@bücher.example>", code: 553, enh: "5.6.7"},
		}},
		{"non-ASCII recipient with SMTPUTF8", authed, nil, []step{
			{cmd: "MAIL", arg: "<alice@example.org>", mail: &policy.MailOptions{SMTPUTF8: true, Body: policy.Body8BitMIME}},
			{cmd: "RCPT", arg: "<jürgen@bücher.example>"},
		}},
		{"declared size over the limit (RFC 1870)", authed,
			func(c *submission.Config) { c.MaxSize = 1000 }, []step{
				{cmd: "MAIL", arg: "<alice@example.org>", mail: &policy.MailOptions{Size: 1001}, code: 552, enh: "5.3.4"},
				{cmd: "MAIL", arg: "<alice@example.org>", mail: &policy.MailOptions{Size: 1000}},
			}},
		{"rejected RCPT rejects only that recipient", authed, nil, []step{
			{cmd: "MAIL", arg: "<alice@example.org>"},
			{cmd: "RCPT", arg: "<bob@sales>", code: 554, enh: "5.1.2"},
			{cmd: "RCPT", arg: "<bob@example.com>"},
			{cmd: "DATA", arg: message},
		}},
		{"message limit (site policy)", authed,
			func(c *submission.Config) { c.Limits.Messages = submission.Limit{Max: 1, Per: time.Hour} }, []step{
				{cmd: "MAIL", arg: "<alice@example.org>"},
				{cmd: "RCPT", arg: "<bob@example.com>"},
				{cmd: "DATA", arg: message},
				{cmd: "MAIL", arg: "<alice@example.org>", code: 451, enh: "4.7.1"},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.config)
			var s *submission.Session
			switch tc.who {
			case authed:
				s = f.session()
			case anon:
				s = f.anonymous()
			case trustedNet:
				s = f.trusted()
			}
			run(t, s, tc.steps)
		})
	}
}

// TestSessionMaxRecipients: 100 recipients are accepted (RFC 5321, Section
// 4.5.3.1.8), the 101st gets 452 4.5.3, and the transaction goes on.
func TestSessionMaxRecipients(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	s := f.session()
	ctx := t.Context()
	wantReply(t, "MAIL", s.Mail(ctx, "<alice@example.org>", nil), 0, "")
	for i := range 100 {
		wantReply(t, fmt.Sprintf("RCPT %d", i), s.Rcpt(ctx, fmt.Sprintf("<r%d@example.com>", i), nil), 0, "")
	}
	wantReply(t, "RCPT 101", s.Rcpt(ctx, "<r100@example.com>", nil), 452, "4.5.3")
	if n := len(s.Transaction().Recipients); n != 100 {
		t.Fatalf("recipients = %d, want 100", n)
	}
}

// TestSessionNoOpenRelay: an unauthenticated, untrusted session cannot get
// a single RCPT accepted, whatever it tries (RFC 5068, Section 3.2; RFC
// 6409, Section 4.3): MAIL is 530 5.7.0 (RFC 4954, Section 6), or 501
// 5.1.7 for <Postmaster>, which is no reverse-path (RFC 5321, Section
// 4.1.2), and RCPT and DATA without a transaction are 503 5.5.1.
func TestSessionNoOpenRelay(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	s := f.anonymous()
	ctx := t.Context()
	froms := []struct {
		path string
		code int
		enh  string
	}{
		{"<alice@example.org>", 530, "5.7.0"},
		{"<>", 530, "5.7.0"},
		{"alice@example.org", 530, "5.7.0"},
		{"<postmaster@example.org>", 530, "5.7.0"},
		{"<Postmaster>", 501, "5.1.7"},
	}
	rcpts := []string{"<bob@example.com>", "<alice@example.org>", "<Postmaster>", "<postmaster@example.org>", "bob@example.com"}
	for _, fc := range froms {
		from := fc.path
		wantReply(t, "anonymous MAIL "+from, s.Mail(ctx, from, nil), fc.code, fc.enh)
		for _, to := range rcpts {
			wantReply(t, "anonymous RCPT "+to+" after MAIL "+from, s.Rcpt(ctx, to, nil), 503, "5.5.1")
		}
		_, err := s.Data(ctx, strings.NewReader(crlf(message)))
		wantReply(t, "anonymous DATA", err, 503, "5.5.1")
	}
}

// TestSessionOutOfOrder: commands out of sequence get 503 5.5.1 (RFC 5321,
// Sections 3.3 and 4.1.4).
func TestSessionOutOfOrder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		steps []step
	}{
		{"RCPT before MAIL", []step{{cmd: "RCPT", arg: "<bob@example.com>", code: 503, enh: "5.5.1"}}},
		{"DATA before MAIL", []step{{cmd: "DATA", arg: message, code: 503, enh: "5.5.1"}}},
		{"DATA before RCPT", []step{
			{cmd: "MAIL", arg: "<alice@example.org>"},
			{cmd: "DATA", arg: message, code: 503, enh: "5.5.1"},
		}},
		{"DATA after every RCPT was rejected", []step{
			{cmd: "MAIL", arg: "<alice@example.org>"},
			{cmd: "RCPT", arg: "<bob@sales>", code: 554, enh: "5.1.2"},
			{cmd: "DATA", arg: message, code: 503, enh: "5.5.1"},
		}},
		{"nested MAIL", []step{
			{cmd: "MAIL", arg: "<alice@example.org>"},
			{cmd: "MAIL", arg: "<alice@example.org>", code: 503, enh: "5.5.1"},
			{cmd: "RCPT", arg: "<bob@example.com>"},
		}},
		{"RCPT after a rejected MAIL", []step{
			{cmd: "MAIL", arg: "<mallory@example.org>", code: 550, enh: "5.7.1"},
			{cmd: "RCPT", arg: "<bob@example.com>", code: 503, enh: "5.5.1"},
		}},
		{"RCPT and DATA after DATA", []step{
			{cmd: "MAIL", arg: "<alice@example.org>"},
			{cmd: "RCPT", arg: "<bob@example.com>"},
			{cmd: "DATA", arg: message},
			{cmd: "RCPT", arg: "<bob@example.com>", code: 503, enh: "5.5.1"},
			{cmd: "DATA", arg: message, code: 503, enh: "5.5.1"},
		}},
		{"MAIL after DATA needs no RSET", []step{
			{cmd: "MAIL", arg: "<alice@example.org>"},
			{cmd: "RCPT", arg: "<bob@example.com>"},
			{cmd: "DATA", arg: message},
			{cmd: "MAIL", arg: "<alice@example.org>"},
			{cmd: "RCPT", arg: "<bob@example.com>"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run(t, newFixture(t, nil).session(), tc.steps)
		})
	}
}

// TestSessionResetKeepsIdentity: RSET clears the transaction but not the
// authentication (RFC 5321, Section 4.1.1.5; RFC 4954, Section 4); STARTTLS
// discards both (RFC 3207, Section 4.2).
func TestSessionResetKeepsIdentity(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	s := f.session()
	ctx := t.Context()
	wantReply(t, "MAIL", s.Mail(ctx, "<alice@example.org>", nil), 0, "")
	wantReply(t, "RCPT", s.Rcpt(ctx, "<bob@example.com>", nil), 0, "")
	s.Reset()
	if tx := s.Transaction(); tx != nil {
		t.Fatalf("Transaction after Reset = %+v, want nil", tx)
	}
	if s.Conn().Identity.IsZero() {
		t.Fatal("Reset discarded the identity")
	}
	wantReply(t, "RCPT after Reset", s.Rcpt(ctx, "<bob@example.com>", nil), 503, "5.5.1")
	wantReply(t, "MAIL after Reset", s.Mail(ctx, "<alice@example.org>", nil), 0, "")
	if n := len(s.Transaction().Recipients); n != 0 {
		t.Fatalf("recipients after Reset = %d, want 0", n)
	}

	s.SetHelo("other.example.org", true)
	if s.Transaction() != nil || s.Conn().Identity.IsZero() {
		t.Fatal("EHLO must end the transaction and keep the identity")
	}

	s.SetTLS(&tls.ConnectionState{Version: tls.VersionTLS13})
	c := s.Conn()
	if !c.Identity.IsZero() || c.Helo != "" || s.Transaction() != nil {
		t.Fatalf("after SetTLS: identity %v, helo %q, tx %v; want all discarded", c.Identity, c.Helo, s.Transaction())
	}
	wantReply(t, "MAIL after STARTTLS", s.Mail(ctx, "<alice@example.org>", nil), 530, "5.7.0")
}

// TestSessionTransaction: the transaction records the paths as parsed and
// as received, the options, an id and the start time.
func TestSessionTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	s := f.session()
	ctx := t.Context()
	opts := &policy.MailOptions{Size: 1234, Body: policy.Body8BitMIME}
	wantReply(t, "MAIL", s.Mail(ctx, "alice@example.org", opts), 0, "")
	wantReply(t, "RCPT", s.Rcpt(ctx, "<bob@example.com>", &policy.RcptOptions{Notify: []string{"NEVER"}}), 0, "")
	tx := s.Transaction()
	if tx.From.String() != "<alice@example.org>" || tx.OriginalFrom != "alice@example.org" {
		t.Errorf("From = %v / %q", tx.From, tx.OriginalFrom)
	}
	if tx.MailOptions.Size != 1234 || tx.MailOptions.Body != policy.Body8BitMIME {
		t.Errorf("MailOptions = %+v", tx.MailOptions)
	}
	if len(tx.ID) != 20 || !tx.Start.Equal(testNow) {
		t.Errorf("ID = %q, Start = %v", tx.ID, tx.Start)
	}
	if len(tx.Recipients) != 1 || tx.Recipients[0].Original != "<bob@example.com>" ||
		len(tx.Recipients[0].Options.Notify) != 1 {
		t.Errorf("Recipients = %+v", tx.Recipients)
	}
}

// TestSessionAuthWindow: POP before SMTP (RFC 6409, Section 3.3).
func TestSessionAuthWindow(t *testing.T) {
	t.Parallel()
	w := &submission.MemoryAuthWindow{Now: clock}
	f := newFixture(t, func(c *submission.Config) { c.AuthWindow = w })
	ctx := t.Context()
	s := f.anonymous()
	wantReply(t, "MAIL before POP login", s.Mail(ctx, "<alice@example.org>", nil), 530, "5.7.0")
	w.Record(netip.MustParseAddr("192.0.2.10"), f.alice)
	wantReply(t, "MAIL after POP login", s.Mail(ctx, "<alice@example.org>", nil), 0, "")
	wantReply(t, "RCPT", s.Rcpt(ctx, "<bob@example.com>", nil), 0, "")
	s.Reset()
	wantReply(t, "MAIL as someone else", s.Mail(ctx, "<bob@example.org>", nil), 550, "5.7.1")
}

// TestSessionContextDone: a done ctx gives 451 4.3.0 (STYLE 2.7).
func TestSessionContextDone(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	s := f.session()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	wantReply(t, "MAIL", s.Mail(ctx, "<alice@example.org>", nil), 451, "4.3.0")
	if !strings.Contains(f.logs.String(), "level=ERROR") {
		t.Errorf("ctx error not logged at Error:\n%s", f.logs)
	}
}

// TestConfigCopied: changing the Config's slices after New changes nothing
// (the Agent is immutable and safe for concurrent use).
func TestConfigCopied(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	f := newFixture(t, func(c *submission.Config) { c.Trusted = trusted })
	trusted[0] = netip.MustParsePrefix("192.0.2.0/24")
	ctx := t.Context()
	wantReply(t, "MAIL from 10/8", f.trusted().Mail(ctx, "<printer@example.org>", nil), 0, "")
	wantReply(t, "MAIL from 192.0.2.10", f.anonymous().Mail(ctx, "<printer@example.org>", nil), 530, "5.7.0")
}

// TestSessionTrust: the Session decides trust before any policy runs (RFC
// 6409, Sections 3.3 and 4.3): from Config.Trusted (IPv4, IPv4-mapped,
// IPv6) or the server's own Conn.Trusted; a site policy anywhere in the
// chain sees the decision at its first stage, so the order of policies
// cannot change who is trusted; STARTTLS keeps trust that did not come from
// the client.
func TestSessionTrust(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		remote  string // "" for unknown
		server  bool   // the server set Conn.Trusted
		trusted bool
	}{
		{"IPv4 network", "192.0.2.7:5000", false, true},
		{"IPv4-mapped IPv6", "[::ffff:192.0.2.7]:5000", false, true},
		{"IPv6 network", "[2001:db8::1]:25", false, true},
		{"outside", "198.51.100.1:5000", false, false},
		{"outside, mapped", "[::ffff:198.51.100.1]:5000", false, false},
		{"unknown address", "", false, false},
		{"set by the server", "198.51.100.1:5000", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var seen []bool
			spy := policy.Funcs{PolicyName: "spy", CheckMail: func(_ context.Context, c *policy.Conn, _ *policy.Transaction) error {
				seen = append(seen, c.Trusted)
				return nil
			}}
			f := newFixture(t, func(c *submission.Config) {
				c.Trusted = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::/32")}
				c.Policies = []policy.Policy{spy} // after require-auth: order does not matter
			})
			c := policy.Conn{Trusted: tc.server}
			if tc.remote != "" {
				c.RemoteAddr = netip.MustParseAddrPort(tc.remote)
			}
			s := f.agent.NewSession(c)
			if got := s.Conn().Trusted; got != tc.trusted {
				t.Errorf("Conn().Trusted = %v, want %v", got, tc.trusted)
			}
			err := s.Mail(t.Context(), "<printer@example.org>", nil)
			if tc.trusted {
				wantReply(t, "MAIL", err, 0, "")
				wantReply(t, "RCPT", s.Rcpt(t.Context(), "<bob@example.com>", nil), 0, "")
				if len(seen) != 1 || !seen[0] {
					t.Errorf("the site policy saw Trusted = %v", seen)
				}
			} else {
				wantReply(t, "MAIL", err, 530, "5.7.0")
			}
			s.SetTLS(&tls.ConnectionState{Version: tls.VersionTLS13})
			if got := s.Conn().Trusted; got != tc.trusted {
				t.Errorf("after STARTTLS Conn().Trusted = %v, want %v", got, tc.trusted)
			}
		})
	}
}
