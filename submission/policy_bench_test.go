package submission

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// benchPolicies returns n accepting MAIL+RCPT policies for an authenticated
// ASCII transaction: the built-in MAIL/RCPT policies, then Funcs fillers,
// none of which rejects.
func benchPolicies(b testing.TB, n int) []policy.Policy {
	base := []policy.Policy{
		requireAuth{},
		enforceAddressSyntax{},
		qualifyDomains{},
		requireSMTPUTF8{},
		maxSize{Max: 1 << 20},
		enforceSender{},
		maxRecipients{},
		qualifyPostmaster{Domain: mustDomain(b, "mx.example.org")},
		recipientPermissions{},
	}
	ps := make([]policy.Policy, 0, n)
	for i := 0; len(ps) < n; i++ {
		if i < len(base) {
			ps = append(ps, base[i])
			continue
		}
		ps = append(ps, policy.Funcs{PolicyName: fmt.Sprintf("mail-%d", i), CheckMail: func(context.Context, *policy.Conn, *policy.Transaction) error { return nil }})
		if len(ps) < n {
			ps = append(ps, policy.Funcs{PolicyName: fmt.Sprintf("rcpt-%d", i), CheckRcpt: func(context.Context, *policy.Conn, *policy.Transaction, *policy.Recipient) error { return nil }})
		}
	}
	return ps
}

var benchSizes = []int{1, 5, 15}

// BenchmarkChainMail measures the MAIL stage accept path through a Chain;
// /direct is the baseline: the same policies called in a plain loop.
func BenchmarkChainMail(b *testing.B) {
	ctx := context.Background()
	conn := authedConn(b)
	txn := tx(b, "<alice@example.org>")
	for _, n := range benchSizes {
		ps := benchPolicies(b, n)
		c := mustChain(b, "bench", ps...)
		b.Run(fmt.Sprintf("chain/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Mail(ctx, conn, txn); err != nil {
					b.Fatal(err)
				}
			}
		})
		var direct, rewrites []func(context.Context, *policy.Conn, *policy.Transaction) error
		for _, p := range ps {
			if m, ok := p.(policy.MailPolicy); ok {
				direct = append(direct, m.CheckMail)
			}
			if f, ok := p.(policy.Funcs); ok && f.CheckMail != nil {
				direct = append(direct, f.CheckMail)
			}
			if m, ok := p.(policy.MailRewriter); ok {
				rewrites = append(rewrites, m.RewriteMail)
			}
		}
		b.Run(fmt.Sprintf("direct/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range direct {
					if err := f(ctx, conn, txn); err != nil {
						b.Fatal(err)
					}
				}
				for _, f := range rewrites {
					if err := f(ctx, conn, txn); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkChainRcpt measures the RCPT stage accept path; /direct is the
// baseline.
func BenchmarkChainRcpt(b *testing.B) {
	ctx := context.Background()
	conn := authedConn(b)
	txn := tx(b, "<alice@example.org>")
	to := mustFwd(b, "<bob@example.net>")
	for _, n := range benchSizes {
		ps := benchPolicies(b, n)
		c := mustChain(b, "bench", ps...)
		r := &policy.Recipient{Path: to}
		b.Run(fmt.Sprintf("chain/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Rcpt(ctx, conn, txn, r); err != nil {
					b.Fatal(err)
				}
			}
		})
		var direct, rewrites []func(context.Context, *policy.Conn, *policy.Transaction, *policy.Recipient) error
		for _, p := range ps {
			if m, ok := p.(policy.RcptPolicy); ok {
				direct = append(direct, m.CheckRcpt)
			}
			if f, ok := p.(policy.Funcs); ok && f.CheckRcpt != nil {
				direct = append(direct, f.CheckRcpt)
			}
			if m, ok := p.(policy.RcptRewriter); ok {
				rewrites = append(rewrites, m.RewriteRcpt)
			}
		}
		b.Run(fmt.Sprintf("direct/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range direct {
					if err := f(ctx, conn, txn, r); err != nil {
						b.Fatal(err)
					}
				}
				for _, f := range rewrites {
					if err := f(ctx, conn, txn, r); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// TestChainAcceptPathAllocs pins the zero-allocation accept path that the
// benchmarks measure.
func TestChainAcceptPathAllocs(t *testing.T) {
	ctx := context.Background()
	conn := authedConn(t)
	txn := tx(t, "<alice@example.org>")
	r := &policy.Recipient{Path: mustFwd(t, "<bob@example.net>")}
	c := mustChain(t, "bench", benchPolicies(t, 15)...)
	if n := testing.AllocsPerRun(100, func() { _ = c.Mail(ctx, conn, txn) }); n != 0 {
		t.Errorf("Chain.Mail accept path: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = c.Rcpt(ctx, conn, txn, r) }); n != 0 {
		t.Errorf("Chain.Rcpt accept path: %v allocations, want 0", n)
	}
}

// benchHeader is a typical submitted header (about 1 KB): no Date and no
// Message-ID, so the profile adds both.
const benchHeader = "From: Alice Example <alice@example.org>\r\n" +
	"To: Bob <bob@example.net>, \"Carol Smith\" <carol@example.net>,\r\n" +
	" dave@example.com\r\n" +
	"Cc: =?utf-8?q?J=C3=B6rg?= <joerg@example.de>\r\n" +
	"Subject: Quarterly numbers, draft 3\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=\"b1_0123456789abcdef\"\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101\r\n" +
	" Thunderbird/128.5.0\r\n" +
	"Content-Language: en-US\r\n" +
	"In-Reply-To: <4f1c2a9e-1b2c-4d5e-8f90-abcdef012345@example.net>\r\n" +
	"References: <0a1b2c3d-4e5f-6789-abcd-ef0123456789@example.net>\r\n" +
	" <4f1c2a9e-1b2c-4d5e-8f90-abcdef012345@example.net>\r\n" +
	"X-Mailer-Note: a header the MSA does not know and must keep byte for byte\r\n" +
	"\r\n"

// BenchmarkChainData measures the DATA stage of the RFC 6409 profile over a
// typical header (read + checks + Date/Message-ID added); /read is the
// baseline: header.Read alone on the same bytes.
func BenchmarkChainData(b *testing.B) {
	ctx := context.Background()
	conn := authedConn(b)
	txn := tx(b, "<alice@example.org>")
	c := profileChain(b, Config{})
	b.Run("profile", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchHeader)))
		for b.Loop() {
			h, err := header.Read(bufio.NewReader(strings.NewReader(benchHeader)), header.ReadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			fresh := &policy.Transaction{From: txn.From} // one message per transaction
			if err := c.Data(ctx, conn, fresh, h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchHeader)))
		for b.Loop() {
			if _, err := header.Read(bufio.NewReader(strings.NewReader(benchHeader)), header.ReadOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
