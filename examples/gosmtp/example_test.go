package gosmtp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/gosmtp"
	"github.com/msakit/msakit/submission"
)

// zeros is a fixed "random" source, so that the ids in the output are
// stable.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// Example runs msakit's RFC 6409 profile inside a go-smtp server on
// loopback. The client sits on a trusted network, so it may submit without
// AUTH (RFC 6409, Section 3.3); msakit adds the Received, Date and
// Message-ID fields and refuses an unqualified recipient domain.
func Example() {
	host, err := envelope.ParseDomain("msa.example.org")
	if err != nil {
		fmt.Println(err)
		return
	}
	agent, err := submission.New(submission.Config{
		Hostname: host,
		Trusted:  []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Chunking: true, // offer CHUNKING and BINARYMIME: go-smtp has BDAT
		Now:      func() time.Time { return time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC) },
		Random:   zeros{},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	queue := gosmtp.DeliverFunc(func(_ context.Context, m *gosmtp.Message) error {
		msg, err := io.ReadAll(m.Body)
		if err != nil {
			return err // msakit refused the body: store nothing
		}
		fmt.Printf("queued %s -> %s:\n%s", m.Transaction.From, m.Transaction.Recipients[0].Path,
			strings.ReplaceAll(string(msg), "\r\n", "\n"))
		return nil
	})
	be := gosmtp.NewBackend(agent, queue, nil)
	srv := smtp.NewServer(be)
	be.Configure(srv)
	srv.Domain = "msa.example.org"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	go func() { _ = srv.Serve(be.Listener(l, gosmtp.ListenOptions{})) }()
	defer srv.Close()

	c, err := smtp.Dial(l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	if err := c.Hello("client.example.net"); err != nil {
		fmt.Println(err)
		return
	}
	msg := "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: hello\r\n\r\nHi Bob.\r\n"
	err = c.SendMail("alice@example.org", []string{"bob@example.net"}, strings.NewReader(msg))
	fmt.Println("first message:", err)

	err = c.SendMail("alice@example.org", []string{"bob@sales"}, strings.NewReader(msg))
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		fmt.Println("second message:", se.Code, se.EnhancedCode)
	}
	// Output:
	// queued <alice@example.org> -> <bob@example.net>:
	// Received: from client.example.net ([127.0.0.1]) by msa.example.org with ESMTP
	//  id aaaaaaaaaaaaaaaaaaaa for <bob@example.net>;
	//  Mon, 23 Nov 2026 19:30:00 +0000
	// Message-ID: <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@msa.example.org>
	// Date: Mon, 23 Nov 2026 19:30:00 +0000
	// From: Alice <alice@example.org>
	// To: bob@example.net
	// Subject: hello
	//
	// Hi Bob.
	// first message: <nil>
	// second message: 554 [5 1 2]
}
