package milter

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"hash"
	"net/netip"
	"strings"
	"testing"

	gomilter "github.com/d--j/go-milter"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// TestMacrosToConn: {client_addr} and {client_port} win over the connect
// event's address; {tls_version} and {cipher} become the TLS state;
// {auth_authen} and {auth_type} the identity, which
// Config.Identify completes with the user's address.
func TestMacrosToConn(t *testing.T) {
	t.Parallel()
	f := start(t, nil, nil)
	c := f.dial(t)
	c.m.Set("{client_addr}", "192.0.2.10")
	c.m.Set("{client_port}", "50000")
	wantContinue(t, "connect", must(t)(c.s.Conn("client.example.org", gomilter.FamilyInet, 1, "198.51.100.1")))
	c.m.Set("{tls_version}", "TLSv1.3")
	c.m.Set("{cipher}", "TLS_AES_256_GCM_SHA384")
	wantContinue(t, "EHLO", must(t)(c.s.Helo("client.example.org")))
	c.m.Set("{auth_authen}", "alice")
	c.m.Set("{auth_type}", "plain")
	wantContinue(t, "MAIL", c.mail("<alice@example.org>", ""))

	conn, _, _ := f.seen.get()
	if want := netip.MustParseAddrPort("192.0.2.10:50000"); conn.RemoteAddr != want {
		t.Errorf("RemoteAddr = %v, want %v", conn.RemoteAddr, want)
	}
	if conn.TLS == nil || conn.TLS.Version != tls.VersionTLS13 || conn.TLS.CipherSuite != tls.TLS_AES_256_GCM_SHA384 {
		t.Errorf("TLS = %+v, want TLS 1.3 with TLS_AES_256_GCM_SHA384", conn.TLS)
	}
	id := conn.Identity
	if id.AuthenticationID != "alice" || id.AuthorizationID != "" || id.Mechanism != "PLAIN" || id.Address != envelope.MustParseMailbox("alice@example.org") || id.At.IsZero() {
		t.Errorf("Identity = %+v, want alice, PLAIN, alice@example.org", id)
	}
	if conn.Helo != "client.example.org" {
		t.Errorf("Helo = %q", conn.Helo)
	}
}

// TestMacrosFallback: without the client macros the connect event's
// address counts; a {auth_authz} macro, which neither Postfix nor Sendmail
// defines, grants no authorization identity.
func TestMacrosFallback(t *testing.T) {
	t.Parallel()
	f := start(t, nil, nil)
	c := f.dial(t)
	wantContinue(t, "connect", must(t)(c.s.Conn("client.example.org", gomilter.FamilyInet6, 4242, "2001:db8::1")))
	wantContinue(t, "HELO", must(t)(c.s.Helo("client.example.org")))
	c.m.Set("{auth_authen}", "alice")
	c.m.Set("{auth_authz}", "bob")
	c.m.Set("{auth_type}", "PLAIN")
	wantContinue(t, "MAIL", c.mail("<alice@example.org>", ""))
	conn, _, _ := f.seen.get()
	if want := netip.MustParseAddrPort("[2001:db8::1]:4242"); conn.RemoteAddr != want {
		t.Errorf("RemoteAddr = %v, want %v", conn.RemoteAddr, want)
	}
	if conn.TLS != nil {
		t.Errorf("TLS = %+v without {tls_version}", conn.TLS)
	}
	if id := conn.Identity; id.AuthenticationID != "alice" || id.AuthorizationID != "" || id.User() != "alice" {
		t.Errorf("Identity = %+v, want alice, without {auth_authz}'s bob", id)
	}
}

// TestAuthAuthor: {auth_author}, the AUTH= parameter as the MTA recorded
// it, fills MailOptions.Auth when the arguments lack AUTH=.
func TestAuthAuthor(t *testing.T) {
	t.Parallel()
	f := start(t, nil, nil)
	c := f.alice(t)
	c.m.Set("{auth_author}", "alice+40example.org")
	wantContinue(t, "MAIL", c.mail("<alice@example.org>", "BODY=8BITMIME"))
	if _, tx, _ := f.seen.get(); tx.MailOptions.Auth != "alice@example.org" || tx.MailOptions.Body != policy.Body8BitMIME {
		t.Errorf("MailOptions = %+v, want Auth alice@example.org and BODY=8BITMIME", tx.MailOptions)
	}
	c.abort()
	wantContinue(t, "MAIL", c.mail("<alice@example.org>", "AUTH=<>"))
	if _, tx, _ := f.seen.get(); tx.MailOptions.Auth != "<>" {
		t.Errorf("MailOptions.Auth = %q, want <> from the argument", tx.MailOptions.Auth)
	}
}

