package gosmtp

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/examples/internal/extest"
)

func TestGoSMTPClient_Accepted(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, false)
	c := ts.client(t, true)
	if err := extest.Send(c, testFrom, nil, []string{"bob@example.net"}, nil, testMessage); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := ts.dlv.all()
	if len(got) != 1 {
		t.Fatalf("delivered %d messages, want 1", len(got))
	}
	m := got[0]
	body := testMessage[strings.Index(testMessage, "\r\n\r\n"):]
	if !bytes.HasSuffix(m.data, []byte(body)) {
		t.Errorf("queued message does not end with the body as sent:\n%s", m.data)
	}
	for _, line := range strings.SplitAfter(strings.TrimSuffix(testMessage[:strings.Index(testMessage, "\r\n\r\n")+2], "\r\n"), "\r\n") {
		if !bytes.Contains(m.data, []byte(line)) {
			t.Errorf("queued message lost header line %q", line)
		}
	}
	if !bytes.HasPrefix(m.data, []byte("Received:")) {
		t.Errorf("queued message does not start with a Received field:\n%s", m.data)
	}
	if id := m.msg.Conn.Identity; id.User() != testUser || id.Mechanism != "PLAIN" {
		t.Errorf("identity = %+v, want %s by PLAIN", id, testUser)
	}
	if m.msg.Conn.TLS == nil {
		t.Error("Conn.TLS = nil after STARTTLS")
	}
	if !m.msg.Conn.RemoteAddr.Addr().IsLoopback() {
		t.Errorf("RemoteAddr = %v, want loopback", m.msg.Conn.RemoteAddr)
	}
	tx := m.msg.Transaction
	if tx == nil || tx.From.String() != "<"+testFrom+">" || len(tx.Recipients) != 1 || tx.Recipients[0].Path.String() != "<bob@example.net>" {
		t.Errorf("transaction = %+v", tx)
	}
}

func TestGoSMTPClient_Refused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		login        bool
		from         string
		to           []string
		msg          string
		code         int
		enhanced     string
		wantNoAccept bool
	}{
		{name: "no AUTH", login: false, from: testFrom, to: []string{"bob@example.net"}, msg: testMessage, code: 530, enhanced: "5.7.0"},
		{name: "foreign sender", login: true, from: "mallory@example.com", to: []string{"bob@example.net"}, msg: testMessage, code: 550, enhanced: "5.7.1"},
		{name: "unqualified recipient", login: true, from: testFrom, to: []string{"bob@sales"}, msg: testMessage, code: 554, enhanced: "5.1.2"},
		{name: "header From not the user", login: true, from: testFrom, to: []string{"bob@example.net"},
			msg: strings.Replace(testMessage, "From: Alice <alice@example.org>", "From: Mallory <mallory@example.com>", 1), code: 550, enhanced: "5.7.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, false)
			c := ts.client(t, tc.login)
			err := extest.Send(c, tc.from, nil, tc.to, nil, tc.msg)
			if err == nil {
				t.Fatalf("send accepted, want %d %s", tc.code, tc.enhanced)
			}
			code, enh := smtpCode(t, err)
			if code != tc.code || enh != tc.enhanced {
				t.Errorf("reply %d %s, want %d %s (%v)", code, enh, tc.code, tc.enhanced, err)
			}
			if n := len(ts.dlv.all()); n != 0 {
				t.Errorf("%d messages delivered, want none", n)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, false)

	// Before TLS: no cleartext mechanism offered; refused if tried.
	c, err := smtp.Dial(ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example.net"); err != nil {
		t.Fatal(err)
	}
	if c.SupportsAuth("PLAIN") || c.SupportsAuth("LOGIN") {
		t.Error("PLAIN or LOGIN offered without TLS")
	}
	if err := c.Auth(plainClient(testUser, testPassword)); err == nil {
		t.Error("AUTH PLAIN without TLS accepted")
	} else if code, enh := smtpCode(t, err); code != 538 || enh != "5.7.11" {
		t.Errorf("AUTH PLAIN without TLS: %d %s, want 538 5.7.11", code, enh)
	}

	// Under TLS: offered; a wrong password is 535 5.7.8.
	c2 := ts.client(t, false)
	if !c2.SupportsAuth("PLAIN") {
		t.Error("PLAIN not offered under TLS")
	}
	if err := c2.Auth(plainClient(testUser, "wrong")); err == nil {
		t.Error("wrong password accepted")
	} else if code, enh := smtpCode(t, err); code != 535 || enh != "5.7.8" {
		t.Errorf("wrong password: %d %s, want 535 5.7.8", code, enh)
	}
	if err := c2.Auth(plainClient(testUser, testPassword)); err != nil {
		t.Errorf("AUTH after a failed attempt: %v", err)
	}
}

func TestRaw_DataRefused(t *testing.T) {
	t.Parallel()
	header := testMessage[:strings.Index(testMessage, "\r\n\r\n")+4]
	tests := []struct {
		name string
		data []byte // as written after 354, end of data included
		want string
	}{
		{name: "bare LF in body", data: []byte(header + "one\ntwo\r\n.\r\n"), want: "554 5.6.0"},
		{name: "bare CR in body", data: []byte(header + "one\rtwo\r\n.\r\n"), want: "554 5.6.0"},
		{name: "smuggling LF.LF", data: []byte(header + "one\r\n\n.\nMAIL FROM:<x@example.com>\r\n.\r\n"), want: "554 5.6.0"},
		{name: "bare LF in header", data: []byte("From: Alice <alice@example.org>\nTo: bob@example.net\r\n\r\nhi\r\n.\r\n"), want: "554 5.6.0"},
		{name: "line over 1000 octets", data: []byte(header + strings.Repeat("x", 1200) + "\r\n.\r\n"), want: "554 5.6.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, true)
			rc := ts.raw(t)
			rc.login()
			rc.must("MAIL FROM:<"+testFrom+">", "250 2.0.0")
			rc.must("RCPT TO:<bob@example.net>", "250 2.0.0")
			rc.must("DATA", "354")
			rc.write(tc.data)
			rc.expect(tc.want)
			if n := len(ts.dlv.all()); n != 0 {
				t.Errorf("%d messages delivered, want none", n)
			}
			// The connection is usable afterwards, and the transaction was reset.
			rc.must("RCPT TO:<bob@example.net>", "503 5.5.1")
			rc.must("NOOP", "250 2.0.0")
		})
	}
}

