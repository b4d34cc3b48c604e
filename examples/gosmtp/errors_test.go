package gosmtp

import (
	"errors"
	"strings"
	"testing"

	"github.com/msakit/msakit/policy"
)

// TestRaw_TooManyErrors: a client refused DefaultMaxErrors (20) times gets
// 421 4.7.0 to its next command and the connection is closed (RFC 5321,
// Section 3.8); the 20th refusal itself is an ordinary reply, here one of
// the guard's own.
func TestRaw_TooManyErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, false)
	rc := ts.raw(t)
	rc.must("EHLO client.example.net", "250")
	for range DefaultMaxErrors - 1 {
		rc.must("MAIL FROM:<alice@example.org>", "530 5.7.0") // no AUTH (RFC 4954, Section 6)
	}
	for range DefaultMaxErrors {
		rc.must("NOOP", "250 2.0.0")
	}
	rc.must(strings.Repeat("X", maxLineLen), "500 5.5.2")
	rc.must("NOOP", "421 4.7.0")
	if rest := rc.rest(); rest != "" {
		t.Errorf("after 421 the server wrote %q", rest)
	}
}

// QUIT still gets its 221 after the limit.
func TestRaw_TooManyErrorsQuit(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, false, newTestAgent(t), ListenOptions{MaxErrors: 2})
	rc := ts.raw(t)
	rc.must("EHLO client.example.net", "250")
	rc.must("MAIL FROM:<alice@example.org>", "530 5.7.0")
	rc.must("MAIL FROM:<alice@example.org>", "530 5.7.0")
	rc.must("QUIT", "221 2.0.0")
}

// Every refusal counts, the guard's own (500 5.5.2 for a line too long)
// and msakit's; an accepted message starts the count again.
func TestRaw_TooManyErrorsResetByMessage(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, false, newTrustedAgent(t), ListenOptions{MaxErrors: 4})
	rc := ts.raw(t)
	rc.must("EHLO client.example.net", "250")
	rc.must("RCPT TO:<bob@example.net>", "503 5.5.1")     // go-smtp: no MAIL yet
	rc.must(strings.Repeat("X", maxLineLen), "500 5.5.2") // the guard: line too long
	rc.must("MAIL FROM:<alice@example.org>", "250 2.0.0")
	rc.must("RCPT TO:<bob@example.con>", "554 5.1.2") // msakit: not fully qualified
	rc.must("RCPT TO:<bob@example.net>", "250 2.0.0")
	rc.must("DATA", "354")
	rc.write(dotStuff(testMessage))
	rc.expect("250 2.0.0")
	for range 4 {
		rc.must("MAIL FROM:<alice@example.con>", "554 5.1.8")
	}
	rc.must("RSET", "421 4.7.0")
	rc.rest()
}

// go-smtp closes the connection after its fourth protocol error with
// "500 5.5.1 Too many errors"; the guard makes it the 421 4.7.0 of RFC
// 5321, Section 3.8.
func TestRaw_GoSMTPTooManyErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, false)
	rc := ts.raw(t)
	rc.must("EHLO client.example.net", "250")
	for range 3 {
		rc.must("XYZZY", "501 5.5.2")
	}
	rc.must("XYZZY", "501 5.5.2")
	rc.expect("421 4.7.0")
	rc.rest()
}

// A 451 4.3.0 (here the queue failing) or a 451 4.4.x (an upstream that
// cannot be reached, RFC 3463, Section 3.5) is the server's outage, not
// the client's error: it does not count.
func TestRaw_TooManyErrorsNotOurOutage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.New("the queue is down"), "451 4.3.0"},
		{&policy.Reply{Code: 451, Enhanced: "4.4.1", Text: "Upstream unreachable"}, "451 4.4.1"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			ts := newTestServerWith(t, false, newTrustedAgent(t), ListenOptions{MaxErrors: 2})
			ts.dlv.err = tc.err
			rc := ts.raw(t)
			rc.must("EHLO client.example.net", "250")
			for range 3 {
				rc.must("MAIL FROM:<alice@example.org>", "250 2.0.0")
				rc.must("RCPT TO:<bob@example.net>", "250 2.0.0")
				rc.must("DATA", "354")
				rc.write(dotStuff(testMessage))
				rc.expect(tc.want)
			}
			rc.must("MAIL FROM:<alice@example.con>", "554 5.1.8")
			rc.must("MAIL FROM:<alice@example.con>", "554 5.1.8")
			rc.must("NOOP", "421 4.7.0")
		})
	}
}