// TestMailRefusals: MAIL FROM is checked with the identity of the macros,
// and each refusal carries msakit's code and enhanced code.
func TestMailRefusals(t *testing.T) {
	t.Parallel()
	f := start(t, func(c *submission.Config) { c.MaxSize = 1000 }, nil)

	anon := f.dial(t)
	anon.open("192.0.2.20", 1025, "")
	wantReply(t, "MAIL without AUTH", anon.mail("<alice@example.org>", ""), 530, "5.7.0")

	trusted := f.dial(t)
	trusted.open("10.1.2.3", 1025, "")
	wantContinue(t, "MAIL from a trusted network", trusted.mail("<someone@example.org>", ""))

	c := f.alice(t)
	for _, tc := range []struct {
		what, from, args string
		code             uint16
		enh              string
	}{
		{"MAIL FROM not alice's", "<bob@example.org>", "", 550, "5.7.1"},
		{"SIZE over the limit", "<alice@example.org>", "SIZE=1001", 552, "5.3.4"},
		{"unqualified sender", "<alice@sales>", "", 554, "5.1.8"},
		{"UTF-8 sender without SMTPUTF8", "<álice@example.net>", "", 550, "5.6.7"},
	} {
		wantReply(t, tc.what, c.mail(tc.from, tc.args), tc.code, tc.enh)
		c.abort()
	}
	wantContinue(t, "UTF-8 sender with SMTPUTF8", c.mail("<álice@example.net>", "SMTPUTF8 BODY=8BITMIME"))
	c.abort()
	wantContinue(t, "quoted local part", c.mail(`<"a b"@example.org>`, "SIZE=1000"))
	if _, tx, _ := f.seen.get(); tx.From.Mailbox().LocalPart != "a b" || tx.MailOptions.Size != 1000 || tx.OriginalFrom != `<"a b"@example.org>` {
		t.Errorf("transaction = %+v, want the quoted local part \"a b\" and SIZE=1000 as passed", tx)
	}
}

// TestRcpt: RCPT arguments as the MTA passes them, <Postmaster>
// unqualified included, and per-recipient refusals.
func TestRcpt(t *testing.T) {
	t.Parallel()
	f := start(t, func(c *submission.Config) { c.MaxRecipients = 2 }, nil)
	c := f.alice(t)
	wantContinue(t, "MAIL", c.mail("<alice@example.org>", ""))
	wantContinue(t, "RCPT <Postmaster>", c.rcpt("<Postmaster>", ""))
	wantReply(t, "UTF-8 recipient without SMTPUTF8", c.rcpt("<bø@example.com>", ""), 553, "5.6.7")
	wantReply(t, "unqualified recipient", c.rcpt("<bob@sales>", ""), 554, "5.1.2")
	wantContinue(t, "RCPT with DSN", c.rcpt("<bob@example.com>", "NOTIFY=FAILURE,DELAY ORCPT=rfc822;bob+40example.com"))
	wantReply(t, "third recipient", c.rcpt("<carol@example.com>", ""), 452, "4.5.3")
	_, _, rcpts := f.seen.get()
	// The recording policy runs last, so it sees the accepted recipients.
	if len(rcpts) != 2 || !rcpts[0].Path.IsPostmaster() || rcpts[0].Original != "<Postmaster>" {
		t.Fatalf("recipients seen = %+v, want <Postmaster> and bob", rcpts)
	}
	if o := rcpts[1].Options; strings.Join(o.Notify, ",") != "FAILURE,DELAY" || o.OriginalRecipient != "rfc822;bob@example.com" {
		t.Errorf("RCPT options = %+v", o)
	}
}