func TestRaw_BDAT(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, true)
	rc := ts.raw(t)
	rc.login()
	rc.must("MAIL FROM:<"+testFrom+">", "250 2.0.0")
	rc.must("RCPT TO:<bob@example.net>", "250 2.0.0")
	msg := []byte(testMessage)
	first, rest := msg[:40], msg[40:]
	rc.write([]byte(fmt.Sprintf("BDAT %d\r\n", len(first))))
	rc.write(first)
	rc.expect("250 2.0.0")
	rc.write([]byte(fmt.Sprintf("BDAT %d LAST\r\n", len(rest))))
	rc.write(rest)
	rc.expect("250 2.0.0")
	got := ts.dlv.all()
	if len(got) != 1 {
		t.Fatalf("delivered %d, want 1", len(got))
	}
	// BDAT carries the message without dot-stuffing (RFC 3030, Section 2).
	body := testMessage[strings.Index(testMessage, "\r\n\r\n"):]
	if !bytes.HasSuffix(got[0].data, []byte(body)) {
		t.Errorf("BDAT message does not end with the body as sent:\n%s", got[0].data)
	}

	// The same rules hold for BDAT: bare LF is refused (RFC 6409, Section 7).
	rc.must("MAIL FROM:<"+testFrom+">", "250 2.0.0")
	rc.must("RCPT TO:<bob@example.net>", "250 2.0.0")
	bad := []byte(testMessage[:strings.Index(testMessage, "\r\n\r\n")+4] + "one\ntwo\r\n")
	rc.write([]byte(fmt.Sprintf("BDAT %d LAST\r\n", len(bad))))
	rc.write(bad)
	rc.expect("554 5.6.0")
	if n := len(ts.dlv.all()); n != 1 {
		t.Errorf("%d messages delivered, want still 1", n)
	}
	rc.must("NOOP", "250 2.0.0")
}

func TestRaw_EHLOAgain(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, true)
	rc := ts.raw(t)
	rc.login()
	rc.must("MAIL FROM:<"+testFrom+">", "250 2.0.0")
	rc.must("RCPT TO:<bob@example.net>", "250 2.0.0")
	// RFC 5321, Section 4.1.4: EHLO again resets the transaction;
	// authentication survives.
	rc.must("EHLO second.example.net", "250")
	rc.must("DATA", "503 5.5.1")
	rc.must("MAIL FROM:<"+testFrom+">", "250 2.0.0")
	rc.must("RCPT TO:<bob@example.net>", "250 2.0.0")
	rc.must("DATA", "354")
	rc.write(dotStuff(testMessage))
	rc.expect("250 2.0.0")
	got := ts.dlv.all()
	if len(got) != 1 {
		t.Fatalf("delivered %d, want 1", len(got))
	}
	if h := got[0].msg.Conn.Helo; h != "second.example.net" {
		t.Errorf("Conn.Helo = %q, want second.example.net", h)
	}
	if !bytes.Contains(got[0].data, []byte("second.example.net")) {
		t.Errorf("Received does not name the second EHLO:\n%s", got[0].data)
	}
}

