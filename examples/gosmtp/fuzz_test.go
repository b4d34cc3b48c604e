package gosmtp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/submission"
)

// loopbackConn makes a net.Pipe end look like a loopback TCP client, so
// that the fuzzed session comes from a trusted network and reaches DATA
// without TLS and AUTH.
type loopbackConn struct{ net.Conn }

func (loopbackConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2525}
}

// panicLog fails the fuzz target when go-smtp reports a recovered panic:
// go-smtp turns a panic in a handler into 421, which would hide it.
type panicLog struct {
	mu     sync.Mutex
	panics []string
}

func (p *panicLog) Printf(format string, v ...any) { p.record(fmt.Sprintf(format, v...)) }
func (p *panicLog) Println(v ...any)               { p.record(fmt.Sprintln(v...)) }
func (p *panicLog) record(s string) {
	if strings.Contains(s, "panic") && !panicInGoSMTP(s) {
		p.mu.Lock()
		p.panics = append(p.panics, s)
		p.mu.Unlock()
	}
}

// panicInGoSMTP reports whether the function that panicked, the first
// frame after "panic(" in the stack go-smtp logs, is go-smtp's own.
//
// go-smtp v0.25.1 has such a bug: after "Too many errors" it closes the
// connection, which drops the session, yet goes on handling the commands
// already buffered; a MAIL among them calls a nil Session (conn.go,
// handleMail). It recovers, answers 421 and logs; the adapter cannot
// prevent it, since no session exists any more. The seed
// testdata/fuzz/FuzzSession/dc6c5647c7c6550c replays it.
func panicInGoSMTP(stack string) bool {
	_, after, ok := strings.Cut(stack, "\npanic(")
	if !ok {
		return false
	}
	lines := strings.Split(after, "\n")
	// lines[0] is the rest of "panic(...)", lines[1] its file; then the
	// panicking function.
	return len(lines) > 2 && strings.HasPrefix(strings.TrimSpace(lines[2]), "github.com/emersion/go-smtp.")
}

// FuzzSession feeds arbitrary client bytes, after EHLO, to go-smtp with the
// adapter and msakit behind it. Properties: nothing panics, every session
// ends, and every message handed to the Deliverer passed msakit: it starts
// with msakit's Received field and has no bare CR or LF (RFC 5321, Section
// 2.3.8; the SMTP smuggling attacks), whatever DATA and BDAT framing the
// client tried.
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
	} {
		f.Add([]byte(s))
	}
	agent := newFuzzAgent(f)
	f.Fuzz(func(t *testing.T, input []byte) {
		for _, m := range runSession(t, agent, input) {
			if !bytes.HasPrefix(m.data, []byte("Received:")) {
				t.Errorf("delivered a message without msakit's Received field:\n%q", m.data)
			}
			if i := bareEOL(m.data); i >= 0 {
				t.Errorf("delivered a message with a bare CR or LF at %d:\n%q", i, m.data)
			}
		}
	})
}

// runSession sends EHLO and input over a pipe to a fresh go-smtp server
// with the adapter, closes the connection, waits for the session to end
// and returns what was delivered. It fails t on a recovered panic.
func runSession(t *testing.T, agent *submission.Agent, input []byte) []delivered {
	t.Helper()
	dlv := &memDeliverer{}
	be := NewBackend(agent, dlv, nil)
	srv := smtp.NewServer(be)
	be.Configure(srv)
	plog := &panicLog{}
	srv.ErrorLog = plog
	srv.Domain = testHost
	// No timeouts: go-smtp sets deadlines before each read, which fail on
	// the closed pipe before the buffered commands are handled.
	pl := newPipeListener()
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(pl)
	}()

	client, server := net.Pipe()
	pl.conns <- loopbackConn{server}
	_ = client.SetDeadline(time.Now().Add(10 * time.Second))
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		_, _ = io.Copy(io.Discard, client)
	}()
	_, _ = client.Write([]byte("EHLO fuzz.example\r\n"))
	_, _ = client.Write(input)
	_ = client.Close()
	<-drained

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("session did not end: %v", err)
	}
	<-served
	plog.mu.Lock()
	defer plog.mu.Unlock()
	if len(plog.panics) > 0 {
		t.Fatalf("panic while serving %q: %s", input, plog.panics[0])
	}
	return dlv.all()
}

// TestRunSession checks that the fuzz harness does reach the Deliverer, so
// that FuzzSession's properties are not vacuous, and that the smuggling
// seeds deliver nothing.
func TestRunSession(t *testing.T) {
	t.Parallel()
	agent := newFuzzAgent(t)
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
			if got := runSession(t, agent, []byte(tc.input)); len(got) != tc.want {
				t.Errorf("delivered %d messages, want %d", len(got), tc.want)
			}
		})
	}
}

// newFuzzAgent is the default profile, trusting loopback so that a fuzzed
// session can reach DATA without TLS.
func newFuzzAgent(t testing.TB) *submission.Agent {
	t.Helper()
	a, err := submission.New(submission.Config{
		Hostname: mustDomain(t, testHost),
		Trusted:  []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Chunking: true,
		Now:      func() time.Time { return time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
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

func TestPanicInGoSMTP(t *testing.T) {
	t.Parallel()
	frame := func(fn string) string {
		return "panic serving pipe: boom\ngoroutine 3 [running]:\nruntime/debug.Stack()\n\t/go/src/runtime/debug/stack.go:26 +0x5e\n" +
			"panic({0x81cd00?, 0xca6420?})\n\t/go/src/runtime/panic.go:860 +0x13a\n" + fn + "(0x1)\n\t/src/x.go:1 +0x1\n"
	}
	tests := []struct {
		name, stack string
		want        bool
	}{
		{name: "go-smtp", stack: frame("github.com/emersion/go-smtp.(*Conn).handleMail"), want: true},
		{name: "adapter", stack: frame("github.com/msakit/msakit/examples/gosmtp.(*Session).Mail"), want: false},
		{name: "msakit", stack: frame("github.com/msakit/msakit/submission.(*Session).Data"), want: false},
		{name: "no stack", stack: "panic serving pipe", want: false},
	}
	for _, tc := range tests {
		if got := panicInGoSMTP(tc.stack); got != tc.want {
			t.Errorf("%s: panicInGoSMTP = %v, want %v", tc.name, got, tc.want)
		}
	}
}
