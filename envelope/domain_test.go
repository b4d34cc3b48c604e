package envelope

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		ascii     string
		unicode   string
		idn       bool
		literal   bool
		qualified bool
	}{
		{"ldh", "mail.example.org", "mail.example.org", "mail.example.org", false, false, true},
		{"upper", "Mail.EXAMPLE.org", "mail.example.org", "mail.example.org", false, false, true},
		{"single label", "localhost", "localhost", "localhost", false, false, false},
		{"numeric tld", "iana.123", "iana.123", "iana.123", false, false, false},
		{"digits label", "123.com", "123.com", "123.com", false, false, true},
		{"hyphen inside", "mason-dixon.com", "mason-dixon.com", "mason-dixon.com", false, false, true},
		{"double hyphen not r-ldh", "c--n.com", "c--n.com", "c--n.com", false, false, true},
		{"triple hyphen not r-ldh", "a-b---c.com", "a-b---c.com", "a-b---c.com", false, false, true},
		{"three numeric labels", "1.2.3", "1.2.3", "1.2.3", false, false, false},
		{"63 octet label", strings.Repeat("a", 63) + ".com", strings.Repeat("a", 63) + ".com", strings.Repeat("a", 63) + ".com", false, false, true},
		{"u-label", "bücher.example", "xn--bcher-kva.example", "bücher.example", true, false, true},
		{"u-label ascii upper", "BüCHER.Example", "xn--bcher-kva.example", "bücher.example", true, false, true},
		{"a-label and u-label", "xn--bcher-kva.bücher.example", "xn--bcher-kva.xn--bcher-kva.example", "bücher.bücher.example", true, false, true},
		{"eszett kept", "straße.de", "xn--strae-oqa.de", "straße.de", true, false, true},
		{"a-label", "xn--bcher-kva.example", "xn--bcher-kva.example", "bücher.example", true, false, true},
		{"a-label upper", "XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example", "bücher.example", true, false, true},
		{"cjk", "臺網中心.tw", "xn--fiqq24b10vi0d.tw", "臺網中心.tw", true, false, true},
		{"greek", "xn--hxajbheg2az3al.xn--qxam", "xn--hxajbheg2az3al.xn--qxam", "παράδειγμα.ελ", true, false, true},
		{"retired idn test tld", "xn--hxajbheg2az3al.xn--jxalpdlp", "xn--hxajbheg2az3al.xn--jxalpdlp", "παράδειγμα.δοκιμή", true, false, false},
		{"typo tld", "example.con", "example.con", "example.con", false, false, false},
		{"typo tld deeper", "mail.example.cmo", "mail.example.cmo", "mail.example.cmo", false, false, false},
		{"rfc 6409 partial name", "squeaky.sales", "squeaky.sales", "squeaky.sales", false, false, false},
		{"invalid tld", "host.invalid", "host.invalid", "host.invalid", false, false, false},
		{"special-use test", "mail.example.test", "mail.example.test", "mail.example.test", false, false, true},
		{"special-use example", "alice.example", "alice.example", "alice.example", false, false, true},
		{"special-use localhost", "app.localhost", "app.localhost", "app.localhost", false, false, true},
		{"special-use internal", "printer.corp.internal", "printer.corp.internal", "printer.corp.internal", false, false, true},
		{"private-section suffix", "alice.blogspot.com", "alice.blogspot.com", "alice.blogspot.com", false, false, true},
		{"wildcard-only cctld", "example.ck", "example.ck", "example.ck", false, false, true},
		{"idn tld", "例子.中国", "xn--fsqu00a.xn--fiqs8s", "例子.中国", true, false, true},
		{"home.arpa", "printer.home.arpa", "printer.home.arpa", "printer.home.arpa", false, false, true},
		{"ipv4 literal", "[192.0.2.1]", "[192.0.2.1]", "[192.0.2.1]", false, true, true},
		{"ipv4 literal leading zeros", "[192.000.002.001]", "[192.0.2.1]", "[192.0.2.1]", false, true, true},
		{"ipv6 literal", "[IPv6:2001:DB8::1]", "[IPv6:2001:db8::1]", "[IPv6:2001:db8::1]", false, true, true},
		{"ipv6 literal lower tag", "[ipv6:2001:db8:0:0:0:0:0:1]", "[IPv6:2001:db8::1]", "[IPv6:2001:db8::1]", false, true, true},
		{"ipv6 all zeros", "[IPv6:::]", "[IPv6:::]", "[IPv6:::]", false, true, true},
		{"ipv6 v4 full", "[IPv6:1111:2222:3333:4444:5555:6666:255.255.255.255]", "[IPv6:1111:2222:3333:4444:5555:6666:ffff:ffff]", "[IPv6:1111:2222:3333:4444:5555:6666:ffff:ffff]", false, true, true},
		{"ipv6 v4 comp", "[IPv6:::ffff:192.0.2.1]", "[IPv6:::ffff:192.0.2.1]", "[IPv6:::ffff:192.0.2.1]", false, true, true},
		{"ipv6 v4 comp head", "[IPv6:1111:2222:3333:4444::255.255.255.255]", "[IPv6:1111:2222:3333:4444::ffff:ffff]", "[IPv6:1111:2222:3333:4444::ffff:ffff]", false, true, true},
		{"ipv6 comp 6 groups", "[IPv6:1111:2222:3333:4444:5555::8888]", "[IPv6:1111:2222:3333:4444:5555::8888]", "[IPv6:1111:2222:3333:4444:5555::8888]", false, true, true},
		{"general literal", "[X-Tag:some-content]", "[x-tag:some-content]", "[x-tag:some-content]", false, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := ParseDomain(tc.in)
			if err != nil {
				t.Fatalf("ParseDomain(%q) error %v", tc.in, err)
			}
			if d.ASCII() != tc.ascii || d.Unicode() != tc.unicode {
				t.Errorf("ParseDomain(%q) = %q / %q, want %q / %q", tc.in, d.ASCII(), d.Unicode(), tc.ascii, tc.unicode)
			}
			if d.IsIDN() != tc.idn || d.IsLiteral() != tc.literal || d.IsFullyQualified() != tc.qualified {
				t.Errorf("ParseDomain(%q): IsIDN %v IsLiteral %v IsFullyQualified %v, want %v %v %v",
					tc.in, d.IsIDN(), d.IsLiteral(), d.IsFullyQualified(), tc.idn, tc.literal, tc.qualified)
			}
			if d.String() != tc.ascii || d.Format(false) != tc.ascii || d.Format(true) != tc.unicode || d.IsZero() {
				t.Errorf("ParseDomain(%q): String %q Format %q/%q IsZero %v", tc.in, d.String(), d.Format(false), d.Format(true), d.IsZero())
			}
			for _, again := range []string{d.ASCII(), d.Unicode()} {
				d2, err := ParseDomain(again)
				if err != nil || d2 != d {
					t.Errorf("ParseDomain(%q) = %#v, %v; want %#v", again, d2, err, d)
				}
			}
		})
	}
}

func TestParseDomainInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantErr error
		offset  int
	}{
		{"empty", "", ErrSyntax, 0},
		{"trailing dot", "example.org.", ErrSyntax, 11},
		{"leading dot", ".example.org", ErrSyntax, 0},
		{"empty label", "example..org", ErrSyntax, 8},
		{"leading hyphen", "-iana.org", ErrSyntax, 0},
		{"trailing hyphen", "iana-.com", ErrSyntax, 4},
		{"trailing hyphen tld", "iana.org-", ErrSyntax, 8},
		{"underscore", "exa_mple.com", ErrSyntax, 3},
		{"slash", "iana/icann.org", ErrSyntax, 4},
		{"space", "iana .org", ErrSyntax, 4},
		{"at", "a@b.org", ErrSyntax, 1},
		{"del", "test\x7f.org", ErrSyntax, 4},
		{"label 64", strings.Repeat("a", 64) + ".com", ErrTooLong, 63},
		{"name 254", strings.Repeat(strings.Repeat("a", 62)+".", 4) + "ab", ErrTooLong, 253},
		{"huge", strings.Repeat("a", 5000), ErrTooLong, 1020},
		{"r-ldh label", "yy--0.example", ErrIDNA, 2},
		{"r-ldh label second", "mail.ab--cd.example", ErrIDNA, 7},
		{"r-ldh label with idn", "ä.bc--de.f", ErrIDNA, 0},
		{"bare ipv4", "192.0.2.1", ErrSyntax, 0},
		{"bare ipv4 255", "255.255.255.255", ErrSyntax, 0},
		{"bare ipv6", "2001:db8::1", ErrSyntax, 4},
		{"bad a-label", "xn--a.example", ErrIDNA, 0},
		{"a-label of ascii", "xn--abc-.example", ErrSyntax, 7},
		{"disallowed rune", "a\u2615\u0000.com", ErrIDNA, 0},
		{"bidi", "\u05d0a.com", ErrIDNA, 0},
		{"u-label trailing dot", "bücher.example.", ErrSyntax, 0},
		{"u-label leading hyphen", "-bücher.example", ErrIDNA, 0},
		{"invalid utf8", "b\xffcher.example", ErrIDNA, 1},
		{"replacement char", "b\ufffdcher.example", ErrIDNA, 0},
		{"fullwidth ip", "１９２.０.２.１", ErrSyntax, 0},
		{"fullwidth dotted quad over 255", "１.２.３.９９９", ErrSyntax, 0},
		{"fullwidth r-ldh", "ａｂ--ｃｄ.example", ErrIDNA, 0},
		{"fullwidth trailing dot", "ｅｘａｍｐｌｅ.com．", ErrSyntax, 0},
		// Look-alikes: names that IDNA mapping changes other than by ASCII
		// case are refused, not normalized (RFC 5890, Section 2.3.2.1).
		{"u-label upper", "BÜCHER.Example", ErrIDNA, 0},
		{"ideographic dot", "bücher。example", ErrIDNA, 0},
		{"fullwidth dot", "mail.bücher．example", ErrIDNA, 5},
		{"halfwidth ideographic dot", "example.bücher｡de", ErrIDNA, 8},
		{"fullwidth letters", "ｅｘａｍｐｌｅ.com", ErrIDNA, 0},
		{"fullwidth second label", "mail.ｅｘａｍｐｌｅ.com", ErrIDNA, 5},
		{"zero-width space", "exa\u200bmple.com", ErrIDNA, 0},
		{"soft hyphen", "mail.exa\u00admple.com", ErrIDNA, 5},
		{"decomposed", "bu\u0308cher.example", ErrIDNA, 0},
		{"kelvin sign", "\u212aelvin.example", ErrIDNA, 0},
		{"ohm sign", "\u2126mega.example", ErrIDNA, 0},
		{"superscript", "mail\u00b2.example", ErrIDNA, 0},
		{"ligature", "\ufb01le.example", ErrIDNA, 0},
		{"literal unclosed", "[1.2.3.4", ErrSyntax, 8},
		{"literal after", "[1.2.3.4]x", ErrSyntax, 9},
		{"literal ipv4 3", "[255.255.255]", ErrSyntax, 1},
		{"literal ipv4 5", "[255.255.255.255.255]", ErrSyntax, 1},
		{"literal ipv4 256", "[255.255.255.256]", ErrSyntax, 1},
		{"literal ipv4 4 digits", "[0255.1.1.1]", ErrSyntax, 1},
		{"literal ipv6 7 groups", "[IPv6:1111:2222:3333:4444:5555:6666:7777]", ErrSyntax, 6},
		{"literal ipv6 9 groups", "[IPv6:1111:2222:3333:4444:5555:6666:7777:8888:9999]", ErrSyntax, 6},
		{"literal ipv6 bad char", "[IPv6:1111:2222:3333:4444:5555:6666:7777:888G]", ErrSyntax, 6},
		{"literal ipv6 signed group", "[IPv6:+1::1]", ErrSyntax, 6},
		{"literal ipv6 0x group", "[IPv6:0x1::1]", ErrSyntax, 6},
		{"literal ipv6 underscore group", "[IPv6:1_0::1]", ErrSyntax, 6},
		{"literal ipv6 :: for one group", "[IPv6:1111:2222:3333:4444:5555:6666::8888]", ErrSyntax, 6},
		{"literal ipv6 :: with 8", "[IPv6:1111:2222:3333:4444:5555:6666::7777:8888]", ErrSyntax, 6},
		{"literal ipv6 colon start", "[IPv6::3333:4444:5555:6666:7777:8888]", ErrSyntax, 6},
		{"literal ipv6 two ::", "[IPv6:1111::4444:5555::8888]", ErrSyntax, 6},
		{"literal ipv6 colon end", "[IPv6:1::2:]", ErrSyntax, 6},
		{"literal ipv6 v4 5 groups", "[IPv6:1111:2222:3333:4444:5555:255.255.255.255]", ErrSyntax, 6},
		{"literal ipv6 v4 7 groups", "[IPv6:1111:2222:3333:4444:5555:6666:7777:255.255.255.255]", ErrSyntax, 6},
		{"literal ipv6 v4 :: too many", "[IPv6:1111:2222:3333:4444:5555:6666::255.255.255.255]", ErrSyntax, 6},
		{"literal ipv6 v4 :::", "[IPv6:1111:2222:3333:4444:::255.255.255.255]", ErrSyntax, 6},
		{"literal ipv6 v4 colon start", "[IPv6::255.255.255.255]", ErrSyntax, 6},
		{"literal ipv6 zone", "[IPv6:fe80::1%eth0]", ErrSyntax, 6},
		{"literal no colon", "[RFC-5322-domain-literal]", ErrSyntax, 1},
		{"literal space", "[RFC 5322 domain literal]", ErrSyntax, 1},
		{"literal backslash", "[x-a:b\\]c]", ErrSyntax, 8},
		{"literal nested", "[x-a:b[c]", ErrSyntax, 6},
		{"literal empty content", "[x-a:]", ErrSyntax, 5},
		{"literal empty tag", "[:abc]", ErrSyntax, 1},
		{"literal tag hyphen end", "[x-:abc]", ErrSyntax, 1},
		{"literal too long", "[x:" + strings.Repeat("a", 253) + "]", ErrTooLong, 255},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := ParseDomain(tc.in)
			if err == nil {
				t.Fatalf("ParseDomain(%q) = %#v, want error %v", tc.in, d, tc.wantErr)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("ParseDomain(%q) error %v, want kind %v", tc.in, err, tc.wantErr)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseDomain(%q) error %T, want *ParseError", tc.in, err)
			}
			if pe.Offset != tc.offset {
				t.Errorf("ParseDomain(%q) offset %d, want %d (%v)", tc.in, pe.Offset, tc.offset, err)
			}
			if d != (Domain{}) {
				t.Errorf("ParseDomain(%q) returned %#v with an error", tc.in, d)
			}
		})
	}
}

