package submission

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// msg builds a header block from lines (CRLF, then the empty line).
func msg(lines ...string) string {
	return strings.Join(lines, "\r\n") + "\r\n\r\n"
}

func readHeader(t testing.TB, s string) *header.Header {
	t.Helper()
	h, err := header.Read(bufio.NewReader(strings.NewReader(s)), header.ReadOptions{})
	if err != nil {
		t.Fatalf("header.Read(%q): %v", s, err)
	}
	return h
}

func headerString(t testing.TB, h *header.Header) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := h.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var fixedNow = time.Date(2026, 11, 23, 20, 15, 0, 0, time.UTC)

// dataCase runs the DATA stage of a chain of ps over in.
type dataCase struct {
	name  string
	ps    []policy.Policy
	conn  func(testing.TB) *policy.Conn
	utf8  bool
	in    string
	want  want
	out   string // when set, the exact header after the stage
	check func(t *testing.T, h *header.Header)
}

func runDataCases(t *testing.T, cases []dataCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustChain(t, "data", tc.ps...)
			conn := authedConn(t)
			if tc.conn != nil {
				conn = tc.conn(t)
			}
			txn := &policy.Transaction{From: mustRev(t, "<alice@example.org>"), MailOptions: policy.MailOptions{SMTPUTF8: tc.utf8}}
			h := readHeader(t, tc.in)
			err := c.Data(t.Context(), conn, txn, h)
			checkReply(t, "Data", err, tc.want)
			if tc.out != "" {
				if got := headerString(t, h); got != tc.out {
					t.Errorf("header after Data:\n got %q\nwant %q", got, tc.out)
				}
			}
			if tc.check != nil {
				tc.check(t, h)
			}
		})
	}
}

const base = "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: hi\r\nDate: Mon, 23 Nov 2026 20:00:00 +0000\r\nMessage-ID: <1@example.org>"

