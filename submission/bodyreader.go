package submission

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"sync"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/internal/ascii"
	"github.com/msakit/msakit/policy"
)

// maxLineLen is the longest body line accepted, in octets including the
// CRLF: the text line limit of RFC 5321, Section 4.5.3.1.6 (1000), which
// is header.MaxLineLen and the CRLF. RFC 6152, Section 3 keeps it for
// 8BITMIME; only BINARYMIME (RFC 3030) lifts it.
const maxLineLen = header.MaxLineLen + 2

// bodyMode is what the transaction declared about its content (RFC 6152,
// RFC 3030).
type bodyMode uint8

const (
	body7Bit   bodyMode = iota // no BODY= (or 7BIT): 8-bit octets undeclared
	body8Bit                   // BODY=8BITMIME, or SMTPUTF8: any octet
	bodyBinary                 // BODY=BINARYMIME: no line structure
)

// bodyModeOf returns the content rules for a transaction's MAIL options.
// SMTPUTF8 alone allows 8-bit octets too (see Divergences in doc.go).
func bodyModeOf(o policy.MailOptions) bodyMode {
	switch {
	case o.Body == policy.BodyBinaryMIME:
		return bodyBinary
	case o.Body == policy.Body8BitMIME, o.SMTPUTF8:
		return body8Bit
	}
	return body7Bit
}

// declares8Bit reports whether MAIL declared 8-bit data with BODY=
// (RFC 6152, Section 3; RFC 3030, Section 3); SMTPUTF8 alone does not.
func declares8Bit(o policy.MailOptions) bool {
	return o.Body == policy.Body8BitMIME || o.Body == policy.BodyBinaryMIME
}

// messageReader is the reader Data returns. It serves the rendered header,
// then streams the message body from the client and enforces, while it
// streams, the rules of the message data that the header reader does
// not see: no bare CR or LF (RFC 5321, Section 2.3.8), no NUL (RFC 2045,
// Sections 2.7 and 2.8), lines of at most maxLineLen octets (RFC 5321,
// Section 4.5.3.1.6), and the size limit (RFC 1870). At the first 8-bit
// octet MAIL did not declare (RFC 6152, Section 3) it marks the
// transaction 8-bit, or refuses the message under
// Config.DisableUndeclared8Bit. It holds only a few counters: memory use
// does not depend on the body size.
//
// At the first violation Read returns a *policy.Reply, and returns it again
// on every later call. At the clean end of the body it writes the trace
// record, then returns io.EOF.
type messageReader struct {
	hdr     *header.Header // the final header, served field by field; nil once served
	hdrNext int            // index of the next field of hdr to serve (Len(): the separator)
	hdrRest []byte         // what is left to serve of the current field
	cr      countingReader // the client's reader, counted
	br      *bufio.Reader  // over cr, from readerPool; nil once given back
	a       *Agent         // logger, clock, trace sink
	ctx     context.Context
	mode    bodyMode
	tx      *policy.Transaction // marked Undeclared8Bit at the first undeclared 8-bit octet
	watch8  bool                // 8-bit octets are undeclared and none was seen yet
	strict8 bool                // Config.DisableUndeclared8Bit
	limit   int64               // octets the body may have; < 0: no limit
	n       int64               // body octets read so far
	lineLen int                 // octets of the current line read so far
	prevCR  bool                // the last octet read was CR
	rec     TraceRecord
	rcpt1   [1]envelope.Path // room for rec.Recipients of one recipient
	hdrSize int64
	charge  sendCharge // recipients charged to Config.Limits, given back on a refusal
	err     error      // sticky: the reply, or io.EOF

	sign       BodySigner         // nil: not signing
	signCancel context.CancelFunc // ends the Signer's context
	sig        []byte             // the fields sign.Sum made
}

var _ SignedReader = (*messageReader)(nil)

// Signature implements [SignedReader]: the signature fields, once the
// message was read to its clean end.
func (b *messageReader) Signature() []byte {
	if b.err != io.EOF {
		return nil
	}
	return b.sig
}

// Read reads the rendered header, then body octets after checking them;
// see messageReader.
func (b *messageReader) Read(p []byte) (int, error) {
	if b.hdr != nil {
		if n := b.readHeader(p); n > 0 {
			return n, nil
		}
	}
	if b.err != nil {
		return 0, b.err
	}
	if err := b.ctx.Err(); err != nil {
		return 0, b.stop(err)
	}
	n, rerr := b.br.Read(p)
	if n > 0 {
		b.n += int64(n)
		if b.limit >= 0 && b.n > b.limit {
			return 0, b.stop(replyMessageTooBig())
		}
		if err := b.check(p[:n]); err != nil {
			return 0, b.stop(err)
		}
		if b.sign != nil {
			if _, err := b.sign.Write(p[:n]); err != nil {
				if cerr := b.ctx.Err(); cerr != nil {
					err = cerr // the signer saw its context end first
				} else {
					err = signError("body", err)
				}
				return 0, b.stop(err)
			}
		}
	}
	switch {
	case rerr == nil:
		return n, nil
	case errors.Is(rerr, io.EOF):
		if err := b.finish(); err != nil {
			return 0, b.stop(err)
		}
		b.err = io.EOF
		b.putReader()
		return n, io.EOF
	default:
		return 0, b.stop(clientReadError(rerr))
	}
}

