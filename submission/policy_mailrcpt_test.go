package submission

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
)

// stageCase runs MAIL (and RCPT when rcpt is set) through a chain of ps.
type stageCase struct {
	name     string
	ps       []policy.Policy
	conn     func(t testing.TB) *policy.Conn
	from     envelope.Path
	origFrom string // Transaction.OriginalFrom, when set
	opts     policy.MailOptions
	prior    int // recipients already accepted
	rcpt     *envelope.Path
	mail     want
	rcptWant want
	after    func(t *testing.T, tx *policy.Transaction, r *policy.Recipient)
}

func runStageCases(t *testing.T, cases []stageCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustChain(t, "test", tc.ps...)
			conn := &policy.Conn{}
			if tc.conn != nil {
				conn = tc.conn(t)
			}
			txn := &policy.Transaction{From: tc.from, OriginalFrom: tc.origFrom, MailOptions: tc.opts}
			for i := 0; i < tc.prior; i++ {
				txn.Recipients = append(txn.Recipients, policy.Recipient{Path: mustFwd(t, "<r@example.net>")})
			}
			checkReply(t, "Mail", c.Mail(t.Context(), conn, txn), tc.mail)
			var r *policy.Recipient
			if tc.rcpt != nil {
				r = &policy.Recipient{Path: *tc.rcpt}
				checkReply(t, "Rcpt", c.Rcpt(t.Context(), conn, txn, r), tc.rcptWant)
			}
			if tc.after != nil {
				tc.after(t, txn, r)
			}
		})
	}
}

func pathPtr(p envelope.Path) *envelope.Path { return &p }

func alice(t testing.TB) *policy.Conn { return authedConn(t) }

func fromNet(addr string) func(t testing.TB) *policy.Conn {
	return func(t testing.TB) *policy.Conn {
		return &policy.Conn{RemoteAddr: netip.MustParseAddrPort(addr)}
	}
}

// Row: "Authenticate before MAIL, unless independently authorized (6409
// §4.3, 5068 §3.1-3.2)": requireAuth, 530 5.7.0. Trust is decided by the
// Session before the chain runs (TestSessionTrust); the policy reads
// Conn.Trusted.
func TestRow_RequireAuthAtMail(t *testing.T) {
	t.Parallel()
	from := mustRev(t, "<alice@example.org>")
	cases := []stageCase{
		{name: "unauthenticated", ps: []policy.Policy{requireAuth{}}, from: from, mail: want{530, "5.7.0"}},
		{name: "unauthenticated null path", ps: []policy.Policy{requireAuth{}}, from: mustRev(t, "<>"), mail: want{530, "5.7.0"}},
		{name: "authenticated", ps: []policy.Policy{requireAuth{}}, conn: alice, from: from, mail: accept},
		{name: "trusted", ps: []policy.Policy{requireAuth{}},
			conn: func(testing.TB) *policy.Conn { return &policy.Conn{Trusted: true} }, from: from, mail: accept},
		{name: "an address alone is not trust", ps: []policy.Policy{requireAuth{}}, conn: fromNet("192.0.2.7:5000"), from: from, mail: want{530, "5.7.0"}},
	}
	runStageCases(t, cases)
}

