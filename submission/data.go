package submission

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
)

// Data handles the message of DATA or BDAT (RFC 5321, Section 4.1.1.4; RFC
// 3030; RFC 6409, Section 7 makes the rules of DATA apply to BDAT). r is the
// message content as the server received it, after dot-unstuffing for DATA
// or the concatenated chunks for BDAT, with CRLF line endings.
//
// Data reads only the header block from r (bounded by Config.Header and
// Config.MaxSize), runs the DATA stage of the policy chain (all checks on
// the header as sent, then the rewrites: Date, Message-ID, ...), prepends
// the Received field (RFC 5321, Section 4.4; "with" per RFC 3848 and RFC
// 6531, Section 4.3; the TLS version and cipher suite per RFC 8314,
// Section 4.3; "for" only with exactly one recipient, so Bcc recipients do
// not leak; none with Config.DisableReceived) and returns a reader of the
// message to queue: the new header followed by the body, streamed from r
// without buffering. Memory use is O(header size).
//
// The returned reader checks the body while it streams and fails with a
// *policy.Reply at the first problem:
//
//   - 554 5.6.0 for a bare CR or bare LF (RFC 5321, Section 2.3.8; the SMTP
//     smuggling attacks; the cause in the log is [header.ErrBareCR] or
//     [header.ErrBareLF], as for a bare CR or LF in the header), logged
//     at Warn;
//   - 554 5.6.0 for a NUL octet (RFC 2045, Section 2.7 and 2.8: not in
//     7bit or 8bit data; [header.ErrNUL]), logged at Warn;
//   - 554 5.6.0 for a line over 1000 octets including CRLF (RFC 5321,
//     Section 4.5.3.1.6; [header.ErrLineTooLong]). 554 rather than the "500 Line
//     too long" of Section 4.5.3.1.9: 500 is not a reply to the end of
//     data (Section 4.3.2), while 554 is the general submission rejection
//     (RFC 6409, Section 4.1);
//   - 554 5.6.1 for an octet above 127 without BODY=8BITMIME, BINARYMIME
//     or SMTPUTF8, only under Config.DisableUndeclared8Bit (RFC 6152,
//     Section 3; X.6.1 "media not supported", RFC 3463, Section 3.7).
//     By default such data is accepted: at its first 8-bit
//     octet the transaction is marked ([policy.Transaction].Undeclared8Bit,
//     so BodyType is 8BITMIME, and so is the TraceRecord's Body), and one
//     Info record names the submission (RFC 6409, Section 8);
//   - 552 5.3.4 when header and body exceed Config.MaxSize (RFC 1870);
//   - 451 4.7.1 at the end of the data when the message would take the
//     sender over Config.Limits.Messages (the message is counted only
//     here, after every check), with the time left in the text;
//   - 451 4.3.0 for an I/O error of r, a done ctx, a failing TraceSink or
//     a limit store failing closed.
//
// When the reader fails, the recipients the transaction charged to
// Config.Limits.Recipients are given back; so they are when Data itself
// fails. A reader abandoned before its end keeps them charged until their
// window ends, as does a message the server fails to queue after the
// reader reached its end.
//
// With BODY=BINARYMIME only the size is checked: binary content has no
// line structure and may carry any octet, NUL included (RFC 3030, Section
// 3).
//
// When the reader reaches the end of r with no problem, it finishes the
// signature (with a Config.Signer), writes the [TraceRecord] to
// Config.Trace, and only then returns io.EOF: the record is written before
// the server queues the message, so the server must treat an error from the
// reader as a rejection and discard what it read. ctx is kept by the reader
// for the signer, the trace sink and logging.
//
// The reader is always a [SignedReader]; Data declares an io.Reader (the
// public contract), so a server that signs gets the fields with a type
// assertion. With a Config.Signer, the message to queue is its Signature,
// valid after io.EOF, followed by what Read returned: the server writes
// the signature fields in front of the message before it commits it (see
// [Signer]):
//
//	msg, err := sess.Data(ctx, r)
//	if err != nil {
//		return err // a *policy.Reply
//	}
//	if _, err := io.Copy(spool, msg); err != nil {
//		return err // msakit's *policy.Reply, or the spool's error: discard the spool
//	}
//	sig := msg.(submission.SignedReader).Signature() // nil when unsigned
//	// queue sig, then what the spool holds
//
// A failing Signer, or fields from it that are not well-formed header
// fields, are 451 4.3.0, from Data or from the reader, logged at Error;
// never a corrupt message.
//
// Data itself replies 503 5.5.1 without an open transaction or without an
// accepted recipient (RFC 5321, Section 3.3), 552 5.3.4 for a header that is
// too big, 554 5.6.0 for a malformed header (bare CR or LF, a line over 998
// octets, not a header), 554 5.6.1 for 8-bit octets in the header without
// SMTPUTF8 (RFC 6532, Section 3: a header cannot be converted to 7 bits,
// whatever BODY= says), a policy's reply (550 5.7.1 for a From the
// identity may not use, 554 5.6.0, ...) or 451 4.3.0. Every error, from
// Data and from the reader, is a *policy.Reply.
//
// Once Data has started reading, the transaction is over (RFC 5321, Section
// 4.1.1.4): a new MAIL may follow without Reset, and
// [Session.Transaction] still returns the finished transaction until then.
// The reader is valid until read to its end or abandoned; it does not use
// the Session, so it may be read after the next command. When it fails, the
// server must still consume the rest of the client's data itself.
func (s *Session) Data(ctx context.Context, r io.Reader) (_ io.Reader, err error) {
	if s.state != txOpen {
		return nil, s.fail(ctx, StageData, replyNeedMail(), idAttr(""))
	}
	if len(s.tx.Recipients) == 0 {
		return nil, s.fail(ctx, StageData, replyNeedRcpt(), idAttr(s.tx.ID))
	}
	s.state = txDone
	// The reader state and the byte counter were allocated with the
	// transaction (txHolder); the bufio.Reader comes from a pool and goes
	// back at the reader's end.
	m := &s.txh.reader
	*m = messageReader{a: s.a, ctx: ctx}
	// The recipients charged so far go with the message: the reader gives
	// them back if the message is refused.
	m.charge, s.charge = s.charge, sendCharge{}
	defer func() {
		if err != nil {
			s.a.release(ctx, &m.charge)
			m.putReader()
		}
	}()
	m.cr.r = r
	br := getReader(&m.cr)
	m.br = br
	h, err := header.Read(br, s.a.headerOpts)
	if err != nil {
		return nil, s.fail(ctx, StageData, clientReadError(err), idAttr(s.tx.ID))
	}
	hdrSize := m.cr.n - int64(br.Buffered())
	mode := bodyModeOf(s.tx.MailOptions)
	m.tx = s.tx
	m.watch8 = !declares8Bit(s.tx.MailOptions)
	m.strict8 = s.a.cfg.DisableUndeclared8Bit
	if !h.IsASCII() {
		// A header cannot be converted to 7 bits: its 8-bit octets need
		// SMTPUTF8 (RFC 6532, Section 3), whatever BODY= says.
		if !s.tx.MailOptions.SMTPUTF8 {
			return nil, s.fail(ctx, StageData, reply8BitHeader(), idAttr(s.tx.ID))
		}
		if m.watch8 {
			m.watch8 = false
			s.tx.Undeclared8Bit = true
			s.a.logUndeclared8Bit(ctx, s.tx.ID, s.conn.Identity, s.conn.RemoteAddr)
		}
	}
	// From here to the reader's return the callbacks share the stage
	// deadline (RFC 6409, Section 5.3); the header was the client's time.
	sctx, stage := s.a.stageContext(ctx, timedData)
	defer stage.end()
	if err := overran(sctx, "policy chain", s.a.chain.Data(sctx, &s.conn, s.tx, h)); err != nil {
		return nil, s.fail(ctx, StageData, err, idAttr(s.tx.ID))
	}
	if !s.a.cfg.DisableReceived {
		rcv, err := s.received().Field()
		if err == nil {
			err = h.PrependField(rcv)
		}
		if err != nil {
			// Our own field failed: internal, never the client's fault, so
			// the header error is not wrapped (it would map to 554).
			return nil, s.fail(ctx, StageData, fmt.Errorf("submission: adding Received: %v", err), idAttr(s.tx.ID))
		}
	}
	m.sign, m.signCancel, err = s.startSigning(ctx, sctx, h)
	if err != nil {
		return nil, s.fail(ctx, StageData, err, idAttr(s.tx.ID))
	}
	m.hdr = h
	m.limit = -1
	if s.a.maxSize > 0 {
		m.limit = s.a.maxSize - hdrSize
	}
	m.mode = mode
	m.hdrSize = hdrSize
	m.rec = s.traceRecord(h, m.rcpt1[:0])
	return m, nil
}

