package submission_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

func TestExtensions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  func(*submission.Config)
		tls  bool
		want []string
	}{
		{"default under TLS", nil, true,
			[]string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "DSN", "SIZE 33554432", "AUTH PLAIN LOGIN"}},
		{"default before TLS", nil, false,
			[]string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "DSN", "SIZE 33554432", "STARTTLS"}},
		{"chunking, no limit, no DSN", func(c *submission.Config) {
			c.Chunking = true
			c.MaxSize = -1
			c.DisableExtensions = []string{"dsn", "STARTTLS"}
		}, true,
			[]string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "SIZE", "CHUNKING", "BINARYMIME", "AUTH PLAIN LOGIN"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.cfg)
			c := conn()
			if !tc.tls {
				c.TLS = nil
			}
			got := f.agent.Extensions(c)
			// AUTH's mechanism list is auth's business; compare the keyword line prefix.
			for i := range got {
				if strings.HasPrefix(got[i], "AUTH ") {
					got[i] = "AUTH PLAIN LOGIN"
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Extensions = %q, want %q", got, tc.want)
			}
			for _, f := range submission.AuditExtensions(got, tc.tls) {
				if f.IsViolation() {
					t.Errorf("our own EHLO violates %v", f)
				}
			}
		})
	}
}

func TestNewRejectsOmittingAuth(t *testing.T) {
	t.Parallel()
	_, err := submission.New(submission.Config{Hostname: mustDomain(t, "msa.example.org"), DisableExtensions: []string{"auth"}})
	if err == nil {
		t.Fatal("New accepted DisableExtensions AUTH")
	}
	if _, err := submission.New(submission.Config{}); err == nil {
		t.Fatal("New accepted a zero Hostname")
	}
}

func TestAuditExtensions(t *testing.T) {
	t.Parallel()
	good := []string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "AUTH PLAIN"}
	type want struct {
		kw  string
		req submission.Requirement
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
			[]want{{"ETRN", submission.MustNot}, {"ATRN", submission.MustNot}}},
		{"no AUTH", []string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN"}, true,
			[]want{{"AUTH", submission.Must}}},
		{"no AUTH before STARTTLS", []string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "STARTTLS"}, false,
			[]want{{"AUTH", submission.Should}}},
		{"bare minimum", []string{"AUTH PLAIN"}, true, []want{
			{"PIPELINING", submission.Should}, {"ENHANCEDSTATUSCODES", submission.Should},
			{"DSN", submission.Should}, {"8BITMIME", submission.Should}}},
		{"STARTTLS after TLS", append(slices.Clone(good), "STARTTLS"), true, []want{{"STARTTLS", submission.MustNot}}},
		{"PLAIN without TLS", []string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "AUTH LOGIN PLAIN"}, false,
			[]want{{"AUTH", submission.ShouldNot}, {"AUTH", submission.ShouldNot}}},
		{"BINARYMIME without CHUNKING", append(slices.Clone(good), "BINARYMIME"), true, []want{{"BINARYMIME", submission.Must}}},
		{"SMTPUTF8 without 8BITMIME", []string{"PIPELINING", "ENHANCEDSTATUSCODES", "DSN", "AUTH PLAIN", "SMTPUTF8"}, true,
			[]want{{"8BITMIME", submission.Should}, {"SMTPUTF8", submission.Must}}},
		{"empty lines ignored", append(slices.Clone(good), "", "  "), true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := submission.AuditExtensions(tc.ehlo, tc.tls)
			if len(got) != len(tc.want) {
				t.Fatalf("AuditExtensions(%q) = %v, want %v", tc.ehlo, got, tc.want)
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
	tbl := submission.ExtensionTable()
	if len(tbl) != 19 {
		t.Fatalf("RFC 6409 Table 1 has 19 rows, got %d", len(tbl))
	}
	req := map[string]submission.Requirement{}
	for _, r := range tbl {
		req[r.Keyword] = r.Requirement
	}
	for kw, want := range map[string]submission.Requirement{
		"AUTH": submission.Must, "ETRN": submission.MustNot, "ATRN": submission.MustNot,
		"PIPELINING": submission.Should, "8BITMIME": submission.Should, "DSN": submission.Should,
		"ENHANCEDSTATUSCODES": submission.Should, "SIZE": submission.May, "STARTTLS": submission.May,
	} {
		if req[kw] != want {
			t.Errorf("%s: %s, want %s", kw, req[kw], want)
		}
	}
	tbl[0].Keyword = "MUTATED"
	if submission.ExtensionTable()[0].Keyword != "PIPELINING" {
		t.Error("ExtensionTable shares its slice")
	}
	_ = policy.Conn{}
}
