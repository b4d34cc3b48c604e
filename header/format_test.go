package header

import (
	"errors"
	"testing"

	"github.com/msakit/msakit/envelope"
)

func mailbox(t *testing.T, local, domain string) envelope.Mailbox {
	t.Helper()
	d, err := envelope.ParseDomain(domain)
	if err != nil {
		t.Fatalf("ParseDomain(%q): %v", domain, err)
	}
	m, err := envelope.NewMailbox(local, d)
	if err != nil {
		t.Fatalf("NewMailbox(%q): %v", local, err)
	}
	return m
}

func TestFormatAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, display, local, domain string
		utf8                         bool
		want                         string
	}{
		{"bare", "", "jdoe", "example.org", false, "jdoe@example.org"},
		{"atoms", "John Doe", "jdoe", "example.org", false, "John Doe <jdoe@example.org>"},
		{"quoted for a dot", "Joe Q. Public", "john.q.public", "example.com", false, `"Joe Q. Public" <john.q.public@example.com>`},
		{"quoted with escapes", `Giant; "Big" Box`, "sysservices", "example.net", false, `"Giant; \"Big\" Box" <sysservices@example.net>`},
		{"name holding an address is quoted", "alice@example.com", "m", "evil.example", false, `"alice@example.com" <m@evil.example>`},
		{"name that looks encoded is quoted", "=?utf-8?q?x?=", "a", "b.example", false, `"=?utf-8?q?x?=" <a@b.example>`},
		{"quoted local part", "", "carol smith", "example.net", false, `"carol smith"@example.net`},
		{"non-ASCII name encoded", "Andr\u00e9", "a", "b.example", false, "=?utf-8?q?Andr=C3=A9?= <a@b.example>"},
		{"non-ASCII name raw with SMTPUTF8", "Andr\u00e9", "a", "b.example", true, "Andr\u00e9 <a@b.example>"},
		{"IDN domain A-label", "", "a", "b\u00fccher.example", false, "a@xn--bcher-kva.example"},
		{"IDN domain U-label with SMTPUTF8", "", "a", "b\u00fccher.example", true, "a@b\u00fccher.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := Address{DisplayName: tc.display, Mailbox: mailbox(t, tc.local, tc.domain)}
			got, err := FormatAddress(a, tc.utf8)
			if err != nil || got != tc.want {
				t.Fatalf("FormatAddress = %q, %v; want %q", got, err, tc.want)
			}
			back, err := ParseAddress(got)
			if err != nil || back.DisplayName != tc.display || back.Mailbox != a.Mailbox {
				t.Errorf("ParseAddress(%q) = %+v, %v; want the address back", got, back, err)
			}
		})
	}
}

func TestFormatAddressErrors(t *testing.T) {
	t.Parallel()
	if _, err := FormatAddress(Address{DisplayName: "x"}, false); !errors.Is(err, ErrSyntax) {
		t.Errorf("zero mailbox: %v", err)
	}
	if _, err := FormatAddress(Address{DisplayName: "a\r\nBcc: x", Mailbox: mailbox(t, "a", "b.example")}, false); !errors.Is(err, ErrSyntax) {
		t.Errorf("CRLF in name: %v", err)
	}
	if _, err := FormatAddress(Address{Mailbox: mailbox(t, "j\u00f6rg", "b.example")}, false); !errors.Is(err, ErrNotASCII) {
		t.Errorf("UTF-8 local part without SMTPUTF8: %v", err)
	}
}

func TestFormatAddressList(t *testing.T) {
	t.Parallel()
	in := "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, Mary <mary@x.test>"
	as, err := ParseAddressList(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FormatAddressList(as, false)
	want := "A Group: Ed Jones <c@a.test>, joe@where.test, John <jdoe@one.test>;, Mary <mary@x.test>"
	if err != nil || got != want {
		t.Fatalf("FormatAddressList = %q, %v; want %q", got, err, want)
	}
	if _, err := NewField("To", got, false); err != nil {
		t.Errorf("NewField(To, %q): %v", got, err)
	}
}
