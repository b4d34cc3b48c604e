package header

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net/mail"
	"net/netip"
	"net/textproto"
	"strings"
	"testing"
	"time"

	gmtextproto "github.com/emersion/go-message/textproto"

	"github.com/msakit/msakit/envelope"
)

// benchHeaders are realistic submission headers of 1 to 4 KB: a plain
// client message, one with a few trace fields and list headers, and one
// with DKIM/ARC signatures and long folded fields.
var benchHeaders = []struct{ name, header string }{
	{"plain-1KB", "From: \"Alice Example\" <alice@example.com>\r\n" +
		"To: Bob <bob@example.net>, \"Carol Q. Public\" <carol@example.org>\r\n" +
		"Cc: team@example.com\r\n" +
		"Subject: =?utf-8?q?Quarterly_r=C3=A9sum=C3=A9_and_the_plan_for_next_week?=\r\n" +
		"Date: Tue, 05 Mar 2024 09:41:17 +0100\r\n" +
		"Message-ID: <4f9a1c2e-8b7d-4e3a-9c51-2d6f0e8a7b31@example.com>\r\n" +
		"In-Reply-To: <CAF=q1w2e3r4t5y6u7i8o9p0@mail.example.net>\r\n" +
		"References: <CAF=a1s2d3f4g5h6j7k8l9@mail.example.net>\r\n <CAF=q1w2e3r4t5y6u7i8o9p0@mail.example.net>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3d4e5f60718\"\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.8.0\r\n" +
		"Content-Language: en-US\r\n" +
		"X-Priority: 3\r\n" +
		"Reply-To: Alice <alice+replies@example.com>\r\n" +
		"Organization: Example Corp.\r\n" +
		"Thread-Index: AQHabcdefghijklmnopqrstuvwxyz0123456789ABCDEFG==\r\n" +
		"Thread-Topic: Quarterly resume and the plan for next week\r\n" +
		"X-Mailer: Example Mail 4.2.1\r\n" +
		"\r\n"},
	{"trace-2KB", strings.Repeat("Received: from mail-sor-f41.google.example (mail-sor-f41.google.example [209.85.220.41])\r\n"+
		"        by mx.example.net (Postfix) with ESMTPS id 4TqZ3k1R2bz9sQ\r\n"+
		"        for <bob@example.net>; Tue, 05 Mar 2024 09:41:19 +0100 (CET)\r\n", 4) +
		"Return-Path: <alice@example.com>\r\n" +
		"List-Id: Team discussion <team.lists.example.com>\r\n" +
		"List-Unsubscribe: <mailto:team-unsubscribe@lists.example.com>,\r\n <https://lists.example.com/unsubscribe/team>\r\n" +
		"Precedence: list\r\n",
	},
	{"signed-4KB", ""},
}

func init() {
	// trace-2KB and signed-4KB extend plain-1KB.
	plain := benchHeaders[0].header
	benchHeaders[1].header += plain
	sig := "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel2024;\r\n" +
		"        h=from:to:cc:subject:date:message-id:in-reply-to:references:mime-version\r\n" +
		"         :content-type;\r\n" +
		"        bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n" +
		"        b=" + strings.Repeat("dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBidXQgaXQgaGFzIHRoZSBy\r\n         ", 6) + "ZWFsIGxlbmd0aA==\r\n"
	arc := "ARC-Seal: i=1; a=rsa-sha256; t=1709628079; cv=none; d=example.net; s=arc-2024;\r\n" +
		"        b=" + strings.Repeat("YXJjIHNlYWwgdGhhdCBpcyBub3QgcmVhbCBlaXRoZXIgYnV0IGxvbmcgZW5v\r\n         ", 5) + "dWdo\r\n" +
		"ARC-Authentication-Results: i=1; mx.example.net; dkim=pass header.d=example.com;\r\n" +
		"       spf=pass (example.net: domain of alice@example.com designates 192.0.2.7 as permitted sender) smtp.mailfrom=alice@example.com;\r\n" +
		"       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com\r\n"
	benchHeaders[2].header = arc + sig + strings.Repeat("Received: from client.example.com (client.example.com [192.0.2.7])\r\n"+
		"        by msa.example.com with ESMTPSA id 7HgT2kLm; Tue, 05 Mar 2024 09:41:18 +0100\r\n", 2) + plain
	for _, bh := range benchHeaders {
		if !strings.HasSuffix(bh.header, "\r\n\r\n") {
			panic("bench header " + bh.name + " lacks its separator")
		}
	}
}

