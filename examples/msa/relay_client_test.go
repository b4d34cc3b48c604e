package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msakit/msakit/examples/internal/extest"
	"github.com/msakit/msakit/policy"
)

// replyClient is an smtpClient that reads its replies from in.
func replyClient(in string) *smtpClient {
	return &smtpClient{r: bufio.NewReaderSize(strings.NewReader(in), maxReplyLine)}
}

// TestReadReply: replies as RFC 5321, Section 4.2 writes them are read
// whole; one past a bound, without a code or changing its code is
// errBadReply; one cut short is io.ErrUnexpectedEOF.
func TestReadReply(t *testing.T) {
	t.Parallel()
	long := "250 " + strings.Repeat("x", maxReplyLine-6) + "\r\n" // maxReplyLine octets with CRLF
	many := strings.Repeat("250-x\r\n", maxReplyLines-1) + "250 x\r\n"
	tests := []struct {
		in   string
		code int
		text string
		err  error
	}{
		{"220 mta.example.org ESMTP\r\n", 220, "mta.example.org ESMTP", nil},
		{"250-mta.example.org\r\n250-PIPELINING\r\n250 SIZE 1000\r\n", 250, "mta.example.org\nPIPELINING\nSIZE 1000", nil},
		{"250-a\n250 b\n", 250, "a\nb", nil}, // bare LF, as net/textproto reads it
		{"354\r\n", 354, "", nil},
		{"250-\r\n250 x\r\n", 250, "\nx", nil},
		{long, 250, long[4 : len(long)-2], nil},
		{many, 250, strings.TrimSuffix(strings.Repeat("x\n", maxReplyLines), "\n"), nil},
		{"250 " + strings.Repeat("x", maxReplyLine-5) + "\r\n", 0, "", errBadReply},
		{"250 " + strings.Repeat("x", 1<<20), 0, "", errBadReply},
		{strings.Repeat("250-x\r\n", maxReplyLines) + "250 x\r\n", 0, "", errBadReply},
		{"250-a\r\n251 b\r\n", 0, "", errBadReply},
		{"hello\r\n", 0, "", errBadReply},
		{"25 x\r\n", 0, "", errBadReply},
		{"250x\r\n", 0, "", errBadReply},
		{"150 x\r\n", 0, "", errBadReply},
		{"650 x\r\n", 0, "", errBadReply},
		{"250-a\r\n", 0, "", io.ErrUnexpectedEOF},
		{"250 a", 0, "", io.ErrUnexpectedEOF},
		{"", 0, "", io.EOF},
	}
	for _, tc := range tests {
		code, text, err := replyClient(tc.in).readReply()
		shown := tc.in
		if len(shown) > 40 {
			shown = shown[:40] + "..."
		}
		if code != tc.code || text != tc.text || !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("readReply(%q) = %d, %.40q, %v; want %d, %.40q, %v", shown, code, text, err, tc.code, tc.text, tc.err)
		}
	}
}

// hostileUpstream serves one connection on loopback: it greets with
// greeting, then answers whatever the relay sends with answer, over and
// over (an endless stream when answer is repeated without limit). It
// returns the address and a function that reports whether the relay sent
// QUIT, once the relay has closed the connection.
func hostileUpstream(t *testing.T, greeting string, answer func(w io.Writer) error) (string, func() bool) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		quit bool
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(time.Minute))
		if _, err := io.WriteString(c, greeting); err != nil {
			return
		}
		go func() { // what the relay sends, until it closes
			sc := bufio.NewScanner(c)
			for sc.Scan() {
				if strings.EqualFold(sc.Text(), "QUIT") {
					mu.Lock()
					quit = true
					mu.Unlock()
				}
			}
		}()
		_ = answer(c)
		_, _ = io.Copy(io.Discard, c)
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
	})
	return l.Addr().String(), func() bool {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the relay did not close the connection to the hostile upstream")
		}
		mu.Lock()
		defer mu.Unlock()
		return quit
	}
}