// TestHeaderRefusals: the DATA stage runs on the whole header at end of
// header; the refusal is answered there.
func TestHeaderRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args string
		msg  string
		code uint16
		enh  string
	}{
		{"From not alice's", "", strings.Replace(testMessage, "alice@example.org>", "bob@example.org>", 1), 550, "5.7.1"},
		{"Sender not alice's", "", "Sender: mallory@example.com\n" + testMessage, 550, "5.7.1"},
		{"two From fields", "", "From: alice@example.org\n" + testMessage, 554, "5.6.0"},
		{"8-bit header without 8BITMIME", "", strings.Replace(testMessage, "Lunch", "Déjeuner", 1), 554, "5.6.1"},
		{"unqualified domain in To", "", strings.Replace(testMessage, "bob@example.com", "bob@sales", 1), 554, "5.6.0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := start(t, nil, nil)
			c := f.alice(t)
			wantContinue(t, "MAIL", c.mail("<alice@example.org>", tc.args))
			wantContinue(t, "RCPT", c.rcpt("<bob@example.com>", ""))
			_, act := c.data(crlf(tc.msg))
			wantReply(t, tc.name, act, tc.code, tc.enh)
			if n := len(f.trace.all()); n != 0 {
				t.Errorf("%d trace records for a refused message", n)
			}
		})
	}
}

// TestHeaderRefusalAtEndOfHeader: an MTA that wants a reply at end of
// header gets the refusal there, before it sends the body.
func TestHeaderRefusalAtEndOfHeader(t *testing.T) {
	t.Parallel()
	f := start(t, nil, nil)
	c := f.alice(t, gomilter.WithoutProtocol(gomilter.OptNoEOHReply))
	wantContinue(t, "MAIL", c.mail("<alice@example.org>", ""))
	wantContinue(t, "RCPT", c.rcpt("<bob@example.com>", ""))
	wantContinue(t, "DATA", must(t)(c.s.DataStart()))
	names, values, _ := split(t, crlf(strings.Replace(testMessage, "alice@example.org>", "bob@example.org>", 1)))
	for i := range names {
		wantContinue(t, "header", must(t)(c.s.HeaderField(names[i], values[i], nil)))
	}
	wantReply(t, "end of header", must(t)(c.s.HeaderEnd()), 550, "5.7.1")
}

// TestChanges: msakit's changes reach the MTA as milter modifications, and
// the MTA's copy then holds exactly the header msakit's Session returns;
// the MTA's own Received stays on top and msakit adds none.
func TestChanges(t *testing.T) {
	t.Parallel()
	noDateID := strings.Replace(strings.Replace(testMessage, "Date: Mon, 23 Nov 2026 19:58:00 +0000\n", "", 1), "Message-ID: <lunch-1@example.org>\n", "", 1)
	cases := []struct {
		name     string
		mod      func(*submission.Config)
		msg      string
		wantMods int
	}{
		{"complete message: no change", nil, testMessage, 0},
		{"no Date, no Message-ID: both added", nil, noDateID, 2},
		{"Bcc removed, other fields untouched", nil, strings.Replace(testMessage, "Subject:", "Bcc: carol@example.com\nSubject:", 1), 1},
		{"bad Date replaced in place", nil, strings.Replace(testMessage, "Mon, 23 Nov 2026 19:58:00 +0000", "yesterday", 1), 1},
		{"Sender added for another From", func(c *submission.Config) { c.AddSender = true }, strings.Replace(testMessage, "alice@example.org>", "team@example.net>", 1), 1},
		{"From rewritten", func(c *submission.Config) {
			c.Rewrite = submission.RewriteRules{Domains: map[envelope.Domain]envelope.Domain{envelope.MustParseDomain("old.example.org"): envelope.MustParseDomain("example.org")}, Header: true}
		}, strings.Replace(testMessage, "alice@example.org>", "alice@old.example.org>", 1), 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := start(t, tc.mod, nil)
			c := f.alice(t)
			msg := crlf(tc.msg)
			mods, act := c.send("<alice@example.org>", []string{"<bob@example.com>"}, msg)
			if act.Type != gomilter.ActionAccept {
				t.Fatalf("end of message: %v, want accept", act)
			}
			if len(mods) != tc.wantMods {
				t.Errorf("%d modifications, want %d: %+v", len(mods), tc.wantMods, mods)
			}
			for _, m := range mods {
				if strings.EqualFold(m.HeaderName, "Received") {
					t.Errorf("msakit touched a Received field: %+v", m)
				}
			}
			want := f.reference(t, "alice", "<alice@example.org>", []string{"<bob@example.com>"}, "", msg)
			if got := c.result(msg, mods); got != strings.ReplaceAll(want, "\r\n", "\n") {
				t.Errorf("the MTA's header after the modifications:\n%s\nmsakit's header:\n%s", got, want)
			}
			if n := len(f.trace.all()); n != 1 {
				t.Errorf("%d trace records, want 1", n)
			}
		})
	}
}