// BenchmarkHeaderRead reads and writes back a header: msakit's Read and
// WriteTo against go-message's textproto.ReadHeader and WriteHeader (the
// issue's baseline) and net/textproto's ReadMIMEHeader (read only).
func BenchmarkHeaderRead(b *testing.B) {
	for _, bh := range benchHeaders {
		msg := []byte(bh.header + "body\r\n")
		b.Run(bh.name+"/msakit", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bh.header)))
			r := bytes.NewReader(msg)
			br := bufio.NewReader(r)
			for b.Loop() {
				r.Reset(msg)
				br.Reset(r)
				h, err := Read(br, ReadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := h.WriteTo(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bh.name+"/msakit-edit", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bh.header)))
			r := bytes.NewReader(msg)
			br := bufio.NewReader(r)
			for b.Loop() {
				r.Reset(msg)
				br.Reset(r)
				h, err := Read(br, ReadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if err := h.Prepend("Received", "from client.example ([192.0.2.7]) by msa.example with ESMTPSA id 1;\r\n Tue, 05 Mar 2024 09:41:18 +0100"); err != nil {
					b.Fatal(err)
				}
				if _, err := h.WriteTo(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bh.name+"/go-message", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bh.header)))
			r := bytes.NewReader(msg)
			br := bufio.NewReader(r)
			for b.Loop() {
				r.Reset(msg)
				br.Reset(r)
				h, err := gmtextproto.ReadHeader(br)
				if err != nil {
					b.Fatal(err)
				}
				if err := gmtextproto.WriteHeader(io.Discard, h); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bh.name+"/net-textproto", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bh.header)))
			r := bytes.NewReader(msg)
			br := bufio.NewReader(r)
			for b.Loop() {
				r.Reset(msg)
				br.Reset(r)
				if _, err := textproto.NewReader(br).ReadMIMEHeader(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The go-message header must come back identical too, or the comparison
// would be unfair.
func TestBenchHeadersRoundTrip(t *testing.T) {
	t.Parallel()
	for _, bh := range benchHeaders {
		h := mustRead(t, bh.header)
		if got := written(t, h); got != bh.header {
			t.Errorf("%s: msakit round trip differs", bh.name)
		}
		gh, err := gmtextproto.ReadHeader(bufio.NewReader(strings.NewReader(bh.header)))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := gmtextproto.WriteHeader(&out, gh); err != nil {
			t.Fatal(err)
		}
		if out.String() != bh.header {
			t.Errorf("%s: go-message round trip differs", bh.name)
		}
	}
}

var benchAddressLists = []struct{ name, in string }{
	{"one", "\"Alice Example\" <alice@example.com>"},
	{"five", "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>, =?utf-8?q?Andr=C3=A9?= <andre@example.fr>"},
}

// BenchmarkParseAddressList against net/mail.ParseAddressList.
func BenchmarkParseAddressList(b *testing.B) {
	for _, bc := range benchAddressLists {
		b.Run(bc.name+"/msakit", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseAddressList(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/net-mail", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := mail.ParseAddressList(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseDate against net/mail.ParseDate: the date-time most
// clients write (FormatDate's form) and an obsolete one with a comment.
func BenchmarkParseDate(b *testing.B) {
	for _, in := range []struct{ name, value string }{
		{"usual", "Fri, 21 Nov 1997 09:55:06 -0600"},
		{"comment", "Fri, 21 Nov 1997 09:55:06 -0600 (MDT)"},
	} {
		b.Run(in.name+"/msakit", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseDate(in.value); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(in.name+"/net-mail", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := mail.ParseDate(in.value); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReceivedField: the Received field of a submission over TLS
// 1.3 with AUTH to one recipient (RFC 5321, Section 4.4), which msakit
// writes on every message; no library baseline.
func BenchmarkReceivedField(b *testing.B) {
	by, err := envelope.ParseDomain("msa.example.org")
	if err != nil {
		b.Fatal(err)
	}
	to, err := envelope.ParseForwardPath("<bob@example.net>")
	if err != nil {
		b.Fatal(err)
	}
	r := Received{
		Helo:          "laptop.example.org",
		ClientAddr:    netip.MustParseAddr("192.0.2.7"),
		By:            by,
		ESMTP:         true,
		TLS:           &tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256},
		Authenticated: true,
		ID:            "4fa2c1d9e07b3a68",
		For:           to,
		Date:          time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Field(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseMessageID has no library baseline; net/mail has no msg-id
// parser. Its cost is shown next to ParseDate's.
func BenchmarkParseMessageID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMessageID("<4f9a1c2e-8b7d-4e3a-9c51-2d6f0e8a7b31@example.com>"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeaderDelete: Delete of a name the header does not have, as
// remove-bcc does on almost every message (RFC 5322, Section 3.6.3).
func BenchmarkHeaderDelete(b *testing.B) {
	h, err := Read(bufio.NewReader(strings.NewReader(benchHeaders[0].header)), ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if h.Delete("Bcc") != 0 {
			b.Fatal("Bcc deleted")
		}
	}
}
