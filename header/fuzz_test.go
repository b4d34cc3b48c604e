package header

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/envelope"
)

// seedMessages adds every corpus message (CRLF form) and the nasty cases.
func seedMessages(f *testing.F) {
	names, _ := filepath.Glob("testdata/rfc5322/*.eml")
	more, _ := filepath.Glob("testdata/mimekit/compliance/*.eml")
	for _, n := range append(names, more...) {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(toCRLF(b))
	}
	for _, s := range []string{
		"",
		"\r\n",
		"A: 1\r\n\r\nbody",
		"A: 1",
		"A: 1\r",
		"A: 1\n\r\n",
		"A: 1\r\n.\n\r\n",           // smuggling: bare LF before a dot
		"A: 1\r\n\n.\r\n",           // smuggling: LF-only end of data
		"A: 1\r\n\r.\r\n",           // bare CR
		"A: x\r\n \r\n\tfolded\r\n", // whitespace-only continuation
		"Subject: " + strings.Repeat("long ", 300) + "\r\n\r\n",
		"X-Long:" + strings.Repeat("\r\n "+strings.Repeat("y", 70), 40) + "\r\n\r\n",
		"From : obsolete\r\n\r\n",
		"\xff\xfe: x\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
}

// FuzzHeaderRoundTrip: whatever Read accepts, WriteTo writes back byte for
// byte, followed by the unread body; a prepended field leaves the input
// as a suffix. Read never panics and never consumes body bytes.
func FuzzHeaderRoundTrip(f *testing.F) {
	seedMessages(f)
	f.Fuzz(func(t *testing.T, msg []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(msg), 64)
		h, err := Read(br, ReadOptions{MaxSize: 1 << 16})
		if err != nil {
			return
		}
		body, err := io.ReadAll(br)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if _, err := h.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		if h.size() != out.Len() {
			t.Fatalf("Size() = %d, wrote %d", h.size(), out.Len())
		}
		out.Write(body)
		if !bytes.Equal(out.Bytes(), msg) {
			t.Fatalf("round trip differs:\n in %q\nout %q", msg, out.Bytes())
		}
		for i := range h.Len() {
			_ = h.Field(i).Value()
		}
		if err := h.Prepend("X-Fuzz", "1"); err != nil {
			t.Fatal(err)
		}
		out.Reset()
		if _, err := h.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		out.Write(body)
		if !bytes.HasSuffix(out.Bytes(), msg) || !bytes.HasPrefix(out.Bytes(), []byte("X-Fuzz: 1\r\n")) {
			t.Fatalf("prepend changed the input")
		}
	})
}

// FuzzParseAddressList: no panic; what parses formats, and the formatted
// list parses back to the same mailboxes, names and groups.
func FuzzParseAddressList(f *testing.F) {
	for _, s := range []string{
		"John Doe <jdoe@machine.example>",
		"Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
		`<boss@nil.test>, "Giant; \"Big\" Box" <sysservices@example.net>`,
		"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
		"Undisclosed recipients:;",
		"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
		"Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
		`"a@b"@c.example`,
		`"test"."test"@iana.org`,
		"=?utf-8?q?alice=40example=2Ecom?= <mallory@evil.example>",
		"=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?= <a@b.example>",
		"J\u00f6rg <j\u00f6rg@b\u00fccher.example>",
		"a@[192.0.2.1], b@[IPv6:2001:db8::1]",
		strings.Repeat("(", 40),
		"=?utf-8?b?AA==?= <a@b.example>",
		"Team: Ed Jones <c@a.test>;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		as, err := ParseAddressList(s)
		// ParseAddress reads one mailbox as ParseAddressList does, and
		// exactly when the list is that one mailbox, outside any group.
		one, oneErr := ParseAddress(s)
		if single := err == nil && len(as) == 1 && as[0].Group == ""; single != (oneErr == nil) || single && one != as[0] {
			t.Fatalf("ParseAddress(%q) = %+v, %v; ParseAddressList = %+v, %v", s, one, oneErr, as, err)
		}
		if err != nil || len(as) == 0 {
			return
		}
		out, err := FormatAddressList(as, true)
		if err != nil {
			return // e.g. an obsolete control character in a quoted name
		}
		back, err := ParseAddressList(out)
		if err != nil {
			t.Fatalf("ParseAddressList(%q) = %v; formatted from %q", out, err, s)
		}
		if len(back) != len(as) {
			t.Fatalf("%q -> %q: %d addresses, then %d", s, out, len(as), len(back))
		}
		for i := range as {
			if as[i].DisplayName != back[i].DisplayName || as[i].Mailbox != back[i].Mailbox || as[i].Group != back[i].Group {
				t.Fatalf("%q -> %q: %+v, then %+v", s, out, as[i], back[i])
			}
		}
		if _, err := NewField("To", out, true); err != nil && len(out) < 900 {
			t.Fatalf("NewField(To, %q) = %v", out, err)
		}
	})
}