// endless writes s again and again until the write fails.
func endless(s string) func(w io.Writer) error {
	b := []byte(strings.Repeat(s, max(1, 64<<10/len(s))))
	return func(w io.Writer) error {
		for {
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
	}
}

// once writes s.
func once(s string) func(w io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// An upstream that sends an endless line, endless lines or a malformed
// reply costs the relay a bounded read (maxReplyLine octets a line,
// maxReplyLines lines), not its memory: the relay gives up at once,
// closes without QUIT and answers the client 451 4.4.2, the upstream's
// fault being our outage (RFC 3463, Section 3.5). Without the bounds the
// relay read until the test's deadline.
func TestRelay_HostileUpstream(t *testing.T) {
	t.Parallel()
	const greet = "220 mta.example.org\r\n"
	tests := []struct {
		name     string
		greeting string
		answer   func(w io.Writer) error
		stage    string
	}{
		{"endless greeting line", "220 " + strings.Repeat("x", 1<<10), endless("x"), "greeting"},
		{"endless EHLO response", greet, endless("250-X-KEYWORD\r\n"), "EHLO"},
		{"endless EHLO line", greet, endless("250-X"), "EHLO"},
		{"code changes", greet, once("250-mta.example.org\r\n220 PIPELINING\r\n"), "EHLO"},
		{"no code", greet, once("hello there\r\n"), "EHLO"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, quitSent := hostileUpstream(t, tc.greeting, tc.answer)
			var logs extest.LockedBuffer
			r, err := newRelay(&relayOptions{relay: addr, spool: t.TempDir()}, "msa.example.org", slog.New(slog.NewTextHandler(io.MultiWriter(&logs, t.Output()), nil)))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			err = r.Deliver(ctx, fakeMessage(t, strings.NewReader(testMessage)))
			if reply, ok := errors.AsType[*policy.Reply](err); !ok || reply.Code != 451 || reply.EnhancedCode() != "4.4.2" {
				t.Errorf("Deliver: %v, want 451 4.4.2", err)
			}
			if l := logs.String(); !strings.Contains(l, "malformed reply") || !strings.Contains(l, "upstream_stage="+tc.stage) {
				t.Errorf("the malformed reply at %s is not logged:\n%s", tc.stage, l)
			}
			if quitSent() {
				t.Error("the relay sent QUIT after a malformed reply")
			}
		})
	}
}

// FuzzSplitEnhanced: splitEnhanced never panics; what it takes off is an
// enhanced status code of the reply's class (RFC 3463, Section 2) that
// starts the text, followed by a space or nothing; otherwise it leaves
// the text as it is.
func FuzzSplitEnhanced(f *testing.F) {
	for _, s := range []struct {
		code int
		msg  string
	}{
		{550, "5.1.1 No such user"},
		{451, "4.3.0 Try again\n4.3.0 later"},
		{250, "2.0.0"},
		{550, "4.1.1 wrong class"},
		{550, "5.+12.1 sign"},
		{550, "5.1234.1 long"},
		{550, "5..1 empty"},
		{250, "mta.example.org Hello"},
		{-150, "-1.0.0 x"},
	} {
		f.Add(s.code, s.msg)
	}
	f.Fuzz(func(t *testing.T, code int, msg string) {
		enh, text := splitEnhanced(code, msg)
		if enh == "" {
			if text != msg {
				t.Fatalf("splitEnhanced(%d, %q) = %q, %q: text changed without a code", code, msg, enh, text)
			}
			return
		}
		parts := strings.Split(enh, ".")
		if len(parts) != 3 || len(parts[0]) != 1 || int(parts[0][0]-'0') != code/100 {
			t.Fatalf("splitEnhanced(%d, %q) = %q: not of the class %d", code, msg, enh, code/100)
		}
		for _, p := range parts[1:] {
			if len(p) < 1 || len(p) > 3 || strings.ContainsFunc(p, func(r rune) bool { return r < '0' || r > '9' }) {
				t.Fatalf("splitEnhanced(%d, %q) = %q: %q is not 1 to 3 digits", code, msg, enh, p)
			}
		}
		if !strings.HasPrefix(msg, enh) || len(msg) > len(enh) && msg[len(enh)] != ' ' {
			t.Fatalf("splitEnhanced(%d, %q) = %q: not the start of the text", code, msg, enh)
		}
		if !strings.Contains(msg, "\n") && enh+" "+text != msg && !(text == "" && msg == enh) {
			t.Fatalf("splitEnhanced(%d, %q) = %q, %q: text is not the rest", code, msg, enh, text)
		}
	})
}

// FuzzEHLOResponse: whatever an upstream sends, reading it as a reply and
// its keywords stays within the bounds and never panics; the keywords are
// ehlo-keywords in upper case (RFC 5321, Section 4.1.1.1), one line each,
// and every line that starts with a keyword gives one.
func FuzzEHLOResponse(f *testing.F) {
	for _, s := range []string{
		"250-mta.example.org Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-auth PLAIN LOGIN\r\n250 8BITMIME\r\n",
		"250 mta.example.org\r\n",
		"250-x\n250-STARTTLS\n250 DSN\n",
		"250-x\r\n250--BAD\r\n250-GOOD-1 a b\r\n250 \r\n",
		"250-x\r\n251 y\r\n",
		"250-" + strings.Repeat("A", maxReplyLine) + "\r\n",
		strings.Repeat("250-K\r\n", maxReplyLines+1),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		code, msg, err := replyClient(string(in)).readReply()
		if err != nil {
			return
		}
		if code < 200 || code > 599 {
			t.Fatalf("readReply(%q): code %d", in, code)
		}
		lines := strings.Split(msg, "\n")
		if len(lines) > maxReplyLines || len(msg) > len(in) {
			t.Fatalf("readReply(%q): %d lines, %d octets of text", in, len(lines), len(msg))
		}
		for _, l := range lines {
			if len(l) > maxReplyLine {
				t.Fatalf("readReply(%q): a line of %d octets", in, len(l))
			}
		}
		ext := parseEHLO(msg)
		if len(ext) > len(lines)-1 {
			t.Fatalf("parseEHLO(%q): %d keywords from %d lines", msg, len(ext), len(lines)-1)
		}
		for k, v := range ext {
			if !isEHLOKeyword(k) || k != strings.ToUpper(k) || strings.Contains(v, "\n") {
				t.Fatalf("parseEHLO(%q): keyword %q, %q", msg, k, v)
			}
		}
		for _, l := range lines[1:] {
			k, _, _ := strings.Cut(l, " ")
			if isEHLOKeyword(k) {
				if _, ok := ext[strings.ToUpper(k)]; !ok {
					t.Fatalf("parseEHLO(%q): keyword %q of line %q missing", msg, k, l)
				}
			}
		}
		if bytes.Count(in, []byte("\n")) < len(lines) {
			t.Fatalf("readReply(%q): %d lines from fewer line ends", in, len(lines))
		}
	})
}