// Row: "Header syntax; header address syntax (6409 §5.1, §6.3; 5322 §3.6
// required and unique fields)": check-header, 554 5.6.0.
func TestRow_CheckHeader(t *testing.T) {
	t.Parallel()
	ch := []policy.Policy{checkHeader{}}
	bad := want{554, "5.6.0"}
	cases := []dataCase{
		{name: "valid", ps: ch, in: msg(base), want: accept},
		{name: "no From", ps: ch, in: msg("To: bob@example.net", "Subject: x"), want: bad},
		{name: "two From", ps: ch, in: msg(base, "From: alice@example.org"), want: bad},
		{name: "From with group", ps: ch, in: msg("From: Team: alice@example.org;", "To: bob@example.net"), want: bad},
		{name: "From empty group", ps: ch, in: msg("From: undisclosed:;", "To: bob@example.net"), want: bad},
		{name: "From invalid", ps: ch, in: msg("From: alice@", "To: bob@example.net"), want: bad},
		{name: "From unparsable display name", ps: ch, in: msg("From: alice@example.org <ceo@example.org>"), want: bad},
		{name: "several From mailboxes without Sender", ps: ch, in: msg("From: alice@example.org, bob@example.org"), want: bad},
		{name: "several From mailboxes with Sender", ps: ch, in: msg("From: alice@example.org, bob@example.org", "Sender: alice@example.org"), want: accept},
		{name: "Sender with two mailboxes", ps: ch, in: msg("From: alice@example.org", "Sender: alice@example.org, bob@example.org"), want: bad},
		{name: "Sender group", ps: ch, in: msg("From: alice@example.org", "Sender: g: alice@example.org;"), want: bad},
		{name: "To invalid", ps: ch, in: msg("From: alice@example.org", "To: bob@@example.net"), want: bad},
		{name: "To empty", ps: ch, in: msg("From: alice@example.org", "To: "), want: bad},
		{name: "Cc invalid", ps: ch, in: msg("From: alice@example.org", "Cc: <bob"), want: bad},
		{name: "Reply-To invalid", ps: ch, in: msg("From: alice@example.org", "Reply-To: x y z"), want: bad},
		{name: "Bcc empty allowed", ps: ch, in: msg("From: alice@example.org", "Bcc: "), want: accept},
		{name: "Bcc comment allowed", ps: ch, in: msg("From: alice@example.org", "Bcc: (hidden)"), want: accept},
		{name: "To comment only", ps: ch, in: msg("From: alice@example.org", "To: (nobody)"), want: bad},
		{name: "To group allowed", ps: ch, in: msg("From: alice@example.org", "To: undisclosed-recipients:;"), want: accept},
		{name: "Resent-To invalid", ps: ch, in: msg("Resent-From: alice@example.org", "Resent-To: ,,,@", "From: carol@example.net"), want: bad},
		{name: "many Received and Comments allowed", ps: ch, in: msg("Received: a", "Received: b", "Comments: x", "Comments: y", "From: alice@example.org"), want: accept},
		{name: "missing Date and Message-ID allowed", ps: ch, in: msg("From: alice@example.org"), want: accept},
		{name: "AddMissingFrom", ps: []policy.Policy{checkHeader{AddMissingFrom: true}}, in: msg("To: bob@example.net"), want: accept,
			out: msg("From: alice@example.org", "To: bob@example.net")},
		{name: "AddMissingFrom without address", ps: []policy.Policy{checkHeader{AddMissingFrom: true}},
			conn: func(t testing.TB) *policy.Conn { return &policy.Conn{Identity: identity(t, "svc", "")} },
			in:   msg("To: bob@example.net"), want: bad},
		{name: "AddMissingSender", ps: []policy.Policy{checkHeader{AddMissingSender: true}},
			in: msg("From: alice@example.org, alias@example.org", "To: b@example.net"), want: accept,
			out: msg("Sender: alice@example.org", "From: alice@example.org, alias@example.org", "To: b@example.net")},
		{name: "AddMissingSender keeps a present Sender", ps: []policy.Policy{checkHeader{AddMissingSender: true}},
			in: msg("From: alice@example.org, alias@example.org", "Sender: alias@example.org"), want: accept,
			out: msg("From: alice@example.org, alias@example.org", "Sender: alias@example.org")},
		{name: "AddMissingSender without address", ps: []policy.Policy{checkHeader{AddMissingSender: true}},
			conn: func(t testing.TB) *policy.Conn { return &policy.Conn{Identity: identity(t, "svc", "")} },
			in:   msg("From: alice@example.org, alias@example.org"), want: bad},
		{name: "AddMissingFrom with a non-ASCII address without SMTPUTF8", ps: []policy.Policy{checkHeader{AddMissingFrom: true}},
			conn: func(t testing.TB) *policy.Conn {
				return &policy.Conn{Identity: identity(t, "jörg", "jörg@example.org")}
			},
			in: msg("To: bob@example.net"), want: bad},
		{name: "AddMissingFrom with a non-ASCII address and SMTPUTF8", ps: []policy.Policy{checkHeader{AddMissingFrom: true}},
			conn: func(t testing.TB) *policy.Conn {
				return &policy.Conn{Identity: identity(t, "jörg", "jörg@example.org")}
			},
			utf8: true, in: msg("To: bob@example.net"), want: accept, out: msg("From: jörg@example.org", "To: bob@example.net")},
		{name: "AddMissingFrom keeps a present From", ps: []policy.Policy{checkHeader{AddMissingFrom: true}}, in: msg(base), want: accept, out: msg(base)},
	}
	for _, f := range []string{"Date: Mon, 23 Nov 2026 20:00:00 +0000", "Sender: alice@example.org", "Reply-To: a@example.org",
		"To: a@example.org", "Cc: a@example.org", "Bcc: a@example.org", "Message-ID: <2@example.org>", "In-Reply-To: <3@example.org>",
		"References: <3@example.org>", "Subject: again"} {
		name, _, _ := strings.Cut(f, ":")
		cases = append(cases, dataCase{name: "two " + name, ps: ch, in: msg(base, f, f), want: bad})
	}
	runDataCases(t, cases)
}