func TestDomainEquality(t *testing.T) {
	t.Parallel()
	groups := [][]string{
		{"example.org", "EXAMPLE.ORG", "Example.Org"},
		{"bücher.example", "BüCHER.EXAMPLE", "xn--bcher-kva.example", "XN--BCHER-KVA.example", "xn--bcher-kva.Example"},
		{"[IPv6:2001:db8::1]", "[ipv6:2001:0db8:0:0:0:0:0:1]", "[IPV6:2001:DB8::0:1]"},
		{"[192.0.2.1]", "[192.0.2.001]"},
	}
	var firsts []Domain
	for _, g := range groups {
		var first Domain
		for i, s := range g {
			d, err := ParseDomain(s)
			if err != nil {
				t.Fatalf("ParseDomain(%q): %v", s, err)
			}
			if i == 0 {
				first = d
				firsts = append(firsts, d)
			} else if d != first {
				t.Errorf("ParseDomain(%q) = %#v, want == ParseDomain(%q) = %#v", s, d, g[0], first)
			}
		}
	}
	for i := range firsts {
		for j := range firsts {
			if (i == j) != (firsts[i] == firsts[j]) {
				t.Errorf("%v == %v is %v", firsts[i], firsts[j], firsts[i] == firsts[j])
			}
		}
	}
}

func TestDomainZero(t *testing.T) {
	t.Parallel()
	var d Domain
	if !d.IsZero() || d.IsIDN() || d.IsLiteral() || d.IsFullyQualified() || d.ASCII() != "" || d.Unicode() != "" {
		t.Errorf("zero Domain: IsZero %v IsIDN %v IsLiteral %v IsFullyQualified %v", d.IsZero(), d.IsIDN(), d.IsLiteral(), d.IsFullyQualified())
	}
}

func TestDomainLogValue(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"bücher.example", "bücher.example/xn--bcher-kva.example"},
		{"Example.ORG", "example.org"},
	}
	for _, tc := range tests {
		d, err := ParseDomain(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.LogValue().String(); got != tc.want {
			t.Errorf("ParseDomain(%q).LogValue() = %q, want %q", tc.in, got, tc.want)
		}
	}
}
