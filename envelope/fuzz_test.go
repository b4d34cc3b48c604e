package envelope

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fuzzSeeds are inputs for every fuzz target: RFC 5321 examples, the
// corner cases of the tables above, and hostile shapes.
var fuzzSeeds = []string{
	"", "<>", "<Postmaster>", "postmaster", "<postmaster@example.org>",
	"alice.example@mail.example.org", "<alice@example.org>", "Alice@Example.ORG",
	`"carol smith"@example.net`, `"\"\\"@x.org`, `""@iana.org`, `"a@b"@x.org`,
	"<@a.example,@b.example:user@d.example>", "@a:b@c",
	"test@[192.0.2.1]", "test@[IPv6:2001:db8::1]", "test@[IPv6:::ffff:192.0.2.1]", "x@[tag:a@b]",
	"[IPv6:1111:2222:3333:4444:5555:6666::8888]", "[1.2.3.4", "[x:]",
	"bücher.example", "xn--bcher-kva.example", "XN--BCHER-KVA.EXAMPLE", "臺網中心.tw", "用户@例子.广告",
	"ｅｘａｍｐｌｅ.com", "bücher。example", "a.b.c.", "a..b", "-a.b", "yy--0.tld", "xn--a.org",
	"192.0.2.1", "１９２.０.２.１", "１.２.３.９９９", "test@io", "josé@example.com", "te\xffst@x.org", "\xed\xa0\x80@x",
	"s\u0323\u0307@nfc.tld", "\u037e@x.org", "a\u200db.example", "≠.example", "FA\u1e9e.de",
	"exa\u200bmple.com", "mail.exa\u00admple.com", "bu\u0308cher.example", "\u212aelvin.example", "a\u2126@b.org",
	"mail.bücher．example", "example.bücher｡de", "BÜCHER.example", "\ufb01le.example", "jose\u0301@example.com",
	"<@[1.2.3.4]:a@b>", "<a@b", "a@b>", "a@b@c", "a\r\n@b", " a@b", "a@b ",
	strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + ".com",
	"é@" + strings.Repeat(emojiALabel+".", 4) + "com",
}

func FuzzParseDomain(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
		if _, d, ok := strings.Cut(s, "@"); ok {
			f.Add(d)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDomain(s)
		if err != nil {
			checkError(t, s, err)
			// A look-alike that the mapping accepts has a canonical
			// spelling, which ParseDomain accepts: the client can be told
			// what to write.
			if m, merr := mapIDN(s); merr == nil && errors.Is(err, ErrIDNA) {
				if d2, err := ParseDomain(m.Unicode()); err != nil || d2 != m {
					t.Fatalf("ParseDomain(%q) refused; its mapping %q gives %#v, %v", s, m.Unicode(), d2, err)
				}
			}
			return
		}
		a, u := d.ASCII(), d.Unicode()
		if a == "" || u == "" || len(a) > maxDomainLen || !utf8.ValidString(u) {
			t.Fatalf("ParseDomain(%q) = %q / %q", s, a, u)
		}
		for i := 0; i < len(a); i++ {
			if d.IsLiteral() && a[i] >= 0x80 || !d.IsLiteral() && ldhClass[a[i]]&(clLower|clDigit|clHyphen|clDot) == 0 {
				t.Fatalf("ParseDomain(%q).ASCII() = %q is not lower-case LDH", s, a)
			}
		}
		if want := strings.LastIndexByte(a, '.') + 1; !d.IsLiteral() && int(d.top) != want {
			t.Fatalf("ParseDomain(%q): top label at %d, want %d", s, d.top, want)
		}
		if d.IsIDN() {
			if want, err := profile.ToUnicode(a); err != nil || want != u {
				t.Fatalf("ParseDomain(%q) = %q / %q; idna ToUnicode gives %q, %v", s, a, u, want, err)
			}
		}
		for _, again := range []string{a, u} {
			if d2, err := ParseDomain(again); err != nil || d2 != d {
				t.Fatalf("ParseDomain(%q) = %#v; ParseDomain(%q) = %#v, %v", s, d, again, d2, err)
			}
		}
	})
}

func FuzzParseMailbox(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMailbox(s)
		if err != nil {
			checkError(t, s, err)
			return
		}
		if m.IsZero() || m.Domain.IsZero() || len(s) > maxPathLen-2 {
			t.Fatalf("ParseMailbox(%q) = %#v", s, m)
		}
		for _, again := range []string{m.String(), m.Format(false), m.Format(true)} {
			if len(again) > maxPathLen-2 {
				t.Fatalf("ParseMailbox(%q) formats as %q, over 254 octets", s, again)
			}
			if m2, err := ParseMailbox(again); err != nil || m2 != m {
				t.Fatalf("ParseMailbox(%q) = %#v; ParseMailbox(%q) = %#v, %v", s, m, again, m2, err)
			}
		}
		if !norm.NFC.IsNormalString(m.LocalPart) {
			t.Fatalf("ParseMailbox(%q) local part %+q is not NFC", s, m.LocalPart)
		}
		if m2, err := NewMailbox(m.LocalPart, m.Domain); err != nil || m2 != m {
			t.Fatalf("NewMailbox(%q, %v) = %#v, %v; want %#v", m.LocalPart, m.Domain, m2, err, m)
		}
		// Without SMTPUTF8 (RFC 6531, Section 3.5) exactly the mailboxes
		// IsASCII accepts can be written: Format(false) is then ASCII.
		if m.IsASCII() == hasNonASCII(m.Format(false)) {
			t.Fatalf("ParseMailbox(%q): IsASCII %v, Format(false) = %q", s, m.IsASCII(), m.Format(false))
		}
	})
}

