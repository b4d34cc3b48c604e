package main

import (
	"strings"
	"testing"
)

// FuzzParseUser checks the -user parser (parseUserSpec): it never panics, and what it
// accepts has a name without a colon, a password, and addresses that each
// hold an '@'; NAME:PASSWORD[:ADDRS] put back together is the input.
func FuzzParseUser(f *testing.F) {
	for _, s := range []string{"alice:pw", "alice:pw:alice@example.org", "bob:a:b:@example.net,bob@example.org", ":", "a::", "a:b:", "a:b:c@d,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u := parseUserSpec(s)
		if u.err != nil {
			return
		}
		if u.name == "" || strings.Contains(u.name, ":") || u.password == "" {
			t.Fatalf("parseUserSpec(%q) = %+v", s, u)
		}
		back := u.name + ":" + u.password
		if u.addresses != nil {
			for _, a := range u.addresses {
				if !strings.Contains(a, "@") {
					t.Fatalf("parseUserSpec(%q): address %q without '@'", s, a)
				}
			}
			back += ":" + strings.Join(u.addresses, ",")
		}
		if back != s {
			t.Fatalf("parseUserSpec(%q) = %+v, which reads back as %q", s, u, back)
		}
	})
}
