package gosmtp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/submission"
)

// memConn is one end of an in-memory connection. Unlike net.Pipe, the
// client can shut down its writing half (CloseWrite), as TCP can: the
// server then reads io.EOF after the last octet the client wrote, and its
// replies still reach the client. Its peer is loopback, a trusted network
// for newTrustedAgent, so a fuzzed session reaches DATA without TLS and AUTH.
// Deadlines are not supported (the guard's timeouts are tested over TCP).
type memConn struct {
	r *io.PipeReader
	w *io.PipeWriter
}

func memPipe() (client, server *memConn) {
	cr, sw := io.Pipe()
	sr, cw := io.Pipe()
	return &memConn{r: cr, w: cw}, &memConn{r: sr, w: sw}
}

func (c *memConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *memConn) Write(p []byte) (int, error) { return c.w.Write(p) }
func (c *memConn) CloseWrite() error           { return c.w.Close() }
func (c *memConn) Close() error {
	_ = c.w.Close()
	return c.r.Close()
}
func (c *memConn) LocalAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 587} }
func (c *memConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2525}
}
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// panicLog fails the fuzz target when go-smtp reports a recovered panic:
// go-smtp turns a panic in a handler into 421, which would hide it.
//
// The seed testdata/fuzz/FuzzSession/dc6c5647c7c6550c replays one that
// go-smtp v0.25.1 had: after "Too many errors" it closed the connection,
// which drops the session, yet went on with the commands it had already
// buffered; a MAIL among them called a nil Session (conn.go, handleMail).
// Through the adapter's Listener go-smtp never holds more than one command
// line, so nothing is left to handle after the close.
type panicLog struct {
	mu     sync.Mutex
	panics []string
}

func (p *panicLog) Printf(format string, v ...any) { p.record(fmt.Sprintf(format, v...)) }
func (p *panicLog) Println(v ...any)               { p.record(fmt.Sprintln(v...)) }
func (p *panicLog) record(s string) {
	if strings.Contains(s, "panic") {
		p.mu.Lock()
		p.panics = append(p.panics, s)
		p.mu.Unlock()
	}
}

// FuzzSession feeds arbitrary client bytes, after EHLO, to go-smtp through
// the adapter's Listener, with msakit behind it. Properties: nothing
// panics, every session ends, no reply carries 4.3.0 (a client's fault is a
// 5xx, DESIGN.md), and every message handed to the Deliverer passed msakit:
// it starts with msakit's Received field and has no bare CR or LF (RFC
// 5321, Section 2.3.8; the SMTP smuggling attacks), whatever DATA and BDAT
// framing the client tried. It runs in memory, thousands of sessions a
// second, so a short run fits in CI:
//
//	go test -run '^$' -fuzz FuzzSession -fuzztime 30s ./examples/gosmtp
func FuzzSession(f *testing.F) {
	hdr := "From: <a@example.org>\r\nTo: <b@example.net>\r\nDate: Mon, 23 Nov 2026 19:00:00 +0000\r\nMessage-ID: <x@example.org>\r\n\r\n"
	for _, s := range []string{
		"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n" + hdr + "hello\r\n.\r\nQUIT\r\n",
		"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n" + hdr + "x\n.\nMAIL FROM:<evil@example.com>\r\n.\r\n",
		"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n" + hdr + "x\r\n.\nRCPT TO:<c@example.com>\r\n.\r\n",
		"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n" + hdr + "x\r.\rDATA\r\n.\r\n",
		"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT 10\r\n" + hdr[:10] + "BDAT " + fmt.Sprint(len(hdr)-10+5) + " LAST\r\n" + hdr[10:] + "hi\nx",
		"MAIL FROM:<a@example.org> BODY=BINARYMIME\r\nRCPT TO:<\"a b\"@example.net>\r\nBDAT 3 LAST\r\nabc",
		"MAIL FROM:<> SMTPUTF8\r\nRCPT TO:<jörg@bücher.example>\r\nRSET\r\nEHLO again.example\r\nMAIL FROM:<a@example.org>\r\n",
		"AUTH PLAIN AGFsaWNlAHg=\r\nAUTH LOGIN\r\n*\r\nSTARTTLS\r\n",
		"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT 0\r\n",
		"MAIL FROM:<a@example.org>\r\nRCPT TO:<Postmaster>\r\nRCPT TO:<\"c..d\"@example.net>\r\nRCPT TO:<c..d@example.net>\r\n",
		"MAIL FROM:<a@example.org> SIZE=99999999999 FOO=1\r\nBDAT 5x\r\n",
	} {
		f.Add([]byte(s))
	}
	for _, end := range smugglingEnds {
		f.Add([]byte("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n" + hdr + "x" + end + smuggledMessage))
	}
	agent := newTrustedAgent(f)
	f.Fuzz(func(t *testing.T, input []byte) {
		s := runSession(t, agent, input)
		if line := s.localErrorReply(); line != "" {
			t.Errorf("client input produced %q", line)
		}
		for _, m := range s.delivered {
			if !bytes.HasPrefix(m.data, []byte("Received:")) {
				t.Errorf("delivered a message without msakit's Received field:\n%q", m.data)
			}
			if i := bareEOL(m.data); i >= 0 {
				t.Errorf("delivered a message with a bare CR or LF at %d:\n%q", i, m.data)
			}
		}
	})
}