// Row: "Domains in address header fields fully qualified when the MSA edits
// the header (6409 §4.2)": qualify-domains, 554 5.6.0.
func TestRow_QualifyDomainsAtData(t *testing.T) {
	t.Parallel()
	q := []policy.Policy{qualifyDomains{}}
	qe := []policy.Policy{qualifyDomains{Expand: mustDomain(t, "example.org")}}
	bad := want{554, "5.6.0"}
	cases := []dataCase{
		{name: "all qualified", ps: q, in: msg(base, "Cc: Carol <carol@[192.0.2.1]>"), want: accept, out: msg(base, "Cc: Carol <carol@[192.0.2.1]>")},
		{name: "single-level To", ps: q, in: msg(base, "Cc: bob@localhost"), want: bad},
		{name: "single-level From", ps: q, in: msg("From: alice@sales", "To: bob@example.net"), want: bad},
		{name: "single-level Resent-To", ps: q, in: msg("Resent-To: bob@eng", base), want: bad},
		{name: "single-level in a group", ps: q, in: msg(base, "Cc: team: a@example.net, b@eng;"), want: bad},
		{name: "unparsable address field", ps: q, in: msg(base, "Cc: <<<"), want: bad},
		{name: "empty Bcc", ps: q, in: msg(base, "Bcc:"), want: accept},
		{name: "Bcc comment only", ps: q, in: msg(base, "Bcc: (hidden)"), want: accept},
		{name: "Bcc comment only, expanding", ps: qe, in: msg(base, "Bcc: (hidden)"), want: accept, out: msg(base, "Bcc: (hidden)")},
		{name: "multi-level under no TLD refused, never expanded", ps: qe, in: msg(base, "Cc: x@squeaky.sales"), want: bad},
		{name: "typo TLD in To", ps: q, in: msg(base, "To: carol@example.con"), want: bad},
		{name: "typo TLD in Reply-To", ps: q, in: msg(base, "Reply-To: carol@mail.example.cmo"), want: bad},
		{name: "multi-level under a local TLD kept", ps: []policy.Policy{qualifyDomains{Expand: mustDomain(t, "example.org"), Rule: qualifiedRule{local: []string{".sales"}}}},
			in: msg(base, "Cc: x@squeaky.sales"), want: accept, out: msg(base, "Cc: x@squeaky.sales")},
		{name: "expanded in place", ps: qe, in: msg("Received: x", "From: Alice <alice@sales>", "To: bob@example.net, Eng <eng@eng>", "Subject: s"), want: accept,
			out: msg("Received: x", "From: Alice <alice@sales.example.org>", "To: bob@example.net, Eng <eng@eng.example.org>", "Subject: s")},
	}
	runDataCases(t, cases)
}

// Row: "Add or correct Date (6409 §8.2)": add-date.
func TestRow_AddDate(t *testing.T) {
	t.Parallel()
	est := time.FixedZone("EST", -5*3600)
	ad := []policy.Policy{addDate{Now: func() time.Time { return fixedNow }, Location: est}}
	const added = "Date: Mon, 23 Nov 2026 15:15:00 -0500"
	cases := []dataCase{
		{name: "missing: prepended", ps: ad, in: msg("From: alice@example.org", "Subject: s"), want: accept,
			out: msg(added, "From: alice@example.org", "Subject: s")},
		{name: "invalid: replaced in place", ps: ad, in: msg("From: alice@example.org", "Date: yesterday", "Subject: s"), want: accept,
			out: msg("From: alice@example.org", added, "Subject: s")},
		{name: "valid: unchanged", ps: ad, in: msg(base), want: accept, out: msg(base),
			check: func(t *testing.T, h *header.Header) {
				if h.Changed() {
					t.Error("a valid Date was touched")
				}
			}},
		{name: "obsolete syntax kept", ps: ad, in: msg("From: a@example.org", "Date: 23 Nov 26 20:00 EST"), want: accept,
			out: msg("From: a@example.org", "Date: 23 Nov 26 20:00 EST")},
		{name: "resent: Resent-Date added, Date kept", ps: ad,
			in: msg("Resent-From: alice@example.org", "From: carol@example.net", "Date: Sun, 1 Nov 2026 10:00:00 +0100"), want: accept,
			out: msg("Resent-Date: Mon, 23 Nov 2026 15:15:00 -0500", "Resent-From: alice@example.org", "From: carol@example.net", "Date: Sun, 1 Nov 2026 10:00:00 +0100")},
		{name: "resent: invalid Resent-Date replaced", ps: ad,
			in: msg("Resent-Date: soon", "Resent-From: alice@example.org", "From: carol@example.net"), want: accept,
			out: msg("Resent-Date: Mon, 23 Nov 2026 15:15:00 -0500", "Resent-From: alice@example.org", "From: carol@example.net")},
		{name: "nil Location keeps Now's zone", ps: []policy.Policy{addDate{Now: func() time.Time { return fixedNow }}},
			in: msg("From: a@example.org"), want: accept, out: msg("Date: Mon, 23 Nov 2026 20:15:00 +0000", "From: a@example.org")},
	}
	runDataCases(t, cases)
}

