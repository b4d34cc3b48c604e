package gosmtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/examples/internal/extest"
)

// passThrough is the baseline: a go-smtp session that checks nothing and
// reads DATA to io.Discard. It accepts AUTH PLAIN so the client does the
// same work against both servers.
type passThrough struct{}

var _ smtp.AuthSession = passThrough{}

func (passThrough) Reset()                               {}
func (passThrough) Logout() error                        { return nil }
func (passThrough) Mail(string, *smtp.MailOptions) error { return nil }
func (passThrough) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (passThrough) AuthMechanisms() []string             { return []string{sasl.Plain} }
func (passThrough) Data(r io.Reader) error               { _, err := io.Copy(io.Discard, r); return err }
func (passThrough) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != testUser || password != testPassword {
			return errors.New("invalid credentials")
		}
		return nil
	}), nil
}

// discard is the msakit side's Deliverer: read the message, keep nothing.
var discard = DeliverFunc(func(_ context.Context, m *Message) error {
	_, err := io.Copy(io.Discard, m.Body)
	return err
})

// benchMessage returns a message of about size octets: a typical mail
// client header and 76-octet body lines.
func benchMessage(size int) string {
	var b strings.Builder
	b.WriteString("From: Alice <alice@example.org>\r\n" +
		"To: Bob <bob@example.net>, Carol <carol@example.net>\r\n" +
		"Subject: Quarterly figures, second draft\r\n" +
		"Date: Mon, 23 Nov 2026 19:00:00 +0000\r\n" +
		"Message-ID: <20261123190000.4711@example.org>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n" +
		"User-Agent: bench/1.0\r\n" +
		"\r\n")
	line := strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 2)[:76] + "\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return b.String()
}

// benchServer serves be over implicit TLS on loopback and returns a client
// that is logged in. With adapter set (be itself), the server is configured
// and served through it, as a user of this package does.
func benchServer(b *testing.B, be smtp.Backend, adapter *Backend) *smtp.Client {
	b.Helper()
	srv := smtp.NewServer(be)
	srv.Domain = testHost
	srv.ErrorLog = errorLog{discardLogger()}
	var l net.Listener
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{testCert(b)}})
	if err != nil {
		b.Fatal(err)
	}
	if adapter != nil {
		adapter.Configure(srv)
		l = adapter.Listener(l, ListenOptions{})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	b.Cleanup(func() {
		_ = l.Close() // see newTestServer
		_ = srv.Close()
		<-done
	})
	c, err := smtp.DialTLS(l.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	if err := c.Auth(plainClient(testUser, testPassword)); err != nil {
		b.Fatalf("AUTH: %v", err)
	}
	return c
}

// BenchmarkEndToEnd measures messages per second through go-smtp over
// loopback TLS: the same go-smtp server and the same go-smtp client, once
// with a pass-through backend and once with msakit's default profile
// through this adapter. Each iteration is one transaction: MAIL, RCPT,
// DATA. See examples/BENCHMARKS.md.
func BenchmarkEndToEnd(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		msg := benchMessage(size)
		name := fmt.Sprintf("%dKiB", size>>10)
		b.Run("passthrough/"+name, func(b *testing.B) {
			c := benchServer(b, smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return passThrough{}, nil }), nil)
			benchSend(b, c, msg)
		})
		b.Run("msakit/"+name, func(b *testing.B) {
			be := NewBackend(newTestAgent(b), discard, nil)
			c := benchServer(b, be, be)
			benchSend(b, c, msg)
		})
	}
}

func benchSend(b *testing.B, c *smtp.Client, msg string) {
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	start := time.Now()
	n := 0
	for b.Loop() {
		if err := extest.Send(c, testFrom, nil, []string{"bob@example.net"}, nil, msg); err != nil {
			b.Fatalf("send: %v", err)
		}
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkEndToEndPaired sends each iteration's message once through the
// pass-through server and once through the msakit server, alternating on
// two open connections, and times each side on its own. Both sides see the
// same machine load at the same moment, so the ratio holds on a noisy
// machine where two separate benchmarks drift apart. It reports the median
// msgs/s of each side and the median of msakit's per-pair overhead, in
// percent of the pass-through time.
func BenchmarkEndToEndPaired(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		msg := benchMessage(size)
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			pass := benchServer(b, smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return passThrough{}, nil }), nil)
			be := NewBackend(newTestAgent(b), discard, nil)
			msa := benchServer(b, be, be)
			b.ReportAllocs()
			b.SetBytes(int64(2 * len(msg)))
			var passTimes, msaTimes, ratios []float64
			for b.Loop() {
				t0 := time.Now()
				if err := extest.Send(pass, testFrom, nil, []string{"bob@example.net"}, nil, msg); err != nil {
					b.Fatalf("pass-through: %v", err)
				}
				t1 := time.Now()
				if err := extest.Send(msa, testFrom, nil, []string{"bob@example.net"}, nil, msg); err != nil {
					b.Fatalf("msakit: %v", err)
				}
				p, m := t1.Sub(t0).Seconds(), time.Since(t1).Seconds()
				passTimes, msaTimes, ratios = append(passTimes, p), append(msaTimes, m), append(ratios, m/p)
			}
			// Medians: a scheduling hiccup of a few milliseconds on one side
			// would dominate sums.
			b.ReportMetric(1/extest.Median(passTimes), "pass-msgs/s")
			b.ReportMetric(1/extest.Median(msaTimes), "msakit-msgs/s")
			b.ReportMetric(100*(extest.Median(ratios)-1), "overhead-%")
		})
	}
}