// Row: "Never an open relay (5068 §3.2, 6409 §9)": require-auth at RCPT.
func TestRow_NoOpenRelayAtRcpt(t *testing.T) {
	t.Parallel()
	mx := mustDomain(t, "mx.example.org")
	pm := requireAuth{AllowPostmaster: true, PostmasterDomains: []envelope.Domain{mx}}
	from := mustRev(t, "<someone@example.net>")
	rcptCase := func(name string, p requireAuth, conn func(testing.TB) *policy.Conn, to string, w want) stageCase {
		// MAIL is skipped by passing no MAIL check: use a RCPT-only view.
		return stageCase{name: name, ps: []policy.Policy{rcptOnly{p}}, conn: conn, from: from, rcpt: pathPtr(mustFwd(t, to)), rcptWant: w}
	}
	cases := []stageCase{
		rcptCase("unauthenticated", requireAuth{}, nil, "<bob@example.net>", want{530, "5.7.0"}),
		rcptCase("unauthenticated postmaster without AllowPostmaster", requireAuth{}, nil, "<Postmaster>", want{530, "5.7.0"}),
		rcptCase("authenticated", requireAuth{}, alice, "<bob@example.net>", accept),
		rcptCase("AllowPostmaster: <Postmaster>", pm, nil, "<Postmaster>", accept),
		rcptCase("AllowPostmaster: postmaster@mx", pm, nil, "<postmaster@mx.example.org>", accept),
		rcptCase("AllowPostmaster: PostMaster@MX (case)", pm, nil, "<PostMaster@MX.Example.ORG>", accept),
		rcptCase("AllowPostmaster: postmaster elsewhere", pm, nil, "<postmaster@example.net>", want{530, "5.7.0"}),
		rcptCase("AllowPostmaster: other user", pm, nil, "<bob@mx.example.org>", want{530, "5.7.0"}),
		rcptCase("AllowPostmaster: postmaster-ish", pm, nil, "<postmaster+x@mx.example.org>", want{530, "5.7.0"}),
		rcptCase("AllowPostmaster: long s is not s (U+017F)", pm, nil, "<po\u017ftmaster@mx.example.org>", want{530, "5.7.0"}),
		{name: "AllowPostmaster: MAIL passes, RCPT limited", ps: []policy.Policy{pm}, from: from, mail: accept,
			rcpt: pathPtr(mustFwd(t, "<bob@example.net>")), rcptWant: want{530, "5.7.0"}},
	}
	runStageCases(t, cases)
}

// rcptOnly hides the MAIL stage of a policy, as a server that skips MAIL
// checks would.
type rcptOnly struct{ p policy.RcptPolicy }

func (r rcptOnly) Name() string { return r.p.Name() }
func (r rcptOnly) CheckRcpt(ctx context.Context, c *policy.Conn, tx *policy.Transaction, rc *policy.Recipient) error {
	return r.p.CheckRcpt(ctx, c, tx, rc)
}

// Row: "No return path determinable → reject at MAIL (6409 §3.2)": 550.
// Row: "Null reverse-path <> is never by itself a reason to reject".
func TestRow_ReturnPath(t *testing.T) {
	t.Parallel()
	all := testProfile(t, Config{MaxSize: 1 << 20})
	null := mustRev(t, "<>")
	cases := []stageCase{
		{name: "unauthenticated, postmaster exception, <>", ps: []policy.Policy{requireAuth{AllowPostmaster: true}}, from: null, mail: want{550, "5.7.1"}},
		{name: "unauthenticated, postmaster exception, return path given", ps: []policy.Policy{requireAuth{AllowPostmaster: true}},
			from: mustRev(t, "<x@example.net>"), mail: accept},
		{name: "authenticated <> through every default policy", ps: all, conn: alice, from: null, mail: accept,
			rcpt: pathPtr(mustFwd(t, "<bob@example.net>")), rcptWant: accept},
		{name: "trusted <> through every default policy", ps: all, conn: func(testing.TB) *policy.Conn { return &policy.Conn{Trusted: true} }, from: null, mail: accept,
			rcpt: pathPtr(mustFwd(t, "<bob@example.net>")), rcptWant: accept},
		{name: "authenticated identity without address may use <>", ps: []policy.Policy{enforceSender{}},
			conn: func(t testing.TB) *policy.Conn { return &policy.Conn{Identity: identity(t, "svc", "")} }, from: null, mail: accept},
	}
	runStageCases(t, cases)
	for _, p := range all {
		if mp, ok := p.(policy.MailPolicy); ok {
			if err := mp.CheckMail(t.Context(), authedConn(t), &policy.Transaction{From: null}); err != nil {
				t.Errorf("%s refuses <> from an authenticated session: %v", p.Name(), err)
			}
		}
	}
}