func TestDelivererErrors(t *testing.T) {
	t.Parallel()
	header := testMessage[:strings.Index(testMessage, "\r\n\r\n")+4]
	tests := []struct {
		name     string
		dlv      *memDeliverer
		data     []byte
		code     int
		enhanced string
	}{
		{name: "internal error", dlv: &memDeliverer{err: errors.New("disk full at /var/secret")},
			data: dotStuff(testMessage), code: 451, enhanced: "4.3.0"},
		{name: "returned without reading", dlv: &memDeliverer{skip: true},
			data: dotStuff(testMessage), code: 451, enhanced: "4.3.0"},
		{name: "ignored msakit's rejection", dlv: &memDeliverer{ignoreErr: true},
			data: []byte(header + "one\ntwo\r\n.\r\n"), code: 554, enhanced: "5.6.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, true)
			ts.be.deliver = tc.dlv
			rc := ts.raw(t)
			rc.login()
			rc.must("MAIL FROM:<"+testFrom+">", "250 2.0.0")
			rc.must("RCPT TO:<bob@example.net>", "250 2.0.0")
			rc.must("DATA", "354")
			rc.write(tc.data)
			r := rc.read()
			if r.code != tc.code || r.enhanced != tc.enhanced {
				t.Errorf("reply %v, want %d %s", r, tc.code, tc.enhanced)
			}
			if strings.Contains(r.String(), "secret") {
				t.Errorf("internal error text reached the client: %v", r)
			}
		})
	}
}

func TestDrain(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, true)
	idle := ts.raw(t)
	idle.login()
	busy := ts.raw(t)
	busy.login()
	busy.must("MAIL FROM:<"+testFrom+">", "250 2.0.0")
	busy.must("RCPT TO:<bob@example.net>", "250 2.0.0")

	ts.be.Drain()

	// The idle connection is closed.
	_ = idle.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := idle.text.ReadLine(); err == nil {
		t.Errorf("idle connection still open after Drain, read %q", line)
	}
	// The transaction in flight finishes, then its connection is closed.
	busy.must("DATA", "354")
	busy.write(dotStuff(testMessage))
	busy.expect("250 2.0.0")
	_ = busy.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := busy.text.ReadLine(); err == nil {
		t.Errorf("connection still open after its transaction, read %q", line)
	}
	if n := len(ts.dlv.all()); n != 1 {
		t.Errorf("delivered %d, want 1", n)
	}
	// New sessions are refused.
	late := ts.raw(t)
	late.must("EHLO late.example.net", "421 4.3.2")
	if rest := late.rest(); rest != "" {
		t.Errorf("after 421 the server wrote %q, want the connection closed (RFC 5321, Section 3.8)", rest)
	}
}

func TestConfigure(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, false)
	c := ts.client(t, false)
	tests := []struct {
		keyword string
		param   string
	}{
		{keyword: "SIZE", param: "33554432"}, // submission.Config.MaxSize 0: 32 MiB, RFC 1870
		{keyword: "SMTPUTF8"},
		{keyword: "DSN"},
		{keyword: "BINARYMIME"},
		{keyword: "CHUNKING"},
		{keyword: "AUTH", param: "PLAIN"},
	}
	for _, tc := range tests {
		ok, param := c.Extension(tc.keyword)
		if !ok {
			t.Errorf("EHLO does not offer %s", tc.keyword)
			continue
		}
		if tc.param != "" && !strings.Contains(param, tc.param) {
			t.Errorf("EHLO %s %q, want %q in it", tc.keyword, param, tc.param)
		}
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered after TLS (RFC 3207, Section 4.2)")
	}
	if !ts.srv.AllowInsecureAuth {
		t.Error("Configure left AllowInsecureAuth off: go-smtp would answer 523 itself")
	}
}

func TestRaw_AuthLogin(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, true)
	rc := ts.raw(t)
	rc.hello("starttls")
	b64 := base64.StdEncoding.EncodeToString
	// A multi-step exchange (RFC 4954, Section 4) through the adapter.
	rc.must("AUTH LOGIN", "334")
	rc.must(b64([]byte(testUser)), "334")
	rc.must(b64([]byte("wrong")), "535 5.7.8")
	// A client may cancel with "*" (RFC 4954, Section 4: 501); then try
	// again.
	rc.must("AUTH LOGIN", "334")
	rc.must("*", "501 5.0.0")
	rc.must("AUTH LOGIN "+b64([]byte(testUser)), "334")
	rc.must(b64([]byte(testPassword)), "235 2.0.0")
	rc.must("MAIL FROM:<"+testFrom+">", "250 2.0.0")
	// AUTH is refused once authenticated (RFC 4954, Section 4).
	rc.must("AUTH PLAIN "+b64([]byte("\x00"+testUser+"\x00"+testPassword)), "503 5.5.1")
}
