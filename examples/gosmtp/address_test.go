package gosmtp

import (
	"strings"
	"testing"

	"github.com/msakit/msakit/envelope"
)

func TestRebuildPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "dot-string unchanged", in: "alice@example.org", want: "alice@example.org"},
		{name: "dots and atext unchanged", in: "a.b+tag!#$%&'*/=?^_`{|}~-@example.org", want: "a.b+tag!#$%&'*/=?^_`{|}~-@example.org"},
		{name: "UTF-8 unchanged", in: "jörg@bücher.example", want: "jörg@bücher.example"},
		{name: "space quoted again", in: "carol smith@example.net", want: `"carol smith"@example.net`},
		// The decision: the unquoted reading wins for dot errors and a
		// second '@'; msakit refuses these (501 5.1.3 / 501 5.1.7).
		{name: "second at sign left unquoted", in: "odd@local@example.net", want: "odd@local@example.net"},
		{name: "double at sign left unquoted", in: "carol@@example.net", want: "carol@@example.net"},
		{name: "double dot left unquoted", in: "carol..smith@example.net", want: "carol..smith@example.net"},
		{name: "trailing dot left unquoted", in: "carol.@example.net", want: "carol.@example.net"},
		{name: "space proves quotes, dots and all", in: "carol .. smith@example.net", want: `"carol .. smith"@example.net`},
		{name: "parentheses quoted again", in: "a(b)@example.net", want: `"a(b)"@example.net`},
		{name: "quote and backslash escaped", in: `a"b\c@example.net`, want: `"a\"b\\c"@example.net`},
		{name: "no at sign", in: "Postmaster", want: "Postmaster"},
		{name: "bad domain left to msakit", in: "carol smith@exa mple", want: "carol smith@exa mple"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := rebuildPath(tc.in); got != tc.want {
				t.Errorf("rebuildPath(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzRebuildPath(f *testing.F) {
	for _, s := range []string{"alice@example.org", "carol smith@example.net", "odd@local@example.net", `a"b\c@x.y`, "@", "", "a@", "@b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := rebuildPath(s)
		if got == s {
			return
		}
		// A rebuilt path is the quoted form of the same mailbox: it parses
		// back to the local part go-smtp handed over.
		m, err := envelope.ParseMailbox(got)
		if err != nil {
			t.Fatalf("rebuildPath(%q) = %q, which does not parse: %v", s, got, err)
		}
		if want := s[:strings.LastIndexByte(s, '@')]; m.LocalPart != want {
			t.Errorf("rebuildPath(%q) = %q, local part %q, want %q", s, got, m.LocalPart, want)
		}
	})
}
