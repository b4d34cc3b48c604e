package main

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/gosmtp"
	"github.com/msakit/msakit/examples/internal/extest"
	"github.com/msakit/msakit/examples/internal/msaconfig"
	"github.com/msakit/msakit/policy"
)

func TestFlags(t *testing.T) {
	t.Parallel()
	l, err := configure(nil)
	if err != nil {
		t.Fatalf("configure(nil): %v", err)
	}
	if l.Listen != "127.0.0.1:1587" || l.ListenTLS != "" || l.Spool != "./spool" || l.Relay != "" || l.LogJSON || l.ExpandSingleLevel ||
		l.Domain.Domain().ASCII() != "example.org" || !l.Hostname.Domain().IsZero() || l.KeepBcc || l.SubaddressSeparator != "+" {
		t.Errorf("defaults = %+v", l.Settings)
	}
	l, err = configure([]string{"-user", "a:b", "-user", "c:d:c@example.org", "-trusted", "10.0.0.0/8", "-trusted", "::1",
		"-max-size", "1000", "-max-recipients", "5", "-expand-single-level", "-log-json", "-listen-tls", "127.0.0.1:0", "-keep-bcc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.FlagUsers) != 2 || len(l.Trusted) != 2 || l.MaxSize != 1000 || l.MaxRecipients != 5 || !l.ExpandSingleLevel || !l.LogJSON || l.ListenTLS == "" || !l.KeepBcc {
		t.Errorf("parsed = %+v", l.Settings)
	}
	if _, err := msaconfig.ParseArgs(program, []string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("ParseArgs(-h) = %v, want flag.ErrHelp", err)
	}
}

// fakeMessage is a gosmtp.Message as the adapter builds it.
func fakeMessage(t *testing.T, body io.Reader) *gosmtp.Message {
	t.Helper()
	from, err := envelope.ParseReversePath("<alice@example.org>")
	if err != nil {
		t.Fatal(err)
	}
	to, err := envelope.ParseForwardPath("<bob@example.net>")
	if err != nil {
		t.Fatal(err)
	}
	return &gosmtp.Message{
		Conn:        policy.Conn{RemoteAddr: netip.MustParseAddrPort("192.0.2.1:4000"), Helo: "client.example", TLS: &tls.ConnectionState{Version: tls.VersionTLS13}},
		Transaction: &policy.Transaction{ID: "abc123", From: from, Recipients: []policy.Recipient{{Path: to}}},
		Body:        body,
	}
}

// failingReader yields some bytes, then the reply msakit gives for a bad
// body.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestSpool(t *testing.T) {
	t.Parallel()
	for _, mode := range []spoolSync{syncGroup, syncEachMessage} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			testSpool(t, mode)
		})
	}
}