// Row: "All envelope domains fully qualified (6409 §4.2)": qualify-domains,
// 554 5.1.8 (MAIL) / 554 5.1.2 (RCPT).
func TestRow_QualifyDomains(t *testing.T) {
	t.Parallel()
	exp := mustDomain(t, "example.net")
	q := qualifyDomains{}
	qe := qualifyDomains{Expand: exp}
	// "dev" is a delegated TLD as well as the site's subdomain: only
	// Partial can tell "build.dev" is short for "build.dev.example.net".
	partial := qualifyDomains{Expand: exp, Partial: PartialUnder(mustDomain(t, "DEV"), mustDomain(t, "sales"))}
	local := qualifyDomains{Expand: exp, Rule: qualifiedRule{local: []string{".sales", ".example.lan"}}}
	good := mustRev(t, "<alice@example.org>")
	cases := []stageCase{
		{name: "fully qualified", ps: []policy.Policy{q}, from: good, mail: accept, rcpt: pathPtr(mustFwd(t, "<bob@example.net>")), rcptWant: accept},
		{name: "single-level sender", ps: []policy.Policy{q}, from: mustRev(t, "<alice@sales>"), mail: want{554, "5.1.8"}},
		{name: "single-level recipient", ps: []policy.Policy{q}, from: good, mail: accept, rcpt: pathPtr(mustFwd(t, "<bob@sales>")), rcptWant: want{554, "5.1.2"}},
		{name: "null reverse-path", ps: []policy.Policy{q}, from: mustRev(t, "<>"), mail: accept},
		{name: "<Postmaster>", ps: []policy.Policy{q}, from: good, mail: accept, rcpt: pathPtr(mustFwd(t, "<Postmaster>")), rcptWant: accept},
		{name: "address literal", ps: []policy.Policy{q}, from: mustRev(t, "<alice@[192.0.2.1]>"), mail: accept},
		{name: "expand single-level sender", ps: []policy.Policy{qe}, from: mustRev(t, "<alice@sales>"), mail: accept,
			rcpt: pathPtr(mustFwd(t, "<bob@eng>")), rcptWant: accept,
			after: func(t *testing.T, tx *policy.Transaction, r *policy.Recipient) {
				if got := tx.From.Mailbox().Domain.ASCII(); got != "sales.example.net" {
					t.Errorf("From domain = %q, want sales.example.net", got)
				}
				if got := r.Path.Mailbox().Domain.ASCII(); got != "eng.example.net" {
					t.Errorf("rcpt domain = %q, want eng.example.net", got)
				}
				if r.Path.Mailbox().LocalPart != "bob" {
					t.Errorf("local part changed to %q", r.Path.Mailbox().LocalPart)
				}
			}},
		// RFC 6409, Section 4.2's own example: refused, never expanded,
		// since "sales" is not a delegated top-level domain.
		{name: "multi-level partial refused, never expanded (MAIL)", ps: []policy.Policy{qe}, from: mustRev(t, "<alice@squeaky.sales>"), mail: want{554, "5.1.8"}},
		{name: "multi-level partial refused, never expanded (RCPT)", ps: []policy.Policy{qe}, from: good, mail: accept,
			rcpt: pathPtr(mustFwd(t, "<bob@squeaky.sales>")), rcptWant: want{554, "5.1.2"}},
		{name: "typo TLD (MAIL)", ps: []policy.Policy{q}, from: mustRev(t, "<carol@example.con>"), mail: want{554, "5.1.8"}},
		{name: "typo TLD (RCPT)", ps: []policy.Policy{q}, from: good, mail: accept, rcpt: pathPtr(mustFwd(t, "<carol@mail.example.cmo>")), rcptWant: want{554, "5.1.2"}},
		{name: "special-use TLD", ps: []policy.Policy{q}, from: mustRev(t, "<alice@example.test>"), mail: accept,
			rcpt: pathPtr(mustFwd(t, "<bob@printer.internal>")), rcptWant: accept},
		{name: "local TLD kept as it is", ps: []policy.Policy{local}, from: mustRev(t, "<alice@squeaky.sales>"), mail: accept,
			rcpt: pathPtr(mustFwd(t, "<bob@example.lan>")), rcptWant: accept,
			after: func(t *testing.T, tx *policy.Transaction, r *policy.Recipient) {
				if got := tx.From.Mailbox().Domain.ASCII(); got != "squeaky.sales" {
					t.Errorf("squeaky.sales became %q: RFC 6409 §4.2 forbids expanding it", got)
				}
			}},
		{name: "other name under a local domain's TLD", ps: []policy.Policy{local}, from: mustRev(t, "<alice@other.lan>"), mail: want{554, "5.1.8"}},
		{name: "multi-level partial refused via Partial (MAIL)", ps: []policy.Policy{partial}, from: mustRev(t, "<alice@build.dev>"), mail: want{554, "5.1.8"}},
		{name: "multi-level partial refused via Partial (RCPT)", ps: []policy.Policy{partial}, from: good, mail: accept,
			rcpt: pathPtr(mustFwd(t, "<bob@build.dev>")), rcptWant: want{554, "5.1.2"}},
		{name: "Partial passes a complete name", ps: []policy.Policy{partial}, from: mustRev(t, "<alice@build.dev.example.net>"), mail: accept},
		{name: "Partial still expands single-level", ps: []policy.Policy{partial}, from: mustRev(t, "<alice@sales>"), mail: accept},
	}
	runStageCases(t, cases)

	under := PartialUnder(mustDomain(t, "sales"), mustDomain(t, "eng"), mustDomain(t, "dev.corp"))
	for d, want := range map[string]bool{"squeaky.sales": true, "build.eng": true, "a.b.eng": true, "x.dev.corp": true,
		"example.sales.example.net": false, "sales.example.net": false, "sales": false, "dev.corp": false, "corp": false,
		"[192.0.2.1]": false, "example.org": false, "xsales": false} {
		if got := under(mustDomain(t, d)); got != want {
			t.Errorf("PartialUnder(sales, eng, dev.corp)(%s) = %v, want %v", d, got, want)
		}
	}
	if d, err := qe.Qualify(mustDomain(t, "sales")); err != nil || d.ASCII() != "sales.example.net" {
		t.Errorf("Qualify(sales) = %v, %v", d.ASCII(), err)
	}
	if _, err := q.Qualify(mustDomain(t, "sales")); !errors.Is(err, errUnqualifiedDomain) {
		t.Errorf("Qualify without Expand: err = %v", err)
	}
}

