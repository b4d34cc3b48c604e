package header

import (
	"strings"
	"testing"
)

// TestAddressSpoofing: tricks that try to make a parser (or a reader)
// take another mailbox than the real one. The parser must return exactly
// the mailboxes RFC 5322 says are there, with names kept apart, or fail.
// The policy package decides what to allow; this is the ground it stands on.
func TestAddressSpoofing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string // mailboxes as local@domain joined by " ", or "error"
	}{
		{"quoted display name holding an address", `"alice@example.com" <m@evil.example>`, "m@evil.example"},
		{"unquoted display name holding an address", `alice@example.com <m@evil.example>`, "error"},
		{"address in a trailing comment", `alice@example.com (m@evil.example)`, "alice@example.com"},
		{"address in a comment before @", `alice(@example.com)@evil.example`, "alice@evil.example"},
		{"second mailbox", `alice@example.com, m@evil.example`, "alice@example.com m@evil.example"},
		{"second angle-addr", `Alice <alice@example.com> <m@evil.example>`, "error"},
		{"text after angle-addr", `<alice@example.com>m@evil.example`, "error"},
		{"quoted local part holding an address", `"alice@example.com"@evil.example`, "alice@example.com@evil.example"},
		{"two at signs", `alice@example.com@evil.example`, "error"},
		{"group hiding a mailbox", `Friends: alice@example.com, m@evil.example;`, "alice@example.com m@evil.example"},
		{"empty group then mailbox", `undisclosed-recipients:;, m@evil.example`, "m@evil.example"},
		{"route to another host", `<@example.com:m@evil.example>`, "m@evil.example"},
		{"encoded-word name holding an angle-addr", `=?utf-8?b?PGFsaWNlQGV4YW1wbGUuY29tPg==?= <m@evil.example>`, "m@evil.example"},
		{"encoded-word name holding a comma list", `=?utf-8?q?alice=40example=2Ecom=2C_?= <m@evil.example>`, "m@evil.example"},
		{"encoded-word as local part is not decoded", `=?utf-8?q?alice?=@example.com`, "=?utf-8?q?alice?=@example.com"},
		{"encoded-word with raw @ splits as an addr-spec", `=?utf-8?q?alice@example.com?= <m@evil.example>`, "error"},
		{"encoded-word decoding to CRLF", `=?utf-8?q?a=0D=0AFrom:_alice=40example.com?= <m@evil.example>`, "error"},
		{"upper-case domain", `alice@EXAMPLE.COM`, "alice@example.com"},
		{"IDN domain in Unicode", `alice@bücher.example`, "alice@xn--bcher-kva.example"},
		{"quoted plain local part", `"alice"@example.com`, "alice@example.com"},
		{"obsolete dotted quoted words", `"ali"."ce"@example.com`, "ali.ce@example.com"},
		{"CFWS around the dots", `alice . smith @ example . com`, "alice.smith@example.com"},
		{"folded between name and address", "Alice\r\n <alice@example.com>", "alice@example.com"},
		{"bare LF to start a new field", "Alice <alice@example.com>\nBcc: m@evil.example", "error"},
		{"NUL to truncate", "alice@example.com\x00, m@evil.example", "error"},
		{"backslash outside quotes", `alice\@example.com`, "error"},
		{"unbalanced quote swallowing the rest", `"alice <alice@example.com>, m@evil.example`, "error"},
		{"unbalanced comment swallowing the rest", `alice@example.com (, m@evil.example`, "error"},
		{"angle brackets inside quotes", `"<alice@example.com>" <m@evil.example>`, "m@evil.example"},
		{"address literal", `alice@[192.0.2.1]`, "alice@[192.0.2.1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			as, err := ParseAddressList(tc.in)
			got := "error"
			if err == nil {
				var ms []string
				for _, a := range as {
					ms = append(ms, a.Mailbox.LocalPart+"@"+a.Mailbox.Domain.ASCII())
				}
				got = strings.Join(ms, " ")
			}
			if got != tc.want {
				t.Errorf("ParseAddressList(%q) = %q (%v), want %q", tc.in, got, err, tc.want)
			}
		})
	}
}
