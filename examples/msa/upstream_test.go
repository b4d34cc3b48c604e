package main

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// upstream is a go-smtp server the relay tests forward to: it records what
// it gets and answers as told. go-smtp always offers 8BITMIME and
// CHUNKING; the 7-bit upstream is testdata/relay_upstream.py.
type upstream struct {
	password string                     // offer AUTH PLAIN for relayUser with this password when not ""
	refuse   map[string]*smtp.SMTPError // the reply to "MAIL", "RCPT" or "DATA" instead of 250

	mu    sync.Mutex
	tls   bool   // the transaction ran under TLS
	user  string // who authenticated
	from  string
	mopts smtp.MailOptions
	to    []string
	ropts []smtp.RcptOptions
	data  []byte
}

// relayUser is the name the relay authenticates as in the tests.
const relayUser = "msa-relay"

type upstreamSession struct {
	u *upstream
	c *smtp.Conn
}

var (
	_ smtp.Session     = upstreamSession{}
	_ smtp.AuthSession = upstreamSession{}
)

func (s upstreamSession) Reset()        {}
func (s upstreamSession) Logout() error { return nil }

func (s upstreamSession) AuthMechanisms() []string {
	if s.u.password == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s upstreamSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != relayUser || password != s.u.password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Bad credentials"}
		}
		s.u.mu.Lock()
		s.u.user = user
		s.u.mu.Unlock()
		return nil
	}), nil
}

func (s upstreamSession) Mail(from string, o *smtp.MailOptions) error {
	s.u.mu.Lock()
	defer s.u.mu.Unlock()
	if e := s.u.refuse["MAIL"]; e != nil {
		return e
	}
	_, s.u.tls = s.c.TLSConnectionState()
	s.u.from = from
	s.u.mopts = *o
	return nil
}

func (s upstreamSession) Rcpt(to string, o *smtp.RcptOptions) error {
	s.u.mu.Lock()
	defer s.u.mu.Unlock()
	if e := s.u.refuse["RCPT"]; e != nil {
		return e
	}
	s.u.to = append(s.u.to, to)
	s.u.ropts = append(s.u.ropts, *o)
	return nil
}

func (s upstreamSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.u.mu.Lock()
	defer s.u.mu.Unlock()
	if e := s.u.refuse["DATA"]; e != nil {
		return e
	}
	s.u.data = b
	return err
}

// got returns what the upstream received, under its lock.
func (u *upstream) got() (from string, data []byte) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.from, u.data
}

// startUpstream serves up (nil: a plain one) on a local port and returns
// it and its address; mod sets the server's options.
func startUpstream(t *testing.T, up *upstream, mod func(*smtp.Server)) (*upstream, string) {
	t.Helper()
	if up == nil {
		up = &upstream{}
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return upstreamSession{up, c}, nil }))
	srv.Domain = "mta.example.org"
	srv.ErrorLog = slogPrinter{}
	srv.AllowInsecureAuth = true
	if mod != nil {
		mod(srv)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		_ = l.Close() // go-smtp registers l from Serve's goroutine; see shutdown
		_ = srv.Close()
	})
	return up, l.Addr().String()
}

type slogPrinter struct{}

func (slogPrinter) Printf(string, ...any) {}
func (slogPrinter) Println(...any)        {}

// upstreamTLS returns a TLS configuration for an upstream on 127.0.0.1 and
// the path of a PEM file that makes its certificate trusted (-relay-ca).
func upstreamTLS(t *testing.T) (*tls.Config, string) {
	t.Helper()
	cert, err := selfSigned("mta.example.org", time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "upstream-ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, ca
}

// wantSMTPError fails unless err is an SMTP reply with code and enhanced.
func wantSMTPError(t *testing.T, what string, err error, code int, enhanced smtp.EnhancedCode) {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != code || se.EnhancedCode != enhanced {
		t.Errorf("%s: %v, want %d %d.%d.%d", what, err, code, enhanced[0], enhanced[1], enhanced[2])
	}
}