// Row: "Envelope address syntax (6409 §5.1, 5321 §4.1.2, §4.5.3.1)":
// enforce-address-syntax, 501 5.1.7 / 501 5.1.3.
func TestRow_EnforceAddressSyntax(t *testing.T) {
	t.Parallel()
	d := mustDomain(t, "example.org")
	mk := func(lp string, dom envelope.Domain) envelope.Path {
		return envelope.NewPath(envelope.Mailbox{LocalPart: lp, Domain: dom})
	}
	long255 := mustDomain(t, strings.Repeat("a", 63)+"."+strings.Repeat("b", 63)+"."+strings.Repeat("c", 63)+"."+strings.Repeat("d", 61))
	e := enforceAddressSyntax{}
	cases := []struct {
		name string
		p    enforceAddressSyntax
		path envelope.Path
		ok   bool
	}{
		{"plain", e, mk("alice", d), true},
		{"64-octet local part", e, mk(strings.Repeat("a", 64), d), true},
		{"65-octet local part", e, mk(strings.Repeat("a", 65), d), false},
		{"quoted form 65", e, mk(strings.Repeat("a", 31)+" "+strings.Repeat("b", 31), d), false}, // 63 octets + 2 quotes
		{"quoted form 66", e, mk(strings.Repeat("a", 32)+" "+strings.Repeat("b", 31), d), false}, // 64 octets + 2 quotes
		{"quoted form 64", e, mk(strings.Repeat("a", 30)+" "+strings.Repeat("b", 31), d), true},  // 62 octets + 2 quotes
		{"empty local part", e, mk("", d), false},
		{"control character", e, mk("ali\x01ce", d), false},
		{"DEL", e, mk("ali\x7fce", d), false},
		{"CR in local part", e, mk("ali\rce", d), false},
		{"invalid UTF-8", e, mk("ali\xffce", d), false},
		{"UTF-8 local part", e, mk("jörg", d), true},
		{"zero domain", e, mk("alice", envelope.Domain{}), false},
		{"path over 256", e, mk(strings.Repeat("a", 10), long255), false},
		{"address literal allowed", e, mk("alice", mustDomain(t, "[192.0.2.1]")), true},
		{"address literal refused", enforceAddressSyntax{NoAddressLiterals: true}, mk("alice", mustDomain(t, "[192.0.2.1]")), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mail, rc := accept, accept
			if !tc.ok {
				mail, rc = want{501, "5.1.7"}, want{501, "5.1.3"}
			}
			checkReply(t, "CheckMail", tc.p.CheckMail(t.Context(), alice(t), &policy.Transaction{From: tc.path}), mail)
			checkReply(t, "CheckRcpt", tc.p.CheckRcpt(t.Context(), alice(t), &policy.Transaction{}, &policy.Recipient{Path: tc.path}), rc)
		})
	}
	checkReply(t, "CheckMail(<>)", e.CheckMail(t.Context(), alice(t), &policy.Transaction{From: mustRev(t, "<>")}), accept)
	checkReply(t, "CheckRcpt(<Postmaster>)", e.CheckRcpt(t.Context(), alice(t), &policy.Transaction{}, rcpt(t, "<Postmaster>")), accept)
	checkReply(t, "CheckRcpt(null)", e.CheckRcpt(t.Context(), alice(t), &policy.Transaction{}, &policy.Recipient{Path: mustRev(t, "<>")}), want{501, "5.1.3"})
}

