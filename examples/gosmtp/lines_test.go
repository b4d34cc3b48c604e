package gosmtp

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// inStep checks that the session is still in step with the client after a
// refusal: NOOP is answered, and a good message is accepted and delivered.
func (rc *rawClient) inStep(ts *testServer, delivered int) {
	rc.t.Helper()
	rc.must("NOOP", "250 2.0.0")
	rc.transaction()
	rc.sendData(trustedHeader + "a good message after the refused one\r\n")
	ts.delivered(rc.t, delivered+1)
}

// TestLongDataLines: a DATA line of 1,999 octets or more reaches msakit,
// which refuses it with 554 5.6.0 (RFC 5321, Section 4.5.3.1.6; RFC 5322,
// Section 2.1.1), and the session stays in step. go-smtp's own line limit
// (2000 octets, MaxLineLength) made this 451 4.3.0, then "500 5.4.0 Too
// long line" and a dropped connection.
func TestLongDataLines(t *testing.T) {
	t.Parallel()
	from := "From: <a@example.org>\r\n"
	rest := "To: <b@example.net>\r\n\r\nbody\r\n"
	fold := strings.Repeat("(\r\n ", 5000) // 5000 nested comments on short lines
	tests := []struct{ name, msg string }{
		{name: "body line of 1999 octets", msg: trustedHeader + strings.Repeat("x", 1997) + "\r\n"},
		{name: "body line of 2 MB", msg: trustedHeader + strings.Repeat("x", 2<<20) + "\r\n"},
		{name: "header line of 2 MB", msg: "Subject: " + strings.Repeat("s", 2<<20) + "\r\n" + from + rest},
		{name: "From with 5000 nested comments", msg: "From: " + strings.Repeat("(", 5000) + strings.Repeat(")", 5000) + " <a@example.org>\r\n" + rest},
		{name: "From with 5000 nested comments, folded", msg: "From: " + fold + "<a@example.org>" + strings.Repeat(")", 5000) + "\r\n" + rest},
	}
	for _, tc := range tests {
		for _, mode := range connModes {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				ts, rc := trustedClient(t, mode)
				rc.transaction()
				rc.must("DATA", "354")
				rc.write(dotStuff(tc.msg))
				rc.expect("554 5.6.0")
				ts.delivered(t, 0)
				rc.inStep(ts, 0)
			})
		}
	}
}

// TestBDATChunkWithCommand: a BDAT chunk sent in the same write as its BDAT
// line is never split into lines; the reply is the one for the same chunk
// sent on its own. go-smtp's line limit counted the chunk octets read
// together with the BDAT line and answered "500 5.4.0 Too long line".
func TestBDATChunkWithCommand(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 2000) // no LF
	tests := []struct {
		name, body, chunk, want string
	}{
		{name: "2000 octets without LF", chunk: trustedHeader + long, want: "554 5.6.0"},
		{name: "BINARYMIME, 2000 octets without LF", body: " BODY=BINARYMIME", chunk: trustedHeader + long, want: "250 2.0.0"},
		{name: "900-octet lines", chunk: trustedHeader + strings.Repeat(strings.Repeat("y", 898)+"\r\n", 3), want: "250 2.0.0"},
	}
	for _, tc := range tests {
		for _, together := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/together=%v", tc.name, together), func(t *testing.T) {
				t.Parallel()
				ts, rc := trustedClient(t, "plain")
				rc.transaction(tc.body)
				cmd := fmt.Sprintf("BDAT %d LAST\r\n", len(tc.chunk))
				if together {
					rc.write([]byte(cmd + tc.chunk))
				} else {
					rc.write([]byte(cmd))
					rc.write([]byte(tc.chunk))
				}
				rc.expect(tc.want)
				n := 0
				if strings.HasPrefix(tc.want, "250") {
					n = 1
					if got := ts.delivered(t, 1); !bytes.HasSuffix(got[0].data, []byte(tc.chunk[len(trustedHeader)-2:])) {
						t.Errorf("delivered body differs from the chunk:\n%q", got[0].data)
					}
				}
				rc.inStep(ts, n)
			})
		}
	}
}

// TestNUL: a NUL octet in a DATA or BDAT message is refused with 554 5.6.0
// (RFC 2045, Section 2.7 and 2.8: not in 7bit or 8bit data); only
// BODY=BINARYMIME carries it (RFC 3030), delivered as sent.
func TestNUL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, verb, msg, want string
	}{
		{name: "7bit DATA body", verb: "DATA", msg: trustedHeader + "one\x00two\r\n", want: "554 5.6.0"},
		{name: "8BITMIME DATA body", body: " BODY=8BITMIME", verb: "DATA", msg: trustedHeader + "caf\xc3\xa9\x00\r\n", want: "554 5.6.0"},
		{name: "DATA header", verb: "DATA", msg: "Subject: a\x00b\r\n" + trustedHeader + "x\r\n", want: "554 5.6.0"},
		{name: "smuggling CRLF NUL . CRLF", verb: "DATA", msg: trustedHeader + "x\r\n\x00.\r\n" + smuggledTail, want: "554 5.6.0"},
		{name: "7bit BDAT", verb: "BDAT", msg: trustedHeader + "one\x00two\r\n", want: "554 5.6.0"},
		{name: "BINARYMIME BDAT", body: " BODY=BINARYMIME", verb: "BDAT", msg: trustedHeader + "one\x00two\r\n\x00", want: "250 2.0.0"},
	}
	for _, tc := range tests {
		for _, mode := range connModes {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				ts, rc := trustedClient(t, mode)
				rc.transaction(tc.body)
				if tc.verb == "DATA" {
					rc.must("DATA", "354")
					rc.write(dotStuff(tc.msg))
				} else {
					rc.write(fmt.Appendf(nil, "BDAT %d LAST\r\n%s", len(tc.msg), tc.msg))
				}
				rc.expect(tc.want)
				n := 0
				if strings.HasPrefix(tc.want, "250") {
					n = 1
					if got := ts.delivered(t, 1); !bytes.HasSuffix(got[0].data, []byte("one\x00two\r\n\x00")) {
						t.Errorf("BINARYMIME message not delivered as sent:\n%q", got[0].data)
					}
				} else {
					ts.delivered(t, 0)
				}
				rc.inStep(ts, n)
			})
		}
	}
}

// TestCommandLineBounds: command and AUTH lines are bounded by the guard
// (12288 octets, RFC 4954, Section 4), with the session in step; AUTH data
// that is not BASE64 is 501 5.5.2 (RFC 4954, Section 4), where go-smtp
// answered 454 4.7.0; a long but valid AUTH line reaches msakit, where
// go-smtp's own 2000-octet limit closed the connection.
func TestCommandLineBounds(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, false)
	rc := ts.raw(t)
	rc.startTLS()
	rc.must("NOOP "+strings.Repeat("x", 13000), "500 5.5.2")
	rc.must("NOOP", "250 2.0.0")
	rc.must("AUTH PLAIN !not-base64!", "501 5.5.2")
	rc.must("AUTH LOGIN", "334")
	rc.must("not base64!", "501 5.5.2")
	rc.must("AUTH LOGIN", "334")
	rc.must(strings.Repeat("QUFB", 3100), "500 5.5.6")
	rc.must("NOOP", "250 2.0.0")
	long := base64.StdEncoding.EncodeToString([]byte("\x00" + testUser + "\x00" + strings.Repeat("p", 6000)))
	rc.must("AUTH PLAIN "+long, "535 5.7.8")
	rc.authPlain()
}
