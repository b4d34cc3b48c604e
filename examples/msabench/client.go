package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// The bench user examples/msa is started with; its password is in no
// command line of a real deployment, only of this benchmark.
const (
	benchUser     = "bench"
	benchPassword = "bench-password"
	benchFrom     = "bench@example.org"
	benchRcpt     = "rcpt@example.net"
)

// driver sends messages over concurrent sessions, like smtp-source -s N.
type driver struct {
	addr string
	auth bool // STARTTLS + AUTH PLAIN before the first message
	size int  // octets per message
}

// run opens sessions connections and sends total messages over them, one
// transaction at a time per connection. It fails on the first refused
// command: the benchmark counts accepted messages only.
func (d *driver) run(ctx context.Context, sessions, total int) error {
	msg := message(d.size)
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		firstErr error
		errOnce  sync.Once
	)
	fail := func(err error) { errOnce.Do(func() { firstErr = err }) }
	for range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := d.dial(ctx)
			if err != nil {
				fail(err)
				return
			}
			defer c.Close()
			for next.Add(1) <= int64(total) {
				if ctx.Err() != nil {
					fail(ctx.Err())
					return
				}
				if err := send(c, msg); err != nil {
					fail(err)
					return
				}
			}
			_ = c.Quit()
		}()
	}
	wg.Wait()
	return firstErr
}

// dial opens one session: EHLO, and in auth mode STARTTLS, EHLO and AUTH.
func (d *driver) dial(ctx context.Context) (*smtp.Client, error) {
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		return nil, err
	}
	var c *smtp.Client
	if d.auth {
		// The server's certificate is self-signed; what is measured is the
		// cost of TLS, not the trust in it.
		c, err = smtp.NewClientStartTLS(conn, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // benchmark against a local self-signed server
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("STARTTLS: %w", err)
		}
	} else {
		c = smtp.NewClient(conn)
	}
	if err := c.Hello("bench.example.org"); err != nil {
		c.Close()
		return nil, fmt.Errorf("EHLO: %w", err)
	}
	if d.auth {
		if err := c.Auth(sasl.NewPlainClient("", benchUser, benchPassword)); err != nil {
			c.Close()
			return nil, fmt.Errorf("AUTH: %w", err)
		}
	}
	return c, nil
}

// send runs one transaction.
func send(c *smtp.Client, msg []byte) error {
	if err := c.Mail(benchFrom, nil); err != nil {
		return fmt.Errorf("MAIL: %w", err)
	}
	if err := c.Rcpt(benchRcpt, nil); err != nil {
		return fmt.Errorf("RCPT: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of data: %w", err)
	}
	return nil
}

// message returns a complete message of about size octets: a header such as
// a mail client writes, and a body of 72-character lines.
func message(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: Bench <" + benchFrom + ">\r\n")
	b.WriteString("To: <" + benchRcpt + ">\r\n")
	b.WriteString("Subject: msabench\r\n")
	b.WriteString("Date: " + time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC).Format(time.RFC1123Z) + "\r\n")
	b.WriteString("Message-ID: <msabench.1@bench.example.org>\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
	line := strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyz", 2) + "\r\n"
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	return b.Bytes()
}