// Row: "MAIL FROM must be an address the identity may use (6409 §6.1, 5068
// §3.1)": enforce-sender, 550 5.7.1.
func TestRow_EnforceSenderAtMail(t *testing.T) {
	t.Parallel()
	senders := &fakeSenders{allow: map[string][]string{"alice": {"alias@example.org", "@alice.example"}}}
	withSenders := enforceSender{Senders: senders}
	own := enforceSender{}
	cases := []stageCase{
		{name: "own address", ps: []policy.Policy{own}, conn: alice, from: mustRev(t, "<alice@example.org>"), mail: accept},
		{name: "own address, other case", ps: []policy.Policy{own}, conn: alice, from: mustRev(t, "<ALICE@EXAMPLE.ORG>"), mail: accept},
		{name: "someone else", ps: []policy.Policy{own}, conn: alice, from: mustRev(t, "<bob@example.org>"), mail: want{550, "5.7.1"}},
		{name: "lookalike domain", ps: []policy.Policy{own}, conn: alice, from: mustRev(t, "<alice@examp1e.org>"), mail: want{550, "5.7.1"}},
		{name: "subdomain", ps: []policy.Policy{own}, conn: alice, from: mustRev(t, "<alice@mail.example.org>"), mail: want{550, "5.7.1"}},
		{name: "alias without Senders", ps: []policy.Policy{own}, conn: alice, from: mustRev(t, "<alias@example.org>"), mail: want{550, "5.7.1"}},
		{name: "alias with Senders", ps: []policy.Policy{withSenders}, conn: alice, from: mustRev(t, "<alias@example.org>"), mail: accept},
		{name: "whole domain with Senders", ps: []policy.Policy{withSenders}, conn: alice, from: mustRev(t, "<anything@alice.example>"), mail: accept},
		{name: "own address with Senders", ps: []policy.Policy{withSenders}, conn: alice, from: mustRev(t, "<alice@example.org>"), mail: accept},
		{name: "not in Senders", ps: []policy.Policy{withSenders}, conn: alice, from: mustRev(t, "<ceo@example.org>"), mail: want{550, "5.7.1"}},
		{name: "null reverse-path", ps: []policy.Policy{own}, conn: alice, from: mustRev(t, "<>"), mail: accept},
		{name: "identity without address", ps: []policy.Policy{own},
			conn: func(t testing.TB) *policy.Conn { return &policy.Conn{Identity: identity(t, "svc", "")} },
			from: mustRev(t, "<svc@example.org>"), mail: want{550, "5.7.1"}},
		{name: "trusted, unauthenticated: not judged", ps: []policy.Policy{own},
			conn: func(testing.TB) *policy.Conn { return &policy.Conn{Trusted: true} }, from: mustRev(t, "<anyone@example.org>"), mail: accept},
		{name: "single-level judged as expanded", ps: []policy.Policy{enforceSender{Expand: mustDomain(t, "example.org")}},
			conn: func(t testing.TB) *policy.Conn {
				return &policy.Conn{Identity: identity(t, "alice", "alice@sales.example.org")}
			},
			from: mustRev(t, "<alice@sales>"), mail: accept},
		{name: "single-level not expanded", ps: []policy.Policy{own},
			conn: func(t testing.TB) *policy.Conn {
				return &policy.Conn{Identity: identity(t, "alice", "alice@sales.example.org")}
			},
			from: mustRev(t, "<alice@sales>"), mail: want{550, "5.7.1"}},
	}
	runStageCases(t, cases)

	// An authorizer failure is an internal error, not a reply.
	failing := enforceSender{Senders: &fakeSenders{err: errors.New("ldap down")}}
	err := failing.CheckMail(t.Context(), authedConn(t), tx(t, "<other@example.org>"))
	var r *policy.Reply
	if err == nil || errors.As(err, &r) {
		t.Errorf("CheckMail with failing Senders = %v, want an internal error", err)
	}
}

