package gosmtp

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// connModes are the two ways a submission client talks to the server on
// the STARTTLS port: in cleartext (here from a trusted network) and after
// STARTTLS (RFC 3207).
var connModes = []string{"plain", "starttls"}

// hello says EHLO and, in mode "starttls", starts TLS and says EHLO again.
func (rc *rawClient) hello(mode string) {
	rc.t.Helper()
	if mode == "starttls" {
		rc.startTLS()
		return
	}
	rc.must("EHLO client.example.net", "250")
}

// transaction opens a mail transaction of the trusted client; params
// (" BODY=8BITMIME") are added to MAIL.
func (rc *rawClient) transaction(params ...string) {
	rc.t.Helper()
	rc.must("MAIL FROM:<a@example.org>"+strings.Join(params, ""), "250 2.0.0")
	rc.must("RCPT TO:<b@example.net>", "250 2.0.0")
}

// eachMode runs test as a parallel subtest for each of connModes, with a
// trusted client that said hello in that mode.
func eachMode(t *testing.T, test func(t *testing.T, ts *testServer, rc *rawClient)) {
	t.Helper()
	for _, mode := range connModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ts, rc := trustedClient(t, mode)
			test(t, ts, rc)
		})
	}
}

// trustedClient serves the trusted agent on loopback with STARTTLS and
// returns the server and a raw client that said hello in mode.
func trustedClient(t *testing.T, mode string) (*testServer, *rawClient) {
	t.Helper()
	ts := newTestServerWith(t, false, newTrustedAgent(t), ListenOptions{STARTTLS: testTLSConfig(t)})
	rc := ts.raw(t)
	rc.hello(mode)
	return ts, rc
}

// sendData sends msg with DATA (dot-stuffed) and expects it accepted.
func (rc *rawClient) sendData(msg string) {
	rc.t.Helper()
	rc.must("DATA", "354")
	rc.write(dotStuff(msg))
	rc.expect("250 2.0.0")
}

// trustedHeader is a header msakit accepts from a trusted client.
const trustedHeader = "From: <a@example.org>\r\nTo: <b@example.net>\r\nSubject: test\r\n\r\n"

// smuggledTail is what a client sends after a stall or a fake end of data:
// the end of data and a complete second transaction.
const smuggledTail = ".\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n" +
	trustedHeader + "smuggled\r\n.\r\nQUIT\r\n"

// timeoutServer serves the trusted agent with short timeouts.
func timeoutServer(t *testing.T, command, data time.Duration) *testServer {
	t.Helper()
	return newTestServerWith(t, false, newTrustedAgent(t), ListenOptions{STARTTLS: testTLSConfig(t), CommandTimeout: command, DataTimeout: data})
}

// wantTimeoutClose reads the next reply, which must be 421 4.4.2 (RFC 5321,
// Section 4.2.2; RFC 3463, Section 3.5), sends late, and checks that the
// server wrote nothing more and closed the connection.
func (rc *rawClient) wantTimeoutClose(late string) {
	rc.t.Helper()
	if r := rc.read(); r.code != 421 || r.enhanced != "4.4.2" {
		rc.t.Fatalf("after the stall: %v, want 421 4.4.2", r)
	}
	_, _ = rc.conn.Write([]byte(late)) // may fail: the server has closed
	if rest := rc.rest(); rest != "" {
		rc.t.Errorf("after 421 the server wrote %q, want the connection closed", rest)
	}
}

// TestStalledData: a DATA or a BDAT chunk that stalls past the data
// timeout ends with 421 4.4.2 and a closed connection; what the client
// sends afterwards, a second transaction included, is never read. go-smtp
// v0.25.1 alone discarded the content up to the timeout and read the rest
// as commands.
func TestStalledData(t *testing.T) {
	t.Parallel()
	msg := trustedHeader + "the client stalls in the middle of a li"
	for _, tc := range []struct {
		verb, start, late string
	}{
		{verb: "DATA", start: "DATA\r\n", late: "ne\r\n" + smuggledTail},
		{verb: "BDAT", start: fmt.Sprintf("BDAT %d LAST\r\n", len(msg)+100),
			late: strings.Repeat("x", 100) + "MAIL FROM:<a@example.org>\r\nRCPT TO:<c@example.net>\r\nBDAT 9 LAST\r\nsmuggled\n"},
	} {
		for _, mode := range connModes {
			t.Run(tc.verb+"/"+mode, func(t *testing.T) {
				t.Parallel()
				ts := timeoutServer(t, 10*time.Second, 300*time.Millisecond)
				rc := ts.raw(t)
				rc.hello(mode)
				rc.transaction()
				rc.write([]byte(tc.start))
				if tc.verb == "DATA" {
					rc.expect("354")
				}
				rc.write([]byte(msg))
				rc.wantTimeoutClose(tc.late)
				ts.delivered(t, 0)
			})
		}
	}
}