// testSpool: what a crash left is removed at start; a refused body leaves
// nothing; messages are committed whole, under distinct names.
func testSpool(t *testing.T, mode spoolSync) {
	dir := t.TempDir()
	// Leftovers of a crash: removed at start.
	for name, data := range map[string]string{".tmp-123.eml": "x", "orphan.eml": "y", "lost.json": "{}", "kept.eml": "z", "kept.json": "{}"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC)
	sp, err := newSpool(dir, mode, func() time.Time { return at }, rand.Reader, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{".tmp-123.eml", "orphan.eml", "lost.json"} {
		if _, err := os.Stat(filepath.Join(dir, gone)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale %s not removed: %v", gone, err)
		}
	}
	for _, name := range []string{"kept.eml", "kept.json"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Errorf("committed %s: %v", name, err)
		}
	}

	// A body msakit refuses half-way leaves nothing behind.
	refused := &policy.Reply{Code: 554, Enhanced: "5.6.0", Text: "bare LF"}
	err = sp.Deliver(t.Context(), fakeMessage(t, &failingReader{data: bytes.Repeat([]byte("x"), 100000), err: refused}))
	if !errors.Is(err, refused) {
		t.Errorf("Deliver with a refused body = %v, want the reply", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("spool holds %d files after a refused message, want 0", len(entries))
	}

	// Two messages with the same transaction id get two names.
	for range 2 {
		if err := sp.Deliver(t.Context(), fakeMessage(t, strings.NewReader(testMessage))); err != nil {
			t.Fatalf("Deliver: %v", err)
		}
	}
	msgs := readSpool(t, dir)
	if len(msgs) != 2 {
		t.Fatalf("spool holds %d messages, want 2", len(msgs))
	}
	for _, m := range msgs {
		if string(m.eml) != testMessage {
			t.Errorf("%s.eml differs from the message", m.id)
		}
		r := m.rec
		if r.From != "alice@example.org" || len(r.Recipients) != 1 || r.Recipients[0] != "bob@example.net" ||
			r.Client.Address != "192.0.2.1:4000" || r.Client.Helo != "client.example" || r.Client.TLS != "TLS 1.3" ||
			!r.Received.Equal(at) || r.Size != int64(len(testMessage)) || r.Identity != nil {
			t.Errorf("record %+v", r)
		}
	}
	if !strings.HasPrefix(msgs[0].id, "abc123") || !strings.HasPrefix(msgs[1].id, "abc123") {
		t.Errorf("ids %q, %q; want both from the transaction id", msgs[0].id, msgs[1].id)
	}
}

func TestSafeID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1a2B3c.d-e_f":           "1a2B3c.d-e_f",
		"":                       "",
		"../etc":                 "",
		".hidden":                "",
		"a/b":                    "",
		"a b":                    "",
		strings.Repeat("a", 129): "",
	} {
		if got := safeID(in); got != want {
			t.Errorf("safeID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMSA_GoClient(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t, "-listen-tls", "127.0.0.1:0")
	c := goClient(t, m.addr, true)
	if err := send(c, testFrom, []string{testRcpt, "carol@example.com"}, testMessage); err != nil {
		t.Fatalf("send: %v", err)
	}
	checkSpooled(t, spool, testMessage, testFrom, []string{testRcpt, "carol@example.com"}, testUser)

	// Implicit TLS (RFC 8314) on the second listener, same backend.
	c2, err := smtp.DialTLS(m.tlsAddr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.Auth(sasl.NewPlainClient("", testUser, testPassword)); err != nil {
		t.Fatalf("AUTH over implicit TLS: %v", err)
	}
	if err := send(c2, testFrom, []string{testRcpt}, testMessage); err != nil {
		t.Fatalf("send over implicit TLS: %v", err)
	}
	if n := len(readSpool(t, spool)); n != 2 {
		t.Errorf("spool holds %d messages, want 2", n)
	}
}

func TestMSA_Trusted(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t, "-trusted", "127.0.0.0/8")
	c := goClient(t, m.addr, false)
	if err := send(c, testFrom, []string{testRcpt}, testMessage); err != nil {
		t.Fatalf("send from a trusted network without AUTH: %v", err)
	}
	msgs := readSpool(t, spool)
	if len(msgs) != 1 || msgs[0].rec.Identity != nil || !msgs[0].rec.Client.Trusted {
		t.Errorf("spool = %+v, want one message, no identity, trusted client", msgs)
	}
}

func TestMSA_Refused(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t)
	c := goClient(t, m.addr, true)
	// go-smtp's client turns a bare LF into CRLF, but sends a bare CR.
	bad := strings.Replace(testMessage, "Hello Bob,\r\n", "Hello\rBob,\r\n", 1)
	err := send(c, testFrom, []string{testRcpt}, bad)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 554 || se.EnhancedCode != (smtp.EnhancedCode{5, 6, 0}) {
		t.Fatalf("bare CR in body: %v, want 554 5.6.0", err)
	}
	if err := send(c, "mallory@example.com", []string{testRcpt}, testMessage); !errors.As(err, &se) || se.Code != 550 || se.EnhancedCode != (smtp.EnhancedCode{5, 7, 1}) {
		t.Errorf("foreign sender: %v, want 550 5.7.1", err)
	}
	if entries, _ := os.ReadDir(spool); len(entries) != 0 {
		t.Errorf("spool holds %d files after refused messages, want 0", len(entries))
	}
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	spool := filepath.Join(t.TempDir(), "spool")
	banner, stop := startRun(t, "-listen", "127.0.0.1:0", "-spool", spool, "-user", testUser+":"+testPassword+":"+testFrom)
	var addr string
	for _, l := range banner {
		if a, ok := strings.CutPrefix(strings.TrimSpace(l), "submission (STARTTLS): "); ok {
			addr = a
		}
	}
	if addr == "" {
		t.Fatalf("no listener address in the banner %q", banner)
	}
	c := goClient(t, addr, true)
	if err := c.Mail(testFrom, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(testRcpt, nil); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// The listener closes; the transaction in flight goes on.
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still open 10s after SIGINT")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-stopped:
		t.Fatalf("run returned (%v) while a transaction was in flight", err)
	default:
	}
	w, err := c.Data()
	if err != nil {
		t.Fatalf("DATA during shutdown: %v", err)
	}
	if _, err := io.WriteString(w, testMessage); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("end of data during shutdown: %v", err)
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after the transaction ended")
	}
	if n := len(readSpool(t, spool)); n != 1 {
		t.Errorf("spool holds %d messages, want 1", n)
	}
}

