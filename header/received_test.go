package header

import (
	"crypto/tls"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/envelope"
)

func TestProtocol(t *testing.T) {
	t.Parallel()
	tests := []struct {
		esmtp, tls, auth, utf8 bool
		want                   string
	}{
		{false, false, false, false, "SMTP"},
		{false, true, true, true, "SMTP"},
		{true, false, false, false, "ESMTP"},
		{true, true, false, false, "ESMTPS"},
		{true, false, true, false, "ESMTPA"},
		{true, true, true, false, "ESMTPSA"},
		{true, false, false, true, "UTF8SMTP"},
		{true, true, false, true, "UTF8SMTPS"},
		{true, false, true, true, "UTF8SMTPA"},
		{true, true, true, true, "UTF8SMTPSA"},
	}
	for _, tc := range tests {
		if got := Protocol(tc.esmtp, tc.tls, tc.auth, tc.utf8); got != tc.want {
			t.Errorf("Protocol(%v, %v, %v, %v) = %q, want %q", tc.esmtp, tc.tls, tc.auth, tc.utf8, got, tc.want)
		}
	}
}

func domain(t *testing.T, s string) envelope.Domain {
	t.Helper()
	d, err := envelope.ParseDomain(s)
	if err != nil {
		t.Fatalf("ParseDomain(%q): %v", s, err)
	}
	return d
}

func TestReceived(t *testing.T) {
	t.Parallel()
	date := time.Date(2024, 3, 1, 12, 30, 0, 0, time.FixedZone("", 3600))
	rcpt := envelope.NewPath(mailbox(t, "mary", "example.net"))
	tests := []struct {
		name string
		r    Received
		utf8 bool
		want string // the whole field
	}{
		{
			name: "full, TLS and AUTH",
			r: Received{Helo: "client.example", ClientAddr: netip.MustParseAddr("192.0.2.7"), By: domain(t, "msa.example"),
				With: Protocol(true, true, true, false), TLSVersion: tls.VersionTLS13, TLSCipherSuite: tls.TLS_AES_128_GCM_SHA256,
				ID: "ab12cd", For: rcpt, Date: date},
			want: "Received: from client.example ([192.0.2.7]) by msa.example with ESMTPSA\r\n" +
				" (TLS 1.3) id ab12cd for <mary@example.net> tls TLS_AES_128_GCM_SHA256;\r\n" +
				" Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			name: "privacy: no client address, no for",
			r:    Received{Helo: "laptop.example", By: domain(t, "msa.example"), With: "ESMTPA", ID: "x1", Date: date},
			want: "Received: from laptop.example by msa.example with ESMTPA id x1;\r\n Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			name: "IPv6 and an invalid HELO in a comment",
			r: Received{Helo: "bad helo (x)", ClientAddr: netip.MustParseAddr("2001:db8::1"), By: domain(t, "msa.example"),
				With: "ESMTP", Date: date},
			want: "Received: from [IPv6:2001:db8::1] ([IPv6:2001:db8::1]) (HELO bad helo \\(x\\))\r\n" +
				" by msa.example with ESMTP; Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			name: "HELO address literal, IPv4-mapped client",
			r: Received{Helo: "[192.0.2.7]", ClientAddr: netip.MustParseAddr("::ffff:192.0.2.7"), By: domain(t, "msa.example"),
				Date: date},
			want: "Received: from [192.0.2.7] ([192.0.2.7]) by msa.example;\r\n Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			name: "no HELO, no address",
			r:    Received{By: domain(t, "msa.example"), Date: date},
			want: "Received: from unknown (HELO \"\") by msa.example;\r\n Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			name: "SMTPUTF8: U-labels and a UTF-8 recipient",
			r: Received{Helo: "xn--bcher-kva.example", By: domain(t, "m\u00fcnchen.example"), With: "UTF8SMTPSA",
				For: envelope.NewPath(mailbox(t, "j\u00f6rg", "example.net")), ID: "<1@m>", Date: date},
			utf8: true,
			want: "Received: from b\u00fccher.example by m\u00fcnchen.example with UTF8SMTPSA id <1@m>\r\n" +
				" for <j\u00f6rg@example.net>; Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			name: "unknown cipher in hex",
			r:    Received{Helo: "c.example", By: domain(t, "msa.example"), TLSCipherSuite: 0xabcd, Date: date},
			want: "Received: from c.example by msa.example tls 0xABCD;\r\n Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := tc.r.Field(tc.utf8)
			if err != nil {
				t.Fatalf("Field: %v", err)
			}
			if got := string(f.Raw()); got != tc.want {
				t.Errorf("Field =\n%q\nwant\n%q", got, tc.want)
			}
			if v := tc.r.Value(tc.utf8); "Received: "+v+"\r\n" != tc.want {
				t.Errorf("Value = %q", v)
			}
			for _, line := range strings.Split(tc.want, "\r\n") {
				if len(line) > foldWidth {
					t.Errorf("line longer than 78: %q", line)
				}
			}
			// The date after ";" parses back, non-obsolete (RFC 5321 §4.4).
			v := f.Value()
			ds := v[strings.LastIndexByte(v, ';')+1:]
			if d, err := ParseDate(ds); err != nil || !d.Equal(tc.r.Date) || IsObsoleteDate(ds) {
				t.Errorf("date %q: %v, %v", ds, d, err)
			}
			// The field reads back as a header.
			if h := mustRead(t, tc.want+"\r\n"); h.Len() != 1 {
				t.Errorf("reread: %d fields", h.Len())
			}
		})
	}
}

func TestReceivedErrors(t *testing.T) {
	t.Parallel()
	date := time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)
	by := domain(t, "msa.example")
	tests := []struct {
		name string
		r    Received
		want error
	}{
		{"no by", Received{Helo: "a.example", Date: date}, ErrSyntax},
		{"no date", Received{Helo: "a.example", By: by}, ErrSyntax},
		{"with not an atom", Received{By: by, Date: date, With: "ESMTP\r\nBcc: x"}, ErrSyntax},
		{"id not an atom", Received{By: by, Date: date, ID: "a b"}, ErrSyntax},
		{"UTF-8 for without SMTPUTF8", Received{By: by, Date: date, For: envelope.NewPath(mailbox(t, "j\u00f6rg", "example.net"))}, ErrNotASCII},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := tc.r.Field(false); !errors.Is(err, tc.want) {
				t.Errorf("Field = %v, want %v", err, tc.want)
			}
			v := tc.r.Value(false)
			if strings.ContainsAny(v, "\x00") || strings.Contains(strings.ReplaceAll(v, "\r\n ", ""), "\r") {
				t.Errorf("Value = %q holds a bad line break", v)
			}
		})
	}
}

func mustForward(t testing.TB, s string) envelope.Path {
	t.Helper()
	p, err := envelope.ParseForwardPath(s)
	if err != nil {
		t.Fatalf("ParseForwardPath(%q): %v", s, err)
	}
	return p
}