// Row: "RCPT within the user's permissions (6409 §6.2)":
// recipient-permissions, 550 5.7.1.
func TestRow_RecipientPermissions(t *testing.T) {
	t.Parallel()
	internalOnly := recipientPermissions{Allow: func(_ context.Context, id auth.Identity, p envelope.Path) (bool, error) {
		if p.IsPostmaster() {
			return true, nil
		}
		if p.Mailbox().Domain.ASCII() == "fail.example" {
			return false, errors.New("directory down")
		}
		return id.User() == "alice" && p.Mailbox().Domain.ASCII() == "example.org", nil
	}}
	from := mustRev(t, "<alice@example.org>")
	cases := []stageCase{
		{name: "permitted", ps: []policy.Policy{internalOnly}, conn: alice, from: from, rcpt: pathPtr(mustFwd(t, "<bob@example.org>")), rcptWant: accept},
		{name: "not permitted", ps: []policy.Policy{internalOnly}, conn: alice, from: from, rcpt: pathPtr(mustFwd(t, "<bob@example.net>")), rcptWant: want{550, "5.7.1"}},
		{name: "postmaster", ps: []policy.Policy{internalOnly}, conn: alice, from: from, rcpt: pathPtr(mustFwd(t, "<Postmaster>")), rcptWant: accept},
		{name: "nil Allow permits", ps: []policy.Policy{recipientPermissions{}}, conn: alice, from: from, rcpt: pathPtr(mustFwd(t, "<x@example.net>")), rcptWant: accept},
		{name: "unauthenticated not judged", ps: []policy.Policy{internalOnly}, from: from, rcpt: pathPtr(mustFwd(t, "<x@example.net>")), rcptWant: accept},
	}
	runStageCases(t, cases)
	err := internalOnly.CheckRcpt(t.Context(), authedConn(t), tx(t, "<>"), rcpt(t, "<x@fail.example>"))
	var r *policy.Reply
	if err == nil || errors.As(err, &r) {
		t.Errorf("failing Allow = %v, want an internal error", err)
	}
}