// sendDSN sends msg from testFrom to testRcpt with DSN parameters (RFC 3461).
func sendDSN(c *smtp.Client, msg string) error {
	ro := &smtp.RcptOptions{
		Notify:                []smtp.DSNNotify{smtp.DSNNotifyFailure, smtp.DSNNotifyDelayed},
		OriginalRecipientType: smtp.DSNAddressTypeRFC822,
		OriginalRecipient:     testRcpt,
	}
	return extest.Send(c, testFrom, &smtp.MailOptions{Return: smtp.DSNReturnHeaders, EnvelopeID: "env-42"}, []string{testRcpt}, ro, msg)
}

func TestMSA_DSNRecorded(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t)
	c := goClient(t, m.addr, true)
	if err := sendDSN(c, testMessage); err != nil {
		t.Fatalf("send: %v", err)
	}
	s := checkSpooled(t, spool, testMessage, testFrom, []string{testRcpt}, testUser)
	d := s.rec.DSN
	if d == nil || d.Return != "HDRS" || d.EnvelopeID != "env-42" || len(d.Recipients) != 1 ||
		!slices.Equal(d.Recipients[0].Notify, []string{"FAILURE", "DELAY"}) || !strings.EqualFold(d.Recipients[0].ORCPT, "rfc822;"+testRcpt) {
		t.Errorf("spooled DSN record %+v", d)
	}
}

func TestMSA_Concurrent(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t)
	const clients, each = 4, 3
	var wg sync.WaitGroup
	errs := make(chan error, clients*each)
	for range clients {
		wg.Go(func() {
			c, err := smtp.DialStartTLS(m.addr, &tls.Config{InsecureSkipVerify: true})
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			if err := c.Auth(sasl.NewPlainClient("", testUser, testPassword)); err != nil {
				errs <- err
				return
			}
			for range each {
				if err := send(c, testFrom, []string{testRcpt}, testMessage); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("send: %v", err)
	}
	msgs := readSpool(t, spool)
	if len(msgs) != clients*each {
		t.Fatalf("spool holds %d messages, want %d", len(msgs), clients*each)
	}
	for _, s := range msgs {
		if !bytes.HasSuffix(s.eml, []byte(testMessage[strings.Index(testMessage, "\r\n\r\n"):])) {
			t.Errorf("%s.eml lost its body", s.id)
		}
	}
}

func TestMSA_UserAddresses(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t, "-user", "carol:pw:with:colons:@example.net,carol@example.com")
	c, err := smtp.DialStartTLS(m.addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", "carol", "pw:with:colons")); err != nil {
		t.Fatalf("AUTH with a password holding colons: %v", err)
	}
	msg := func(from string) string {
		return strings.Replace(testMessage, "From: Alice <alice@example.org>", "From: <"+from+">", 1)
	}
	tests := []struct {
		from string
		code int // 0 = accepted
	}{
		{from: "sales@example.net"},              // @example.net: the whole domain
		{from: "carol@example.com"},              // her own address
		{from: "carol+lists@example.com"},        // subaddress of her own address
		{from: "carol@example.org", code: 550},   // -domain's address was not listed
		{from: "mallory@example.com", code: 550}, // someone else
	}
	for _, tc := range tests {
		err := send(c, tc.from, []string{testRcpt}, msg(tc.from))
		var se *smtp.SMTPError
		switch {
		case tc.code == 0 && err != nil:
			t.Errorf("MAIL FROM:<%s>: %v, want accepted", tc.from, err)
		case tc.code != 0 && (!errors.As(err, &se) || se.Code != tc.code || se.EnhancedCode != (smtp.EnhancedCode{5, 7, 1})):
			t.Errorf("MAIL FROM:<%s>: %v, want %d 5.7.1", tc.from, err, tc.code)
		}
		if err != nil {
			_ = c.Reset()
		}
	}
	if n := len(readSpool(t, spool)); n != 3 {
		t.Errorf("spool holds %d messages, want 3", n)
	}
}

// pathString is Path.String without the angle brackets.
func TestPathString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"null", "<>", ""},
		{"postmaster", "<Postmaster>", "Postmaster"},
		{"dot-string", "<alice@Example.ORG>", "alice@example.org"},
		{"quoted", `<"carol smith"@example.net>`, `"carol smith"@example.net`},
		{"utf-8 local part", "<δοκιμή@παράδειγμα.δοκιμή>", "δοκιμή@παράδειγμα.δοκιμή"},
		{"ascii local part, idn", "<info@bücher.example>", "info@xn--bcher-kva.example"},
	} {
		parse := envelope.ParseForwardPath // <Postmaster> is a forward-path only
		if tc.in == "<>" {
			parse = envelope.ParseReversePath
		}
		p, err := parse(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := pathString(p); got != tc.want {
			t.Errorf("%s: pathString(%s) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
		if got := strings.TrimSuffix(strings.TrimPrefix(p.String(), "<"), ">"); got != tc.want {
			t.Errorf("%s: Path.String %q without brackets, want %q", tc.name, got, tc.want)
		}
	}
}
