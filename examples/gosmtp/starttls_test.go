package gosmtp

import (
	"bytes"
	"crypto/tls"
	"net"
	"net/textproto"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/examples/internal/extest"
)

// ehloKeywords returns the keywords of an EHLO reply, upper case.
func ehloKeywords(r reply) []string {
	var kw []string
	for _, l := range r.lines[1:] {
		kw = append(kw, strings.ToUpper(strings.Fields(l)[0]))
	}
	return kw
}

func hasKeyword(r reply, kw string) bool {
	for _, k := range ehloKeywords(r) {
		if k == kw {
			return true
		}
	}
	return false
}

// TestSTARTTLS: the guard runs STARTTLS (RFC 3207) and go-smtp only ever
// reads cleartext.
func TestSTARTTLS(t *testing.T) {
	t.Parallel()
	t.Run("injection", func(t *testing.T) {
		t.Parallel()
		// Octets pipelined after STARTTLS came in cleartext; they must not
		// be read as commands under TLS (RFC 3207, Section 4.2).
		ts := newTestServerWith(t, false, newTrustedAgent(t), ListenOptions{STARTTLS: testTLSConfig(t)})
		rc := ts.raw(t)
		if r := rc.must("EHLO client.example.net", "250"); !hasKeyword(r, "STARTTLS") {
			t.Errorf("STARTTLS not offered before TLS: %v", ehloKeywords(r))
		}
		rc.write([]byte("STARTTLS\r\nMAIL FROM:<evil@example.com>\r\n"))
		rc.expect("220 2.0.0")
		tc := tls.Client(rc.conn, &tls.Config{InsecureSkipVerify: true})
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		rc.conn, rc.text = tc, textproto.NewConn(tc)
		// The EHLO argument is forgotten: MAIL waits for a new EHLO.
		rc.must("MAIL FROM:<a@example.org>", "503 5.5.1")
		if r := rc.must("EHLO client.example.net", "250"); hasKeyword(r, "STARTTLS") {
			t.Error("STARTTLS offered under TLS (RFC 3207, Section 4.2)")
		}
		rc.must("RCPT TO:<b@example.net>", "503 5.5.1") // the injected MAIL never ran
		rc.must("STARTTLS", "503 5.5.1")
		rc.transaction()
		rc.sendData(trustedHeader + "hi\r\n")
		got := ts.delivered(t, 1)
		if got[0].msg.Conn.TLS == nil {
			t.Error("Message.Conn.TLS = nil after STARTTLS")
		}
		if !bytes.Contains(got[0].data, []byte("with ESMTPS")) {
			t.Errorf("Received does not say ESMTPS (RFC 3848):\n%s", got[0].data)
		}
	})
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		ts := newTestServerWith(t, false, newTrustedAgent(t), ListenOptions{STARTTLS: testTLSConfig(t)})
		rc := ts.raw(t)
		rc.must("EHLO client.example.net", "250")
		rc.must("STARTTLS now", "501 5.5.4")
		rc.must("MAIL FROM:<a@example.org>", "250 2.0.0")
		rc.must("STARTTLS", "503 5.5.1") // inside a transaction
		rc.must("RSET", "250 2.0.0")
		rc.startTLS()
	})
	t.Run("not offered", func(t *testing.T) {
		t.Parallel()
		ts := newTestServerWith(t, false, newTrustedAgent(t), ListenOptions{}) // no STARTTLS
		rc := ts.raw(t)
		if r := rc.must("EHLO client.example.net", "250"); hasKeyword(r, "STARTTLS") {
			t.Errorf("STARTTLS offered without a TLS config: %v", ehloKeywords(r))
		}
		rc.must("STARTTLS", "502 5.5.1")
	})
}

// TestHELO: a HELO client is recorded as such (Received "with SMTP", RFC
// 3848); go-smtp alone does not say which greeting was used.
func TestHELO(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, false, newTrustedAgent(t), ListenOptions{})
	rc := ts.raw(t)
	rc.must("HELO client.example.net", "250 2.0.0")
	rc.transaction()
	rc.sendData(trustedHeader + "hi\r\n")
	got := ts.delivered(t, 1)
	if got[0].msg.Conn.ESMTP || !bytes.Contains(got[0].data, []byte("with SMTP")) {
		t.Errorf("HELO client: ESMTP %v, message:\n%s", got[0].msg.Conn.ESMTP, got[0].data)
	}
}

// TestImplicitTLS: a listener from tls.Listen (RFC 8314) gives msakit the
// TLS state, and STARTTLS is refused.
func TestImplicitTLS(t *testing.T) {
	t.Parallel()
	dlv := &memDeliverer{}
	be := NewBackend(newTestAgent(t), dlv, nil)
	srv := smtp.NewServer(be)
	be.Configure(srv)
	srv.Domain = testHost
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{testCert(t)}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(be.Listener(l, ListenOptions{}))
	}()
	t.Cleanup(func() {
		_ = l.Close()
		_ = srv.Close()
		<-done
	})
	c, err := smtp.DialTLS(l.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered on implicit TLS")
	}
	if err := c.Auth(plainClient(testUser, testPassword)); err != nil {
		t.Fatalf("AUTH PLAIN: %v", err)
	}
	if err := extest.Send(c, testFrom, nil, []string{"bob@example.net"}, nil, testMessage); err != nil {
		t.Fatalf("send: %v", err)
	}
	if got := dlv.all(); len(got) != 1 || got[0].msg.Conn.TLS == nil {
		t.Fatalf("delivered %+v, want one message with TLS state", got)
	}
}

// TestListenerRequired: a connection that did not come through
// Backend.Listener is refused at EHLO, so go-smtp never serves a session
// unguarded.
func TestListenerRequired(t *testing.T) {
	t.Parallel()
	be := NewBackend(newTrustedAgent(t), &memDeliverer{}, nil)
	srv := smtp.NewServer(be)
	be.Configure(srv)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = l.Close()
		_ = srv.Close()
		<-done
	})
	c, err := smtp.Dial(l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Hello("client.example.net")
	if code, enh := smtpCode(t, err); code != 421 || enh != "4.3.5" {
		t.Errorf("EHLO on an unguarded connection: %d %s, want 421 4.3.5", code, enh)
	}
}