// Row: "<Postmaster> accepted unqualified; reduced authentication for
// postmaster allowed (5321 §4.1.1.3, 6409 §6.4)": Postmaster.
func TestRow_Postmaster(t *testing.T) {
	t.Parallel()
	mx := mustDomain(t, "mx.example.org")
	all := testProfile(t, Config{Hostname: mx})
	cases := []stageCase{
		{name: "qualified to the hostname", ps: all, conn: alice, from: mustRev(t, "<alice@example.org>"), mail: accept,
			rcpt: pathPtr(mustFwd(t, "<Postmaster>")), rcptWant: accept,
			after: func(t *testing.T, _ *policy.Transaction, r *policy.Recipient) {
				if r.Path.IsPostmaster() || r.Path.Mailbox().String() != "postmaster@mx.example.org" {
					t.Errorf("rewritten to %v, want postmaster@mx.example.org", r.Path)
				}
			}},
		{name: "zero domain leaves it", ps: []policy.Policy{qualifyPostmaster{}}, conn: alice, from: mustRev(t, "<alice@example.org>"),
			rcpt: pathPtr(mustFwd(t, "<Postmaster>")), rcptWant: accept,
			after: func(t *testing.T, _ *policy.Transaction, r *policy.Recipient) {
				if !r.Path.IsPostmaster() {
					t.Errorf("rewritten to %v", r.Path)
				}
			}},
		{name: "other recipients untouched", ps: []policy.Policy{qualifyPostmaster{Domain: mx}}, conn: alice, from: mustRev(t, "<alice@example.org>"),
			rcpt: pathPtr(mustFwd(t, "<bob@example.net>")), rcptWant: accept,
			after: func(t *testing.T, _ *policy.Transaction, r *policy.Recipient) {
				if r.Path.Mailbox().String() != "bob@example.net" {
					t.Errorf("rewritten to %v", r.Path)
				}
			}},
		{name: "unauthenticated postmaster with the profile's exception", ps: testProfile(t, Config{Hostname: mx, AllowPostmaster: true}),
			from: mustRev(t, "<someone@example.net>"), mail: accept, rcpt: pathPtr(mustFwd(t, "<Postmaster>")), rcptWant: accept},
	}
	runStageCases(t, cases)
}

// Row: "Non-ASCII addresses only with SMTPUTF8 (RFC 6531, Section 3.5)":
// require-smtputf8, 550 5.6.7 (MAIL) / 553 5.6.7 (RCPT).
func TestRow_RequireSMTPUTF8(t *testing.T) {
	t.Parallel()
	p := []policy.Policy{requireSMTPUTF8{}}
	utf8 := policy.MailOptions{SMTPUTF8: true}
	cases := []stageCase{
		{name: "ASCII", ps: p, from: mustRev(t, "<alice@example.org>"), mail: accept, rcpt: pathPtr(mustFwd(t, "<bob@example.net>")), rcptWant: accept},
		{name: "UTF-8 local part sender", ps: p, from: mustRev(t, "<jörg@example.org>"), mail: want{550, "5.6.7"}},
		{name: "IDN sender as received", ps: p, from: mustRev(t, "<joerg@bücher.example>"), origFrom: "joerg@bücher.example", mail: want{550, "5.6.7"}},
		{name: "IDN sender built in-process (A-label form exists)", ps: p, from: mustRev(t, "<joerg@bücher.example>"), mail: accept},
		{name: "A-label sender", ps: p, from: mustRev(t, "<joerg@xn--bcher-kva.example>"), origFrom: "<joerg@xn--bcher-kva.example>", mail: accept},
		{name: "UTF-8 as received", ps: p, from: mustRev(t, "<joerg@bücher.example>"), origFrom: "<joerg@bücher.example>", mail: want{550, "5.6.7"}},
		{name: "UTF-8 recipient", ps: p, from: mustRev(t, "<alice@example.org>"), mail: accept,
			rcpt: pathPtr(mustFwd(t, "<用户@例子.example>")), rcptWant: want{553, "5.6.7"}},
		{name: "with SMTPUTF8", ps: p, opts: utf8, from: mustRev(t, "<jörg@bücher.example>"), mail: accept,
			rcpt: pathPtr(mustFwd(t, "<用户@例子.example>")), rcptWant: accept},
		{name: "null and postmaster", ps: p, from: mustRev(t, "<>"), mail: accept, rcpt: pathPtr(mustFwd(t, "<Postmaster>")), rcptWant: accept},
	}
	runStageCases(t, cases)
}

