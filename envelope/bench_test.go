package envelope

import (
	"net/mail"
	"slices"
	"testing"
	"time"
)

// The benchmarks put each parser beside a baseline in the same run:
// net/mail.ParseAddress for mailboxes (the standard library's RFC 5322
// addr-spec parser) and the bare idna profile for IDN domains. Compare with
//
//	go test -run='^$' -bench=. -benchmem -count=5 ./envelope
//
// BenchmarkParseMailbox/envelope and /net-mail parse the same ASCII
// address; BenchmarkParseDomain/idn and /idn-idna the same IDN, the latter
// with profile.ToASCII alone.

func BenchmarkParseMailbox(b *testing.B) {
	const addr = "alice.example@mail.example.org"
	b.Run("envelope", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseMailbox(addr); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("net-mail", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := mail.ParseAddress(addr); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, bc := range []struct{ name, in string }{
		{"upper-domain", "Alice.Example@Mail.Example.ORG"},
		{"quoted", `"alice example"@mail.example.org`},
		{"idn", "alice@mail.bücher.example"},
		{"utf8", "用户@例子.广告"},
		{"literal", "alice@[IPv6:2001:db8::1]"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseMailbox(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseDomain(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"ldh", "mail.example.org"},
		{"ldh-upper", "Mail.Example.ORG"},
		{"ipv4-literal", "[192.0.2.1]"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseDomain(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// An IDN: ParseDomain against the bare idna profile's ToASCII, which is
	// the least any IDNA2008 check must do.
	for _, bc := range []struct{ name, in string }{
		{"idn", "mail.bücher.example"},
		{"idn-cjk", "臺網中心.tw"},
		{"a-label", "mail.xn--bcher-kva.example"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseDomain(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"-idna", func(b *testing.B) {
			b.ReportAllocs()
			p := profile // the package's own idna profile, so the baseline cannot drift from it
			for b.Loop() {
				if _, err := p.ToASCII(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIsFullyQualified: the delegated-TLD test of RFC 6409, Section
// 4.2 on parsed names, beside BenchmarkParseDomain; miss is a name under no
// TLD, looked up in the public suffix list each time.
func BenchmarkIsFullyQualified(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"ldh", "mail.example.org"},
		{"special-use", "mail.example.test"},
		{"wildcard-cctld", "example.ck"},
		{"miss", "mail.example.con"},
	} {
		d, err := ParseDomain(bc.in)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d.IsFullyQualified()
			}
		})
	}
}

func BenchmarkParsePath(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"mailbox", "<alice.example@mail.example.org>"},
		{"null", "<>"},
		{"source-route", "<@relay.example,@other.example:alice@mail.example.org>"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseReversePath(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseForwardPath(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseForwardPath("<Postmaster>"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMailboxString(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"dot-string", "alice.example@mail.example.org"},
		{"quoted", `"alice \"x\" example"@mail.example.org`},
	} {
		m, err := ParseMailbox(bc.in)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = m.String()
			}
		})
	}
}

// BenchmarkRatio measures the two goals of issue 2 on a shared, noisy
// machine: each iteration times a batch of 64 calls of ParseMailbox or
// ParseDomain and then a batch of 64 calls of the baseline on the same input,
// so that noise hits both alike, and reports the ratio of the median batch
// times as "x-baseline" (ns/op is the time of both batches).
//   - mailbox: ParseMailbox against net/mail.ParseAddress; goal at most 0.33.
//   - idn, idn-cjk, a-label: ParseDomain against the bare idna profile's
//     ToASCII; goal at most 1.5.
//   - fq-*: ParseDomain followed by IsFullyQualified (the delegated-TLD
//     look-up, issue 10) against ParseDomain alone; goal below 2 for names
//     under a delegated TLD (fq-ldh, fq-idn). fq-miss is a name under no
//     TLD, which is looked up in the public suffix list on every call (the
//     refusal path; only found TLDs are remembered).
func BenchmarkRatio(b *testing.B) {
	p := profile // the package's own idna profile, so the baseline cannot drift from it
	parseFQ := func(s string) func() {
		return func() {
			d, _ := ParseDomain(s)
			_ = d.IsFullyQualified()
		}
	}
	parse := func(s string) func() { return func() { _, _ = ParseDomain(s) } }
	for _, bc := range []struct {
		name           string
		subject, basis func()
	}{
		{"fq-ldh", parseFQ("mail.example.org"), parse("mail.example.org")},
		{"fq-ldh-cctld", parseFQ("mail.example.co.uk"), parse("mail.example.co.uk")},
		{"fq-idn", parseFQ("mail.bücher.example"), parse("mail.bücher.example")},
		{"fq-miss", parseFQ("mail.example.con"), parse("mail.example.con")},
		{"mailbox",
			func() { _, _ = ParseMailbox("alice.example@mail.example.org") },
			func() { _, _ = mail.ParseAddress("alice.example@mail.example.org") }},
		{"idn",
			func() { _, _ = ParseDomain("mail.bücher.example") },
			func() { _, _ = p.ToASCII("mail.bücher.example") }},
		{"idn-cjk",
			func() { _, _ = ParseDomain("臺網中心.tw") },
			func() { _, _ = p.ToASCII("臺網中心.tw") }},
		{"a-label",
			func() { _, _ = ParseDomain("mail.xn--bcher-kva.example") },
			func() { _, _ = p.ToASCII("mail.xn--bcher-kva.example") }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var subject, basis []time.Duration
			for b.Loop() {
				t0 := time.Now()
				for range 64 {
					bc.subject()
				}
				t1 := time.Now()
				for range 64 {
					bc.basis()
				}
				subject, basis = append(subject, t1.Sub(t0)), append(basis, time.Since(t1))
			}
			slices.Sort(subject)
			slices.Sort(basis)
			b.ReportMetric(float64(subject[len(subject)/2])/float64(basis[len(basis)/2]), "x-baseline")
		})
	}
}
