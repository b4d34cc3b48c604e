package envelope

import (
	"errors"
	"strings"
	"testing"
)

// mustDomain parses a domain known to be valid.
func mustDomain(t *testing.T, s string) Domain {
	t.Helper()
	d, err := ParseDomain(s)
	if err != nil {
		t.Fatalf("ParseDomain(%q): %v", s, err)
	}
	return d
}

func TestParseMailbox(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		local  string
		domain string // ASCII form
		str    string // String()
		ascii  bool
	}{
		{"simple", "alice.example@mail.example.org", "alice.example", "mail.example.org", "alice.example@mail.example.org", true},
		{"upper domain", "Alice@Example.ORG", "Alice", "example.org", "Alice@example.org", true},
		{"atext", "!#$%&'*+-/=?^_`{|}~@iana.org", "!#$%&'*+-/=?^_`{|}~", "iana.org", "!#$%&'*+-/=?^_`{|}~@iana.org", true},
		{"quoted", `"carol smith"@example.net`, "carol smith", "example.net", `"carol smith"@example.net`, true},
		{"quoted needless", `"test"@iana.org`, "test", "iana.org", "test@iana.org", true},
		{"quoted empty", `""@iana.org`, "", "iana.org", `""@iana.org`, true},
		{"quoted pair", `"\a"@iana.org`, "a", "iana.org", "a@iana.org", true},
		{"quoted quote", `"\""@iana.org`, `"`, "iana.org", `"\""@iana.org`, true},
		{"quoted backslash", `"\\"@iana.org`, `\`, "iana.org", `"\\"@iana.org`, true},
		{"quoted space pair", `"test\ test"@iana.org`, "test test", "iana.org", `"test test"@iana.org`, true},
		{"quoted dots", `"a..b"@x.org`, "a..b", "x.org", `"a..b"@x.org`, true},
		{"quoted at", `"a@b"@x.org`, "a@b", "x.org", `"a@b"@x.org`, true},
		{"ipv4 literal", "test@[255.255.255.255]", "test", "[255.255.255.255]", "test@[255.255.255.255]", true},
		{"ipv6 literal", "test@[IPv6:1111:2222:3333:4444:5555::8888]", "test", "[IPv6:1111:2222:3333:4444:5555::8888]", "test@[IPv6:1111:2222:3333:4444:5555::8888]", true},
		{"general literal with @", "x@[tag:a@b]", "x", "[tag:a@b]", "x@[tag:a@b]", true},
		{"unqualified", "test@io", "test", "io", "test@io", true},
		{"idn domain", "jeff@臺網中心.tw", "jeff", "xn--fiqq24b10vi0d.tw", "jeff@xn--fiqq24b10vi0d.tw", true},
		{"utf8 local", "用户@例子.广告", "用户", "xn--fsqu00a.xn--4rr70v", "用户@例子.广告", false},
		{"utf8 local ascii domain", "josé@example.com", "josé", "example.com", "josé@example.com", false},
		{"utf8 quoted", `"jo sé"@example.com`, "jo sé", "example.com", `"jo sé"@example.com`, false},
		{"64 octet local", strings.Repeat("a", 64) + "@x.org", strings.Repeat("a", 64), "x.org", strings.Repeat("a", 64) + "@x.org", true},
		{"xn-- local", "xn--test@iana.org", "xn--test", "iana.org", "xn--test@iana.org", true},
		{"postmaster", "postmaster@example.org", "postmaster", "example.org", "postmaster@example.org", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := ParseMailbox(tc.in)
			if err != nil {
				t.Fatalf("ParseMailbox(%q) error %v", tc.in, err)
			}
			if m.LocalPart != tc.local || m.Domain.ASCII() != tc.domain {
				t.Errorf("ParseMailbox(%q) = %q @ %q, want %q @ %q", tc.in, m.LocalPart, m.Domain.ASCII(), tc.local, tc.domain)
			}
			if got := m.String(); got != tc.str {
				t.Errorf("ParseMailbox(%q).String() = %q, want %q", tc.in, got, tc.str)
			}
			if m.IsASCII() != tc.ascii {
				t.Errorf("ParseMailbox(%q).IsASCII() = %v, want %v", tc.in, m.IsASCII(), tc.ascii)
			}
			m2, err := ParseMailbox(m.String())
			if err != nil || m2 != m {
				t.Errorf("ParseMailbox(%q) = %#v, %v; want %#v", m.String(), m2, err, m)
			}
			for _, utf8 := range []bool{false, true} {
				if !utf8 && !m.IsASCII() {
					continue
				}
				m3, err := ParseMailbox(m.Format(utf8))
				if err != nil || m3 != m {
					t.Errorf("ParseMailbox(%q) = %#v, %v; want %#v", m.Format(utf8), m3, err, m)
				}
			}
		})
	}
}

// emojiALabel is the A-label of fifty U+1F600.
const emojiALabel = "xn--e28h" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func TestParseMailboxInvalid(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 63) + "."
	tests := []struct {
		name    string
		in      string
		wantErr error
		offset  int
	}{
		{"empty", "", ErrSyntax, 0},
		{"no at", "test", ErrSyntax, 4},
		{"only at", "@", ErrSyntax, 0},
		{"no domain", "test@", ErrSyntax, 5},
		{"no local", "@iana.org", ErrSyntax, 0},
		{"dot start", ".test@iana.org", ErrSyntax, 0},
		{"dot end", "test.@iana.org", ErrSyntax, 4},
		{"two dots", "test..x@iana.org", ErrSyntax, 5},
		{"backslash unquoted", `test\@test@iana.org`, ErrSyntax, 4},
		{"two at", "a@b@iana.org", ErrSyntax, 3},
		{"65 octet local", strings.Repeat("a", 65) + "@iana.org", ErrTooLong, 64},
		{"65 octet quoted", `"` + strings.Repeat("a", 63) + `"@iana.org`, ErrTooLong, 64},
		{"triple quote", `"""@iana.org`, ErrSyntax, 2},
		{"unclosed", `"test@iana.org`, ErrSyntax, 14},
		{"escaped close", `"\"@iana.org`, ErrSyntax, 12},
		{"text after quote", `"test"test@iana.org`, ErrSyntax, 6},
		{"quote inside", `test"text"@iana.org`, ErrSyntax, 4},
		{"obs local", `"test"."test"@iana.org`, ErrSyntax, 6},
		{"nul in quotes", "\"test\x00\"@iana.org", ErrSyntax, 5},
		{"quoted pair nul", "\"test\\\x00\"@iana.org", ErrSyntax, 6},
		{"quoted pair non-ascii", "\"test\\©\"@iana.org", ErrSyntax, 6},
		{"del", "\x7f@iana.org", ErrSyntax, 0},
		{"del quoted", "\"\x7f\"@iana.org", ErrSyntax, 1},
		{"space", " test@iana.org", ErrSyntax, 0},
		{"trailing space", "test@iana.org ", ErrSyntax, 13},
		{"comment", "(comment)test@iana.org", ErrSyntax, 0},
		{"crlf", "test@iana.org\r\n", ErrSyntax, 13},
		{"lf", "\ntest@iana.org", ErrSyntax, 0},
		{"invalid utf8", "te\xffst@iana.org", ErrSyntax, 2},
		{"surrogate", "te\xed\xa0\x80st@iana.org", ErrSyntax, 2},
		{"c1 control", "te\u0085st@iana.org", ErrSyntax, 2},
		{"domain error offset", "test@iana..org", ErrSyntax, 10},
		{"domain hyphen", "test@-iana.org", ErrSyntax, 5},
		{"domain idna", "test@xn--a.org", ErrIDNA, 5},
		// Look-alikes: a local part that is not NFC (RFC 6532, Section 3.1)
		// and a domain that IDNA mapping changes are refused.
		{"decomposed local", "jose\u0301@example.com", ErrSyntax, 3},
		{"decomposed quoted local", "\"jo se\u0301\"@example.com", ErrSyntax, 5},
		{"angstrom sign local", "\u212bngstr\u00f6m@example.com", ErrSyntax, 0},
		{"greek question mark local", "a\u037e@example.com", ErrSyntax, 1},
		{"kelvin local", "\u212a@example.com", ErrSyntax, 0},
		{"cjk compatibility local", "\uf96b@example.com", ErrSyntax, 0},
		{"fullwidth domain", "alice@ｅｘａｍｐｌｅ.com", ErrIDNA, 6},
		{"ideographic dot domain", "alice@example。com", ErrIDNA, 6},
		{"zero-width domain", "alice@exam\u200cple.com", ErrIDNA, 6},
		{"255 octet mailbox", strings.Repeat("a", 64) + "@" + long + long + long + strings.Repeat("a", 62), ErrTooLong, 254},
		// 238 octets as written, but the U-label form String() would use for
		// a UTF-8 local part is 810 octets.
		{"canonical too long", "é@" + strings.Repeat(emojiALabel+".", 4) + "com", ErrTooLong, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := ParseMailbox(tc.in)
			if err == nil {
				t.Fatalf("ParseMailbox(%q) = %#v, want error %v", tc.in, m, tc.wantErr)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("ParseMailbox(%q) error %v, want kind %v", tc.in, err, tc.wantErr)
			}
			var pe *ParseError
			if errors.As(err, &pe) && pe.Offset != tc.offset {
				t.Errorf("ParseMailbox(%q) offset %d, want %d (%v)", tc.in, pe.Offset, tc.offset, err)
			}
			if !m.IsZero() {
				t.Errorf("ParseMailbox(%q) returned %#v with an error", tc.in, m)
			}
		})
	}
}

func TestNewMailbox(t *testing.T) {
	t.Parallel()
	d := mustDomain(t, "example.net")
	valid := []struct{ local, str string }{
		{"carol smith", `"carol smith"@example.net`},
		{"alice", "alice@example.net"},
		{"", `""@example.net`},
		{`a"b\c`, `"a\"b\\c"@example.net`},
		{"josé", "josé@example.net"},
		{"ａｌｉｃｅ", "ａｌｉｃｅ@example.net"}, // NFC keeps it; NFKC SHOULD NOT be applied (RFC 6532, Section 3.1)
		{".dot", `".dot"@example.net`},
		{strings.Repeat("a", 64), strings.Repeat("a", 64) + "@example.net"},
		{strings.Repeat(" ", 62), `"` + strings.Repeat(" ", 62) + `"@example.net`},
	}
	for _, tc := range valid {
		m, err := NewMailbox(tc.local, d)
		if err != nil {
			t.Errorf("NewMailbox(%q) error %v", tc.local, err)
			continue
		}
		if m.LocalPart != tc.local || m.Domain != d || m.String() != tc.str {
			t.Errorf("NewMailbox(%q) = %#v (%q), want %q", tc.local, m, m.String(), tc.str)
		}
		if m2, err := ParseMailbox(m.String()); err != nil || m2 != m {
			t.Errorf("ParseMailbox(%q) = %#v, %v; want %#v", m.String(), m2, err, m)
		}
	}
	invalid := []struct {
		local   string
		dom     Domain
		wantErr error
	}{
		{"a\tb", d, ErrSyntax},
		{"a\r\nb", d, ErrSyntax},
		{"a\x7f", d, ErrSyntax},
		{"a\xff", d, ErrSyntax},
		{"alice", Domain{}, ErrSyntax},
		{strings.Repeat("a", 65), d, ErrTooLong},
		{strings.Repeat(" ", 63), d, ErrTooLong},
		{strings.Repeat("\"", 32), d, ErrTooLong},
		{"jose\u0301", d, ErrSyntax},
		{"\u212bngstr\u00f6m", d, ErrSyntax},
	}
	for _, tc := range invalid {
		if m, err := NewMailbox(tc.local, tc.dom); !errors.Is(err, tc.wantErr) {
			t.Errorf("NewMailbox(%q, %v) = %#v, %v; want %v", tc.local, tc.dom, m, err, tc.wantErr)
		}
	}
}

func TestMailboxFormat(t *testing.T) {
	t.Parallel()
	m, err := ParseMailbox(`"a b"@bücher.example`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Format(false), `"a b"@xn--bcher-kva.example`; got != want {
		t.Errorf("Format(false) = %q, want %q", got, want)
	}
	if got, want := m.Format(true), `"a b"@bücher.example`; got != want {
		t.Errorf("Format(true) = %q, want %q", got, want)
	}
	if got, want := m.String(), `"a b"@xn--bcher-kva.example`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := m.LogValue().String(), `"a b"@bücher.example/"a b"@xn--bcher-kva.example`; got != want {
		t.Errorf("LogValue() = %q, want %q", got, want)
	}
	var zero Mailbox
	if !zero.IsZero() || zero.String() != "" || !zero.IsASCII() {
		t.Errorf("zero Mailbox: IsZero %v String %q", zero.IsZero(), zero.String())
	}
}

// TestIsDotString checks the one Dot-string rule (RFC 5321, Section 4.1.2;
// RFC 6531, Section 3.3) that Mailbox.String, header's msg-id and the
// go-smtp adapter share, and that String quotes exactly when it is false.
func TestIsDotString(t *testing.T) {
	t.Parallel()
	d, err := ParseDomain("example.org")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in   string
		want bool
	}{
		{"alice", true},
		{"alice.smith", true},
		{"a!#$%&'*+-/=?^_`{|}~z", true},
		{"jörg", true},
		{"", false},
		{".alice", false},
		{"alice.", false},
		{"alice..smith", false},
		{"carol smith", false},
		{`a"b`, false},
		{"a@b", false},
		{"a(b)", false},
	}
	for _, tc := range cases {
		if got := IsDotString(tc.in); got != tc.want {
			t.Errorf("IsDotString(%q) = %v, want %v", tc.in, got, tc.want)
		}
		if tc.in == "" {
			continue
		}
		m, err := NewMailbox(tc.in, d)
		if err != nil {
			t.Fatalf("NewMailbox(%q): %v", tc.in, err)
		}
		if quoted := strings.HasPrefix(m.String(), `"`); quoted == tc.want {
			t.Errorf("NewMailbox(%q).String() = %q: quoted %v, want %v", tc.in, m.String(), quoted, !tc.want)
		}
	}
}

// TestMustParse: the Must forms return what the parsers return and panic
// with the parser's error, naming the literal, on a bad one.
func TestMustParse(t *testing.T) {
	t.Parallel()
	if got, want := MustParseMailbox("Alice@Example.ORG"), (Mailbox{LocalPart: "Alice", Domain: MustParseDomain("example.org")}); got != want {
		t.Errorf("MustParseMailbox = %#v, want %#v", got, want)
	}
	if d, _ := ParseDomain("bücher.example"); MustParseDomain("Bücher.EXAMPLE") != d {
		t.Errorf("MustParseDomain differs from ParseDomain")
	}
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"domain", func() { MustParseDomain("a..b") }, `envelope: MustParseDomain("a..b"): envelope: empty label in domain at offset 2 in "a..b"`},
		{"mailbox", func() { MustParseMailbox("alice") }, `envelope: MustParseMailbox("alice"): envelope: missing '@' at offset 5 in "alice"`},
	} {
		func() {
			defer func() {
				if got := recover(); got != tc.want {
					t.Errorf("%s: panic %v, want %q", tc.name, got, tc.want)
				}
			}()
			tc.f()
		}()
	}
}