// TestChangeFromAndRecipients: a rewritten reverse-path is SMFIR_CHGFROM,
// an expanded recipient SMFIR_DELRCPT plus SMFIR_ADDRCPT_PAR with the
// recipient's parameters; untouched recipients get no request.
func TestChangeFromAndRecipients(t *testing.T) {
	t.Parallel()
	f := start(t, func(c *submission.Config) {
		c.Rewrite = submission.RewriteRules{Domains: map[envelope.Domain]envelope.Domain{envelope.MustParseDomain("old.example.org"): envelope.MustParseDomain("example.org")}}
		c.Expand = envelope.MustParseDomain("example.org")
	}, nil)
	c := f.alice(t)
	wantContinue(t, "MAIL", c.mail("<alice@old.example.org>", ""))
	wantContinue(t, "RCPT", c.rcpt("<bob@example.com>", ""))
	wantContinue(t, "RCPT", c.rcpt("<carol@sales>", "NOTIFY=NEVER"))
	mods, act := c.data(crlf(testMessage))
	if act.Type != gomilter.ActionAccept {
		t.Fatalf("end of message: %v", act)
	}
	var got []string
	for _, m := range mods {
		switch m.Type {
		case gomilter.ActionChangeFrom:
			got = append(got, "from "+m.From+" "+m.FromArgs)
		case gomilter.ActionDelRcpt:
			got = append(got, "del "+m.Rcpt)
		case gomilter.ActionAddRcpt:
			got = append(got, "add "+m.Rcpt+" "+m.RcptArgs)
		}
	}
	want := "from <alice@example.org> |del <carol@sales>|add <carol@sales.example.org> NOTIFY=NEVER"
	if strings.Join(got, "|") != want {
		t.Errorf("envelope requests %q, want %q", strings.Join(got, "|"), want)
	}
}

// TestBodyChecksOnChunks: the body is checked chunk by chunk as it
// arrives: with replies to body chunks, a bare LF in one chunk is refused
// at the next, before the end of the message; without them, at the end.
func TestBodyChecksOnChunks(t *testing.T) {
	t.Parallel()
	f := start(t, nil, nil)
	c := f.alice(t, gomilter.WithoutProtocol(gomilter.OptNoBodyReply))
	wantContinue(t, "MAIL", c.mail("<alice@example.org>", ""))
	wantContinue(t, "RCPT", c.rcpt("<bob@example.com>", ""))
	wantContinue(t, "DATA", must(t)(c.s.DataStart()))
	names, values, _ := split(t, crlf(testMessage))
	for i := range names {
		wantContinue(t, "header", must(t)(c.s.HeaderField(names[i], values[i], nil)))
	}
	wantContinue(t, "end of header", must(t)(c.s.HeaderEnd()))
	wantContinue(t, "chunk 1", must(t)(c.s.BodyChunk([]byte("fine\r\nbare\nLF\r\n"))))
	wantReply(t, "chunk 2", must(t)(c.s.BodyChunk([]byte("more\r\n"))), 554, "5.6.0")
	c.abort()

	cases := []struct {
		name, args, body string
		code             uint16
		enh              string
	}{
		{"bare CR", "", "a\rb\r\n", 554, "5.6.0"},
		{"line of 1001 octets", "", strings.Repeat("x", 999) + "\r\n", 554, "5.6.0"},
		{"over the size limit", "", strings.Repeat(strings.Repeat("y", 98)+"\r\n", 400), 552, "5.3.4"},
	}
	g := start(t, func(c *submission.Config) { c.MaxSize = 20000 }, nil)
	for _, tc := range cases {
		d := g.alice(t)
		d.chunk = 1000
		wantContinue(t, "MAIL", d.mail("<alice@example.org>", tc.args))
		wantContinue(t, "RCPT", d.rcpt("<bob@example.com>", ""))
		hdr, _, _ := strings.Cut(crlf(testMessage), "\r\n\r\n")
		_, act := d.data(hdr + "\r\n\r\n" + tc.body)
		wantReply(t, tc.name, act, tc.code, tc.enh)
	}
	// 8-bit data without BODY=8BITMIME: accepted by default (issue 10),
	// 554 5.6.1 with Config.DisableUndeclared8Bit.
	strict := start(t, func(c *submission.Config) { c.DisableUndeclared8Bit = true }, nil)
	for _, tc := range []struct {
		f    *fixture
		want uint16
	}{{g, 0}, {strict, 554}} {
		d := tc.f.alice(t)
		d.chunk = 1000
		wantContinue(t, "MAIL", d.mail("<alice@example.org>", ""))
		wantContinue(t, "RCPT", d.rcpt("<bob@example.com>", ""))
		hdr, _, _ := strings.Cut(crlf(testMessage), "\r\n\r\n")
		_, act := d.data(hdr + "\r\n\r\ncaf\xc3\xa9\r\n")
		if tc.want == 0 {
			if act.Type != gomilter.ActionAccept {
				t.Errorf("8-bit without BODY=8BITMIME: %v, want accepted", act)
			}
		} else {
			wantReply(t, "8-bit without BODY=8BITMIME, strict", act, 554, "5.6.1")
		}
	}
	d := g.alice(t)
	d.chunk = 7
	wantContinue(t, "MAIL", d.mail("<alice@example.org>", "BODY=8BITMIME"))
	wantContinue(t, "RCPT", d.rcpt("<bob@example.com>", ""))
	hdr, _, _ := strings.Cut(crlf(testMessage), "\r\n\r\n")
	if _, act := d.data(hdr + "\r\n\r\ncaf\xc3\xa9 with BODY=8BITMIME, in 7-octet chunks\r\n"); act.Type != gomilter.ActionAccept {
		t.Errorf("8-bit body with BODY=8BITMIME: %v", act)
	}
}