// Row: "Add or replace Message-ID (6409 §8.3, SHOULD)": add-message-id.
func TestRow_AddMessageID(t *testing.T) {
	t.Parallel()
	fixed := []policy.Policy{addMessageID{NewID: func() (string, error) { return "<new.1@mx.example.org>", nil }}}
	cases := []dataCase{
		{name: "missing: prepended", ps: fixed, in: msg("From: a@example.org", "Subject: s"), want: accept,
			out: msg("Message-ID: <new.1@mx.example.org>", "From: a@example.org", "Subject: s")},
		{name: "invalid: replaced in place", ps: fixed, in: msg("From: a@example.org", "Message-ID: not an id", "Subject: s"), want: accept,
			out: msg("From: a@example.org", "Message-ID: <new.1@mx.example.org>", "Subject: s")},
		{name: "valid: unchanged", ps: fixed, in: msg(base), want: accept, out: msg(base)},
		{name: "resent: Resent-Message-ID", ps: fixed, in: msg("Resent-From: alice@example.org", "From: c@example.net", "Message-ID: <o@example.net>"), want: accept,
			out: msg("Resent-Message-ID: <new.1@mx.example.org>", "Resent-From: alice@example.org", "From: c@example.net", "Message-ID: <o@example.net>")},
		{name: "random at Domain", ps: []policy.Policy{addMessageID{Domain: mustDomain(t, "mx.example.org"), Random: bytes.NewReader(bytes.Repeat([]byte{7}, 64))}},
			in: msg("From: a@example.org"), want: accept,
			check: func(t *testing.T, h *header.Header) {
				v, ok := h.Get("Message-ID")
				if !ok || !strings.HasSuffix(v, "@mx.example.org>") {
					t.Errorf("Message-ID = %q", v)
				}
				if _, err := header.ParseMessageID(v); err != nil {
					t.Errorf("generated Message-ID %q does not parse: %v", v, err)
				}
			}},
	}
	runDataCases(t, cases)

	h := readHeader(t, msg("From: a@example.org"))
	txn := tx(t, "<a@example.org>")
	bad := addMessageID{NewID: func() (string, error) { return "no brackets", nil }}
	if err := bad.RewriteData(t.Context(), authedConn(t), txn, h); err == nil {
		t.Error("an invalid NewID result was accepted")
	}
	h = readHeader(t, msg("From: a@example.org"))
	if err := (addMessageID{}).RewriteData(t.Context(), authedConn(t), txn, h); !errors.Is(err, errNoMessageIDDomain) {
		t.Errorf("no Domain: err = %v", err)
	}
}