// session is what runSession saw: the messages delivered and every octet
// the server wrote to the client.
type session struct {
	delivered []delivered
	replies   []byte
}

// localErrorReply returns the first reply line of s that carries the
// enhanced code 4.3.0, "" if none: an outage of ours, which no client input
// may cause (RFC 6409, Section 4.1; DESIGN.md).
func (s session) localErrorReply() string {
	for line := range strings.Lines(string(s.replies)) {
		if len(line) > 9 && line[4:9] == "4.3.0" {
			return line
		}
	}
	return ""
}

// runSession sends EHLO and input to a fresh go-smtp server with the
// adapter, through its Listener, shuts down the client's writing half, and
// reads the replies until the server closes the connection. It fails t on
// a recovered panic or when the session does not end.
func runSession(t *testing.T, agent *submission.Agent, input []byte) session {
	t.Helper()
	dlv := &memDeliverer{}
	be := NewBackend(agent, dlv, nil)
	srv := smtp.NewServer(be)
	be.Configure(srv)
	plog := &panicLog{}
	srv.ErrorLog = plog
	srv.Domain = testHost
	pl := newPipeListener()
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(be.Listener(pl, ListenOptions{}))
	}()

	client, server := memPipe()
	pl.conns <- server
	go func() {
		_, _ = client.Write([]byte("EHLO fuzz.example\r\n"))
		_, _ = client.Write(input)
		_ = client.CloseWrite()
	}()
	var s session
	read := make(chan error, 1)
	go func() {
		var err error
		s.replies, err = io.ReadAll(client.r)
		read <- err
	}()
	select {
	case <-read:
	case <-time.After(10 * time.Second):
		_ = client.Close()
		t.Fatalf("session did not end; replies so far:\n%s", s.replies)
	}
	_ = client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = pl.Close() // see newTestServer
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("session did not end: %v", err)
	}
	<-served
	plog.mu.Lock()
	defer plog.mu.Unlock()
	if len(plog.panics) > 0 {
		t.Fatalf("panic while serving %q: %s", input, plog.panics[0])
	}
	s.delivered = dlv.all()
	return s
}

// TestRunSession checks that the fuzz harness does reach the Deliverer, so
// that FuzzSession's properties are not vacuous, and that the smuggling
// seeds deliver nothing.
func TestRunSession(t *testing.T) {
	t.Parallel()
	agent := newTrustedAgent(t)
	hdr := "From: <a@example.org>\r\nTo: <b@example.net>\r\n\r\n"
	tests := []struct {
		name  string
		input string
		want  int
	}{
		{name: "DATA", input: "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n" + hdr + "hi\r\n.\r\n", want: 1},
		{name: "BDAT", input: fmt.Sprintf("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT %d LAST\r\n%shi\r\n", len(hdr)+4, hdr), want: 1},
		{name: "smuggled LF.LF", input: "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n" + hdr +
			"x\n.\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n" + hdr + "evil\r\n.\r\n", want: 0},
		{name: "smuggled CR.CR", input: "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n" + hdr + "x\r.\rMAIL FROM:<evil@example.com>\r\n.\r\n", want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := runSession(t, agent, []byte(tc.input))
			if n := len(got.delivered); n != tc.want {
				t.Errorf("delivered %d messages, want %d; replies:\n%s", n, tc.want, got.replies)
			}
		})
	}
}

// bareEOL returns the offset of the first CR not followed by LF or LF not
// preceded by CR, or -1.
func bareEOL(b []byte) int {
	for i, c := range b {
		switch {
		case c == '\r' && (i+1 >= len(b) || b[i+1] != '\n'):
			return i
		case c == '\n' && (i == 0 || b[i-1] != '\r'):
			return i
		}
	}
	return -1
}