// TestTemporaryStaysTemporary: an outage is a 4xx, sent with its codes.
func TestTemporaryStaysTemporary(t *testing.T) {
	t.Parallel()
	f := start(t, nil, func(c *Config) {
		c.Identify = func(_ context.Context, id auth.Identity) (auth.Identity, error) {
			switch id.User() {
			case "ldap-down":
				return id, errors.New("user directory unreachable")
			case "busy":
				return id, &policy.Reply{Code: 454, Enhanced: "4.7.0", Text: "Try again later"}
			}
			return identify(context.Background(), id)
		}
	})
	for user, want := range map[string][2]any{"ldap-down": {uint16(451), "4.3.0"}, "busy": {uint16(454), "4.7.0"}} {
		c := f.dial(t)
		c.open("192.0.2.10", 50000, user)
		wantReply(t, "MAIL as "+user, c.mail("<alice@example.org>", ""), want[0].(uint16), want[1].(string))
	}
	if !strings.Contains(f.logs.String(), "user directory unreachable") {
		t.Errorf("the internal error was not logged:\n%s", f.logs.String())
	}

	f.trace.err = errors.New("trace store down")
	c := f.alice(t)
	_, act := c.send("<alice@example.org>", []string{"<bob@example.com>"}, crlf(testMessage))
	wantReply(t, "end of message with the trace sink down", act, 451, "4.3.0")
}

// TestDaemons: a service not listed is accepted at connect and never
// checked.
func TestDaemons(t *testing.T) {
	t.Parallel()
	f := start(t, nil, func(c *Config) { c.Daemons = []string{"submission"} })
	c := f.dial(t)
	c.m.Set("{daemon_name}", "smtpd")
	if act := must(t)(c.s.Conn("client.example.org", gomilter.FamilyInet, 1025, "192.0.2.20")); act.Type != gomilter.ActionAccept {
		t.Fatalf("connect to an unlisted service: %v, want accept", act)
	}
	d := f.dial(t)
	d.open("192.0.2.20", 1025, "")
	wantReply(t, "MAIL on submission without AUTH", d.mail("<alice@example.org>", ""), 530, "5.7.0")
}

// TestAbortAndNextMessage: an aborted message is never accepted, and the
// next transaction of the same connection works.
func TestAbortAndNextMessage(t *testing.T) {
	t.Parallel()
	f := start(t, nil, nil)
	c := f.alice(t)
	wantContinue(t, "MAIL", c.mail("<alice@example.org>", ""))
	wantContinue(t, "RCPT", c.rcpt("<bob@example.com>", ""))
	wantContinue(t, "DATA", must(t)(c.s.DataStart()))
	wantContinue(t, "header", must(t)(c.s.HeaderField("From", " alice@example.org", nil)))
	c.abort()
	c.m.Set("i", "4ABC123")
	mods, act := c.send("<alice@example.org>", []string{"<bob@example.com>"}, crlf(testMessage))
	if act.Type != gomilter.ActionAccept || len(mods) != 0 {
		t.Fatalf("second message: %v %+v", act, mods)
	}
	recs := f.trace.all()
	if len(recs) != 1 {
		t.Fatalf("%d trace records, want 1", len(recs))
	}
	logs := f.logs.String()
	if !strings.Contains(logs, `msg="milter: accepted" id=`+recs[0].ID+" queue_id=4ABC123 mta=mx.example.org") {
		t.Errorf("no accepted record with both ids:\n%s", logs)
	}
}