// Row: "Add or replace Sender when the known sender is not the From (6409
// §8.1)": add-sender.
func TestRow_AddSender(t *testing.T) {
	t.Parallel()
	as := []policy.Policy{addSender{}}
	cases := []dataCase{
		{name: "From is the identity", ps: as, in: msg("From: Alice <ALICE@example.org>", "To: b@example.net"), want: accept,
			out: msg("From: Alice <ALICE@example.org>", "To: b@example.net")},
		{name: "From is an alias", ps: as, in: msg("From: Team <team@example.org>", "To: b@example.net"), want: accept,
			out: msg("Sender: alice@example.org", "From: Team <team@example.org>", "To: b@example.net")},
		{name: "several From mailboxes", ps: as, in: msg("From: alice@example.org, bob@example.org"), want: accept,
			out: msg("Sender: alice@example.org", "From: alice@example.org, bob@example.org")},
		{name: "other Sender replaced in place", ps: as, in: msg("From: team@example.org", "Sender: bob@example.org", "To: x@example.net"), want: accept,
			out: msg("From: team@example.org", "Sender: alice@example.org", "To: x@example.net")},
		{name: "Sender already the identity", ps: as, in: msg("From: team@example.org", "Sender: Alice <alice@example.org>"), want: accept,
			out: msg("From: team@example.org", "Sender: Alice <alice@example.org>")},
		{name: "no identity address", ps: as, conn: func(t testing.TB) *policy.Conn { return &policy.Conn{Identity: identity(t, "svc", "")} },
			in: msg("From: team@example.org"), want: accept, out: msg("From: team@example.org")},
		{name: "unauthenticated", ps: as, conn: func(testing.TB) *policy.Conn { return &policy.Conn{Trusted: true} },
			in: msg("From: team@example.org"), want: accept, out: msg("From: team@example.org")},
		{name: "resent", ps: as, in: msg("Resent-From: team@example.org", "From: carol@example.net"), want: accept,
			out: msg("Resent-Sender: alice@example.org", "Resent-From: team@example.org", "From: carol@example.net")},
	}
	runDataCases(t, cases)
}

// mustRewrite builds the rewrite policy of r, which must be valid.
func mustRewrite(t testing.TB, r RewriteRules) rewriteAddresses {
	t.Helper()
	p, err := newRewriteAddresses(r, qualifiedRule{})
	if err != nil {
		t.Fatalf("newRewriteAddresses: %v", err)
	}
	return p
}

