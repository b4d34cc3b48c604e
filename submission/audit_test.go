package submission

import (
	"crypto/tls"
	"slices"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/policy"
)

// auditExtensions and extensionTable are kept unexported (DESIGN.md, "A small
// public API"):
// their one user is TestOwnExtensionsConform, which holds Agent.Extensions
// to RFC 6409, Section 7. The conformance kit DESIGN.md plans is where an
// exported audit belongs.

// TestOwnExtensionsConform: the EHLO keywords Agent.Extensions offers, under
// TLS and before it, with and without CHUNKING and limits, break no MUST or
// MUST NOT of RFC 6409, Section 7.
func TestOwnExtensionsConform(t *testing.T) {
	t.Parallel()
	users := auth.NewUsers()
	if err := users.Add("alice", "secret", mustMailbox(t, "alice@example.org")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		cfg  Config
		tlss []bool
	}{
		{Config{Authenticator: users}, []bool{true, false}},
		// Without STARTTLS, AUTH before TLS is the server's concern (RFC
		// 8314 implicit TLS): checked under TLS only.
		{Config{Authenticator: users, Chunking: true, MaxSize: -1, DisableExtensions: []string{"dsn", "STARTTLS"}}, []bool{true}},
	}
	for _, tc := range cases {
		a := testAgent(t, tc.cfg)
		for _, underTLS := range tc.tlss {
			c := policy.Conn{}
			if underTLS {
				c.TLS = &tls.ConnectionState{Version: tls.VersionTLS13}
			}
			ehlo := a.Extensions(c)
			if !slices.ContainsFunc(ehlo, func(s string) bool { return s == "PIPELINING" }) {
				t.Fatalf("Extensions = %q", ehlo)
			}
			for _, f := range auditExtensions(ehlo, underTLS) {
				if f.IsViolation() {
					t.Errorf("our own EHLO %q violates %v", ehlo, f)
				}
			}
		}
	}
}

// TestAuditExtensionsFindings is the former package example: findings in
// the order auditExtensions reports them.
func TestAuditExtensionsFindings(t *testing.T) {
	t.Parallel()
	ehlo := []string{"PIPELINING", "8BITMIME", "ETRN", "SIZE 10240000", "AUTH PLAIN LOGIN"}
	var got []string
	for _, f := range auditExtensions(ehlo, true) {
		got = append(got, f.String())
	}
	want := []string{
		"ENHANCEDSTATUSCODES: not offered (SHOULD, RFC 6409, Section 7)",
		"ETRN: offered on the submission port (MUST NOT, RFC 6409, Section 7)",
		"DSN: not offered (SHOULD, RFC 6409, Section 7)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
}

func TestAuditExtensions(t *testing.T) {
	t.Parallel()
	good := []string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "AUTH PLAIN"}
	type want struct {
		kw  string
		req requirement
	}
	cases := []struct {
		name string
		ehlo []string
		tls  bool
		want []want
	}{
		{"conforming under TLS", good, true, nil},
		{"lower case keywords", []string{"pipelining", "enhancedstatuscodes", "8bitmime", "dsn", "auth plain"}, true, nil},
		{"ETRN and ATRN", append(slices.Clone(good), "ETRN", "ATRN"), true,
			[]want{{"ETRN", mustNot}, {"ATRN", mustNot}}},
		{"no AUTH", []string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN"}, true,
			[]want{{"AUTH", must}}},
		{"no AUTH before STARTTLS", []string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "STARTTLS"}, false,
			[]want{{"AUTH", should}}},
		{"bare minimum", []string{"AUTH PLAIN"}, true, []want{
			{"PIPELINING", should}, {"ENHANCEDSTATUSCODES", should},
			{"DSN", should}, {"8BITMIME", should}}},
		{"STARTTLS after TLS", append(slices.Clone(good), "STARTTLS"), true, []want{{"STARTTLS", mustNot}}},
		{"PLAIN without TLS", []string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "AUTH LOGIN PLAIN"}, false,
			[]want{{"AUTH", shouldNot}, {"AUTH", shouldNot}}},
		{"BINARYMIME without CHUNKING", append(slices.Clone(good), "BINARYMIME"), true, []want{{"BINARYMIME", must}}},
		{"SMTPUTF8 without 8BITMIME", []string{"PIPELINING", "ENHANCEDSTATUSCODES", "DSN", "AUTH PLAIN", "SMTPUTF8"}, true,
			[]want{{"8BITMIME", should}, {"SMTPUTF8", must}}},
		{"empty lines ignored", append(slices.Clone(good), "", "  "), true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := auditExtensions(tc.ehlo, tc.tls)
			if len(got) != len(tc.want) {
				t.Fatalf("auditExtensions(%q) = %v, want %v", tc.ehlo, got, tc.want)
			}
			for i, w := range tc.want {
				if got[i].Keyword != w.kw || got[i].Requirement != w.req {
					t.Errorf("finding %d = %v, want %s %s", i, got[i], w.kw, w.req)
				}
			}
		})
	}
}

func TestExtensionTable(t *testing.T) {
	t.Parallel()
	tbl := extensionTable()
	if len(tbl) != 19 {
		t.Fatalf("RFC 6409 Table 1 has 19 rows, got %d", len(tbl))
	}
	req := map[string]requirement{}
	for _, r := range tbl {
		req[r.Keyword] = r.Requirement
	}
	for kw, want := range map[string]requirement{
		"AUTH": must, "ETRN": mustNot, "ATRN": mustNot,
		"PIPELINING": should, "8BITMIME": should, "DSN": should,
		"ENHANCEDSTATUSCODES": should, "SIZE": may, "STARTTLS": may,
	} {
		if req[kw] != want {
			t.Errorf("%s: %s, want %s", kw, req[kw], want)
		}
	}
	tbl[0].Keyword = "MUTATED"
	if extensionTable()[0].Keyword != "PIPELINING" {
		t.Error("extensionTable shares its slice")
	}
}
