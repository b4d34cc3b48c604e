package gosmtp

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// smugglingEnds are the malformed end-of-data sequences of the SMTP
// smuggling research (SEC Consult / Timo Longin, 2023, and the test tools
// that followed it: hannob/smtpsmug, smtp_smuggling_checker), and the ones
// issue 8 adds. A server that takes any of them for the end of data reads
// what follows as commands; a next hop that does smuggles a second message.
var smugglingEnds = []string{
	"\n.\n", "\n.\r\n", "\n.\r", "\n\n.\r\n",
	"\r.\r", "\r.\r\n", "\r.\n",
	"\r\n.\r", "\r\n.\n", "\r\n.\r\r\n",
	"\r\n\x00.\r\n", "\r\n.\x00\r\n", "\r\n\x00.\r", "\r\n\x00.\n",
	"\r\n.", // the dot opens a line of text: dot-stuffing, no end at all
}

// smuggledMessage is the second transaction hidden behind a fake end of
// data, as a client writes it (its own end of data included).
const smuggledMessage = "MAIL FROM:<a@example.org>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n" +
	"From: <a@example.org>\r\nTo: <c@example.net>\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\n"

// TestSmuggling sends each end-of-data variant followed by a second
// transaction, in DATA and in BDAT (7bit and BINARYMIME), in cleartext and
// after STARTTLS. None may end the data: the client gets exactly one reply
// to its message, msakit refuses a bare CR, bare LF or NUL (554 5.6.0), and
// where it accepts (BINARYMIME, or a dot-stuffed line) the one message
// delivered holds every octet sent, the would-be second transaction as
// text. NOOP then gets its own 250: nothing else was run.
//
// The first case, "\r\n.\r\n", is the real end of data: the second
// transaction is then pipelined for real and delivered, which shows the
// test would see a smuggled one.
func TestSmuggling(t *testing.T) {
	t.Parallel()
	const first = trustedHeader + "first message, then a fake end of data"
	for _, end := range append([]string{"\r\n.\r\n"}, smugglingEnds...) {
		for _, verb := range []string{"DATA", "BDAT", "BDAT BINARYMIME"} {
			for _, mode := range connModes {
				t.Run(strconv.Quote(end)+"/"+verb+"/"+mode, func(t *testing.T) {
					t.Parallel()
					ts, rc := trustedClient(t, mode)
					binary := verb == "BDAT BINARYMIME"
					if binary {
						rc.transaction(" BODY=BINARYMIME")
					} else {
						rc.transaction()
					}
					// What a correct reader makes of the octets: the content of
					// the first message, ending where the client's data ends.
					sent := first + end + smuggledMessage
					var content string
					if verb == "DATA" {
						rc.must("DATA", "354")
						rc.write([]byte(sent))
						content, _ = dotUnstuff(sent)
					} else {
						// The whole of it in one last chunk: BDAT data has no
						// end-of-data sequence (RFC 3030, Section 2).
						rc.write(fmt.Appendf(nil, "BDAT %d LAST\r\n%s", len(sent), sent))
						content = sent
					}
					if verb == "DATA" && end == "\r\n.\r\n" {
						// The control: two messages, both accepted.
						for _, want := range []string{"250 2.0.0", "250 2.0.0", "250 2.0.0", "354", "250 2.0.0"} {
							rc.expect(want)
						}
						ts.delivered(t, 2)
						return
					}
					r := rc.read()
					rc.must("NOOP", "250 2.0.0")
					switch {
					case binary || !hasBareEOLOrNUL(content):
						if !r.is("250 2.0.0") {
							t.Fatalf("reply %v, want 250 2.0.0 for content %q", r, content)
						}
						d := ts.delivered(t, 1)[0].data
						body := content[len(trustedHeader)-2:]
						if !bytes.HasSuffix(d, []byte(body)) {
							t.Errorf("delivered message does not end with the content sent:\n got %q\nwant suffix %q", d, body)
						}
					default:
						if !r.is("554 5.6.0") {
							t.Fatalf("reply %v, want 554 5.6.0", r)
						}
						ts.delivered(t, 0)
					}
				})
			}
		}
	}
}

// hasBareEOLOrNUL reports whether s has a CR not followed by LF, an LF not
// preceded by CR, or a NUL.
func hasBareEOLOrNUL(s string) bool {
	return bareEOL([]byte(s)) >= 0 || strings.IndexByte(s, 0) >= 0
}
