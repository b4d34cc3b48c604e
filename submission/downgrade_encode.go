package submission

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"

	"github.com/msakit/msakit/internal/ascii"
)

// The transfer encoders of [Downgrade]. The standard library's
// quoted-printable writer (which go-message uses) turns a lone CR or LF
// into a line break, so a body would not decode back to its octets; these
// keep every octet (RFC 2045, Sections 6.7 and 6.8).

// qpWriter encodes a body as quoted-printable (RFC 2045, Section 6.7): CRLF
// becomes a line break, every other octet outside "!" to "~" (and "=") is
// encoded as =XX, space and tab are encoded before a line break, and lines
// are cut with soft line breaks at 76 characters. An encoded line never
// starts with "-" after a soft line break, so that no line of the output
// can look like a boundary delimiter that was not one in the input.
type qpWriter struct {
	w        *bufio.Writer
	col      int  // characters on the current output line
	ws       byte // a space or tab not yet written: its fate depends on what follows
	cr       bool // a CR not yet written
	softJust bool // the last thing written was a soft line break
}

func (q *qpWriter) Write(p []byte) (int, error) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if q.cr {
			q.cr = false
			if c == '\n' {
				q.lineBreak()
				continue
			}
			q.flushSpace()
			q.encode('\r')
		}
		switch {
		case c == '\r':
			q.cr = true // wait: CRLF, or a lone CR
		case c == ' ' || c == '\t':
			q.flushSpace()
			q.ws = c
		case c > ' ' && c <= '~' && c != '=':
			q.flushSpace()
			// Copy the run of plain characters that fits on the line.
			j := i + 1
			for j < len(p) && j-i < qpMaxLine-1-q.col && p[j] > ' ' && p[j] <= '~' && p[j] != '=' {
				j++
			}
			q.literal(p[i:j])
			i = j - 1
		default:
			q.flushSpace()
			q.encode(c)
		}
	}
	return len(p), nil
}

// Close encodes what is pending at the end of the body: a trailing space or
// tab (the line ends there) and a lone CR. The writer's own errors surface
// when the bufio.Writer is flushed.
func (q *qpWriter) Close() {
	if q.cr {
		q.cr = false
		q.flushSpace()
		q.encode('\r')
	}
	if q.ws != 0 {
		c := q.ws
		q.ws = 0
		q.encode(c)
	}
}

// lineBreak writes a hard line break, encoding a space or tab before it.
func (q *qpWriter) lineBreak() {
	if q.ws != 0 {
		c := q.ws
		q.ws = 0
		q.encode(c)
	}
	_, _ = q.w.WriteString("\r\n")
	q.col, q.softJust = 0, false
}

// flushSpace writes a pending space or tab as itself: something other than
// a line break follows it.
func (q *qpWriter) flushSpace() {
	if q.ws != 0 {
		c := q.ws
		q.ws = 0
		q.room(1)
		_ = q.w.WriteByte(c)
		q.col++
		q.softJust = false
	}
}

// room makes room for n characters on the line, with a soft line break
// when needed (the "=" counts toward the 76).
func (q *qpWriter) room(n int) {
	if q.col+n > qpMaxLine-1 {
		_, _ = q.w.WriteString("=\r\n")
		q.col, q.softJust = 0, true
	}
}

func (q *qpWriter) literal(b []byte) {
	q.room(len(b))
	if q.softJust && b[0] == '-' {
		q.encode('-')
		if len(b) > 1 {
			q.literal(b[1:])
		}
		return
	}
	_, _ = q.w.Write(b)
	q.col += len(b)
	q.softJust = false
}

func (q *qpWriter) encode(c byte) {
	q.room(3)
	if q.w.Available() < 3 {
		_ = q.w.Flush() // so that the append below does not allocate
	}
	_, _ = q.w.Write(append(q.w.AvailableBuffer(), '=', upperHex[c>>4], upperHex[c&0xf]))
	q.col += 3
	q.softJust = false
}

const upperHex = "0123456789ABCDEF"

// fixQPLine writes one whole line of a quoted-printable body that holds raw
// octets above 127, with those octets encoded as =XX: a lenient decoder
// reads a raw octet as itself, so the decoded body does not change. An "="
// that starts no escape is encoded too (such decoders read it as itself);
// escapes, a final soft line break and the line ending are kept. Soft line
// breaks keep the line within 76 characters where the input allowed it.
func fixQPLine(w *bufio.Writer, line []byte) error {
	body, ending := line, []byte(nil)
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		body, ending = line[:i], line[i:]
		if bytes.HasSuffix(body, []byte("\r")) {
			body, ending = body[:len(body)-1], line[i-1:]
		}
	}
	// A soft line break: "=" then white space up to the line ending.
	trimmed := bytes.TrimRight(body, " \t")
	var soft []byte
	if len(trimmed) > 0 && trimmed[len(trimmed)-1] == '=' {
		soft = body[len(trimmed)-1:]
		body = trimmed[:len(trimmed)-1]
	}
	col, softJust := 0, false
	emit := func(tok []byte) {
		if col+len(tok) > qpMaxLine-1 {
			_, _ = w.WriteString("=\r\n")
			col, softJust = 0, true
		}
		if softJust && tok[0] == '-' {
			tok = []byte("=2D")
		}
		_, _ = w.Write(tok)
		col += len(tok)
		softJust = false
	}
	var esc [3]byte
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '=' && i+2 < len(body) && ascii.IsHexDigit(body[i+1]) && ascii.IsHexDigit(body[i+2]):
			emit(body[i : i+3])
			i += 2
		case c == '=' || c >= 0x80:
			esc = [3]byte{'=', upperHex[c>>4], upperHex[c&0xf]}
			emit(esc[:])
		default:
			emit(body[i : i+1])
		}
	}
	_, _ = w.Write(soft)
	_, err := w.Write(ending)
	return err
}

// b64Lines cuts base64 output into lines of 76 characters (RFC 2045,
// Section 6.8), CRLF between them and none after the last.
type b64Lines struct {
	w   *bufio.Writer
	col int
}

func (b *b64Lines) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if b.col == b64MaxLine {
			_, _ = b.w.WriteString("\r\n")
			b.col = 0
		}
		k := min(b64MaxLine-b.col, len(p))
		if _, err := b.w.Write(p[:k]); err != nil {
			return 0, err
		}
		b.col += k
		p = p[k:]
	}
	return n, nil
}

func base64Encoder(w io.Writer) io.WriteCloser { return base64.NewEncoder(base64.StdEncoding, w) }