// Row: "Recipients limit (5321 §4.5.3.1.8)": max-recipients, 452 4.5.3.
func TestRow_MaxRecipients(t *testing.T) {
	t.Parallel()
	from := mustRev(t, "<alice@example.org>")
	to := pathPtr(mustFwd(t, "<bob@example.net>"))
	cases := []stageCase{
		{name: "default: 99 accepted, 100th ok", ps: []policy.Policy{maxRecipients{}}, from: from, prior: 99, rcpt: to, rcptWant: accept},
		{name: "default: 101st refused", ps: []policy.Policy{maxRecipients{}}, from: from, prior: 100, rcpt: to, rcptWant: want{452, "4.5.3"}},
		{name: "configured 5", ps: []policy.Policy{maxRecipients{Max: 5}}, from: from, prior: 5, rcpt: to, rcptWant: want{452, "4.5.3"}},
		{name: "configured 500", ps: []policy.Policy{maxRecipients{Max: 500}}, from: from, prior: 100, rcpt: to, rcptWant: accept},
		{name: "no limit", ps: []policy.Policy{maxRecipients{Max: -1}}, from: from, prior: 1000, rcpt: to, rcptWant: accept},
	}
	runStageCases(t, cases)
	if got := (maxRecipients{}).Limit(); got != 100 {
		t.Errorf("Limit() = %d, want 100", got)
	}

	// Through a chain, rejected recipients are not counted: the caller only
	// appends accepted ones.
	c := mustChain(t, "c", maxRecipients{Max: 2}, recipientPermissions{Allow: func(_ context.Context, _ auth.Identity, p envelope.Path) (bool, error) {
		return p.Mailbox().LocalPart != "nope", nil
	}})
	txn := tx(t, "<alice@example.org>")
	results := []want{}
	for _, to := range []string{"<a@example.net>", "<nope@example.net>", "<b@example.net>", "<c@example.net>"} {
		r := rcpt(t, to)
		err := c.Rcpt(t.Context(), authedConn(t), txn, r)
		if err == nil {
			txn.Recipients = append(txn.Recipients, *r)
			results = append(results, accept)
			continue
		}
		var rep *policy.Reply
		errors.As(err, &rep)
		results = append(results, want{rep.Code, rep.Enhanced})
	}
	wantResults := []want{accept, {550, "5.7.1"}, accept, {452, "4.5.3"}}
	for i := range wantResults {
		if results[i] != wantResults[i] {
			t.Errorf("recipient %d: %v, want %v", i, results[i], wantResults[i])
		}
	}
}

// Row: "Declared or actual size over limit (RFC 1870)": max-size at MAIL,
// 552 5.3.4 (the actual size at DATA: TestDataReadErrors and
// TestDataHeaderErrors).
func TestRow_MaxSize(t *testing.T) {
	t.Parallel()
	from := mustRev(t, "<alice@example.org>")
	p := []policy.Policy{maxSize{Max: 1000}}
	cases := []stageCase{
		{name: "no SIZE", ps: p, from: from, mail: accept},
		{name: "at limit", ps: p, from: from, opts: policy.MailOptions{Size: 1000}, mail: accept},
		{name: "over limit", ps: p, from: from, opts: policy.MailOptions{Size: 1001}, mail: want{552, "5.3.4"}},
		{name: "no limit", ps: []policy.Policy{maxSize{}}, from: from, opts: policy.MailOptions{Size: 1 << 40}, mail: accept},
	}
	runStageCases(t, cases)
}
