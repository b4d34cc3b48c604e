package milter

import (
	"bufio"
	"context"
	"errors"
	"io"

	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// message runs one message through [submission.Session.Data] while the MTA
// sends it: the header fields and body chunks of the milter events are
// written, as they arrive, into a pipe whose reader is Data's input, and a
// goroutine reads what Data returns. msakit's header checks run when the
// header is complete (end of header), its body checks on each chunk as the
// goroutine reads it; nothing is buffered beyond the header and the pipe's
// hand-over of one chunk. At the end of the message the header msakit
// returned is compared with the one the MTA sent, which yields the milter
// header modifications (see edits.go).
type message struct {
	pw     *io.PipeWriter
	pr     *io.PipeReader
	cancel context.CancelFunc

	// orig holds the header fields as the MTA sent them, each rebuilt as
	// "Name:value\r\n" with the value's line breaks as CRLF, the form
	// Data read them in.
	orig []origField
	// bad is set when a field cannot be rebuilt as one header field.
	bad error

	hdrDone chan struct{} // closed when Data has returned
	done    chan struct{} // closed when the goroutine has ended
	dataErr error         // Data's error; valid after hdrDone
	out     *header.Header
	sig     []byte // the Signer's fields (submission.SignedReader), nil for none
	err     error  // the message's result; valid after done
}

// errAborted closes the pipe when the MTA aborts the message (RSET, a
// later refusal, a lost client): Data's reader fails with it and the
// message is never accepted. A reply, so that msakit logs it as the end of
// a transaction, not as an internal error.
func errAborted() error {
	return &policy.Reply{Code: 451, Enhanced: "4.3.0", Text: "Message aborted by the MTA"}
}

// startMessage starts Data on s. The goroutine ends when the message is
// complete (finish), aborted (abort) or refused.
func startMessage(ctx context.Context, s *submission.Session) *message {
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	m := &message{pw: pw, pr: pr, cancel: cancel, hdrDone: make(chan struct{}), done: make(chan struct{})}
	go m.run(ctx, s)
	return m
}

func (m *message) run(ctx context.Context, s *submission.Session) {
	defer close(m.done)
	r, err := s.Data(ctx, m.pr)
	m.dataErr = err
	close(m.hdrDone)
	if err != nil {
		m.err = err
		m.pr.CloseWithError(err) // later writes fail at once
		return
	}
	// The reader serves msakit's header first; read it with msakit's own
	// parser (its bounds were applied to the input already), then let the
	// body stream through the reader's checks.
	// A small buffer: header.Read copies the fields into its own block,
	// and the body goes on to io.Discard's buffer (bufio's WriteTo).
	br := bufio.NewReaderSize(r, 512)
	h, err := header.Read(br, header.ReadOptions{MaxSize: -1, MaxFields: -1, MaxLineLen: -1})
	if err == nil {
		_, err = br.WriteTo(io.Discard)
	}
	if err != nil {
		m.err = err
		m.pr.CloseWithError(err)
		return
	}
	m.out = h
	if sr, ok := r.(submission.SignedReader); ok {
		m.sig = sr.Signature()
	}
}

// field writes one header field (RFC 5322, Section 2.2) as the MTA passed
// it: name and value (everything after the colon, with LF line breaks and,
// when leadSpace is false, without the one space the MTA removed). A value
// whose line break is not followed by white space would read as two
// fields; it is refused at end of header.
func (m *message) field(name, value string, leadSpace bool) error {
	if m.bad != nil {
		return m.bad
	}
	b := make([]byte, 0, len(name)+len(value)+4)
	b = append(b, name...)
	b = append(b, ':')
	if !leadSpace {
		b = append(b, ' ')
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c == '\n' {
			if i+1 < len(value) && value[i+1] != ' ' && value[i+1] != '\t' {
				// 554 5.6.0, as msakit refuses a header it cannot read
				// (RFC 5322, Section 2.2; RFC 3463, Section 3.7).
				m.bad = &policy.Reply{Code: 554, Enhanced: "5.6.0", Text: "Message header syntax error (RFC 5322, Section 2.2)"}
				return m.bad
			}
			if i == 0 || value[i-1] != '\r' {
				b = append(b, '\r')
			}
		}
		b = append(b, c)
	}
	b = append(b, '\r', '\n')
	m.orig = append(m.orig, origField{name: name, raw: b})
	return m.write(b)
}

// endOfHeader writes the empty line that ends the header and waits for
// Data's verdict on it.
func (m *message) endOfHeader() error {
	if m.bad != nil {
		return m.bad
	}
	werr := m.write([]byte("\r\n"))
	<-m.hdrDone
	if m.dataErr != nil {
		return m.dataErr
	}
	return werr
}

// body writes one body chunk. The error is that of an earlier chunk (or of
// the header): the goroutine checks a chunk after the write has handed it
// over.
func (m *message) body(p []byte) error {
	if m.bad != nil {
		return m.bad
	}
	return m.write(p)
}

// write hands p to Data's reader. Once the reader has failed it returns
// that failure without blocking.
func (m *message) write(p []byte) error {
	_, err := m.pw.Write(p)
	if errors.Is(err, io.ErrClosedPipe) {
		err = errAborted()
	}
	return err
}

// finish ends the message and returns its result: nil when msakit accepted
// it (the trace record is written by then) or the refusal.
func (m *message) finish() error {
	if m.bad != nil {
		m.abort()
		return m.bad
	}
	m.pw.Close()
	<-m.done
	m.cancel()
	return m.err
}

// abort ends the message without accepting it and waits for the goroutine.
func (m *message) abort() {
	m.pw.CloseWithError(errAborted())
	m.cancel()
	<-m.done
}