// TestRewriteAddressesDomainKeys checks how Domains keys match: a parsed
// domain, whatever the case, form (U-label or A-label) or trailing dot the
// configuration or the client wrote.
func TestRewriteAddressesDomainKeys(t *testing.T) {
	t.Parallel()
	rw := mustRewrite(t, RewriteRules{Domains: map[envelope.Domain]envelope.Domain{
		mustDomain(t, "Squeaky.Sales.Example.NET"): mustDomain(t, "zyx.example.net"),
		mustDomain(t, "bücher.example"):            mustDomain(t, "books.example"),
		mustDomain(t, "xn--caf-dma.example"):       mustDomain(t, "cafe.example"),
	}})
	tests := []struct{ name, in, want string }{
		{"case", "<x@squeaky.SALES.example.net>", "x@zyx.example.net"},
		{"U-label key, A-label address", "<x@xn--bcher-kva.example>", "x@books.example"},
		{"U-label key, U-label address", "<x@bücher.example>", "x@books.example"},
		{"A-label key, U-label address", "<x@café.example>", "x@cafe.example"},
		{"no key", "<x@example.net>", "x@example.net"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			txn := tx(t, tc.in)
			if err := rw.RewriteMail(t.Context(), authedConn(t), txn); err != nil {
				t.Fatalf("RewriteMail(%s): %v", tc.in, err)
			}
			if got := txn.From.Mailbox().String(); got != tc.want {
				t.Errorf("RewriteMail(%s) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

// Row: "Rewrite local parts/domains only by configured rules (6409 §8.8)":
// RewriteRules.
func TestRow_RewriteAddresses(t *testing.T) {
	t.Parallel()
	rules := RewriteRules{
		LocalParts:      map[string]string{"JRU": "J.Random.User"},
		Addresses:       map[envelope.Mailbox]string{mustMailbox(t, "ops@example.org"): "operations"},
		Domains:         map[envelope.Domain]envelope.Domain{mustDomain(t, "squeaky.sales.example.net"): mustDomain(t, "zyx.example.net")},
		StripSubdomains: []envelope.Domain{mustDomain(t, "foo.example.net")},
		Header:          true,
	}
	rw := mustRewrite(t, rules)
	mailCases := []struct{ in, want string }{
		{"<JRU@example.net>", "J.Random.User@example.net"},
		{"<jru@example.net>", "jru@example.net"}, // local parts compare exactly
		{"<ops@example.org>", "operations@example.org"},
		{"<ops@example.net>", "ops@example.net"},
		{"<x@squeaky.sales.example.net>", "x@zyx.example.net"},
		{"<x@host.foo.example.net>", "x@foo.example.net"},
		{"<ops@host.foo.example.net>", "ops@foo.example.net"}, // Addresses see the rewritten domain...
		{"<x@a.b.foo.example.net>", "x@a.b.foo.example.net"},
		{"<x@foo.example.net>", "x@foo.example.net"},
		{"<x@[192.0.2.1]>", "x@[192.0.2.1]"},
	}
	for _, tc := range mailCases {
		txn := tx(t, tc.in)
		if err := rw.RewriteMail(t.Context(), authedConn(t), txn); err != nil {
			t.Errorf("RewriteMail(%s): %v", tc.in, err)
			continue
		}
		if got := txn.From.Mailbox().String(); got != tc.want {
			t.Errorf("RewriteMail(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	null := tx(t, "<>")
	if err := rw.RewriteMail(t.Context(), authedConn(t), null); err != nil || !null.From.IsNull() {
		t.Errorf("RewriteMail(<>) = %v, %v", null.From, err)
	}
	if _, ok := any(rw).(policy.RcptRewriter); ok {
		t.Error("rewriteAddresses rewrites forward-paths; RFC 6409 §8.8 forbids it in general")
	}
	noHeader := rules
	noHeader.Header = false
	cases := []dataCase{
		{name: "From and Sender rewritten, others kept", ps: []policy.Policy{rw},
			in: msg("Received: x", "From: Jay <JRU@example.net>", "Sender: ops@example.org", "To: JRU@example.net", "Subject: s"), want: accept,
			out: msg("Received: x", "From: Jay <J.Random.User@example.net>", "Sender: operations@example.org", "To: JRU@example.net", "Subject: s")},
		{name: "nothing to rewrite", ps: []policy.Policy{rw}, in: msg(base), want: accept, out: msg(base)},
		{name: "Header off", ps: []policy.Policy{mustRewrite(t, noHeader)},
			in: msg("From: JRU@example.net"), want: accept, out: msg("From: JRU@example.net")},
	}
	runDataCases(t, cases)
}

// TestRewriteRulesRefused: a rule that cannot be right is an error when the
// Agent is built, never a 451 on every message (issue 9; RFC 6409,
// Sections 4.2 and 8.8).
func TestRewriteRulesRefused(t *testing.T) {
	t.Parallel()
	d := func(s string) envelope.Domain { return mustDomain(t, s) }
	long := strings.Repeat("a", 65)
	cases := []struct {
		name string
		r    RewriteRules
		want string // in the error
	}{
		{"domain to an unqualified one", RewriteRules{Domains: map[envelope.Domain]envelope.Domain{d("example.org"): d("corp")}}, "not fully qualified"},
		{"domain to itself", RewriteRules{Domains: map[envelope.Domain]envelope.Domain{d("example.org"): d("EXAMPLE.org")}}, "to itself"},
		{"zero domain key", RewriteRules{Domains: map[envelope.Domain]envelope.Domain{{}: d("example.org")}}, "must be names"},
		{"address literal", RewriteRules{Domains: map[envelope.Domain]envelope.Domain{d("example.org"): d("[192.0.2.1]")}}, "must be names"},
		{"strip to an unqualified domain", RewriteRules{StripSubdomains: []envelope.Domain{d("corp")}}, "not fully qualified"},
		{"strip twice", RewriteRules{StripSubdomains: []envelope.Domain{d("foo.example.net"), d("FOO.example.net")}}, "twice"},
		{"empty local part key", RewriteRules{LocalParts: map[string]string{"": "x"}}, "empty local part"},
		{"empty local part value", RewriteRules{LocalParts: map[string]string{"x": ""}}, "empty local part"},
		{"control character", RewriteRules{LocalParts: map[string]string{"x": "a\x01b"}}, "rewrite rule"},
		{"local part too long", RewriteRules{LocalParts: map[string]string{"x": long}}, "rewrite rule"},
		{"keys equal up to case", RewriteRules{LocalParts: map[string]string{"JRU": "a", "jru": "b"}}, "letter case"},
		{"address keys equal up to case", RewriteRules{Addresses: map[envelope.Mailbox]string{
			mustMailbox(t, "Ops@example.org"): "a", mustMailbox(t, "ops@example.org"): "b"}}, "letter case"},
		{"address value invalid", RewriteRules{Addresses: map[envelope.Mailbox]string{mustMailbox(t, "ops@example.org"): long}}, "rewrite rule"},
		{"address key without local part", RewriteRules{Addresses: map[envelope.Mailbox]string{{Domain: d("example.org")}: "x"}}, "not a valid address"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(Config{Hostname: d("mx.example.org"), Rewrite: tc.r})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New with %s = %v, want an error saying %q", tc.name, err, tc.want)
			}
		})
	}
	// The same rules with distinct keys are fine.
	if _, err := New(Config{Hostname: d("mx.example.org"), Rewrite: RewriteRules{LocalParts: map[string]string{"JRU": "a", "jrv": "b"}}}); err != nil {
		t.Errorf("New with distinct keys: %v", err)
	}
}

func TestRemoveBcc(t *testing.T) {
	t.Parallel()
	runDataCases(t, []dataCase{
		{name: "removed", ps: []policy.Policy{removeBcc{}}, in: msg("From: a@example.org", "Bcc: secret@example.net", "To: b@example.net", "Resent-Bcc: s2@example.net"), want: accept,
			out: msg("From: a@example.org", "To: b@example.net")},
		{name: "none", ps: []policy.Policy{removeBcc{}}, in: msg(base), want: accept, out: msg(base)},
	})
}

// TestData_ChecksBeforeChanges: a rejected message is never half-edited
// (DESIGN.md, "Checks before changes").
func TestData_ChecksBeforeChanges(t *testing.T) {
	t.Parallel()
	c := profileChain(t, Config{})
	in := msg("From: ceo@example.org", "To: b@example.net")
	h := readHeader(t, in)
	err := c.Data(t.Context(), authedConn(t), tx(t, "<alice@example.org>"), h)
	checkReply(t, "Data", err, want{550, "5.7.1"})
	if h.Changed() || headerString(t, h) != in {
		t.Errorf("a refused header was edited: %q", headerString(t, h))
	}
	// The same message from alice passes and gets Date and Message-ID.
	h = readHeader(t, msg("From: alice@example.org", "To: b@example.net"))
	if err := c.Data(t.Context(), authedConn(t), tx(t, "<alice@example.org>"), h); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"Date", "Message-ID"} {
		if !h.Has(f) {
			t.Errorf("the profile did not add %s", f)
		}
	}
}

// TestTransactionAddresses: the memo returns what header.ParseAddressList
// returns, and rewriters never modify the shared result.
func TestTransactionAddresses(t *testing.T) {
	t.Parallel()
	const v = "Eng <eng@eng>, bob@example.net"
	txn := tx(t, "<alice@example.org>")
	h := readHeader(t, msg("From: alice@example.org", "To: "+v))
	to := h.Field(h.Index("To"))
	first, _, err := fieldAddresses(txn, to)
	if err != nil || len(first) != 2 {
		t.Fatalf("fieldAddresses(%q) = %v, %v", v, first, err)
	}
	again, _, _ := fieldAddresses(txn, to)
	if &again[0] != &first[0] {
		t.Error("second call did not use the memo")
	}
	q := qualifyDomains{Expand: mustDomain(t, "example.org")}
	if err := q.RewriteData(t.Context(), authedConn(t), txn, h); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.Get("To"); got != "Eng <eng@eng.example.org>, bob@example.net" {
		t.Errorf("To = %q", got)
	}
	if first[0].Mailbox.Domain.ASCII() != "eng" {
		t.Errorf("the rewriter modified the memoized addresses: %v", first[0].Mailbox)
	}
	bad := readHeader(t, msg("From: alice@example.org", "Cc: <<<"))
	cc := bad.Field(bad.Index("Cc"))
	if _, _, err := fieldAddresses(txn, cc); err == nil {
		t.Error("a parse error was lost")
	}
	if _, _, err := fieldAddresses(txn, cc); err == nil {
		t.Error("a memoized parse error was lost")
	}
	var nilTx *policy.Transaction
	if as, _, err := fieldAddresses(nilTx, to); err != nil || len(as) != 2 {
		t.Errorf("nil tx: %v, %v", as, err)
	}
}