// TestSlowSteadyUpload: the data timeout is per block (RFC 5321, Section
// 4.5.3.2.5): a message that trickles in for much longer than both
// timeouts, but never pauses longer than the data timeout, is accepted
// whole. go-smtp's ReadTimeout was one deadline for the whole DATA.
func TestSlowSteadyUpload(t *testing.T) {
	t.Parallel()
	for _, verb := range []string{"DATA", "BDAT"} {
		t.Run(verb, func(t *testing.T) {
			t.Parallel()
			const pieces, pause = 15, 150 * time.Millisecond // 2.25 s in all
			ts := timeoutServer(t, time.Second, time.Second)
			rc := ts.raw(t)
			rc.hello("plain")
			rc.transaction()
			line := strings.Repeat("0123456789", 7) + "\r\n"
			body := strings.Repeat(line, pieces)
			msg := trustedHeader + body
			if verb == "DATA" {
				rc.must("DATA", "354")
				rc.write([]byte(trustedHeader))
			} else {
				rc.write(fmt.Appendf(nil, "BDAT %d LAST\r\n%s", len(msg), trustedHeader))
			}
			for range pieces {
				time.Sleep(pause)
				rc.write([]byte(line))
			}
			if verb == "DATA" {
				rc.write([]byte(".\r\n"))
			}
			if r := rc.read(); r.code != 250 || r.enhanced != "2.0.0" {
				t.Fatalf("slow upload: %v, want 250 2.0.0", r)
			}
			if got := ts.delivered(t, 1); !strings.HasSuffix(string(got[0].data), "\r\n\r\n"+body) {
				t.Fatalf("delivered %q, want it to end with the body", got[0].data)
			}
			rc.must("QUIT", "221 2.0.0")
		})
	}
}

// TestPartialCommandLine: a command line without its CRLF when the command
// timeout fires is never run; the client gets 421 4.4.2 and the connection
// is closed. A client that drips a line octet by octet is dropped too: the
// timeout runs from the moment the server is ready for the line. go-smtp
// alone ran the partial line ("NOOP" got 250) and started a new deadline.
func TestPartialCommandLine(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	t.Run("stall", func(t *testing.T) {
		t.Parallel()
		ts := timeoutServer(t, timeout, timeout)
		rc := ts.raw(t)
		rc.hello("plain")
		rc.write([]byte("NOOP\r\nNOOP"))
		rc.expect("250 2.0.0")
		rc.wantTimeoutClose("\r\n")
	})
	t.Run("drip", func(t *testing.T) {
		t.Parallel()
		ts := timeoutServer(t, timeout, timeout)
		rc := ts.raw(t)
		rc.hello("plain")
		for _, c := range []byte("NOOP") {
			_, _ = rc.conn.Write([]byte{c}) // fails once the server closed
			time.Sleep(timeout / 3)
		}
		rc.wantTimeoutClose("\r\n")
	})
	for _, mode := range connModes {
		t.Run("BDAT LAST/"+mode, func(t *testing.T) {
			t.Parallel()
			// The partial line would complete a message: it must not.
			ts := timeoutServer(t, timeout, timeout)
			rc := ts.raw(t)
			rc.hello(mode)
			rc.transaction()
			msg := trustedHeader + "body\r\n"
			rc.write(fmt.Appendf(nil, "BDAT %d\r\n%s", len(msg), msg))
			rc.expect("250 2.0.0")
			rc.write([]byte("BDAT 0 LAST"))
			rc.wantTimeoutClose("\r\n")
			ts.delivered(t, 0)
		})
	}
}
