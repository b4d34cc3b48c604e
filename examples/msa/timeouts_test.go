package main

import (
	"errors"
	"io"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/examples/internal/msaconfig"
)

func TestParseFlags_Timeouts(t *testing.T) {
	t.Parallel()
	l, err := configure(nil)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 5321, Section 4.5.3.2.7 and 4.5.3.2.5.
	if l.CommandTimeout.Duration() != 5*time.Minute || l.DataTimeout.Duration() != 3*time.Minute {
		t.Errorf("default timeouts %v, %v; want 5m, 3m", l.CommandTimeout, l.DataTimeout)
	}
	l, err = configure([]string{"-command-timeout", "90s", "-data-timeout", "2m30s"})
	if err != nil {
		t.Fatal(err)
	}
	if l.CommandTimeout.Duration() != 90*time.Second || l.DataTimeout.Duration() != 150*time.Second {
		t.Errorf("timeouts %v, %v; want 1m30s, 2m30s", l.CommandTimeout, l.DataTimeout)
	}
	for _, args := range [][]string{
		{"-command-timeout", "0"},
		{"-data-timeout", "-1s"},
		{"-data-timeout", "3"}, // no unit
		{"-command-timeout", "soon"},
	} {
		if _, err := configure(args); !errors.Is(err, msaconfig.ErrUsage) {
			t.Errorf("configure(%q) = %v; want msaconfig.ErrUsage", args, err)
		}
	}
}

// rawSession dials addr, reads the greeting and says EHLO; the client is on
// a -trusted network, so it may submit without TLS and AUTH.
func rawSession(t *testing.T, addr string) (net.Conn, *textproto.Conn) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	tc := textproto.NewConn(c)
	if _, _, err := tc.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	if err := tc.PrintfLine("EHLO client.example.net"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tc.ReadResponse(250); err != nil {
		t.Fatal(err)
	}
	return c, tc
}

// wantClosedAfter421 reads one reply line, which must be 421 4.4.2, and
// checks that the server then closes the connection without another reply.
func wantClosedAfter421(t *testing.T, c net.Conn, tc *textproto.Conn) {
	t.Helper()
	line, err := tc.ReadLine()
	if err != nil || !strings.HasPrefix(line, "421 4.4.2 ") {
		t.Fatalf("after the stall: %q, %v; want 421 4.4.2", line, err)
	}
	_, _ = c.Write([]byte("\r\n.\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n")) // never read
	if rest, err := io.ReadAll(tc.R); len(rest) > 0 {
		t.Errorf("after 421 the server wrote %q (%v), want the connection closed", rest, err)
	}
}

// TestMSA_Timeouts: the two flags reach the server. A DATA that stalls past
// -data-timeout and a command line left without CRLF past -command-timeout
// end with 421 4.4.2 and a closed connection, and nothing is spooled.
func TestMSA_Timeouts(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t, "-trusted", "127.0.0.0/8", "-command-timeout", "1s", "-data-timeout", "300ms")

	c, tc := rawSession(t, m.addr)
	for _, line := range []string{"MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.net>"} {
		if err := tc.PrintfLine("%s", line); err != nil {
			t.Fatal(err)
		}
		if _, _, err := tc.ReadResponse(250); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	if err := tc.PrintfLine("DATA"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tc.ReadResponse(354); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Write([]byte("From: <alice@example.org>\r\n\r\nthe client stalls here"))
	wantClosedAfter421(t, c, tc)

	c, tc = rawSession(t, m.addr)
	_, _ = c.Write([]byte("QUIT")) // no CRLF
	wantClosedAfter421(t, c, tc)

	if msgs := readSpool(t, spool); len(msgs) != 0 {
		t.Errorf("spool holds %d messages, want none", len(msgs))
	}
}