// received builds the Received field of this submission (RFC 5321, Section
// 4.4).
func (s *Session) received() header.Received {
	rcv := header.Received{
		Helo:          s.conn.Helo,
		By:            s.a.cfg.Hostname,
		ESMTP:         s.conn.ESMTP,
		TLS:           s.conn.TLS,
		Authenticated: s.authenticated(),
		SMTPUTF8:      s.tx.MailOptions.SMTPUTF8,
		ID:            s.tx.ID,
		Date:          s.a.now(),
	}
	if !s.a.cfg.DisableReceivedClientAddr {
		rcv.ClientAddr = s.conn.RemoteAddr.Addr()
	}
	if len(s.tx.Recipients) == 1 {
		rcv.For = s.tx.Recipients[0].Path
	}
	return rcv
}

// traceRecord collects what the trace record needs, copied so that the
// reader does not depend on the session after Data returns. The recipients
// are appended to rcpts, whose room holds the usual one.
func (s *Session) traceRecord(h *header.Header, rcpts []envelope.Path) TraceRecord {
	if n := len(s.tx.Recipients); n > cap(rcpts) {
		rcpts = make([]envelope.Path, 0, n)
	}
	for _, r := range s.tx.Recipients {
		rcpts = append(rcpts, r.Path)
	}
	mid, _ := h.Get("Message-ID")
	return TraceRecord{
		ID:         s.tx.ID,
		Identity:   s.conn.Identity,
		RemoteAddr: s.conn.RemoteAddr,
		From:       s.tx.From,
		Recipients: rcpts,
		MessageID:  mid,
		Body:       s.tx.BodyType(),
	}
}

// countingReader counts the octets read from the client, so that the size
// of the header as received is known.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

var _ io.Reader = (*countingReader)(nil)

// idAttr is the log attribute of a submission id.
func idAttr(id string) slog.Attr { return slog.String(logKeyID, id) }
