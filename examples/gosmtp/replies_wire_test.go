package gosmtp

import (
	"testing"
)

// TestSequenceAndParameterReplies: the codes go-smtp chose itself, turned
// into the ones RFC 5321 gives: 503 for a command out of sequence (Section
// 4.2.4; RFC 3030, Section 3 for DATA after BODY=BINARYMIME) where go-smtp
// says 502, 555 for a MAIL or RCPT parameter not recognized or not
// implemented (Section 4.1.1.11) where it says 500 or 504, 501 for a
// malformed parameter value and for AUTH without a mechanism, 552 for a
// SIZE above what go-smtp can count (RFC 1870, Section 6.1).
func TestSequenceAndParameterReplies(t *testing.T) {
	t.Parallel()
	ts := newTestServerWith(t, false, newTrustedAgent(t), ListenOptions{})
	rc := ts.raw(t)
	rc.must("MAIL FROM:<a@example.org>", "503 5.5.1") // before EHLO
	rc.must("AUTH PLAIN", "503 5.5.1")
	rc.must("EHLO client.example.net", "250")
	rc.must("RCPT TO:<b@example.net>", "503 5.5.1")
	rc.must("DATA", "503 5.5.1")
	rc.write([]byte("BDAT 3\r\nabc"))
	rc.expect("503 5.5.1") // and the chunk is read, not run
	rc.must("AUTH", "501 5.5.4")
	rc.must("HELP", "502 5.5.1") // not implemented: 502 is right
	rc.must("MAIL FROM:<a@example.org> FOO=bar", "555 5.5.4")
	rc.must("MAIL FROM:<a@example.org> MT-PRIORITY=1", "555 5.5.4") // not enabled
	rc.must("MAIL FROM:<a@example.org> AUTH=+Z", "501 5.5.4")
	rc.must("MAIL FROM:<a@example.org> SIZE=5000000000", "552 5.3.4")
	rc.must("MAIL FROM:<a@example.org> SIZE=40000000", "552 5.3.4") // over msakit's 32 MiB
	rc.must("MAIL FROM:<a@example.org> BODY=BINARYMIME", "250 2.0.0")
	rc.must("RCPT TO:<b@example.net> FOO=1", "555 5.5.4")
	rc.must("RCPT TO:<b@example.net>", "250 2.0.0")
	rc.must("DATA", "503 5.5.1") // BINARYMIME needs BDAT
	rc.must("MAIL FROM:<a@example.org>", "503 5.5.1")
	rc.must("RSET", "250 2.0.0")
	rc.must("NOOP", "250 2.0.0")
}