// FuzzParseDate: no panic; a parsed date formats to a current-syntax date
// that parses to the same instant.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"Fri, 21 Nov 1997 09:55:06 -0600",
		"Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n               -0330 (Newfoundland Time)",
		"21 Nov 97 09:55:06 GMT",
		"Fri, 21 Nov 1997 09(comment):   55  :  06 -0600",
		"31 Dec 2016 23:59:60 +0000",
		"1 Jan 2024 00:00:00 Z",
		"Mon, 17 Jan 2001 11:14:55 -0500",
		"1 Jan 2024 00:00:00 +0000 " + strings.Repeat("(", 40),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		out := FormatDate(d)
		back, err := ParseDate(out)
		if err != nil || !back.Equal(d) || IsObsoleteDate(out) {
			t.Fatalf("ParseDate(%q) = %v; FormatDate = %q; reparsed %v, %v", s, d, out, back, err)
		}
		if _, off := d.Zone(); off%60 != 0 || d.Year() < 1900 || d.Year() > 9999 || d.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v: out of range", s, d.Format(time.RFC3339Nano))
		}
	})
}

// FuzzParseMessageID: no panic; a parsed id, put back in angle brackets,
// parses to itself in current syntax.
func FuzzParseMessageID(f *testing.F) {
	for _, s := range []string{
		"<1234@local.machine.example>",
		"<1234   @   local(blah)  .machine .example>",
		`<"a b"@example.com>`,
		"<simple.local@[someexamplecom.domain]>",
		"<a@b> (generated)",
		"<\u00e9t\u00e9@b\u00fccher.example>",
		"<simplelocal@domain",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseMessageID(s)
		if err != nil {
			return
		}
		again, err := ParseMessageID("<" + id + ">")
		if err != nil || again != id {
			t.Fatalf("ParseMessageID(%q) = %q; reparsed %q, %v", s, id, again, err)
		}
	})
}

// FuzzNewField: no panic; every field built reads back as exactly one
// field whose lines stay within 998 octets and are never white space only.
func FuzzNewField(f *testing.F) {
	f.Add("Subject", "hello", false)
	f.Add("Received", "from a\r\n\tby b", false)
	f.Add("X", strings.Repeat("word ", 100), true)
	f.Add("X", strings.Repeat("x", 1200), false)
	f.Add("X", "a\r\n \r\n b", false)
	f.Fuzz(func(t *testing.T, name, value string, utf8 bool) {
		fl, err := NewField(name, value, utf8)
		if err != nil {
			return
		}
		raw := fl.Raw()
		h, err := Read(bufio.NewReader(bytes.NewReader(append(append([]byte{}, raw...), '\r', '\n'))), ReadOptions{})
		if err != nil || h.Len() != 1 || h.Field(0).Name() != name {
			t.Fatalf("NewField(%q, %q) = %q does not read back: %v", name, value, raw, err)
		}
		if got, want := h.Field(0).Value(), fl.Value(); got != want {
			t.Fatalf("value %q, read back %q", want, got)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
			if len(line) > MaxLineLen || strings.Trim(line, " \t") == "" {
				t.Fatalf("NewField(%q, %q): bad line %q", name, value, line)
			}
		}
	})
}

// FuzzReceivedField: Received.Field, which skips NewField when its own
// folding already is what NewField would write, returns exactly what
// NewField makes of the same value, or the same error; it never panics.
func FuzzReceivedField(f *testing.F) {
	f.Add("client.example", "192.0.2.7", "msa.example", "ab12cd", "mary", "example.net", false, uint16(0x0304), uint16(0x1301), true)
	f.Add("bad helo (x)", "2001:db8::1", "msa.example", "", "", "", false, uint16(0), uint16(0), false)
	f.Add("b\u00fccher.example", "", "m\u00fcnchen.example", "<1@m>", "j\u00f6rg", "example.net", true, uint16(0), uint16(0xabcd), true)
	f.Add(strings.Repeat("h", 70)+".example", "192.0.2.7", strings.Repeat("b", 60)+".example", strings.Repeat("i", 90), strings.Repeat("l", 64), strings.Repeat("d", 60)+".example", false, uint16(0x0303), uint16(0xc02f), true)
	f.Add(strings.Repeat("h", 70)+".example", "", strings.Repeat("b", 60)+".example", strings.Repeat("i", 90), "", "", false, uint16(0), uint16(0), false)
	f.Add("\t", "", "msa.example", "\"q\"@x", "\"quoted local\"", "example.net", false, uint16(1), uint16(1), false)
	f.Fuzz(func(t *testing.T, helo, addr, by, id, local, dom string, utf8 bool, version, suite uint16, tlsOn bool) {
		r := Received{Helo: helo, ID: id, SMTPUTF8: utf8, ESMTP: true, Date: time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)}
		r.ClientAddr, _ = netip.ParseAddr(addr)
		r.By, _ = envelope.ParseDomain(by)
		if m, err := envelope.ParseMailbox(local + "@" + dom); err == nil {
			r.For = envelope.NewPath(m)
		}
		if tlsOn {
			r.TLS = &tls.ConnectionState{Version: version, CipherSuite: suite}
		}
		got, err := r.Field()
		b, rerr := r.render()
		want, werr := NewField("Received", string(b[len(receivedPrefix):]), utf8)
		if rerr != nil {
			werr = rerr
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("Field: %v, NewField: %v", err, werr)
		}
		if err == nil && !bytes.Equal(got.Raw(), want.Raw()) {
			t.Fatalf("Field =\n%q\nNewField =\n%q", got.Raw(), want.Raw())
		}
	})
}