// readHeader copies into p what is left of the header, as
// [header.Header.Bytes] would give it: every field's bytes, then the
// separator line when the header had one. Serving the fields where they
// are saves copying the header into one block once a field was
// prepended, as the Received field always is (issue 15). It returns 0, and
// sets b.hdr to nil, once the header has been served.
func (b *messageReader) readHeader(p []byte) int {
	n := 0
	for n < len(p) {
		if len(b.hdrRest) > 0 {
			c := copy(p[n:], b.hdrRest)
			b.hdrRest = b.hdrRest[c:]
			n += c
			continue
		}
		switch i := b.hdrNext; {
		case i < b.hdr.Len():
			b.hdrRest = b.hdr.Field(i).Raw()
		case i == b.hdr.Len() && b.hdr.HasSeparator():
			b.hdrRest = crlf
		default:
			b.hdr = nil
			return n
		}
		b.hdrNext++
	}
	return n
}

// crlf is the separator line between header and body.
var crlf = []byte("\r\n")

// stop maps err to the reply the client gets, logs it once, makes it
// sticky, and gives back the recipients charged to the limits.
func (b *messageReader) stop(err error) error {
	b.endSigning()
	b.putReader()
	b.a.release(b.ctx, &b.charge)
	r, internal := ReplyFor(StageData, err)
	if b.a.obs != nil {
		b.a.obs.Observe(b.ctx, Event{Stage: StageData, Code: r.Code, Enhanced: r.EnhancedCode(), Policy: r.Policy, Size: b.hdrSize + b.n})
	}
	lg := &b.a.log
	attrs := []slog.Attr{
		slog.String(logKeyStage, StageData.String()),
		slog.Int(logKeyCode, r.Code),
		slog.String(logKeyEnhanced, r.EnhancedCode()),
		slog.String(logKeyID, b.rec.ID),
		clientString(logKeyIdentity, b.rec.Identity.User()),
		slog.String(logKeyRemote, b.rec.RemoteAddr.String()),
		slog.Int64(logKeySize, b.hdrSize+b.n),
	}
	switch {
	case isStoreError(err):
		// Logged at Error by storeFailed, once per outage and interval.
		lg.clientLog(b.ctx, slog.LevelInfo, "rejected: limit store unavailable", attrs...)
	case internal:
		lg.internalError(b.ctx, attrs, err)
	case errors.Is(err, header.ErrBareCR), errors.Is(err, header.ErrBareLF), errors.Is(err, header.ErrNUL):
		// Suspicious: the SMTP smuggling attacks rely on bare CR or LF,
		// and on NUL for next hops that drop it.
		lg.clientLog(b.ctx, slog.LevelWarn, "rejected: bare CR, bare LF or NUL in body", attrs...)
	default:
		lg.clientLog(b.ctx, slog.LevelInfo, "rejected", attrs...)
	}
	b.err = r
	return r
}

// finish runs at the end of the body: a CR left pending is bare, then the
// signature is made, the message is charged to the sending limits (after
// every check, RFC 6409 leaves the limits to site policy) and the trace
// record is written.
//
// These steps are the last stage of the submission, with their own stage
// deadline (RFC 6409, Section 5.3): the end of the data is when the client
// starts waiting for the reply.
func (b *messageReader) finish() error {
	if b.prevCR && b.mode != bodyBinary {
		return replyBareCR()
	}
	ctx, stage := b.a.stageContext(b.ctx, timedEnd)
	defer stage.end()
	if b.sign != nil {
		stop := cancelAtDeadline(ctx, b.signCancel)
		sig, err := b.sign.Sum()
		stop()
		b.endSigning()
		if err == nil {
			err = checkSignature(sig, b.tx.MailOptions.SMTPUTF8)
		}
		if err = overran(ctx, "signer", err); err != nil {
			if _, late := err.(*overrunError); late {
				return err
			}
			return signError("end of body", err)
		}
		b.sig = sig
	}
	charged, err := b.a.chargeMessage(ctx, &b.charge)
	if err = overran(ctx, "limit store", err); err != nil {
		if charged { // counted, but too late to answer in time
			b.a.giveBack(b.ctx, b.charge.msgKey, 1, b.a.cfg.Limits.Messages)
		}
		return err
	}
	b.rec.Time = b.a.now()
	b.rec.Size = b.hdrSize + b.n
	if err := overran(ctx, "trace sink", b.a.trace.Record(ctx, b.rec)); err != nil {
		if charged {
			b.a.giveBack(b.ctx, b.charge.msgKey, 1, b.a.cfg.Limits.Messages)
		}
		if _, late := err.(*overrunError); late {
			return err
		}
		// Not a reply: ReplyFor makes it 451 4.3.0 and marks it internal,
		// so stop logs the sink's error at Error, not as a client rejection.
		return errors.Join(errTraceFailed, err)
	}
	b.charge.rcpts = 0 // accepted: the recipients stay counted
	if b.a.obs != nil {
		b.a.obs.Observe(b.ctx, Event{Stage: StageData, Size: b.rec.Size})
	}
	lg := &b.a.log
	if lg.enabled(b.ctx, slog.LevelDebug) {
		lg.log(b.ctx, slog.LevelDebug, "accepted",
			slog.String(logKeyStage, StageData.String()),
			slog.String(logKeyID, b.rec.ID),
			slog.Int64(logKeySize, b.rec.Size))
	}
	return nil
}