func FuzzParsePath(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
		f.Add("<" + s + ">")
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (Path, error){ParseReversePath, ParseForwardPath} {
			p, err := parse(s)
			if err != nil {
				checkError(t, s, err)
				continue
			}
			n := 0
			for _, b := range []bool{p.IsNull(), p.IsPostmaster(), !p.Mailbox().IsZero()} {
				if b {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("parse(%q) = %#v, want exactly one of null, postmaster, mailbox", s, p)
			}
			if len(p.String()) > maxPathLen {
				t.Fatalf("parse(%q).String() = %q, over 256 octets", s, p.String())
			}
			if p2, err := parse(p.String()); err != nil || p2 != p {
				t.Fatalf("parse(%q) = %#v; parse(%q) = %#v, %v", s, p, p.String(), p2, err)
			}
		}
	})
}

// checkError checks the error contract: a *ParseError wrapping one
// sentinel, with an offset inside the input and a bounded Input.
func checkError(t *testing.T, s string, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %T %v for %q, want *ParseError", err, err, s)
	}
	n := 0
	for _, k := range []error{ErrSyntax, ErrTooLong, ErrIDNA} {
		if errors.Is(err, k) {
			n++
		}
	}
	if n != 1 || pe.Offset < 0 || pe.Offset > len(s) || len(pe.Input) > maxErrorInput || pe.Msg == "" {
		t.Fatalf("bad error %#v for %q", pe, s)
	}
}

// TestHostileInputs parses 1 MB inputs shaped to make a parser backtrack,
// rescan or allocate: each must be refused quickly, at the RFC 5321 length
// limit (or syntax error) that stops it, and with few allocations.
//
// Not parallel: testing.AllocsPerRun refuses to run in a parallel test.
func TestHostileInputs(t *testing.T) {
	const mb = 1 << 20
	type verdict struct {
		kind error
		off  int
	}
	// The verdicts of ParseMailbox, ParseForwardPath, ParseReversePath and
	// ParseDomain (of the input less "a@"): the 64-octet local part and
	// 254-octet mailbox of RFC 5321, Section 4.5.3.1, the 256-octet path
	// (offset 254 or 255 in the brackets), and ParseDomain's 1020-octet
	// input bound (255 for an address literal).
	tooLong := func(mailbox, domain int) [4]verdict {
		return [4]verdict{{ErrTooLong, mailbox}, {ErrTooLong, 254}, {ErrTooLong, 254}, {ErrTooLong, domain}}
	}
	tests := []struct {
		name, in string
		want     [4]verdict
	}{
		{"atoms", strings.Repeat("a", mb) + "@example.org", tooLong(64, 1020)},
		{"dots", strings.Repeat("a.", mb/2) + "@example.org", tooLong(64, 1020)},
		{"quoted", `"` + strings.Repeat(`\"`, mb/2) + `"@example.org`, tooLong(64, 1020)},
		{"quoted open", `"` + strings.Repeat("a", mb), tooLong(64, 1020)},
		{"at signs", strings.Repeat("@", mb), [4]verdict{{ErrSyntax, 0}, {ErrTooLong, 254}, {ErrTooLong, 254}, {ErrTooLong, 1020}}},
		{"long domain", "a@" + strings.Repeat("a.", mb/2) + "org", tooLong(254, 1020)},
		{"long label", "a@" + strings.Repeat("b", mb), tooLong(254, 1020)},
		{"utf8 domain", "a@" + strings.Repeat("ü", mb/2), tooLong(254, 1020)},
		{"soft hyphens", "a@" + strings.Repeat("\u00ad", mb/2) + "example.org", tooLong(254, 1020)},
		{"a-labels", "a@" + strings.Repeat("xn--a.", mb/6), tooLong(254, 1020)},
		{"literal", "a@[" + strings.Repeat("1:", mb/2) + "]", tooLong(254, 255)},
		{"route", "<" + strings.Repeat("@a,", mb/3) + "@a:b@c>", [4]verdict{{ErrSyntax, 0}, {ErrTooLong, 255}, {ErrTooLong, 255}, {ErrTooLong, 1020}}},
		{"brackets", strings.Repeat("<", mb) + strings.Repeat(">", mb), [4]verdict{{ErrSyntax, 0}, {ErrTooLong, 255}, {ErrTooLong, 255}, {ErrTooLong, 1020}}},
	}
	for _, tc := range tests {
		name, in := tc.name, tc.in
		start := time.Now()
		_, e1 := ParseMailbox(in)
		_, e2 := ParseForwardPath(in)
		_, e3 := ParseReversePath(in)
		_, e4 := ParseDomain(strings.TrimPrefix(in, "a@"))
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("%s: 4 parses of %d octets took %v", name, len(in), d)
		}
		for i, err := range []error{e1, e2, e3, e4} {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Kind != tc.want[i].kind || pe.Offset != tc.want[i].off || len(pe.Input) > maxErrorInput {
				t.Errorf("%s: parser %d error %v, want %v at offset %d", name, i, err, tc.want[i].kind, tc.want[i].off)
			}
		}
		if _, err := NewMailbox(in, Domain{ascii: "x.org", unicode: "x.org"}); !errors.Is(err, ErrTooLong) {
			t.Errorf("%s: NewMailbox error %v, want ErrTooLong", name, err)
		}
		allocs := testing.AllocsPerRun(5, func() { _, _ = ParseMailbox(in) })
		if allocs > 3 {
			t.Errorf("%s: ParseMailbox made %v allocations", name, allocs)
		}
	}
}

// hasNonASCII is the tests' own oracle for an octet at or above 0x80 (an
// invalid octet decodes to U+FFFD), independent of internal/ascii.
func hasNonASCII(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf })
}
