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

// TestReceivedProtocol: the "with" keyword follows from the session's
// facts, one keyword per combination, as the registry lists them: SMTP and
// ESMTP (RFC 5321, Section 4.4), ESMTPS, ESMTPA, ESMTPSA (RFC 3848,
// Section 1), UTF8SMTP, UTF8SMTPS, UTF8SMTPA, UTF8SMTPSA (RFC 6531,
// Section 4.3). AUTH and SMTPUTF8 exist only after EHLO, so they imply
// ESMTP; TLS alone does not (implicit TLS carries HELO sessions too).
func TestReceivedProtocol(t *testing.T) {
	t.Parallel()
	on := &tls.ConnectionState{Version: tls.VersionTLS13}
	tests := []struct {
		esmtp bool
		tls   *tls.ConnectionState
		auth  bool
		utf8  bool
		want  string
	}{
		{false, nil, false, false, "SMTP"},
		{false, on, false, false, "SMTP"},
		{true, nil, false, false, "ESMTP"},
		{true, on, false, false, "ESMTPS"},
		{true, nil, true, false, "ESMTPA"},
		{true, on, true, false, "ESMTPSA"},
		{true, nil, false, true, "UTF8SMTP"},
		{true, on, false, true, "UTF8SMTPS"},
		{true, nil, true, true, "UTF8SMTPA"},
		{true, on, true, true, "UTF8SMTPSA"},
		{false, on, true, false, "ESMTPSA"},
		{false, nil, false, true, "UTF8SMTP"},
	}
	for _, tc := range tests {
		r := Received{By: envelope.MustParseDomain("msa.example"), Date: time.Unix(0, 0).UTC(),
			ESMTP: tc.esmtp, TLS: tc.tls, Authenticated: tc.auth, SMTPUTF8: tc.utf8}
		f, err := r.Field()
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if got := clausesOf(t, f.Value()).clauses["with"]; got != tc.want {
			t.Errorf("ESMTP %v TLS %v Authenticated %v SMTPUTF8 %v: with %q, want %q", tc.esmtp, tc.tls != nil, tc.auth, tc.utf8, got, tc.want)
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

// TestReceived pins the whole field, byte for byte.
func TestReceived(t *testing.T) {
	t.Parallel()
	date := time.Date(2024, 3, 1, 12, 30, 0, 0, time.FixedZone("", 3600))
	rcpt := envelope.NewPath(mailbox(t, "mary", "example.net"))
	tests := []struct {
		name string
		r    Received
		want string // the whole field
	}{
		{
			name: "full, TLS and AUTH",
			r: Received{Helo: "client.example", ClientAddr: netip.MustParseAddr("192.0.2.7"), By: domain(t, "msa.example"),
				ESMTP: true, TLS: &tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256}, Authenticated: true,
				ID: "ab12cd", For: rcpt, Date: date},
			want: "Received: from client.example ([192.0.2.7]) by msa.example with ESMTPSA\r\n" +
				" (TLS 1.3) id ab12cd for <mary@example.net> tls TLS_AES_128_GCM_SHA256;\r\n" +
				" Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			name: "privacy: no client address, no for",
			r:    Received{Helo: "laptop.example", By: domain(t, "msa.example"), ESMTP: true, Authenticated: true, ID: "x1", Date: date},
			want: "Received: from laptop.example by msa.example with ESMTPA id x1;\r\n Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			name: "IPv6 and an invalid HELO in a comment",
			r: Received{Helo: "bad helo (x)", ClientAddr: netip.MustParseAddr("2001:db8::1"), By: domain(t, "msa.example"),
				ESMTP: true, Date: date},
			want: "Received: from [IPv6:2001:db8::1] ([IPv6:2001:db8::1]) (HELO bad helo \\(x\\))\r\n" +
				" by msa.example with ESMTP; Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			// Before issue 9 the keyword could be left out; it now always
			// follows from the session, and this case was written without one.
			name: "HELO address literal, IPv4-mapped client",
			r: Received{Helo: "[192.0.2.7]", ClientAddr: netip.MustParseAddr("::ffff:192.0.2.7"), By: domain(t, "msa.example"),
				ESMTP: true, Date: date},
			want: "Received: from [192.0.2.7] ([192.0.2.7]) by msa.example with ESMTP;\r\n Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			// A client that sent neither HELO nor EHLO spoke plain SMTP.
			name: "no HELO, no address",
			r:    Received{By: domain(t, "msa.example"), Date: date},
			want: "Received: from unknown (HELO \"\") by msa.example with SMTP;\r\n Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			name: "SMTPUTF8: U-labels and a UTF-8 recipient",
			r: Received{Helo: "xn--bcher-kva.example", By: domain(t, "m\u00fcnchen.example"),
				ESMTP: true, TLS: &tls.ConnectionState{}, Authenticated: true, SMTPUTF8: true,
				For: envelope.NewPath(mailbox(t, "j\u00f6rg", "example.net")), ID: "<1@m>", Date: date},
			want: "Received: from b\u00fccher.example by m\u00fcnchen.example with UTF8SMTPSA id <1@m>\r\n" +
				" for <j\u00f6rg@example.net>; Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			name: "unknown cipher in hex",
			r:    Received{Helo: "c.example", By: domain(t, "msa.example"), ESMTP: true, TLS: &tls.ConnectionState{CipherSuite: 0xabcd}, Date: date},
			want: "Received: from c.example by msa.example with ESMTPS tls 0xABCD;\r\n Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			// RFC 6531, Section 3.7.3: without SMTPUTF8 the field conforms
			// to RFC 5321, so a recipient with a UTF-8 local part is left out
			// (the clause is optional) and the domains are A-labels.
			name: "UTF-8 recipient without SMTPUTF8 left out",
			r: Received{Helo: "b\u00fccher.example", By: domain(t, "m\u00fcnchen.example"), ESMTP: true,
				For: envelope.NewPath(mailbox(t, "j\u00f6rg", "example.net")), Date: date},
			want: "Received: from xn--bcher-kva.example by xn--mnchen-3ya.example with ESMTP;\r\n" +
				" Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
		{
			name: "unqualified <Postmaster>",
			r:    Received{Helo: "c.example", By: domain(t, "msa.example"), ESMTP: true, For: mustForward(t, "<Postmaster>"), Date: date},
			want: "Received: from c.example by msa.example with ESMTP for <Postmaster>;\r\n Fri, 01 Mar 2024 12:30:00 +0100\r\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := tc.r.Field()
			if err != nil {
				t.Fatalf("Field: %v", err)
			}
			if got := string(f.Raw()); got != tc.want {
				t.Errorf("Field =\n%q\nwant\n%q", got, tc.want)
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

// TestReceivedErrors: only what the caller sets makes Field fail.
func TestReceivedErrors(t *testing.T) {
	t.Parallel()
	date := time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)
	by := domain(t, "msa.example")
	tests := []struct {
		name string
		r    Received
		want string // the SyntaxError's message
	}{
		{"no by", Received{Helo: "a.example", Date: date}, "received: no by domain"},
		{"no date", Received{Helo: "a.example", By: by}, "received: no date"},
		{"id not an atom", Received{By: by, Date: date, ID: "a b"}, "received: id is neither an atom nor a msg-id"},
		{"id with a fold", Received{By: by, Date: date, ID: "a\r\nBcc: x"}, "received: id is neither an atom nor a msg-id"},
		{"id not a msg-id", Received{By: by, Date: date, ID: "<a b@c>"}, "received: id is neither an atom nor a msg-id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := tc.r.Field()
			var se *SyntaxError
			if !errors.Is(err, ErrSyntax) || !errors.As(err, &se) || se.Msg != tc.want || !f.isZero() {
				t.Errorf("Field = %q, %v; want a SyntaxError %q", f.Raw(), err, tc.want)
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