// check checks the octets p, which follow those already checked.
func (b *messageReader) check(p []byte) error {
	if b.mode == bodyBinary {
		return nil
	}
	if b.watch8 && has8Bit(p) {
		if b.mode == body7Bit && b.strict8 {
			return reply8Bit()
		}
		b.mark8Bit()
	}
	if bytes.IndexByte(p, 0) >= 0 {
		return replyNUL()
	}
	if b.prevCR && p[0] != '\n' {
		return replyBareCR()
	}
	// Every LF must follow a CR; each ends a line whose length is checked.
	rest, off, pairs := p, 0, 0
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		pos := off + i
		switch {
		case pos == 0:
			if !b.prevCR {
				return replyBareLF()
			}
		case p[pos-1] != '\r':
			return replyBareLF()
		default:
			pairs++
		}
		if b.lineLen+i+1 > maxLineLen {
			if i >= 2 && bytes.IndexByte(rest[:i-1], '\r') >= 0 {
				return replyBareCR()
			}
			return replyLineTooLong()
		}
		b.lineLen = 0
		rest, off = rest[i+1:], pos+1
	}
	// Every CR must be followed by LF: all CRs are in the pairs counted
	// above, except one that ends p and waits for the next read.
	trailing := p[len(p)-1] == '\r'
	want := pairs
	if trailing {
		want++
	}
	if bytes.Count(p, []byte{'\r'}) != want {
		return replyBareCR()
	}
	b.prevCR = trailing
	b.lineLen += len(rest)
	// The line so far plus at least its LF must fit.
	if b.lineLen+1 > maxLineLen {
		return replyLineTooLong()
	}
	return nil
}

// readerPool holds the bufio.Readers of finished messages, so that a
// message does not allocate and clear a new 4 KiB buffer (issue 15).
var readerPool = sync.Pool{New: func() any { return bufio.NewReader(nil) }}

// getReader returns a bufio.Reader over r from readerPool.
func getReader(r io.Reader) *bufio.Reader {
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

// putReader gives the bufio.Reader back to readerPool once the message has
// ended (the error is sticky: Read never uses it again). A reader that is
// abandoned before its end keeps its buffer, which the GC collects.
func (b *messageReader) putReader() {
	if b.br == nil {
		return
	}
	b.br.Reset(nil) // drop the client's reader
	readerPool.Put(b.br)
	b.br = nil
}

// mark8Bit treats the transaction as 8BITMIME from its first undeclared
// 8-bit octet on (RFC 6152, Section 3; RFC 6409, Section 8): the
// Transaction and the trace record say so, and one Info record per message
// tells the operator which client left BODY=8BITMIME out.
func (b *messageReader) mark8Bit() {
	b.watch8 = false
	b.tx.Undeclared8Bit = true
	b.rec.Body = b.tx.BodyType()
	b.a.logUndeclared8Bit(b.ctx, b.rec.ID, b.rec.Identity, b.rec.RemoteAddr)
}

// logUndeclared8Bit writes the Info record of a message whose 8-bit data
// MAIL did not declare (see messageReader.mark8Bit).
func (a *Agent) logUndeclared8Bit(ctx context.Context, id string, who auth.Identity, remote netip.AddrPort) {
	a.log.clientLog(ctx, slog.LevelInfo, "accepted 8-bit data without BODY=8BITMIME; treated as 8BITMIME",
		slog.String(logKeyStage, StageData.String()),
		slog.String(logKeyID, id),
		clientString(logKeyIdentity, who.User()),
		slog.String(logKeyRemote, remote.String()))
}

// has8Bit reports whether p has an octet above 127 (RFC 6152).
func has8Bit(p []byte) bool { return !ascii.IsBytes(p) }

// endSigning ends the Signer's context; the BodySigner is not used again.
func (b *messageReader) endSigning() {
	if b.signCancel != nil {
		b.signCancel()
		b.signCancel = nil
	}
	b.sign = nil
}