// TestNotPostfix: without Postfix's hidden Received (another MTA), fields
// are inserted at the very top; without SMFIP_HDR_LEADSPC the MTA adds the
// space after the colon itself.
func TestNotPostfix(t *testing.T) {
	t.Parallel()
	f := start(t, nil, nil)
	c := f.dial(t, gomilter.WithoutProtocol(gomilter.OptHeaderLeadingSpace))
	c.m.Set("v", "8.18.1")
	c.hidden = 0
	c.open("192.0.2.10", 50000, "alice")
	wantContinue(t, "MAIL", c.mail("<alice@example.org>", ""))
	wantContinue(t, "RCPT", c.rcpt("<bob@example.com>", ""))
	wantContinue(t, "DATA", must(t)(c.s.DataStart()))
	// Sendmail removes the space after the colon.
	for _, kv := range [][2]string{{"From", "alice@example.org"}, {"To", "bob@example.com"}, {"Subject", "x"}} {
		wantContinue(t, "header", must(t)(c.s.HeaderField(kv[0], kv[1], nil)))
	}
	wantContinue(t, "end of header", must(t)(c.s.HeaderEnd()))
	mods, act, err := c.s.BodyReadFrom(strings.NewReader("hi\r\n"))
	if err != nil || act.Type != gomilter.ActionAccept {
		t.Fatalf("end of message: %v %v", act, err)
	}
	if len(mods) != 2 {
		t.Fatalf("modifications %+v, want Date and Message-ID", mods)
	}
	for _, m := range mods {
		if m.Type != gomilter.ActionInsertHeader || m.HeaderIndex != 0 || strings.HasPrefix(m.HeaderValue, " ") {
			t.Errorf("modification %+v, want an insert at index 0 without a leading space", m)
		}
	}
}

// testSigner is a submission.Signer whose one field names the header
// fields it was given and carries the SHA-256 of the body it saw.
type testSigner struct{}

func (testSigner) Sign(_ context.Context, req submission.SignRequest) (submission.BodySigner, error) {
	var names []string
	for _, f := range req.Header.All() {
		names = append(names, f.Name())
	}
	return &testBodySigner{h: sha256.New(), names: strings.Join(names, ":")}, nil
}

type testBodySigner struct {
	h     hash.Hash
	names string
}

func (b *testBodySigner) Write(p []byte) (int, error) { return b.h.Write(p) }

func (b *testBodySigner) Sum() ([]byte, error) {
	return fmt.Appendf(nil, "X-Test-Signature: h=%s;\r\n\tbh=%x\r\n", b.names, b.h.Sum(nil)), nil
}

// TestSignature: the fields of Config.Signer go on top of the MTA's
// header, above its Received, after msakit's other changes; the signer saw
// the final header without a Received and the body as sent.
func TestSignature(t *testing.T) {
	t.Parallel()
	f := start(t, func(c *submission.Config) { c.Signer = testSigner{} }, nil)
	c := f.alice(t)
	body := "Hi,\r\n.dot\r\n" + strings.Repeat("x", 200) + "\r\n"
	hdr, _, _ := strings.Cut(crlf(strings.Replace(testMessage, "Date: Mon, 23 Nov 2026 19:58:00 +0000\n", "", 1)), "\r\n\r\n")
	mods, act := c.send("<alice@example.org>", []string{"<bob@example.com>"}, hdr+"\r\n\r\n"+body)
	if act.Type != gomilter.ActionAccept {
		t.Fatalf("end of message: %v", act)
	}
	if len(mods) != 2 {
		t.Fatalf("modifications %+v, want Date and the signature", mods)
	}
	date, sig := mods[0], mods[1]
	if date.Type != gomilter.ActionInsertHeader || date.HeaderName != "Date" || date.HeaderIndex != 1 {
		t.Errorf("first request %+v, want Date inserted below Postfix's Received", date)
	}
	want := fmt.Sprintf(" h=Date:From:To:Subject:Message-ID;\n\tbh=%x", sha256.Sum256([]byte(body)))
	if sig.Type != gomilter.ActionInsertHeader || sig.HeaderName != "X-Test-Signature" || sig.HeaderIndex != 0 || sig.HeaderValue != want {
		t.Errorf("last request %+v, want X-Test-Signature at index 0 with value %q", sig, want)
	}
}
