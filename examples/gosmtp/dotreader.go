package gosmtp

import (
	"bufio"
	"bytes"
	"io"
)

// dotState is where a dotReader stands in the DATA stream.
type dotState uint8

const (
	dotLineStart dotState = iota // after CRLF, or at the start of the data
	dotDot                       // a '.' opened the line
	dotDotCR                     // ".\r" opened the line
	dotCR                        // after a CR inside a line
	dotMid                       // inside a line
	dotDone                      // the end of data was read
)

// dotReader reads the message content of DATA from the client's octets as
// RFC 5321, Section 4.5.2 defines it: lines end with CRLF, a line that
// starts with '.' loses that '.', and the data ends at the line that is
// only "." (CRLF "." CRLF, the CRLF before it ending the last line of the
// message). Nothing else is changed or dropped: a bare CR or LF, a NUL, a
// ".\r" not followed by LF all reach msakit, which refuses them (RFC 5321,
// Section 2.3.8), so no end-of-data variant of the SMTP smuggling attacks
// is ever read as anything but message content.
//
// go-smtp's own DATA reader (data.go) drops the '.' and the CR of a line
// that starts with ".\r" and goes on with other text, so msakit would
// never see that bare CR; the adapter reads DATA through this reader
// instead, and go-smtp's reader only ever sees the end of data.
type dotReader struct {
	r     *bufio.Reader
	state dotState
}

// Read reads decoded message content; it returns io.EOF once the end of
// data has been read, and io.ErrUnexpectedEOF when the client's octets end
// before it. Other errors of the client's connection are returned as they
// are.
func (d *dotReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if d.state == dotDone {
			return n, io.EOF
		}
		if d.r.Buffered() == 0 && n > 0 {
			return n, nil // do not wait for the client with content in hand
		}
		if d.state == dotMid && d.r.Buffered() > 0 {
			// Fast path: copy up to and including the next CR.
			buf, _ := d.r.Peek(min(d.r.Buffered(), len(p)-n))
			if i := bytes.IndexByte(buf, '\r'); i >= 0 {
				buf = buf[:i+1]
				d.state = dotCR
			}
			n += copy(p[n:], buf)
			_, _ = d.r.Discard(len(buf))
			continue
		}
		c, err := d.r.ReadByte()
		if err != nil {
			if err == io.EOF { //nolint:errorlint // bufio returns io.EOF unwrapped
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		switch d.state {
		case dotLineStart:
			if c == '.' {
				d.state = dotDot
				continue
			}
		case dotDot:
			// The '.' that opened the line is dropped (transparency).
			if c == '\r' {
				d.state = dotDotCR
				continue
			}
		case dotDotCR:
			if c == '\n' {
				d.state = dotDone
				return n, io.EOF
			}
			// ".\r" and more: the CR is content, read c again after it.
			_ = d.r.UnreadByte()
			c = '\r'
			d.state = dotLineStart // so that the CR below moves to dotCR
		}
		p[n] = c
		n++
		switch {
		case c == '\r':
			d.state = dotCR
		case c == '\n' && d.state == dotCR:
			d.state = dotLineStart
		default:
			d.state = dotMid
		}
	}
	return n, nil
}

// done reports whether the end of data has been read.
func (d *dotReader) done() bool { return d.state == dotDone }
